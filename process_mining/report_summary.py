"""The forum report's executive summary: its three largest findings, chosen by a rule.

An operations leader reads one page: what costs the most, where orders wait on the
company's own teams, what work is done twice, who owns each and what to do. The findings
are generated from the data by this rule, never written by hand:

1. Four lenses, each offering its largest candidate:

   - **exception cost**: the exception type whose exceptions in the period cost the most
     (the cost model's labour, escalation, expedite, cancellation and refund leakage per
     exception, summed); by count when nothing is priced. Its owning team and recommended
     action come from the exception taxonomy.
   - **internal waiting**: the handover that adds the most case-hours of waiting
     (frequency times mean wait) among those whose wait is internal, i.e. the case waits
     on the company's own teams and systems, not on a carrier, supplier, marketplace or
     the customer. When the caller gives no wait classes, every handover is a candidate
     and the sentence says the class is unknown.
   - **rework**: the step repeated on the same object (line, shipment, payment, return,
     or none) by the most cases.
   - **deviations**: the deviation from the conformance model shared by the most cases
     (only when conformance was measured).

2. The first three lenses, in that order, that have a candidate give the findings.
3. The findings are ranked by cost, largest first; a finding the cost model cannot price
   (waiting time, a repeated step and a deviation have no price in it) follows the priced
   ones, in lens order.

What the log lacks for a fuller summary (no exceptions, nothing priced, no wait classes)
is said in words, so a forum reading a foreign process log knows why no cost is given.

Everything here is plain data in and plain data out: the caller passes display names,
costs and the taxonomy (read from the warehouse's marts) as frames and mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

EXCEPTION_COST = "exception cost"
INTERNAL_WAITING = "internal waiting"
REWORK = "rework"
DEVIATIONS = "deviations"
LENSES = (EXCEPTION_COST, INTERNAL_WAITING, REWORK, DEVIATIONS)
"""The lenses in the order the rule reads them."""

FINDING_COUNT = 3


@dataclass(frozen=True)
class SummaryInputs:
    """What the summary reads, all already restricted to the analysed period.

    Attributes:
        case_noun: What a case is called, plural (``orders`` or ``cases``).
        exception_costs: One row per exception type seen in the period: ``exception_type``,
            ``display_name``, ``exception_count``, ``total_cost`` (``NaN`` when unpriced),
            ``owning_team``, ``recommended_action``; ``None`` when the log records no
            exceptions at all.
        currency: The cost model's currency (``USD``); ``None`` when there is no cost model.
        handovers: The process map's edges: ``source_activity``, ``target_activity``,
            ``frequency``, ``total_wait_seconds``, ``median_wait_seconds`` and, when wait
            classes are known, ``wait_class`` and ``source_system`` (of the target step).
        rework: ``activity``, ``rework_cases``, ``extra_executions`` and, when known,
            ``source_system``.
        deviations: ``deviation``, ``case_count`` and, when known, ``kind`` (``skipped``
            or ``inserted``) and ``activity``; ``None`` when conformance was not measured.
        system_names: Display name of each source-system code (an owner's name).
    """

    case_noun: str
    exception_costs: pd.DataFrame | None
    currency: str | None
    handovers: pd.DataFrame
    rework: pd.DataFrame
    deviations: pd.DataFrame | None = None
    system_names: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Finding:
    """One finding of the summary.

    Attributes:
        lens: One of :data:`LENSES`.
        subject: What it is about, in words (``Carrier delay``, ``Pick Completed``).
        sentence: The finding in one sentence, with its number.
        cost: Its cost in the cost model's currency; ``None`` when not priced.
        cost_text: The cost in words, or why there is none.
        owner: The owning team (exceptions) or the system the step runs in; ``None``
            when the log does not say.
        action: What to do next.
    """

    lens: str
    subject: str
    sentence: str
    cost: float | None
    cost_text: str
    owner: str | None
    action: str


@dataclass(frozen=True)
class RecommendedAction:
    """An action of the exception taxonomy for one of the costliest exception types."""

    exception_type: str
    owner: str | None
    action: str
    cost_text: str


@dataclass(frozen=True)
class ExecutiveSummary:
    """The findings, the taxonomy's actions, the total cost and what the log lacks."""

    findings: tuple[Finding, ...]
    actions: tuple[RecommendedAction, ...]
    total_cost_text: str | None
    missing: tuple[str, ...]


def format_money(amount: float, currency: str) -> str:
    """``USD 1,894``: whole units with thousands separators (cents below 10 units).

    Example:
        >>> format_money(1893.7, "USD"), format_money(4.25, "USD")
        ('USD 1,894', 'USD 4.25')
    """
    return f"{currency} {amount:,.2f}" if abs(amount) < 10 else f"{currency} {amount:,.0f}"


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:,.0f} h" if hours >= 10 else f"{hours:,.1f} h"


