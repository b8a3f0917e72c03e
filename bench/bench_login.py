"""Password guessing against the dashboard's login, and what it does to logged-in users.

Builds a small demo warehouse, starts the real app (``orderlens serve``) on a free
127.0.0.1 port and measures, each phase bounded in time:

1. guesses per second from one client, then from 16 threads: each guess fetches the login
   form (for its CSRF token) and posts a wrong password for the bench's user; answers are
   counted by status (401: the password was checked; 429: refused unchecked);
2. 300 wrong passwords from one client, then the right one: accepted (303) or refused;
3. ten logged-in clients posting the callbacks a logged-in Chromium really sends, first
   alone, then while 16 threads guess: callbacks per second and p95 latency. The guessing
   threads run in a process of their own, as a real attacker's would, so they do not
   share the measuring clients' interpreter lock.

Reports the machine's 1-minute load average with each figure (the machine is shared).
The server is stopped by its PID.

Settings (environment): ``ORDERLENS_BENCH_LOGIN_SECONDS`` (length of each timed phase,
default 15), ``ORDERLENS_BENCH_LOGIN_ORDERS`` (orders in the warehouse, default 500).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bench.bench_dashboard import (
    BENCH_USER,
    logged_in_session,
    percentile,
    record_callbacks,
    start_ready_server,
    stop_server,
    vary_payload,
    warehouse_facts,
)
from bench.bench_load import FIRST_BATCH, _simulate_and_run

GUESSING_THREADS = 16
LOGGED_IN_CLIENTS = 10
WRONG_BEFORE_RIGHT = 300


def _guess(client: requests.Session, url: str, password: str) -> int:
    """One guess as a browser would make it: the form, then the post; the post's status."""
    form = client.get(f"{url}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    answer = client.post(
        f"{url}/login",
        data={
            "csrf_token": token.group(1) if token else "",
            "username": BENCH_USER[0],
            "password": password,
        },
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code


def _guess_until(url: str, stop: threading.Event, statuses: Counter, lock: threading.Lock):
    client = requests.Session()
    while not stop.is_set():
        try:
            status = str(_guess(client, url, f"wrong-{random.random()}"))
        except requests.RequestException as error:
            status = type(error).__name__
        with lock:
            statuses[status] += 1


def _guessing(url: str, threads: int, stop: threading.Event, statuses: Counter):
    lock = threading.Lock()
    workers = [
        threading.Thread(target=_guess_until, args=(url, stop, statuses, lock))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    return workers


def _attack_process(url: str, threads: int, ready, stop, results) -> None:
    """Guess from ``threads`` threads until ``stop`` is set; put the answers' statuses on
    ``results`` (run in a process of its own)."""
    statuses: Counter = Counter()
    workers = _guessing(url, threads, stop, statuses)
    ready.set()
    for worker in workers:
        worker.join()
    results.put(dict(statuses))


def _guess_rate(url: str, threads: int, seconds: float) -> dict:
    statuses: Counter = Counter()
    stop = threading.Event()
    started = time.perf_counter()
    workers = _guessing(url, threads, stop, statuses)
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return {
        "threads": threads,
        "seconds": round(elapsed, 1),
        "guesses_per_second": round(sum(statuses.values()) / elapsed, 1),
        "passwords_checked_per_second": round(statuses["401"] / elapsed, 1),
        "statuses": dict(statuses),
        "load_average": os.getloadavg()[0],
    }


def _wrong_then_right(url: str) -> dict:
    client = requests.Session()
    statuses = Counter(str(_guess(client, url, f"wrong-{n}")) for n in range(WRONG_BEFORE_RIGHT))
    return {
        "wrong_statuses": dict(statuses),
        "right_password_status": _guess(requests.Session(), url, BENCH_USER[1]),
        "right_password_from_same_client_status": _guess(client, url, BENCH_USER[1]),
    }


def _callbacks(url: str, recorded: list, facts: dict, seconds: float, attackers: int) -> dict:
    recorded = [(url + urlsplit(endpoint).path, payload) for endpoint, payload in recorded]
    latencies: list[float] = []
    failures: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    sessions = [logged_in_session(url) for _ in range(LOGGED_IN_CLIENTS)]

    def client(session: requests.Session, seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            endpoint, payload = rng.choice(recorded)
            started = time.perf_counter()
            try:
                answer = session.post(
                    endpoint, json=vary_payload(payload, rng, facts), timeout=120,
                    allow_redirects=False,
                )  # fmt: skip
                failure = None if answer.status_code in (200, 204) else f"http_{answer.status_code}"
            except requests.RequestException as error:
                failure = type(error).__name__
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if failure:
                    failures[failure] += 1

    attack = multiprocessing.get_context("spawn")
    attack_ready, attack_stop, attack_results = attack.Event(), attack.Event(), attack.Queue()
    attacker = attack.Process(
        target=_attack_process, args=(url, attackers, attack_ready, attack_stop, attack_results)
    )
    if attackers:
        attacker.start()
        attack_ready.wait(timeout=60)
    workers = [
        threading.Thread(target=client, args=(session, n)) for n, session in enumerate(sessions)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    load_average = os.getloadavg()[0]
    stop.set()
    attack_stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    guesses = attack_results.get(timeout=120) if attackers else {}
    if attackers:
        attacker.join()
    return {
        "guessing_threads": attackers,
        "seconds": round(elapsed, 1),
        "callbacks": len(latencies),
        "callbacks_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "failures": dict(failures),
        "guess_statuses": guesses,
        "load_average": load_average,
    }


def run() -> list[dict]:
    """Measure guessing rates, the lockout, and logged-in callbacks during guessing."""
    seconds = float(os.environ.get("ORDERLENS_BENCH_LOGIN_SECONDS", 15))
    orders = int(os.environ.get("ORDERLENS_BENCH_LOGIN_ORDERS", 500))
    data_dir = Path(tempfile.mkdtemp(prefix="orderlens-bench-login-"))
    server = None
    try:
        _simulate_and_run(data_dir, orders, FIRST_BATCH)
        facts = warehouse_facts(data_dir)
        server, url = start_ready_server(data_dir)
        recorded_map, _ = record_callbacks(url, facts["case_ids"][0], render_samples=0)
        recorded = sorted(recorded_map.values(), key=lambda item: item[1].get("output", ""))
        rows = [
            {"benchmark": "login_guessing", **_guess_rate(url, 1, seconds)},
            {"benchmark": "login_guessing", **_guess_rate(url, GUESSING_THREADS, seconds)},
        ]
        # A fresh server before each phase, so no lockout carries over into the next.
        stop_server(server)
        server, url = start_ready_server(data_dir)
        rows.append({"benchmark": "login_wrong_then_right", **_wrong_then_right(url)})
        for attackers in (0, GUESSING_THREADS):
            stop_server(server)
            server, url = start_ready_server(data_dir)
            row = _callbacks(url, recorded, facts, seconds, attackers)
            rows.append({"benchmark": "login_callbacks_under_guessing", **row})
        return rows
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    for result in run():
        print(json.dumps(result, default=str))
