"""Root causes scored against the simulator's ground truth: every injected cause of the
holiday-peak scenario must rank in the top three for its own effect."""

import pytest

from orderlens.simulator.ground_truth import SUMMARY_FILE, read_injected_causes
from process_mining.event_log import EventLog
from process_mining.root_cause_evaluation import score_root_causes

pytestmark = pytest.mark.slow


def test_score_root_causes_ranks_every_holiday_peak_cause_in_the_top_three(holiday_peak_log):
    causes = read_injected_causes(holiday_peak_log.directory / SUMMARY_FILE)
    assert {cause.name for cause in causes} == {
        "promotion_volume",
        "late_supplier_shipment",
        "carrier_api_timeouts",
        "inaccurate_store_inventory",
    }
    scores = score_root_causes(holiday_peak_log.con, EventLog(), causes)
    assert scores["in_top_three"].all(), scores[["cause", "rank", "top_rule"]].to_string()
