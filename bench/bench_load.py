"""The dashboard under concurrent logged-in users while the pipeline republishes.

Builds a small demo warehouse (simulated orders into the inbox, ``orderlens run``),
starts the real app (``orderlens serve``) on a free 127.0.0.1 port behind its login,
records the callback requests a logged-in Chromium really sends, then lets concurrent
clients — each its own logged-in HTTP session on its own thread — POST those callbacks
with randomly varied filters for the whole duration. Meanwhile the pipeline drops two
more simulated batches (other seeds, later days) into the inbox and rebuilds and
republishes after each, so the figures include requests served across republication.

Reports requests, failures (non-2xx answers or exceptions), throughput and p50/p95/p99
latency, plus how long each rebuild took. The server is stopped by its PID.

Settings (environment): ``ORDERLENS_BENCH_LOAD_ORDERS`` (orders per batch, default 2000),
``ORDERLENS_BENCH_LOAD_CLIENTS`` (default 25), ``ORDERLENS_BENCH_LOAD_SECONDS`` (minimum
load duration, default 60; the load also lasts until both rebuilds have finished).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
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
    free_port,
    health,
    logged_in_session,
    percentile,
    record_callbacks,
    server_env,
    vary_payload,
    warehouse_facts,
)

SIMULATED_DAYS = 30
FIRST_DAY = "2026-03-02"
REBUILD_BATCHES = (("2026-04-01", 11), ("2026-05-01", 13))


@dataclass
class LoadTally:
    """Latencies and failures gathered by every client thread."""

    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _settings() -> tuple[int, int, float]:
    orders = int(os.environ.get("ORDERLENS_BENCH_LOAD_ORDERS", 2000))
    clients = int(os.environ.get("ORDERLENS_BENCH_LOAD_CLIENTS", 25))
    seconds = float(os.environ.get("ORDERLENS_BENCH_LOAD_SECONDS", 60))
    return orders, clients, seconds


def _simulate_and_run(data_dir: Path, orders: int, start: str, seed: int) -> float:
    """Drop one simulated batch into the inbox and run the whole pipeline; wall seconds."""
    env = {**os.environ, "ORDERLENS_DATA_DIR": str(data_dir)}
    env.pop("ORDERLENS_SECRET_KEY", None)
    started = time.perf_counter()
    subprocess.run(
        [ORDERLENS, "simulate", "--orders", str(orders), "--seed", str(seed), "--start", start,
         "--days", str(SIMULATED_DAYS), "--out", str(data_dir / "inbox" / f"sim-{seed}")],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    subprocess.run(
        [ORDERLENS, "run"], env=env, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
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
            if failure:
                tally.failures[failure] += 1


def _rebuild(data_dir: Path, orders: int, seconds: list[float], errors: list[str]) -> None:
    for start, seed in REBUILD_BATCHES:
        try:
            seconds.append(_simulate_and_run(data_dir, orders, start, seed))
        except subprocess.CalledProcessError as error:
            errors.append(f"{error.cmd[1]} exited {error.returncode}")
            return


def run() -> list[dict]:
    """Measure concurrent logged-in callback load across two republications."""
    orders, clients, seconds = _settings()
    data_dir = Path(tempfile.mkdtemp(prefix="orderlens-bench-load-"))
    server = None
    try:
        initial_build_s = _simulate_and_run(data_dir, orders, FIRST_DAY, 7)
        facts = warehouse_facts(data_dir)
        port = free_port()
        server = subprocess.Popen(
            [ORDERLENS, "serve"], env=server_env(data_dir, port),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        while (health(url) or {}).get("derived_tables") != "ready":
            if server.poll() is not None or time.perf_counter() - started > 300:
                raise RuntimeError("the dashboard did not become ready")
            time.sleep(0.3)
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
        load_started = time.perf_counter()
        for thread in (*threads, rebuilder):
            thread.start()
        time.sleep(seconds)
        rebuilder.join()
        stop.set()
        for thread in threads:
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
            }
        ]
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, default=str))
