"""Assets that load source files and reference data into the warehouse.

They only move data: reading, validation, quarantine and exactly-once loading live in
``orderlens.ingest``; the reference data in ``orderlens.reference``.

An inbox file that cannot be read (rejected) fails the ingestion step. One that was read
but failed validation as a whole (more records invalid than valid, see
``orderlens.ingest.failures``) does not stop the run for the other files: it is logged
as a warning, listed with its reason and fix in the raw table's ``files_failed``
metadata, and the ``no_file_failed_validation`` check fails until it is loaded.
"""

import time

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.resources import OrderlensResource
from orderlens.contract import REFERENCE_MODELS, IntegrationEvent, WorkflowEvent
from orderlens.ingest import FileStatus, ingest_paths, pending_inbox_files
from orderlens.warehouse import connect, initialize_warehouse

INGESTION_GROUP = "ingestion"
REFERENCE_GROUP = "reference"
OWNER = "team:data-engineering"

RAW_WORKFLOW_EVENTS = dg.AssetKey(["raw", "workflow_events"])
RAW_INTEGRATION_EVENTS = dg.AssetKey(["raw", "integration_events"])


def _table_key(model: type) -> dg.AssetKey:
    table = model.__table__
    return dg.AssetKey([table.schema, table.name])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            _table_key(model),
            group_name=REFERENCE_GROUP,
            owners=[OWNER],
            description=(model.__doc__ or "").strip().splitlines()[0],
        )
        for model in REFERENCE_MODELS
    ],
)
def reference_tables(orderlens: OrderlensResource):
    """Create the warehouse layout and rewrite the reference data from the settings."""
    settings = orderlens.settings()
    initialize_warehouse(settings)
    with connect(settings.warehouse_path, read_only=True) as con:
        for model in REFERENCE_MODELS:
            key = _table_key(model)
            count = con.execute(f"SELECT count(*) FROM {'.'.join(key.path)}").fetchone()
            yield dg.MaterializeResult(
                asset_key=key, metadata={"rows": dg.MetadataValue.int(int(count[0]))}
            )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_WORKFLOW_EVENTS,
            group_name=INGESTION_GROUP,
            owners=[OWNER],
            description=WorkflowEvent.__doc__,
            deps=[_table_key(model) for model in REFERENCE_MODELS],
        ),
        dg.AssetSpec(
            RAW_INTEGRATION_EVENTS,
            group_name=INGESTION_GROUP,
            owners=[OWNER],
            description=IntegrationEvent.__doc__,
            deps=[_table_key(model) for model in REFERENCE_MODELS],
        ),
    ],
)
def raw_events(context: AssetExecutionContext, orderlens: OrderlensResource):
    """Ingest every inbox file not yet loaded; a re-run with no new file changes nothing."""
    settings = orderlens.settings()
    started = time.perf_counter()
    pending = pending_inbox_files(settings)
    report = ingest_paths(settings, pending)
    for result in report.files:
        if result.notice:
            context.log.warning(result.notice)
        line = f"{result.path}: {result.status} ({result.message})"
        if result.status is FileStatus.FAILED:
            context.log.warning(line)
        else:
            context.log.info(line)
    rejected = [str(result.path) for result in report.files if result.status is FileStatus.REJECTED]
    if rejected:
        raise dg.Failure(
            description=f"{len(rejected)} inbox file(s) rejected: {', '.join(rejected)}",
            metadata={"rejected": dg.MetadataValue.json(report.to_dict())},
        )
    duration = time.perf_counter() - started
    with connect(settings.warehouse_path, read_only=True) as con:
        for key in (RAW_WORKFLOW_EVENTS, RAW_INTEGRATION_EVENTS):
            table = ".".join(key.path)
            total = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "rows": dg.MetadataValue.int(int(total[0])),
                    "files_ingested": dg.MetadataValue.int(len(pending)),
                    "rows_loaded_this_run": dg.MetadataValue.int(
                        sum(r.loaded for r in report.files if r.table == table)
                    ),
                    "rows_quarantined_this_run": dg.MetadataValue.int(
                        sum(r.quarantined for r in report.files if r.table == table)
                    ),
                    "duration_seconds": dg.MetadataValue.float(round(duration, 3)),
                    "files_failed": dg.MetadataValue.json(
                        {
                            r.path: r.message
                            for r in report.files
                            if r.status is FileStatus.FAILED and r.table == table
                        }
                    ),
                },
            )
