"""Simulation parameters: the shipped defaults and a user's broken copy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from orderlens.reference import load_reference
from orderlens.simulator import SimulationConfig, simulate
from orderlens.simulator.config import load_parameters


def test_config_defaults_cover_every_taxonomy_type() -> None:
    parameters = load_parameters()
    taxonomy = {entry.exception_type for entry in load_reference().exception_taxonomy}
    assert set(parameters.exceptions) == taxonomy
    assert abs(sum(channel.share for channel in parameters.channels.values()) - 1.0) < 1e-9


def test_config_typo_names_the_file_and_key(tmp_path: Path) -> None:
    document = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "src/orderlens/simulator/defaults.yaml").read_text()
    )
    document["exceptions"]["payment_hold"]["rate"] = 1.7
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError, match=r"mine.yaml: exceptions.payment_hold.rate"):
        load_parameters(path)


def test_config_user_parameters_change_the_simulation(tmp_path: Path) -> None:
    document = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "src/orderlens/simulator/defaults.yaml").read_text()
    )
    document["return_rate"] = 0.0
    path = tmp_path / "no_returns.yaml"
    path.write_text(yaml.safe_dump(document))
    result = simulate(SimulationConfig(orders=400, out_dir=tmp_path / "out", parameters_file=path))
    summary = result.ground_truth_path.read_text()
    assert '"Return Received"' not in summary
    assert '"Order Created": 400' in summary


def test_config_zero_rates_give_a_log_without_exceptions(tmp_path: Path) -> None:
    document = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "src/orderlens/simulator/defaults.yaml").read_text()
    )
    for profile in document["exceptions"].values():
        profile["rate"] = 0.0
        profile.pop("store_rate", None)
    path = tmp_path / "calm.yaml"
    path.write_text(yaml.safe_dump(document))
    result = simulate(SimulationConfig(orders=50, out_dir=tmp_path / "out", parameters_file=path))
    assert result.exceptions == 0
    workflow = pd.read_parquet(result.out_dir / "workflow_events.parquet")
    assert workflow["exception_id"].isna().all()
    assert workflow["case_id"].nunique() == 50
    assert len(pd.read_parquet(result.exceptions_truth_path)) == 0


def test_config_unknown_local_carrier_is_rejected(tmp_path: Path) -> None:
    document = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "src/orderlens/simulator/defaults.yaml").read_text()
    )
    document["ship_from_store_carrier"] = "Pony Express"
    path = tmp_path / "pony.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError, match="'Pony Express' is not in carriers"):
        load_parameters(path)
