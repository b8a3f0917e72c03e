"""The forum report: self-contained, escaped, complete, printable; and its command."""

import re

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from orderlens.simulator.ground_truth import SUMMARY_FILE, read_injected_causes
from process_mining.event_log import EventLog
from process_mining.report import ReportRequest, build_report, print_pdf, write_report
from tests.process_mining.conftest import stage_process_events

pytestmark = pytest.mark.slow

SECTIONS = (
    "Executive summary",
    "Key figures",
    "Process map",
    "Top variants",
    "Bottlenecks",
    "Conformance",
    "Rework and loops",
    "Root causes",
    "Trends",
)


def test_build_report_is_self_contained_and_names_the_injected_causes(holiday_peak_log, tmp_path):
    causes = read_injected_causes(holiday_peak_log.directory / SUMMARY_FILE)
    request = ReportRequest(known_causes=tuple(causes))
    report = build_report(holiday_peak_log.con, EventLog(), request)
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in report
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report)
    assert "<script" not in report
    for name in ("late_supplier_shipment", "carrier_api_timeouts", "SUP-007", "SwiftShip"):
        assert name in report
    orders = holiday_peak_log.events["case_id"].nunique()
    assert f"{orders:,}" in report
    path = write_report(report, tmp_path / "report.html")
    pdf = print_pdf(path, tmp_path / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_build_report_escapes_text_taken_from_the_data():
    hostile = "<img src=x onerror=alert(1)>"
    rows = [
        ("c1", "Order Created", "2026-03-01 00:00:00+00", 1, hostile),
        ("c1", hostile, "2026-03-01 01:00:00+00", 2, hostile),
        ("c2", "Order Created", "2026-03-01 00:00:00+00", 3, hostile),
        ("c2", "Delivered", "2026-03-02 00:00:00+00", 4, hostile),
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "event_seq", "carrier"])
    frame["event_at"] = pd.to_datetime(frame["event_at"], utc=True)
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    for column in (
        "channel",
        "node_id",
        "supplier",
        "region",
        "exception_type",
        "resource",
        "source_system",
    ):
        con.execute(f"ALTER TABLE ev ADD COLUMN {column} VARCHAR")
    for column in ("order_line_id", "shipment_id", "payment_id", "return_id", "exception_id"):
        con.execute(f"ALTER TABLE ev ADD COLUMN {column} VARCHAR")
    report = build_report(
        con, EventLog(relation="ev"), ReportRequest(title=hostile, integration_relation=None)
    )
    assert hostile not in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report


def test_report_command_writes_html_for_a_period(holiday_peak_log, tmp_path, monkeypatch):
    from orderlens.cli import main

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    warehouse = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    warehouse.execute("CREATE SCHEMA staging")
    for table in ("stg_raw__workflow_events", "stg_raw__integration_events"):
        frame = holiday_peak_log.con.execute(f"SELECT * FROM staging.{table}").df()
        warehouse.register("frame", frame)
        warehouse.execute(f"CREATE TABLE staging.{table} AS SELECT * FROM frame")
        warehouse.unregister("frame")
    stage_process_events(warehouse)
    warehouse.close()
    monkeypatch.setenv("ORDERLENS_DATA_DIR", str(data_dir))
    out = tmp_path / "forum.html"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--from",
            "2026-03-14",
            "--to",
            "2026-03-19",
            "--compare-to",
            "2026-03-02:2026-03-13",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "<h2>Period comparison</h2>" in text
    started = holiday_peak_log.events.groupby("case_id")["event_at"].min()
    in_period = ((started >= "2026-03-14") & (started < "2026-03-20")).sum()
    assert f"{in_period:,}</div><div class='label'>orders" in text
    # The comparison is a before/after table: previous period, this period, change and
    # direction, against pandas on the same events.
    assert "Previous period (2026-03-02 .. 2026-03-14)" in text
    assert "This period (2026-03-14 .. 2026-03-20)" in text
    spans = holiday_peak_log.events.groupby("case_id")["event_at"].agg(["min", "max"])
    before = spans[(spans["min"] >= "2026-03-02") & (spans["min"] < "2026-03-14")]
    after = spans[(spans["min"] >= "2026-03-14") & (spans["min"] < "2026-03-20")]
    assert re.search(
        rf"<td>Orders started</td><td class='num'>{len(before):,}</td>"
        rf"<td class='num'>{len(after):,}</td><td class='num'>"
        rf"{(len(after) - len(before)) / len(before):+.0%}</td>",
        text,
    )
    medians = [(frame["max"] - frame["min"]).median() for frame in (before, after)]
    direction = "▼ better" if medians[1] < medians[0] else "▲ worse"
    row = re.search(r"<td>Median throughput time</td>(.*?)</tr>", text).group(1)
    assert direction in row
    empty = CliRunner().invoke(main, ["report", "--from", "2027-01-01", "--out", str(out)])
    assert empty.exit_code != 0
    assert "no case in the analysed period" in empty.output


