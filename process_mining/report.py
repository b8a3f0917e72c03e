"""The process-mining report for improvement forums: one self-contained HTML file.

:func:`build_report` runs every analysis of the package on a (filtered) log and lays the
results out as one HTML page with inline CSS and inline SVG charts, so it opens anywhere
without a network: summary KPIs, the process map by frequency and by waiting time, top
variants, bottlenecks, conformance (to the model the log calls for, named with the
reason it was chosen) and its deviations, rework, root causes (scored against a simulator
ground truth when one is given), the object-centric view, trends, and a period
comparison. It opens with a one-page executive summary: the three largest findings with
their number, cost, owning team and action (:mod:`process_mining.report_summary`).
:func:`print_pdf` prints it on A4 with headless Chromium. Every text taken from the data is
HTML-escaped.

Codes are shown by their display names, and costs, the exception taxonomy and the steps'
wait classes come from the warehouse's marts: the caller reads them and passes them in
as plain data (:class:`ReportReference`), so this package imports nothing of the project.
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from process_mining.activity_times import get_activity_times, has_activity_instances
from process_mining.charts import (
    ProcessMapDrawing,
    format_duration,
    render_process_maps,
    render_trend,
)
from process_mining.coded_log import discover_process_summary
from process_mining.comparison import Period, PeriodComparison, compare_periods, get_period_kpis
from process_mining.conformance import ConformanceResult, check_conformance
from process_mining.conformance_model import (
    ConformanceModel,
    ModelSource,
    choose_conformance_model,
)
from process_mining.event_log import EventLog, TimeFrameMode, events_query, filter_time_frame
from process_mining.object_centric import (
    discover_object_edges,
    get_objects_per_case,
    object_events_query,
)
from process_mining.process_maps import rank_bottlenecks
from process_mining.report_summary import (
    ExecutiveSummary,
    SummaryInputs,
    summarize_findings,
)
from process_mining.rework import (
    SplitShipments,
    count_rework_cases,
    get_ping_pong,
    get_rework,
    get_split_shipments,
    get_team_ping_pong,
)
from process_mining.root_cause_evaluation import KnownCause, score_root_causes
from process_mining.root_causes import (
    STAGED_INTEGRATION_EVENTS,
    get_root_causes,
    slow_cases,
)
from process_mining.throughput import get_throughput_distribution, get_throughput_trend

CHROMIUM = "/usr/bin/chromium"

SNAKE_CASE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""A code as the data writes it (``line_out_of_stock``, ``node_id``): never shown as such."""

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
"""The report needs nothing but its own inline styles and SVG: every script, frame,
image, font and connection is refused, so a value that ever slipped past escaping still
could not run or call out (defence in depth behind ``html.escape``), in a browser and
while Chromium prints the PDF. Printing with scripts switched off instead is no option:
headless Chromium then writes no PDF at all."""
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;color:#1d2733;margin:0;background:#f5f7fa}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:26px;margin:0 0 4px;color:#1f4e79}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;border-bottom:2px solid #1f4e79;
color:#1f4e79;page-break-after:avoid}
h3{font-size:15px;margin:18px 0 6px}
.subtitle{color:#5a6b7d;margin:0 0 18px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}
.kpi{border:1px solid #d6dee8;border-radius:6px;padding:10px 12px;background:#f8fafc}
.kpi .value{font-size:22px;font-weight:bold;color:#1f4e79}
.kpi .label{font-size:12px;color:#5a6b7d}
table{border-collapse:collapse;width:100%;font-size:12px;margin:6px 0 10px}
th{background:#eaf1f8;text-align:left;padding:5px 6px;border-bottom:1px solid #b8c7d9}
td{padding:4px 6px;border-bottom:1px solid #e6ebf1;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.notable td{background:#fdf0e6}
.good{color:#2e7d32;font-weight:bold}.bad{color:#c55a11;font-weight:bold}
.note{color:#5a6b7d;font-size:12px}
.maps figure{margin:0 0 14px;border:1px solid #d6dee8;border-radius:6px;padding:6px;
text-align:center;break-inside:avoid}
figcaption{font-size:12px;color:#5a6b7d;margin-bottom:4px}
svg.process-map{max-width:100%;height:auto}
svg.trend{width:100%;max-width:760px;height:auto;font-size:13px;font-family:Helvetica,Arial}
.variant{font-size:11px;color:#334}
.pill{display:inline-block;background:#eaf1f8;border-radius:3px;padding:0 4px;margin:1px}
.bar{background:#c55a11;height:10px;border-radius:2px;min-width:1px}
td.share{width:22%}
.executive .lead{font-size:15px;margin:6px 0 12px}
ol.findings{padding-left:22px;margin:0}
ol.findings li{margin:0 0 12px;font-size:15px}
ol.findings .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;
font-size:13px;margin:4px 0 0;color:#334}
ol.findings .facts dt{color:#5a6b7d}
ol.findings .facts dd{margin:0}
.rule{font-size:11px;color:#5a6b7d}
@page{size:A4;margin:12mm}
@media print{body{background:#fff}main{padding:0 8px;max-width:none}
section{page-break-inside:auto}section.executive{break-after:page}}
"""


@dataclass(frozen=True)
class ReportRequest:
    """What to report on.

    Attributes:
        title: Heading of the report; ``None`` names it after the process (order
            fulfillment for the retail process, else a plain process-mining report).
        period: Analyse the cases started in this period (``None``: the whole log).
        compare_to: Put this period beside ``period`` (the "before" of a change).
        known_causes: Causes known to act on the log (a simulation's injected causes,
            read by the caller from its ground truth) to score root causes against;
            ``None`` when no answer key was given.
        integration_relation: Middleware attempts for the ``interface`` dimension.
        reference_model: A BPMN file to measure conformance against (``None``: the log
            decides, see :mod:`process_mining.conformance_model`).
    """

    title: str | None = None
    period: Period | None = None
    compare_to: Period | None = None
    known_causes: tuple[KnownCause, ...] | None = None
    integration_relation: str | None = STAGED_INTEGRATION_EVENTS
    reference_model: Path | None = None
    reference: ReportReference | None = None


@dataclass(frozen=True)
class ReportReference:
    """Display names, costs, the exception taxonomy and wait classes, as plain data.

    The caller reads them from the warehouse's marts (``orderlens`` does, for the command
    and the pipeline's report asset); without them the report still runs, names codes by
    spacing out their words, and says in its summary what it lacks.

    Attributes:
        display_names: Display name of each ``(kind, code)``; the kinds are those of the
            warehouse's display names (``node``, ``channel``, ``carrier``, ``supplier``,
            ``region``, ``system``, ``interface``, ``exception_type``, ``dimension``).
        exceptions: One row per exception: ``case_id``, ``exception_type``, ``total_cost``
            (``NaN`` when unpriced); ``None`` or empty when the log records none.
        exception_types: The exception taxonomy: ``exception_type``, ``owning_team``,
            ``recommended_action``.
        activities: Each step's ``activity``, ``source_system``, ``wait_class``
            (``internal``, ``partner``, ``customer``) and ``waiting_on``.
        currency: The cost model's currency (``USD``); ``None`` without a cost model.
    """

    display_names: Mapping[tuple[str, str], str] = field(default_factory=dict)
    exceptions: pd.DataFrame | None = None
    exception_types: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    currency: str | None = None


@dataclass(frozen=True)
class DisplayWords:
    """Codes in words: the caller's display names, else the code with its underscores
    spaced out (so no snake_case code reaches the page); the code stays on hover."""

    names: Mapping[tuple[str, str], str]

    def text(self, kind: str, code: object) -> str:
        """The display name of ``code`` of ``kind``."""
        if code is None or (not isinstance(code, str) and pd.isna(code)):
            return "not recorded"
        found = self.names.get((kind, str(code)))
        return found if found else str(code).replace("_", " ")

    def names_of(self, kind: str, codes: pd.Series) -> list[str]:
        """:meth:`text` of each code, in order."""
        return [self.text(kind, code) for code in codes]

    def prose(self, text: str) -> str:
        """``text`` with each snake_case code in it replaced by its display name (of any
        kind that names it), for analyst sentences such as a root-cause rule."""

        def worded(match: re.Match[str]) -> str:
            code = match.group(0)
            named = [name for (_, listed), name in self.names.items() if listed == code]
            return named[0] if named else code.replace("_", " ")

        return SNAKE_CASE_CODE.sub(worded, str(text))

    def markup(self, kind: str, code: object) -> str:
        """:meth:`text` as escaped HTML with the code as its hover title."""
        text = self.text(kind, code)
        if text == str(code):
            return _escape(text)
        return f"<span title='Code: {_escape(code)}'>{_escape(text)}</span>"


@dataclass(frozen=True)
class CaseWords:
    """What the report calls a case: an order in the retail process, else a case.

    A permit application or a help-desk ticket is not an order; naming every case one
    would tell a reader of another process that the report is not about theirs.
    """

    one: str
    many: str

    @property
    def Many(self) -> str:  # noqa: N802 - the capitalised form, for headers
        return self.many.capitalize()

    @property
    def One(self) -> str:  # noqa: N802 - the capitalised form, for headers
        return self.one.capitalize()


ORDER_WORDS = CaseWords("order", "orders")
CASE_WORDS = CaseWords("case", "cases")


def case_words(choice: ConformanceModel) -> CaseWords:
    """Orders when the log is the retail process (decided by the conformance model's
    choice: see :mod:`process_mining.conformance_model`), else cases."""
    return ORDER_WORDS if choice.source is ModelSource.RETAIL_REFERENCE else CASE_WORDS


def _escape(value: object) -> str:
    return html.escape(str(value))


def _cell(value: object) -> str:
    """A table cell's text: whole numbers with thousands separators, the rest escaped."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return f"{int(value):,}"
    return _escape(value)


def _table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    numeric: set[str],
    markup: frozenset[str] = frozenset(),
) -> str:
    """An HTML table of ``frame``; ``columns`` maps column -> header; every cell escaped
    (but the ``markup`` columns, already HTML), whole numbers with thousands separators.

    A boolean ``is_notable`` column, if present, highlights its rows.
    """
    head = "".join(
        f"<th class='{'num' if name in numeric else ''}'>{_escape(title)}</th>"
        for name, title in columns.items()
    )
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(
            f"<td class='{'num' if name in numeric else ''}'>"
            f"{record[name] if name in markup else _cell(record[name])}</td>"
            for name in columns
        )
        notable = " class='notable'" if record.get("is_notable") else ""
        rows.append(f"<tr{notable}>{cells}</tr>")
    if not rows:
        rows.append(f"<tr><td colspan='{len(columns)}' class='note'>none</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _activity_times_block(activity_times: pd.DataFrame | None) -> str:
    """Service versus waiting time per activity, or why the log cannot tell them apart."""
    if activity_times is None or not activity_times["timed_instance_count"].sum():
        return (
            "<p class='note'>The log records no step starts (lifecycle START), so the waits "
            "above include the work itself: service and waiting time cannot be told apart."
            "</p>"
        )
    timed = activity_times[activity_times["timed_instance_count"] > 0].head(15)
    shown = timed.assign(
        **{
            column: timed[column].map(
                lambda seconds: "-" if pd.isna(seconds) else format_duration(seconds)
            )
            for column in (
                "median_service_seconds",
                "mean_service_seconds",
                "median_waiting_seconds",
                "mean_waiting_seconds",
            )
        }
    )
    return (
        "<h3>Service and waiting time per step</h3>"
        "<p class='note'>From each step's start to its completion (service), and from the "
        "order's previous completion to the start (waiting): a step with long waits needs "
        "capacity or a faster hand-over, one with long service needs a faster method.</p>"
        + _table(
            shown,
            {
                "activity": "step",
                "timed_instance_count": "timed executions",
                "median_service_seconds": "median service",
                "mean_service_seconds": "mean service",
                "median_waiting_seconds": "median waiting",
                "mean_waiting_seconds": "mean waiting",
            },
            numeric={
                "timed_instance_count",
                "median_service_seconds",
                "mean_service_seconds",
                "median_waiting_seconds",
                "mean_waiting_seconds",
            },
        )
    )


def _percent(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1%}"


def _kpi_cards(items: list[tuple[str, str]]) -> str:
    cards = "".join(
        f"<div class='kpi'><div class='value'>{_escape(value)}</div>"
        f"<div class='label'>{_escape(label)}</div></div>"
        for label, value in items
    )
    return f"<div class='kpis'>{cards}</div>"


def _section(title: str, body: str, *, intro: str = "") -> str:
    lead = f"<p class='note'>{_escape(intro)}</p>" if intro else ""
    return f"<section><h2>{_escape(title)}</h2>{lead}{body}</section>"


def _variants_section(variants: pd.DataFrame, words: CaseWords) -> str:
    top = variants.head(10).copy()
    top["path"] = [
        "".join(f"<span class='pill'>{_escape(step)}</span>" for step in steps)
        for steps in top["activities"]
    ]
    rows = "".join(
        f"<tr><td class='num'>{rank}</td><td class='variant'>{row.path}</td>"
        f"<td class='num'>{row.case_count:,}</td><td class='num'>{_percent(row.case_share)}</td>"
        f"<td class='num'>{_percent(row.cumulative_share)}</td>"
        f"<td class='num'>{_escape(format_duration(row.median_throughput_seconds))}</td></tr>"
        for rank, row in enumerate(top.itertuples(), start=1)
    )
    coverage = variants["cumulative_share"].iloc[min(9, len(variants) - 1)] if len(variants) else 0
    return _section(
        "Top variants",
        "<table><thead><tr><th class='num'>#</th><th>Path</th>"
        f"<th class='num'>{words.Many}</th>"
        "<th class='num'>Share</th><th class='num'>Cumulative</th>"
        f"<th class='num'>Median time</th></tr></thead><tbody>{rows}</tbody></table>",
        intro=f"{len(variants):,} distinct paths; the ten most frequent cover "
        f"{_percent(coverage)} of {words.many}.",
    )


def _model_noun(choice: ConformanceModel) -> str:
    """The conformance model in two or three words, for a KPI label."""
    return {
        ModelSource.USER: "the given model",
        ModelSource.RETAIL_REFERENCE: "the designed process",
        ModelSource.DISCOVERED: "the usual paths",
    }[choice.source]


def _measured(share: float | None) -> str:
    return "not measured" if share is None else _percent(share)


def _rework_intro(split: SplitShipments, words: CaseWords) -> str:
    """What counts as rework, and the split shipments that do not."""
    intro = (
        f"A step counts as rework when a {words.one} repeats it on the same object (order "
        "line, shipment, payment, return) or on none."
    )
    if split.split_rate is None:
        return intro
    return (
        f"{intro} Split shipments are not rework: {_percent(split.split_rate)} of shipped "
        f"{words.many} ({split.split_cases:,} of {split.shipped_cases:,}) went out in several "
        "shipments, each picked, packed and sent once."
    )


def _conformance_section(
    choice: ConformanceModel, conformance: ConformanceResult, words: CaseWords
) -> str:
    """Fitness and deviations, after the model they were measured against and why."""
    shared = len(conformance.shared_activities)
    model_text = (
        f"<p>Model: <strong title='{_escape(choice.location)}'>{_escape(choice.label)}</strong>. "
        f"Why this model: {_escape(choice.reason)}. It shares {shared:,} of its "
        f"{len(choice.model.activities):,} activities with the log.</p>"
    )
    if conformance.fitness is None:
        return _section(
            "Conformance",
            model_text + f"<p class='bad'>No fitness is given: "
            f"{_escape(conformance.unmeasured_reason)}. A figure against a model of another "
            "process would say nothing about this one; give a BPMN model of this process "
            "(ORDERLENS_REFERENCE_MODEL or --reference-model) to measure it.</p>",
        )
    how = (
        "Traces are projected on the model's activities; exception-handling steps count "
        "as extra steps."
        if choice.model.projects_traces
        else "Whole traces are aligned; a step the model does not name is an extra step "
        "and lowers fitness."
    )
    return _section(
        "Conformance",
        model_text
        + f"<p class='note'>Aligned per path and weighted by {words.many}. {how}</p>"
        + _kpi_cards(
            [
                ("alignment fitness", _percent(conformance.fitness)),
                (f"{words.many} conforming exactly", _percent(conformance.conforming_case_share)),
                (f"{words.many} checked", _percent(conformance.checked_case_share)),
                ("deviation kinds", f"{len(conformance.deviations):,}"),
            ]
        )
        + "<h3>Deviations</h3>"
        + _table(
            conformance.deviations.head(15).assign(
                share=lambda frame: frame["case_share"].map(_percent),
                extra=lambda frame: frame["extra_seconds"].map(format_duration),
            ),
            {
                "deviation": "Deviation",
                "case_count": words.Many,
                "share": "Share",
                "extra": "Extra time vs conforming",
            },
            numeric={"case_count", "share", "extra"},
        ),
    )


COMPARED_MEASURES: dict[str, tuple[str, str]] = {
    "cases": ("{Many} started", "neutral"),
    "events per case": ("Steps per {one}", "lower"),
    "mean throughput (h)": ("Mean throughput time", "lower"),
    "median throughput (h)": ("Median throughput time", "lower"),
    "p90 throughput (h)": ("90th percentile throughput time", "lower"),
    "variants": ("Distinct paths (variants)", "lower"),
}
"""Each compared KPI in words, and which way is better (``neutral``: volume, neither)."""


def _measure_text(kpi: str, value: float) -> str:
    if pd.isna(value):
        return "-"
    if kpi.endswith("(h)"):
        return format_duration(value * 3600)
    if kpi in {"cases", "variants"}:
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _direction(kpi: str, change: float) -> tuple[str, str]:
    """The change's direction in words and its CSS class (good, bad or none)."""
    if pd.isna(change) or abs(change) < 0.005:
        return "no change", ""
    up = change > 0
    sense = COMPARED_MEASURES.get(kpi, ("", "neutral"))[1]
    if sense == "neutral":
        return ("▲ more" if up else "▼ fewer"), ""
    better = (not up) if sense == "lower" else up
    return ("▲ " if up else "▼ ") + ("better" if better else "worse"), ("good" if better else "bad")


def _comparison_section(comparison: PeriodComparison, words: CaseWords) -> str:
    """The period comparison as a before/after table: previous period, this period, the
    change and whether it is for the better; then the handovers and paths that moved."""
    before, after = comparison.before, comparison.after
    before_head = f"Previous period ({before.start:%Y-%m-%d} .. {before.end:%Y-%m-%d})"
    after_head = f"This period ({after.start:%Y-%m-%d} .. {after.end:%Y-%m-%d})"
    rows = []
    for kpi in comparison.kpis.itertuples():
        label = COMPARED_MEASURES.get(kpi.kpi, (kpi.kpi, ""))[0].format(
            Many=words.Many, one=words.one
        )
        direction, css = _direction(kpi.kpi, kpi.change)
        change = "-" if pd.isna(kpi.change) else f"{kpi.change:+.0%}"
        notable = " class='notable'" if kpi.is_notable else ""
        rows.append(
            f"<tr{notable}><td>{_escape(label)}</td>"
            f"<td class='num'>{_escape(_measure_text(kpi.kpi, kpi.before))}</td>"
            f"<td class='num'>{_escape(_measure_text(kpi.kpi, kpi.after))}</td>"
            f"<td class='num'>{_escape(change)}</td>"
            f"<td class='{css}'>{_escape(direction)}</td></tr>"
        )
    kpi_table = (
        f"<table class='before-after'><thead><tr><th>Measure</th>"
        f"<th class='num'>{_escape(before_head)}</th><th class='num'>{_escape(after_head)}</th>"
        "<th class='num'>Change</th><th>Direction</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    edges = comparison.edges[comparison.edges["is_notable"]].head(12).copy()
    edges["edge"] = edges["source_activity"] + " → " + edges["target_activity"]
    edges["before_text"] = edges["median_wait_before"].map(format_duration)
    edges["after_text"] = edges["median_wait_after"].map(format_duration)
    edges["change_text"] = edges["wait_change"].map(
        lambda value: "-" if pd.isna(value) else f"{value:+.0%}"
    )
    variants = comparison.variants[comparison.variants["is_notable"]].head(8).copy()
    variants["before_text"] = variants["share_before"].map(_percent)
    variants["after_text"] = variants["share_after"].map(_percent)
    variants["change_text"] = variants["share_change"].map(lambda value: f"{value * 100:+.1f} pt")
    labels = {
        "before_text": "Previous period",
        "after_text": "This period",
        "change_text": "Change",
    }
    body = (
        kpi_table
        + "<h3>Handovers whose median wait changed notably</h3>"
        + _table(edges, {"edge": "Handover", **labels}, numeric=set(labels))
        + "<h3>Paths whose share changed notably</h3>"
        + _table(variants, {"variant": "Path", **labels}, numeric=set(labels))
    )
    return _section(
        "Period comparison",
        body,
        intro=f"{words.Many} started in the previous period against those started in this "
        "one. Direction says whether the change is for the better (shorter times, fewer "
        "steps and paths); the volume of "
        f"{words.many} is neither. Highlighted rows changed by 20 % or more.",
    )


def _exception_costs(
    con: duckdb.DuckDBPyConnection,
    analysed: EventLog,
    reference: ReportReference,
    names: DisplayWords,
) -> pd.DataFrame | None:
    """The cost, count, owning team and recommended action of each exception type, over
    the exceptions of the analysed cases; ``None`` when the log records no exceptions."""
    exceptions = reference.exceptions
    if exceptions is None or exceptions.empty:
        return None
    events, parameters = events_query(analysed)
    cases = con.execute(f"SELECT DISTINCT case_id FROM ({events})", parameters).df()
    period = exceptions[exceptions["case_id"].astype(str).isin(cases["case_id"].astype(str))]
    costs = (
        period.groupby("exception_type", dropna=False)
        .agg(
            exception_count=("case_id", "size"),
            total_cost=("total_cost", lambda cost: cost.sum(min_count=1)),
        )
        .reset_index()
    )
    taxonomy = reference.exception_types
    if taxonomy is None:
        taxonomy = pd.DataFrame(columns=["exception_type", "owning_team", "recommended_action"])
    costs = costs.merge(
        taxonomy[["exception_type", "owning_team", "recommended_action"]],
        on="exception_type",
        how="left",
    )
    return costs.assign(display_name=names.names_of("exception_type", costs["exception_type"]))


def _with_steps(frame: pd.DataFrame, on: str, reference: ReportReference | None) -> pd.DataFrame:
    """``frame`` with the source system, wait class and who the case waits on of the step
    named in its column ``on`` (unchanged when the caller gave no step classes)."""
    if reference is None or reference.activities is None or reference.activities.empty:
        return frame
    steps = reference.activities[["activity", "source_system", "wait_class", "waiting_on"]]
    return frame.merge(
        steps.rename(columns={"activity": on}).drop_duplicates(on), on=on, how="left"
    )


def _findings_heading(count: int) -> str:
    """``The three largest findings``, or as many as the data gave."""
    if count == 0:
        return "Findings"
    if count == 1:
        return "The largest finding"
    return f"The {FINDING_WORDS.get(count, str(count))} largest findings"


FINDING_WORDS = {2: "two", 3: "three"}


def _executive_section(summary: ExecutiveSummary, *, lead: str, words: CaseWords) -> str:
    """The one-page executive summary: the findings, the taxonomy's actions and what the
    log lacks, with the rule that chose the findings."""
    items = []
    for finding in summary.findings:
        facts = [("Cost", finding.cost_text)]
        if finding.owner:
            facts.append(("Owner", finding.owner))
        facts.append(("Action", finding.action))
        listed = "".join(
            f"<dt>{_escape(name)}</dt><dd>{_escape(value)}</dd>" for name, value in facts
        )
        items.append(
            f"<li><strong>{_escape(finding.sentence)}</strong><dl class='facts'>{listed}</dl></li>"
        )
    findings = (
        f"<ol class='findings'>{''.join(items)}</ol>"
        if items
        else f"<p>No finding stands out: the {words.many} neither wait, repeat steps nor "
        "raise exceptions notably.</p>"
    )
    heading = _findings_heading(len(summary.findings))
    body = f"<p class='lead'>{_escape(lead)}</p><h3>{heading}</h3>{findings}"
    if summary.actions:
        body += "<h3>Recommended actions (exception taxonomy)</h3>" + _table(
            pd.DataFrame(
                {
                    "owner": [action.owner or "not named" for action in summary.actions],
                    "action": [action.action for action in summary.actions],
                    "exception": [action.exception_type for action in summary.actions],
                    "cost": [action.cost_text for action in summary.actions],
                }
            ),
            {
                "owner": "Owning team",
                "action": "Recommended action",
                "exception": "For",
                "cost": "Cost in the period",
            },
            numeric={"cost"},
        )
    if summary.missing:
        missing = "".join(f"<li>{_escape(text)}</li>" for text in summary.missing)
        body += f"<h3>What this log cannot tell</h3><ul>{missing}</ul>"
    body += (
        "<p class='rule'>How the findings are chosen: the costliest exception type (by count "
        "when nothing is priced), the handover adding the most hours of internal waiting "
        "(on the company's own teams and systems, not on carriers, suppliers, marketplaces "
        f"or customers), the step most {words.many} repeat on the same object, and the "
        "most common deviation from the process model: the first three of these the data "
        "has, ranked by cost; costs are the cost model's (labour, escalations, expedites, "
        "cancellations and refund leakage per exception).</p>"
    )
    return f"<section class='executive'><h2>Executive summary</h2>{body}</section>"


def _map_figure(drawing: ProcessMapDrawing, caption: str) -> str:
    shown = len(drawing.shown_activities)
    left_out = (
        f" The {shown:,} busiest of {drawing.activity_total:,} steps are drawn so the text "
        "stays readable in print; the variants and tables below cover every step."
        if shown < drawing.activity_total
        else ""
    )
    return (
        f"<figure><figcaption>{_escape(caption)}{_escape(left_out)}</figcaption>"
        f"{drawing.svg}</figure>"
    )


def _waits_table(ranked: pd.DataFrame, words: CaseWords) -> str:
    """Handovers with their total hours of waiting, share, median and p95."""
    top_share = float(ranked["share_of_waiting"].max()) if len(ranked) else 0.0
    shown = ranked.assign(
        handover=ranked["source_activity"] + " → " + ranked["target_activity"],
        hours=(ranked["total_wait_seconds"] / 3600).map(lambda hours: f"{hours:,.0f}"),
        share=[
            f"<div>{_percent(share)}</div><div class='bar' style='width:"
            f"{share / top_share * 100 if top_share else 0:.0f}%'></div>"
            for share in ranked["share_of_waiting"]
        ],
        median=ranked["median_wait_seconds"].map(format_duration),
        p95=ranked["p95_wait_seconds"].map(format_duration),
    )
    columns = {"handover": "Handover"}
    if "waiting_on" in shown.columns:
        columns["waiting_on"] = "Waiting on"
    columns |= {
        "frequency": "Times",
        "hours": f"{words.One}-hours waited",
        "share": "Share of all waiting",
        "median": "Median wait",
        "p95": "95th percentile",
    }
    return _table(
        shown,
        columns,
        numeric={"frequency", "hours", "median", "p95"},
        markup=frozenset({"share"}),
    )


def _bottleneck_section(
    edges: pd.DataFrame, activity_times: pd.DataFrame | None, words: CaseWords
) -> str:
    """Internal waits first (what the company can act on), then waits on partners and
    customers; every wait when the steps' wait classes are unknown."""
    ranked = rank_bottlenecks(edges, top=len(edges))
    if "wait_class" in ranked.columns and ranked["wait_class"].notna().any():
        internal = ranked[ranked["wait_class"] == "internal"].head(10)
        others = ranked[ranked["wait_class"] != "internal"].head(6)
        body = (
            "<h3>Waits on your own teams and systems</h3>"
            + _waits_table(internal, words)
            + "<h3>Waits on partners and customers</h3>"
            + "<p class='note'>Carriers, suppliers, marketplaces, payment providers and "
            "customers: worth a conversation with them, not an internal fix.</p>"
            + _waits_table(others, words)
        )
    else:
        body = (
            "<p class='note'>No step is classed as internal, partner or customer, so all "
            "waits are ranked together.</p>" + _waits_table(ranked.head(10), words)
        )
    return _section(
        "Bottlenecks",
        body + _activity_times_block(activity_times),
        intro=f"Handovers ranked by the {words.one}-hours of waiting they add in total "
        "(frequency times mean wait): shortening the first ones saves the most.",
    )


def build_report(
    con: duckdb.DuckDBPyConnection, log: EventLog, request: ReportRequest | None = None
) -> str:
    """Run every analysis on ``log`` and return the report as one HTML document."""
    request = request or ReportRequest()
    reference = request.reference or ReportReference()
    names = DisplayWords(reference.display_names)
    analysed = log
    if request.period is not None:
        analysed = filter_time_frame(
            log, start=request.period.start, end=request.period.end, mode=TimeFrameMode.STARTED
        )
    kpis = get_period_kpis(con, analysed)
    if not kpis["cases"]:
        raise ValueError("no case in the analysed period: nothing to report")
    summary = discover_process_summary(con, analysed)
    edges, endpoints, variants = summary.edges, summary.endpoints, summary.variants
    classed_edges = _with_steps(edges, "target_activity", request.reference)
    activity_times = get_activity_times(con, analysed) if has_activity_instances(con) else None
    conformance_model = choose_conformance_model(
        con, analysed, user_model=request.reference_model, variants=variants
    )
    conformance = check_conformance(con, analysed, model=conformance_model.model)
    words = case_words(conformance_model)
    title = request.title or (
        "Order fulfillment: process mining report"
        if words is ORDER_WORDS
        else "Process mining report"
    )
    rework = get_rework(con, analysed)
    ping_pong = get_ping_pong(con, analysed)
    team_ping_pong = get_team_ping_pong(con, analysed)
    distribution = get_throughput_distribution(con, analysed)
    trend = get_throughput_trend(con, analysed)
    slow = get_root_causes(
        con,
        analysed,
        outcome=slow_cases(quantile=0.9),
        integration_relation=request.integration_relation,
    )
    object_query, object_parameters = object_events_query(analysed)
    object_edges = discover_object_edges(con, object_query, object_parameters)
    objects = get_objects_per_case(con, analysed)

    rework_cases = count_rework_cases(con, analysed)
    split = get_split_shipments(con, analysed)
    events, parameters = events_query(analysed)
    started, ended = con.execute(
        f"SELECT min(event_at), max(event_at) FROM ({events})", parameters
    ).fetchall()[0]
    scope = (
        f"{words.many} started {request.period.start:%Y-%m-%d} .. {request.period.end:%Y-%m-%d}"
        if request.period
        else f"all {words.many}, {started:%Y-%m-%d} .. {ended:%Y-%m-%d}"
    )

    exception_costs = _exception_costs(con, analysed, reference, names)
    executive = summarize_findings(
        SummaryInputs(
            case_noun=words.many,
            exception_costs=exception_costs,
            currency=reference.currency,
            handovers=classed_edges,
            rework=_with_steps(rework, "activity", request.reference),
            deviations=conformance.deviations if conformance.fitness is not None else None,
            system_names={
                code: names.text("system", code)
                for kind, code in reference.display_names
                if kind == "system"
            },
        )
    )
    lead = (
        f"{int(kpis['cases']):,} {words.many} ({scope}); median throughput time "
        f"{format_duration(distribution.quantiles[0.5])}, 90th percentile "
        f"{format_duration(distribution.quantiles[0.9])}."
    )
    if exception_costs is not None:
        count = int(exception_costs["exception_count"].sum())
        lead += f" {count:,} exceptions" + (
            f" cost {executive.total_cost_text} in total."
            if executive.total_cost_text
            else ", not priced."
        )

    frequency_map, performance_map = render_process_maps(edges, endpoints)
    sections = [
        _executive_section(executive, lead=lead, words=words),
        _section(
            "Key figures",
            _kpi_cards(
                [
                    (words.many, f"{int(kpis['cases']):,}"),
                    (f"events per {words.one}", f"{kpis['events per case']:.1f}"),
                    ("distinct paths (variants)", f"{int(kpis['variants']):,}"),
                    ("median throughput time", format_duration(distribution.quantiles[0.5])),
                    ("90th percentile throughput", format_duration(distribution.quantiles[0.9])),
                    (f"fit with {_model_noun(conformance_model)}", _measured(conformance.fitness)),
                    (
                        f"{words.many} following it exactly",
                        _measured(conformance.conforming_case_share),
                    ),
                    (f"{words.many} with rework", _percent(rework_cases / kpis["cases"])),
                ]
            ),
        ),
        _section(
            "Process map",
            "<div class='maps'>"
            + _map_figure(
                frequency_map,
                f"Frequency: {words.many} passing each handover; boxes give how many times "
                "each step ran.",
            )
            + _map_figure(performance_map, "Performance: median wait on each handover.")
            + "</div>",
        ),
        _variants_section(variants, words),
        _bottleneck_section(classed_edges, activity_times, words),
        _conformance_section(conformance_model, conformance, words),
        _section(
            "Rework and loops",
            _table(
                rework.head(12).assign(share=lambda frame: frame["rework_share"].map(_percent)),
                {
                    "activity": "Activity repeated",
                    "rework_cases": f"{words.Many} repeating it",
                    "share": f"Of {words.many} doing it",
                    "extra_executions": "Extra executions",
                },
                numeric={"rework_cases", "share", "extra_executions"},
            )
            + "<h3>Ping-pong (A → B → A)</h3>"
            + _table(
                ping_pong.head(8),
                {
                    "first": "Back to",
                    "second": "After",
                    "case_count": words.Many,
                    "occurrences": "Times",
                },
                numeric={"case_count", "occurrences"},
            )
            + "<h3>Ping-pong between teams (systems), counted on handovers</h3>"
            + _table(
                team_ping_pong.head(8).assign(
                    away=lambda frame: frame["mean_away_seconds"].map(format_duration),
                    first_name=lambda frame: [
                        names.markup("system", code) for code in frame["first_team"]
                    ],
                    second_name=lambda frame: [
                        names.markup("system", code) for code in frame["second_team"]
                    ],
                ),
                {
                    "first_name": "Back to",
                    "second_name": "After",
                    "case_count": words.Many,
                    "occurrences": "Times",
                    "away": "Mean time away",
                },
                numeric={"case_count", "occurrences", "away"},
                markup=frozenset({"first_name", "second_name"}),
            ),
            intro=_rework_intro(split, words),
        ),
        _root_cause_section(con, log, slow, request, words, names),
        _objects_section(objects, object_edges, words),
        _section(
            "Trends",
            render_trend(trend, case_noun=words.many)
            + f"<p class='note'>Bars: {words.many} started per day (left axis). Line: their "
            f"median throughput time (right axis); {words.many} started late in the log may "
            "still be open.</p>",
        ),
    ]
    if request.compare_to is not None:
        after = request.period or Period(
            "analysed period", started, ended + pd.Timedelta(seconds=1)
        )
        sections.append(
            _comparison_section(
                compare_periods(con, log, before=request.compare_to, after=after), words
            )
        )
    filters = "; ".join(analysed.describe_filters()) or "none"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CONTENT_SECURITY_POLICY}\">"
        f"<title>{_escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{_escape(title)}</h1>"
        f"<p class='subtitle'>{_escape(scope)} · filters: {_escape(filters)} · "
        f"generated {_escape(generated)}</p>" + "".join(sections) + "</main></body></html>"
    )


def _objects_section(objects: pd.DataFrame, object_edges: pd.DataFrame, words: CaseWords) -> str:
    """Objects inside the cases (lines, shipments, payments, returns, exceptions), or what
    data would show them when the log links none to its events."""
    if objects[objects["object_type"] != "order"].empty:
        return _section(
            "Objects",
            f"<p class='note'>The log links no order line, shipment, payment, return or "
            f"exception to its events, so each {words.one} is one object here. An OCEL log, "
            "or the columns order_line_id, shipment_id, payment_id, return_id or "
            "exception_id on the events, would show where splits and retries happen.</p>",
        )
    return _section(
        "Objects: lines, shipments, payments, returns, exceptions",
        _table(
            objects,
            {
                "object_type": "Object",
                "orders": f"{words.Many} having one",
                "objects": "Objects",
                "orders_with_several": f"{words.Many} with several",
                "max_per_order": f"Most per {words.one}",
            },
            numeric={"orders", "objects", "orders_with_several", "max_per_order"},
        )
        + "<h3>Shipment flow (per shipment, not per order)</h3>"
        + _table(
            object_edges[object_edges["object_type"] == "shipment"]
            .head(10)
            .assign(median=lambda frame: frame["median_wait_seconds"].map(format_duration)),
            {
                "source_activity": "From",
                "target_activity": "To",
                "frequency": "Times",
                "object_count": "Shipments",
                "median": "Median wait",
            },
            numeric={"frequency", "object_count", "median"},
        ),
        intro="Each object follows its own path: a split order has two shipments "
        "each dispatched, a retried payment is authorized twice.",
    )


DIMENSION_WORDS: dict[str, str] = {
    "channel": "sales channel",
    "node_id": "fulfillment node",
    "carrier": "carrier",
    "supplier": "supplier",
    "region": "region",
}
"""The root-cause dimensions in words (the columns are DEFAULT_DIMENSIONS)."""

DIMENSION_CODE_KINDS: dict[str, str] = {
    "channel": "channel",
    "node_id": "node",
    "carrier": "carrier",
    "supplier": "supplier",
    "region": "region",
    "interface": "interface",
}
"""The kind of code each root-cause dimension holds, for its values' display names."""


def _dimensions_carried(con: duckdb.DuckDBPyConnection, log: EventLog) -> list[str]:
    """The root-cause dimensions that at least one event of ``log`` names."""
    events, parameters = events_query(log, tuple(DIMENSION_WORDS))
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count({column})" for column in DIMENSION_WORDS)
        + f" FROM ({events})",
        parameters,
    ).fetchall()[0]
    return [column for column, count in zip(DIMENSION_WORDS, counts, strict=True) if count]


def _root_cause_section(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    slow: pd.DataFrame,
    request: ReportRequest,
    words: CaseWords,
    names: DisplayWords,
) -> str:
    """Slow-order associations, and injected causes scored on the whole ``log`` (each
    cause is analysed in its own window, whatever period the report covers)."""

    def dimension_text(dimension: str) -> str:
        return (
            names.names.get(("dimension", dimension))
            or DIMENSION_WORDS.get(dimension, dimension.replace("_", " ")).capitalize()
        )

    def value_markup(dimension: str, value: object) -> str:
        return names.markup(DIMENSION_CODE_KINDS.get(dimension, dimension), value)

    def numeric_view(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(
            dimension_text=frame["dimension"].map(dimension_text),
            value_markup=[
                value_markup(dimension, value)
                for dimension, value in zip(frame["dimension"], frame["value"], strict=True)
            ],
            support_text=frame["support"].map(_percent),
            confidence_text=frame["confidence"].map(_percent),
            lift_text=frame["lift"].map(lambda value: f"{value:.2f}"),
            delay_text=frame["delay_seconds"].map(format_duration),
        )

    columns = {
        "dimension_text": "Dimension",
        "value_markup": "Value",
        "case_count": words.Many,
        "support_text": "Support",
        "confidence_text": "Slow among them",
        "lift_text": "Lift",
        "delay_text": "Extra time",
    }
    numeric = {"case_count", "support_text", "confidence_text", "lift_text", "delay_text"}
    body = f"<h3>What slow {words.many} have in common</h3>"
    carried = _dimensions_carried(con, log)
    if slow.empty and not carried:
        body += (
            f"<p class='note'>Nothing to compare slow {words.many} on: the log names no "
            f"{', '.join(DIMENSION_WORDS.values())} on its events. Load those columns "
            "(channel, node_id, carrier, supplier, region; docs/ingestion.md) or middleware "
            "messages to find what slow ones have in common.</p>"
        )
    else:
        body += _table(
            numeric_view(slow.head(10)),
            columns,
            numeric=numeric,
            markup=frozenset({"value_markup"}),
        )
        body += f"<p class='note'>Slow = the slowest 10 % of {words.many}. Lift 2 means "
        body += f"twice as likely to be slow as the average {words.one}. Values carried by "
        body += f"fewer than 20 {words.many} are left out.</p>"
    causes = list(request.known_causes or ())
    if request.known_causes is not None and not causes:
        body += "<p class='note'>The simulator's ground truth lists no injected cause.</p>"
    if causes:
        scores = score_root_causes(
            con, log, causes, integration_relation=request.integration_relation
        )
        scores = scores.assign(
            cause_text=[names.markup("cause", cause) for cause in scores["cause"]],
            dimension_text=scores["dimension"].map(dimension_text),
            values_text=[
                ", ".join(
                    value_markup(dimension, value.strip()) for value in str(values).split(",")
                )
                for dimension, values in zip(scores["dimension"], scores["values"], strict=True)
            ],
            effect_text=scores["effect"].map(names.prose),
            rule_text=scores["top_rule"].map(names.prose),
            rank_text=scores["rank"].map(
                lambda rank: "not found" if pd.isna(rank) else f"#{int(rank)}"
            ),
            found=scores["in_top_three"].map(lambda found: "yes" if found else "no"),
        )
        body += (
            "<h3>Injected causes (simulator ground truth) and where the analysis ranks them</h3>"
        )
        body += _table(
            scores,
            {
                "cause_text": "Cause",
                "dimension_text": "Dimension",
                "values_text": "Values",
                "effect_text": "Effect analysed",
                "rank_text": "Rank",
                "found": "Top three",
                "rule_text": "Rule found",
            },
            numeric={"rank_text"},
            markup=frozenset({"cause_text", "values_text"}),
        )
    return _section(
        "Root causes",
        body,
        intro="Which channels, nodes, carriers, suppliers, regions and failing interfaces "
        f"go with slow {words.many}: support, confidence, lift and the extra time they carry.",
    )


def write_report(report_html: str, path: Path) -> Path:
    """Write the report to ``path`` (folders created) atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(report_html, encoding="utf-8")
    partial.replace(path)
    return path


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: str = CHROMIUM) -> Path:
    """Print the HTML report to PDF with headless Chromium (a fresh profile, no network).

    Raises:
        RuntimeError: Chromium failed or wrote no PDF (its output included).
    """
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orderlens-chromium-") as profile:
        result = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path}",
                Path(html_path).resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium could not print {html_path}: {result.stderr[-2000:]}")
    return pdf_path
