"""Backtests and spike scoring on simulated scenarios, end to end.

The simulator's scenarios are the one place where the truth is known: each is simulated
into its own data directory, ingested and built with dbt exactly as a user's data would
be, and then the triage model is judged on it. The model is trained on one scenario
(``baseline`` by default) and tested on another it never saw; the spike detector is
scored on the test scenario's injected causes and its false alarms are counted on the
training scenario, which has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from orderlens.settings import Settings
from orderlens.simulator.ground_truth import SUMMARY_FILE, read_injected_causes
from orderlens.triage.evaluation import Backtest, run_backtest, time_split
from orderlens.triage.features import build_snapshots, history_window, snapshot_times
from orderlens.triage.spike_detection import detect_spikes
from orderlens.triage.spike_evaluation import score_against_ground_truth
from orderlens.triage.watched_events import load_watched_events
from orderlens.triage.work_queue import SNAPSHOT_EVERY, training_snapshots
from orderlens.warehouse import connect

TIME_SPLIT_SHARE = 0.6
"""Time-based backtests train on the first 60 % of the history and test on the rest."""


@dataclass(frozen=True)
class ScenarioWarehouse:
    """A simulated scenario built into its own data directory."""

    scenario: str
    settings: Settings
    ground_truth: Path


def build_scenario_warehouse(
    scenario: str, directory: Path, *, orders: int, days: int, seed: int
) -> ScenarioWarehouse:
    """Simulate ``scenario`` into ``directory``, ingest it and build the marts with dbt."""
    from orderlens.dbt_runner import run_dbt
    from orderlens.ingest import ingest_paths
    from orderlens.simulator import SimulationConfig, simulate

    settings = Settings(data_dir=directory)
    settings.ensure_dirs()
    out_dir = settings.inbox_dir / scenario
    simulate(
        SimulationConfig(orders=orders, out_dir=out_dir, scenario=scenario, seed=seed, days=days)
    )
    ingest_paths(settings, [out_dir])
    run_dbt(settings, ["build"])
    return ScenarioWarehouse(scenario, settings, out_dir / SUMMARY_FILE)


def all_snapshots(settings: Settings) -> tuple[pd.DataFrame, datetime, datetime]:
    """Every hourly snapshot of a warehouse's history, with its first and last moment."""
    with connect(settings.warehouse_path, read_only=True) as con:
        start, end = history_window(con)
        snapshots = build_snapshots(con, snapshot_times(start, end, every=SNAPSHOT_EVERY))
    return snapshots, start, end


def time_split_backtest(name: str, settings: Settings, *, trained_at: datetime) -> Backtest:
    """Train on the first :data:`TIME_SPLIT_SHARE` of a warehouse's history, test on the rest."""
    snapshots, start, end = all_snapshots(settings)
    split_at = start + (end - start) * TIME_SPLIT_SHARE
    training, test = time_split(snapshots, split_at, end)
    return run_backtest(name, training, test, trained_at=trained_at)


def cross_scenario_backtest(
    train: ScenarioWarehouse, test: ScenarioWarehouse, *, trained_at: datetime
) -> Backtest:
    """Train on all labelled history of one scenario, test on every labelled snapshot of another."""
    with connect(train.settings.warehouse_path, read_only=True) as con:
        training = training_snapshots(con)
    snapshots, _, end = all_snapshots(test.settings)
    labelled = snapshots[snapshots["outcome_known_at"] <= end].reset_index(drop=True)
    return run_backtest(
        f"train {train.scenario} -> test {test.scenario}", training, labelled, trained_at=trained_at
    )


def spike_report(warehouse: ScenarioWarehouse) -> dict[str, object]:
    """Alerts on a scenario scored against its ground truth (false alarms = unmatched alerts)."""
    with connect(warehouse.settings.warehouse_path, read_only=True) as con:
        alerts = detect_spikes(load_watched_events(con))
    causes = read_injected_causes(warehouse.ground_truth)
    scored, false_alarms = score_against_ground_truth(alerts, causes)
    return {
        "scenario": warehouse.scenario,
        "alerts": len(alerts),
        "false_alarms": false_alarms,
        "causes": [
            {
                **record,
                "first_alert_at": (
                    record["first_alert_at"].isoformat()
                    if isinstance(record["first_alert_at"], datetime)
                    else None
                ),
            }
            for record in scored.astype(object).where(scored.notna(), None).to_dict("records")
        ],
        "alert_lines": [
            f"{row.started_at.isoformat()} {row.likely_cause}" for row in alerts.itertuples()
        ],
    }


def evaluate_scenarios(
    test_scenarios: list[str],
    directory: Path,
    *,
    train_scenario: str = "baseline",
    orders: int = 3000,
    days: int = 60,
    seed: int = 5,
) -> dict[str, object]:
    """Build the scenarios, run every backtest and the spike scoring, as one JSON document.

    The training scenario and each test scenario get different seeds, so the test
    scenario's orders are new ones, not the training orders with a cause added.
    """
    trained_at = datetime.now(UTC)
    train = build_scenario_warehouse(
        train_scenario, directory / train_scenario, orders=orders, days=days, seed=seed
    )
    backtests = [
        time_split_backtest(
            f"time split on {train_scenario}", train.settings, trained_at=trained_at
        )
    ]
    spikes = [spike_report(train)]
    for offset, scenario in enumerate(test_scenarios, start=1):
        test = build_scenario_warehouse(
            scenario, directory / scenario, orders=orders, days=days, seed=seed + offset
        )
        backtests.append(cross_scenario_backtest(train, test, trained_at=trained_at))
        backtests.append(
            time_split_backtest(f"time split on {scenario}", test.settings, trained_at=trained_at)
        )
        spikes.append(spike_report(test))
    return {
        "simulation": {"orders": orders, "days": days, "seed": seed, "train": train_scenario},
        "snapshot_every_hours": SNAPSHOT_EVERY / timedelta(hours=1),
        "backtests": [backtest.to_dict() for backtest in backtests],
        "spikes": spikes,
    }
