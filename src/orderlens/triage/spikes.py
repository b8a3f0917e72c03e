"""Spike and recurrence detection per node, carrier, supplier, channel and interface.

Every hour, for every watched series, the count in the last ``window`` hours is compared
with what the week before that window predicts. A series is one of:

- exceptions opened at one node, carrier, supplier or channel, of one type or of all
  types together;
- orders created in one channel (promotions and surges);
- messages on one interface whose first delivery attempt failed (the expectation scales
  the interface's usual first-attempt failure rate by the messages sent in the window;
  retries are left out because they fail together, not independently).

Counts of independent rare events are close to Poisson, so an hour alerts when the
probability of seeing at least the observed count under the expectation is below
``p_value`` (one in a million by default: thousands of series are tested every hour),
the count reaches ``min_count`` and is ``min_ratio`` times the expectation. The
expectation never drops below ``expected_floor`` events per day, so a series that was
silent last week cannot alert on two events. Alerting hours of one dimension value
that overlap (any window, type or metric) merge into one alert, named after its
strongest series; an alert is recurring when the same value alerted before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import poisson

ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id",
    "dimension",
    "value",
    "metric",
    "exception_type",
    "window_hours",
    "started_at",
    "last_alert_at",
    "peak_at",
    "observed",
    "expected",
    "ratio",
    "p_value",
    "likely_cause",
    "recurrence_count",
    "is_recurring",
    "echo_of",
)
"""Columns of ``triage.alerts``."""

EXCEPTION_DIMENSIONS: tuple[str, ...] = ("node_id", "carrier", "supplier", "channel")


@dataclass(frozen=True)
class DetectorSettings:
    """Sensitivity of the detector (see the module docstring)."""

    windows_hours: tuple[int, ...] = (6, 24, 72)
    baseline_days: int = 7
    p_value: float = 1e-6
    min_count: int = 5
    min_ratio: float = 3.0
    expected_floor_per_day: float = 0.5


@dataclass(frozen=True)
class InjectedCause:
    """One cause of a simulator ``ground_truth.json``, as the detector is scored on it."""

    name: str
    dimension: str
    values: tuple[str, ...]
    start: datetime
    end: datetime
    exception_type: str | None
    interface: str | None


def read_injected_causes(path: Path) -> list[InjectedCause]:
    """The injected causes listed in a simulator ``ground_truth.json``."""
    document = json.loads(Path(path).read_text())
    return [
        InjectedCause(
            name=cause["name"],
            dimension=cause["dimension"],
            values=tuple(cause["values"]),
            start=datetime.fromisoformat(cause["start"]),
            end=datetime.fromisoformat(cause["end"]),
            exception_type=cause.get("exception_type"),
            interface=cause.get("interface"),
        )
        for cause in document.get("injected_causes", [])
    ]


def load_watched_events(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The events the detector counts, one row each: ``metric``, ``dimension``, ``value``,
    ``exception_type``, ``at``, ``failed`` (for middleware attempts) and ``item_id`` (the
    exception, order or message counted).

    Reads ``marts.fct_exceptions`` (detections), ``marts.fct_orders`` (order creation) and
    ``staging.stg_raw__integration_events`` (attempts).
    """
    parts = [
        f"SELECT 'exceptions_opened' AS metric, '{dimension}' AS dimension,"
        f" {dimension} AS value, exception_type, detected_at AS at, false AS failed,"
        " exception_id AS item_id"
        f" FROM marts.fct_exceptions WHERE {dimension} IS NOT NULL AND detected_at IS NOT NULL"
        for dimension in EXCEPTION_DIMENSIONS
    ]
    parts.append(
        "SELECT 'orders_created', 'channel', channel, NULL, ordered_at, false, case_id"
        " FROM marts.fct_orders WHERE channel IS NOT NULL AND ordered_at IS NOT NULL"
    )
    parts.append(
        "SELECT 'integration_failures', 'interface', interface, NULL, sent_at, status <> 'ok',"
        " idempotency_key"
        " FROM staging.stg_raw__integration_events WHERE interface IS NOT NULL AND attempt = 1"
    )
    return con.execute(" UNION ALL ".join(parts)).df()


