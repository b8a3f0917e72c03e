"""The overview's KPIs: how each is shown, which direction is good, and its target.

Targets are the dashboard's defaults for a retailer's fulfillment operation; counts that
grow with the business (backlog, cost) have no fixed target and are judged against the
previous period only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Movement = Literal["up", "down", "flat"]
Verdict = Literal["better", "worse", "flat"]
Unit = Literal["count", "share", "minutes", "hours", "per_1000", "currency"]


@dataclass(frozen=True)
class KpiDefinition:
    """One headline number.

    Attributes:
        key: Name of the value in :func:`dashboard.queries.overview.get_period_kpis`'s result.
        label: Card title.
        unit: How the value is written.
        higher_is_better: Direction of good news.
        target: The value to reach (at least it, or at most it when lower is better);
            ``None`` when there is no fixed target.
    """

    key: str
    label: str
    unit: Unit
    higher_is_better: bool
    target: float | None = None


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("open_backlog", "Open exceptions", "count", higher_is_better=False),
    KpiDefinition("past_sla_share", "Backlog past SLA", "share", False, target=0.10),
    KpiDefinition(
        "exceptions_per_1000_orders", "Exceptions per 1,000 orders", "per_1000", False, 150.0
    ),
    KpiDefinition("median_first_response_minutes", "Median first response", "minutes", False, 30.0),
    KpiDefinition("median_resolution_hours", "Median resolution time", "hours", False, 8.0),
    KpiDefinition("touchless_rate", "Touchless resolution", "share", True, target=0.50),
    KpiDefinition("on_time_delivery_rate", "On-time delivery", "share", True, target=0.95),
    KpiDefinition("exception_cost", "Cost of exceptions", "currency", higher_is_better=False),
)
KPI_ELEMENT_IDS: dict[str, str] = {
    "open_backlog": "kpi-open-exceptions",
    "past_sla_share": "kpi-past-sla",
    "exceptions_per_1000_orders": "kpi-exceptions-per-1000",
    "median_first_response_minutes": "kpi-first-response",
    "median_resolution_hours": "kpi-resolution",
    "touchless_rate": "kpi-touchless",
    "on_time_delivery_rate": "kpi-on-time",
    "exception_cost": "kpi-exception-cost",
}
"""Element ids of the value of each card (tests and links find the numbers by them)."""
FLAT_TOLERANCE = 1e-9


def format_value(value: float | None, unit: Unit) -> str:
    """Write a KPI value in its unit (an em dash when there is no value)."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "minutes":
        return f"{value:,.1f} min"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "per_1000":
        return f"{value:,.1f}"
    return f"${value:,.0f}"


def _format_change(delta: float, unit: Unit) -> str:
    if unit == "share":
        return f"{delta * 100:+.1f} pts"
    if unit == "currency":
        return f"{'+' if delta >= 0 else '-'}${abs(delta):,.0f}"
    if unit == "count":
        return f"{delta:+,.0f}"
    suffix = {"minutes": " min", "hours": " h", "per_1000": ""}[unit]
    return f"{delta:+,.1f}{suffix}"


@dataclass(frozen=True)
class KpiComparison:
    """A KPI for display: its value, change against the previous period, and target."""

    label: str
    value_text: str
    change_text: str
    movement: Movement
    verdict: Verdict
    target_text: str
    meets_target: bool | None

    @property
    def target_status(self) -> Literal["met", "missed", "none"]:
        """Whether the target is met, missed, or there is none (or no value to judge)."""
        if self.meets_target is None:
            return "none"
        return "met" if self.meets_target else "missed"


def target_gap(definition: KpiDefinition, value: float | None) -> float | None:
    """How many times worse than its target a KPI is (1.0 on target, above 1 worse).

    Lower-is-better KPIs compare value to target, higher-is-better ones target to value,
    so "2.7" reads "2.7x the target" or "a 2.7x shortfall" alike; ``None`` without a
    target or value.

    Example:
        >>> target_gap(KPIS[1], 0.267)
        2.67
    """
    if definition.target is None or value is None:
        return None
    if definition.higher_is_better:
        return definition.target / value if value > 0 else float("inf")
    return value / definition.target if definition.target > 0 else float("inf")


def compare_kpi(
    definition: KpiDefinition, current: float | None, previous: float | None
) -> KpiComparison:
    """Judge one KPI against the previous period and its target.

    Example:
        >>> compare_kpi(KPIS[6], 0.9, 0.8).change_text
        '+10.0 pts vs previous period (better)'
    """
    value_text = format_value(current, definition.unit)
    if current is None or previous is None:
        change_text, movement, verdict = "no previous period to compare", "flat", "flat"
    else:
        delta = current - previous
        if abs(delta) <= FLAT_TOLERANCE:
            movement, verdict = "flat", "flat"
            change_text = "unchanged vs previous period"
        else:
            movement = "up" if delta > 0 else "down"
            verdict = "better" if (delta > 0) == definition.higher_is_better else "worse"
            change_text = f"{_format_change(delta, definition.unit)} vs previous period ({verdict})"
    if definition.target is None:
        target_text, meets = "no fixed target", None
    else:
        bound = "≥" if definition.higher_is_better else "≤"
        target_value = format_value(definition.target, definition.unit)
        if current is None:
            meets = None
            target_text = f"target {bound} {target_value}"
        else:
            meets = (
                current >= definition.target
                if definition.higher_is_better
                else current <= definition.target
            )
            target_text = f"target {bound} {target_value}: {'met' if meets else 'missed'}"
    return KpiComparison(
        definition.label, value_text, change_text, movement, verdict, target_text, meets
    )


def compare_all(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> list[tuple[KpiDefinition, KpiComparison]]:
    """Every overview KPI compared, in display order."""
    return [
        (
            definition,
            compare_kpi(definition, current.get(definition.key), previous.get(definition.key)),
        )
        for definition in KPIS
    ]
