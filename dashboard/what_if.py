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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

DAYS_PER_YEAR = 365.0
"""Days a period's savings are scaled to for a yearly run-rate (as in the macro)."""

MONTHS_PER_YEAR = 12.0

LABOR_RATE = "labor_rate_per_hour"
IMPLEMENTATION_COST = "automation_implementation_cost"
YEARLY_RUN_COST = "automation_yearly_run_cost"
"""The cost-model parameters (``marts.mart_cost_parameters``) a plan starts from."""

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


def _money(amount: float) -> str:
    return f"${amount:,.0f}"


def _price(amount: float) -> str:
    """A unit price: whole dollars when it has no cents."""
    return _money(amount) if float(amount).is_integer() else f"${amount:,.2f}"


def plan_assumptions(
    plan: AutomationPlan,
    *,
    period: tuple[date, date],
    period_days: int,
    cost_model: Mapping[str, float],
    automatable_types: Sequence[str],
) -> list[str]:
    """What a plan's figures assume, in plain words, one sentence each: the period and
    filters, what automation removes and what stays, the labor and escalation prices, the
    run-rate, the investment and payback, and which values differ from the cost model.

    Args:
        plan: The plan drawn.
        period: First and last day of the period.
        period_days: Days of data in it.
        cost_model: The cost model's parameters by name (``marts.mart_cost_parameters``).
        automatable_types: Display names of the types the taxonomy lets resolve
            automatically.
    """
    start, end = (f"{day.day} {day:%b %Y}" for day in period)
    investment = plan.investment
    changed = [
        f"{name} {_price(chosen)} instead of the cost model's {_price(modelled)}"
        for name, chosen, modelled in (
            ("labor rate", plan.labor_rate_per_hour, cost_model[LABOR_RATE]),
            ("implementation", investment.implementation_cost, cost_model[IMPLEMENTATION_COST]),
            ("running cost", investment.yearly_run_cost, cost_model[YEARLY_RUN_COST]),
        )
        if abs(chosen - modelled) > 1e-9
    ]
    sentences = [
        f"Period: {start} to {end}, {period_days} days of data; only the exceptions detected "
        "in it under the page's filters count.",
        "Automation removes the chosen share of manual touches, with their labor and "
        "escalation cost, on the types the taxonomy allows to resolve automatically "
        f"({', '.join(automatable_types)}). Expedites, cancellations and refund leakage stay "
        "as they are.",
        f"Each manual touch takes {cost_model['minutes_per_manual_touch']:g} minutes at "
        f"{_price(plan.labor_rate_per_hour)} an hour; an escalation costs "
        f"{_price(cost_model['escalation_cost'])}.",
        f"Yearly run-rate: the period's savings x {DAYS_PER_YEAR:g} / {period_days}, as if "
        "the period repeated all year (no growth, no seasonality).",
        f"Investment: {_money(investment.implementation_cost)} once to implement and "
        f"{_money(investment.yearly_run_cost)} a year to run.",
        "Payback: months until the one-off cost is earned back by the yearly run-rate net of "
        "the running cost; never when the running cost is as large as the savings.",
    ]
    if not cost_model[IMPLEMENTATION_COST] and not cost_model[YEARLY_RUN_COST]:
        sentences.append(
            "The cost model states no investment: enter one above, or add the automation "
            "implementation and yearly run cost parameters to your reference file."
        )
    if changed:
        sentences.append("Changed on this page: " + "; ".join(changed) + ".")
    else:
        sentences.append("Labor rate and investment are the cost model's (reference data).")
    return sentences