def _hourly(times: pd.Series, start: pd.Timestamp, hours: int) -> np.ndarray:
    index = ((times - start) // pd.Timedelta(hours=1)).to_numpy(dtype="int64")
    index = index[(index >= 0) & (index < hours)]
    return np.bincount(index, minlength=hours).astype("float64")


def _window_sums(counts: np.ndarray, width: int) -> np.ndarray:
    """Sum of the ``width`` hours ending at each hour (inclusive); NaN before a full window."""
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    sums = np.full(len(counts), np.nan)
    if width <= len(counts):
        sums[width - 1 :] = cumulative[width:] - cumulative[:-width]
    return sums


def _series(events: pd.DataFrame) -> list[tuple[str, str, str, str | None, pd.DataFrame]]:
    """(metric, dimension, value, exception_type or None, events) for each watched series."""
    series: list[tuple[str, str, str, str | None, pd.DataFrame]] = []
    for (metric, dimension, value), rows in events.groupby(
        ["metric", "dimension", "value"], sort=True
    ):
        series.append((metric, dimension, str(value), None, rows))
        if metric == "exceptions_opened":
            for exception_type, typed in rows.groupby("exception_type", sort=True):
                series.append((metric, dimension, str(value), str(exception_type), typed))
    return series


def _describe(
    metric: str, dimension: str, value: str, exception_type: str | None, hit: dict[str, float]
) -> str:
    window = int(hit["window_hours"])
    ratio = hit["observed"] / hit["expected"]
    if metric == "integration_failures":
        return (
            f"interface {value}: {hit['observed']:.0f} messages failing in {window} h, "
            f"{hit['expected']:.1f} expected ({ratio:.1f}x)"
        )
    if metric == "orders_created":
        return (
            f"{dimension} {value}: {hit['observed']:.0f} orders in {window} h, "
            f"{hit['expected']:.1f} expected ({ratio:.1f}x), a volume surge"
        )
    what = f"{exception_type} exceptions" if isinstance(exception_type, str) else "exceptions"
    return (
        f"{what} at {dimension} {value}: {hit['observed']:.0f} opened in {window} h, "
        f"{hit['expected']:.1f} expected ({ratio:.1f}x)"
    )


def detect_spikes(
    events: pd.DataFrame, *, settings: DetectorSettings | None = None
) -> pd.DataFrame:
    """Alerts over the whole period of ``events`` (see the module docstring).

    Args:
        events: Rows as :func:`load_watched_events` returns them.
        settings: Detector sensitivity; the defaults when ``None``.

    Returns:
        One row per alert with :data:`ALERT_COLUMNS`, oldest first.
    """
    settings = settings or DetectorSettings()
    if events.empty:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    events = events.assign(at=pd.to_datetime(events["at"], utc=True))
    start = events["at"].min().floor("h")
    hours = int((events["at"].max() - start) // pd.Timedelta(hours=1)) + 1
    baseline_hours = settings.baseline_days * 24
    hits: list[dict[str, object]] = []
    for metric, dimension, value, exception_type, rows in _series(events):
        if metric == "integration_failures":
            observed_events = rows[rows["failed"].astype(bool)]
            calls = _hourly(rows["at"], start, hours)
        else:
            observed_events = rows
            calls = None
        if len(observed_events) < settings.min_count:
            continue
        counts = _hourly(observed_events["at"], start, hours)
        for width in settings.windows_hours:
            observed = _window_sums(counts, width)
            history = np.concatenate(
                [np.full(width, np.nan), _window_sums(counts, baseline_hours)]
            )[:hours]
            if calls is not None:
                call_history = np.concatenate(
                    [np.full(width, np.nan), _window_sums(calls, baseline_hours)]
                )[:hours]
                with np.errstate(divide="ignore", invalid="ignore"):
                    expected = history / call_history * _window_sums(calls, width)
            else:
                expected = history / baseline_hours * width
            floor = settings.expected_floor_per_day * width / 24.0
            expected = np.where(np.isnan(expected), np.nan, np.maximum(expected, floor))
            judged = ~np.isnan(expected) & ~np.isnan(observed)
            candidate = judged & (observed >= settings.min_count)
            candidate &= observed >= settings.min_ratio * np.where(judged, expected, np.inf)
            for hour in np.flatnonzero(candidate):
                p_value = float(poisson.sf(observed[hour] - 1, expected[hour]))
                if p_value < settings.p_value:
                    hits.append(
                        {
                            "metric": metric,
                            "dimension": dimension,
                            "value": value,
                            "exception_type": exception_type,
                            "window_hours": width,
                            "hour": int(hour),
                            "observed": float(observed[hour]),
                            "expected": float(expected[hour]),
                            "p_value": p_value,
                        }
                    )
    return mark_echoes(_merge_into_alerts(hits, start), events, settings=settings)


def _merge_into_alerts(hits: list[dict[str, object]], start: pd.Timestamp) -> pd.DataFrame:
    """One alert per run of overlapping alerting hours of one dimension value."""
    if not hits:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    frame = pd.DataFrame(hits).sort_values(["dimension", "value", "hour", "p_value"])
    alerts: list[dict[str, object]] = []
    for (dimension, value), rows in frame.groupby(["dimension", "value"], sort=True):
        episodes: list[list[dict[str, object]]] = []
        episode: list[dict[str, object]] = []
        last_hour = 0
        for record in rows.to_dict("records"):
            if episode and int(record["hour"]) - last_hour > int(record["window_hours"]):
                episodes.append(episode)
                episode = []
            episode.append(record)
            last_hour = int(record["hour"])
        episodes.append(episode)
        for number, members in enumerate(episodes):
            strongest = min(members, key=lambda record: (record["p_value"], record["hour"]))
            first = min(int(record["hour"]) for record in members)
            last = max(int(record["hour"]) for record in members)
            started_at = start + pd.Timedelta(hours=first + 1)
            alerts.append(
                {
                    "alert_id": f"{dimension}:{value}:{started_at.isoformat()}",
                    "dimension": dimension,
                    "value": value,
                    "metric": strongest["metric"],
                    "exception_type": (
                        strongest["exception_type"]
                        if isinstance(strongest["exception_type"], str)
                        else None
                    ),
                    "window_hours": int(strongest["window_hours"]),
                    "started_at": started_at,
                    "last_alert_at": start + pd.Timedelta(hours=last + 1),
                    "peak_at": start + pd.Timedelta(hours=int(strongest["hour"]) + 1),
                    "observed": strongest["observed"],
                    "expected": round(float(strongest["expected"]), 3),
                    "ratio": round(float(strongest["observed"]) / float(strongest["expected"]), 2),
                    "p_value": strongest["p_value"],
                    "likely_cause": _describe(
                        str(strongest["metric"]),
                        str(dimension),
                        str(value),
                        strongest["exception_type"],
                        strongest,
                    ),
                    "recurrence_count": number,
                    "is_recurring": number > 0,
                    "echo_of": None,
                }
            )
    result = pd.DataFrame(alerts, columns=list(ALERT_COLUMNS))
    return result.sort_values(["started_at", "dimension", "value"]).reset_index(drop=True)


ECHO_REMAINDER_P = 0.01
"""An alert is an echo only when its remainder looks ordinary: at least this probable."""


def mark_echoes(
    alerts: pd.DataFrame, events: pd.DataFrame, *, settings: DetectorSettings | None = None
) -> pd.DataFrame:
    """Name, for each exception alert explained by a stronger one, the alert it echoes.

    One late supplier raises backorders at every node and carrier its orders pass
    through. Alerts are visited from the strongest (smallest p-value) down. An exception
    alert overlapping an accepted exception alert of another dimension is recounted, at
    its peak, without the exceptions that carry that alert's value; if what remains is no
    longer a spike against the peak's expectation scaled by the share those other
    exceptions had in the week before, the alert gets ``echo_of`` set to the stronger
    one: the likely cause is that alert, not a second problem. "No longer a spike" means
    ordinary, a remainder at least :data:`ECHO_REMAINDER_P` probable, not merely below
    the alerting threshold: a real second problem keeps a clearly raised remainder.
    """
    settings = settings or DetectorSettings()
    if alerts.empty:
        return alerts
    opened = events[events["metric"] == "exceptions_opened"]
    attributes = opened.pivot_table(
        index="item_id", columns="dimension", values="value", aggfunc="first"
    )
    alerts = alerts.copy()
    accepted: list[int] = []
    for position in alerts.sort_values(["p_value", "started_at"], kind="stable").index:
        alert = alerts.loc[position]
        if alert["metric"] == "exceptions_opened":
            peak_begins = alert["peak_at"] - pd.Timedelta(hours=int(alert["window_hours"]))
            series = opened[
                (opened["dimension"] == alert["dimension"]) & (opened["value"] == alert["value"])
            ]
            if isinstance(alert["exception_type"], str):
                series = series[series["exception_type"] == alert["exception_type"]]
            inside = series[(series["at"] > peak_begins) & (series["at"] <= alert["peak_at"])]
            week = series[
                (series["at"] > peak_begins - pd.Timedelta(days=settings.baseline_days))
                & (series["at"] <= peak_begins)
            ]
            for stronger in accepted:
                other = alerts.loc[stronger]
                other_begins = other["started_at"] - pd.Timedelta(hours=int(other["window_hours"]))
                overlaps = (
                    peak_begins <= other["last_alert_at"] and other_begins <= alert["peak_at"]
                )
                if (
                    not overlaps
                    or other["metric"] != "exceptions_opened"
                    or other["dimension"] == alert["dimension"]
                    or inside.empty
                ):
                    continue
                column = attributes[other["dimension"]]
                outside_now = int((column.reindex(inside["item_id"]) != other["value"]).sum())
                usual_share = (
                    float((column.reindex(week["item_id"]) != other["value"]).mean())
                    if len(week)
                    else 1.0
                )
                floor = settings.expected_floor_per_day * int(alert["window_hours"]) / 24.0
                expected_outside = max(float(alert["expected"]) * usual_share, floor)
                if poisson.sf(outside_now - 1, expected_outside) >= ECHO_REMAINDER_P:
                    alerts.at[position, "echo_of"] = other["alert_id"]
                    break
        if alerts.at[position, "echo_of"] is None:
            accepted.append(position)
    return alerts


def score_against_ground_truth(
    alerts: pd.DataFrame, causes: list[InjectedCause], *, grace: timedelta = timedelta(days=2)
) -> tuple[pd.DataFrame, int]:
    """Which injected causes the alerts caught, how late, and how many alerts caught none.

    An alert catches a cause when it names the cause's dimension and one of its values
    (or the cause's failing interface) and starts inside the cause's window, ``grace``
    after its end included: exceptions are detected after their cause acts (a carrier
    delay is noticed when a scan is a day or two late). The alert is counted as soon as
    it fires, so the delay is from the cause's onset to the alert's first alerting hour.
    Echoes (alerts explained by a stronger one, see :func:`mark_echoes`) neither detect
    a cause nor count as false alarms.

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
            in_window = cause.start <= alert["started_at"] <= cause.end + grace
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
                    round((first[0] - cause.start).total_seconds() / 3600.0, 1) if first else None
                ),
                "alert": alerts.at[first[1], "likely_cause"] if first else None,
            }
        )
    return pd.DataFrame(rows), len(alerts) - len(matched)
