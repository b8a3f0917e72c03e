"""OCEL 1.0 logs written by pm4py, ingested and compared with pm4py's own reading.

Every log here is written by pm4py's exporters into ``tmp_path`` (CSV, JSON-OCEL,
XML-OCEL) and read back both by orderlens's loader into a real warehouse and by pm4py's
readers plus ``pm4py.ocel_flattening``; the loaded events, the case type chosen by default
and the object-centric tables are compared with pm4py's answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pm4py
import pytest
from click.testing import CliRunner
from pm4py.objects.ocel.obj import OCEL

from orderlens.cli import main
from orderlens.ingest import ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import REAL_DATA, query

# One line of orders, items and return orders. "item" is in the most events, so the
# default must prefer a type named like "order"; "Order" is in more events than
# "ReturnOrder". e4 concerns two orders (two cases), e2, e6 and e9 no order at all.
EVENTS = [
    ("e1", "Create Order", "2024-03-01 08:00:00", {"Order": ["o1"], "item": ["i1", "i2"]}),
    ("e2", "Pick Item", "2024-03-01 09:15:00", {"item": ["i1"]}),
    ("e3", "Create Order", "2024-03-01 09:15:00", {"Order": ["o2"], "item": ["i3"]}),
    ("e4", "Ship Consolidated", "2024-03-02 14:30:00", {"Order": ["o1", "o2"], "item": ["i1"]}),
    (
        "e5",
        "Request Return",
        "2024-03-05 10:00:00",
        {"ReturnOrder": ["r1"], "Order": ["o1"], "item": ["i2"]},
    ),
    ("e6", "Inspect Item", "2024-03-06 11:00:00", {"ReturnOrder": ["r1"], "item": ["i2"]}),
    ("e7", "Refund", "2024-03-07 12:00:00", {"ReturnOrder": ["r1"], "Order": ["o1"]}),
    ("e8", "Pay Order", "2024-03-01 08:30:00", {"Order": ["o2"]}),
    ("e9", "Restock Item", "2024-03-08 07:45:00", {"item": ["i2", "i3"]}),
]
OBJECT_TYPES = {"o1": "Order", "o2": "Order", "r1": "ReturnOrder"} | {
    f"i{n}": "item" for n in (1, 2, 3)
}


def _handmade_ocel() -> OCEL:
    events = pd.DataFrame(
        {
            "ocel:eid": [e[0] for e in EVENTS],
            "ocel:activity": [e[1] for e in EVENTS],
            "ocel:timestamp": pd.to_datetime([e[2] for e in EVENTS]),
            "org:resource": ["ann", "bob", "ann", "cy", None, "bob", "dee", "ann", "bob"],
        }
    )
    relations = pd.DataFrame(
        [
            {"ocel:eid": eid, "ocel:oid": oid, "ocel:type": OBJECT_TYPES[oid]}
            for eid, _, _, related in EVENTS
            for oids in related.values()
            for oid in oids
        ]
    ).merge(events[["ocel:eid", "ocel:activity", "ocel:timestamp"]], on="ocel:eid")
    objects = pd.DataFrame(
        {
            "ocel:oid": list(OBJECT_TYPES),
            "ocel:type": list(OBJECT_TYPES.values()),
            "weight": [None, None, None, 1.5, 2.0, 0.5],
        }
    )
    return OCEL(events=events, objects=objects, relations=relations)


def _write(ocel: OCEL, folder: Path, encoding: str) -> Path:
    """The log written by pm4py as OCEL 1.0 in one encoding."""
    folder.mkdir(parents=True, exist_ok=True)
    if encoding == "csv":
        path = folder / "log.csv"
        pm4py.write_ocel_csv(ocel, str(path), str(folder / "objects.csv"))
    elif encoding == "json":
        path = folder / "log.jsonocel"
        pm4py.write_ocel_json(ocel, str(path))
        assert json.loads(path.read_text())["ocel:global-log"]["ocel:version"] == "1.0"
    else:
        path = folder / "log.xmlocel"
        pm4py.write_ocel_xml(ocel, str(path))
    return path


def _read_with_pm4py(path: Path) -> OCEL:
    readers = {
        ".csv": pm4py.read_ocel_csv,
        ".jsonocel": pm4py.read_ocel_json,
        ".xmlocel": pm4py.read_ocel_xml,
    }
    return readers[path.suffix](str(path))


def _utc(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _pm4py_events(ocel: OCEL, case_type: str) -> list[tuple[str, str, str, pd.Timestamp]]:
    """(event_id, case_id, activity, event_at) of pm4py's flattening, named as loaded:
    an event with several case objects is ``<event>@<case>``."""
    flat = pm4py.ocel_flattening(ocel, case_type)
    cases_per_event = flat.groupby("ocel:eid")["case:concept:name"].transform("nunique")
    return sorted(
        (
            eid if cases == 1 else f"{eid}@{case}",
            str(case),
            str(activity),
            _utc(timestamp),
        )
        for eid, case, activity, timestamp, cases in zip(
            flat["ocel:eid"],
            flat["case:concept:name"],
            flat["concept:name"],
            flat["time:timestamp"],
            cases_per_event,
            strict=True,
        )
    )


def _loaded_events(settings: Settings) -> list[tuple[str, str, str, pd.Timestamp]]:
    return sorted(
        (event_id, case_id, activity, _utc(event_at))
        for event_id, case_id, activity, event_at in query(
            settings, "SELECT event_id, case_id, activity, event_at FROM raw.workflow_events"
        )
    )


def _most_frequent_order_type(ocel: OCEL) -> str:
    """The brief's default, computed with pandas on pm4py's relations."""
    events_per_type = ocel.relations.groupby("ocel:type")["ocel:eid"].nunique()
    named_order = events_per_type[events_per_type.index.str.contains("order", case=False)]
    candidates = named_order if len(named_order) else events_per_type
    return str(candidates.sort_index().idxmax())


@pytest.fixture(scope="module")
def handmade_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The handmade log in the three encodings, the CSV with an event of no object."""
    folder = tmp_path_factory.mktemp("ocel1")
    ocel = _handmade_ocel()
    paths = {encoding: _write(ocel, folder / encoding, encoding) for encoding in ENCODINGS}
    with paths["csv"].open("a", encoding="utf-8") as handle:
        blanks = "," * (len(paths["csv"].read_text().splitlines()[0].split(",")) - 3)
        handle.write(f"e10,Audit Stock,2024-03-09 06:00:00{blanks}\n")
    return paths


