"""Root causes: Pareto of reasons and types, and lift by order attribute and failing
interface.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.filters import Filters, SqlCondition, where_clause
from dashboard.serving import query, query_derived, without_costs

PARETO_DIMENSIONS: tuple[str, ...] = ("reason_code", "exception_type")


LIFT_DIMENSIONS: tuple[str, ...] = (
    "channel",
    "node_id",
    "carrier",
    "supplier",
    "region",
    "interface",
)


def get_lift_min_orders() -> int:
    """The fewest orders a value needs to get a lift: dbt's var ``root_cause_min_orders``.

    Read from ``marts.mart_metric_thresholds``, so the lift chart and ``mart_root_causes``
    trust the same support; rarer values' rates are noise.
    """
    return int(query("SELECT root_cause_min_orders FROM marts.mart_metric_thresholds").iloc[0, 0])


@dataclass(frozen=True)
class Focus:
    """A clicked bar of the root-cause page: only exceptions of this type or reason."""

    dimension: str
    value: str

    def __post_init__(self) -> None:
        if self.dimension not in PARETO_DIMENSIONS:
            raise ValueError(f"focus dimension must be one of {PARETO_DIMENSIONS}")


def _focus_condition(focus: Focus | None, alias: str = "") -> SqlCondition:
    if focus is None:
        return SqlCondition("TRUE", ())
    prefix = f"{alias}." if alias else ""
    return SqlCondition(f"{prefix}{focus.dimension} = ?", (focus.value,))


def _hit_orders(filters: Filters, focus: Focus | None) -> tuple[SqlCondition, SqlCondition]:
    """The period's orders (alias ``o``) and whether each is hit: it has an exception, or
    one of the focused type or reason.

    Returns:
        The orders' condition and the hit expression, each with its parameters; the hit's
        come first in a statement that selects it before filtering the orders.
    """
    orders = where_clause(filters, time_column="ordered_at", alias="o")
    if focus is None:
        return orders, SqlCondition("o.has_exception", ())
    focused = _focus_condition(focus, alias="x")
    return orders, SqlCondition(
        f"o.case_id IN (SELECT x.case_id FROM marts.fct_exceptions AS x WHERE {focused.sql})",
        focused.parameters,
    )


def get_pareto(filters: Filters, dimension: str, focus: Focus | None = None) -> pd.DataFrame:
    """Exceptions detected in the period per reason code or type, with cumulative share.

    A focus on one dimension narrows the other one (a type's reasons, a reason's types).

    Returns:
        Columns ``value``, ``exception_count``, ``exception_cost``, ``cumulative_share``.
    """
    if dimension not in PARETO_DIMENSIONS:
        raise ValueError(f"Pareto dimension must be one of {PARETO_DIMENSIONS}")
    period = where_clause(filters, time_column="detected_at")
    narrowing = _focus_condition(focus if focus and focus.dimension != dimension else None)
    condition = period.and_(narrowing)
    counted = query(
        f"""
        WITH counted AS (
            SELECT coalesce({dimension}, 'none given') AS value,
                   count(*) AS exception_count,
                   sum(total_cost) AS exception_cost
            FROM marts.fct_exceptions
            WHERE {condition.sql}
            GROUP BY 1
        )
        SELECT value, exception_count, exception_cost,
               sum(exception_count) OVER (ORDER BY exception_count DESC, value
                                          ROWS UNBOUNDED PRECEDING)
                   / sum(exception_count) OVER () AS cumulative_share
        FROM counted
        ORDER BY exception_count DESC, value
        """,
        condition.parameters,
    )
    return without_costs(counted)


def get_lift(
    filters: Filters, dimension: str, focus: Focus | None = None, *, min_orders: int | None = None
) -> pd.DataFrame:
    """Exception rate of the period's orders per value of ``dimension`` against all of them.

    An order counts as hit when it has an exception (of the focused type or reason, if
    any). For ``interface`` an order carries the value when a delivery attempt of one of
    its messages on that interface failed.

    Returns:
        Columns ``value``, ``order_count``, ``hit_order_count``, ``rate``,
        ``overall_rate`` and ``lift``, highest lift first, values with at least
        ``min_orders`` orders (by default :func:`get_lift_min_orders`).
    """
    if dimension not in LIFT_DIMENSIONS:
        raise ValueError(f"lift dimension must be one of {LIFT_DIMENSIONS}")
    if min_orders is None:
        min_orders = get_lift_min_orders()
    if dimension == "interface":
        return _get_interface_lift(filters, focus, min_orders)
    return get_order_attribute_lifts(filters, focus, min_orders=min_orders)[dimension]


ORDER_ATTRIBUTE_LIFT_DIMENSIONS: tuple[str, ...] = tuple(
    dimension for dimension in LIFT_DIMENSIONS if dimension != "interface"
)


def get_order_attribute_lifts(
    filters: Filters, focus: Focus | None = None, *, min_orders: int | None = None
) -> dict[str, pd.DataFrame]:
    """:func:`get_lift` for every order attribute at once, in one scan of the orders
    (without a focus, of their per-day counts in the derived tables).

    Returns:
        One frame per dimension of :data:`ORDER_ATTRIBUTE_LIFT_DIMENSIONS`, with the
        columns and order of :func:`get_lift`.
    """
    orders, hit = _hit_orders(filters, focus)
    columns = ", ".join(ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    order_columns = ", ".join(f"o.{dimension}" for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    which = " ".join(
        f"WHEN grouping({dimension}) = 0 THEN '{dimension}'"
        for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS
    )
    sets = ", ".join(f"({dimension})" for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    marts_sql = f"""
        WITH scoped AS (
            SELECT {hit.sql} AS is_hit, {order_columns}
            FROM marts.fct_orders AS o
            WHERE {orders.sql}
        )
        SELECT CASE {which} END AS dimension,
               coalesce({columns}) AS value,
               count(*) AS order_count,
               count(*) FILTER (WHERE is_hit) AS hit_order_count,
               (SELECT avg(CASE WHEN is_hit THEN 1.0 ELSE 0.0 END) FROM scoped) AS overall_rate
        FROM scoped
        GROUP BY GROUPING SETS ({sets})
        """
    marts_parameters = [*hit.parameters, *orders.parameters]
    if focus is None:
        dims = where_clause(filters, time_column=None)
        counted = query_derived(
            f"""
            WITH scoped AS (
                SELECT has_exception AS is_hit, order_count, {columns}
                FROM memory.main.orders_by_attributes
                WHERE ordered_date BETWEEN ? AND ? AND ({dims.sql})
            )
            SELECT CASE {which} END AS dimension,
                   coalesce({columns}) AS value,
                   sum(order_count)::BIGINT AS order_count,
                   coalesce(sum(order_count) FILTER (WHERE is_hit), 0)::BIGINT
                       AS hit_order_count,
                   (SELECT coalesce(sum(order_count) FILTER (WHERE is_hit), 0)
                           / sum(order_count)
                    FROM scoped) AS overall_rate
            FROM scoped
            GROUP BY GROUPING SETS ({sets})
            """,
            [filters.start, filters.end, *dims.parameters],
            fallback_sql=marts_sql,
            fallback_parameters=marts_parameters,
        )
    else:
        counted = query(marts_sql, marts_parameters)
    if min_orders is None:
        min_orders = get_lift_min_orders()
    counted = counted[counted["value"].notna() & (counted["order_count"] >= min_orders)]
    counted = counted.assign(rate=counted["hit_order_count"] / counted["order_count"])
    overall = counted["overall_rate"]
    counted = counted.assign(lift=(counted["rate"] / overall).where(overall > 0))
    result = {}
    for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS:
        frame = counted[counted["dimension"] == dimension]
        result[dimension] = (
            frame[["value", "order_count", "hit_order_count", "rate", "overall_rate", "lift"]]
            .sort_values(
                ["lift", "order_count", "value"], ascending=[False, False, True], na_position="last"
            )
            .reset_index(drop=True)
        )
    return result


def _get_interface_lift(filters: Filters, focus: Focus | None, min_orders: int) -> pd.DataFrame:
    """Lift for failing interfaces: hit rate of the orders with a failed attempt on each."""
    orders, hit = _hit_orders(filters, focus)
    marts_overall_sql = (
        f"SELECT avg(CASE WHEN {hit.sql} THEN 1.0 ELSE 0.0 END) AS rate "
        f"FROM marts.fct_orders AS o WHERE {orders.sql}"
    )
    marts_overall_parameters = [*hit.parameters, *orders.parameters]
    if focus is None:
        dims = where_clause(filters, time_column=None)
        overall_rows = query_derived(
            f"""
            SELECT coalesce(sum(order_count) FILTER (WHERE has_exception), 0)
                   / sum(order_count) AS rate
            FROM memory.main.orders_by_attributes
            WHERE ordered_date BETWEEN ? AND ? AND ({dims.sql})
            """,
            [filters.start, filters.end, *dims.parameters],
            fallback_sql=marts_overall_sql,
            fallback_parameters=marts_overall_parameters,
        )
    else:
        overall_rows = query(marts_overall_sql, marts_overall_parameters)
    overall = overall_rows["rate"].iloc[0]
    derived_orders = where_clause(filters, time_column="ordered_at")
    if focus is None:
        derived_hit: SqlCondition = SqlCondition("has_exception", ())
    else:
        column = "exception_types" if focus.dimension == "exception_type" else "reason_codes"
        derived_hit = SqlCondition(f"list_contains({column}, ?)", (focus.value,))
    per_value = query_derived(
        f"""
        SELECT interface AS value,
               count(DISTINCT case_id) AS order_count,
               count(DISTINCT case_id) FILTER (WHERE {derived_hit.sql}) AS hit_order_count
        FROM memory.main.hurt_messages
        WHERE is_failed AND ({derived_orders.sql})
        GROUP BY 1
        """,
        [*derived_hit.parameters, *derived_orders.parameters],
        fallback_sql=f"""
        WITH scoped AS (
            SELECT o.case_id, {hit.sql} AS is_hit FROM marts.fct_orders AS o WHERE {orders.sql}
        ),
        carried AS (
            SELECT DISTINCT m.interface AS value, m.case_id
            FROM marts.fct_integration_messages AS m
            WHERE m.failed_attempt_count > 0
        )
        SELECT carried.value,
               count(*) AS order_count,
               count(*) FILTER (WHERE scoped.is_hit) AS hit_order_count
        FROM carried JOIN scoped USING (case_id)
        GROUP BY 1
        """,
        fallback_parameters=[*hit.parameters, *orders.parameters],
    )
    per_value = per_value[per_value["order_count"] >= min_orders].copy()
    per_value["rate"] = per_value["hit_order_count"] / per_value["order_count"]
    per_value["overall_rate"] = overall
    per_value["lift"] = per_value["rate"] / overall if overall and overall > 0 else float("nan")
    return per_value.sort_values(
        ["lift", "order_count", "value"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)
