"""Text encodings: the same small log written in each encoding users' tools produce loads
with the very same strings, the manifest naming the encoding; a declared encoding wins;
an undecidable file is rejected with its first bad line and column."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.ingest.encoding import SAMPLE_BYTES, detect_encoding
from orderlens.settings import Settings
from tests.ingest.conftest import query

ROWS = [
    ("E1", "C1", "Bestellung geprüft", "2024-03-01T10:00:00Z", "Müller"),
    ("E2", "C1", "Café bestellt", "2024-03-01T11:00:00Z", "Zoë Françoise"),
    ("E3", "C2", "Livraison à domicile", "2024-03-02T09:30:00Z", "Ærø Ståhl"),
]
FIELDS = ("event_id", "case_id", "activity", "event_at", "resource")
CSV_TEXT = ",".join(FIELDS) + "\n" + "".join(",".join(row) + "\n" for row in ROWS)


@pytest.mark.parametrize(
    ("written_as", "recorded_as"),
    [
        ("utf-16", "utf-16"),  # with a byte-order mark (Excel's "Unicode text")
        ("utf-16-le", "utf-16-le"),  # without one
        ("utf-16-be", "utf-16-be"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("utf-8", "utf-8"),
    ],
)
def test_ingest_paths_loads_each_encoding_with_the_original_strings(
    tmp_path: Path, written_as: str, recorded_as: str
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV_TEXT.encode(written_as))
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded, result.encoding) == (
        FileStatus.LOADED,
        3,
        recorded_as,
    )
    assert f"(encoding {recorded_as})" in result.summary()
    rows = query(
        settings,
        "SELECT event_id, case_id, activity, strftime(event_at, '%Y-%m-%dT%H:%M:%SZ'), resource "
        "FROM raw.workflow_events ORDER BY event_seq",
    )
    assert rows == ROWS
    assert query(settings, "SELECT encoding FROM raw.ingest_manifest") == [(recorded_as,)]
    assert not [name for name in (tmp_path / "data").iterdir() if name.name.startswith(".ingest")]


def test_ingest_paths_reads_latin1_text_as_the_same_strings(tmp_path: Path) -> None:
    # Latin-1 and Windows-1252 agree on every letter above 0xA0; the report says cp1252
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV_TEXT.encode("latin-1"))
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.loaded, result.encoding) == (3, "cp1252")
    assert query(settings, "SELECT resource FROM raw.workflow_events ORDER BY event_seq") == [
        (row[4],) for row in ROWS
    ]


def test_ingest_paths_transcodes_compressed_utf16_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl.gz"
    lines = [json.dumps(dict(zip(FIELDS, row, strict=True))) for row in ROWS]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-16")))
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded, result.encoding) == (FileStatus.LOADED, 3, "utf-16")
    assert query(settings, "SELECT activity, resource FROM raw.workflow_events ORDER BY 1") == (
        sorted((row[2], row[4]) for row in ROWS)
    )


def test_ingest_paths_declared_encoding_wins_over_detection(tmp_path: Path) -> None:
    # cp1252 bytes declared as UTF-8: the declaration is believed, so the file is refused
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV_TEXT.encode("cp1252"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - csv: {encoding: utf-8}\n")
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path], mapping=mapping).results

    assert result.status is FileStatus.REJECTED
    assert "not valid utf-8 (first at line 2, column activity)" in result.message


def test_ingest_paths_declared_single_byte_encoding_is_transcoded(tmp_path: Path) -> None:
    # Polish letters exist in ISO 8859-2 only (its byte for Ł is Latin-1's ¾)
    path = tmp_path / "orders.csv"
    path.write_bytes(
        "event_id,case_id,activity,event_at,resource\n"
        "E1,C1,Zamówienie przyjęte,2024-03-01T10:00:00Z,Müller Łódź\n".encode("iso8859-2")
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - csv: {encoding: iso8859-2}\n")
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path], mapping=mapping).results

    assert (result.loaded, result.encoding) == (1, "iso8859-2")
    assert query(settings, "SELECT resource FROM raw.workflow_events WHERE event_id = 'E1'") == [
        ("Müller Łódź",)
    ]


def test_ingest_paths_rejects_an_undecidable_file_with_its_first_bad_line_and_column(
    tmp_path: Path,
) -> None:
    noise = random.Random(7)
    binary = bytes(noise.randrange(256) for _ in range(4000))
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV_TEXT.encode("utf-8") + b"E4,C3," + binary + b"\n")
    # where Python's own UTF-8 decoder stops, mapped by hand to a line and column: line 5
    # (after the header and three records), column 7 (after "E4,C3,") plus the offset
    with pytest.raises(UnicodeDecodeError) as stop:
        binary.decode("utf-8")
    first_bad = stop.value.start
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert result.status is FileStatus.REJECTED
    assert "cannot tell the file's encoding" in result.message
    newlines_before = binary[:first_bad].count(b"\n")
    line = 5 + newlines_before
    column = (
        7 + first_bad if newlines_before == 0 else first_bad - binary.rfind(b"\n", 0, first_bad)
    )
    assert f"first at line {line}, column {column}" in result.message
    assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]


def test_ingest_paths_rejects_a_byte_the_detected_encoding_cannot_decode_past_the_sample(
    tmp_path: Path,
) -> None:
    # UTF-16 detected from the first megabyte; a lone surrogate far beyond it cannot decode
    filler = "".join(f"F{n},C9,Filler,2024-03-01T10:00:00Z,x\n" for n in range(40_000))
    head = (CSV_TEXT + filler).encode("utf-16-le")
    assert len(head) > SAMPLE_BYTES
    path = tmp_path / "orders.csv"
    path.write_bytes(head + "E9,C9,".encode("utf-16-le") + b"\x00\xdc" + "x\n".encode("utf-16-le"))
    assert detect_encoding(path) == "utf-16-le"
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert result.status is FileStatus.REJECTED
    assert f"not valid utf-16-le (first at line {len(ROWS) + 40_000 + 2}, column 7)" in (
        result.message
    )
