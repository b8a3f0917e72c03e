"""Root-cause analysis scored against causes known to act on the log.

A simulation knows what it injected (``orderlens.simulator``'s ``ground_truth.json``):
for each such cause, :func:`score_root_causes` analyses the cause's own effect (its
exception type, its volume surge, or slow cases for a stretched step) and says where the
cause's dimension value ranks in that root-cause table, so the analysis is checked
against the truth rather than against itself.

``process_mining`` imports nothing of orderlens: the caller reads the causes (with
``orderlens.simulator.ground_truth.read_injected_causes``) and hands them over; any
object with the attributes of :class:`KnownCause` will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import duckdb
import pandas as pd

from process_mining.event_log import (
    EVENT_ORDER,
    EventLog,
    TimeFrameMode,
    events_query,
    filter_time_frame,
)
from process_mining.root_causes import (
    CASE_EXCEPTIONS_LIST,
    DEFAULT_DIMENSIONS,
    INTAKE_DIMENSIONS,
    ROOT_CAUSE_COLUMNS,
    STAGED_INTEGRATION_EVENTS,
    CaseOutcome,
    cases_started_between,
    cases_with_exception,
    get_root_causes,
    slow_cases,
)


class KnownCause(Protocol):
    """What root-cause scoring reads of a cause known to act on the log (the simulator's
    ``InjectedCause`` has these attributes)."""

    @property
    def name(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def values(self) -> tuple[str, ...]: ...
    @property
    def start_at(self) -> datetime: ...
    @property
    def end_at(self) -> datetime: ...
    @property
    def exception_type(self) -> str | None: ...
    @property
    def volume_multiplier(self) -> float: ...
    @property
    def step(self) -> str | None: ...
    @property
    def expected_effect(self) -> str: ...


def outcome_of(cause: KnownCause) -> CaseOutcome | None:
    """The effect a cause should explain: its exception type, its volume surge, or (for a
    stretched step) slow cases; ``None`` if it names none of these."""
    if cause.exception_type:
        return cases_with_exception(cause.exception_type, since=cause.start_at)
    if cause.volume_multiplier != 1.0:
        return cases_started_between(cause.start_at, cause.end_at)
    if cause.step:
        return slow_cases(quantile=0.9)
    return None


def explain_cause(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    cause: KnownCause,
    *,
    integration_relation: str | None = STAGED_INTEGRATION_EVENTS,
) -> pd.DataFrame:
    """The root-cause table for the effect of ``cause``, on the cases where it can act.

    Exception and step causes are analysed on the cases with an event inside the
    cause's window (the orders it could touch); a volume cause on the whole log (its
    window is the outcome) and on the :data:`INTAKE_DIMENSIONS` only. The cause's own
    dimension is always analysed.
    """
    outcome = outcome_of(cause)
    if outcome is None:
        return pd.DataFrame(columns=ROOT_CAUSE_COLUMNS)
    scoped = log
    if cause.volume_multiplier == 1.0:
        scoped = filter_time_frame(
            log, start=cause.start_at, end=cause.end_at, mode=TimeFrameMode.ACTIVE
        )
    if cause.dimension == "activity":
        return _activity_causes(con, scoped, outcome)
    analysed = INTAKE_DIMENSIONS if cause.volume_multiplier != 1.0 else DEFAULT_DIMENSIONS
    dimensions = tuple(dict.fromkeys((*analysed, cause.dimension)))
    return get_root_causes(
        con,
        scoped,
        outcome=outcome,
        dimensions=dimensions,
        integration_relation=integration_relation if cause.volume_multiplier == 1.0 else None,
    )


def _activity_causes(
    con: duckdb.DuckDBPyConnection, log: EventLog, outcome: CaseOutcome
) -> pd.DataFrame:
    """Activities ranked by the waiting time that precedes them in affected cases.

    A cause acting on an activity (a slower approval) shows as the activity the affected
    cases wait longest for, so activities are ranked by their mean incoming wait.
    """
    events, parameters = events_query(log, ("exception_type",))
    query = (
        f"WITH events AS ({events}),"
        f" cases AS (SELECT case_id, list(activity ORDER BY {EVENT_ORDER}) AS trace,"
        f" min(event_at) AS started_at,"
        f" (epoch_us(max(event_at)) - epoch_us(min(event_at))) / 1e6 AS throughput_seconds,"
        f" {CASE_EXCEPTIONS_LIST} AS exceptions FROM events GROUP BY case_id),"
        f" affected AS (SELECT case_id FROM cases WHERE {outcome.condition}),"
        f" waits AS (SELECT case_id, activity, (epoch_us(event_at) - epoch_us(lag(event_at)"
        f" OVER (PARTITION BY case_id ORDER BY {EVENT_ORDER}))) / 1e6 AS wait_seconds"
        f" FROM events SEMI JOIN affected USING (case_id))"
        f" SELECT 'activity' AS dimension, activity AS value,"
        f" count(DISTINCT case_id) AS case_count, count(DISTINCT case_id) AS affected_cases,"
        f" avg(wait_seconds) AS mean_throughput_seconds, avg(wait_seconds) AS delay_seconds"
        f" FROM waits WHERE wait_seconds IS NOT NULL GROUP BY activity"
        f" HAVING count(DISTINCT case_id) >= 5 ORDER BY delay_seconds DESC, activity"
    )
    frame = con.execute(query, [*parameters, *outcome.parameters]).df()
    total = frame["case_count"].max() if len(frame) else 0
    frame["support"] = frame["case_count"] / total if total else 0.0
    frame["confidence"] = 1.0
    frame["lift"] = float("nan")
    frame["rule"] = [
        f"{outcome.description}: cases wait {seconds / 3600:.1f} h on average before {value}"
        for value, seconds in zip(frame["value"], frame["delay_seconds"], strict=True)
    ]
    return frame[ROOT_CAUSE_COLUMNS]


SCORE_COLUMNS = [
    "cause",
    "dimension",
    "values",
    "effect",
    "rank",
    "in_top_three",
    "top_rule",
    "expected_effect",
]
"""Columns of :func:`score_root_causes`: one row per injected cause (none for a
simulation without injected causes)."""


def score_root_causes(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    causes: Sequence[KnownCause],
    *,
    integration_relation: str | None = STAGED_INTEGRATION_EVENTS,
) -> pd.DataFrame:
    """Where each injected cause ranks in the root-cause table of its own effect.

    Returns:
        One row per cause: ``cause``, ``dimension``, ``values``, ``effect``, ``rank``
        (1-based rank of the best of its values; ``None`` if absent), ``in_top_three``,
        ``top_rule`` (the rule of that value) and ``expected_effect``.
    """
    rows = []
    for cause in causes:
        table = explain_cause(con, log, cause, integration_relation=integration_relation)
        outcome = outcome_of(cause)
        matches = table.index[
            (table["dimension"] == cause.dimension) & table["value"].isin(cause.values)
        ]
        rank = int(matches.min()) + 1 if len(matches) else None
        rows.append(
            {
                "cause": cause.name,
                "dimension": cause.dimension,
                "values": ", ".join(cause.values),
                "effect": outcome.description if outcome else "",
                "rank": rank,
                "in_top_three": rank is not None and rank <= 3,
                "top_rule": table.loc[matches.min(), "rule"] if len(matches) else "",
                "expected_effect": cause.expected_effect,
            }
        )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)
