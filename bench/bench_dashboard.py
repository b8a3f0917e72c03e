"""The dashboard on a large warehouse: callback latency and first-page render time.

Builds (once, then reuses) a warehouse from the simulator — 800,000 orders over 60 days,
about ten million workflow events and eight million integration events — starts the real
app (``orderlens serve``) on 127.0.0.1 behind its login (a session key and an executive
user written into the data directory), logs in and loads every page once in headless Chromium to
record the callback requests the browser really sends, then replays each callback with
randomly varied filters (period, channel, region, node, carrier, and each page's own
controls) as HTTP POSTs to ``/_dash-update-component`` from a logged-in session, one at
a time. Reports p50 and p95 per callback against the 150 ms target, and the overview's
time to fully rendered in a fresh, logged-in browser tab against the 2 s target.

Settings (environment): ``ORDERLENS_BENCH_DASHBOARD_ORDERS`` (default 800000),
``ORDERLENS_BENCH_DASHBOARD_DIR`` (where the data directory is kept between runs; default
``orderlens-bench-dashboard-<orders>`` under the system temporary folder),
``ORDERLENS_BENCH_DASHBOARD_SAMPLES`` (requests per callback, default 40).

The warehouse is built by ingestion and dbt only (``build`` below): process mining is a
separate benchmark and the pages that show its small all-time tables read them the same
way whatever their size.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import requests

from bench.measure import run_measured

DEFAULT_ORDERS = 800_000
SIMULATED_DAYS = 60
CALLBACK_TARGET_MS = 150.0
FIRST_RENDER_TARGET_S = 2.0
PAGES = ("/", "/backlog", "/root-causes", "/process", "/integration", "/roi")
BENCH_USER = ("bench-executive", "bench-executive-passphrase")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ORDERLENS = str(Path(sys.executable).with_name("orderlens"))
OPTION_QUERIES = {
    "channel": "SELECT channel FROM marts.dim_channels",
    "node_id": "SELECT node_id FROM marts.dim_nodes",
    "region": "SELECT DISTINCT region FROM marts.dim_nodes WHERE region IS NOT NULL",
    "carrier": "SELECT carrier FROM marts.dim_carriers",
}
RENDER_RESOURCES_JS = """
() => {
    const entries = performance.getEntriesByType("resource");
    const callbacks = entries.filter((e) => e.name.includes("/_dash-update-component"));
    const scripts = entries.filter((e) => e.initiatorType === "script");
    return {
        requests: entries.length + 1,
        script_kb: scripts.reduce((total, e) => total + e.decodedBodySize, 0) / 1024,
        callbacks: callbacks.length,
        last_callback_answered_s: Math.max(0, ...callbacks.map((e) => e.responseEnd)) / 1000,
    };
}
"""
"""What the overview's first render fetched, and when the server had answered its last
callback (seconds from navigation): the rest of the render is the browser's own work."""


def _settings() -> tuple[int, Path, int]:
    orders = int(os.environ.get("ORDERLENS_BENCH_DASHBOARD_ORDERS", DEFAULT_ORDERS))
    folder = os.environ.get("ORDERLENS_BENCH_DASHBOARD_DIR") or str(
        Path(tempfile.gettempdir()) / f"orderlens-bench-dashboard-{orders}"
    )
    samples = int(os.environ.get("ORDERLENS_BENCH_DASHBOARD_SAMPLES", 40))
    return orders, Path(folder), samples


def build(data_dir: Path) -> None:
    """Ingest the inbox, build the dbt models and publish the serving copy (no mining)."""
    import dagster as dg

    from orderlens.settings import Settings
    from orderlens.warehouse import publish_serving_copy

    settings = Settings(data_dir=data_dir)
    settings.ensure_dirs()
    os.environ.update(settings.subprocess_env())
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    from orchestration.definitions import build_definitions

    job = build_definitions().resolve_implicit_global_asset_job_def()
    keys = [
        key
        for key in job.asset_layer.asset_graph.get_all_asset_keys()
        if key.path[0] not in ("mining", "serving")
    ]
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=keys
        )
    if not result.success:
        raise SystemExit("ingestion or dbt failed; see the Dagster run in the data directory")
    publish_serving_copy(settings)


