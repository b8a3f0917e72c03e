"""Benchmark: the simulator writing one million orders (about 12 million workflow events
and 10 million integration events) to Parquet, against a 100,000-order peer.

Each size runs as its own ``orderlens simulate`` process. Besides the wall time and the
peak memory of the largest process (what ``wait4`` reports), a sampler adds up the
resident memory of the whole process tree (the writer and its generating workers),
since the target of under 4 GB is for the run, not for one process. CPU seconds (user +
system of the whole tree) and the load average are reported too: on a shared machine the
wall time depends on what else runs, the CPU time does not. Target: 1M orders in at most
60 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import threading
from pathlib import Path

from bench.measure import Measurement, run_measured

ORDERLENS = str(Path(sys.executable).with_name("orderlens"))
LARGE_ORDERS = 1_000_000
PEER_ORDERS = 100_000
WORKERS = 2


def _tree_rss_mb(marker: str) -> float:
    """Resident memory of every process whose command line contains ``marker``."""
    total_kb = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _simulate(orders: int, folder: Path) -> tuple[Measurement, float, float, dict]:
    out = folder / f"sim-{orders}"
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss_mb(str(out)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu_before = _children_cpu_seconds()
    try:
        measurement = run_measured(
            [ORDERLENS, "simulate", "--orders", str(orders), "--workers", str(WORKERS),
             "--out", str(out)],
            env={**os.environ, "ORDERLENS_DATA_DIR": str(folder / "data")},
        )  # fmt: skip
    finally:
        done.set()
        sampler.join()
    cpu_seconds = _children_cpu_seconds() - cpu_before
    totals = json.loads((out / "ground_truth.json").read_text())["totals"]
    return measurement, peak, cpu_seconds, totals


def run() -> list[dict]:
    """Measure 1M orders and the 100k peer; report rates and the scaling ratio."""
    results = []
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-sim-") as folder:
        for orders in (PEER_ORDERS, LARGE_ORDERS):
            measurement, tree_peak, cpu_seconds, totals = _simulate(orders, Path(folder))
            events = totals["workflow_events"] + totals["integration_events"]
            results.append(
                {
                    "benchmark": f"simulate_{orders // 1000}k_orders",
                    "orders": orders,
                    "workers": WORKERS,
                    "workflow_events": totals["workflow_events"],
                    "integration_events": totals["integration_events"],
                    "wall_seconds": measurement.wall_seconds,
                    "cpu_seconds": cpu_seconds,
                    "load_average_1m": os.getloadavg()[0],
                    "peak_rss_mb": measurement.peak_rss_mb,
                    "process_tree_peak_rss_mb": tree_peak,
                    "orders_per_second": orders / measurement.wall_seconds,
                    "events_per_second": events / measurement.wall_seconds,
                }
            )
    peer, large = results
    large["seconds_ratio_vs_100k"] = large["wall_seconds"] / peer["wall_seconds"]
    large["meets_60s_target"] = large["wall_seconds"] <= 60.0
    large["meets_4gb_target"] = large["process_tree_peak_rss_mb"] < 4096.0
    return results
