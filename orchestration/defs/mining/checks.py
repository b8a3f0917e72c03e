"""Sanity checks on mining outputs."""

import dagster as dg

from orchestration.defs.mining.assets import MINING_CONFORMANCE, MINING_VARIANTS
from orchestration.defs.resources import OrderlensResource
from orchestration.defs.warehouse_checks import read_warehouse
from process_mining.event_log import PROCESS_EVENTS


@dg.asset_check(asset=MINING_VARIANTS, blocking=True)
def variant_cases_add_up(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Every case follows exactly one variant: variant case counts sum to the cases of the
    events the analyses read (lifecycle transitions treated as the settings say)."""
    ((in_variants, in_log),) = read_warehouse(
        orderlens,
        "SELECT (SELECT coalesce(sum(case_count), 0) FROM mining.variants),"
        f" (SELECT count(DISTINCT case_id) FROM {PROCESS_EVENTS})",
    )
    return dg.AssetCheckResult(
        passed=int(in_variants) == int(in_log),
        metadata={"cases_in_variants": int(in_variants), "cases_in_log": int(in_log)},
    )


@dg.asset_check(asset=MINING_CONFORMANCE)
def conformance_fitness_is_a_share(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Alignment fitness lies in [0, 1] and a variant conforms exactly when it fits fully.

    When no fitness was measured (the model shares no activity with the log), there is no
    figure to be wrong: the check passes and carries the reason.
    """
    ((out_of_range, inconsistent, unmeasured_reason),) = read_warehouse(
        orderlens,
        "SELECT count(*) FILTER (WHERE fitness < 0 OR fitness > 1),"
        " count(*) FILTER (WHERE is_conforming <> (fitness = 1)),"
        " (SELECT unmeasured_reason FROM mining.conformance_model)"
        " FROM mining.conformance_variants",
    )
    metadata: dict[str, object] = {
        "out_of_range": int(out_of_range),
        "inconsistent": int(inconsistent),
    }
    if unmeasured_reason is not None:
        metadata["no_fitness_because"] = unmeasured_reason
    return dg.AssetCheckResult(
        passed=out_of_range == 0 and inconsistent == 0,
        metadata=metadata,
        description=f"no fitness measured: {unmeasured_reason}" if unmeasured_reason else None,
    )
