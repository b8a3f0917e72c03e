"""Ingestion speed: 10M events from Parquet and from CSV, and an XES log, end to end.

Each measurement runs ``orderlens ingest`` as its own process on a fresh data directory
(checksum, read, contract validation, deduplication, load, manifest, commit) and reports
wall seconds, events per second, peak resident memory and the 1-minute load average
before and after (the machine is shared: a busy machine inflates every wall time). A peer
measured in the same run gives the ratio: for Parquet and CSV, DuckDB copying the same
file into a table with no validation at all (the floor of any DuckDB load); for XES,
rustxes parsing the file alone. Inputs are generated in a temporary folder by DuckDB
(tabular) or by plain string writes (XES).

Targets (issue 4): Parquet <= 10 s (aim 5 s), CSV <= 30 s, XES >= 150,000 events/s.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import Measurement, run_measured
from orderlens.settings import Settings

TABULAR_EVENTS = int(os.environ.get("ORDERLENS_BENCH_EVENTS", "10000000"))
XES_EVENTS = int(os.environ.get("ORDERLENS_BENCH_XES_EVENTS", "1000000"))
EVENTS_PER_CASE = 8

_EVENTS_SQL = """
SELECT 'E' || i AS event_id, 'C' || (i // {per_case}) AS case_id,
  ['Order Created', 'Payment Authorized', 'Order Released to Node', 'Shipment Dispatched',
   'Delivered'][1 + i % 5] AS activity,
  TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i * 3) AS event_at,
  ['OMS', 'WMS', 'ERP', 'TMS', 'PAYMENT'][1 + i % 5] AS source_system,
  'user' || (i % 97) AS resource, ['human', 'bot', 'system'][1 + i % 3] AS resource_type,
  ['web', 'app', 'marketplace', 'store', 'call_center'][1 + (i // {per_case}) % 5] AS channel,
  'DC' || (i % 13) AS node_id, 'EU' AS region,
  CASE WHEN i % 5 = 3 THEN 'UPS' END AS carrier,
  CASE WHEN i % 50 = 7 THEN 'X' || i END AS exception_id,
  CASE WHEN i % 50 = 7 THEN 'inventory_shortage' END AS exception_type,
  CASE WHEN i % 50 = 7 THEN 'detected' END AS exception_stage,
  CASE WHEN i % 5 = 1 THEN (i % 1000) * 1.5 END AS amount,
  CASE WHEN i % 5 = 1 THEN 'EUR' END AS currency
FROM range({events}) AS t(i)
"""


def write_tabular(folder: Path, events: int) -> tuple[Path, Path]:
    """A Parquet and a CSV file of ``events`` canonical workflow events."""
    parquet = folder / "workflow_events.parquet"
    csv = folder / "workflow_events.csv"
    select = _EVENTS_SQL.format(events=events, per_case=EVENTS_PER_CASE)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY ({select}) TO '{parquet}' (FORMAT parquet)")
    con.execute(f"COPY ({select}) TO '{csv}' (FORMAT csv, HEADER)")
    con.close()
    return parquet, csv


def write_xes(path: Path, events: int) -> None:
    """An XES log of ``events`` events, eight per trace, with offsets on every timestamp."""
    activities = ["Order Created", "Payment Authorized", "Picked", "Packed", "Shipped"]
    with path.open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n')
        for case in range(events // EVENTS_PER_CASE):
            parts = [f'<trace><string key="concept:name" value="case-{case}"/>']
            for step in range(EVENTS_PER_CASE):
                minute = (case + step) % 60
                parts.append(
                    f'<event><string key="concept:name" value="{activities[step % 5]}"/>'
                    f'<string key="org:resource" value="r{(case + step) % 31}"/>'
                    f'<date key="time:timestamp" value="2024-03-{1 + case % 28:02d}T'
                    f'{step + 8:02d}:{minute:02d}:00.000+01:00"/></event>'
                )
            parts.append("</trace>\n")
            handle.write("".join(parts))
        handle.write("</log>\n")


def _orderlens() -> str:
    return str(Path(sys.executable).with_name("orderlens"))


def _ingest(path: Path, data_dir: Path) -> Measurement:
    env = Settings(data_dir=data_dir).subprocess_env()
    return run_measured([_orderlens(), "ingest", str(path)], env=env)


def _duckdb_copy(path: Path, database: Path) -> Measurement:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        f"con.execute(\"CREATE TABLE t AS SELECT * FROM {reader}('{path}')\")"
    )
    return run_measured([sys.executable, "-c", script, str(database)])


def _rustxes_parse(path: Path) -> Measurement:
    script = "import rustxes, sys; rustxes.import_xes(sys.argv[1])"
    return run_measured([sys.executable, "-c", script, str(path)])


def _figures(
    name: str,
    events: int,
    ours: Measurement,
    peer: Measurement,
    peer_name: str,
    load_before: float,
) -> dict:
    return {
        "benchmark": name,
        "events": events,
        "wall_seconds": ours.wall_seconds,
        "events_per_second": events / ours.wall_seconds,
        "peak_rss_mb": ours.peak_rss_mb,
        f"{peer_name}_seconds": peer.wall_seconds,
        f"ratio_to_{peer_name}": ours.wall_seconds / peer.wall_seconds,
        "load_average_1m_before": load_before,
        "load_average_1m": os.getloadavg()[0],
    }


def run() -> list[dict]:
    """Measure Parquet, CSV and XES ingestion; one figure set per format."""
    with tempfile.TemporaryDirectory(prefix="orderlens-bench-ingest-") as folder_name:
        folder = Path(folder_name)
        parquet, csv = write_tabular(folder, TABULAR_EVENTS)
        xes = folder / "orders.xes"
        write_xes(xes, XES_EVENTS)
        # the kernel would otherwise write the 1 GB of fresh inputs back during the first
        # measurement, on the same two cores
        os.sync()
        xes_events = XES_EVENTS // EVENTS_PER_CASE * EVENTS_PER_CASE
        results = []
        for name, path in (("ingest_parquet", parquet), ("ingest_csv", csv)):
            load_before = os.getloadavg()[0]
            ours = _ingest(path, folder / f"data_{name}")
            peer = _duckdb_copy(path, folder / f"{name}_copy.duckdb")
            results.append(_figures(name, TABULAR_EVENTS, ours, peer, "duckdb_copy", load_before))
        load_before = os.getloadavg()[0]
        ours = _ingest(xes, folder / "data_xes")
        peer = _rustxes_parse(xes)
        results.append(_figures("ingest_xes", xes_events, ours, peer, "rustxes_parse", load_before))
        return results
