"""Triage assets: train the SLA-breach risk model, score the open queue, raise spike alerts.

Thin adapters over :mod:`orderlens.triage`: each opens the warehouse, calls the library
and stores the result in the published ``triage`` schema.
"""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration.defs.resources import OrderlensResource
from orderlens.coverage import read_coverage
from orderlens.reference import load_reference
from orderlens.triage.model import InsufficientHistoryError, load_model, save_model
from orderlens.triage.recommendations import load_policy
from orderlens.triage.spike_detection import detect_spikes
from orderlens.triage.store import append_audit, record_model, write_alerts, write_scores
from orderlens.triage.watched_events import load_watched_events
from orderlens.triage.work_queue import SCORE_COLUMNS, score_open_exceptions, train_on_warehouse
from orderlens.warehouse import connect

TRIAGE_GROUP = "triage"
OWNER = "team:process-excellence"
FCT_EXCEPTIONS = dg.AssetKey(["marts", "fct_exceptions"])
FCT_ORDERS = dg.AssetKey(["marts", "fct_orders"])
DIM_NODES = dg.AssetKey(["marts", "dim_nodes"])
STAGED_EVENTS = dg.AssetKey(["staging", "stg_raw__workflow_events"])
STAGED_INTEGRATION = dg.AssetKey(["staging", "stg_raw__integration_events"])
OPEN_INTERVALS = dg.AssetKey(["intermediate", "int_exception_open_intervals"])
ANALYSIS_COVERAGE = dg.AssetKey(["marts", "mart_analysis_coverage"])
TRIAGE_MODEL = dg.AssetKey(["triage", "model_versions"])
TRIAGE_SCORES = dg.AssetKey(["triage", "exception_risk_scores"])
TRIAGE_ALERTS = dg.AssetKey(["triage", "alerts"])
FEATURE_INPUTS = [
    FCT_EXCEPTIONS,
    FCT_ORDERS,
    STAGED_EVENTS,
    STAGED_INTEGRATION,
    OPEN_INTERVALS,
    ANALYSIS_COVERAGE,
]


def skipped(reason: str, **metadata: object) -> dg.MaterializeResult:
    """A materialization that records why the analysis did not run.

    A log without exceptions is the common case on day one, not a failure: the run goes
    on, the serving copy is published, and Dagster shows the reason on the asset.
    """
    return dg.MaterializeResult(metadata={"skipped": True, "reason": reason, **metadata})


@dg.asset(
    key=TRIAGE_MODEL,
    deps=FEATURE_INPUTS,
    group_name=TRIAGE_GROUP,
    owners=[OWNER],
    description=(
        "Trains the SLA-breach risk model on hourly point-in-time snapshots of the labelled "
        "history, saves it under data/models and records its version (one row per model)."
    ),
)
def triage_risk_model(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Train and save the model; no exceptions, or too few to learn from, skip it."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        coverage = read_coverage(con)["triage"]
        if not coverage.is_available:
            return skipped(coverage.skip_message, trained=False)
        try:
            model = train_on_warehouse(con, trained_at=datetime.now(UTC))
        except InsufficientHistoryError as error:
            return skipped(f"too few exceptions to learn from: {error}", trained=False)
        path = save_model(model, settings.models_dir)
        record_model(con, model, path)
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "model_version": model.version,
            "training_exceptions": model.training_exceptions,
            "training_rows": model.training_rows,
            "breach_share": model.breach_share,
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    key=TRIAGE_SCORES,
    deps=[TRIAGE_MODEL, DIM_NODES, *FEATURE_INPUTS],
    group_name=TRIAGE_GROUP,
    owners=[OWNER],
    description=(
        "The work queue: one row per open exception with breach risk, impact, priority, top "
        "three factors in words, the recommended action, its policy mode and the model "
        "version; every row is also appended to triage.audit_log."
    ),
)
def triage_exception_risk_scores(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Score the open exceptions with the saved model and log each recommendation."""
    settings = orderlens.settings()
    now = datetime.now(UTC)
    policy = load_policy()
    with connect(settings.warehouse_path) as con:
        coverage = read_coverage(con)["triage"]
        if not coverage.is_available:
            write_scores(con, pd.DataFrame(columns=list(SCORE_COLUMNS)))
            return skipped(coverage.skip_message, scored=0)
        try:
            model = load_model(settings.models_dir)
        except FileNotFoundError:
            write_scores(con, pd.DataFrame(columns=list(SCORE_COLUMNS)))
            return skipped(
                "no risk model has been trained yet (triage/model_versions says why)", scored=0
            )
        queue = score_open_exceptions(
            con,
            model,
            policy,
            load_reference(settings.reference_file).exception_taxonomy,
            scored_at=now,
        )
        write_scores(con, queue)
        run_id = append_audit(con, queue, logged_at=now)
    modes = queue["action_mode"].value_counts() if len(queue) else {}
    return dg.MaterializeResult(
        metadata={
            "scored": len(queue),
            "model_version": model.version,
            "policy_version": policy.version,
            "scoring_run_id": run_id,
            "auto_act": int(modes.get("auto_act", 0)),
            "recommend": int(modes.get("recommend", 0)),
            "monitor": int(modes.get("monitor", 0)),
        }
    )


@dg.asset(
    key=TRIAGE_ALERTS,
    deps=[FCT_EXCEPTIONS, FCT_ORDERS, STAGED_INTEGRATION, ANALYSIS_COVERAGE],
    group_name=TRIAGE_GROUP,
    owners=[OWNER],
    description=(
        "Spike and recurrence alerts: exceptions per node, carrier, supplier and channel, "
        "orders per channel and first-attempt failures per interface against the week before."
    ),
)
def triage_alerts(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Run the spike detector over the whole history and store its alerts.

    Without anything to watch the detector still runs (it finds nothing), so the alerts
    table keeps its columns for the dashboard; the skip is recorded with its reason.
    """
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        coverage = read_coverage(con)["spike_alerts"]
        alerts = detect_spikes(load_watched_events(con))
        write_alerts(con, alerts)
    if not coverage.is_available:
        return skipped(coverage.skip_message, alerts=0)
    return dg.MaterializeResult(
        metadata={
            "alerts": len(alerts),
            "recurring": int(alerts["is_recurring"].sum()) if len(alerts) else 0,
        }
    )
