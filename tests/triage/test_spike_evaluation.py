"""Spike alerts scored against injected causes on a constructed event stream, where the
burst and its onset are known."""

from datetime import timedelta

from orderlens.simulator import InjectedCause
from orderlens.triage.spike_detection import detect_spikes
from orderlens.triage.spike_evaluation import score_against_ground_truth
from tests.triage.test_spike_detection import START, node_exception_stream


def test_score_against_ground_truth_reports_delay_and_counts_unmatched_alerts():
    alerts = detect_spikes(node_exception_stream(1, burst_node="N3"))
    onset = START + timedelta(days=20)
    end = onset + timedelta(hours=6)
    causes = [
        InjectedCause(
            "burst",
            "node_id",
            ("N3",),
            onset.timestamp(),
            end.timestamp(),
            "pick failures at N3",
            exception_type="pick_failure",
        ),
        InjectedCause("never", "node_id", ("N1",), onset.timestamp(), end.timestamp(), ""),
    ]
    scored, false_alarms = score_against_ground_truth(alerts, causes)
    scored = scored.set_index("cause")
    assert bool(scored.loc["burst", "detected"])
    first = alerts[alerts["value"] == "N3"]["started_at"].min()
    assert scored.loc["burst", "delay_hours"] == round((first - onset).total_seconds() / 3600, 1)
    assert not bool(scored.loc["never", "detected"])
    assert false_alarms == 0
