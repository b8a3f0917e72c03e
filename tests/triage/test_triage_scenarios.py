"""End to end on simulated warehouses: the model beats the rules baseline on a later
period and on a scenario it never saw; the detector finds the holiday peak's causes and
stays quiet on the baseline; the queue covers every open exception; the CLI prints it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from click.testing import CliRunner

from orderlens.cli import main
from orderlens.reference import load_reference
from orderlens.triage.model import InsufficientHistoryError, ModelParameters, model_version
from orderlens.triage.recommendations import load_policy
from orderlens.triage.scenario_evaluation import (
    cross_scenario_backtest,
    spike_report,
    time_split_backtest,
)
from orderlens.triage.spike_detection import detect_spikes
from orderlens.triage.watched_events import load_watched_events
from orderlens.triage.work_queue import (
    score_open_exceptions,
    train_on_warehouse,
    training_snapshots,
)
from orderlens.warehouse import connect

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC)


def test_time_split_backtest_model_beats_rules_baseline_on_the_later_period(baseline_warehouse):
    backtest = time_split_backtest("baseline", baseline_warehouse.settings, trained_at=NOW)
    assert backtest.train_window[1] < backtest.test_window[0]
    assert backtest.model.auc > backtest.baseline.auc
    assert backtest.model.brier < backtest.baseline.brier


def test_cross_scenario_backtest_model_beats_rules_baseline_on_an_unseen_scenario(
    baseline_warehouse, holiday_peak_warehouse
):
    backtest = cross_scenario_backtest(baseline_warehouse, holiday_peak_warehouse, trained_at=NOW)
    assert backtest.model.auc > backtest.baseline.auc
    assert backtest.model.precision_at_top > backtest.baseline.precision_at_top


def test_detect_spikes_fires_on_the_holiday_peak_causes_and_not_on_its_controls(
    holiday_peak_warehouse,
):
    with connect(holiday_peak_warehouse.settings.warehouse_path, read_only=True) as con:
        alerts = detect_spikes(load_watched_events(con))
    primary = alerts[alerts["echo_of"].isna()]
    fired = set(zip(primary["dimension"], primary["value"], strict=True))
    assert ("channel", "web") in fired
    assert ("supplier", "SUP-007") in fired
    assert ("interface", "TMS->OMS:tracking_update") in fired
    controls = {("channel", "store"), ("channel", "call_center"), ("supplier", "SUP-001")}
    assert not fired & controls


def test_spike_report_detects_every_injected_holiday_peak_cause_with_its_delay(
    holiday_peak_warehouse,
):
    truth = json.loads(holiday_peak_warehouse.ground_truth.read_text())["injected_causes"]
    report = spike_report(holiday_peak_warehouse)
    causes = {cause["cause"]: cause for cause in report["causes"]}
    assert set(causes) == {cause["name"] for cause in truth}
    for cause in truth:
        scored = causes[cause["name"]]
        assert scored["detected"], (cause["name"], report["alert_lines"])
        named = [*cause["values"], cause.get("interface") or ""]
        assert any(value and value in scored["alert"] for value in named), scored["alert"]
        onset = datetime.fromisoformat(cause["start"])
        first_alert = datetime.fromisoformat(scored["first_alert_at"])
        assert scored["delay_hours"] == round((first_alert - onset).total_seconds() / 3600, 1)
        assert first_alert <= datetime.fromisoformat(cause["end"]) + timedelta(days=2)
    assert causes["carrier_api_timeouts"]["delay_hours"] <= 12
    assert causes["inaccurate_store_inventory"]["delay_hours"] <= 21 * 24


def test_spike_report_raises_no_alarm_on_the_baseline(baseline_warehouse):
    report = spike_report(baseline_warehouse)
    assert report["false_alarms"] == 0, report["alert_lines"]


def test_score_open_exceptions_ranks_every_open_exception_with_reasons(baseline_warehouse):
    with connect(baseline_warehouse.settings.warehouse_path, read_only=True) as con:
        model = train_on_warehouse(con, trained_at=NOW)
        queue = score_open_exceptions(
            con, model, load_policy(), load_reference().exception_taxonomy, scored_at=NOW
        )
        open_ids = {
            row[0]
            for row in con.execute(
                "SELECT exception_id FROM marts.fct_exceptions WHERE is_open"
            ).fetchall()
        }
        training = training_snapshots(con)
    assert set(queue["exception_id"]) == open_ids
    assert list(queue["priority_rank"]) == list(range(1, len(queue) + 1))
    assert queue["priority"].is_monotonic_decreasing
    assert queue["risk"].between(0, 1).all()
    assert queue["explanation"].str.len().gt(0).all()
    assert (queue["model_version"] == model.version).all()
    assert model.version == model_version(training, ModelParameters())
    assert model.version != model_version(training, ModelParameters(max_iter=81))


def test_train_risk_model_refuses_a_history_with_one_outcome(baseline_warehouse):
    with connect(baseline_warehouse.settings.warehouse_path, read_only=True) as con:
        training = training_snapshots(con)
    from orderlens.triage.model import train_risk_model

    with pytest.raises(InsufficientHistoryError, match="both breached and met"):
        train_risk_model(training[~training["will_breach"]], trained_at=NOW)


def test_triage_commands_train_score_and_evaluate_as_json(baseline_warehouse, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "warehouse.duckdb").write_bytes(
        baseline_warehouse.settings.warehouse_path.read_bytes()
    )
    env = {"ORDERLENS_DATA_DIR": str(data_dir)}
    runner = CliRunner()
    trained = runner.invoke(main, ["triage", "train"], env=env)
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(main, ["triage", "score"], env=env)
    assert scored.exit_code == 0, scored.output
    evaluated = runner.invoke(main, ["triage", "evaluate", "--json"], env=env)
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    backtest = report["backtests"][0]
    assert backtest["model"]["auc"] > backtest["baseline"]["auc"]
    assert backtest["gain_over_baseline"]["auc"] == pytest.approx(
        backtest["model"]["auc"] - backtest["baseline"]["auc"]
    )
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    audit = con.execute(
        "SELECT count(*), count(DISTINCT model_version) FROM triage.audit_log"
    ).fetchall()[0]
    scores = con.execute("SELECT count(*) FROM triage.exception_risk_scores").fetchall()[0][0]
    con.close()
    assert audit == (scores, 1)
