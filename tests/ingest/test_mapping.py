"""Column-mapping files: parsing, matching and clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orderlens.ingest.mapping import MappingError, Target, load_mapping


def test_load_mapping_picks_the_first_source_matching_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "sources:\n"
        "  - match: 'oms_*.csv'\n"
        "    columns: {case_id: OrderNo}\n"
        "    constants: {source_system: OMS}\n"
        "    timezone: Europe/Berlin\n"
        "    csv: {delimiter: ';'}\n"
        "  - match: '*.jsonl'\n"
        "    target: integration\n"
    )

    mapping = load_mapping(path)

    oms = mapping.for_file(Path("in/oms_2024.csv"))
    assert (oms.columns, oms.constants, oms.timezone, oms.csv.delimiter) == (
        {"case_id": "OrderNo"},
        {"source_system": "OMS"},
        "Europe/Berlin",
        ";",
    )
    assert mapping.for_file(Path("mw.jsonl")).target is Target.INTEGRATION
    assert mapping.for_file(Path("other.parquet")).columns == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("sources:\n  - colums: {case_id: x}\n", r"sources\[0\]: unknown key\(s\) colums"),
        (
            "sources:\n  - columns: {order: x}\n",
            r"sources\[0\]\.columns: order not in the data contract",
        ),
        ("sources:\n  - timezone: Mars/Olympus\n", r"unknown time zone 'Mars/Olympus'"),
        ("sources:\n  - target: spreadsheet\n", r"target: must be workflow or integration"),
        ("columns: {case_id: x}\n", r"expected a top-level 'sources:' list"),
        ("sources: [\n", r"not valid YAML"),
        (
            "sources:\n  - relative_timestamps: true\n    plausible_from: 1970-01-01\n",
            r"relative_timestamps and plausible_from both set the earliest day",
        ),
        ("sources:\n  - relative_timestamps: yes please\n", r"must be true or false"),
        ("sources:\n  - plausible_from: last year\n", r"plausible_from: must be a date"),
        (
            "sources:\n  - {plausible_from: 2024-01-01, plausible_until: 2023-12-31}\n",
            r"plausible_until is before plausible_from",
        ),
        ("sources:\n  - csv: {encoding: klingon}\n", r"csv\.encoding: unknown encoding"),
    ],
)
def test_load_mapping_names_the_file_and_the_bad_key(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)

    with pytest.raises(MappingError, match=message) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value)


def test_load_mapping_reads_the_timestamp_window_and_leaves_the_encoding_to_detection(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "sources:\n"
        "  - match: 'sim_*'\n"
        "    relative_timestamps: true\n"
        "  - match: 'p2p_*'\n"
        "    plausible_from: 1940-01-01\n"
        "    plausible_until: '2030-12-31'\n"
        "    csv: {encoding: UTF-16}\n"
    )

    mapping = load_mapping(path)

    simulated = mapping.for_file(Path("sim_claims.csv"))
    purchases = mapping.for_file(Path("p2p_2018.csv"))
    assert (simulated.relative_timestamps, simulated.plausible_from) == (True, None)
    assert simulated.csv.encoding is None
    assert (purchases.plausible_from, purchases.plausible_until, purchases.csv.encoding) == (
        date(1940, 1, 1),
        date(2030, 12, 31),
        "UTF-16",
    )


def test_load_mapping_reads_the_documented_example() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mapping.yaml"

    mapping = load_mapping(example)

    oms = mapping.for_file(Path("oms_export_2024-05.csv"))
    assert (oms.timezone, oms.csv.encoding, oms.constants) == (
        "Europe/Berlin",
        "latin-1",
        {"source_system": "OMS"},
    )
    assert mapping.for_file(Path("middleware_1.csv")).target is Target.INTEGRATION
