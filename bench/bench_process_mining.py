"""Process mining at scale: DFG with performance plus variants on ten million events.

A log of about one million orders and ten million events is generated directly in
DuckDB SQL into a throwaway warehouse (events stored in global time order, as files
arrive, not grouped by case). Two child processes are measured with
:func:`bench.measure.run_measured`: ours (``discover_process_edges`` and
``discover_variants`` on the warehouse) and pm4py's (``discover_dfg``,
``discover_performance_dfg`` and ``get_variants`` on the same events as a pandas frame,
grouped by case in the contract's order, as pm4py's own XES reader delivers a log: on a
frame whose cases interleave, pm4py 2.7.23's ``get_variants`` returns wrong sequences).
Both report their own compute seconds beside the process's wall time and peak memory;
the ratios compare wall time and peak memory.

Targets (issue 6): at most 3 s, at least 15 times faster than pm4py, at most half its
peak memory. Run: ``python -m bench.run process_mining`` (``make bench``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import run_measured

CASES = 1_000_000
STEPS = 10
"""Events per case: ten million events in all."""


def generate_log(path: Path, *, cases: int = CASES) -> int:
    """Write a synthetic fulfillment-like log into ``staging.stg_raw__workflow_events``.

    Every case has :data:`STEPS` events; at each step one activity in ten takes an
    alternative, and one case in twenty repeats a step (rework), giving about a thousand
    variants. Waits are pseudo-random per event (hash-based, so reproducible).

    Returns:
        The number of events written.
    """
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute(
            f"""
            CREATE OR REPLACE TABLE staging.stg_raw__workflow_events AS
            WITH steps AS (
                SELECT c, k,
                    CASE WHEN hash(c, k) % 10 = 0 THEN 'Step ' || k || ' (alternative)'
                         WHEN k = 6 AND hash(c) % 20 = 0 THEN 'Step 5'
                         ELSE 'Step ' || k END AS activity,
                    TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(c * 2.6)
                        + to_seconds(k * 3600 + hash(c, k, 7) % 3000) AS event_at
                FROM range({cases}) AS cases(c), range({STEPS}) AS positions(k)
            )
            SELECT 'ORD-' || lpad(c::VARCHAR, 8, '0') AS case_id, activity, event_at,
                row_number() OVER (ORDER BY event_at, c, k) AS event_seq
            FROM steps ORDER BY event_seq
            """
        )
        ((count,),) = con.execute("SELECT count(*) FROM staging.stg_raw__workflow_events").fetchall()
    return int(count)


def _ours(path: Path) -> dict[str, float]:
    import duckdb

    from process_mining.event_log import EventLog
    from process_mining.process_maps import discover_process_edges
    from process_mining.variants import discover_variants

    started = time.perf_counter()
    with duckdb.connect(str(path), read_only=True) as con:
        edges = discover_process_edges(con, EventLog())
        variants = discover_variants(con, EventLog())
    return {
        "compute_seconds": time.perf_counter() - started,
        "edges": len(edges),
        "variants": len(variants),
        "cases": int(variants["case_count"].sum()),
    }


def _pm4py(path: Path) -> dict[str, float]:
    import duckdb
    import pm4py

    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute(
            "SELECT case_id, activity, event_at FROM staging.stg_raw__workflow_events"
            " ORDER BY case_id, event_at, event_seq"
        ).df()
    keys = {"activity_key": "activity", "case_id_key": "case_id", "timestamp_key": "event_at"}
    started = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(frame, **keys)
    pm4py.discover_performance_dfg(frame, **keys)
    variants = pm4py.get_variants(frame, **keys)
    return {
        "compute_seconds": time.perf_counter() - started,
        "edges": len(dfg),
        "variants": len(variants),
        "cases": int(sum(variants.values())),
    }


def run() -> list[dict]:
    """Generate the log, measure ours and pm4py's as separate processes, compare."""
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-mining-") as folder:
        path = Path(folder) / "warehouse.duckdb"
        generated = time.perf_counter()
        events = generate_log(path)
        generate_seconds = time.perf_counter() - generated
        env = dict(os.environ)
        command = [sys.executable, "-m", "bench.bench_process_mining"]
        ours = run_measured([*command, "ours", str(path)], env=env)
        theirs = run_measured([*command, "pm4py", str(path)], env=env, timeout=1800)
    our_figures = json.loads(ours.stdout.strip().splitlines()[-1])
    their_figures = json.loads(theirs.stdout.strip().splitlines()[-1])
    agree = all(our_figures[key] == their_figures[key] for key in ("edges", "variants", "cases"))
    return [
        {
            "benchmark": "process_mining_dfg_performance_variants_10m",
            "events": events,
            "cases": our_figures["cases"],
            "variants": our_figures["variants"],
            "edges": our_figures["edges"],
            "counts_agree_with_pm4py": agree,
            "generate_seconds": generate_seconds,
            "ours_wall_seconds": ours.wall_seconds,
            "ours_compute_seconds": our_figures["compute_seconds"],
            "ours_peak_rss_mb": ours.peak_rss_mb,
            "pm4py_wall_seconds": theirs.wall_seconds,
            "pm4py_compute_seconds": their_figures["compute_seconds"],
            "pm4py_peak_rss_mb": theirs.peak_rss_mb,
            "speedup_wall": theirs.wall_seconds / ours.wall_seconds,
            "speedup_compute": their_figures["compute_seconds"] / our_figures["compute_seconds"],
            "memory_ratio": ours.peak_rss_mb / theirs.peak_rss_mb,
        }
    ]


if __name__ == "__main__":
    role, warehouse = sys.argv[1], Path(sys.argv[2])
    figures = _ours(warehouse) if role == "ours" else _pm4py(warehouse)
    print(json.dumps(figures))
