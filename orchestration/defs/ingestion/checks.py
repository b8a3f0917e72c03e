"""Checks on the raw tables: rows validation rejected (counted, not hidden), files that
failed validation as a whole and are still unloaded, and the Great Expectations suite
derived from the contract run on the latest load."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.ingestion.assets import RAW_INTEGRATION_EVENTS, RAW_WORKFLOW_EVENTS
from orchestration.defs.resources import OrderlensResource
from orchestration.defs.warehouse_checks import read_warehouse
from orderlens.ingest.mapping import Target

RAW_TARGETS = {RAW_WORKFLOW_EVENTS: Target.WORKFLOW, RAW_INTEGRATION_EVENTS: Target.INTEGRATION}

MAX_QUARANTINED_SHARE = 0.05
"""More than one row in twenty rejected points at a broken export, not at stray bad rows."""


RawTableCheck = Callable[[OrderlensResource, str, dg.AssetKey], dg.AssetCheckResult]
"""A check's body: the run's resource, the raw table's name and its asset key."""


def _on_each_raw_table(
    name: str, describe: Callable[[str], str]
) -> Callable[[RawTableCheck], list[dg.AssetChecksDefinition]]:
    """Declare ``body`` as the check ``name`` of every raw table, described by
    ``describe(table)``: the workflow and the integration tables are checked alike, and
    the decorated name holds the list of checks, one per table."""

    def declare(body: RawTableCheck) -> list[dg.AssetChecksDefinition]:
        def for_table(key: dg.AssetKey) -> dg.AssetChecksDefinition:
            table = ".".join(key.path)

            @dg.asset_check(asset=key, name=name, description=describe(table))
            def check(orderlens: OrderlensResource) -> dg.AssetCheckResult:
                return body(orderlens, table, key)

            return check

        return [for_table(key) for key in RAW_TARGETS]

    return declare


@_on_each_raw_table(
    "quarantined_rows_within_tolerance",
    lambda table: (
        f"Rows of files loaded into {table} that failed validation, by reason; fails as a "
        f"warning above {MAX_QUARANTINED_SHARE:.0%} of the rows read."
    ),
)
def _quarantined_rows_checks(
    orderlens: OrderlensResource, table: str, _key: dg.AssetKey
) -> dg.AssetCheckResult:
    ((loaded,),) = read_warehouse(orderlens, f"SELECT count(*) FROM {table}")
    reasons = read_warehouse(
        orderlens,
        "SELECT q.reason, count(*) FROM quarantine.rejected_rows AS q"
        " JOIN raw.ingest_manifest AS m ON q.load_id = m.load_id"
        " WHERE m.target_table = ? AND q.rejection = 'invalid' GROUP BY q.reason"
        " ORDER BY 2 DESC",
        [table],
    )
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


@_on_each_raw_table(
    "no_file_failed_validation",
    lambda table: (
        f"Files meant for {table} that failed validation as a whole (more records invalid "
        "than valid: nothing of them was kept), are still in place and have not been "
        "loaded since (the same content, or anything under the same path); each with its "
        "most frequent reason and the fix."
    ),
)
def _failed_files_checks(
    orderlens: OrderlensResource, table: str, _key: dg.AssetKey
) -> dg.AssetCheckResult:
    rows = read_warehouse(
        orderlens,
        "SELECT file_path, message FROM raw.ingest_manifest AS m"
        " WHERE status = 'failed' AND target_table = ? AND NOT EXISTS ("
        "   SELECT 1 FROM raw.ingest_manifest AS l"
        "   WHERE l.status = 'loaded' AND (l.checksum = m.checksum"
        "     OR (l.file_path = m.file_path AND l.finished_at > m.finished_at)))"
        " QUALIFY row_number() OVER (PARTITION BY checksum ORDER BY finished_at DESC) = 1"
        " ORDER BY file_path",
        [table],
    )
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


@_on_each_raw_table(
    "great_expectations_on_latest_load",
    lambda table: (
        f"The contract's Great Expectations suite on the rows of the latest load into "
        f"{table} (a sample when large); each expectation's failing rows are counted."
    ),
)
def expectation_checks(
    orderlens: OrderlensResource, table: str, key: dg.AssetKey
) -> dg.AssetCheckResult:
    from orderlens.ingest.expectations import validate_loaded_batch

    latest = read_warehouse(
        orderlens, f"SELECT load_id FROM {table} ORDER BY event_seq DESC LIMIT 1"
    )
    if not latest:
        return dg.AssetCheckResult(passed=True, description=f"{table} is empty")
    report = validate_loaded_batch(orderlens.settings(), latest[0][0], RAW_TARGETS[key])
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


quarantine_checks = [*_quarantined_rows_checks, *_failed_files_checks]
