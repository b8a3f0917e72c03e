"""Real logs: receipt.xes.gz against pm4py, and the three OCEL 2.0 encodings against each other.

pm4py is read with its own Python XML parser (``variant="iterparse"``), not with rustxes
that ingestion uses, so the comparison is against an independent reader.
"""

from __future__ import annotations

from pathlib import Path

import pm4py
import pytest

from orderlens.ingest import ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import REAL_DATA, query


def _pm4py_traces(path: Path) -> dict[str, list[str]]:
    frame = pm4py.read_xes(str(path), variant="iterparse")
    frame = frame.reset_index(drop=True)
    frame["position"] = range(len(frame))
    frame = frame.sort_values(["case:concept:name", "time:timestamp", "position"], kind="stable")
    return {
        str(case): list(group["concept:name"])
        for case, group in frame.groupby("case:concept:name", sort=False)
    }


def _ingested_traces(settings: Settings) -> dict[str, list[str]]:
    traces: dict[str, list[str]] = {}
    for case_id, activity in query(
        settings,
        "SELECT case_id, activity FROM raw.workflow_events ORDER BY case_id, event_at, event_seq",
    ):
        traces.setdefault(case_id, []).append(activity)
    return traces


@pytest.mark.parametrize("name", ["receipt.xes.gz", "running-example.xes"])
def test_ingest_paths_xes_matches_pm4py_counts_and_case_order(
    settings: Settings, name: str
) -> None:
    path = REAL_DATA / name
    expected = _pm4py_traces(path)

    (result,) = ingest_paths(settings, [path]).results

    events = sum(len(trace) for trace in expected.values())
    activities = {activity for trace in expected.values() for activity in trace}
    assert (result.rows_read, result.loaded, result.quarantined) == (events, events, 0)
    counts = query(
        settings,
        "SELECT count(*), count(DISTINCT case_id), count(DISTINCT activity) "
        "FROM raw.workflow_events",
    )
    assert counts == [(events, len(expected), len(activities))]
    assert _ingested_traces(settings) == expected


def test_ingest_paths_xes_keeps_case_attributes(settings: Settings) -> None:
    ingest_paths(settings, [REAL_DATA / "running-example.xes"])

    creators = query(
        settings, "SELECT DISTINCT attributes::JSON->>'case:creator' FROM raw.workflow_events"
    )
    assert creators == [("Fluxicon Nitro",)]


def _ocel_contents(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    return {
        "events": query(
            settings,
            "SELECT event_id, case_id, activity, event_at, resource, attributes::JSON "
            "FROM raw.workflow_events ORDER BY event_id",
        ),
        "objects": query(
            settings,
            "SELECT object_id, object_type, attributes::JSON FROM raw.ocel_objects ORDER BY 1",
        ),
        "event_objects": query(
            settings,
            "SELECT event_id, object_id, qualifier FROM raw.ocel_event_objects ORDER BY ALL",
        ),
        "object_objects": query(
            settings,
            "SELECT source_object_id, target_object_id, qualifier "
            "FROM raw.ocel_object_objects ORDER BY ALL",
        ),
    }


def test_ingest_paths_three_ocel_encodings_give_the_same_contents(tmp_path: Path) -> None:
    mapping = tmp_path / "berlin.yaml"
    mapping.write_text("sources:\n  - match: '*'\n    timezone: Europe/Berlin\n")
    contents = []
    for name, declared in (
        ("ocel20_example.jsonocel", None),
        ("ocel20_example.xmlocel", mapping),
        ("ocel20_example.sqlite", mapping),
    ):
        settings = Settings(data_dir=tmp_path / name)
        (result,) = ingest_paths(settings, [REAL_DATA / name], mapping=declared).results
        assert (result.rows_read, result.loaded, result.quarantined) == (13, 13, 0), name
        contents.append(_ocel_contents(settings))

    assert contents[0] == contents[1] == contents[2]
    assert len(contents[0]["event_objects"]) == 20
    assert len(contents[0]["object_objects"]) == 7
    assert len(contents[0]["objects"]) == 9


def test_ingest_paths_ocel_uses_purchase_orders_as_cases(settings: Settings) -> None:
    ingest_paths(settings, [REAL_DATA / "ocel20_example.jsonocel"])

    cases = dict(query(settings, "SELECT event_id, case_id FROM raw.workflow_events"))
    assert cases["e3"] == "PO1"
    assert cases["e1"] == "PO1"
    assert cases["e7"] == "PO1"
    assert cases["e13"] == "PO2"
