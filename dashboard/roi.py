"""What-if savings of automating manual touches, against today's baseline.

The same rule as the ``mart_roi`` mart: automation removes a share of the labor and
escalation cost of exception types the taxonomy allows to resolve automatically. Here the
share can differ per exception class and the labor rate can be changed, so an executive
can try a plan before funding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

COST_COMPONENTS: tuple[str, ...] = (
    "labor_cost",
    "escalation_cost",
    "expedite_cost",
    "cancellation_cost",
    "refund_leakage_cost",
)


@dataclass(frozen=True)
class WhatIf:
    """Outcome of one automation plan.

    Attributes:
        baseline_cost: Cost of the exceptions at the chosen labor rate, no automation.
        projected_cost: Cost after the plan.
        savings: ``baseline_cost - projected_cost``.
        touches_avoided: Manual touches the plan removes.
        per_type: One row per exception type with ``baseline_cost``, ``savings`` and
            ``projected_cost``.
    """

    baseline_cost: float
    projected_cost: float
    savings: float
    touches_avoided: float
    per_type: pd.DataFrame


def project_savings(
    costs: pd.DataFrame,
    *,
    automation_by_class: Mapping[str, float],
    labor_rate: float,
    base_labor_rate: float,
) -> WhatIf:
    """Project the cost of exceptions under an automation plan and a labor rate.

    Args:
        costs: Per exception type: ``exception_type``, ``exception_class``,
            ``is_auto_resolvable_type``, ``touch_count`` and the five cost components
            (as from :func:`dashboard.queries.roi.get_exception_costs`).
        automation_by_class: Share (0-1) of manual touches automated per exception class;
            classes not named are not automated.
        labor_rate: Hourly labor rate to assume.
        base_labor_rate: The rate the ``labor_cost`` column was computed with.

    Returns:
        Baseline and projected cost, savings and touches avoided, in total and per type.

    Raises:
        ValueError: a share outside 0-1, or a rate that is not positive.
    """
    for exception_class, share in automation_by_class.items():
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"automation share for {exception_class!r} must be 0-1, got {share}")
    if labor_rate < 0 or base_labor_rate <= 0:
        raise ValueError("labor rates must be positive")
    frame = costs.copy()
    if frame.empty:
        empty = frame.assign(baseline_cost=[], savings=[], projected_cost=[])
        return WhatIf(0.0, 0.0, 0.0, 0.0, empty)
    labor = frame["labor_cost"].astype(float) * (labor_rate / base_labor_rate)
    share = frame["exception_class"].map(lambda name: automation_by_class.get(name, 0.0)).astype(
        float
    ) * frame["is_auto_resolvable_type"].fillna(False).astype(bool).astype(float)
    others = sum(frame[column].astype(float) for column in COST_COMPONENTS[1:])
    frame["baseline_cost"] = labor + others
    frame["savings"] = share * (labor + frame["escalation_cost"].astype(float))
    frame["projected_cost"] = frame["baseline_cost"] - frame["savings"]
    touches_avoided = float((share * frame["touch_count"].astype(float)).sum())
    baseline = float(frame["baseline_cost"].sum())
    savings = float(frame["savings"].sum())
    return WhatIf(baseline, baseline - savings, savings, touches_avoided, frame)
