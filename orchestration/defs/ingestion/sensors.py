"""The inbox sensor: a file dropped in ``data/inbox/`` starts the pipeline job."""

import hashlib

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orderlens.ingest import pending_inbox_files

PIPELINE_JOB_NAME = "pipeline"


def inbox_fingerprint(paths: list) -> str:
    """A run key naming exactly this set of file versions (path, size, modification time).

    Dagster starts at most one run per run key, so a sensor tick that sees the same
    pending files as the last one (their run still ingesting) requests nothing new.
    """
    digest = hashlib.sha256()
    for path in sorted(paths):
        status = path.stat()
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    job_name=PIPELINE_JOB_NAME,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the pipeline when files not yet ingested appear in the inbox.",
)
def inbox_sensor(orderlens: OrderlensResource) -> dg.SensorResult:
    """Request one pipeline run for the inbox files whose content is not yet ingested."""
    pending = pending_inbox_files(orderlens.settings())
    if not pending:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new files in the inbox"))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=inbox_fingerprint(pending),
                tags={"orderlens/new_files": str(len(pending))},
            )
        ]
    )
