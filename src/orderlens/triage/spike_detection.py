"""Spike and recurrence detection per node, carrier, supplier, channel and interface.

Every hour, for every watched series, the count in the last ``window`` hours is compared
with what the series' own history predicts. A series is one of:

- exceptions opened at one node, carrier, supplier or channel, of one type or of all
  types together;
- orders created in one channel (promotions and surges);
- messages on one interface whose first delivery attempt failed (retries are left out
  because they fail together, not independently).

Windows run from six hours (an API outage) to two weeks (a store whose counts drift and
which opens one extra inventory mismatch every few days). The expectation is a count
per unit of exposure: the hour of day's usual activity for exceptions and orders (most
come by day), the messages sent for interface failures. Low-volume series are the hard
part: a store with one exception of a type in four weeks has no useful rate of its own.
So each series' rate has a gamma prior fitted on its peers (every value of the same
dimension, for the same metric and type, over the same history) and updated with its
own history of up to ``baseline_days``; the count in the window is then judged against
the negative binomial predictive distribution, which carries the uncertainty of a rate
learnt from few events instead of treating an estimate as the truth.

Thousands of series are tested every hour, so an hour alerts only when that
probability is below ``p_value`` (one in a million: with about ten thousand effectively
independent series-windows in two months, a hundredth of a false alarm is expected by
chance), the count reaches ``min_count``, is ``min_ratio`` times the expectation, and
the peers had at least ``min_count`` events in the history (a type nobody has seen yet
has no baseline to rise above). Alerting hours of one dimension value that overlap (any
window, type or metric) merge into one alert, named after its strongest series; an
alert is recurring when the same value alerted before. An open alert whose series rises
significantly again, against the raised level it alerted at, is re-raised as an alert
of its own (``escalation_of``): a second cause acting on a value that is already
alerting would otherwise go unseen for as long as the first keeps the alert open.

The events come from :mod:`orderlens.triage.watched_events`; the scoring of alerts
against a simulation's injected causes is :mod:`orderlens.triage.spike_evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import nbinom, poisson

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
    "escalation_of",
)
"""Columns of ``triage.alerts``."""


@dataclass(frozen=True)
class DetectorSettings:
    """Sensitivity of the detector (see the module docstring).

    ``baseline_days`` of history before a window (at least ``min_baseline_days``) set the
    expectation; ``min_prior_shape`` is the least weight, in events, of the peers' prior.
    """

    windows_hours: tuple[int, ...] = (6, 24, 72, 168, 336)
    baseline_days: int = 28
    min_baseline_days: int = 7
    p_value: float = 1e-6
    min_count: int = 5
    min_ratio: float = 2.0
    min_prior_shape: float = 0.5


def _hourly(times: pd.Series, start: pd.Timestamp, hours: int) -> np.ndarray:
    index = ((times - start) // pd.Timedelta(hours=1)).to_numpy(dtype="int64")
    index = index[(index >= 0) & (index < hours)]
    return np.bincount(index, minlength=hours).astype("float64")


def _cumulative(counts: np.ndarray) -> np.ndarray:
    """Running totals with a leading zero along the last axis: ``c[..., b] - c[..., a]`` is
    the sum over hours ``a`` to ``b - 1``."""
    zeros = np.zeros((*counts.shape[:-1], 1))
    return np.concatenate([zeros, np.cumsum(counts, axis=-1)], axis=-1)


def hour_of_day_profile(times: pd.Series, start: pd.Timestamp, hours: int) -> np.ndarray:
    """Relative activity of each hour of the period by its hour of day (mean 1).

    Exceptions and orders come by day and hardly at night, so six daytime hours hold
    far more than a quarter of a day's events; an expectation spread evenly over the
    clock would see a spike every afternoon. The shape is pooled over every series of
    the metric and over the whole period: it is the shape of a day, not a rate (one
    Jeffreys half-event is added per hour of day so that no hour weighs zero).
    """
    hour_of_day = (start.hour + np.arange(hours)) % 24
    by_hour = np.bincount(times.dt.hour.to_numpy(), minlength=24).astype("float64") + 0.5
    profile = by_hour[hour_of_day]
    return profile / profile.mean()


@dataclass(frozen=True)
class _Group:
    """Series of one metric, dimension and exception type: peers of one another."""

    metric: str
    dimension: str
    exception_type: str | None
    values: list[str]
    counts: np.ndarray
    exposure: np.ndarray


def _groups(events: pd.DataFrame, start: pd.Timestamp, hours: int) -> list[_Group]:
    """Hourly counts and exposures of every watched series, grouped with their peers.

    Exposure is what the count is proportional to when nothing is wrong: the hour of
    day's usual activity for exceptions and orders, the messages sent for interface
    failures. Every value of a dimension is a peer for every exception type, counted
    zero where it had none, so a node that never had an inventory mismatch still has a
    baseline: that of its peers.
    """
    groups: list[_Group] = []
    for (metric, dimension), rows in events.groupby(["metric", "dimension"], sort=True):
        values = sorted(str(value) for value in rows["value"].unique())
        if metric == "integration_failures":
            exposure = np.array(
                [_hourly(rows.loc[rows["value"] == v, "at"], start, hours) for v in values]
            )
            failed = rows[rows["failed"].astype(bool)]
            counts = np.array(
                [_hourly(failed.loc[failed["value"] == v, "at"], start, hours) for v in values]
            )
            groups.append(_Group(metric, dimension, None, values, counts, exposure))
            continue
        items = events[events["metric"] == metric].drop_duplicates("item_id")
        profile = hour_of_day_profile(items["at"], start, hours)
        exposure = np.broadcast_to(profile, (len(values), hours))
        typed: list[str | None] = [None]
        if metric == "exceptions_opened":
            typed += sorted(str(kind) for kind in rows["exception_type"].dropna().unique())
        for exception_type in typed:
            part = (
                rows if exception_type is None else rows[rows["exception_type"] == exception_type]
            )
            counts = np.array(
                [_hourly(part.loc[part["value"] == v, "at"], start, hours) for v in values]
            )
            groups.append(_Group(metric, dimension, exception_type, values, counts, exposure))
    return groups


def _peer_prior(
    history: np.ndarray, exposure: np.ndarray, *, min_shape: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gamma prior (shape, rate) on a series' rate per unit exposure, from its peers.

    Fitted by the method of moments at each hour: the pooled rate is the prior mean and
    the spread of the peers' rates beyond their Poisson noise its variance. The shape
    is kept between ``min_shape`` (half an event's worth of belief: heterogeneous peers
    say little) and the peers' own event count plus a half (a prior cannot know more
    than the events it was fitted on).
    """
    total_events = history.sum(axis=0)
    total_exposure = np.maximum(exposure.sum(axis=0), 1e-9)
    rate = (total_events + 0.5) / total_exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        own_rate = np.where(exposure > 0, history / exposure, rate)
    weights = exposure / total_exposure
    mean_exposure = np.maximum(total_exposure / len(history), 1e-9)
    spread = (weights * (own_rate - rate) ** 2).sum(axis=0) - rate / mean_exposure
    shape = rate**2 / np.maximum(spread, 1e-300)
    shape = np.clip(shape, min_shape, np.maximum(total_events + 0.5, min_shape))
    return shape, shape / rate


