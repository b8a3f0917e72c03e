"""Checks on the published serving copy: it opens, and it is fresh."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orchestration.defs.serving.assets import SERVING_COPY
from orderlens.warehouse import CorruptWarehouseError, connect

MAX_AGE = timedelta(hours=2)
"""The hourly schedule publishes every hour; two hours without one means it is stuck."""


@dg.asset_check(
    asset=SERVING_COPY,
    description="The serving copy opens read-only and was published within the last two hours.",
)
def serving_copy_is_fresh(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Pass when the published file opens and its publication is recent."""
    path = orderlens.settings().serving_path
    try:
        with connect(path, read_only=True) as con:
            (published_at,) = con.execute(
                "SELECT max(published_at) FROM meta.publication"
            ).fetchone()
    except (CorruptWarehouseError, FileNotFoundError) as error:
        return dg.AssetCheckResult(passed=False, description=str(error))
    age = datetime.now(UTC) - published_at
    return dg.AssetCheckResult(
        passed=age <= MAX_AGE,
        metadata={
            "published_at": dg.MetadataValue.text(published_at.isoformat()),
            "age_minutes": dg.MetadataValue.float(round(age.total_seconds() / 60, 1)),
        },
    )
