"""Process mining at scale: DFG with performance plus variants on ten million events.

A log of about one million orders and ten million events is generated directly in
DuckDB SQL into a throwaway warehouse (events stored in global time order, as files
arrive, not grouped by case), and the real dbt project then builds its coded copy
(``dim_activities`` and ``fct_event_log``, as every pipeline run does after loading;
its seconds are reported, and a second ratio charges them to ours). Two child
processes are measured with
:func:`bench.measure.run_measured`: ours (the coded log of :mod:`process_mining.coded_log`
read once from the warehouse, then, side by side on the two cores, edges with frequency,
cases and mean / median / p95 / total wait, the variants with throughput times, and the
endpoints) and pm4py's
(``discover_dfg``, ``discover_performance_dfg`` and ``get_variants`` on the same events
read from the same warehouse as a pandas frame, grouped by case in the contract's order,
as pm4py's own XES reader delivers a log: on a frame whose cases interleave, pm4py
2.7.23's ``get_variants`` returns wrong sequences). Each child reports its seconds from
the start of reading (and of those, the read), and its CPU seconds (all threads); the
parent adds the process's wall time (interpreter and imports included) and peak memory,
checks that both found the same variants with the same counts and the same edges with
the same frequencies, mean and median waits, and records the load average, since the
machine may be shared.

Targets (issue 6): at most 3 s, at least 15 times faster than pm4py, at most half its
peak memory. Run: ``python -m bench.run process_mining`` (``make bench``).
"""

from __future__ import annotations

