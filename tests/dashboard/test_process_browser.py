"""The process page in Chromium at 1440x900: a readable map (no two labels overlap, start and
end markers, the view toggle, the sliders), variants as labelled steps, both following the
filters; counts compared with pm4py on the same log."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pm4py
import pytest

from orderlens.warehouse import connect
from tests.conftest import RECEIPT_BY_GROUP_LOG, read_receipt_by_group

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 900}
KEYS = {"case_id_key": "case_id", "activity_key": "activity", "timestamp_key": "event_at"}
EDGE_HOVER = re.compile(r"(?P<source>.+) → (?P<target>.+)<br>(?P<count>[\d,]+) transitions")
DURATION = re.compile(r"\d+(\.\d)? (s|min|h|d)")
MAP_STATE = """() => {
    const graph = document.querySelector('#process-map-chart .js-plotly-plot');
    const notes = graph.layout.annotations;
    const labels = [...graph.querySelectorAll('g.annotation')].map(group => {
        const box = group.querySelector('text').getBoundingClientRect();
        const note = notes[Number(group.getAttribute('data-index'))];
        return {name: note.name, text: note.text,
                box: [box.left, box.top, box.right, box.bottom]};
    });
    return {labels: labels, hover: graph.data[0].hovertext};
}"""


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000
    )


def _open(page, url: str) -> dict:
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.locator("#process-map-chart .main-svg").first.wait_for(timeout=60_000)
    _settle(page)
    return page.evaluate(MAP_STATE)


def _slide(page, slider_id: str, key: str) -> dict:
    """Move a slider to its end (``End``) or start (``Home``) and read the redrawn map."""
    before = page.locator("#process-map-summary").inner_text()
    page.locator(f"#{slider_id} [role=slider]").press(key)
    page.wait_for_function(
        "text => document.querySelector('#process-map-summary').innerText !== text",
        arg=before,
        timeout=30_000,
    )
    _settle(page)
    return page.evaluate(MAP_STATE)


def _overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    """Pairs of label texts whose drawn boxes overlap (by more than half a pixel)."""
    found = []
    for first, second in itertools.combinations(labels, 2):
        (x0, y0, x1, y1), (u0, v0, u1, v1) = first["box"], second["box"]
        if min(x1, u1) - max(x0, u0) > 0.5 and min(y1, v1) - max(y0, v0) > 0.5:
            found.append((first["text"], second["text"]))
    return found


def _drawn_edges(state: dict) -> dict[tuple[str, str], int]:
    return {
        (found["source"], found["target"]): int(found["count"].replace(",", ""))
        for found in map(EDGE_HOVER.match, state["hover"])
        if found
    }


def _names(state: dict, name: str) -> list[str]:
    return [label["text"] for label in state["labels"] if label["name"] == name]


def _full_period(settings) -> str:
    with connect(settings.serving_path, read_only=True) as con:
        first, last = con.execute(
            "SELECT min(event_at)::DATE, max(event_at)::DATE FROM marts.fct_event_log"
        ).fetchone()
    return f"start={first}&end={last}"


def _demo_log(settings, region: str | None = None) -> pd.DataFrame:
    """The demo's process events (as dbt selected them) for pm4py, optionally one region's."""
    with connect(settings.serving_path, read_only=True) as con:
        events = con.execute(
            """
            SELECT e.case_id, e.activity, e.event_at, e.event_seq, o.region
            FROM marts.fct_event_log AS e LEFT JOIN marts.fct_orders AS o USING (case_id)
            ORDER BY e.case_id, e.event_at, e.event_seq
            """
        ).df()
    if region is not None:
        events = events[events["region"] == region]
    return events.reset_index(drop=True)


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_process_map_demo_labels_never_overlap_with_markers_and_both_views(dashboard_url, page):
    state = _open(page, f"{dashboard_url}/process")
    assert _names(state, "start-marker") == ["Start"]
    assert _names(state, "end-marker") == ["End"]
    assert _names(state, "activity-label") and not _overlapping(state["labels"])
    frequency_labels = _names(state, "edge-label")
    assert all(re.fullmatch(r"[\d,]+", text) for text in frequency_labels)
    _screenshot(page, "process-1440x900-frequency")
    page.get_by_text("Performance (mean wait)").click()
    page.wait_for_function(
        "() => document.querySelector('#process-map-chart .js-plotly-plot').layout.annotations"
        ".some(note => note.name === 'edge-label' && / (s|min|h|d)$/.test(note.text))",
        timeout=30_000,
    )
    _settle(page)
    performance = page.evaluate(MAP_STATE)
    labels = _names(performance, "edge-label")
    assert labels and all(DURATION.fullmatch(text) for text in labels)
    assert not _overlapping(performance["labels"])
    everything = _slide(page, "process-activity-share", "End")
    everything = _slide(page, "process-path-share", "End")
    assert not _overlapping(everything["labels"])
    assert page.console_errors == []


def test_process_map_sliders_reduce_activities_and_paths(dashboard_url, page):
    _open(page, f"{dashboard_url}/process")
    most = _slide(page, "process-activity-share", "End")
    paths = _slide(page, "process-path-share", "End")
    fewer_paths = _slide(page, "process-path-share", "Home")
    assert len(_drawn_edges(fewer_paths)) < len(_drawn_edges(paths))
    fewest = _slide(page, "process-activity-share", "Home")
    assert len(_names(fewest, "activity-label")) < len(_names(most, "activity-label"))
    assert page.console_errors == []


def test_process_map_and_variants_follow_the_region_filter_as_pm4py_counts(
    dashboard_url, page, published_demo
):
    settings = published_demo.settings
    period = _full_period(settings)
    everywhere = _open(page, f"{dashboard_url}/process?{period}")
    _slide(page, "process-activity-share", "End")
    everywhere = _slide(page, "process-path-share", "End")
    east = _demo_log(settings, region="east")
    dfg, _, _ = pm4py.discover_dfg(east, **KEYS)
    east_state = _open(page, f"{dashboard_url}/process?{period}&region=east")
    _slide(page, "process-activity-share", "End")
    east_state = _slide(page, "process-path-share", "End")
    assert _drawn_edges(east_state) == dict(dfg)
    assert sum(_drawn_edges(east_state).values()) < sum(_drawn_edges(everywhere).values())
    variants = sorted(
        pm4py.get_variants(east, **KEYS).items(), key=lambda item: (-item[1], " -> ".join(item[0]))
    )
    summary = page.locator("#process-variant-summary").inner_text()
    assert f"of {east['case_id'].nunique():,} cases" in summary
    first = page.locator(".process-variant").first
    assert first.locator(".process-step").all_inner_texts() == list(variants[0][0])
    assert f"{variants[0][1]:,} cases" in first.inner_text()
    assert page.console_errors == []


def test_process_map_of_a_44_activity_real_log_equals_pm4py_without_overlaps(
    real_log_dashboard, recording_tab
):
    served = real_log_dashboard(RECEIPT_BY_GROUP_LOG)
    page = recording_tab(served.browser)
    log = read_receipt_by_group()
    dfg, _, _ = pm4py.discover_dfg(log, **KEYS)
    _open(page, f"{served.url}/process?{_full_period(served.log.settings)}")
    _slide(page, "process-activity-share", "End")
    state = _slide(page, "process-path-share", "End")
    assert len(_names(state, "activity-label")) == log["activity"].nunique() == 44
    assert _drawn_edges(state) == dict(dfg)
    assert not _overlapping(state["labels"])
    _screenshot(page, "process-1440x900-44-activities")
    steps = page.locator(".process-variant").first.locator(".process-step").all_inner_texts()
    top = max(pm4py.get_variants(log, **KEYS).items(), key=lambda item: item[1])
    assert steps == list(top[0])
    assert page.console_errors == []
    page.close()
