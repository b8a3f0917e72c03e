"""Checks on the triage outputs: spike alerts to act on, and a queue that covers the backlog."""

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orchestration.defs.triage.assets import TRIAGE_ALERTS, TRIAGE_SCORES
from orchestration.defs.warehouse_checks import read_warehouse, warning_alert

RECENT_HOURS = 24
"""Alerts still firing within this many hours of the latest event are current."""


@dg.asset_check(
    asset=TRIAGE_ALERTS,
    description=(
        "Fails (as a warning) while a spike alert is current: a node, carrier, supplier, "
        "channel or interface far above its usual level in the last day."
    ),
)
def triage_spike_alert(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Fail, as a warning, when an alert fired within the last day of the history."""
    current = read_warehouse(
        orderlens,
        "SELECT started_at, likely_cause FROM triage.alerts"
        " WHERE last_alert_at >= (SELECT max(as_of_at) FROM marts.fct_exceptions)"
        f" - INTERVAL {RECENT_HOURS} HOUR ORDER BY started_at",
    )
    return warning_alert(
        [f"since {started:%Y-%m-%d %H:%M}: {cause}" for started, cause in current],
        all_clear="no current spike",
        metadata={"current_alerts": len(current)},
    )


@dg.asset_check(asset=TRIAGE_SCORES)
def risk_scores_cover_open_exceptions(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Every open exception is scored once (when a model exists), with a risk in [0, 1]."""
    ((scored, distinct, out_of_range, open_count),) = read_warehouse(
        orderlens,
        "SELECT count(*), count(DISTINCT exception_id),"
        " count(*) FILTER (WHERE risk < 0 OR risk > 1),"
        " (SELECT count(*) FROM marts.fct_exceptions WHERE is_open)"
        " FROM triage.exception_risk_scores",
    )
    covered = scored == 0 or (scored == distinct == open_count)
    return dg.AssetCheckResult(
        passed=covered and out_of_range == 0,
        metadata={
            "scored": int(scored),
            "open_exceptions": int(open_count),
            "risk_out_of_range": int(out_of_range),
        },
    )
