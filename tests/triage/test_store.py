"""The audit log only grows, and a model version is recorded once."""

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orderlens.triage.store import AUDIT_COLUMNS, append_audit

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _queue() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "exception_id": ["x1", "x2"],
            "case_id": ["o1", "o2"],
            "risk": [0.7, 0.2],
            "priority": [70.0, 4.0],
            "explanation": ["carrier SwiftShip +18 points", "SLA timer 10% elapsed -5 points"],
            "recommended_action": ["expedite or switch carrier", "retry authorization"],
            "action_mode": ["recommend", "monitor"],
            "requires_human": [True, True],
            "policy_reason": ["not auto-resolvable", "risk below threshold"],
            "model_version": ["abc123abc123"] * 2,
            "policy_version": ["def456def456"] * 2,
        }
    )


def test_append_audit_keeps_every_run_with_model_and_policy_versions(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = append_audit(con, _queue(), logged_at=NOW)
    second = append_audit(con, _queue(), logged_at=NOW)
    logged = con.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM triage.audit_log").df()
    assert first != second
    assert len(logged) == 4
    assert logged.groupby("scoring_run_id").size().to_dict() == {first: 2, second: 2}
    assert set(logged["model_version"]) == {"abc123abc123"}
    assert logged.set_index(["scoring_run_id", "exception_id"]).loc[
        (second, "x1"), "explanation"
    ] == ("carrier SwiftShip +18 points")
