"""Ten million events through the whole pipeline: ingest, ``orderlens run``, publication.

Two data sets of about ``ORDERLENS_BENCH_PIPELINE_EVENTS`` workflow events (default ten
million), each in a fresh data directory:

- **simulated**: the simulator's retailer (workflow events with ids, plus its integration
  events), written by ``orderlens simulate``;
- **id-less**: a public-loan-log-like export, as process-mining tools write them: case,
  activity, timestamp, resource and one extra attribute, no event ids, about twenty events
  per case, XES-style column names.

Each step runs as its own process: the peer, DuckDB copying the same Parquet files into a
table with no validation at all (the floor of any DuckDB load); ``orderlens ingest``;
``orderlens run`` (dbt, mining, triage, publication, report) with its stage breakdown; and
a second ``orderlens run`` with nothing new. Peak memory is the largest sum over the
process tree (dbt runs as a child process). The load average is printed with each figure.

Targets (issue 16): ingest <= 10 s and <= 2x the bare copy, <= 2 GB; run <= 45 s and
<= 3 GB; ingest + run <= 60 s; the no-op run <= 3 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import run_measured, stage_seconds

EVENTS = int(os.environ.get("ORDERLENS_BENCH_PIPELINE_EVENTS", "10000000"))
SIMULATED_EVENTS_PER_ORDER = 12.3
"""Workflow events per simulated order (baseline scenario; measured, about 12.3)."""
IDLESS_EVENTS_PER_CASE = 20
ORDERLENS = str(Path(sys.executable).with_name("orderlens"))

_LOAN_ACTIVITIES = [
    "A_Create Application", "A_Submitted", "W_Handle leads", "W_Complete application",
    "A_Concept", "A_Accepted", "O_Create Offer", "O_Created", "O_Sent (mail and online)",
    "W_Call after offers", "A_Complete", "W_Validate application", "A_Validating",
    "O_Returned", "A_Incomplete", "A_Pending", "O_Accepted", "A_Denied", "O_Cancelled",
    "W_Personal Loan collection",
]  # fmt: skip


def write_idless_log(path: Path, events: int) -> None:
    """A loan-application-like log without event ids, in XES-style column names."""
    activities = "[" + ", ".join(f"'{name}'" for name in _LOAN_ACTIVITIES) + "]"
    per_case = IDLESS_EVENTS_PER_CASE
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"""COPY (SELECT 'Application_' || (i // {per_case}) AS "case:concept:name",
              {activities}[1 + (i % {per_case} + (i // {per_case}) % 3) % 20] AS "concept:name",
              TIMESTAMPTZ '2016-01-01 00:00:00+00'
                + to_seconds((i // {per_case}) * 600 + (i % {per_case}) * 3600 + (i * 7919) % 300)
                AS "time:timestamp",
              'User_' || ((i * 31) % 150) AS "org:resource",
              ['Created', 'statechange', 'Obtained', 'Released'][1 + i % 4] AS "Action"
            FROM range({events}) AS t(i)) TO '{path}' (FORMAT parquet)"""
        )


def write_simulated_log(folder: Path, events: int) -> list[Path]:
    """The simulator's retailer at about ``events`` workflow events; its Parquet files."""
    orders = round(events / SIMULATED_EVENTS_PER_ORDER)
    subprocess.run(
        [ORDERLENS, "simulate", "--orders", str(orders), "--seed", "7", "--out", str(folder)],
        check=True,
        capture_output=True,
    )
    for answer_key in folder.glob("ground_truth*"):
        answer_key.unlink()
    return sorted(folder.glob("*.parquet"))


def _bare_copy_command(files: list[Path], database: Path) -> list[str]:
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "for number, path in enumerate(sys.argv[2:]):\n"
        "    con.execute(f\"CREATE TABLE t{number} AS SELECT * FROM read_parquet('{path}')\")\n"
        "con.close()\n"
    )
    return [sys.executable, "-c", script, str(database), *map(str, files)]


def _measure(name: str, files: list[Path], folder: Path) -> dict:
    data_dir = folder / f"{name}-data"
    env = {**os.environ, "ORDERLENS_DATA_DIR": str(data_dir)}
    with duckdb.connect() as con:
        events = sum(
            con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
            for path in files
        )
    subprocess.run(["sync"], check=True)
    load_bare = os.getloadavg()[0]
    bare = run_measured(_bare_copy_command(files, folder / f"{name}-bare.duckdb"))
    (folder / f"{name}-bare.duckdb").unlink()
    subprocess.run(["sync"], check=True)
    load_ingest = os.getloadavg()[0]
    ingest = run_measured([ORDERLENS, "ingest", *map(str, files)], env=env)
    load_run = os.getloadavg()[0]
    run = run_measured([ORDERLENS, "run"], env=env)
    noop = run_measured([ORDERLENS, "run"], env=env)
    stages = stage_seconds(run.stdout)
    return {
        "benchmark": f"pipeline_10m_{name}",
        "events_in_files": events,
        "bare_copy_seconds": round(bare.wall_seconds, 2),
        "ingest_seconds": round(ingest.wall_seconds, 2),
        "ingest_to_bare_copy": round(ingest.wall_seconds / bare.wall_seconds, 2),
        "ingest_peak_tree_mb": round(ingest.peak_tree_rss_mb),
        "run_seconds": round(run.wall_seconds, 2),
        "run_peak_tree_mb": round(run.peak_tree_rss_mb),
        **{f"run_{stage}_seconds": seconds for stage, seconds in stages.items()},
        "end_to_end_seconds": round(ingest.wall_seconds + run.wall_seconds, 2),
        "noop_run_seconds": round(noop.wall_seconds, 2),
        "noop_says_up_to_date": noop.stdout.startswith("up to date"),
        "load_average_1m_before_bare_copy": round(load_bare, 2),
        "load_average_1m_before_ingest": round(load_ingest, 2),
        "load_average_1m_before_run": round(load_run, 2),
    }


def run() -> list[dict]:
    """Both data sets through the pipeline, each in a throwaway folder."""
    results = []
    with tempfile.TemporaryDirectory(prefix="orderlens-10m-") as scratch:
        folder = Path(scratch)
        idless = folder / "inputs" / "loan_applications.parquet"
        idless.parent.mkdir(parents=True)
        write_idless_log(idless, EVENTS)
        results.append(_measure("idless", [idless], folder))
        idless.unlink()
        simulated = write_simulated_log(folder / "inputs" / "simulated", EVENTS)
        results.append(_measure("simulated", simulated, folder))
    return results
