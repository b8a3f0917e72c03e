"""The events the spike detector counts, read from the warehouse's marts and staging.

One row per counted item: an exception opened (per node, carrier, supplier and
channel), an order created (per channel), or a first delivery attempt of a middleware
message (per interface, flagged when it failed). Detection itself is
:mod:`orderlens.triage.spike_detection`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

EXCEPTION_DIMENSIONS: tuple[str, ...] = ("node_id", "carrier", "supplier", "channel")
"""Dimensions of ``marts.fct_exceptions`` whose values are watched for exception spikes."""


def load_watched_events(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The events the detector counts, one row each: ``metric``, ``dimension``, ``value``,
    ``exception_type``, ``at``, ``failed`` (for middleware attempts) and ``item_id`` (the
    exception, order or message counted).

    Reads ``marts.fct_exceptions`` (detections), ``marts.fct_orders`` (order creation) and
    ``staging.stg_raw__integration_events`` (attempts).
    """
    parts = [
        f"SELECT 'exceptions_opened' AS metric, '{dimension}' AS dimension,"
        f" {dimension} AS value, exception_type, detected_at AS at, false AS failed,"
        " exception_id AS item_id"
        f" FROM marts.fct_exceptions WHERE {dimension} IS NOT NULL AND detected_at IS NOT NULL"
        for dimension in EXCEPTION_DIMENSIONS
    ]
    parts.append(
        "SELECT 'orders_created', 'channel', channel, NULL, ordered_at, false, case_id"
        " FROM marts.fct_orders WHERE channel IS NOT NULL AND ordered_at IS NOT NULL"
    )
    parts.append(
        "SELECT 'integration_failures', 'interface', interface, NULL, sent_at, status <> 'ok',"
        " idempotency_key"
        " FROM staging.stg_raw__integration_events WHERE interface IS NOT NULL AND attempt = 1"
    )
    return con.execute(" UNION ALL ".join(parts)).df()
