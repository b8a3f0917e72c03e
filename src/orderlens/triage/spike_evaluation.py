"""Spike alerts scored against the causes a simulation injected.

Only a simulated scenario knows its causes (``ground_truth.json``, read with
:func:`orderlens.simulator.ground_truth.read_injected_causes`): there, which causes the
detector (:mod:`orderlens.triage.spike_detection`) caught, how late, and how many of its
alerts caught none say how good it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pandas as pd

from orderlens.simulator.scenarios import InjectedCause


def score_against_ground_truth(
    alerts: pd.DataFrame, causes: Sequence[InjectedCause], *, grace: timedelta = timedelta(days=2)
) -> tuple[pd.DataFrame, int]:
    """Which injected causes the alerts caught, how late, and how many alerts caught none.

    An alert catches a cause when it names the cause's dimension and one of its values
    (or the cause's failing interface) and starts inside the cause's window, ``grace``
    after its end included: exceptions are detected after their cause acts (a carrier
    delay is noticed when a scan is a day or two late). The alert is counted as soon as
    it fires, so the delay is from the cause's onset to the alert's first alerting hour.
    An alert already open at the onset does not catch the cause (it was raised by
    something else); its re-raising does, if its series rises significantly again after
    the onset: that escalation is an alert of its own, starting when it was raised.
    Echoes (alerts explained by a stronger one, see
    :func:`~orderlens.triage.spike_detection.mark_echoes`) neither detect a cause nor
    count as false alarms.

    Returns:
        One row per cause (``cause``, ``dimension``, ``values``, ``detected``,
        ``first_alert_at``, ``delay_hours``, ``alert``) and the number of false alarms
        (alerts that match no cause).
    """
    alerts = alerts[alerts["echo_of"].isna()]
    matched: set[int] = set()
    rows: list[dict[str, object]] = []
    for cause in causes:
        hits = []
        for position, alert in alerts.iterrows():
            names_cause = alert["dimension"] == cause.dimension and alert["value"] in cause.values
            names_interface = (
                alert["dimension"] == "interface" and alert["value"] == cause.interface
            )
            in_window = cause.start_at <= alert["started_at"] <= cause.end_at + grace
            if (names_cause or names_interface) and in_window:
                hits.append((alert["started_at"], position))
        matched.update(position for _, position in hits)
        first = min(hits) if hits else None
        rows.append(
            {
                "cause": cause.name,
                "dimension": cause.dimension,
                "values": ", ".join(cause.values),
                "detected": first is not None,
                "first_alert_at": first[0] if first else None,
                "delay_hours": (
                    round((first[0] - cause.start_at).total_seconds() / 3600.0, 1)
                    if first
                    else None
                ),
                "alert": alerts.at[first[1], "likely_cause"] if first else None,
            }
        )
    return pd.DataFrame(rows), len(alerts) - len(matched)