def _is_priced(costs: pd.DataFrame) -> bool:
    return bool(costs["total_cost"].notna().any())


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value)


def _exception_finding(inputs: SummaryInputs) -> Finding | None:
    costs = inputs.exception_costs
    if costs is None or costs.empty:
        return None
    priced = _is_priced(costs) and inputs.currency is not None
    ranked = costs.assign(cost_rank=costs["total_cost"].fillna(0) if priced else 0.0)
    top = ranked.sort_values(
        ["cost_rank", "exception_count", "exception_type"], ascending=[False, False, True]
    ).iloc[0]
    count = int(top["exception_count"])
    total_count = int(costs["exception_count"].sum())
    owner = _text(top["owning_team"])
    action = _text(top["recommended_action"]) or "no action is named in the taxonomy"
    if priced:
        cost = float(top["total_cost"]) if pd.notna(top["total_cost"]) else 0.0
        total = float(costs["total_cost"].fillna(0).sum())
        share = f" ({cost / total:.0%} of all exception cost)" if total else ""
        cost_text = format_money(cost, inputs.currency)
        sentence = (
            f"{top['display_name']} is the costliest exception: {count:,} exceptions "
            f"cost {cost_text}{share}."
        )
    else:
        cost = None
        cost_text = "not priced: no cost model priced these exceptions"
        sentence = (
            f"{top['display_name']} is the most frequent exception: {count:,} of "
            f"{total_count:,} exceptions."
        )
    return Finding(
        EXCEPTION_COST,
        str(top["display_name"]),
        sentence,
        cost,
        cost_text,
        owner,
        action[:1].upper() + action[1:],
    )


def _owner_of(system: object, inputs: SummaryInputs) -> str | None:
    code = _text(system)
    if code is None:
        return None
    return (inputs.system_names or {}).get(code, code)


def _wait_finding(inputs: SummaryInputs) -> Finding | None:
    handovers = inputs.handovers
    classed = "wait_class" in handovers.columns and handovers["wait_class"].notna().any()
    candidates = handovers[handovers["wait_class"] == "internal"] if classed else handovers
    candidates = candidates[candidates["total_wait_seconds"] > 0]
    if candidates.empty:
        return None
    top = candidates.sort_values(
        ["total_wait_seconds", "source_activity", "target_activity"],
        ascending=[False, True, True],
    ).iloc[0]
    share = top["total_wait_seconds"] / handovers["total_wait_seconds"].sum()
    kind = "the longest internal wait" if classed else "the longest wait (its class is unknown)"
    subject = f"{top['source_activity']} → {top['target_activity']}"
    sentence = (
        f"{inputs.case_noun.capitalize()} wait {_hours(top['total_wait_seconds'])} in total "
        f"between {top['source_activity']} and {top['target_activity']}, {kind}: "
        f"{int(top['frequency']):,} handovers, median {_hours(top['median_wait_seconds'])}, "
        f"{share:.0%} of all waiting."
    )
    owner = _owner_of(top.get("source_system"), inputs)
    holder = f"the {owner} team" if owner else "the team doing it"
    return Finding(
        INTERNAL_WAITING,
        subject,
        sentence,
        None,
        "not priced: the cost model prices exception handling, not waiting time",
        owner,
        f"Ask {holder} what holds {inputs.case_noun} before {top['target_activity']} "
        "(release batches, staffing, a system hand-off) and set a target for the median wait.",
    )


def _rework_finding(inputs: SummaryInputs) -> Finding | None:
    rework = inputs.rework[inputs.rework["rework_cases"] > 0]
    if rework.empty:
        return None
    top = rework.sort_values(
        ["rework_cases", "extra_executions", "activity"], ascending=[False, False, True]
    ).iloc[0]
    owner = _owner_of(top.get("source_system"), inputs)
    sentence = (
        f"{int(top['rework_cases']):,} {inputs.case_noun} repeat {top['activity']} on the "
        f"same object, {int(top['extra_executions']):,} extra executions: the most "
        "repeated step."
    )
    return Finding(
        REWORK,
        str(top["activity"]),
        sentence,
        None,
        "not priced: the cost model has no price for a repeated step",
        owner,
        f"Find why {top['activity']} is done twice on the same object (a failed first "
        "attempt, a correction) and fix the first attempt.",
    )


