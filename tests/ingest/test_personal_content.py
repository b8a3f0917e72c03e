"""Personal data found by its content, whatever the column is called.

Checksums are checked against published valid numbers (the card schemes' test numbers,
ISO 13616's example IBANs) and single-digit changes of them; the end-to-end tests search
the warehouse file's bytes after a checkpoint, as an attacker with the file would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from pathlib import Path

import duckdb
import pytest

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.ingest.personal_content import (
    PersonalKind,
    classify_values,
    iban_valid,
    is_free_text,
    luhn_valid,
    scrub_sql,
)
from orderlens.settings import FreeTextHandling, Settings
from tests.ingest.conftest import query

KEY = "content-test-key"
CARD = "4111111111111111"
OTHER_CARD = "5500 0000 0000 0004"
IBAN = "DE89370400440532013000"
OTHER_IBAN = "GB82 WEST 1234 5698 7654 32"
EMAIL = "jane.doe@example.org"
CUSTOMER_NUMBER = "+49 170 5550123"
GERMAN_PHONE = "0170 5550124"
BIRTH_DATES = ("1980-02-03", "1955-11-30", "2001-07-14")
NOTE_EMAIL = "zed@example.net"
NOTE_PHONE = "+49 170 5550125"
RAW_VALUES = (CARD, IBAN, EMAIL, CUSTOMER_NUMBER, GERMAN_PHONE, NOTE_EMAIL, NOTE_PHONE)


def _pseudonym(value: str) -> str:
    return "p_" + hmac.new(KEY.encode(), value.encode("utf-8"), hashlib.sha256).hexdigest()


def _csv(path: Path, first_case: str = "C1") -> Path:
    """Personal data under names no rule knows, an email in ``resource`` and a note."""
    path.write_text(
        "case_id,activity,event_at,resource,card_number,iban,dob,mail,cust_no,Kundennummer,note\n"
        f"{first_case},Order Created,2024-05-01T08:00:00Z,{EMAIL},{CARD},{IBAN},"
        f"{BIRTH_DATES[0]},max@example.com,{CUSTOMER_NUMBER},{GERMAN_PHONE},"
        f'"please call {NOTE_PHONE} or mail {NOTE_EMAIL}, thanks"\n'
        f"{first_case},Order Shipped,2024-05-01T09:00:00Z,picker-2,{OTHER_CARD},{OTHER_IBAN},"
        f"{BIRTH_DATES[1]},eve@example.com,+44 20 7946 0958,030/1234567,"
        f'"card {CARD} was declined by the bank"\n'
        f"C9,Order Created,2024-05-02T08:00:00Z,picker-3,{CARD},{IBAN},{BIRTH_DATES[2]},"
        f"max@example.com,{CUSTOMER_NUMBER},{GERMAN_PHONE},nothing to see here at all\n",
        encoding="utf-8",
    )
    return path


def _checkpointed_bytes(settings: Settings) -> bytes:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("CHECKPOINT")
    return settings.warehouse_path.read_bytes()


@pytest.mark.parametrize(
    "number", ["4111111111111111", "5500000000000004", "378282246310005", "6011111111111117"]
)
def test_luhn_valid_accepts_the_card_schemes_test_numbers(number: str) -> None:
    assert luhn_valid(number)
    changed = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not luhn_valid(changed)


@pytest.mark.parametrize("iban", ["GB82WEST12345698765432", "DE89 3704 0044 0532 0130 00"])
def test_iban_valid_accepts_iso_examples_and_refuses_a_changed_digit(iban: str) -> None:
    assert iban_valid(iban)
    assert not iban_valid(iban.replace("3", "4", 1))


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([CARD, OTHER_CARD], PersonalKind.CARD),
        ([IBAN, OTHER_IBAN], PersonalKind.IBAN),
        (["picker-2", EMAIL], PersonalKind.EMAIL),
        ([CUSTOMER_NUMBER, "+44 20 7946 0958"], PersonalKind.PHONE),
        ([GERMAN_PHONE, "030/1234567"], PersonalKind.PHONE),
        (["(555) 123-4567"], PersonalKind.PHONE),
        (list(BIRTH_DATES), PersonalKind.BIRTH_DATE),
        (["03.02.1980", "30.11.1955", "14.07.2001"], PersonalKind.BIRTH_DATE),
    ],
)
def test_classify_values_names_each_kind(values: list[str], kind: PersonalKind) -> None:
    assert classify_values(values) is kind


def test_classify_values_leaves_numeric_order_ids_event_days_and_names_alone() -> None:
    generator = random.Random(3)
    order_ids = [str(generator.randrange(10**15, 10**16)) for _ in range(2_000)]
    # about one in ten random numbers passes Luhn, which must not make them cards
    passing = sum(luhn_valid(number) for number in order_ids)
    assert 100 < passing < 400
    assert classify_values(order_ids) is None
    assert classify_values(["2021-03-04", "2021-07-02", "2022-01-09"]) is None
    assert classify_values(["2024-05-01T08:00:00+02:00", "2024-05-01 09:00:00"]) is None
    assert classify_values(["Order Created", "C1", "DC-NORTH-01", "ORD-000123"]) is None


def test_is_free_text_tells_prose_from_names_and_grouped_numbers() -> None:
    assert is_free_text(["please call me back", "left at the door"])
    assert not is_free_text(["Order Created", "Payment Authorized"])
    assert not is_free_text([OTHER_CARD, OTHER_IBAN, CUSTOMER_NUMBER, EMAIL])


def test_scrub_sql_replaces_every_pattern_in_text() -> None:
    text = f"mail {NOTE_EMAIL}, call {NOTE_PHONE}, card {OTHER_CARD}, iban {IBAN}, order 42"
    row = duckdb.connect().execute(f"SELECT {scrub_sql('?')}", [text]).fetchone()
    assert row == (
        "mail [email withheld], call [phone number withheld], card [card number withheld], "
        "iban [IBAN withheld], order 42",
    )


def test_ingest_leaves_no_card_number_in_the_warehouse_file_under_unknown_names(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    report = ingest_paths(settings, [_csv(tmp_path / "pii.csv")])
    (result,) = report.results
    assert result.status is FileStatus.LOADED and result.loaded == 3
    for name in ("resource", "card_number", "iban", "dob", "mail", "cust_no", "Kundennummer"):
        assert name in result.content_findings
    content = _checkpointed_bytes(settings)
    for raw in (*RAW_VALUES, *BIRTH_DATES, "4111 1111 1111 1111"):
        assert raw.encode() not in content, raw
    rows = query(
        settings,
        "SELECT case_id, resource, attributes FROM raw.workflow_events ORDER BY source_row",
    )
    first = json.loads(rows[0][2])
    assert rows[0][1] == _pseudonym(EMAIL)
    assert first["card_number"] == _pseudonym(CARD)
    assert first["iban"] == _pseudonym(IBAN)
    assert first["dob"] == _pseudonym(BIRTH_DATES[0])
    assert first["Kundennummer"] == _pseudonym(GERMAN_PHONE)
    assert first["note"] == "please call [phone number withheld] or mail [email withheld], thanks"
    assert json.loads(rows[1][2])["note"] == "card [card number withheld] was declined by the bank"
    assert rows[2][0] == "C9"


def test_ingest_gives_one_value_the_same_pseudonym_in_every_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    ingest_paths(settings, [_csv(tmp_path / "first.csv")])
    ingest_paths(settings, [_csv(tmp_path / "second.csv", first_case="C2")])
    rows = query(
        settings,
        "SELECT DISTINCT json_extract_string(attributes, '$.card_number') "
        "FROM raw.workflow_events WHERE case_id IN ('C1', 'C2')",
    )
    assert {row[0] for row in rows} == {_pseudonym(CARD), _pseudonym(OTHER_CARD)}
    assert CARD.encode() not in _checkpointed_bytes(settings)


def test_ingest_excludes_free_text_when_the_setting_says_so(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", pseudonymization_key=KEY, free_text=FreeTextHandling.EXCLUDE
    )
    (result,) = ingest_paths(settings, [_csv(tmp_path / "pii.csv")]).results
    assert "free text excluded: note" in result.content_findings
    rows = query(settings, "SELECT attributes FROM raw.workflow_events")
    assert all("note" not in json.loads(row[0]) for row in rows)
    assert b"declined by the bank" not in _checkpointed_bytes(settings)


def test_ingest_mapping_declares_free_text_and_overrides_the_setting(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n  - match: '*.csv'\n    free_text: [remark]\n    free_text_handling: scrub\n"
    )
    source = tmp_path / "short.csv"
    source.write_text(
        "case_id,activity,event_at,remark\n"
        f"C1,Order Created,2024-05-01T08:00:00Z,{NOTE_EMAIL}\n"
        "C1,Order Shipped,2024-05-01T09:00:00Z,ok\n"
    )
    settings = Settings(data_dir=tmp_path / "data", free_text=FreeTextHandling.EXCLUDE)
    (result,) = ingest_paths(settings, [source], mapping=mapping).results
    assert result.status is FileStatus.LOADED
    rows = query(settings, "SELECT attributes FROM raw.workflow_events ORDER BY source_row")
    assert [json.loads(row[0])["remark"] for row in rows] == ["[email withheld]", "ok"]
    assert not settings.pseudonymization_key_path.exists()
