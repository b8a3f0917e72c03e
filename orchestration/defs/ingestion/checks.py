"""Checks on the raw tables: rows validation rejected (counted, not hidden), files that
failed validation as a whole and are still unloaded, and the Great Expectations suite
derived from the contract run on the latest load."""

from pathlib import Path

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


def _failed_files_check(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    table = ".".join(key.path)

    @dg.asset_check(
        asset=key,
        name="no_file_failed_validation",
        description=(
            f"Files meant for {table} that failed validation as a whole (more records invalid "
            "than valid: nothing of them was kept), are still in place and have not been "
            "loaded since (the same content, or anything under the same path); each with its "
            "most frequent reason and the fix."
        ),
    )
    def failed_files(orderlens: OrderlensResource) -> dg.AssetCheckResult:
        with connect(orderlens.settings().warehouse_path, read_only=True) as con:
            rows = con.execute(
                "SELECT file_path, message FROM raw.ingest_manifest AS m"
                " WHERE status = 'failed' AND target_table = ? AND NOT EXISTS ("
                "   SELECT 1 FROM raw.ingest_manifest AS l"
                "   WHERE l.status = 'loaded' AND (l.checksum = m.checksum"
                "     OR (l.file_path = m.file_path AND l.finished_at > m.finished_at)))"
                " QUALIFY row_number() OVER (PARTITION BY checksum ORDER BY finished_at DESC) = 1"
                " ORDER BY file_path",
                [table],
            ).fetchall()
        failed = {path: message for path, message in rows if Path(path).exists()}
        return dg.AssetCheckResult(
            passed=not failed,
            description=(
                "; ".join(f"{path}: {message}" for path, message in failed.items())
                if failed
                else f"every file meant for {table} passed or was loaded since"
            ),
            metadata={"failed_files": dg.MetadataValue.json(failed)},
        )

    return failed_files


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


quarantine_checks = [_quarantine_check(key) for key in RAW_TARGETS] + [
    _failed_files_check(key) for key in RAW_TARGETS
]
expectation_checks = [_expectations_check(key) for key in RAW_TARGETS]
