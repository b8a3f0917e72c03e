"""One sentence per page saying what needs attention first, written from the page's data.

An operations leader reads the headline before any chart: how many targets are missed
and the worst of them with what drives it, where the backlog piles up, which reason
leads, which interface hurts most, what the work queue asks of people. Every function
here is pure (plain values in, a sentence out) so each wording is tested on hand-built
inputs; the pages pass display names, never codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.kpis import KpiComparison, KpiDefinition, format_value, target_gap


@dataclass(frozen=True)
class Headline:
    """A page's headline and whether it asks for attention (a target missed, work late)."""

    text: str
    needs_attention: bool


@dataclass(frozen=True)
class Driver:
    """Where the most of something sits: a display name and its count."""

    name: str
    count: int


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _times(gap: float) -> str:
    return "far beyond" if gap == float("inf") else f"{gap:.1f}x"


def overview_headline(
    comparisons: Sequence[tuple[KpiDefinition, KpiComparison]],
    values: dict[str, float | None],
    past_sla_driver: Driver | None = None,
) -> Headline:
    """Targets met and missed, the worst miss, and what drives it when that is the backlog.

    Args:
        comparisons: Every shown KPI with its comparison (``dashboard.kpis.compare_all``).
        values: The KPIs' current values by key.
        past_sla_driver: The exception type and node holding most of the backlog past its
            SLA, named for people (``"payment holds at East distribution centre"``).

    Example:
        >>> from dashboard.kpis import KPIS, compare_kpi
        >>> kpi = KPIS[1]
        >>> overview_headline([(kpi, compare_kpi(kpi, 0.27, 0.2))], {kpi.key: 0.27}).text
        '1 of 1 target missed: backlog past SLA is 2.7x its target (27.0% against ≤ 10.0%).'
    """
    judged = [(d, c) for d, c in comparisons if c.target_status != "none"]
    missed = [(d, c) for d, c in judged if c.target_status == "missed"]
    if not judged:
        return Headline("No KPI with a target has a value in this period.", False)
    if not missed:
        return Headline(f"All {len(judged)} targets met in this period.", False)
    worst, comparison = max(missed, key=lambda pair: target_gap(pair[0], values[pair[0].key]))
    gap = target_gap(worst, values[worst.key])
    bound = "≥" if worst.higher_is_better else "≤"
    target = format_value(worst.target, worst.unit)
    relation = "short of" if worst.higher_is_better else "is"
    sentence = (
        f"{len(missed)} of {_plural(len(judged), 'target')} missed: "
        f"{worst.label[:1].lower() + worst.label[1:]} {relation} "
        f"{_times(gap)} its target ({comparison.value_text} against {bound} {target})"
    )
    if worst.key == "past_sla_share" and past_sla_driver is not None:
        sentence += (
            f", driven by {past_sla_driver.name} "
            f"({_plural(past_sla_driver.count, 'exception')} past SLA)"
        )
    return Headline(sentence + ".", True)


def backlog_headline(
    day: str, open_total: int, past_sla_total: int, largest: Driver | None
) -> Headline:
    """How much is open at the end of ``day``, how much is late, and the largest group.

    Example:
        >>> backlog_headline("2026-03-31", 12, 3, Driver("Carrier delay", 5)).text
        '12 exceptions open at the end of 2026-03-31, 3 past their SLA (25%); Carrier delay holds the most (5).'
    """  # noqa: E501
    if open_total == 0:
        return Headline(f"No exceptions open at the end of {day}.", False)
    late = (
        "none past their SLA"
        if past_sla_total == 0
        else f"{past_sla_total:,} past their SLA ({past_sla_total / open_total:.0%})"
    )
    sentence = f"{_plural(open_total, 'exception')} open at the end of {day}, {late}"
    if largest is not None:
        sentence += f"; {largest.name} holds the most ({largest.count:,})"
    return Headline(sentence + ".", past_sla_total > 0)


def root_cause_headline(
    ranked: Sequence[Driver], total: int, *, kind: str = "reason", top: int = 3
) -> Headline:
    """The leading cause and how much of all exceptions the first few make up.

    Args:
        ranked: Causes by display name and exception count, largest first.
        total: All exceptions of the period (the shares' denominator).
        kind: What a cause is, in words ("reason", "exception type").
        top: How many leading causes the second half of the sentence adds up.

    Example:
        >>> root_cause_headline([Driver("Item damaged", 8), Driver("Missing scan", 4)], 40).text
        'Item damaged is the leading reason (8 of 40 exceptions, 20%); the top 2 reasons make up 30%.'
    """  # noqa: E501
    if total <= 0 or not ranked:
        return Headline("No exceptions were detected in this period.", False)
    first = ranked[0]
    leading = ranked[:top]
    sentence = (
        f"{first.name} is the leading {kind} ({first.count:,} of "
        f"{_plural(total, 'exception')}, {first.count / total:.0%})"
    )
    if len(leading) > 1:
        share = sum(driver.count for driver in leading) / total
        sentence += f"; the top {len(leading)} {kind}s make up {share:.0%}"
    return Headline(sentence + ".", False)


