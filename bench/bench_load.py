"""The dashboard under concurrent logged-in users while the pipeline republishes.

Builds a small demo warehouse (simulated orders into the inbox, ``orderlens run``),
starts the real app (``orderlens serve``) on a free 127.0.0.1 port behind its login,
records the callback requests a logged-in Chromium really sends, then lets concurrent
clients — each its own logged-in HTTP session on its own thread — POST those callbacks
with randomly varied filters for the whole duration. Meanwhile the pipeline drops two
more simulated batches (other seeds, later days) into the inbox and rebuilds and
republishes after each, so the figures include requests served across republication.
Each batch has its own id prefix: simulated order numbers restart at 1, and batches
sharing ids would be quarantined as duplicates and fail the warehouse's unique tests.

Reports requests, failures (non-2xx answers or exceptions), throughput and p50/p95/p99
latency overall and for the slowest callbacks, how long each rebuild took, the
duplicates ingestion found (0 when the batches are distinct), and the machine's load
average during the load. The server is stopped by its PID.

Settings (environment): ``ORDERLENS_BENCH_LOAD_ORDERS`` (orders per batch, default 2000),
``ORDERLENS_BENCH_LOAD_CLIENTS`` (default 25), ``ORDERLENS_BENCH_LOAD_SECONDS`` (minimum
load duration, default 60; the load also lasts until both rebuilds have finished).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_dashboard import (
    ORDERLENS,
    logged_in_session,
    percentile,
    record_callbacks,
    start_ready_server,
    stop_server,
    vary_payload,
    warehouse_facts,
)

SIMULATED_DAYS = 30
FIRST_BATCH = ("2026-03-02", 7, "MAR")
REBUILD_BATCHES = (("2026-04-01", 11, "APR"), ("2026-05-01", 13, "MAY"))
"""(first day, seed, id prefix) of each simulated batch; prefixes keep their ids apart."""
SLOWEST_CALLBACKS_SHOWN = 3
LOAD_SAMPLE_SECONDS = 5.0


@dataclass
class LoadTally:
    """Latencies and failures gathered by every client thread."""

    latencies_ms: list[float] = field(default_factory=list)
    by_callback_ms: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _settings() -> tuple[int, int, float]:
    orders = int(os.environ.get("ORDERLENS_BENCH_LOAD_ORDERS", 2000))
    clients = int(os.environ.get("ORDERLENS_BENCH_LOAD_CLIENTS", 25))
    seconds = float(os.environ.get("ORDERLENS_BENCH_LOAD_SECONDS", 60))
    return orders, clients, seconds


def _simulate_and_run(data_dir: Path, orders: int, batch: tuple[str, int, str]) -> float:
    """Drop one simulated batch into the inbox and run the whole pipeline; wall seconds.

    Raises:
        RuntimeError: a command failed; the message ends with the last lines it printed,
            so a failed rebuild says why.
    """
    start, seed, prefix = batch
    env = {**os.environ, "ORDERLENS_DATA_DIR": str(data_dir)}
    env.pop("ORDERLENS_SECRET_KEY", None)
    started = time.perf_counter()
    for command in (
        [ORDERLENS, "simulate", "--orders", str(orders), "--seed", str(seed), "--start", start,
         "--days", str(SIMULATED_DAYS), "--id-prefix", prefix,
         "--out", str(data_dir / "inbox" / f"sim-{prefix}")],
        [ORDERLENS, "run"],
    ):  # fmt: skip
        finished = subprocess.run(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if finished.returncode != 0:
            tail = " | ".join(line for line in finished.stdout.splitlines()[-3:] if line)
            raise RuntimeError(f"{command[1]} exited {finished.returncode}: {tail[-400:]}")
    return time.perf_counter() - started


def _client(
    url: str, recorded: list[tuple[str, dict]], facts: dict, seed: int,
    stop: threading.Event, tally: LoadTally,
) -> None:  # fmt: skip
    """One logged-in user sending varied recorded callbacks until ``stop`` is set."""
    rng = random.Random(seed)
    try:
        session = logged_in_session(url)
    except Exception as error:  # a client that cannot log in is one failure, not a crash
        with tally.lock:
            tally.failures[f"login:{type(error).__name__}"] += 1
        return
    while not stop.is_set():
        endpoint, payload = rng.choice(recorded)
        started = time.perf_counter()
        try:
            response = session.post(
                endpoint, json=vary_payload(payload, rng, facts), timeout=120,
                allow_redirects=False,
            )  # fmt: skip
            failure = None if 200 <= response.status_code < 300 else f"http_{response.status_code}"
        except Exception as error:  # counted as a failure; the load goes on
            failure = type(error).__name__
        elapsed = (time.perf_counter() - started) * 1000
        with tally.lock:
            tally.latencies_ms.append(elapsed)
            tally.by_callback_ms.setdefault(_callback_name(payload), []).append(elapsed)
            if failure:
                tally.failures[failure] += 1


def _callback_name(payload: dict) -> str:
    """The first output's component id: enough to tell the callbacks apart in a report."""
    return str(payload.get("output", "")).strip(".").split("...")[0].split(".")[0] or "callback"


