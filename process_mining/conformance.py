"""Conformance of the log against a process model.

Which model is used, and why, is decided by :mod:`process_mining.conformance_model`: a
BPMN file the user gives, the retail reference model when the log is the retail process,
or a model discovered from the log's frequent variants.

The retail reference model (``models/canonical_fulfillment.bpmn``) is the designed
process: intake, sourcing, allocation and release, execution, shipment or pickup,
settlement and return, in the contract's milestone names and the simulator's step names.
Against it each trace is projected on the model's activities (exception handling steps
are not part of the designed flow; they are listed as inserted steps instead). Any other
model is aligned with the whole traces, as pm4py's alignments do. Either way traces are
aligned with pm4py once per distinct (projected) variant and weighted by its number of
cases, so checking a million orders costs as much as checking a few hundred variants.

A model that names none of the log's activities gives no fitness at all (every case
would "deviate" everywhere, a number that says nothing): the result then carries the
reason instead, and empty tables.

Traces are order-level: a step done to a further object of the order (the second
shipment's pick, pack, dispatch and delivery) is left out, so a split shipment is no
deviation; it is reported as a split-shipment rate instead
(:func:`process_mining.rework.get_split_shipments`). Per-shipment alignment was not
chosen: a model of the order would then have to be cut into a model per shipment, and
the order-level steps (payment, invoice) would have no shipment to belong to. A step
repeated on the same object is kept, and is a deviation, as rework is
(:mod:`process_mining.rework` defines both). A log without object columns keeps every
event.

Deviations are the moves an alignment needs: an activity the model expected but the
order skipped, or one the order did that the model did not allow there. Each deviation
is listed with the orders that carry it and the extra throughput time they took
compared with conforming orders; orders that deviate and finish sooner (a skipped step
often means the order stopped early, cancelled) add no extra time rather than a
negative one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pm4py
from pm4py.objects.bpmn.obj import BPMN
from pm4py.objects.log.obj import EventLog as Pm4pyLog
from pm4py.objects.log.obj import Trace
from pm4py.objects.petri_net.obj import Marking, PetriNet

from process_mining.event_log import EVENT_ORDER, EventLog
from process_mining.rework import object_executions_query

REFERENCE_MODEL_FILE = Path(__file__).resolve().parent / "models" / "canonical_fulfillment.bpmn"
"""The canonical fulfillment workflow, authored as BPMN 2.0."""

_SKIP = ">>"


@dataclass(frozen=True)
class ReferenceModel:
    """A process model to check against: BPMN diagram, Petri net and the activities it names.

    Attributes:
        projects_traces: Align traces projected on ``activities``, so steps the model does
            not name are listed as extra steps without lowering fitness (the retail
            reference, whose exception handling lies outside the designed flow). ``False``
            aligns whole traces: an unnamed step is a log move that costs fitness.
    """

    bpmn: BPMN
    net: PetriNet
    initial_marking: Marking
    final_marking: Marking
    activities: frozenset[str]
    projects_traces: bool = False


@dataclass(frozen=True)
class ConformanceResult:
    """How far the log departs from a model.

    Attributes:
        fitness: Alignment fitness averaged over checked cases (1 = every case fits);
            ``None`` when it was not measured (``unmeasured_reason`` says why).
        conforming_case_share: Share of checked cases that fit the model exactly
            (``None`` when not measured).
        checked_case_share: Share of the log's cases whose variant was aligned.
        shared_activities: The model's activities that occur in the log, sorted.
        unmeasured_reason: Why no fitness is given, in words; ``None`` when it is.
        variants: One row per projected variant: ``activities``, ``case_count``,
            ``fitness``, ``is_conforming``, ``mean_throughput_seconds``, ``deviations``.
        deviations: One row per deviation: ``deviation`` (in words), ``kind``
            (``skipped`` or ``inserted``), ``activity``, ``case_count``, ``case_share``,
            ``mean_throughput_seconds`` and ``extra_seconds`` (mean throughput beyond
            that of conforming cases; 0 when the deviating cases are quicker).
    """

    fitness: float | None
    conforming_case_share: float | None
    checked_case_share: float
    variants: pd.DataFrame
    deviations: pd.DataFrame
    shared_activities: tuple[str, ...] = ()
    unmeasured_reason: str | None = None


VARIANT_RESULT_COLUMNS = {
    "activities": "object",
    "case_count": "int64",
    "fitness": "float64",
    "is_conforming": "bool",
    "mean_throughput_seconds": "float64",
    "deviations": "object",
}
"""Columns of :attr:`ConformanceResult.variants` and their types."""

DEVIATION_COLUMNS = {
    "deviation": "object",
    "kind": "object",
    "activity": "object",
    "case_count": "int64",
    "case_share": "float64",
    "mean_throughput_seconds": "float64",
    "extra_seconds": "float64",
}
"""Columns of :attr:`ConformanceResult.deviations` and their types."""


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def read_bpmn_model(path: Path, *, projects_traces: bool = False) -> ReferenceModel:
    """Read a BPMN 2.0 file and convert it to a Petri net for alignments.

    Args:
        path: The BPMN file.
        projects_traces: See :attr:`ReferenceModel.projects_traces`.

    Raises:
        ValueError: The file is missing, is not BPMN XML, or names no activity; the
            message names the file.
    """
    try:
        bpmn = pm4py.read_bpmn(str(path))
        net, initial, final = pm4py.convert_to_petri_net(bpmn)
    except Exception as error:  # pm4py raises bare Exception, lxml its own syntax errors
        raise ValueError(f"{path}: not a readable BPMN model ({error})") from error
    labels = frozenset(t.label for t in net.transitions if t.label)
    if not labels:
        raise ValueError(f"{path}: not a readable BPMN model (it names no task)")
    return ReferenceModel(bpmn, net, initial, final, labels, projects_traces)


def get_reference_model() -> ReferenceModel:
    """The retail reference model (traces projected on its activities)."""
    return read_bpmn_model(REFERENCE_MODEL_FILE, projects_traces=True)


def _align(variants: list[tuple[str, ...]], model: ReferenceModel) -> list[dict]:
    """Align each variant once; case ids are zero-padded so pm4py keeps their order."""
    width = len(str(len(variants)))
    rows = [
        {"case:concept:name": f"v{index:0{width}d}", "concept:name": activity, "position": step}
        for index, variant in enumerate(variants)
        for step, activity in enumerate(variant)
    ]
    frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "position"])
    frame["time:timestamp"] = pd.Timestamp("2000-01-01", tz="UTC") + pd.to_timedelta(
        frame["position"], unit="s"
    )
    results = pm4py.conformance_diagnostics_alignments(
        frame, model.net, model.initial_marking, model.final_marking
    )
    empty = [index for index, variant in enumerate(variants) if not variant]
    if empty:
        # Cases without any modelled activity are absent from the frame; align them alone.
        empty_result = pm4py.conformance_diagnostics_alignments(
            Pm4pyLog([Trace()]), model.net, model.initial_marking, model.final_marking
        )[0]
        for index in empty:
            results.insert(index, empty_result)
    return results


def _deviations_of(alignment: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for log_move, model_move in alignment:
        if log_move == _SKIP and model_move is not None:
            found.append(("skipped", model_move))
        elif model_move == _SKIP:
            found.append(("inserted", log_move))
    return sorted(set(found))


def order_level_traces_query(
    con: duckdb.DuckDBPyConnection, log: EventLog
) -> tuple[str, list[object]]:
    """SQL with one row per kept case: ``case_id``, ``trace`` (its activities in order,
    without the steps done to a further object, see the module docstring), ``started_at``,
    ``ended_at`` and ``throughput_seconds`` (over all its events).

    Returns:
        The query and its parameters.
    """
    executions, parameters = object_executions_query(con, log)
    query = (
        f"SELECT case_id, list(activity ORDER BY {EVENT_ORDER})"
        f" FILTER (WHERE object_execution > 1 OR case_execution = 1) AS trace,"
        f" min(event_at) AS started_at, max(event_at) AS ended_at,"
        f" (epoch_us(max(event_at)) - epoch_us(min(event_at))) / 1e6 AS throughput_seconds"
        f" FROM ({executions}) GROUP BY case_id"
    )
    return query, parameters


def _describe(kind: str, activity: str) -> str:
    return f"{'skipped' if kind == 'skipped' else 'extra step'}: {activity}"


def check_conformance(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    model: ReferenceModel | None = None,
    max_variants: int = 400,
) -> ConformanceResult:
    """Align the log's variants with ``model`` (the retail reference by default).

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        model: The model to check against; :func:`get_reference_model` when omitted
            (:func:`process_mining.conformance_model.choose_conformance_model` picks one).
        max_variants: Align at most this many (projected) variants, the most frequent;
            ``checked_case_share`` says how many cases they hold.

    Returns:
        The result; when the model shares no activity with the log, no fitness (``None``),
        empty tables and the reason.
    """
    model = model or get_reference_model()
    traces, parameters = order_level_traces_query(con, log)
    modelled = sorted(model.activities)
    if model.projects_traces:
        projection = (
            "list_filter(trace, lambda activity: list_contains(?::VARCHAR[], activity))"
            " AS activities, list_filter(trace, lambda activity: NOT list_contains("
            "?::VARCHAR[], activity)) AS unmodelled"
        )
        parameters = [*parameters, modelled, modelled]
    else:
        projection = "trace AS activities, []::VARCHAR[] AS unmodelled"
    query = (
        f"WITH traces AS ({traces}),"
        f" projected AS (SELECT {projection}, throughput_seconds FROM traces)"
        f" SELECT activities, count(*) AS case_count,"
        f" avg(throughput_seconds) AS mean_throughput_seconds,"
        f" list(unmodelled) AS unmodelled_per_case, list(throughput_seconds) AS throughputs"
        f" FROM projected GROUP BY activities ORDER BY case_count DESC, activities"
    )
    grouped = con.execute(query, parameters).df()
    total_cases = int(grouped["case_count"].sum())
    shared = tuple(sorted(model.activities & set().union(*grouped["activities"])))
    if not shared:
        reason = (
            "the log holds no case"
            if not total_cases
            else f"the model shares no activity with the log (it names {len(modelled)}:"
            f" {', '.join(modelled[:5])}{', ...' if len(modelled) > 5 else ''})"
        )
        return ConformanceResult(
            fitness=None,
            conforming_case_share=None,
            checked_case_share=0.0,
            variants=_empty(VARIANT_RESULT_COLUMNS),
            deviations=_empty(DEVIATION_COLUMNS),
            shared_activities=(),
            unmeasured_reason=reason,
        )
    checked = grouped.head(max_variants).reset_index(drop=True)
    results = _align([tuple(variant) for variant in checked["activities"]], model)
    checked["fitness"] = [float(result["fitness"]) for result in results]
    checked["deviations"] = [_deviations_of(result["alignment"]) for result in results]
    checked["is_conforming"] = checked["deviations"].map(lambda found: not found)
    checked["activities"] = checked["activities"].map(list)

    case_rows = []
    for row in checked.itertuples():
        for unmodelled, throughput in zip(row.unmodelled_per_case, row.throughputs, strict=True):
            inserted = {("inserted", activity) for activity in unmodelled}
            case_rows.append(
                {
                    "deviations": sorted(set(row.deviations) | inserted),
                    "throughput_seconds": throughput,
                }
            )
    cases = pd.DataFrame(case_rows, columns=["deviations", "throughput_seconds"])
    checked_cases = int(checked["case_count"].sum())
    fitting = cases[cases["deviations"].map(len) == 0]
    baseline = float(fitting["throughput_seconds"].mean()) if len(fitting) else float("nan")
    exploded = cases.explode("deviations").dropna(subset=["deviations"])
    if exploded.empty:
        deviations = _empty(DEVIATION_COLUMNS)
    else:
        exploded["kind"] = exploded["deviations"].map(lambda found: found[0])
        exploded["activity"] = exploded["deviations"].map(lambda found: found[1])
        deviations = (
            exploded.groupby(["kind", "activity"])
            .agg(
                case_count=("throughput_seconds", "size"),
                mean_throughput_seconds=("throughput_seconds", "mean"),
            )
            .reset_index()
        )
        deviations["case_share"] = deviations["case_count"] / checked_cases
        deviations["extra_seconds"] = (deviations["mean_throughput_seconds"] - baseline).clip(
            lower=0.0
        )
        deviations["deviation"] = [
            _describe(kind, activity)
            for kind, activity in zip(deviations["kind"], deviations["activity"], strict=True)
        ]
        deviations = deviations.sort_values(
            ["case_count", "deviation"], ascending=[False, True]
        ).reset_index(drop=True)[list(DEVIATION_COLUMNS)]
    # ``shared`` is not empty, so at least one case was checked.
    return ConformanceResult(
        fitness=float((checked["fitness"] * checked["case_count"]).sum() / checked_cases),
        conforming_case_share=len(fitting) / checked_cases,
        checked_case_share=checked_cases / total_cases,
        variants=checked[list(VARIANT_RESULT_COLUMNS)],
        deviations=deviations,
        shared_activities=shared,
    )