def _prepare_data(orders: int, data_dir: Path) -> dict:
    """Simulate and build unless the data directory already holds a serving copy."""
    serving = data_dir / "serving.duckdb"
    if serving.exists():
        return {"reused_warehouse": True}
    env = {**os.environ, "ORDERLENS_DATA_DIR": str(data_dir)}
    simulate = run_measured(
        [ORDERLENS, "simulate", "--orders", str(orders), "--scenario", "holiday-peak",
         "--seed", "7", "--days", str(SIMULATED_DAYS), "--out", str(data_dir / "inbox" / "sim")],
        env=env, timeout=3600,
    )  # fmt: skip
    built = run_measured(
        [sys.executable, "-m", "bench.bench_dashboard", "build", str(data_dir)],
        env=env,
        timeout=7200,
    )
    return {
        "reused_warehouse": False,
        "simulate_seconds": round(simulate.wall_seconds, 1),
        "ingest_dbt_publish_seconds": round(built.wall_seconds, 1),
    }


def prepare_login(data_dir: Path) -> dict[str, str]:
    """Write the session key (if missing) and the bench's executive into ``data_dir``.

    Returns:
        The environment variables that make ``orderlens serve`` use exactly these files
        (an inherited ``ORDERLENS_SECRET_KEY`` or users file would not know the bench user).
    """
    from orderlens.settings import Settings
    from orderlens.users import Role, add_user, create_secret_key

    settings = Settings(data_dir=data_dir)
    create_secret_key(settings.secret_key_path)
    add_user(settings.users_path, BENCH_USER[0], Role.EXECUTIVE, BENCH_USER[1])
    return {"ORDERLENS_DATA_DIR": str(data_dir), "ORDERLENS_USERS_FILE": str(settings.users_path)}


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    """The environment for ``orderlens serve`` on ``port`` with the bench's login files."""
    env = {key: value for key, value in os.environ.items() if key != "ORDERLENS_SECRET_KEY"}
    env.update(prepare_login(data_dir), ORDERLENS_PORT=str(port), ORDERLENS_HOST="127.0.0.1")
    return env


def logged_in_session(url: str) -> requests.Session:
    """An HTTP session logged in as the bench's executive through the login form."""
    client = requests.Session()
    form = client.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("the login page has no CSRF token")
    answer = client.post(
        f"{url}/login",
        data={"csrf_token": token.group(1), "username": BENCH_USER[0], "password": BENCH_USER[1]},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"logging in answered {answer.status_code}")
    return client