def _bare_report_log(events: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """``events`` (case, activity, time, arrival only) with the optional columns empty."""
    con = duckdb.connect()
    con.register("frame", events)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    con.unregister("frame")
    for column in (
        "channel",
        "node_id",
        "supplier",
        "region",
        "carrier",
        "exception_type",
        "resource",
        "source_system",
        "order_line_id",
        "shipment_id",
        "payment_id",
        "return_id",
        "exception_id",
    ):
        con.execute(f"ALTER TABLE ev ADD COLUMN {column} VARCHAR")
    return con


def _kpi(report: str, label: str) -> str:
    found = re.search(rf"<div class='value'>([^<]*)</div><div class='label'>{label}", report)
    assert found, label
    return found.group(1)


def test_build_report_names_the_conformance_model_and_gives_no_fitness_without_shared_steps(
    receipt_log,
):
    import pm4py

    from process_mining.conformance import REFERENCE_MODEL_FILE

    con = _bare_report_log(receipt_log.events)
    log = EventLog(relation="ev")
    discovered = build_report(con, log, ReportRequest(integration_relation=None))
    label = re.search(
        r"Model: <strong[^>]*>(discovered from the \d+ most frequent variants)", discovered
    )
    assert label, "the report names the discovered model"
    assert "only 0.0% of the log&#x27;s events are steps of the retail reference model" in (
        discovered
    )
    # The fitness shown is pm4py's, against the BPMN the report names (mined by pm4py's
    # inductive miner from the same frequent variants).
    frequent = int(label.group(1).split()[3])
    keys = {"case_id_key": "case_id", "activity_key": "activity", "timestamp_key": "event_at"}
    top = pm4py.filter_variants_top_k(receipt_log.events, frequent, **keys)
    net = pm4py.convert_to_petri_net(pm4py.discover_process_tree_inductive(top, **keys))
    fitness = pm4py.fitness_alignments(receipt_log.events, *net, **keys)
    assert _kpi(discovered, "fit with the usual paths") == f"{fitness['average_trace_fitness']:.1%}"
    assert _kpi(discovered, "alignment fitness") == f"{fitness['average_trace_fitness']:.1%}"

    foreign = build_report(
        con, log, ReportRequest(integration_relation=None, reference_model=REFERENCE_MODEL_FILE)
    )
    assert re.search(
        r"Model: <strong[^>]*>given model canonical_fulfillment.bpmn</strong>", foreign
    )
    assert _kpi(foreign, "fit with the given model") == "not measured"
    assert _kpi(foreign, "cases following it exactly") == "not measured"
    # A permit process is not order fulfillment: its cases are not called orders.
    assert "<h1>Process mining report</h1>" in foreign
    assert "orders" not in re.sub(r"<[^>]+>", " ", foreign).lower()
    assert "No fitness is given: the model shares no activity with the log" in foreign
    assert "alignment fitness" not in foreign


def test_build_report_counts_rework_per_object_and_names_split_shipments(holiday_peak_log):
    events = holiday_peak_log.events
    objects = ["order_line_id", "shipment_id", "payment_id", "return_id"]
    executions = events.groupby(["case_id", "activity", *objects], dropna=False).size()
    rework_orders = executions[executions > 1].index.get_level_values("case_id").nunique()
    shipments = events.dropna(subset=["shipment_id"]).groupby("case_id")["shipment_id"].nunique()
    # Counted per order, every split shipment would be rework too.
    per_order = events.groupby(["case_id", "activity"]).size()
    assert per_order[per_order > 1].index.get_level_values("case_id").nunique() > rework_orders

    report = build_report(holiday_peak_log.con, EventLog(), ReportRequest())
    share = rework_orders / events["case_id"].nunique()
    assert (
        f"<div class='value'>{share:.1%}</div><div class='label'>orders with rework</div>" in report
    )
    split, shipped = int((shipments > 1).sum()), len(shipments)
    assert f"{split / shipped:.1%} of shipped orders ({split:,} of {shipped:,})" in report
