"""Page headlines on hand-built inputs: what they say first, and when they ask for attention."""

from __future__ import annotations

from dashboard.headlines import (
    Driver,
    Wait,
    backlog_headline,
    integration_headline,
    overview_headline,
    process_headline,
    roi_headline,
    root_cause_headline,
    work_queue_headline,
)
from dashboard.kpis import KPIS, compare_all

VALUES_MISSING_THREE = {
    "open_backlog": 120.0,
    "past_sla_share": 0.27,  # target <= 10%: missed, 2.7x
    "exceptions_per_1000_orders": 180.0,  # target <= 150: missed, 1.2x
    "median_first_response_minutes": 20.0,  # target <= 30: met
    "median_resolution_hours": 6.0,  # target <= 8: met
    "touchless_rate": 0.40,  # target >= 50%: missed, 1.25x short
    "on_time_delivery_rate": 0.96,  # target >= 95%: met
    "exception_cost": 900.0,
}


def test_overview_headline_counts_missed_targets_and_names_the_worst_with_its_driver():
    comparisons = compare_all(VALUES_MISSING_THREE, VALUES_MISSING_THREE)
    headline = overview_headline(
        comparisons,
        VALUES_MISSING_THREE,
        Driver("Payment hold at East distribution centre", 14),
    )
    assert headline.needs_attention
    assert headline.text == (
        "3 of 6 targets missed: backlog past SLA is 2.7x its target (27.0% against ≤ 10.0%), "
        "driven by Payment hold at East distribution centre (14 exceptions past SLA)."
    )


def test_overview_headline_names_a_higher_is_better_miss_as_a_shortfall_without_driver():
    values = {**VALUES_MISSING_THREE, "past_sla_share": 0.05, "exceptions_per_1000_orders": 100}
    values["touchless_rate"] = 0.25  # 2x short of 50%
    headline = overview_headline(compare_all(values, values), values, Driver("unused", 1))
    assert headline.text == (
        "1 of 6 targets missed: touchless resolution short of 2.0x its target "
        "(25.0% against ≥ 50.0%)."
    )


def test_overview_headline_says_all_met_and_asks_for_nothing():
    values = {
        **VALUES_MISSING_THREE,
        "past_sla_share": 0.05,
        "exceptions_per_1000_orders": 100,
        "touchless_rate": 0.6,
    }
    headline = overview_headline(compare_all(values, values), values)
    assert headline.text == "All 6 targets met in this period."
    assert not headline.needs_attention


def test_overview_headline_without_values_to_judge():
    empty = {definition.key: None for definition in KPIS}
    assert overview_headline(compare_all(empty, empty), empty).text == (
        "No KPI with a target has a value in this period."
    )


def test_backlog_headline_states_open_late_share_and_largest_group():
    headline = backlog_headline("2026-03-31", 40, 10, Driver("Carrier delay", 16))
    assert headline.text == (
        "40 exceptions open at the end of 2026-03-31, 10 past their SLA (25%); "
        "Carrier delay holds the most (16)."
    )
    assert headline.needs_attention
    calm = backlog_headline("2026-03-31", 1, 0, None)
    assert calm.text == "1 exception open at the end of 2026-03-31, none past their SLA."
    assert not calm.needs_attention
    assert backlog_headline("2026-03-31", 0, 0, None).text == (
        "No exceptions open at the end of 2026-03-31."
    )


def test_root_cause_headline_shares_are_of_all_exceptions_not_of_the_shown_top():
    ranked = [Driver("Item damaged", 9), Driver("Missing scan", 6), Driver("Refund late", 3)]
    ranked.append(Driver("Weather disruption", 2))
    headline = root_cause_headline(ranked, total=60)
    assert headline.text == (
        "Item damaged is the leading reason (9 of 60 exceptions, 15%); "
        "the top 3 reasons make up 30%."
    )
    single = root_cause_headline([Driver("Payment hold", 5)], 5, kind="exception type")
    assert single.text == "Payment hold is the leading exception type (5 of 5 exceptions, 100%)."
    assert root_cause_headline([], 0).text == "No exceptions were detected in this period."


def test_integration_headline_names_the_worst_interface_or_says_none_failed():
    headline = integration_headline("OMS → ERP: post invoice", 0.084, 214, 6)
    assert headline.text == (
        "OMS → ERP: post invoice fails most often: 8.4% of 214 calls, 6 orders hurt."
    )
    assert headline.needs_attention
    assert integration_headline("OMS → ERP: post invoice", 0.0, 10, 0).text == (
        "No interface failed in this period (10 calls)."
    )
    assert integration_headline(None, 0.0, 0, 0).text == "No integration calls in this period."


def test_work_queue_headline_counts_decisions_and_automatic_actions():
    headline = work_queue_headline(5, 1, 0, Driver("ORD-00000373", 9))
    assert headline.text == (
        "5 open exceptions ranked: 1 needs a decision, 0 can run automatically; "
        "highest breach risk 9% (ORD-00000373)."
    )
    assert headline.needs_attention
    assert not work_queue_headline(2, 0, 2, None).needs_attention
    assert work_queue_headline(0, 0, 0, None).text == (
        "No open exceptions are ranked for these filters."
    )


def test_roi_headline_gives_the_yearly_savings_and_the_payback():
    headline = roi_headline("Targeted (50%)", 12_000.0, 15_000.0, 18.2)
    assert headline.text == (
        "Targeted (50%) saves $12,000 a year: the $15,000 investment pays back in 18 months."
    )
    assert headline.needs_attention is False


def test_roi_headline_asks_for_attention_when_the_plan_never_pays_back():
    headline = roi_headline("Your plan", 900.0, 15_000.0, None)
    assert "never pays back" in headline.text
    assert headline.needs_attention is True


def test_roi_headline_without_savings_says_there_is_nothing_to_save():
    headline = roi_headline("Baseline (0%)", 0.0, 15_000.0, None)
    assert headline.text == "Baseline (0%) removes no manual touch in this period: nothing to save."
    assert headline.needs_attention is False


def test_process_headline_leads_with_the_longest_internal_wait_and_flags_a_quarter():
    wait = Wait("Order Released to Node", "Pick Completed", 1234.4, 0.25)
    headline = process_headline(0.4791, wait, 0.98712)
    assert headline.text == (
        "The longest internal wait is Order Released to Node → Pick Completed: 1,234 h, "
        "25% of all waiting; the most common path covers 47.9% of cases; "
        "fitness 0.987 against the model."
    )
    assert headline.needs_attention


def test_process_headline_of_a_log_without_internal_waits_or_model_is_calm():
    headline = process_headline(0.5, None, None)
    assert headline.text == "The most common path covers 50.0% of cases."
    assert not headline.needs_attention
    small = process_headline(None, Wait("A", "B", 2.0, 0.1), None)
    assert small.text == "The longest internal wait is A → B: 2 h, 10% of all waiting."
    assert not small.needs_attention
    assert process_headline(None, None, None).text.startswith("No case completed")
