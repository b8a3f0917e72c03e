"""Format detection by file name and folder scanning."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderlens.ingest.formats import SourceFormat, detect_format, expand_paths


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders.csv", SourceFormat.CSV),
        ("orders.CSV.GZ", SourceFormat.CSV),
        ("feed.tsv", SourceFormat.CSV),
        ("workflow_events.parquet", SourceFormat.PARQUET),
        ("wms.jsonl.gz", SourceFormat.JSONL),
        ("receipt.xes.gz", SourceFormat.XES),
        ("log.jsonocel", SourceFormat.OCEL_JSON),
        ("log.xmlocel", SourceFormat.OCEL_XML),
        ("log.sqlite", SourceFormat.OCEL_SQLITE),
        ("notes.docx", None),
        ("archive.gz", None),
    ],
)
def test_detect_format_reads_the_longest_suffix(name: str, expected: SourceFormat | None) -> None:
    assert detect_format(Path(name)) == expected


def test_expand_paths_skips_hidden_answer_keys_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".cache").mkdir(parents=True)
    for name in (
        "a.csv",
        "sub/b.parquet",
        "sub/.hidden.csv",
        "sub/.cache/c.csv",
        "ground_truth.parquet",
        "sub/ground_truth_orders.csv",
        "readme.md",
    ):
        (tmp_path / name).write_text("x")
    explicit = tmp_path / "readme.md"

    found = expand_paths([tmp_path, explicit])

    assert found == [tmp_path / "a.csv", tmp_path / "sub" / "b.parquet", explicit]
