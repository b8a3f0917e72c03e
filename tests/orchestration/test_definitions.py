"""The code location loads and every asset carries an owner, a group and a description."""

from __future__ import annotations

import dagster as dg


def test_definitions_load_with_the_whole_lineage(definitions):
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "reference/exception_taxonomy",
        "raw/workflow_events",
        "raw/integration_events",
        "staging/stg_raw__workflow_events",
        "marts/fct_exceptions",
        "mining/variants",
        "serving/serving_copy",
    } <= keys
    serving = dg.AssetKey(["serving", "serving_copy"])
    assert dg.AssetKey(["marts", "fct_exceptions"]) in graph.get(serving).parent_keys


def test_definitions_every_materializable_asset_has_owner_group_and_description(definitions):
    graph = definitions.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.owners, key
        assert node.group_name, key
        assert node.description, key
