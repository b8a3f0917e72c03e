"""``orderlens simulate`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from orderlens.cli import main


def test_cli_simulate_writes_files_with_the_given_options(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--orders",
            "300",
            "--scenario",
            "marketplace-payloads",
            "--seed",
            "9",
            "--start",
            "2026-01-05",
            "--days",
            "10",
            "--out",
            str(out),
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "simulated 300 orders" in result.output
    assert {path.name for path in out.iterdir()} == {
        "workflow_events.csv",
        "integration_events.csv",
        "ground_truth.json",
        "ground_truth_exceptions.parquet",
    }
    summary = json.loads((out / "ground_truth.json").read_text())
    assert summary["scenario"] == "marketplace-payloads"
    expected = {"orders": 300, "seed": 9, "start": "2026-01-05", "days": 10}
    assert expected.items() <= summary["parameters"].items()


def test_cli_simulate_defaults_to_the_inbox(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["simulate", "--orders", "50"], env={"ORDERLENS_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inbox" / "workflow_events.parquet").exists()


def test_cli_simulate_rejects_an_unknown_scenario_and_a_bad_date(tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(main, ["simulate", "--scenario", "nope", "--out", str(tmp_path)])
    assert unknown.exit_code == 2
    assert "nope" in unknown.output
    bad_date = runner.invoke(main, ["simulate", "--start", "03/02/2026", "--out", str(tmp_path)])
    assert bad_date.exit_code == 2
    assert "expected a date like 2026-03-02" in bad_date.output


def test_cli_simulate_id_prefix_names_the_orders(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        main, ["simulate", "--orders", "40", "--id-prefix", "MAY", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    cases = pd.read_parquet(out / "workflow_events.parquet")["case_id"].astype(str)
    assert cases.str.fullmatch(r"MAY-\d{8}").all()
    assert json.loads((out / "ground_truth.json").read_text())["parameters"]["id_prefix"] == "MAY"


def test_cli_simulate_rejects_an_id_prefix_with_a_separator(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", "--id-prefix", "A/B", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "id_prefix must be" in result.output
    assert not any(tmp_path.iterdir())
