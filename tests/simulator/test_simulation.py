"""Running a simulation: determinism, workers, sizes and the result it returns."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from orderlens.simulator import SimulationConfig, simulate


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_simulation_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first = simulate(SimulationConfig(orders=1500, out_dir=tmp_path / "a", seed=3))
    second = simulate(SimulationConfig(orders=1500, out_dir=tmp_path / "b", seed=3))
    assert _digests(first.out_dir) == _digests(second.out_dir)
    assert len(_digests(first.out_dir)) == 4


def test_simulation_other_seed_gives_other_events(tmp_path: Path) -> None:
    first = simulate(SimulationConfig(orders=500, out_dir=tmp_path / "a", seed=3))
    second = simulate(SimulationConfig(orders=500, out_dir=tmp_path / "b", seed=4))
    left = pd.read_parquet(first.out_dir / "workflow_events.parquet")
    right = pd.read_parquet(second.out_dir / "workflow_events.parquet")
    assert not left["event_at"].head(50).equals(right["event_at"].head(50))


def test_simulation_output_does_not_depend_on_workers(tmp_path: Path) -> None:
    base = {"orders": 1200, "seed": 5, "chunk_orders": 300}
    alone = simulate(SimulationConfig(out_dir=tmp_path / "one", workers=1, **base))
    pooled = simulate(SimulationConfig(out_dir=tmp_path / "two", workers=2, **base))
    assert _digests(alone.out_dir) == _digests(pooled.out_dir)


def test_simulation_result_counts_the_written_rows(tmp_path: Path) -> None:
    result = simulate(SimulationConfig(orders=800, out_dir=tmp_path, chunk_orders=250))
    workflow = pd.read_parquet(tmp_path / "workflow_events.parquet")
    integration = pd.read_parquet(tmp_path / "integration_events.parquet")
    truth = pd.read_parquet(tmp_path / "ground_truth_exceptions.parquet")
    assert result.orders == workflow["case_id"].nunique() == 800
    assert result.workflow_events == len(workflow)
    assert result.integration_events == len(integration)
    assert result.exceptions == len(truth)
    assert set(result.files) == set(tmp_path.iterdir())


def test_simulation_orders_fall_inside_the_window(tmp_path: Path) -> None:
    simulate(SimulationConfig(orders=600, out_dir=tmp_path, start=date(2025, 11, 3), days=7))
    workflow = pd.read_parquet(tmp_path / "workflow_events.parquet")
    created = workflow.loc[workflow["activity"] == "Order Created", "event_at"]
    assert created.min() >= pd.Timestamp("2025-11-03", tz="UTC")
    assert workflow["event_at"].max() <= pd.Timestamp("2025-11-10", tz="UTC")


def test_simulation_rejects_impossible_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="orders must be at least 1"):
        SimulationConfig(orders=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="days must be at least 1"):
        SimulationConfig(orders=5, out_dir=tmp_path, days=0)
