"""The whole asset graph, materialized for real into a temporary data directory."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from orderlens.warehouse import connect

pytestmark = pytest.mark.slow


def _simulated(published_demo, name: str) -> pd.DataFrame:
    return pd.read_parquet(published_demo.simulation_dir / f"{name}.parquet")


def test_pipeline_materializes_every_stage_from_inbox_to_serving_copy(published_demo):
    assert published_demo.run_success
    for asset in (
        "raw/workflow_events",
        "raw/integration_events",
        "staging/stg_raw__workflow_events",
        "marts/fct_exceptions",
        "mining/variants",
        "serving/serving_copy",
    ):
        assert asset in published_demo.materialized


def test_pipeline_raw_row_counts_equal_the_simulated_files(published_demo):
    workflow = _simulated(published_demo, "workflow_events")
    integration = _simulated(published_demo, "integration_events")
    with connect(published_demo.settings.warehouse_path, read_only=True) as con:
        (raw_workflow,) = con.execute("SELECT count(*) FROM raw.workflow_events").fetchone()
        (raw_integration,) = con.execute("SELECT count(*) FROM raw.integration_events").fetchone()
    assert raw_workflow == len(workflow)
    assert raw_integration == len(integration)


def test_pipeline_fct_exceptions_has_one_row_per_simulated_exception(published_demo):
    workflow = _simulated(published_demo, "workflow_events")
    expected = workflow["exception_id"].dropna().nunique()
    assert expected > 0
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        (published,) = con.execute("SELECT count(*) FROM marts.fct_exceptions").fetchone()
        (distinct,) = con.execute(
            "SELECT count(DISTINCT exception_id) FROM marts.fct_exceptions"
        ).fetchone()
    assert published == expected
    assert distinct == expected


def test_pipeline_variants_cover_every_simulated_order_once(published_demo):
    workflow = _simulated(published_demo, "workflow_events")
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        (cases,) = con.execute("SELECT sum(case_count) FROM mining.variants").fetchone()
        (share,) = con.execute("SELECT sum(case_share) FROM mining.variants").fetchone()
    assert cases == workflow["case_id"].nunique()
    assert share == pytest.approx(1.0)


def test_pipeline_rerun_with_no_new_file_changes_no_count(published_demo):
    from orchestration.run import run_pipeline

    settings = published_demo.settings

    def counts() -> tuple[int, int, int]:
        with connect(settings.serving_path, read_only=True) as serving:
            (exceptions,) = serving.execute("SELECT count(*) FROM marts.fct_exceptions").fetchone()
        with connect(settings.warehouse_path, read_only=True) as warehouse:
            (events,) = warehouse.execute("SELECT count(*) FROM raw.workflow_events").fetchone()
            (messages,) = warehouse.execute(
                "SELECT count(*) FROM raw.integration_events"
            ).fetchone()
        return events, messages, exceptions

    before = counts()
    saved = dict(os.environ)
    try:
        again = run_pipeline(settings)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert again.success
    assert counts() == before


def test_pipeline_measures_the_retail_simulation_against_the_retail_reference(published_demo):
    from process_mining.conformance import get_reference_model

    workflow = _simulated(published_demo, "workflow_events")
    share = workflow["activity"].isin(get_reference_model().activities).mean()
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        source, retail_share, fitness, unmeasured = con.execute(
            "SELECT source, retail_event_share, fitness, unmeasured_reason"
            " FROM mining.conformance_model"
        ).fetchone()
        (weighted,) = con.execute(
            "SELECT sum(fitness * case_count) / sum(case_count) FROM mining.conformance_variants"
        ).fetchone()
    assert source == "retail_reference"
    assert retail_share == pytest.approx(share)
    assert unmeasured is None
    assert 0 < fitness < 1
    assert weighted == pytest.approx(fitness)
