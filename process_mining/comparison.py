"""Period comparison: the same analysis on two periods side by side (before / after).

Each period is the cohort of cases started in it. KPIs, edges and variants are put side
by side with their change, and the changes that matter are flagged: a KPI moving by more
than ``threshold`` (relative), an edge whose median wait moved that much while carrying at
least ``min_share`` of either period's transitions, a variant whose case share moved by
at least ``min_share`` (absolute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from process_mining.event_log import EventLog, TimeFrameMode, filter_time_frame
from process_mining.process_maps import discover_process_edges
from process_mining.variants import case_traces_query, discover_variants


@dataclass(frozen=True)
class Period:
    """A time frame ``[start, end)`` and its label in reports."""

    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PeriodComparison:
    """Two periods side by side.

    Attributes:
        before: The baseline period.
        after: The period compared with it.
        kpis: ``kpi``, ``before``, ``after``, ``change`` (relative), ``is_notable``.
        edges: Edge keys, ``frequency_before/after``, ``median_wait_before/after``,
            ``wait_change`` (relative), ``is_notable``.
        variants: ``variant``, ``share_before/after``, ``share_change``, ``is_notable``.
    """

    before: Period
    after: Period
    kpis: pd.DataFrame
    edges: pd.DataFrame
    variants: pd.DataFrame


def get_period_kpis(con: duckdb.DuckDBPyConnection, log: EventLog) -> dict[str, float]:
    """Headline figures of a log: cases, events per case, throughput, variants."""
    traces, parameters = case_traces_query(log)
    row = con.execute(
        f"SELECT count(*), avg(len(trace)), avg(throughput_seconds) / 3600,"
        f" median(throughput_seconds) / 3600, quantile_cont(throughput_seconds, 0.9) / 3600,"
        f" count(DISTINCT trace) FROM ({traces})",
        parameters,
    ).fetchall()[0]
    names = [
        "cases",
        "events per case",
        "mean throughput (h)",
        "median throughput (h)",
        "p90 throughput (h)",
        "variants",
    ]
    return {
        name: float(value) if value is not None else float("nan")
        for name, value in zip(names, row, strict=True)
    }


def _relative(before: pd.Series, after: pd.Series) -> pd.Series:
    return (after - before) / before.where(before != 0)


def compare_periods(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    before: Period,
    after: Period,
    threshold: float = 0.2,
    min_share: float = 0.01,
) -> PeriodComparison:
    """Compare the cases started in ``before`` with those started in ``after``."""
    logs = {
        name: filter_time_frame(log, start=period.start, end=period.end, mode=TimeFrameMode.STARTED)
        for name, period in (("before", before), ("after", after))
    }
    kpi_values = {name: get_period_kpis(con, period_log) for name, period_log in logs.items()}
    kpis = pd.DataFrame(
        {
            "kpi": list(kpi_values["before"]),
            "before": list(kpi_values["before"].values()),
            "after": list(kpi_values["after"].values()),
        }
    )
    kpis["change"] = _relative(kpis["before"], kpis["after"])
    kpis["is_notable"] = kpis["change"].abs() >= threshold

    keys = ["source_activity", "target_activity"]
    edge_frames = {
        name: discover_process_edges(con, period_log)[
            [*keys, "frequency", "median_wait_seconds"]
        ].rename(
            columns={
                "frequency": f"frequency_{name}",
                "median_wait_seconds": f"median_wait_{name}",
            }
        )
        for name, period_log in logs.items()
    }
    edges = edge_frames["before"].merge(edge_frames["after"], on=keys, how="outer")
    for name in ("before", "after"):
        edges[f"frequency_{name}"] = edges[f"frequency_{name}"].fillna(0).astype(int)
    edges["wait_change"] = _relative(edges["median_wait_before"], edges["median_wait_after"])
    weight = pd.concat(
        [
            edges["frequency_before"] / max(int(edges["frequency_before"].sum()), 1),
            edges["frequency_after"] / max(int(edges["frequency_after"].sum()), 1),
        ],
        axis=1,
    ).max(axis=1)
    edges["is_notable"] = (edges["wait_change"].abs() >= threshold) & (weight >= min_share)
    edges = edges.sort_values(
        ["is_notable", "frequency_after"], ascending=[False, False]
    ).reset_index(drop=True)

    variant_frames = {
        name: discover_variants(con, period_log)[["variant", "case_share"]].rename(
            columns={"case_share": f"share_{name}"}
        )
        for name, period_log in logs.items()
    }
    variants = variant_frames["before"].merge(variant_frames["after"], on="variant", how="outer")
    variants[["share_before", "share_after"]] = variants[["share_before", "share_after"]].fillna(
        0.0
    )
    variants["share_change"] = variants["share_after"] - variants["share_before"]
    variants["is_notable"] = variants["share_change"].abs() >= min_share
    variants = variants.reindex(
        variants["share_change"].abs().sort_values(ascending=False).index
    ).reset_index(drop=True)
    return PeriodComparison(before, after, kpis, edges, variants)
