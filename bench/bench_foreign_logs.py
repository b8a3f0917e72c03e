"""``orderlens run`` on logs nobody here tuned the product for, as a user would run it.

For each real public log in ``tests/data/real`` (a municipal permit process, the
process-mining book's running example, the OCEL 2.0 example in its three encodings) and
the simulator's log cut down to case, activity and time, one fresh data directory and one
``orderlens run`` process: its exit status, wall time, peak memory, the stage lines it
printed and what it skipped and why. The figures use the default lifecycle treatment
(``ORDERLENS_LIFECYCLE=completions``) unless the environment says otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import run_measured, stage_seconds

REAL_LOGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "real"
ORDERLENS = str(Path(sys.executable).with_name("orderlens"))
LOGS = (
    "receipt.xes.gz",
    "running-example.xes",
    "ocel20_example.jsonocel",
    "ocel20_example.xmlocel",
    "ocel20_example.sqlite",
)
MINIMAL_ORDERS = 400


def _minimal_simulated_log(folder: Path) -> Path:
    """The simulator's log as a bare export: case, activity, time; no exception records."""
    simulation = folder / "simulation"
    subprocess.run(
        [ORDERLENS, "simulate", "--orders", str(MINIMAL_ORDERS), "--seed", "11",
         "--out", str(simulation)],
        check=True, capture_output=True,
    )  # fmt: skip
    path = folder / "simulated_minimal.csv"
    duckdb.sql(
        f"COPY (SELECT case_id, activity, event_at FROM '{simulation}/workflow_events.parquet'"
        f" WHERE exception_id IS NULL) TO '{path}' (HEADER)"
    )
    return path


def _measure_log(log: Path, folder: Path) -> dict:
    data_dir = folder / log.name.replace(".", "_") / "data"
    (data_dir / "inbox").mkdir(parents=True)
    shutil.copyfile(log, data_dir / "inbox" / log.name)
    env = {**os.environ, "ORDERLENS_DATA_DIR": str(data_dir)}
    try:
        run = run_measured([ORDERLENS, "run"], env=env)
        status, output = 0, run.stdout
    except RuntimeError as error:
        return {"benchmark": f"foreign_log_{log.name}", "exit_status": 1, "error": str(error)}
    lines = output.splitlines()
    stages = stage_seconds(output)
    skipped = sorted({line.split(":")[0].removeprefix("skipped ") for line in lines
                      if line.startswith("skipped ")})  # fmt: skip
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        cases, events = con.execute(
            "SELECT count(*), sum(event_count) FROM marts.fct_case_traces"
        ).fetchone()
        unavailable = [
            row[0]
            for row in con.execute(
                "SELECT analysis FROM marts.mart_analysis_coverage WHERE NOT is_available"
                " ORDER BY analysis"
            ).fetchall()
        ]
        model = con.execute("SELECT source, fitness FROM mining.conformance_model").fetchone()
    return {
        "benchmark": f"foreign_log_{log.name}",
        "exit_status": status,
        "run_seconds": run.wall_seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "cases": int(cases),
        "events_mined": int(events),
        "lifecycle": os.environ.get("ORDERLENS_LIFECYCLE", "completions"),
        **{f"{stage}_seconds": seconds for stage, seconds in stages.items()},
        "skipped": ",".join(skipped),
        "unavailable": ",".join(unavailable),
        "conformance_model": model[0],
        "fitness": "none" if model[1] is None else round(float(model[1]), 4),
        "load_average_1m": os.getloadavg()[0],
    }


def run() -> list[dict]:
    """One ``orderlens run`` per foreign log, each in its own data directory."""
    with tempfile.TemporaryDirectory(prefix="orderlens-foreign-") as scratch:
        folder = Path(scratch)
        logs = [REAL_LOGS / name for name in LOGS] + [_minimal_simulated_log(folder)]
        return [_measure_log(log, folder) for log in logs]