def log_in_tab(tab, url: str) -> None:
    """Log in as the bench's executive through the form in a Playwright tab."""
    tab.goto(f"{url}/login")
    tab.fill("#username", BENCH_USER[0])
    tab.fill("#password", BENCH_USER[1])
    tab.click("#login-submit")
    tab.wait_for_url(lambda address: "/login" not in address, timeout=60_000)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ready_server(data_dir: Path, *, timeout: float = 300) -> tuple[subprocess.Popen, str]:
    """``orderlens serve`` on ``data_dir`` at a free loopback port, in its own process
    group, returned once its derived tables are ready (the load benches measure a warm
    server)."""
    port = free_port()
    server = subprocess.Popen(
        [ORDERLENS, "serve"], env=server_env(data_dir, port),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    while (health(url) or {}).get("derived_tables") != "ready":
        if server.poll() is not None or time.perf_counter() - started > timeout:
            stop_server(server)
            raise RuntimeError("the dashboard did not become ready")
        time.sleep(0.3)
    return server, url


def stop_server(server: subprocess.Popen) -> None:
    """End a server started by this module, by its process group: politely, then by force."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def health(url: str) -> dict | None:
    """The server's ``/health`` answer, or ``None`` while it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def warehouse_facts(data_dir: Path) -> dict:
    """Sizes, date range, filter options and sample case ids of the serving copy."""
    import duckdb

    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        facts = con.execute(
            """
            SELECT (SELECT count(*) FROM marts.fct_orders),
                   (SELECT sum(event_count) FROM marts.fct_orders),
                   (SELECT sum(attempt_count) FROM marts.fct_integration_messages),
                   (SELECT count(*) FROM marts.fct_exceptions),
                   (SELECT min(date_day) FROM marts.dim_dates),
                   (SELECT max(date_day) FROM marts.dim_dates)
            """
        ).fetchone()
        options = {
            dimension: [row[0] for row in con.execute(sql).fetchall()]
            for dimension, sql in OPTION_QUERIES.items()
        }
        case_ids = [
            row[0]
            for row in con.execute(
                "SELECT case_id FROM marts.fct_orders USING SAMPLE 200 ROWS"
            ).fetchall()
        ]
    return {
        "orders": int(facts[0]),
        "workflow_events": int(facts[1]),
        "integration_events": int(facts[2]),
        "exceptions": int(facts[3]),
        "first_day": facts[4] if isinstance(facts[4], date) else facts[4].date(),
        "last_day": facts[5] if isinstance(facts[5], date) else facts[5].date(),
        "options": options,
        "case_ids": case_ids,
    }


def _random_filters(rng: random.Random, facts: dict) -> dict:
    """A realistic view: a week, two weeks or a month, sometimes narrowed by attributes."""
    from dashboard.filters import Filters, filters_to_query

    length = rng.choice([7, 14, 14, 30])
    last = facts["last_day"] - timedelta(days=rng.randrange(0, 20))
    start = max(facts["first_day"], last - timedelta(days=length - 1))
    kept = {}
    for dimension, values in facts["options"].items():
        if values and rng.random() < 0.3:
            kept[dimension] = tuple(
                sorted(rng.sample(values, k=min(len(values), rng.choice([1, 2]))))
            )
    filters = Filters(start=start, end=last, **kept)
    return {**filters.to_store(), "query": filters_to_query(filters)}


def vary_payload(payload: dict, rng: random.Random, facts: dict) -> dict:
    """The recorded request with the filters and the page's own controls changed."""
    varied = json.loads(json.dumps(payload))
    filters = _random_filters(rng, facts)
    for group in ("inputs", "state"):
        for item in varied.get(group, []):
            if not isinstance(item, dict):
                continue
            if item.get("id") == "filters" and item.get("property") == "data":
                item["value"] = filters
            elif item.get("id") == "backlog-as-of" and item.get("property") == "date":
                span = (
                    date.fromisoformat(filters["end"]) - date.fromisoformat(filters["start"])
                ).days
                item["value"] = (
                    date.fromisoformat(filters["start"]) + timedelta(days=rng.randint(0, span))
                ).isoformat()
            elif item.get("id") == "order-case-id":
                item["value"] = rng.choice(facts["case_ids"])
            elif item.get("id") == "process-edge-count":
                item["value"] = rng.choice([10, 20, 30, 50, 80])
            elif item.get("id") == "integration-metric":
                item["value"] = rng.choice(
                    ["failure_rate", "retry_rate", "duplicate_rate", "dead_letter_rate",
                     "mean_latency_ms"]
                )  # fmt: skip
            elif item.get("id") == "backlog-grouping":
                item["value"] = rng.choice(["exception_type", "owning_team", "node_id"])
    return varied


def record_callbacks(
    url: str, case_id: str, render_samples: int = 5
) -> tuple[dict[str, tuple[str, dict]], list[tuple[float, float, float, dict]]]:
    """Load every page in Chromium; keep one request per callback output, and time the
    overview's first render in fresh tabs (fully rendered, document loaded, KPIs shown,
    and what it fetched: :data:`RENDER_RESOURCES_JS`).

    Each browser context logs in first; the render is timed from the overview's address
    in a new tab of that logged-in context."""
    from playwright.sync_api import sync_playwright

    recorded: dict[str, tuple[str, dict]] = {}
    renders: list[tuple[float, float, float, dict]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(render_samples):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            log_in_tab(context.new_page(), url)
            tab = context.new_page()
            started = time.perf_counter()
            tab.goto(url + "/")
            tab.wait_for_load_state("domcontentloaded")
            scripts_loaded = time.perf_counter() - started
            tab.locator("#kpi-open-exceptions").wait_for(timeout=60_000)
            numbers_shown = time.perf_counter() - started
            tab.locator("#overview-backlog-chart .main-svg").first.wait_for(timeout=60_000)
            tab.locator("#overview-root-cause-chart .main-svg").first.wait_for(timeout=60_000)
            rendered = time.perf_counter() - started
            renders.append(
                (rendered, scripts_loaded, numbers_shown, tab.evaluate(RENDER_RESOURCES_JS))
            )
            context.close()
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        tab = context.new_page()
        log_in_tab(tab, url)

        def keep(request) -> None:
            if request.method == "POST" and "/_dash-update-component" in request.url:
                payload = json.loads(request.post_data or "{}")
                recorded.setdefault(payload.get("output", ""), (request.url, payload))

        tab.on("request", keep)
        for path in (*PAGES, f"/orders/{case_id}"):
            tab.goto(url + path)
            tab.wait_for_load_state("networkidle", timeout=120_000)
        context.close()
        browser.close()
    return recorded, renders


def _post(client: requests.Session, endpoint: str, payload: dict) -> float:
    started = time.perf_counter()
    response = client.post(endpoint, json=payload, timeout=120, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 204):
        raise RuntimeError(f"callback {payload.get('output')} answered {response.status_code}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank ``share`` percentile of ``values`` (0 < share <= 1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _short_name(output: str) -> str:
    return output.strip(".").split("...")[0].split(".")[0][:60] or "callback"


def run() -> list[dict]:
    """Measure callbacks and first render on the large warehouse."""
    orders, data_dir, samples = _settings()
    preparation = _prepare_data(orders, data_dir)
    facts = warehouse_facts(data_dir)
    port = free_port()
    env = server_env(data_dir, port)
    server = subprocess.Popen(
        [ORDERLENS, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    load_at_start = os.getloadavg()[0]
    try:
        started = time.perf_counter()
        while (health(url) or {}).get("status") != "ok":
            if server.poll() is not None or time.perf_counter() - started > 180:
                raise RuntimeError("the dashboard did not become healthy")
            time.sleep(0.3)
        healthy_s = time.perf_counter() - started
        while (health(url) or {}).get("derived_tables") != "ready":
            if time.perf_counter() - started > 1200:
                raise RuntimeError("the derived tables were not built in 20 minutes")
            time.sleep(0.5)
        derived_s = time.perf_counter() - started - healthy_s
        recorded, renders = record_callbacks(url, facts["case_ids"][0])
        client = logged_in_session(url)
        rng = random.Random(7)
        rows: list[dict] = []
        everything: list[float] = []
        for output, (endpoint, payload) in sorted(recorded.items()):
            timings = [
                _post(client, endpoint, vary_payload(payload, rng, facts)) for _ in range(samples)
            ]
            everything.extend(timings)
            p95 = percentile(timings, 0.95)
            rows.append(
                {
                    "benchmark": f"dashboard_callback:{_short_name(output)}",
                    "requests": samples,
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(p95, 1),
                    "max_ms": round(max(timings), 1),
                    "p95_over_target": round(p95 / CALLBACK_TARGET_MS, 2),
                    "meets_target": p95 <= CALLBACK_TARGET_MS,
                }
            )
        summary = {
            "benchmark": "dashboard_summary",
            "orders": facts["orders"],
            "workflow_events": facts["workflow_events"],
            "integration_events": facts["integration_events"],
            "exceptions": facts["exceptions"],
            **preparation,
            "server_healthy_seconds": round(healthy_s, 1),
            "derived_tables_seconds": round(derived_s, 1),
            "callbacks": len(rows),
            "callbacks_meeting_target": sum(row["meets_target"] for row in rows),
            "all_callbacks_p50_ms": round(statistics.median(everything), 1),
            "all_callbacks_p95_ms": round(percentile(everything, 0.95), 1),
            "first_render_cold_seconds": round(renders[0][0], 2),
            "first_render_median_seconds": round(statistics.median(r[0] for r in renders), 2),
            "first_render_max_seconds": round(max(r[0] for r in renders), 2),
            "first_render_over_target": round(
                max(r[0] for r in renders) / FIRST_RENDER_TARGET_S, 2
            ),
            "document_loaded_median_seconds": round(statistics.median(r[1] for r in renders), 2),
            "kpis_shown_median_seconds": round(statistics.median(r[2] for r in renders), 2),
            "last_callback_answered_median_seconds": round(
                statistics.median(r[3]["last_callback_answered_s"] for r in renders), 2
            ),
            "first_render_requests": renders[-1][3]["requests"],
            "first_render_callbacks": renders[-1][3]["callbacks"],
            "first_render_script_kb": round(renders[-1][3]["script_kb"]),
            "server_rss_mb": round(_rss_mb(server.pid), 0),
            # The machine is shared: the 1-minute load says how far to trust the figures.
            "load_1min_at_start": round(load_at_start, 2),
            "load_1min_at_end": round(os.getloadavg()[0], 2),
        }
        return [summary, *rows]
    finally:
        stop_server(server)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "build":
        build(Path(sys.argv[2]))
    else:
        for row in run():
            print(json.dumps(row, default=str))
