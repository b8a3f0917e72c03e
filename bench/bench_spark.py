"""The ten-million-event pipeline on a local Spark cluster and on DuckDB, in the same run.

One data set, the id-less public-loan-log-like export of ``bench_pipeline_10m``
(``ORDERLENS_BENCH_SPARK_EVENTS`` events, default ten million), goes through
``orderlens ingest`` and ``orderlens run`` three times, each in a fresh data directory:

- on DuckDB (the default engine), the peer;
- on a Spark standalone cluster of two workers (one core each) on 127.0.0.1;
- on the same cluster with one worker, the scaling figure.

For each Spark run the figures split the time as Spark saw it, read from the
applications' event logs (``<data>/spark/events``): how long each application took, how
much of that passed before its first job (start-up: driver, executors, catalog), and
how much with at least one job running (work). On this two-core machine the one-worker
cluster has half the cores; a real cluster adds machines instead.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import zstandard

from bench.bench_pipeline_10m import write_idless_log
from bench.measure import run_measured, stage_seconds
from orderlens.spark_cluster import LocalSparkCluster

EVENTS = int(os.environ.get("ORDERLENS_BENCH_SPARK_EVENTS", "10000000"))
ORDERLENS = str(Path(sys.executable).with_name("orderlens"))
WORKER_MEMORY = "6g"


def spark_applications(event_log_dir: Path) -> list[dict[str, float]]:
    """Per Spark application in ``event_log_dir``: its name, wall seconds, seconds before
    its first job and seconds with a job running (the union of the jobs' intervals)."""
    applications = []
    for log in sorted(event_log_dir.iterdir()):
        started = ended = None
        name = ""
        jobs: dict[int, list[float]] = {}
        for line in _event_lines(log):
            event = json.loads(line)
            kind = event["Event"]
            if kind == "SparkListenerApplicationStart":
                started, name = event["Timestamp"] / 1000, event["App Name"]
            elif kind == "SparkListenerApplicationEnd":
                ended = event["Timestamp"] / 1000
            elif kind == "SparkListenerJobStart":
                jobs[event["Job ID"]] = [event["Submission Time"] / 1000]
            elif kind == "SparkListenerJobEnd" and event["Job ID"] in jobs:
                jobs[event["Job ID"]].append(event["Completion Time"] / 1000)
        if started is None or ended is None:
            continue
        intervals = sorted(tuple(times) for times in jobs.values() if len(times) == 2)
        applications.append(
            {
                "name": name,
                "seconds": round(ended - started, 2),
                "before_first_job_seconds": round(intervals[0][0] - started, 2)
                if intervals
                else round(ended - started, 2),
                "busy_seconds": round(_union_length(intervals), 2),
                "jobs": len(intervals),
            }
        )
    return applications


def _event_lines(log: Path) -> Iterator[str]:
    """The lines of one application's event log: Spark 4 writes a folder of rolled files
    (``eventlog_v2_<app>/events_<n>_<app>``), compressed with zstd by default."""
    files = sorted(log.glob("events_*"), key=lambda path: int(path.name.split("_")[1]))
    for path in files if log.is_dir() else [log]:
        with path.open("rb") as raw:
            if path.suffix == ".zstd":
                decompressor = zstandard.ZstdDecompressor()
                with decompressor.stream_reader(raw, read_across_frames=True) as reader:
                    yield from io.TextIOWrapper(reader, encoding="utf-8")
            else:
                yield from io.TextIOWrapper(raw, encoding="utf-8")


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, covered_until = 0.0, float("-inf")
    for start, end in intervals:
        start = max(start, covered_until)
        if end > start:
            total += end - start
            covered_until = end
    return total


def _pipeline(name: str, log: Path, data_dir: Path, env: dict[str, str]) -> dict:
    env = {**env, "ORDERLENS_DATA_DIR": str(data_dir)}
    load_before = os.getloadavg()[0]
    ingest = run_measured([ORDERLENS, "ingest", str(log)], env=env, timeout=3600)
    run = run_measured([ORDERLENS, "run"], env=env, timeout=3600)
    figures = {
        "benchmark": f"spark_{name}",
        "events": EVENTS,
        "ingest_seconds": round(ingest.wall_seconds, 2),
        "run_seconds": round(run.wall_seconds, 2),
        "end_to_end_seconds": round(ingest.wall_seconds + run.wall_seconds, 2),
        "orderlens_peak_tree_mb": round(max(ingest.peak_tree_rss_mb, run.peak_tree_rss_mb)),
        **{f"run_{stage}_seconds": seconds for stage, seconds in stage_seconds(run.stdout).items()},
        "load_average_1m_before": round(load_before, 2),
    }
    figures["warehouse_mb"] = round((data_dir / "warehouse.duckdb").stat().st_size / 2**20)
    lake = data_dir / "lake"
    if lake.is_dir():
        figures["lake_mb"] = round(
            sum(path.stat().st_size for path in lake.rglob("*") if path.is_file()) / 2**20
        )
    events_dir = data_dir / "spark" / "events"
    if events_dir.is_dir():
        applications = spark_applications(events_dir)
        figures["spark_seconds"] = round(sum(app["seconds"] for app in applications), 2)
        figures["spark_startup_seconds"] = round(
            sum(app["before_first_job_seconds"] for app in applications), 2
        )
        figures["spark_busy_seconds"] = round(sum(app["busy_seconds"] for app in applications), 2)
        figures["spark_applications"] = len(applications)
    return figures


def _on_cluster(name: str, log: Path, folder: Path, workers: int) -> dict:
    with LocalSparkCluster(
        folder / f"{name}-cluster", workers=workers, memory_per_worker=WORKER_MEMORY
    ) as cluster:
        conf_dir = folder / f"{name}-conf"
        conf_dir.mkdir()
        driver_conf = {k: v for k, v in cluster.driver_conf().items() if k != "spark.master"}
        (conf_dir / "spark-defaults.conf").write_text(
            "".join(f"{key} {value}\n" for key, value in driver_conf.items())
        )
        env = {
            **os.environ,
            "ORDERLENS_ENGINE": "spark",
            "ORDERLENS_SPARK_MASTER": cluster.master_url,
            "SPARK_CONF_DIR": str(conf_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
        figures = _pipeline(name, log, folder / f"{name}-data", env)
    figures["workers"] = workers
    return figures


def run() -> list[dict]:
    """DuckDB, then the two-worker and the one-worker Spark cluster, on the same log."""
    with tempfile.TemporaryDirectory(prefix="orderlens-spark-") as scratch:
        folder = Path(scratch)
        log = folder / "loan_applications.parquet"
        write_idless_log(log, EVENTS)
        duckdb_figures = _pipeline("duckdb", log, folder / "duckdb-data", dict(os.environ))
        two = _on_cluster("two_workers", log, folder, workers=2)
        one = _on_cluster("one_worker", log, folder, workers=1)
    two["run_to_duckdb"] = round(two["run_seconds"] / duckdb_figures["run_seconds"], 2)
    one["run_to_two_workers"] = round(one["run_seconds"] / two["run_seconds"], 2)
    return [duckdb_figures, two, one]
