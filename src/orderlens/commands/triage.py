"""``orderlens triage``: train the SLA-breach risk model, score the queue, evaluate both.

``train`` and ``score`` work on the warehouse of ``ORDERLENS_DATA_DIR`` (the same steps
the Dagster assets run); ``evaluate`` backtests on that warehouse, or, with
``--scenario``, simulates a training scenario and the named test scenarios into a
scratch folder and judges the model and the spike detector there.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from orderlens.cli import command_settings


def _print_backtest(backtest: dict) -> None:
    model, baseline, gain = backtest["model"], backtest["baseline"], backtest["gain_over_baseline"]
    click.echo(
        f"{backtest['name']}: {backtest['test_rows']} test snapshots of "
        f"{backtest['test_exceptions']} exceptions, breach rate {backtest['test_breach_rate']:.1%}"
    )
    click.echo(
        f"  model    AUC {model['auc']:.3f}  precision@top10% {model['precision_at_top']:.1%}  "
        f"Brier {model['brier']:.4f}"
    )
    click.echo(
        f"  baseline AUC {baseline['auc']:.3f}  "
        f"precision@top10% {baseline['precision_at_top']:.1%}  "
        f"Brier {baseline['brier']:.4f}"
    )
    click.echo(
        f"  gain     AUC {gain['auc']:+.3f}  precision {gain['precision_at_top']:+.1%}  "
        f"Brier {gain['brier_reduction']:+.4f} (positive = model better)"
    )


@click.group("triage")
def command() -> None:
    """AI-assisted triage: SLA-breach risk, work queue, alerts (see docs/triage.md)."""


@command.command("train")
def train() -> None:
    """Train the risk model on the warehouse's labelled history and save it."""
    from orderlens.triage.model import save_model
    from orderlens.triage.store import record_model
    from orderlens.triage.work_queue import train_on_warehouse
    from orderlens.warehouse import connect

    settings = command_settings()
    with connect(settings.warehouse_path) as con:
        model = train_on_warehouse(con, trained_at=datetime.now(UTC))
        path = save_model(model, settings.models_dir)
        record_model(con, model, path)
    click.echo(
        f"model {model.version}: {model.training_exceptions} exceptions, "
        f"{model.training_rows} snapshots, breach share {model.breach_share:.1%}; saved to {path}"
    )


@command.command("score")
@click.option("--policy", "policy_file", type=click.Path(exists=True, path_type=Path))
def score(policy_file: Path | None) -> None:
    """Score every open exception with the saved model, write the queue and the audit log."""
    from orderlens.reference import load_reference
    from orderlens.triage.model import load_model
    from orderlens.triage.recommendations import load_policy
    from orderlens.triage.store import append_audit, write_scores
    from orderlens.triage.work_queue import score_open_exceptions
    from orderlens.warehouse import connect

    settings = command_settings()
    model = load_model(settings.models_dir)
    policy = load_policy(policy_file)
    now = datetime.now(UTC)
    with connect(settings.warehouse_path) as con:
        queue = score_open_exceptions(
            con,
            model,
            policy,
            load_reference(settings.reference_file).exception_taxonomy,
            scored_at=now,
        )
        write_scores(con, queue)
        append_audit(con, queue, logged_at=now)
    modes = queue["action_mode"].value_counts().to_dict() if len(queue) else {}
    click.echo(f"scored {len(queue)} open exceptions with model {model.version}: {modes}")


@command.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="Simulate this test scenario (repeatable); the model is trained on --train-scenario.",
)
@click.option("--train-scenario", default="baseline", show_default=True)
@click.option("--orders", default=3000, show_default=True, type=click.IntRange(min=100))
@click.option("--days", default=60, show_default=True, type=click.IntRange(min=14))
@click.option("--seed", default=5, show_default=True, type=int)
def evaluate(
    as_json: bool,
    scenarios: tuple[str, ...],
    train_scenario: str,
    orders: int,
    days: int,
    seed: int,
) -> None:
    """Backtest the model against the rules baseline (and score spikes on scenarios)."""
    from orderlens.triage.scenario_evaluation import evaluate_scenarios, time_split_backtest

    if scenarios:
        with tempfile.TemporaryDirectory(prefix="orderlens-triage-") as scratch:
            report = evaluate_scenarios(
                list(scenarios),
                Path(scratch),
                train_scenario=train_scenario,
                orders=orders,
                days=days,
                seed=seed,
            )
    else:
        settings = command_settings()
        backtest = time_split_backtest(
            "time split on the warehouse", settings, trained_at=datetime.now(UTC)
        )
        report = {"backtests": [backtest.to_dict()], "spikes": []}
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    for backtest in report["backtests"]:
        _print_backtest(backtest)
    for spikes in report["spikes"]:
        click.echo(
            f"spikes on {spikes['scenario']}: {spikes['alerts']} alerts, "
            f"{spikes['false_alarms']} matching no injected cause"
        )
        for cause in spikes["causes"]:
            found = (
                f"detected {cause['delay_hours']} h after onset: {cause['alert']}"
                if cause["detected"]
                else "NOT detected"
            )
            click.echo(f"  {cause['cause']} ({cause['dimension']} {cause['values']}): {found}")
