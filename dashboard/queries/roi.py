"""The ROI page: cost of exceptions by type and component, the cost model, and the stated
automation levels (for roles that may see costs).
"""

from __future__ import annotations

import pandas as pd

from dashboard.filters import Filters, where_clause
from dashboard.serving import query, require_cost_access


def get_exception_costs(filters: Filters) -> pd.DataFrame:
    """Cost of the period's exceptions per type, split into the cost model's components.

    Returns:
        Columns ``exception_type``, ``exception_class``, ``is_auto_resolvable_type``,
        ``exception_count``, ``touch_count``, ``labor_cost``, ``escalation_cost``,
        ``expedite_cost``, ``cancellation_cost``, ``refund_leakage_cost``, ``total_cost``.

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    require_cost_access()
    period = where_clause(filters, time_column="detected_at")
    return query(
        f"""
        SELECT exception_type,
               any_value(exception_class) AS exception_class,
               bool_or(coalesce(is_auto_resolvable_type, FALSE)) AS is_auto_resolvable_type,
               count(*) AS exception_count,
               sum(touch_count) AS touch_count,
               sum(labor_cost) AS labor_cost,
               sum(escalation_cost) AS escalation_cost,
               sum(expedite_cost) AS expedite_cost,
               sum(cancellation_cost) AS cancellation_cost,
               sum(refund_leakage_cost) AS refund_leakage_cost,
               sum(total_cost) AS total_cost
        FROM marts.fct_exceptions
        WHERE {period.sql}
        GROUP BY exception_type
        ORDER BY total_cost DESC, exception_type
        """,
        period.parameters,
    )


def get_cost_model() -> dict[str, float]:
    """The cost model's parameters by name (``reference.cost_model``).

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    require_cost_access()
    frame = query("SELECT parameter, value FROM reference.cost_model")
    return {str(row.parameter): float(row.value) for row in frame.itertuples()}


def get_automation_levels() -> pd.DataFrame:
    """The stated automation levels and the share of touches each automates."""
    return query(
        "SELECT automation_level, touch_automation_share, description "
        "FROM reference.automation_levels ORDER BY touch_automation_share"
    )


def get_automatable_classes() -> list[str]:
    """Exception classes with at least one type the taxonomy allows to resolve automatically."""
    frame = query(
        "SELECT DISTINCT exception_class FROM marts.dim_exception_types "
        "WHERE is_auto_resolvable ORDER BY exception_class"
    )
    return frame["exception_class"].dropna().tolist()
