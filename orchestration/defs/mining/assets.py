"""Process-mining assets: pm4py results written to the warehouse's ``mining`` schema."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orderlens.warehouse import connect
from process_mining.variants import discover_variants_with_pm4py

MINING_GROUP = "mining"
OWNER = "team:process-excellence"
STAGED_EVENTS = dg.AssetKey(["staging", "stg_raw__workflow_events"])
MINING_VARIANTS = dg.AssetKey(["mining", "variants"])


@dg.asset(
    key=MINING_VARIANTS,
    deps=[STAGED_EVENTS],
    group_name=MINING_GROUP,
    owners=[OWNER],
    description="One row per process variant (pm4py): activities in order, cases, share.",
)
def mining_variants(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Discover the variants of the staged log with pm4py and store them."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        events = con.execute(
            "SELECT case_id, activity, event_at FROM staging.stg_raw__workflow_events "
            "ORDER BY case_id, event_at, event_seq"
        ).df()
        variants = discover_variants_with_pm4py(events)
        cases = events["case_id"].nunique()
        con.register("variants_frame", variants)
        con.execute(
            "CREATE OR REPLACE TABLE mining.variants AS "
            "SELECT variant, activities::VARCHAR[] AS activities, case_count::BIGINT AS case_count,"
            " case_share FROM variants_frame"
        )
        con.unregister("variants_frame")
    return dg.MaterializeResult(
        metadata={
            "variants": dg.MetadataValue.int(len(variants)),
            "cases": dg.MetadataValue.int(int(cases)),
            "events": dg.MetadataValue.int(len(events)),
        }
    )
