"""The process page: the directly-follows graph of the period, variants, conformance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.filters import Filters, where_clause
from dashboard.serving import MissingTableError, number_or_none, query, query_derived


def get_process_edges(filters: Filters) -> pd.DataFrame:
    """The directly-follows graph of the transitions completed in the period.

    Without order filters it adds up ``agg_process_edges_daily``; with them it counts the
    period's ``fct_case_transitions`` of the kept orders.

    Returns:
        Columns ``source_activity``, ``target_activity``, ``frequency``,
        ``mean_wait_seconds`` and ``total_wait_seconds``, most frequent first.
    """
    if not filters.has_order_attribute_filter and not filters.node_id:
        return query(
            """
            SELECT source_activity, target_activity,
                   sum(frequency) AS frequency,
                   sum(total_wait_seconds) / sum(frequency) AS mean_wait_seconds,
                   sum(total_wait_seconds) AS total_wait_seconds
            FROM marts.agg_process_edges_daily
            WHERE transition_date BETWEEN ? AND ?
            GROUP BY 1, 2
            ORDER BY frequency DESC, source_activity, target_activity
            """,
            [filters.start, filters.end],
        )
    dims = where_clause(filters, time_column=None, alias="o")
    derived_dims = where_clause(filters, time_column=None)
    return query_derived(
        f"""
        SELECT source_activity, target_activity,
               sum(frequency) AS frequency,
               sum(total_wait_seconds) / sum(frequency) AS mean_wait_seconds,
               sum(total_wait_seconds) AS total_wait_seconds
        FROM memory.main.edges_by_order_attributes
        WHERE transition_date BETWEEN ? AND ? AND ({derived_dims.sql})
        GROUP BY 1, 2
        ORDER BY frequency DESC, source_activity, target_activity
        """,
        [filters.start, filters.end, *derived_dims.parameters],
        fallback_sql=f"""
        SELECT t.source_activity, t.target_activity,
               count(*) AS frequency,
               sum(t.wait_seconds) / count(*) AS mean_wait_seconds,
               sum(t.wait_seconds) AS total_wait_seconds
        FROM marts.fct_case_transitions AS t
        WHERE t.transition_date BETWEEN ? AND ?
          AND t.case_id IN (SELECT o.case_id FROM marts.fct_orders AS o WHERE {dims.sql})
        GROUP BY 1, 2
        ORDER BY frequency DESC, t.source_activity, t.target_activity
        """,
        fallback_parameters=[filters.start, filters.end, *dims.parameters],
    )


def get_variants(limit: int = 25) -> pd.DataFrame:
    """The most frequent process variants over all cases (``agg_variants``)."""
    return query(
        """
        SELECT variant_rank, variant_key, activity_count, case_count, case_share,
               median_throughput_seconds / 3600.0 AS median_throughput_hours,
               p95_throughput_seconds / 3600.0 AS p95_throughput_hours
        FROM marts.agg_variants
        ORDER BY variant_rank
        LIMIT ?
        """,
        [limit],
    )


def get_deviations() -> pd.DataFrame:
    """Deviations from the reference model found by conformance checking (``mining``)."""
    return query(
        """
        SELECT deviation, kind, activity, case_count, case_share,
               extra_seconds / 3600.0 AS extra_hours
        FROM mining.deviations
        ORDER BY case_count DESC, deviation
        """
    )


@dataclass(frozen=True)
class ConformanceSummary:
    """How well the cases fit the model conformance was measured against.

    Attributes:
        fitness: Case-weighted alignment fitness; ``None`` when not measured.
        conforming_share: Share of cases fitting the model; ``None`` when not measured.
        model_label: The model in a few words (``mining.conformance_model``); ``None``
            when the publication does not say which model was used.
        unmeasured_reason: Why there is no fitness, in words.
    """

    fitness: float | None
    conforming_share: float | None
    model_label: str | None
    unmeasured_reason: str | None

    @property
    def headline(self) -> str:
        """Fitness and the share of fitting cases against the named model, or why none."""
        against = f" against {self.model_label}" if self.model_label else ""
        if self.fitness is None:
            return f"No fitness{against}: {self.unmeasured_reason}."
        conforming = (
            f" · cases fitting the model {self.conforming_share:.1%}"
            if self.conforming_share is not None
            else ""
        )
        return f"Fitness {self.fitness:.1%}{against}{conforming}"


NO_CASES_CHECKED = "no case of this log could be checked against a model of its process"


def _conformance_model_row() -> pd.Series | None:
    """The one row of ``mining.conformance_model``, or ``None`` when not published."""
    try:
        frame = query("SELECT * FROM mining.conformance_model")
    except MissingTableError:
        return None
    return None if frame.empty else frame.iloc[0]


def get_conformance_summary() -> ConformanceSummary:
    """Fitness and conforming share, with the model's label and why a figure is missing.

    Read from ``mining.conformance_model`` when the publication has it; otherwise the
    case-weighted fitness of the variants that have one (``mining.conformance_variants``).
    """
    model = _conformance_model_row()
    if model is not None:
        fitness = number_or_none(model.get("fitness"))
        conforming = number_or_none(model.get("conforming_case_share"))
        reason = model.get("unmeasured_reason")
        label = model.get("label")
        return ConformanceSummary(
            fitness=fitness,
            conforming_share=conforming if fitness is not None else None,
            model_label=None if label is None or pd.isna(label) else str(label),
            unmeasured_reason=(
                str(reason) if isinstance(reason, str) and reason else NO_CASES_CHECKED
            )
            if fitness is None
            else None,
        )
    row = query(
        """
        SELECT sum(fitness * case_count) FILTER (WHERE fitness IS NOT NULL)
                   / sum(case_count) FILTER (WHERE fitness IS NOT NULL) AS fitness,
               sum(case_count) FILTER (WHERE fitness IS NOT NULL AND is_conforming)
                   / sum(case_count) FILTER (WHERE fitness IS NOT NULL) AS conforming_share
        FROM mining.conformance_variants
        """
    ).iloc[0]
    fitness = number_or_none(row["fitness"])
    return ConformanceSummary(
        fitness=fitness,
        conforming_share=number_or_none(row["conforming_share"]) if fitness is not None else None,
        model_label=None,
        unmeasured_reason=NO_CASES_CHECKED if fitness is None else None,
    )
