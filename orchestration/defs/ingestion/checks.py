"""Checks on the raw tables: rows validation rejected (counted, not hidden), and the
Great Expectations suite derived from the contract run on the latest load."""

import dagster as dg

from orchestration.defs.ingestion.assets import RAW_INTEGRATION_EVENTS, RAW_WORKFLOW_EVENTS
from orchestration.defs.resources import OrderlensResource
from orderlens.ingest.mapping import Target
from orderlens.warehouse import connect

RAW_TARGETS = {RAW_WORKFLOW_EVENTS: Target.WORKFLOW, RAW_INTEGRATION_EVENTS: Target.INTEGRATION}

MAX_QUARANTINED_SHARE = 0.05
"""More than one row in twenty rejected points at a broken export, not at stray bad rows."""


def _quarantine_check(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    table = ".".join(key.path)

    @dg.asset_check(
        asset=key,
        name="quarantined_rows_within_tolerance",
        description=(
            f"Rows of files loaded into {table} that failed validation, by reason; fails as a "
            f"warning above {MAX_QUARANTINED_SHARE:.0%} of the rows read."
        ),
    )
    def quarantined_rows(orderlens: OrderlensResource) -> dg.AssetCheckResult:
        with connect(orderlens.settings().warehouse_path, read_only=True) as con:
            (loaded,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            reasons = con.execute(
                "SELECT q.reason, count(*) FROM quarantine.rejected_rows AS q"
                " JOIN raw.ingest_manifest AS m ON q.load_id = m.load_id"
                " WHERE m.target_table = ? AND q.rejection = 'invalid' GROUP BY q.reason"
                " ORDER BY 2 DESC",
                [table],
            ).fetchall()
        quarantined = sum(count for _, count in reasons)
        share = quarantined / (loaded + quarantined) if loaded + quarantined else 0.0
        return dg.AssetCheckResult(
            passed=share <= MAX_QUARANTINED_SHARE,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_loaded": dg.MetadataValue.int(int(loaded)),
                "rows_quarantined": dg.MetadataValue.int(int(quarantined)),
                "quarantined_share": dg.MetadataValue.float(round(share, 5)),
                "by_reason": dg.MetadataValue.json({reason: n for reason, n in reasons[:20]}),
            },
        )

    return quarantined_rows


def _expectations_check(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    table = ".".join(key.path)

    @dg.asset_check(
        asset=key,
        name="great_expectations_on_latest_load",
        description=(
            f"The contract's Great Expectations suite on the rows of the latest load into "
            f"{table} (a sample when large); each expectation's failing rows are counted."
        ),
    )
    def expectations(orderlens: OrderlensResource) -> dg.AssetCheckResult:
        from orderlens.ingest.expectations import validate_loaded_batch

        settings = orderlens.settings()
        with connect(settings.warehouse_path, read_only=True) as con:
            latest = con.execute(
                f"SELECT load_id FROM {table} ORDER BY event_seq DESC LIMIT 1"
            ).fetchall()
        if not latest:
            return dg.AssetCheckResult(passed=True, description=f"{table} is empty")
        report = validate_loaded_batch(settings, latest[0][0], RAW_TARGETS[key])
        failing = {
            f"{outcome.expectation}({outcome.column or ''})": outcome.unexpected_count
            for outcome in report.outcomes
            if not outcome.success
        }
        return dg.AssetCheckResult(
            passed=report.success,
            metadata={
                "load_id": dg.MetadataValue.text(latest[0][0]),
                "rows_evaluated": dg.MetadataValue.int(report.evaluated_rows),
                "expectations": dg.MetadataValue.int(len(report.outcomes)),
                "failing_rows_by_expectation": dg.MetadataValue.json(failing),
            },
        )

    return expectations


quarantine_checks = [_quarantine_check(key) for key in RAW_TARGETS]
expectation_checks = [_expectations_check(key) for key in RAW_TARGETS]
