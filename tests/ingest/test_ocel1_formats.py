"""Telling OCEL 1.0 from OCEL 2.0 and from ordinary CSV, JSON and XML by content."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pm4py
import pytest
from pm4py.objects.ocel.obj import OCEL

from orderlens.ingest.formats import SourceFormat, detect_format, expand_paths
from tests.ingest.conftest import REAL_DATA


@pytest.fixture(scope="module")
def ocel1_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A two-event OCEL 1.0 log written by pm4py in its three encodings."""
    folder = tmp_path_factory.mktemp("ocel1_formats")
    events = pd.DataFrame(
        {
            "ocel:eid": ["e1", "e2"],
            "ocel:activity": ["Create Order", "Pay Order"],
            "ocel:timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00"]),
        }
    )
    relations = pd.DataFrame(
        {"ocel:eid": ["e1", "e2"], "ocel:oid": ["990001", "990001"], "ocel:type": ["order"] * 2}
    ).merge(events, on="ocel:eid")
    objects = pd.DataFrame({"ocel:oid": ["990001"], "ocel:type": ["order"]})
    ocel = OCEL(events=events, objects=objects, relations=relations)
    files = {
        "csv": folder / "log.csv",
        "json": folder / "log.jsonocel",
        "xml": folder / "log.xmlocel",
    }
    pm4py.write_ocel_csv(ocel, str(files["csv"]), str(folder / "objects.csv"))
    pm4py.write_ocel_json(ocel, str(files["json"]))
    pm4py.write_ocel_xml(ocel, str(files["xml"]))
    return files


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def test_detect_format_reads_ocel1_encodings_by_content(
    tmp_path: Path, ocel1_files: dict[str, Path]
) -> None:
    gzipped = tmp_path / "log.csv.gz"
    gzipped.write_bytes(gzip.compress(ocel1_files["csv"].read_bytes()))

    assert "ocel:type:order" in ocel1_files["csv"].read_text().splitlines()[0]
    assert detect_format(ocel1_files["csv"]) is SourceFormat.OCEL1_CSV
    assert detect_format(gzipped) is SourceFormat.OCEL1_CSV
    assert detect_format(ocel1_files["json"]) is SourceFormat.OCEL1_JSON
    assert detect_format(_copy(ocel1_files["json"], tmp_path / "log.json")) is (
        SourceFormat.OCEL1_JSON
    )
    assert detect_format(ocel1_files["xml"]) is SourceFormat.OCEL1_XML
    assert detect_format(_copy(ocel1_files["xml"], tmp_path / "log.xml")) is SourceFormat.OCEL1_XML


def test_detect_format_keeps_ocel20_files_ocel20_under_any_name(tmp_path: Path) -> None:
    json_log = REAL_DATA / "ocel20_example.jsonocel"
    xml_log = REAL_DATA / "ocel20_example.xmlocel"

    assert detect_format(json_log) is SourceFormat.OCEL_JSON
    assert detect_format(_copy(json_log, tmp_path / "log.json")) is SourceFormat.OCEL_JSON
    assert detect_format(xml_log) is SourceFormat.OCEL_XML
    assert detect_format(_copy(xml_log, tmp_path / "log.xml")) is SourceFormat.OCEL_XML


def test_detect_format_leaves_ordinary_csv_json_and_xml_alone(tmp_path: Path) -> None:
    plain_csv = tmp_path / "orders.csv"
    plain_csv.write_text("case_id,activity,event_at,ocel_type\nA1,Create,2024-01-01,order\n")
    plain_json = tmp_path / "settings.json"
    plain_json.write_text('[{"case_id": "A1", "activity": "Create"}]')
    xes_as_xml = _copy(REAL_DATA / "running-example.xes", tmp_path / "running.xml")

    assert detect_format(plain_csv) is SourceFormat.CSV
    assert detect_format(plain_json) is None
    assert detect_format(xes_as_xml) is None
    assert expand_paths([tmp_path]) == [plain_csv]
