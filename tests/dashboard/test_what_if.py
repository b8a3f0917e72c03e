"""The what-if projection against plans computed by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.what_if import (
    AutomationPlan,
    Investment,
    annualise,
    payback_months,
    plan_assumptions,
    project_plan,
)

COSTS = pd.DataFrame(
    {
        "exception_type": ["payment_hold", "address_validation_failure", "carrier_delay"],
        "exception_class": ["payment", "customer_data", "carrier"],
        "labor_hours": [2.0, 0.8, 1.2],
        "escalation_cost": [15.0, 0.0, 30.0],
        "expedite_cost": [0.0, 0.0, 18.5],
        "cancellation_cost": [25.0, 0.0, 0.0],
        "refund_leakage_cost": [0.0, 6.0, 0.0],
        "automatable_touch_count": [10, 4, 0],
        "automatable_labor_hours": [2.0, 0.8, 0.0],
        "automatable_escalation_cost": [15.0, 0.0, 0.0],
    }
)
"""Three types: two auto-resolvable (all their touches automatable), carrier delays not."""


def test_project_plan_removes_the_chosen_share_of_automatable_cost_per_class():
    plan = AutomationPlan(
        share_by_class={"payment": 0.5, "carrier": 1.0},
        labor_rate_per_hour=38.0,
        investment=Investment(implementation_cost=1000.0, yearly_run_cost=100.0),
    )
    outcome = project_plan(COSTS, plan, period_days=30)
    # payment_hold: 0.5 * (2 h * 38 + 15) = 45.5; customer data not chosen; carrier delay
    # has nothing automatable.
    assert outcome.savings == pytest.approx(45.5)
    # Baseline: (2 + 0.8 + 1.2) h * 38 = 152, plus 15 + 25 + 6 + 30 + 18.5 = 94.5.
    assert outcome.baseline_cost == pytest.approx(246.5)
    assert outcome.projected_cost == pytest.approx(246.5 - 45.5)
    assert outcome.touches_avoided == pytest.approx(5.0)
    # 45.5 * 365 / 30 = 553.583..., less 100 a year: 12 * 1000 / 453.583... months.
    assert outcome.annualised_savings == pytest.approx(553.5833333)
    assert outcome.net_yearly_benefit == pytest.approx(453.5833333)
    assert outcome.payback_months == pytest.approx(12 * 1000 / 453.5833333)
    per_type = outcome.per_type.set_index("exception_type")
    assert per_type.loc["carrier_delay", "savings"] == 0.0


def test_project_plan_prices_labor_hours_at_the_chosen_rate():
    plan = AutomationPlan(share_by_class={"customer_data": 1.0}, labor_rate_per_hour=76.0)
    outcome = project_plan(COSTS, plan, period_days=365)
    # 4 h * 76 = 304 labor, 94.5 other parts; all of address validation's 0.8 h * 76 saved.
    assert outcome.baseline_cost == pytest.approx(304.0 + 94.5)
    assert outcome.savings == pytest.approx(60.8)
    assert outcome.annualised_savings == pytest.approx(60.8)
    # No investment stated: paid back at once.
    assert outcome.payback_months == pytest.approx(0.0)


def test_project_plan_never_pays_back_when_running_costs_eat_the_savings():
    plan = AutomationPlan(
        share_by_class={"payment": 1.0},
        labor_rate_per_hour=38.0,
        investment=Investment(implementation_cost=5000.0, yearly_run_cost=10_000.0),
    )
    outcome = project_plan(COSTS, plan, period_days=30)
    assert outcome.savings == pytest.approx(91.0)
    assert outcome.net_yearly_benefit == pytest.approx(91.0 * 365 / 30 - 10_000)
    assert outcome.payback_months is None


def test_annualise_and_payback_months_match_the_dbt_macros_worked_example():
    # The unit test of mart_roi_payback: 279 saved in 31 days, 5000 once, 1200 a year.
    assert annualise(279.0, 31) == pytest.approx(3285.0)
    assert payback_months(5000.0, 3285.0, 1200.0) == pytest.approx(12 * 5000 / 2085)
    assert payback_months(5000.0, 912.5, 1200.0) is None
    assert annualise(10.0, 0) is None


def test_automation_plan_rejects_a_share_above_one():
    with pytest.raises(ValueError, match="must be 0-1"):
        AutomationPlan(share_by_class={"payment": 1.5}, labor_rate_per_hour=38.0)


def test_investment_rejects_a_negative_cost():
    with pytest.raises(ValueError, match="cannot be negative"):
        Investment(implementation_cost=-1.0, yearly_run_cost=0.0)


COST_MODEL = {
    "labor_rate_per_hour": 38.0,
    "minutes_per_manual_touch": 12.0,
    "escalation_cost": 15.0,
    "automation_implementation_cost": 15_000.0,
    "automation_yearly_run_cost": 2_400.0,
}


def _assumptions(plan: AutomationPlan, cost_model: dict[str, float]) -> list[str]:
    return plan_assumptions(
        plan,
        period=(date(2026, 3, 2), date(2026, 3, 31)),
        period_days=30,
        cost_model=cost_model,
        automatable_types=["Payment hold", "Reservation delay"],
    )


def test_plan_assumptions_state_the_period_prices_run_rate_and_investment():
    plan = AutomationPlan({"payment": 0.5}, 38.0, Investment(15_000.0, 2_400.0))
    sentences = _assumptions(plan, COST_MODEL)
    assert sentences[0].startswith("Period: 2 Mar 2026 to 31 Mar 2026, 30 days of data")
    assert "(Payment hold, Reservation delay)" in sentences[1]
    assert "12 minutes at $38 an hour; an escalation costs $15." in sentences[2]
    assert "x 365 / 30" in sentences[3]
    assert sentences[4] == "Investment: $15,000 once to implement and $2,400 a year to run."
    assert sentences[-1] == "Labor rate and investment are the cost model's (reference data)."


def test_plan_assumptions_name_what_the_page_changed_from_the_cost_model():
    plan = AutomationPlan({"payment": 0.5}, 42.5, Investment(20_000.0, 2_400.0))
    changed = _assumptions(plan, COST_MODEL)[-1]
    assert changed == (
        "Changed on this page: labor rate $42.50 instead of the cost model's $38; "
        "implementation $20,000 instead of the cost model's $15,000."
    )


def test_plan_assumptions_say_when_the_cost_model_states_no_investment():
    no_investment = {
        **COST_MODEL,
        "automation_implementation_cost": 0.0,
        "automation_yearly_run_cost": 0.0,
    }
    plan = AutomationPlan({"payment": 0.5}, 38.0, Investment(0.0, 0.0))
    assert any("states no investment" in sentence for sentence in _assumptions(plan, no_investment))
    assert not any(
        "states no investment" in sentence for sentence in _assumptions(plan, COST_MODEL)
    )
