"""Display names: the seed names every code the demo data carries, and unlisted codes are
worded readably instead of shown raw."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from orderlens.display_names import (
    CODE_KINDS,
    NOT_RECORDED,
    DisplayNames,
    display_names_from_rows,
    humanize_code,
    read_display_names,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "dbt_project" / "seeds" / "display_names.csv"
SIMULATOR_DEFAULTS = REPO / "src" / "orderlens" / "simulator" / "defaults.yaml"
REFERENCE_DEFAULTS = REPO / "src" / "orderlens" / "reference_defaults.yaml"
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _seed_rows() -> list[dict[str, str]]:
    with SEED.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _seed_codes(kind: str) -> set[str]:
    return {row["code"] for row in _seed_rows() if row["code_kind"] == kind}


def _simulated_codes() -> dict[str, set[str]]:
    """Every code the simulator's defaults can write, read from its parameter file."""
    defaults = yaml.safe_load(SIMULATOR_DEFAULTS.read_text())
    network = defaults["network"]
    regions = set(defaults["regions"])
    nodes = set(network["distribution_centers"]) | set(network["third_party"])
    nodes |= {
        f"ST-{region.upper()}-{number:02d}"
        for region in regions
        for number in range(1, network["stores_per_region"] + 1)
    }
    return {
        "reason_code": {
            code for spec in defaults["exceptions"].values() for code in spec["reason_codes"]
        },
        "exception_type": set(defaults["exceptions"]),
        "node": nodes,
        "region": regions,
        "carrier": set(defaults["carriers"]),
        "supplier": set(defaults["suppliers"]),
        "channel": set(defaults["channels"]),
        "interface": set(defaults["integration"]["interfaces"]),
    }


@pytest.mark.parametrize("kind", list(_simulated_codes()))
def test_display_names_seed_names_every_simulated_code(kind):
    missing = _simulated_codes()[kind] - _seed_codes(kind)
    assert missing == set(), f"{kind} codes without a display name: {sorted(missing)}"


def test_display_names_seed_names_every_taxonomy_type_and_class():
    taxonomy = yaml.safe_load(REFERENCE_DEFAULTS.read_text())["exception_taxonomy"]
    assert {row["exception_type"] for row in taxonomy} <= _seed_codes("exception_type")
    assert {row["exception_class"] for row in taxonomy} <= _seed_codes("exception_class")


def test_display_names_seed_rows_are_unique_known_and_free_of_snake_case():
    rows = _seed_rows()
    keys = [(row["code_kind"], row["code"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert {row["code_kind"] for row in rows} <= set(CODE_KINDS)
    worded = [row["display_name"] for row in rows if SNAKE_CASE.search(row["display_name"])]
    assert worded == []
    assert _seed_codes("automation_mode") == {"auto_act", "recommend", "monitor"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("line_out_of_stock", "Line out of stock"),
        ("erp_posting_failure", "ERP posting failure"),
        ("status_mismatch_store_erp", "Status mismatch store ERP"),
        ("3pl_handover", "3PL handover"),
        ("OMS->ERP:post_invoice", "OMS → ERP: post invoice"),
        ("WMS -> TMS : ship_request", "WMS → TMS: ship request"),
        ("DC-EAST-01", "DC-EAST-01"),
        ("ParcelPro", "ParcelPro"),
        ("Refund Dispute Approved", "Refund Dispute Approved"),
        ("PAYMENT_HOLD", "PAYMENT HOLD"),
        ("", NOT_RECORDED),
        (None, NOT_RECORDED),
    ],
)
def test_humanize_code_words_codes_without_underscores(code, expected):
    assert humanize_code(code) == expected


def test_display_names_name_prefers_the_reference_row_and_words_the_rest():
    names = display_names_from_rows(
        [
            ("reason_code", "line_out_of_stock", "Line out of stock at the node", "No stock."),
            ("node", "DC-EAST-01", "East distribution centre", None),
        ]
    )
    assert names.name("reason_code", "line_out_of_stock") == "Line out of stock at the node"
    assert names.name("node", "DC-EAST-01") == "East distribution centre"
    assert names.name("reason_code", "refund_late") == "Refund late"
    assert names.name("node", "line_out_of_stock") == "Line out of stock"
    assert names.description("reason_code", "line_out_of_stock") == (
        "No stock. Code: line_out_of_stock"
    )
    assert names.description("node", "DC-EAST-01") == "Code: DC-EAST-01"
    assert names.mapping("node", ["DC-EAST-01", "DC-EAST-01", "ST-WEST-02"]) == {
        "DC-EAST-01": "East distribution centre",
        "ST-WEST-02": "ST-WEST-02",
    }


def test_display_names_from_rows_rejects_an_unknown_kind_naming_the_row():
    with pytest.raises(ValueError, match=r"row 2: unknown code_kind 'colour'"):
        display_names_from_rows([("node", "A", "A", ""), ("colour", "red", "Red", "")])


def test_read_display_names_reads_the_seed_from_a_real_duckdb_file(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.dim_display_names AS SELECT * FROM read_csv(?, all_varchar=true)",
            [str(SEED)],
        )
    with duckdb.connect(str(path), read_only=True) as con:
        names = read_display_names(con)
    expected = {(row["code_kind"], row["code"]): row["display_name"] for row in _seed_rows()}
    assert len(names.entries) == len(expected)
    assert (
        names.name("interface", "OMS->ERP:post_invoice")
        == (expected[("interface", "OMS->ERP:post_invoice")])
    )
    assert names.name("automation_mode", "auto_act") == expected[("automation_mode", "auto_act")]


def test_read_display_names_of_an_older_warehouse_is_empty_and_still_readable(tmp_path):
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        names = read_display_names(con)
    assert names == DisplayNames()
    assert names.name("reason_code", "item_not_found") == "Item not found"
