"""Asset checks evaluated directly on small hand-built warehouses."""

import dagster as dg

from orchestration.defs.resources import SettingsResource
from orchestration.defs.transform.checks import exception_class_spike_alert
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