def _deviation_finding(inputs: SummaryInputs) -> Finding | None:
    deviations = inputs.deviations
    if deviations is None or deviations.empty:
        return None
    top = deviations.sort_values(["case_count", "deviation"], ascending=[False, True]).iloc[0]
    kind, activity = top.get("kind"), top.get("activity")
    if kind == "skipped" and _text(activity):
        what = f"skip {activity}"
    elif kind == "inserted" and _text(activity):
        what = f"take the extra step {activity}"
    else:
        what = f"deviate from the model ({top['deviation']})"
    sentence = (
        f"{int(top['case_count']):,} {inputs.case_noun} {what}: the most common deviation "
        "from the process model."
    )
    return Finding(
        DEVIATIONS,
        str(top["deviation"]),
        sentence,
        None,
        "not priced: the cost model has no price for a deviation",
        None,
        "Decide whether this path is allowed: if it is, add it to the model; if not, "
        "find who takes it and why.",
    )


def _missing(inputs: SummaryInputs) -> tuple[str, ...]:
    missing = []
    costs = inputs.exception_costs
    if costs is None or costs.empty:
        missing.append(
            f"No exception is recorded for these {inputs.case_noun} (no exception_id and "
            "exception_type on their events), so no exception cost, owning team or "
            "recommended action from the exception taxonomy can be given: the findings "
            "come from the process alone and carry no cost."
        )
    elif inputs.currency is None or not _is_priced(costs):
        missing.append(
            "No cost model priced the exceptions, so no finding carries a cost: give "
            "reference data with a cost model (ORDERLENS_REFERENCE_FILE)."
        )
    if "wait_class" not in inputs.handovers.columns or not (
        inputs.handovers["wait_class"].notna().any()
    ):
        missing.append(
            "No wait classes are known, so waits are not split into internal, partner and "
            "customer waits."
        )
    return tuple(missing)


def _actions(inputs: SummaryInputs) -> tuple[RecommendedAction, ...]:
    costs = inputs.exception_costs
    if costs is None or costs.empty:
        return ()
    priced = _is_priced(costs) and inputs.currency is not None
    order = ["total_cost", "exception_count"] if priced else ["exception_count"]
    top = costs.sort_values([*order, "exception_type"], ascending=[*(False,) * len(order), True])
    actions = []
    for row in top.head(FINDING_COUNT).itertuples():
        action = _text(row.recommended_action)
        if action is None:
            continue
        cost_text = (
            format_money(row.total_cost if pd.notna(row.total_cost) else 0.0, inputs.currency)
            if priced
            else f"{int(row.exception_count):,} exceptions"
        )
        actions.append(
            RecommendedAction(
                str(row.display_name),
                _text(row.owning_team),
                action[:1].upper() + action[1:],
                cost_text,
            )
        )
    return tuple(actions)


def summarize_findings(inputs: SummaryInputs) -> ExecutiveSummary:
    """The executive summary of the report by the module's rule.

    Args:
        inputs: The period's exception costs, handovers, rework and deviations.

    Returns:
        At most three findings ranked by cost (unpriced ones after, in lens order), the
        taxonomy's actions for the costliest exception types, the total exception cost
        and what the log lacks.
    """
    offered = [
        finder(inputs)
        for finder in (_exception_finding, _wait_finding, _rework_finding, _deviation_finding)
    ]
    chosen = [finding for finding in offered if finding is not None][:FINDING_COUNT]
    ranked = sorted(
        chosen,
        key=lambda finding: (
            finding.cost is None,
            -(finding.cost or 0.0),
            LENSES.index(finding.lens),
        ),
    )
    costs = inputs.exception_costs
    total_cost_text = (
        format_money(float(costs["total_cost"].fillna(0).sum()), inputs.currency)
        if costs is not None
        and not costs.empty
        and inputs.currency is not None
        and _is_priced(costs)
        else None
    )
    return ExecutiveSummary(tuple(ranked), _actions(inputs), total_cost_text, _missing(inputs))
