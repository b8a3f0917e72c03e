"""The serving copy: published only after everything upstream, checks included, passed."""

import dagster as dg

from orchestration.defs.resources import OrderlensResource
from orderlens.warehouse import publish_serving_copy

SERVING_COPY = dg.AssetKey(["serving", "serving_copy"])


def build_serving_copy_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publishing asset, depending on every mart and mining table it copies."""

    @dg.asset(
        key=SERVING_COPY,
        deps=upstream,
        group_name="serving",
        owners=["team:data-engineering"],
        description=(
            "Read-only copy of marts, mining and reference tables (serving.duckdb), "
            "replaced atomically so the dashboard never sees a half-built warehouse."
        ),
    )
    def serving_copy(orderlens: OrderlensResource) -> dg.MaterializeResult:
        result = publish_serving_copy(orderlens.settings())
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "tables": dg.MetadataValue.int(len(result.row_counts)),
                "rows": dg.MetadataValue.int(sum(result.row_counts.values())),
                "published_at": dg.MetadataValue.text(result.published_at.isoformat()),
            }
        )

    return serving_copy