ENCODINGS = ("csv", "json", "xml")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_ingest_paths_ocel1_loads_pm4py_flattening_on_the_default_case_type(
    tmp_path: Path, handmade_logs: dict[str, Path], encoding: str
) -> None:
    path = handmade_logs[encoding]
    ocel = _read_with_pm4py(path)
    case_type = _most_frequent_order_type(ocel)
    expected = _pm4py_events(ocel, case_type)
    caseless = set(ocel.events["ocel:eid"]) - set(
        pm4py.ocel_flattening(ocel, case_type)["ocel:eid"]
    )
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    events_per_type = ocel.relations.groupby("ocel:type")["ocel:eid"].nunique()
    assert events_per_type.idxmax() == "item" and case_type == "Order"
    assert result.case_object_type == case_type
    assert result.format == f"ocel1_{encoding}"
    assert (result.rows_read, result.loaded, result.quarantined) == (
        len(expected) + len(caseless),
        len(expected),
        len(caseless),
    )
    assert _loaded_events(settings) == expected
    quarantined = query(
        settings,
        "SELECT raw_record::JSON->>'event_id', column_name FROM quarantine.rejected_rows",
    )
    assert sorted(quarantined) == sorted((eid, "case_id") for eid in caseless)


def test_ingest_paths_ocel1_csv_reads_blank_and_multi_object_cells(
    tmp_path: Path, handmade_logs: dict[str, Path]
) -> None:
    """pm4py's CSV holds ['o1', 'o2'] lists and blanks; e10 has no object at all."""
    path = handmade_logs["csv"]
    text = path.read_text()
    assert "\"['o1', 'o2']\"" in text and ",," in text
    settings = Settings(data_dir=tmp_path / "data")

    ingest_paths(settings, [path])

    cases = query(
        settings, "SELECT event_id, case_id FROM raw.workflow_events WHERE event_id LIKE 'e4%'"
    )
    assert sorted(cases) == [("e4@o1", "o1"), ("e4@o2", "o2")]
    assert not query(
        settings,
        "SELECT case_id FROM raw.workflow_events WHERE trim(case_id) = '' OR case_id LIKE '[%'",
    )
    assert query(settings, "SELECT count(*) FROM raw.ocel_events WHERE event_id = 'e10'") == [(1,)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_ingest_paths_ocel1_keeps_objects_and_relations_as_pm4py_reads_them(
    tmp_path: Path, handmade_logs: dict[str, Path], encoding: str
) -> None:
    path = handmade_logs[encoding]
    ocel = _read_with_pm4py(path)
    settings = Settings(data_dir=tmp_path / "data")

    ingest_paths(settings, [path])

    assert query(
        settings, "SELECT event_id, object_id FROM raw.ocel_event_objects ORDER BY ALL"
    ) == sorted(zip(ocel.relations["ocel:eid"], ocel.relations["ocel:oid"], strict=True))
    assert query(
        settings, "SELECT object_id, object_type FROM raw.ocel_objects ORDER BY ALL"
    ) == sorted(zip(ocel.objects["ocel:oid"], ocel.objects["ocel:type"], strict=True))
    stored_events = query(settings, "SELECT event_id, event_type FROM raw.ocel_events")
    assert set(zip(ocel.events["ocel:eid"], ocel.events["ocel:activity"], strict=True)) <= set(
        stored_events
    )


def test_ingest_paths_ocel1_json_and_xml_store_the_same_log(
    tmp_path: Path, handmade_logs: dict[str, Path]
) -> None:
    contents = []
    for encoding in ("json", "xml"):
        settings = Settings(data_dir=tmp_path / encoding)
        ingest_paths(settings, [handmade_logs[encoding]])
        contents.append(
            [
                query(
                    settings,
                    f"SELECT * EXCLUDE (source_file, load_id) FROM raw.{table} ORDER BY ALL",
                )
                for table in ("ocel_events", "ocel_objects", "ocel_event_objects")
            ]
            + [
                query(
                    settings,
                    "SELECT event_id, case_id, activity, event_at, resource "
                    "FROM raw.workflow_events ORDER BY ALL",
                )
            ]
        )

    assert contents[0] == contents[1]
    weights = query(
        settings,
        "SELECT object_id, attributes::JSON->0->>'value' FROM raw.ocel_objects "
        "WHERE object_type = 'item' ORDER BY 1",
    )
    assert weights == [("i1", "1.5"), ("i2", "2.0"), ("i3", "0.5")]


def test_ingest_paths_ocel1_takes_the_mapping_case_object_type(
    tmp_path: Path, handmade_logs: dict[str, Path]
) -> None:
    path = handmade_logs["json"]
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - match: '*.jsonocel'\n    case_object_type: item\n")
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path], mapping=mapping).results

    assert result.case_object_type == "item"
    assert "set by the mapping" in result.message
    assert _loaded_events(settings) == _pm4py_events(_read_with_pm4py(path), "item")


