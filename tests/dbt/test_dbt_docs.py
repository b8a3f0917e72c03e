"""``dbt docs generate`` works on a built warehouse and documents the analysts' marts."""

from __future__ import annotations

import json

import pytest
from fixture_warehouse import BuiltWarehouse

from orderlens.dbt_runner import run_dbt


@pytest.mark.slow
def test_dbt_docs_generate_catalogs_every_mart_with_its_columns(
    built_warehouse: BuiltWarehouse,
) -> None:
    run_dbt(built_warehouse.settings, ["docs", "generate"])
    target = built_warehouse.settings.dbt_target_dir
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    marts = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    cataloged = {
        node["metadata"]["name"]: set(node["columns"])
        for node in catalog["nodes"].values()
        if node["metadata"]["schema"] == "marts"
    }
    assert set(cataloged) == set(marts)
    assert {"fct_orders", "fct_exceptions", "agg_variants", "fct_case_traces"} <= set(marts)
    for name, node in marts.items():
        assert node["description"], name
        documented = set(node["columns"])
        assert documented <= cataloged[name], name
    assert (target / "index.html").exists()