def _rebuild(data_dir: Path, orders: int, seconds: list[float], errors: list[str]) -> None:
    for batch in REBUILD_BATCHES:
        try:
            seconds.append(_simulate_and_run(data_dir, orders, batch))
        except RuntimeError as error:
            errors.append(str(error))
            return


def _sample_load(stop: threading.Event, samples: list[float]) -> None:
    """The 1-minute load average every few seconds, so the figures say how busy the box was."""
    while not stop.wait(LOAD_SAMPLE_SECONDS):
        samples.append(os.getloadavg()[0])


def _ingest_duplicates(data_dir: Path) -> int:
    """Records every load so far quarantined as second copies of known events."""
    import duckdb

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("SELECT coalesce(sum(duplicates), 0) FROM raw.ingest_manifest")
        return int(row.fetchone()[0])


def _slowest_callbacks(by_callback_ms: dict[str, list[float]]) -> list[dict]:
    """The callbacks with the highest p95, with their share of all requests."""
    total = sum(len(values) for values in by_callback_ms.values())
    ranked = sorted(
        by_callback_ms.items(), key=lambda item: percentile(item[1], 0.95), reverse=True
    )
    return [
        {
            "callback": name,
            "requests": len(values),
            "share": round(len(values) / max(1, total), 3),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
        }
        for name, values in ranked[:SLOWEST_CALLBACKS_SHOWN]
    ]


def run() -> list[dict]:
    """Measure concurrent logged-in callback load across two republications."""
    orders, clients, seconds = _settings()
    data_dir = Path(tempfile.mkdtemp(prefix="orderlens-bench-load-"))
    server = None
    try:
        initial_build_s = _simulate_and_run(data_dir, orders, FIRST_BATCH)
        facts = warehouse_facts(data_dir)
        server, url = start_ready_server(data_dir)
        recorded_map, _ = record_callbacks(url, facts["case_ids"][0], render_samples=0)
        recorded = sorted(recorded_map.values(), key=lambda item: item[1].get("output", ""))
        tally = LoadTally()
        stop = threading.Event()
        threads = [
            threading.Thread(target=_client, args=(url, recorded, facts, 100 + n, stop, tally))
            for n in range(clients)
        ]
        rebuild_seconds: list[float] = []
        rebuild_errors: list[str] = []
        rebuilder = threading.Thread(
            target=_rebuild, args=(data_dir, orders, rebuild_seconds, rebuild_errors)
        )
        load_samples: list[float] = []
        sampler = threading.Thread(target=_sample_load, args=(stop, load_samples))
        load_started = time.perf_counter()
        for thread in (*threads, rebuilder, sampler):
            thread.start()
        time.sleep(seconds)
        rebuilder.join()
        stop.set()
        for thread in (*threads, sampler):
            thread.join()
        load_s = time.perf_counter() - load_started
        latencies = tally.latencies_ms
        failures = sum(tally.failures.values())
        final = warehouse_facts(data_dir)
        return [
            {
                "benchmark": "dashboard_load",
                "clients": clients,
                "orders_first_publication": facts["orders"],
                "orders_last_publication": final["orders"],
                "recorded_callbacks": len(recorded),
                "initial_build_seconds": round(initial_build_s, 1),
                "rebuilds_completed": len(rebuild_seconds),
                "rebuild_seconds": [round(value, 1) for value in rebuild_seconds],
                "rebuild_errors": rebuild_errors,
                "ingest_duplicates": _ingest_duplicates(data_dir),
                "load_seconds": round(load_s, 1),
                "requests": len(latencies),
                "failures": failures,
                "failure_kinds": dict(tally.failures),
                "failure_ratio": round(failures / max(1, len(latencies)), 4),
                "requests_per_second": round(len(latencies) / load_s, 1),
                "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
                "max_ms": round(max(latencies), 1) if latencies else None,
                "slowest_callbacks": _slowest_callbacks(tally.by_callback_ms),
                "load_average_mean": (
                    round(statistics.mean(load_samples), 2) if load_samples else None
                ),
                "load_average_max": round(max(load_samples), 2) if load_samples else None,
                "cpus": os.cpu_count(),
            }
        ]
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, default=str))
