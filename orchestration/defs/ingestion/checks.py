"""Checks on the raw tables: how many input rows validation rejected, counted, not hidden."""

import dagster as dg

from orchestration.defs.ingestion.assets import RAW_INTEGRATION_EVENTS, RAW_WORKFLOW_EVENTS
from orchestration.defs.resources import OrderlensResource
from orderlens.warehouse import connect

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


quarantine_checks = [
    _quarantine_check(RAW_WORKFLOW_EVENTS),
    _quarantine_check(RAW_INTEGRATION_EVENTS),
]