def _group_hits(group: _Group, width: int, settings: DetectorSettings) -> list[dict[str, object]]:
    """Alerting hours of one group's series for one window width."""
    hours = group.counts.shape[1]
    baseline_hours = settings.baseline_days * 24
    first_end = width + settings.min_baseline_days * 24
    if first_end > hours:
        return []
    ends = np.arange(first_end, hours + 1)
    window_starts = ends - width
    baseline_starts = np.maximum(window_starts - baseline_hours, 0)
    counts = _cumulative(group.counts)
    exposure = _cumulative(np.asarray(group.exposure))
    observed = counts[:, ends] - counts[:, window_starts]
    history = counts[:, window_starts] - counts[:, baseline_starts]
    history_exposure = exposure[:, window_starts] - exposure[:, baseline_starts]
    window_exposure = exposure[:, ends] - exposure[:, window_starts]
    shape, rate = _peer_prior(history, history_exposure, min_shape=settings.min_prior_shape)
    posterior_shape = shape + history
    posterior_rate = rate + history_exposure
    expected = posterior_shape / posterior_rate * window_exposure
    candidate = (observed >= settings.min_count) & (observed >= settings.min_ratio * expected)
    candidate &= history.sum(axis=0) >= settings.min_count
    rows, columns = np.nonzero(candidate)
    p_values = nbinom.sf(
        observed[rows, columns] - 1,
        posterior_shape[rows, columns],
        posterior_rate[rows, columns]
        / (posterior_rate[rows, columns] + window_exposure[rows, columns]),
    )
    return [
        {
            "metric": group.metric,
            "dimension": group.dimension,
            "value": group.values[row],
            "exception_type": group.exception_type,
            "window_hours": width,
            "hour": int(ends[column]) - 1,
            "observed": float(observed[row, column]),
            "expected": float(expected[row, column]),
            "p_value": float(p_value),
        }
        for row, column, p_value in zip(rows, columns, p_values, strict=True)
        if p_value < settings.p_value
    ]


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
        events: Rows as :func:`orderlens.triage.watched_events.load_watched_events`
            returns them.
        settings: Detector sensitivity; the defaults when ``None``.

    Returns:
        One row per alert with :data:`ALERT_COLUMNS`, oldest first; an alert re-raised
        while open (see :func:`find_escalations`) is a row of its own with
        ``escalation_of`` naming the open alert.
    """
    settings = settings or DetectorSettings()
    if events.empty:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    events = events.assign(at=pd.to_datetime(events["at"], utc=True))
    start = events["at"].min().floor("h")
    hours = int((events["at"].max() - start) // pd.Timedelta(hours=1)) + 1
    groups = _groups(events, start, hours)
    hits = [
        hit
        for group in groups
        for width in settings.windows_hours
        for hit in _group_hits(group, width, settings)
    ]
    series = {
        (group.metric, group.dimension, group.exception_type, value): (
            group.counts[row],
            np.asarray(group.exposure[row]),
        )
        for group in groups
        for row, value in enumerate(group.values)
    }
    alerts = _merge_into_alerts(hits, start, series, settings)
    return mark_echoes(alerts, events, settings=settings)


def find_escalations(
    counts: np.ndarray,
    exposure: np.ndarray,
    *,
    level_from: int,
    after: int,
    until: int,
    settings: DetectorSettings,
) -> list[dict[str, float]]:
    """Hours at which a series whose alert is open rises significantly again.

    An alert stays open as long as its series stays raised, so a second cause acting on
    the same value (a late supplier during a promotion that already raised the
    supplier's backorders) would otherwise hide inside the first. The raised level is
    the series' rate from ``level_from`` (the start of the window that first alerted)
    up to a test window; each window that lies wholly after hour ``after`` and ends by
    hour ``until`` is judged against that level with the same negative binomial
    predictive, threshold, minimum count and ratio as a new alert (the level is learnt
    from its own events alone, with a Jeffreys half event). After an escalation the
    level is measured from the escalating window on, so a later one must rise again.

    Returns:
        One record per escalation, oldest first: ``hour`` (the window's last hour),
        ``window_hours``, ``observed``, ``expected`` and ``p_value``.
    """
    running = _cumulative(counts)
    running_exposure = _cumulative(exposure)
    found: list[dict[str, float]] = []
    while True:
        best: dict[str, float] | None = None
        for width in settings.windows_hours:
            ends = np.arange(after + 1 + width, until + 2)
            if not len(ends):
                continue
            starts = ends - width
            observed = running[ends] - running[starts]
            level_events = running[starts] - running[level_from]
            level_exposure = np.maximum(
                running_exposure[starts] - running_exposure[level_from], 1e-9
            )
            window_exposure = running_exposure[ends] - running_exposure[starts]
            shape = level_events + 0.5
            expected = shape / level_exposure * window_exposure
            candidate = (observed >= settings.min_count) & (
                observed >= settings.min_ratio * expected
            )
            columns = np.flatnonzero(candidate)
            p_values = nbinom.sf(
                observed[columns] - 1,
                shape[columns],
                level_exposure[columns] / (level_exposure[columns] + window_exposure[columns]),
            )
            significant = np.flatnonzero(p_values < settings.p_value)
            if not len(significant):
                continue
            column, p_value = columns[significant[0]], float(p_values[significant[0]])
            hour = int(ends[column]) - 1
            if best is None or (hour, p_value) < (best["hour"], best["p_value"]):
                best = {
                    "hour": hour,
                    "window_hours": width,
                    "observed": float(observed[column]),
                    "expected": float(expected[column]),
                    "p_value": p_value,
                }
        if best is None:
            return found
        found.append(best)
        level_from = int(best["hour"]) + 1 - int(best["window_hours"])
        after = int(best["hour"])


Series = dict[tuple[str, str, str | None, str], tuple[np.ndarray, np.ndarray]]
"""Hourly counts and exposures by (metric, dimension, exception type, value)."""


def _alert_row(
    strongest: dict[str, object],
    *,
    dimension: str,
    value: str,
    first: int,
    last: int,
    number: int,
    start: pd.Timestamp,
    escalation_of: str | None = None,
) -> dict[str, object]:
    started_at = start + pd.Timedelta(hours=first + 1)
    exception_type = _type_or_none(strongest["exception_type"])
    description = _describe(str(strongest["metric"]), dimension, value, exception_type, strongest)
    if escalation_of is not None:
        description = f"rising again while alerted: {description} at the raised level"
    return {
        "alert_id": f"{dimension}:{value}:{started_at.isoformat()}",
        "dimension": dimension,
        "value": value,
        "metric": strongest["metric"],
        "exception_type": exception_type,
        "window_hours": int(strongest["window_hours"]),
        "started_at": started_at,
        "last_alert_at": start + pd.Timedelta(hours=last + 1),
        "peak_at": start + pd.Timedelta(hours=int(strongest["hour"]) + 1),
        "observed": strongest["observed"],
        "expected": round(float(strongest["expected"]), 3),
        "ratio": round(float(strongest["observed"]) / float(strongest["expected"]), 2),
        "p_value": strongest["p_value"],
        "likely_cause": description,
        "recurrence_count": number,
        "is_recurring": number > 0,
        "echo_of": None,
        "escalation_of": escalation_of,
    }


def _type_or_none(exception_type: object) -> str | None:
    """An exception type as read back from a frame (missing types come back as NaN)."""
    return exception_type if isinstance(exception_type, str) else None


def _runs(records: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    """Records (in hour order) split where the gap to the previous one exceeds a window:
    alerting hours of one value that overlap are one alert, and several series of an
    alert rising again together are one escalation."""
    runs: list[list[dict[str, object]]] = []
    for record in records:
        gap = int(record["hour"]) - int(runs[-1][-1]["hour"]) if runs else None
        if gap is not None and gap <= int(record["window_hours"]):
            runs[-1].append(record)
        else:
            runs.append([record])
    return runs


def _merge_into_alerts(
    hits: list[dict[str, object]],
    start: pd.Timestamp,
    series: Series,
    settings: DetectorSettings,
) -> pd.DataFrame:
    """One alert per run of overlapping alerting hours of one dimension value, and one
    per escalation of an alerting series of the run (see :func:`find_escalations`)."""
    if not hits:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    frame = pd.DataFrame(hits).sort_values(["dimension", "value", "hour", "p_value"])
    alerts: list[dict[str, object]] = []
    for (dimension, value), rows in frame.groupby(["dimension", "value"], sort=True):
        for number, members in enumerate(_runs(rows.to_dict("records"))):
            strongest = min(members, key=lambda record: (record["p_value"], record["hour"]))
            first_hit = min(members, key=lambda record: (record["hour"], record["p_value"]))
            first = int(first_hit["hour"])
            last = max(int(record["hour"]) for record in members)
            alert = _alert_row(
                strongest,
                dimension=str(dimension),
                value=str(value),
                first=first,
                last=last,
                number=number,
                start=start,
            )
            alerts.append(alert)
            alerting = {
                (str(record["metric"]), _type_or_none(record["exception_type"]))
                for record in members
            }
            escalations: list[dict[str, object]] = []
            for metric, kind in sorted(alerting, key=str):
                counts, exposure = series[(metric, str(dimension), kind, str(value))]
                escalations += [
                    {**escalation, "metric": metric, "exception_type": kind}
                    for escalation in find_escalations(
                        counts,
                        exposure,
                        level_from=max(first + 1 - int(first_hit["window_hours"]), 0),
                        after=first,
                        until=last,
                        settings=settings,
                    )
                ]
            escalations.sort(key=lambda record: (record["hour"], record["p_value"]))
            for run in _runs(escalations):
                alerts.append(
                    _alert_row(
                        min(run, key=lambda record: (record["p_value"], record["hour"])),
                        dimension=str(dimension),
                        value=str(value),
                        first=int(run[0]["hour"]),
                        last=last,
                        number=number,
                        start=start,
                        escalation_of=str(alert["alert_id"]),
                    )
                )
    result = pd.DataFrame(alerts, columns=list(ALERT_COLUMNS))
    return result.sort_values(["started_at", "dimension", "value"]).reset_index(drop=True)


ECHO_REMAINDER_P = 0.01
"""An alert is an echo only when its remainder looks ordinary: at least this probable."""


def mark_echoes(
    alerts: pd.DataFrame, events: pd.DataFrame, *, settings: DetectorSettings | None = None
) -> pd.DataFrame:
    """Name, for each exception alert explained by stronger ones, the alert it echoes.

    One late supplier raises backorders at every node and carrier its orders pass
    through, and a promotion raises them in its channel. Alerts are visited from the
    strongest (smallest p-value) down. An exception alert overlapping accepted alerts of
    other dimensions that exceptions carry (an order surge in a channel explains that
    channel's exceptions too) is recounted, at its peak, without the exceptions that
    carry those alerts' values (the strongest first, then the next one too, and so on);
    as soon as what remains is no longer a spike against the peak's expectation scaled
    by the share those other exceptions had in the ``baseline_days`` before, the alert
    gets ``echo_of`` set to the strongest of them: the likely cause is that alert, not a
    second problem. "No longer a spike" means ordinary, a remainder at least
    :data:`ECHO_REMAINDER_P` probable, not merely below the alerting threshold: a real
    second problem keeps a clearly raised remainder.
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
            baseline = series[
                (series["at"] > peak_begins - pd.Timedelta(days=settings.baseline_days))
                & (series["at"] <= peak_begins)
            ]
            explained_now = pd.Series(False, index=inside["item_id"])
            explained_before = pd.Series(False, index=baseline["item_id"])
            for stronger in accepted:
                other = alerts.loc[stronger]
                other_begins = other["started_at"] - pd.Timedelta(hours=int(other["window_hours"]))
                overlaps = (
                    peak_begins <= other["last_alert_at"] and other_begins <= alert["peak_at"]
                )
                if (
                    not overlaps
                    or other["dimension"] not in attributes.columns
                    or other["dimension"] == alert["dimension"]
                    or inside.empty
                ):
                    continue
                column = attributes[other["dimension"]]
                explained_now |= (column.reindex(inside["item_id"]) == other["value"]).to_numpy()
                explained_before |= (
                    column.reindex(baseline["item_id"]) == other["value"]
                ).to_numpy()
                usual_share = 1.0 - float(explained_before.mean()) if len(baseline) else 1.0
                expected_outside = float(alert["expected"]) * usual_share
                remainder = int((~explained_now).sum())
                if poisson.sf(remainder - 1, expected_outside) >= ECHO_REMAINDER_P:
                    alerts.at[position, "echo_of"] = other["alert_id"]
                    break
        if alerts.at[position, "echo_of"] is None:
            accepted.append(position)
    return alerts
