"""Asset checks evaluated directly on small hand-built warehouses."""

import dagster as dg

from orchestration.defs.resources import SettingsResource
from orchestration.defs.transform.checks import exception_class_spike_alert
from orchestration.defs.triage.checks import risk_scores_cover_open_exceptions, triage_spike_alert
from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse


def _warehouse_with_daily_exceptions(tmp_path, counts: list[int]) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    initialize_warehouse(settings)
    rows = [
        f"('x-{day}-{n}', 'carrier', TIMESTAMPTZ '2026-03-01 12:00:00+00' + INTERVAL {day} DAY)"
        for day, count in enumerate(counts)
        for n in range(count)
    ]
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.fct_exceptions (exception_id VARCHAR, exception_class VARCHAR,"
            " exception_type VARCHAR, detected_at TIMESTAMPTZ)"
        )
        con.execute(
            "INSERT INTO marts.fct_exceptions (exception_id, exception_class, detected_at)"
            f" VALUES {', '.join(rows)}"
        )
    return settings


def _evaluate(settings: Settings) -> dg.AssetCheckResult:
    context = dg.build_asset_check_context(resources={"orderlens": SettingsResource(settings)})
    return exception_class_spike_alert(context)


def test_spike_alert_fails_when_the_latest_day_spikes(tmp_path):
    result = _evaluate(_warehouse_with_daily_exceptions(tmp_path, [4] * 14 + [30]))
    assert result.passed is False
    assert "carrier opened 30 on 2026-03-15" in result.description


def test_spike_alert_ignores_an_old_spike_already_raised(tmp_path):
    result = _evaluate(_warehouse_with_daily_exceptions(tmp_path, [4] * 14 + [30] + [4] * 5))
    assert result.passed is True


def _triage_warehouse(tmp_path, *, alerts: list[str], scored: list[str]) -> Settings:
    """Two exceptions, one open (x-open) as of 2026-03-10 12:00; the given alert rows and
    risk scores."""
    settings = Settings(data_dir=tmp_path / "data")
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE SCHEMA triage")
        con.execute(
            "CREATE TABLE marts.fct_exceptions AS SELECT * FROM (VALUES"
            " ('x-open', TRUE, TIMESTAMPTZ '2026-03-10 12:00:00+00'),"
            " ('x-done', FALSE, TIMESTAMPTZ '2026-03-10 12:00:00+00'))"
            " AS t(exception_id, is_open, as_of_at)"
        )
        con.execute(
            "CREATE TABLE triage.alerts (started_at TIMESTAMPTZ, last_alert_at TIMESTAMPTZ,"
            " likely_cause VARCHAR)"
        )
        for row in alerts:
            con.execute(f"INSERT INTO triage.alerts VALUES ({row})")
        con.execute("CREATE TABLE triage.exception_risk_scores (exception_id VARCHAR, risk DOUBLE)")
        for exception_id in scored:
            con.execute("INSERT INTO triage.exception_risk_scores VALUES (?, 0.4)", [exception_id])
    return settings


def _evaluate_check(check, settings: Settings) -> dg.AssetCheckResult:
    context = dg.build_asset_check_context(resources={"orderlens": SettingsResource(settings)})
    return check(context)


def test_triage_spike_alert_warns_only_about_alerts_of_the_last_day(tmp_path):
    settings = _triage_warehouse(
        tmp_path,
        alerts=[
            "'2026-03-10 02:00:00+00', '2026-03-10 09:00:00+00', 'carrier C2 late'",
            "'2026-03-01 02:00:00+00', '2026-03-01 05:00:00+00', 'node N1 short'",
        ],
        scored=[],
    )
    result = _evaluate_check(triage_spike_alert, settings)
    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.description == "since 2026-03-10 02:00: carrier C2 late"


def test_triage_spike_alert_passes_without_a_current_alert(tmp_path):
    settings = _triage_warehouse(
        tmp_path,
        alerts=["'2026-03-01 02:00:00+00', '2026-03-01 05:00:00+00', 'node N1 short'"],
        scored=[],
    )
    result = _evaluate_check(triage_spike_alert, settings)
    assert result.passed is True
    assert result.description == "no current spike"


def test_risk_scores_cover_open_exceptions_fails_when_an_exception_is_scored_twice(tmp_path):
    covered = _triage_warehouse(tmp_path / "covered", alerts=[], scored=["x-open"])
    assert _evaluate_check(risk_scores_cover_open_exceptions, covered).passed is True
    twice = _triage_warehouse(tmp_path / "twice", alerts=[], scored=["x-open", "x-open"])
    assert _evaluate_check(risk_scores_cover_open_exceptions, twice).passed is False