import json
import math
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
                row_number() OVER (ORDER BY event_at, c, k) AS event_seq,
                'EV-' || event_seq AS event_id
            FROM steps ORDER BY event_seq
            """
        )
        # The synthetic log has no lifecycle transitions, so dbt's int_process_events_selected
        # (what analyses and fct_event_log read) would hold every staged event: a view
        # stands for it, as the synthetic table stands for the staging model.
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute(
            "CREATE OR REPLACE VIEW intermediate.int_process_events_selected AS"
            " SELECT * FROM staging.stg_raw__workflow_events"
        )
        ((count,),) = con.execute(
            "SELECT count(*) FROM staging.stg_raw__workflow_events"
        ).fetchall()
    return int(count)


def build_coded_copy(data_dir: Path) -> float:
    """Build the coded copy of the log (``dim_activities``, ``fct_event_log``) with the
    real dbt project, as every pipeline run does after loading; its wall seconds."""
    from orderlens.dbt_runner import run_dbt
    from orderlens.settings import Settings

    started = time.perf_counter()
    run_dbt(Settings(data_dir=data_dir), ["run", "--select", "dim_activities", "fct_event_log"])
    return time.perf_counter() - started


def _ours(path: Path) -> dict[str, object]:
    import duckdb

    from process_mining.coded_log import load_coded_log, summarize_coded_log
    from process_mining.event_log import EventLog

    started, cpu_started = time.perf_counter(), time.process_time()
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        coded = load_coded_log(con, EventLog())
    loaded = time.perf_counter()
    summary = summarize_coded_log(coded)
    edges, variants = summary.edges, summary.variants
    return {
        "compute_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "load_seconds": loaded - started,
        "edges": {
            f"{row.source_activity}|{row.target_activity}": [
                int(row.frequency),
                float(row.mean_wait_seconds),
                float(row.median_wait_seconds),
            ]
            for row in edges.itertuples()
        },
        "variants": {
            "|".join(activities): int(count)
            for activities, count in zip(
                variants["activities"], variants["case_count"], strict=True
            )
        },
    }


def _pm4py(path: Path) -> dict[str, object]:
    import duckdb
    import pm4py

    started, cpu_started = time.perf_counter(), time.process_time()
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        frame = con.execute(
            "SELECT case_id, activity, event_at FROM staging.stg_raw__workflow_events"
            " ORDER BY case_id, event_at, event_seq"
        ).df()
    loaded = time.perf_counter()
    keys = {"activity_key": "activity", "case_id_key": "case_id", "timestamp_key": "event_at"}
    dfg, _, _ = pm4py.discover_dfg(frame, **keys)
    performance, _, _ = pm4py.discover_performance_dfg(frame, **keys)
    variants = pm4py.get_variants(frame, **keys)
    return {
        "compute_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "load_seconds": loaded - started,
        "edges": {
            f"{source}|{target}": [
                int(count),
                float(performance[(source, target)]["mean"]),
                float(performance[(source, target)]["median"]),
            ]
            for (source, target), count in dfg.items()
        },
        "variants": {"|".join(variant): int(count) for variant, count in variants.items()},
    }


def results_agree(ours: dict, theirs: dict) -> bool:
    """Same variants with the same counts, same edges with the same frequencies, and
    mean and median waits equal to within floating-point rounding."""
    if ours["variants"] != theirs["variants"] or ours["edges"].keys() != theirs["edges"].keys():
        return False
    for edge, (frequency, *waits) in ours["edges"].items():
        reference_frequency, *reference_waits = theirs["edges"][edge]
        if frequency != reference_frequency:
            return False
        for mine, reference in zip(waits, reference_waits, strict=True):
            if not math.isclose(mine, reference, rel_tol=1e-9, abs_tol=1e-6):
                return False
    return True


def run() -> list[dict]:
    """Generate the log, measure ours and pm4py's as separate processes, compare."""
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-mining-") as folder:
        path = Path(folder) / "warehouse.duckdb"
        generated = time.perf_counter()
        events = generate_log(path)
        generate_seconds = time.perf_counter() - generated
        coded_copy_seconds = build_coded_copy(Path(folder))
        env = dict(os.environ)
        command = [sys.executable, "-m", "bench.bench_process_mining"]
        load_before = os.getloadavg()[0]
        ours = run_measured([*command, "ours", str(path)], env=env)
        theirs = run_measured([*command, "pm4py", str(path)], env=env, timeout=1800)
        load_after = os.getloadavg()[0]
    our_figures = json.loads(ours.stdout.strip().splitlines()[-1])
    their_figures = json.loads(theirs.stdout.strip().splitlines()[-1])
    return [
        {
            "benchmark": "process_mining_dfg_performance_variants_10m",
            "events": events,
            "cases": sum(our_figures["variants"].values()),
            "variants": len(our_figures["variants"]),
            "edges": len(our_figures["edges"]),
            "agrees_with_pm4py": results_agree(our_figures, their_figures),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "generate_seconds": generate_seconds,
            "coded_copy_dbt_seconds": coded_copy_seconds,
            "ours_wall_seconds": ours.wall_seconds,
            "ours_compute_seconds": our_figures["compute_seconds"],
            "ours_load_seconds": our_figures["load_seconds"],
            "ours_cpu_seconds": our_figures["cpu_seconds"],
            "ours_peak_rss_mb": ours.peak_rss_mb,
            "pm4py_wall_seconds": theirs.wall_seconds,
            "pm4py_compute_seconds": their_figures["compute_seconds"],
            "pm4py_load_seconds": their_figures["load_seconds"],
            "pm4py_cpu_seconds": their_figures["cpu_seconds"],
            "pm4py_peak_rss_mb": theirs.peak_rss_mb,
            "speedup_wall": theirs.wall_seconds / ours.wall_seconds,
            "speedup_compute": their_figures["compute_seconds"] / our_figures["compute_seconds"],
            "speedup_cpu": their_figures["cpu_seconds"] / our_figures["cpu_seconds"],
            "speedup_compute_with_coded_copy_build": their_figures["compute_seconds"]
            / (our_figures["compute_seconds"] + coded_copy_seconds),
            "memory_ratio": ours.peak_rss_mb / theirs.peak_rss_mb,
        }
    ]


if __name__ == "__main__":
    role, warehouse = sys.argv[1], Path(sys.argv[2])
    figures = _ours(warehouse) if role == "ours" else _pm4py(warehouse)
    print(json.dumps(figures))
