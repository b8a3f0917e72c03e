"""The process page: the directly-follows graph of the period, variants, conformance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.filters import Filters, where_clause
from dashboard.serving import MissingTableError, number_or_none, query


def _dimension_condition(filters: Filters) -> tuple[str, list[object]]:
    """The filters' channel, region, node and carrier as a condition on a daily mart."""
    condition = where_clause(filters, time_column=None)
    return condition.sql, list(condition.parameters)


def get_process_edges(filters: Filters) -> pd.DataFrame:
    """The directly-follows graph of the transitions completed in the period, filtered.

    A sum of ``agg_process_edges_daily`` rows (the one definition of the edges, split by
    day and by the filter dimensions); the mean wait is total wait over transitions.

    Returns:
        Columns ``source_activity``, ``target_activity``, ``frequency``,
        ``mean_wait_seconds``, ``total_wait_seconds``, ``wait_class`` and ``waiting_on``,
        most frequent first.
    """
    dimensions, parameters = _dimension_condition(filters)
    return query(
        f"""
        SELECT source_activity, target_activity,
               sum(frequency) AS frequency,
               sum(total_wait_seconds) / sum(frequency) AS mean_wait_seconds,
               sum(total_wait_seconds) AS total_wait_seconds,
               any_value(wait_class) AS wait_class,
               any_value(waiting_on) AS waiting_on
        FROM marts.agg_process_edges_daily
        WHERE transition_date BETWEEN ? AND ? AND ({dimensions})
        GROUP BY source_activity, target_activity
        ORDER BY frequency DESC, source_activity, target_activity
        """,
        [filters.start, filters.end, *parameters],
    )


def get_case_endpoints(filters: Filters) -> pd.DataFrame:
    """How many cases started and ended with each activity in the period, filtered.

    A sum of ``agg_case_endpoints_daily`` rows: a start counts on the day of the case's
    first event, an end on the day of its last.

    Returns:
        Columns ``endpoint`` (``start`` or ``end``), ``activity`` and ``case_count``.
    """
    dimensions, parameters = _dimension_condition(filters)
    return query(
        f"""
        SELECT endpoint, activity, sum(case_count) AS case_count
        FROM marts.agg_case_endpoints_daily
        WHERE endpoint_date BETWEEN ? AND ? AND ({dimensions})
        GROUP BY endpoint, activity
        ORDER BY endpoint, case_count DESC, activity
        """,
        [filters.start, filters.end, *parameters],
    )


def get_variants(filters: Filters, *, limit: int = 10) -> pd.DataFrame:
    """The most frequent variants of the cases that started in the period, filtered.

    Cases per variant are summed from ``agg_variants_daily`` and spelled by
    ``agg_variants``; shares are of the cases the filters keep.

    Returns:
        Columns ``variant_rank``, ``variant_key``, ``activities`` (list of names),
        ``case_count``, ``case_share``, ``mean_throughput_hours``, and ``variant_total``
        and ``case_total`` (all variants and cases the filters keep), by rank.
    """
    dimensions, parameters = _dimension_condition(filters)
    return query(
        f"""
        WITH kept AS (
            SELECT variant_fingerprint, sum(case_count) AS case_count,
                   sum(total_throughput_seconds) AS total_throughput_seconds
            FROM marts.agg_variants_daily
            WHERE case_start_date BETWEEN ? AND ? AND ({dimensions})
            GROUP BY variant_fingerprint
        ),
        ranked AS (
            SELECT row_number() OVER (
                       ORDER BY kept.case_count DESC, variants.variant_key
                   ) AS variant_rank,
                   variants.variant_key, variants.activities, kept.case_count,
                   kept.case_count / sum(kept.case_count) OVER () AS case_share,
                   kept.total_throughput_seconds / kept.case_count / 3600.0
                       AS mean_throughput_hours,
                   count(*) OVER () AS variant_total,
                   sum(kept.case_count) OVER () AS case_total
            FROM kept
            JOIN marts.agg_variants AS variants USING (variant_fingerprint)
        )
        SELECT * FROM ranked WHERE variant_rank <= ? ORDER BY variant_rank
        """,
        [filters.start, filters.end, *parameters, limit],
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
