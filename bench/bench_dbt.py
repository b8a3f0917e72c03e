"""Benchmark: ``dbt build`` of every model and test over ten million workflow events.

The raw data is generated inside DuckDB by SQL (no Python loops): one million orders of
ten events each, a tenth of them with a four-event exception lifecycle in place of four
ordinary steps, and one integration message with one or two attempts per order. Then
``dbt build`` runs as a child process (full build), more events are appended and it runs
again (incremental transitions and traces). Target: the full build in at most 60 s.
The machine's load average before each build and dbt's five slowest nodes (from
``run_results.json``) are reported with the figures, since other work on a shared
machine changes them.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.measure import run_measured
from orderlens.contract import RAW_MODELS, field_names
from orderlens.dbt_runner import dbt_command, record_built_lifecycle
from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse, store_raw_columns

ORDERS = 1_000_000
EVENTS_PER_ORDER = 10
APPENDED_ORDERS = 10_000

_ACTIVITIES = (
    "['Order Created', 'Payment Authorized', 'Order Released to Node', 'Pick Started', "
    "'Packed', 'Shipment Dispatched', 'Invoice Posted to ERP', 'In Transit', "
    "'Out for Delivery', 'Delivered']"
)
_STAGES = "['detected', 'assigned', 'escalated', 'resolved_manual']"


def _workflow_sql(first_order: int, orders: int, first_seq: int) -> str:
    return f"""
    INSERT INTO raw.stored_workflow_events BY NAME
    WITH numbered AS (
        SELECT
            i,
            {first_order} + i // {EVENTS_PER_ORDER} AS order_number,
            i % {EVENTS_PER_ORDER} AS step
        FROM range({orders * EVENTS_PER_ORDER}) AS t(i)
    )
    SELECT
        'e' || ({first_seq} + i) AS event_id,
        'o' || order_number AS case_id,
        CASE WHEN order_number % 10 = 3 AND step BETWEEN 3 AND 6
            THEN 'Pick Exception ' || ({_STAGES})[step - 2]
            ELSE ({_ACTIVITIES})[step + 1] END AS activity,
        TIMESTAMPTZ '2024-01-01 00:00:00+00'
            + to_seconds(order_number * 2 + step * (1800 + (order_number * 7919 + step) % 3600))
            AS event_at,
        'OMS' AS source_system,
        CASE WHEN step IN (4, 5) AND order_number % 10 = 3 THEN 'human' ELSE 'system' END
            AS resource_type,
        (['web', 'app', 'marketplace', 'store', 'call_center'])[order_number % 5 + 1] AS channel,
        'DC' || (order_number % 40) AS node_id,
        'R' || (order_number % 6) AS region,
        (['UPS', 'FedEx', 'DHL', 'USPS'])[order_number % 4 + 1] AS carrier,
        'SUP' || (order_number % 200) AS supplier,
        CASE WHEN order_number % 10 = 3 AND step BETWEEN 3 AND 6
            THEN 'x' || order_number END AS exception_id,
        CASE WHEN order_number % 10 = 3 AND step BETWEEN 3 AND 6
            THEN 'pick_failure' END AS exception_type,
        CASE WHEN order_number % 10 = 3 AND step BETWEEN 3 AND 6
            THEN ({_STAGES})[step - 2] END AS exception_stage,
        CASE WHEN order_number % 10 = 3 AND step = 3 THEN 'ITEM_DAMAGED' END AS reason_code,
        CASE WHEN step = 0 THEN 20 + order_number % 180 END AS amount,
        {first_seq} + i AS event_seq,
        'bench' AS source_file,
        i + 1 AS source_row,
        'bench-{first_seq}' AS load_id
    FROM numbered
    """


def _integration_sql(orders: int) -> str:
    return f"""
    INSERT INTO raw.stored_integration_events BY NAME
    SELECT
        'm' || i || '-' || a AS message_id,
        'k' || i AS idempotency_key,
        'o' || i AS correlation_id,
        'OMS->WMS:release' AS interface,
        'OMS' AS source_system,
        'WMS' AS target_system,
        'release' AS operation,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 2 + 1800 + a * 30) AS sent_at,
        50 + (i * 31 + a) % 400 AS latency_ms,
        CASE WHEN a = 1 AND i % 20 = 0 THEN '5xx' ELSE 'ok' END AS status,
        a AS attempt,
        false AS dead_lettered,
        false AS replayed,
        i * 2 + a AS event_seq,
        'bench' AS source_file,
        i AS source_row,
        'bench' AS load_id
    FROM range({orders}) AS t(i), range(1, 3) AS attempts(a)
    WHERE a = 1 OR i % 20 = 0
    """


def _slowest_nodes(settings: Settings, count: int = 5) -> dict[str, float]:
    """dbt's own execution time of the ``count`` slowest nodes of the last build."""
    results = json.loads((settings.dbt_target_dir / "run_results.json").read_text())["results"]
    slowest = sorted(results, key=lambda result: -result["execution_time"])[:count]
    return {
        result["unique_id"].split(".")[-1]: round(result["execution_time"], 2) for result in slowest
    }


@dataclass(frozen=True)
class BuildFigures:
    """One measured ``dbt build``."""

    wall_seconds: float
    peak_rss_mb: float
    load_average_before: float
    slowest_nodes_seconds: dict[str, float]


def _dbt_build(settings: Settings) -> BuildFigures:
    load_before = os.getloadavg()[0]
    measurement = run_measured(dbt_command(settings, ["build"]), timeout=900)
    return BuildFigures(
        wall_seconds=measurement.wall_seconds,
        peak_rss_mb=measurement.peak_rss_mb,
        load_average_before=load_before,
        slowest_nodes_seconds=_slowest_nodes(settings),
    )


def run() -> list[dict[str, object]]:
    """Generate the raw data, then time a full and an incremental ``dbt build``."""
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-dbt-") as folder:
        settings = Settings(data_dir=Path(folder))
        initialize_warehouse(settings)
        with connect(settings.warehouse_path) as con:
            for model in RAW_MODELS:
                store_raw_columns(con, model, field_names(model))
            con.execute(_workflow_sql(0, ORDERS, 1))
            con.execute(_integration_sql(ORDERS))
            events = con.execute("SELECT count(*) FROM raw.workflow_events").fetchone()[0]
        full = _dbt_build(settings)
        # As run_dbt does after a whole build: the next one may then be incremental.
        record_built_lifecycle(settings)
        with connect(settings.warehouse_path) as con:
            con.execute(_workflow_sql(ORDERS, APPENDED_ORDERS, ORDERS * EVENTS_PER_ORDER + 1))
        incremental = _dbt_build(settings)
    return [
        {
            "benchmark": "dbt_build_full",
            "workflow_events": int(events),
            **asdict(full),
            "events_per_second": events / full.wall_seconds,
            "target_seconds": 60.0,
            "cpu_count": os.cpu_count(),
        },
        {
            "benchmark": "dbt_build_incremental",
            "appended_events": APPENDED_ORDERS * EVENTS_PER_ORDER,
            **asdict(incremental),
            "ratio_to_full_build": incremental.wall_seconds / full.wall_seconds,
        },
    ]
