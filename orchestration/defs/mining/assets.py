"""Process-mining assets: pm4py results written to the warehouse's ``mining`` schema."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orderlens.warehouse import connect
from process_mining.event_log import EventLog
from process_mining.variants import discover_variants

MINING_GROUP = "mining"
OWNER = "team:process-excellence"
STAGED_EVENTS = dg.AssetKey(["staging", "stg_raw__workflow_events"])
MINING_VARIANTS = dg.AssetKey(["mining", "variants"])


@dg.asset(
    key=MINING_VARIANTS,
    deps=[STAGED_EVENTS],
    group_name=MINING_GROUP,
    owners=[OWNER],
    description=(
        "One row per process variant: activities in order, cases, share, throughput times."
    ),
)
def mining_variants(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Discover the variants of the staged log (in SQL, equal to pm4py's) and store them."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        variants = discover_variants(con, EventLog())
        cases, events = con.execute(
            "SELECT count(DISTINCT case_id), count(*) FROM staging.stg_raw__workflow_events"
        ).fetchone()
        con.register("variants_frame", variants)
        con.execute(
            "CREATE OR REPLACE TABLE mining.variants AS "
            "SELECT variant, activities::VARCHAR[] AS activities, case_count::BIGINT AS case_count,"
            " case_share, cumulative_share, mean_throughput_seconds, median_throughput_seconds"
            " FROM variants_frame"
        )
        con.unregister("variants_frame")
    return dg.MaterializeResult(
        metadata={
            "variants": dg.MetadataValue.int(len(variants)),
            "cases": dg.MetadataValue.int(int(cases)),
            "events": dg.MetadataValue.int(int(events)),
        }
    )
