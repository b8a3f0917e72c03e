"""KPI cards judge change and target in the right direction and write units."""

from __future__ import annotations

from dashboard.kpis import KPIS, KpiDefinition, compare_kpi, format_value

ON_TIME = next(definition for definition in KPIS if definition.key == "on_time_delivery_rate")
BACKLOG = next(definition for definition in KPIS if definition.key == "open_backlog")
FIRST_RESPONSE = next(k for k in KPIS if k.key == "median_first_response_minutes")


def test_compare_kpi_rising_on_time_rate_is_better_and_misses_a_95_percent_target():
    comparison = compare_kpi(ON_TIME, 0.90, 0.85)
    assert comparison.value_text == "90.0%"
    assert comparison.change_text == "+5.0 pts vs previous period (better)"
    assert (comparison.movement, comparison.verdict) == ("up", "better")
    assert comparison.target_text == "target ≥ 95.0%: missed"
    assert comparison.meets_target is False


def test_compare_kpi_rising_backlog_is_worse_and_has_no_fixed_target():
    comparison = compare_kpi(BACKLOG, 120, 100)
    assert comparison.change_text == "+20 vs previous period (worse)"
    assert comparison.verdict == "worse"
    assert comparison.target_text == "no fixed target"
    assert comparison.meets_target is None


def test_compare_kpi_falling_response_time_meets_a_lower_is_better_target():
    comparison = compare_kpi(FIRST_RESPONSE, 25.0, 40.0)
    assert comparison.change_text == "-15.0 min vs previous period (better)"
    assert comparison.meets_target is True
    assert comparison.target_text == "target ≤ 30.0 min: met"


def test_compare_kpi_without_a_previous_value_says_so():
    comparison = compare_kpi(ON_TIME, 0.9, None)
    assert comparison.change_text == "no previous period to compare"
    assert comparison.verdict == "flat"
    assert compare_kpi(ON_TIME, None, None).value_text == "—"


def test_format_value_writes_each_unit():
    cost = KpiDefinition("c", "Cost", "currency", higher_is_better=False)
    assert format_value(1234.5, cost.unit) == "$1,234"
    assert format_value(3.25, "hours") == "3.2 h"
    assert format_value(1500, "count") == "1,500"
    assert compare_kpi(cost, 900.0, 1000.0).change_text == "-$100 vs previous period (better)"