def integration_headline(
    worst_interface: str | None, failure_rate: float, calls: int, orders_hurt: int
) -> Headline:
    """The interface failing most often and the orders its failures touched.

    Example:
        >>> integration_headline("OMS → WMS: reserve stock", 0.2013, 154, 10).text
        'OMS → WMS: reserve stock fails most often: 20.1% of 154 calls, 10 orders hurt.'
    """
    if worst_interface is None or calls == 0:
        return Headline("No integration calls in this period.", False)
    if failure_rate == 0:
        return Headline(f"No interface failed in this period ({_plural(calls, 'call')}).", False)
    return Headline(
        f"{worst_interface} fails most often: {failure_rate:.1%} of {_plural(calls, 'call')}, "
        f"{_plural(orders_hurt, 'order')} hurt.",
        True,
    )


def work_queue_headline(
    scored: int, decisions: int, automatic: int, riskiest: Driver | None
) -> Headline:
    """How much the queue holds and asks of people, and the riskiest item.

    Args:
        scored: Open exceptions in the queue.
        decisions: Those whose action needs a person's decision.
        automatic: Those policy lets orderlens act on without a person.
        riskiest: The highest breach risk, as its order's name and the risk in percent.

    Example:
        >>> work_queue_headline(12, 3, 2, Driver("ORD-7", 81)).text
        '12 open exceptions ranked: 3 need a decision, 2 can run automatically; highest breach risk 81% (ORD-7).'
    """  # noqa: E501
    if scored == 0:
        return Headline("No open exceptions are ranked for these filters.", False)
    sentence = (
        f"{_plural(scored, 'open exception')} ranked: "
        f"{decisions:,} {'needs' if decisions == 1 else 'need'} a decision, "
        f"{automatic:,} can run automatically"
    )
    if riskiest is not None:
        sentence += f"; highest breach risk {riskiest.count}% ({riskiest.name})"
    return Headline(sentence + ".", decisions > 0)


def roi_headline(
    plan: str,
    yearly_savings: float | None,
    implementation_cost: float,
    payback_months: float | None,
) -> Headline:
    """What an automation plan saves a year and whether it earns its investment back;
    a plan that never pays back asks for attention.

    Args:
        plan: The plan in words ("Full (90%)", "Your plan").
        yearly_savings: The plan's yearly run-rate of savings (``None`` without days).
        implementation_cost: The one-off investment assumed.
        payback_months: Months to pay it back; ``None`` when it never pays back.

    Example:
        >>> roi_headline("Full (90%)", 4075.59, 15000.0, 107.42).text
        'Full (90%) saves $4,076 a year: the $15,000 investment pays back in 107 months (about 9.0 years).'
        >>> roi_headline("Assisted (25%)", 1132.1, 15000.0, None).text
        'Assisted (25%) saves $1,132 a year, no more than it costs to run: the $15,000 investment never pays back.'
    """  # noqa: E501
    if not yearly_savings:
        return Headline(f"{plan} removes no manual touch in this period: nothing to save.", False)
    saves = f"{plan} saves ${yearly_savings:,.0f} a year"
    investment = f"the ${implementation_cost:,.0f} investment"
    if payback_months is None:
        return Headline(
            f"{saves}, no more than it costs to run: {investment} never pays back.", True
        )
    if payback_months < 1:
        return Headline(f"{saves}: {investment} pays back within a month.", False)
    years = f" (about {payback_months / 12:.1f} years)" if payback_months >= 24 else ""
    return Headline(
        f"{saves}: {investment} pays back in {payback_months:,.0f} months{years}.", False
    )


@dataclass(frozen=True)
class Wait:
    """A handover and the waiting it adds: from and to step, total hours, share of all."""

    source: str
    target: str
    hours: float
    share: float


def process_headline(
    top_variant_share: float | None, longest_internal_wait: Wait | None, fitness: float | None
) -> Headline:
    """Where the cases' time goes: the longest internal wait, the main path, the fit.

    An internal wait (your teams and systems) is the one a forum can act on, so it leads;
    it asks for attention when it holds at least a quarter of all waiting.

    Example:
        >>> wait = Wait("Order Released to Node", "Pick Completed", 687.4, 0.31)
        >>> process_headline(0.479, wait, 0.987).text
        'The longest internal wait is Order Released to Node → Pick Completed: 687 h, 31% of all waiting; the most common path covers 47.9% of cases; fitness 0.987 against the model.'
    """  # noqa: E501
    parts = []
    if longest_internal_wait is not None:
        parts.append(
            f"the longest internal wait is {longest_internal_wait.source} → "
            f"{longest_internal_wait.target}: {longest_internal_wait.hours:,.0f} h, "
            f"{longest_internal_wait.share:.0%} of all waiting"
        )
    if top_variant_share is not None:
        parts.append(f"the most common path covers {top_variant_share:.1%} of cases")
    if fitness is not None:
        parts.append(f"fitness {fitness:.3f} against the model")
    if not parts:
        return Headline("No case completed a step in this period for these filters.", False)
    text = "; ".join(parts)
    attention = longest_internal_wait is not None and longest_internal_wait.share >= 0.25
    return Headline(text[0].upper() + text[1:] + ".", attention)
