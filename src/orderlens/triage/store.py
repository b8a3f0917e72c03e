"""The published ``triage`` tables: scores, model versions, alerts and the audit log.

``exception_risk_scores`` and ``alerts`` are replaced on each run (they describe "now");
``model_versions`` gains a row per newly trained model and ``audit_log`` a row per
recommendation, never rewritten, so every proposal can be traced to the model and the
policy that made it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from orderlens.triage.model import RiskModel

TRIAGE_SCHEMA = "triage"
SCORES_TABLE = f"{TRIAGE_SCHEMA}.exception_risk_scores"
MODELS_TABLE = f"{TRIAGE_SCHEMA}.model_versions"
AUDIT_TABLE = f"{TRIAGE_SCHEMA}.audit_log"
ALERTS_TABLE = f"{TRIAGE_SCHEMA}.alerts"

AUDIT_COLUMNS: tuple[str, ...] = (
    "audit_id",
    "logged_at",
    "scoring_run_id",
    "exception_id",
    "case_id",
    "risk",
    "priority",
    "explanation",
    "recommended_action",
    "action_mode",
    "requires_human",
    "policy_reason",
    "model_version",
    "policy_version",
)

_CREATE_AUDIT = f"""
CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
    audit_id VARCHAR PRIMARY KEY,
    logged_at TIMESTAMPTZ NOT NULL,
    scoring_run_id VARCHAR NOT NULL,
    exception_id VARCHAR NOT NULL,
    case_id VARCHAR,
    risk DOUBLE NOT NULL,
    priority DOUBLE,
    explanation VARCHAR,
    recommended_action VARCHAR,
    action_mode VARCHAR NOT NULL,
    requires_human BOOLEAN NOT NULL,
    policy_reason VARCHAR,
    model_version VARCHAR NOT NULL,
    policy_version VARCHAR NOT NULL
)
"""

_CREATE_MODELS = f"""
CREATE TABLE IF NOT EXISTS {MODELS_TABLE} (
    model_version VARCHAR PRIMARY KEY,
    trained_at TIMESTAMPTZ NOT NULL,
    window_start TIMESTAMPTZ,
    window_end TIMESTAMPTZ,
    training_rows BIGINT,
    training_exceptions BIGINT,
    breach_share DOUBLE,
    parameters VARCHAR,
    model_path VARCHAR
)
"""


def _replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {TRIAGE_SCHEMA}")
    con.register("triage_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM triage_frame")
    finally:
        con.unregister("triage_frame")


def write_scores(con: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> None:
    """Replace ``triage.exception_risk_scores`` with the current work queue."""
    _replace_table(con, SCORES_TABLE, scores)


def write_alerts(con: duckdb.DuckDBPyConnection, alerts: pd.DataFrame) -> None:
    """Replace ``triage.alerts`` with the current spike alerts."""
    _replace_table(con, ALERTS_TABLE, alerts)


def record_model(con: duckdb.DuckDBPyConnection, model: RiskModel, path: Path) -> None:
    """Add the model to ``triage.model_versions`` (a retrained identical model is kept once)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {TRIAGE_SCHEMA}")
    con.execute(_CREATE_MODELS)
    con.execute(
        f"INSERT INTO {MODELS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            model.version,
            model.trained_at,
            model.window_start,
            model.window_end,
            model.training_rows,
            model.training_exceptions,
            model.breach_share,
            json.dumps(asdict(model.parameters), sort_keys=True),
            str(path),
        ],
    )


def append_audit(
    con: duckdb.DuckDBPyConnection, scores: pd.DataFrame, *, logged_at: datetime
) -> str:
    """Append one audit row per scored exception; returns the scoring run's id."""
    run_id = uuid.uuid4().hex
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {TRIAGE_SCHEMA}")
    con.execute(_CREATE_AUDIT)
    if scores.empty:
        return run_id
    audit = scores.assign(
        audit_id=[f"{run_id}-{index}" for index in range(len(scores))],
        logged_at=logged_at,
        scoring_run_id=run_id,
    )[list(AUDIT_COLUMNS)]
    con.register("audit_frame", audit)
    try:
        con.execute(
            f"INSERT INTO {AUDIT_TABLE} ({', '.join(AUDIT_COLUMNS)}) "
            f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_frame"
        )
    finally:
        con.unregister("audit_frame")
    return run_id
