"""What an automation plan drawn on the ROI page saves, and when it pays back.

The rule of what automation can remove is dbt's: ``fct_exceptions`` carries, per
exception, the touches, labor hours and escalation cost of the types the taxonomy lets
resolve automatically. This module only multiplies the per-class sums the page reads by
the shares the user picks, prices labor hours at the rate the user picks, and turns the
period's savings into a run-rate and a payback with the formulas of dbt's
``automation_payback`` macros (``annualised``, ``payback_months``), which
``mart_roi_payback`` applies to the stated automation levels. For a stated level at the
cost model's rate the page equals that mart (``tests/dashboard/test_metrics_match_marts.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

DAYS_PER_YEAR = 365.0
"""Days a period's savings are scaled to for a yearly run-rate (as in the macro)."""

MONTHS_PER_YEAR = 12.0

PRICED_COMPONENTS: tuple[str, ...] = (
    "escalation_cost",
    "expedite_cost",
    "cancellation_cost",
    "refund_leakage_cost",
)
"""Cost parts priced in dbt that do not depend on the labor rate."""


@dataclass(frozen=True)
class Investment:
    """What the plan is assumed to cost: once to implement, then every year to run.

    Attributes:
        implementation_cost: One-off cost (cost parameter ``automation_implementation_cost``).
        yearly_run_cost: Yearly cost (cost parameter ``automation_yearly_run_cost``).
    """

    implementation_cost: float
    yearly_run_cost: float

    def __post_init__(self) -> None:
        if self.implementation_cost < 0 or self.yearly_run_cost < 0:
            raise ValueError("investment costs cannot be negative")


@dataclass(frozen=True)
class AutomationPlan:
    """A plan: the share of automatable touches removed per exception class, the labor
    rate they are priced at, and the investment assumed.

    Attributes:
        share_by_class: Share (0-1) per exception class; classes not named keep 0.
        labor_rate_per_hour: Hourly labor rate the touches are priced at.
        investment: What the plan costs.
    """

    share_by_class: Mapping[str, float]
    labor_rate_per_hour: float
    investment: Investment = field(default_factory=lambda: Investment(0.0, 0.0))

    def __post_init__(self) -> None:
        for exception_class, share in self.share_by_class.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(
                    f"automation share for {exception_class!r} must be 0-1, got {share}"
                )
        if self.labor_rate_per_hour < 0:
            raise ValueError("the labor rate cannot be negative")


@dataclass(frozen=True)
class WhatIf:
    """Outcome of one plan over one period.

    Attributes:
        baseline_cost: Cost of the period's exceptions at the plan's labor rate.
        projected_cost: Cost after the plan.
        savings: ``baseline_cost - projected_cost``.
        touches_avoided: Manual touches the plan removes.
        period_days: Days of data the period covers.
        annualised_savings: ``savings`` as a yearly run-rate.
        net_yearly_benefit: ``annualised_savings`` less the yearly run cost.
        payback_months: Months to earn back the implementation cost; ``None`` when the
            plan never pays back (no positive net benefit).
        per_type: One row per exception type with ``baseline_cost``, ``savings`` and
            ``projected_cost``.
    """

    baseline_cost: float
    projected_cost: float
    savings: float
    touches_avoided: float
    period_days: int
    annualised_savings: float | None
    net_yearly_benefit: float | None
    payback_months: float | None
    per_type: pd.DataFrame


def annualise(amount: float, period_days: int) -> float | None:
    """A period's amount as a yearly run-rate (dbt macro ``annualised``).

    Example:
        >>> annualise(279.0, 31)
        3285.0
    """
    return amount * DAYS_PER_YEAR / period_days if period_days > 0 else None


def payback_months(
    implementation_cost: float, annualised_savings: float, yearly_run_cost: float
) -> float | None:
    """Months until the one-off cost is earned back by the yearly savings net of the run
    cost (dbt macro ``payback_months``); ``None`` when that net is not positive.

    Example:
        >>> round(payback_months(5000.0, 3285.0, 1200.0), 2)
        28.78
        >>> payback_months(5000.0, 900.0, 1200.0) is None
        True
    """
    net = annualised_savings - yearly_run_cost
    return MONTHS_PER_YEAR * implementation_cost / net if net > 0 else None


def project_plan(costs: pd.DataFrame, plan: AutomationPlan, *, period_days: int) -> WhatIf:
    """Price the period's exceptions under ``plan`` and judge its return.

    Args:
        costs: Per exception type, summed from ``fct_exceptions``: ``exception_type``,
            ``exception_class``, ``labor_hours``, the priced components of
            :data:`PRICED_COMPONENTS`, ``automatable_touch_count``,
            ``automatable_labor_hours`` and ``automatable_escalation_cost`` (as from
            :func:`dashboard.queries.roi.get_exception_costs`).
        plan: Shares per class, labor rate and investment.
        period_days: Days of data the period covers (the run-rate's denominator).

    Returns:
        Baseline and projected cost, savings, touches avoided, run-rate and payback, in
        total and per type.
    """
    frame = costs.copy()
    share = (
        frame["exception_class"].map(lambda name: plan.share_by_class.get(name, 0.0)).astype(float)
        if not frame.empty
        else pd.Series(dtype=float)
    )
    rate = plan.labor_rate_per_hour
    frame["baseline_cost"] = frame["labor_hours"].astype(float) * rate + sum(
        frame[column].astype(float) for column in PRICED_COMPONENTS
    )
    frame["savings"] = share * (
        frame["automatable_labor_hours"].astype(float) * rate
        + frame["automatable_escalation_cost"].astype(float)
    )
    frame["projected_cost"] = frame["baseline_cost"] - frame["savings"]
    baseline = float(frame["baseline_cost"].sum())
    savings = float(frame["savings"].sum())
    touches_avoided = float((share * frame["automatable_touch_count"].astype(float)).sum())
    yearly = annualise(savings, period_days)
    investment = plan.investment
    return WhatIf(
        baseline_cost=baseline,
        projected_cost=baseline - savings,
        savings=savings,
        touches_avoided=touches_avoided,
        period_days=period_days,
        annualised_savings=yearly,
        net_yearly_benefit=None if yearly is None else yearly - investment.yearly_run_cost,
        payback_months=None
        if yearly is None
        else payback_months(investment.implementation_cost, yearly, investment.yearly_run_cost),
        per_type=frame,
    )
