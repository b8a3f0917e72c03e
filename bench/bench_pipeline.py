"""End-to-end pipeline at the demo size: simulate, then ``orderlens run`` (ingest, dbt, mining,
publish), each measured as its own process, plus a second run with no new files (the
hourly incremental case)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.measure import run_measured

DEMO_ORDERS = 2000
ORDERLENS = str(Path(sys.executable).with_name("orderlens"))


def run() -> list[dict]:
    """Measure the demo-size pipeline in a throwaway data directory."""
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-") as folder:
        env = {**os.environ, "ORDERLENS_DATA_DIR": str(Path(folder) / "data")}
        simulate = run_measured(
            [ORDERLENS, "simulate", "--orders", str(DEMO_ORDERS), "--seed", "7",
             "--out", str(Path(folder) / "data" / "inbox" / "demo")],
            env=env,
        )  # fmt: skip
        first = run_measured([ORDERLENS, "run"], env=env)
        again = run_measured([ORDERLENS, "run"], env=env)
    return [
        {
            "benchmark": "pipeline_demo_end_to_end",
            "orders": DEMO_ORDERS,
            "simulate_seconds": simulate.wall_seconds,
            "run_seconds": first.wall_seconds,
            "total_seconds": simulate.wall_seconds + first.wall_seconds,
            "run_peak_rss_mb": first.peak_rss_mb,
            "rerun_no_new_files_seconds": again.wall_seconds,
        }
    ]
