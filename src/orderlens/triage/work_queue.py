"""Training on the warehouse's history and scoring its open exceptions into a work queue.

The queue row of an open exception carries its breach risk, the impact if it goes wrong
(order value, weighted up as the customer promise nears), their product as the priority,
the top three factors in words, the next action and whether policy lets orderlens take
it. Exceptions already past their resolution due time are certain breaches: they get
risk 1 and say so instead of asking the model.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from orderlens.contract import ExceptionTaxonomyEntry
from orderlens.triage.explanations import TOP_FACTORS, explain
from orderlens.triage.features import (
    build_snapshots,
    history_window,
    snapshot_times,
    with_known_outcome,
)
from orderlens.triage.model import ModelParameters, RiskModel, predict_risk, train_risk_model
from orderlens.triage.recommendations import LoadedPolicy, recommend_actions

SNAPSHOT_EVERY = timedelta(hours=1)
"""Training snapshots: the queue as it stood at every hour of the history."""

PROMISE_URGENCY_HOURS = 24.0
"""Within this many hours of the customer promise the impact weight rises from 1 to 2."""

SCORE_COLUMNS: tuple[str, ...] = (
    "scored_at",
    "exception_id",
    "case_id",
    "exception_type",
    "exception_class",
    "owning_team",
    "channel",
    "region",
    "node_id",
    "carrier",
    "supplier",
    "detected_at",
    "due_at",
    "minutes_to_due",
    "is_past_due",
    "order_amount",
    "hours_to_promise",
    "risk",
    "risk_points",
    "impact",
    "priority",
    "priority_rank",
    "explanation",
    *(f"factor_{index}" for index in range(1, TOP_FACTORS + 1)),
    *(f"factor_{index}_points" for index in range(1, TOP_FACTORS + 1)),
    "recommended_action",
    "action_mode",
    "requires_human",
    "policy_reason",
    "model_version",
    "policy_version",
)
"""Columns of ``triage.exception_risk_scores``, in order."""


def training_snapshots(
    con: duckdb.DuckDBPyConnection, *, every: timedelta = SNAPSHOT_EVERY
) -> pd.DataFrame:
    """Every hourly snapshot of the warehouse's history whose outcome is known now."""
    start, as_of = history_window(con)
    snapshots = build_snapshots(con, snapshot_times(start, as_of, every=every))
    return with_known_outcome(snapshots, as_of)


def train_on_warehouse(
    con: duckdb.DuckDBPyConnection,
    *,
    trained_at: datetime,
    parameters: ModelParameters | None = None,
) -> RiskModel:
    """Train the risk model on all labelled history in the warehouse."""
    return train_risk_model(training_snapshots(con), parameters=parameters, trained_at=trained_at)


def impact_of(order_amount: pd.Series, hours_to_promise: pd.Series) -> pd.Series:
    """Order value times a promise weight rising from 1 (a day or more left) to 2 (due now).

    Example:
        A 100.00 order whose promise is 12 h away has impact 100 * 1.5 = 150.
    """
    urgency = 1.0 + (
        (PROMISE_URGENCY_HOURS - hours_to_promise.fillna(PROMISE_URGENCY_HOURS))
        / PROMISE_URGENCY_HOURS
    ).clip(0.0, 1.0)
    return order_amount.fillna(0.0) * urgency


def _node_load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT n.node_id, n.region, count(e.exception_id) AS open_exceptions"
        " FROM marts.dim_nodes AS n"
        " LEFT JOIN marts.fct_exceptions AS e ON e.node_id = n.node_id AND e.is_open"
        " GROUP BY n.node_id, n.region"
    ).df()


def score_open_exceptions(
    con: duckdb.DuckDBPyConnection,
    model: RiskModel,
    policy: LoadedPolicy,
    taxonomy: list[ExceptionTaxonomyEntry],
    *,
    scored_at: datetime,
) -> pd.DataFrame:
    """The work queue: every open exception at the warehouse's "now", ranked by priority.

    Returns:
        One row per open exception with :data:`SCORE_COLUMNS`, highest priority first.
    """
    _, as_of = history_window(con)
    queue = build_snapshots(con, [as_of], include_past_due=True)
    if queue.empty:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    past_due = queue["is_past_due"].to_numpy(dtype=bool)
    risk = np.ones(len(queue))
    explained = pd.DataFrame(index=queue.index)
    upcoming = queue.loc[~past_due]
    if not upcoming.empty:
        risk[~past_due] = predict_risk(model, upcoming)
        explained = explain(model, upcoming)
    queue = queue.join(explained)
    overdue_hours = (-queue["minutes_to_due"] / 60.0).round(1)
    queue.loc[past_due, "explanation"] = [
        f"already past its resolution SLA by {hours:.1f} h" for hours in overdue_hours[past_due]
    ]
    for index in range(1, TOP_FACTORS + 1):
        for column in (f"factor_{index}", f"factor_{index}_points"):
            if column not in queue:
                queue[column] = None
    queue["risk"] = risk
    queue["risk_points"] = (100.0 * risk).round(1)
    queue["impact"] = impact_of(queue["order_amount"], queue["hours_to_promise"]).round(2)
    queue["priority"] = (queue["risk"] * queue["impact"]).round(4)
    queue = queue.join(recommend_actions(queue, taxonomy, policy.policy, _node_load(con)))
    queue = queue.sort_values(["priority", "risk", "exception_id"], ascending=[False, False, True])
    queue["priority_rank"] = np.arange(1, len(queue) + 1)
    queue["scored_at"] = scored_at
    queue["model_version"] = model.version
    queue["policy_version"] = policy.version
    return queue[list(SCORE_COLUMNS)].reset_index(drop=True)
