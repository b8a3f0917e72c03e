"""The spike detector on constructed event streams, where the injected burst or drift is known."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from orderlens.simulator import InjectedCause
from orderlens.triage.spike_detection import detect_spikes, hour_of_day_profile
from orderlens.triage.spike_evaluation import score_against_ground_truth

START = datetime(2026, 3, 1, tzinfo=UTC)


def node_exception_stream(
    seed: int, *, burst_node: str | None, burst_day: int = 20
) -> pd.DataFrame:
    """Thirty days of exceptions at four nodes, about four a day each, with carriers
    spread over them; optionally 30 extra exceptions at one node in six hours."""
    rng = np.random.default_rng(seed)
    rows = []
    item = 0
    for node in ("N1", "N2", "N3", "N4"):
        for hour in range(30 * 24):
            for _ in range(rng.poisson(4 / 24)):
                item += 1
                at = START + timedelta(hours=hour, minutes=int(rng.integers(60)))
                carrier = ("C1", "C2", "C3")[item % 3]
                rows.append(("node_id", node, at, item))
                rows.append(("carrier", carrier, at, item))
    if burst_node:
        for extra in range(30):
            item += 1
            at = START + timedelta(days=burst_day, minutes=12 * extra)
            rows.append(("node_id", burst_node, at, item))
            rows.append(("carrier", ("C1", "C2", "C3")[extra % 3], at, item))
    frame = pd.DataFrame(rows, columns=["dimension", "value", "at", "item_id"])
    return frame.assign(metric="exceptions_opened", exception_type="pick_failure", failed=False)


def test_detect_spikes_fires_on_the_bursting_node_only_and_soon():
    alerts = detect_spikes(node_exception_stream(1, burst_node="N3"))
    primary = alerts[alerts["echo_of"].isna()]
    assert set(zip(primary["dimension"], primary["value"], strict=True)) == {("node_id", "N3")}
    onset = START + timedelta(days=20)
    assert onset <= primary["started_at"].min() <= onset + timedelta(hours=6)


def test_detect_spikes_stays_quiet_without_a_burst():
    assert detect_spikes(node_exception_stream(2, burst_node=None)).empty


def _store_stream(seed: int, *, raised: str | None, onset_day: int = 25) -> pd.DataFrame:
    """Sixty days of inventory mismatches at forty stores, one every ten days each (three
    in the four weeks a store's baseline holds); optionally eight times that at one
    store from ``onset_day`` on, the slow drift of stale store counts."""
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(1, 41):
        store = f"ST-{number:02d}"
        for day in range(60):
            rate = 0.1 * (8.0 if store == raised and day >= onset_day else 1.0)
            for _ in range(rng.poisson(rate)):
                at = START + timedelta(days=day, minutes=int(rng.integers(24 * 60)))
                rows.append(("node_id", store, at, len(rows)))
    frame = pd.DataFrame(rows, columns=["dimension", "value", "at", "item_id"])
    return frame.assign(
        metric="exceptions_opened", exception_type="inventory_mismatch", failed=False
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_detect_spikes_finds_a_slow_drift_at_a_low_volume_store_within_two_weeks(seed):
    alerts = detect_spikes(_store_stream(seed, raised="ST-07"))
    assert set(alerts["value"]) == {"ST-07"}
    onset = START + timedelta(days=25)
    assert onset < alerts["started_at"].min() <= onset + timedelta(days=14)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_detect_spikes_stays_quiet_on_low_volume_stores_without_a_drift(seed):
    assert detect_spikes(_store_stream(seed, raised=None)).empty


def test_hour_of_day_profile_follows_the_share_of_events_by_hour():
    start = pd.Timestamp(START)
    times = pd.Series([start + pd.Timedelta(hours=hour) for hour in [9] * 7 + [21] * 3])
    profile = hour_of_day_profile(times, start, 48)
    by_hour = np.full(24, 0.5)
    by_hour[9], by_hour[21] = 7.5, 3.5
    expected = np.tile(by_hour / by_hour.mean(), 2)
    np.testing.assert_allclose(profile, expected)


def _raised_stream(seed: int, *, second_cause: bool) -> pd.DataFrame:
    """Forty days of exceptions at four nodes, four a day each; from day 15 node N3
    opens three times as many (a first cause that keeps its alert open) and, with
    ``second_cause``, four times that again on days 25 and 26 (a second cause acting on
    the same node while the first one's alert is open)."""
    rng = np.random.default_rng(seed)
    rows = []
    for node in ("N1", "N2", "N3", "N4"):
        for hour in range(40 * 24):
            day = hour // 24
            rate = 4 / 24
            if node == "N3" and day >= 15:
                rate *= 3.0
                if second_cause and day in (25, 26):
                    rate *= 4.0
            for _ in range(rng.poisson(rate)):
                at = START + timedelta(hours=hour, minutes=int(rng.integers(60)))
                rows.append(("node_id", node, at, len(rows)))
    frame = pd.DataFrame(rows, columns=["dimension", "value", "at", "item_id"])
    return frame.assign(metric="exceptions_opened", exception_type="pick_failure", failed=False)


def _node_cause(name: str, start: datetime, end: datetime) -> InjectedCause:
    """A cause at node N3 from ``start`` to ``end``, as the simulator records one."""
    return InjectedCause(name, "node_id", ("N3",), start.timestamp(), end.timestamp(), "")


@pytest.mark.parametrize("seed", [1, 2])
def test_detect_spikes_re_raises_an_open_alert_when_a_second_cause_lifts_its_series(seed):
    alerts = detect_spikes(_raised_stream(seed, second_cause=True))
    assert set(alerts["value"]) == {"N3"}
    first_onset = START + timedelta(days=15)
    second_onset = START + timedelta(days=25)
    opened = alerts[alerts["escalation_of"].isna()]
    parent = opened[opened["started_at"] < second_onset].iloc[0]
    assert first_onset <= parent["started_at"] and parent["last_alert_at"] >= second_onset
    escalations = alerts[alerts["escalation_of"] == parent["alert_id"]]
    assert second_onset <= escalations["started_at"].min() <= second_onset + timedelta(days=1)
    causes = [
        _node_cause("first", first_onset, START + timedelta(days=40)),
        _node_cause("second", second_onset, START + timedelta(days=27)),
    ]
    scored = score_against_ground_truth(alerts, causes)[0].set_index("cause")
    assert scored.loc["second", "first_alert_at"] == escalations["started_at"].min()
    assert scored.loc["first", "first_alert_at"] == parent["started_at"]


@pytest.mark.parametrize("seed", [1, 2])
def test_detect_spikes_does_not_re_raise_an_alert_whose_series_stays_at_its_raised_level(seed):
    alerts = detect_spikes(_raised_stream(seed, second_cause=False))
    assert set(alerts["value"]) == {"N3"}
    assert alerts["escalation_of"].isna().all()
