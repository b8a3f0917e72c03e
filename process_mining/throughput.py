"""Throughput times (first to last event of a case): distribution and trend over time."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from process_mining.event_log import EventLog
from process_mining.variants import case_traces_query

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


@dataclass(frozen=True)
class ThroughputDistribution:
    """How long cases take.

    Attributes:
        case_count: Cases measured.
        mean_seconds: Mean throughput time.
        quantiles: Quantile (0.1 .. 0.95) -> seconds, linearly interpolated.
        histogram: ``lower_seconds``, ``upper_seconds``, ``case_count`` per bin.
    """

    case_count: int
    mean_seconds: float
    quantiles: dict[float, float]
    histogram: pd.DataFrame


def get_throughput_distribution(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, bins: int = 24
) -> ThroughputDistribution:
    """The distribution of throughput times of the kept cases, in ``bins`` equal bins."""
    traces, parameters = case_traces_query(log)
    quantile_list = ", ".join(str(q) for q in QUANTILES)
    count, mean, quantiles, low, high = con.execute(
        f"SELECT count(*), avg(throughput_seconds),"
        f" quantile_cont(throughput_seconds, [{quantile_list}]),"
        f" min(throughput_seconds), max(throughput_seconds) FROM ({traces})",
        parameters,
    ).fetchall()[0]
    if not count:
        empty = pd.DataFrame(columns=["lower_seconds", "upper_seconds", "case_count"])
        return ThroughputDistribution(0, float("nan"), {}, empty)
    width = (high - low) / bins if high > low else 1.0
    histogram = con.execute(
        f"SELECT least(floor((throughput_seconds - ?) / ?)::BIGINT, ? - 1) AS bin,"
        f" count(*) AS case_count FROM ({traces}) GROUP BY bin ORDER BY bin",
        [low, width, bins, *parameters],
    ).df()
    histogram = (
        histogram.set_index("bin")
        .reindex(range(bins if high > low else 1), fill_value=0)
        .rename_axis("bin")
        .reset_index()
    )
    histogram["lower_seconds"] = low + histogram["bin"] * width
    histogram["upper_seconds"] = histogram["lower_seconds"] + width
    return ThroughputDistribution(
        int(count),
        float(mean),
        dict(zip(QUANTILES, (float(value) for value in quantiles), strict=True)),
        histogram[["lower_seconds", "upper_seconds", "case_count"]],
    )


def get_throughput_trend(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, period: str = "day"
) -> pd.DataFrame:
    """Cases started per ``period`` (``day``, ``week`` or ``month``) and how long they took.

    Returns:
        ``period_start``, ``case_count``, ``mean_throughput_seconds``,
        ``median_throughput_seconds``, ``p90_throughput_seconds``, oldest first.
    """
    if period not in {"day", "week", "month"}:
        raise ValueError(f"period must be day, week or month, got {period!r}")
    traces, parameters = case_traces_query(log)
    return con.execute(
        f"SELECT date_trunc('{period}', started_at AT TIME ZONE 'UTC') AS period_start,"
        f" count(*) AS case_count, avg(throughput_seconds) AS mean_throughput_seconds,"
        f" median(throughput_seconds) AS median_throughput_seconds,"
        f" quantile_cont(throughput_seconds, 0.9) AS p90_throughput_seconds"
        f" FROM ({traces}) GROUP BY period_start ORDER BY period_start",
        parameters,
    ).df()