@pytest.mark.parametrize("encoding", ["csv", "xml"])
def test_ingest_paths_ocel1_of_the_real_ocel20_example_matches_pm4py(
    tmp_path: Path, encoding: str
) -> None:
    """The OCEL 2.0 example converted to OCEL 1.0 by pm4py (its JSON writer keeps 2.0)."""
    path = _write(
        pm4py.read_ocel2_json(str(REAL_DATA / "ocel20_example.jsonocel")), tmp_path, encoding
    )
    ocel = _read_with_pm4py(path)
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert result.case_object_type == _most_frequent_order_type(ocel) == "Purchase Order"
    expected = _pm4py_events(ocel, "Purchase Order")
    assert result.loaded == len(expected)
    assert result.loaded + result.quarantined == result.rows_read
    assert _loaded_events(settings) == expected


def test_ingest_command_states_the_ocel1_case_type_it_chose(
    tmp_path: Path, handmade_logs: dict[str, Path]
) -> None:
    path = handmade_logs["csv"]

    outcome = CliRunner().invoke(
        main, ["ingest", str(path)], env={"ORDERLENS_DATA_DIR": str(tmp_path / "data")}
    )

    assert outcome.exit_code == 0
    (line,) = outcome.stdout.splitlines()
    assert line.startswith(f"LOADED    {path}: read ")
    assert "cases are objects of type 'Order' (of the types named like 'order'" in line
    manifest = query(
        Settings(data_dir=tmp_path / "data"), "SELECT format, message FROM raw.ingest_manifest"
    )
    assert manifest == [("ocel1_csv", line.split("; ", 1)[1])]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("o1", "'o1' is not a list of object ids"),
        ("['o1'", "\"['o1'\" is not a list of object ids"),
    ],
)
def test_ingest_paths_ocel1_csv_rejects_an_object_cell_pm4py_would_drop(
    tmp_path: Path, cell: str, reason: str
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "ocel:eid,ocel:activity,ocel:timestamp,ocel:type:order\n"
        "e1,Create Order,2024-01-01 10:00:00,['o1']\n"
        f'e2,Pay,2024-01-01 11:00:00,"{cell}"\n'
    )
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert result.status == "rejected"
    assert result.message.startswith(f"row 2, column ocel:type:order: {reason}")
    assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]
