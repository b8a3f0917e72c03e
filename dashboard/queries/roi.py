"""The ROI page: cost of exceptions by type and component, what automation can remove of
it, the cost model dbt priced them with, and the stated automation levels (for roles that
may see costs).
"""

from __future__ import annotations

import pandas as pd

from dashboard.filters import Filters, where_clause
from dashboard.serving import query, require_cost_access


def get_exception_costs(filters: Filters) -> pd.DataFrame:
    """Cost of the period's exceptions per type: the cost model's components and what
    ``fct_exceptions`` marks automatable, summed.

    Returns:
        Columns ``exception_type``, ``exception_class``, ``exception_count``,
        ``touch_count``, ``labor_hours``, ``labor_cost``, ``escalation_cost``,
        ``expedite_cost``, ``cancellation_cost``, ``refund_leakage_cost``, ``total_cost``,
        ``automatable_touch_count``, ``automatable_labor_hours``,
        ``automatable_escalation_cost`` and ``automatable_cost``, costliest first.

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    require_cost_access()
    period = where_clause(filters, time_column="detected_at")
    return query(
        f"""
        SELECT exception_type,
               any_value(exception_class) AS exception_class,
               count(*) AS exception_count,
               sum(touch_count) AS touch_count,
               sum(labor_hours) AS labor_hours,
               sum(labor_cost) AS labor_cost,
               sum(escalation_cost) AS escalation_cost,
               sum(expedite_cost) AS expedite_cost,
               sum(cancellation_cost) AS cancellation_cost,
               sum(refund_leakage_cost) AS refund_leakage_cost,
               sum(total_cost) AS total_cost,
               sum(automatable_touch_count) AS automatable_touch_count,
               sum(automatable_labor_hours) AS automatable_labor_hours,
               sum(automatable_escalation_cost) AS automatable_escalation_cost,
               sum(automatable_cost) AS automatable_cost
        FROM marts.fct_exceptions
        WHERE {period.sql}
        GROUP BY exception_type
        ORDER BY total_cost DESC, exception_type
        """,
        period.parameters,
    )


def get_cost_parameters() -> dict[str, float]:
    """The cost model as dbt priced the exceptions with it (``marts.mart_cost_parameters``),
    by parameter name: the labor rate, minutes per touch, escalation cost and the
    investment the page starts from.

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    require_cost_access()
    row = query("SELECT * FROM marts.mart_cost_parameters").iloc[0]
    return {str(name): float(value) for name, value in row.items()}


def get_period_days(filters: Filters) -> int:
    """Days of the business calendar in the period: the run-rate's denominator, counted
    as ``mart_roi_payback`` counts a month's days."""
    frame = query(
        "SELECT count(*) AS period_days FROM marts.dim_dates WHERE date_day BETWEEN ? AND ?",
        [filters.start, filters.end],
    )
    return int(frame["period_days"].iloc[0])


def get_automation_levels() -> pd.DataFrame:
    """The stated automation levels and the share of touches each automates."""
    return query(
        "SELECT automation_level, touch_automation_share, description "
        "FROM reference.automation_levels ORDER BY touch_automation_share"
    )


def get_automatable_types() -> pd.DataFrame:
    """The exception types the taxonomy allows to resolve automatically, with their class:
    the classes the page offers a share for, and the types its assumptions name."""
    return query(
        "SELECT exception_class, exception_type FROM marts.dim_exception_types "
        "WHERE is_auto_resolvable AND exception_class IS NOT NULL "
        "ORDER BY exception_class, exception_type"
    )
