"""The work queue: open exceptions by priority with the recommended next action."""

from __future__ import annotations

import pandas as pd

from dashboard.auth import may_see_costs
from dashboard.filters import Filters, where_clause
from dashboard.serving import query


def get_work_queue(filters: Filters, limit: int = 200) -> pd.DataFrame:
    """Open exceptions by priority (SLA-breach risk x impact), with the recommended next
    action, whether policy lets it be automated, and the score's top factors in words."""
    dims = where_clause(filters, time_column=None)
    frame = query(
        f"""
        SELECT priority_rank, exception_id, case_id, exception_type, owning_team, node_id,
               carrier, channel, detected_at, due_at, is_past_due,
               round(100 * risk, 0) AS risk_percent, order_amount, round(priority, 2) AS priority,
               recommended_action, action_mode, requires_human, explanation, model_version
        FROM triage.exception_risk_scores
        WHERE {dims.sql}
        ORDER BY priority_rank
        LIMIT ?
        """,
        [*dims.parameters, limit],
    )
    if may_see_costs():
        return frame
    return frame.drop(columns=["order_amount"])
