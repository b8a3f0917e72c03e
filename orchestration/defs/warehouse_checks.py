"""What the asset checks of every domain (``defs/<domain>/checks.py``) do the same way:
read the warehouse without writing to it, and raise a warning that lists what was found.

A check runs beside the pipeline's writes; opening the warehouse read-only, only for the
query, keeps it from holding DuckDB's one writer lock.
"""

from collections.abc import Mapping, Sequence

import dagster as dg
import pandas as pd

from orchestration.defs.resources import OrderlensResource
from orderlens.warehouse import connect


def read_warehouse(
    orderlens: OrderlensResource, sql: str, parameters: Sequence[object] = ()
) -> list[tuple]:
    """Every row of ``sql`` on the run's warehouse, opened read-only for the query."""
    with connect(orderlens.settings().warehouse_path, read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def read_warehouse_frame(
    orderlens: OrderlensResource, sql: str, parameters: Sequence[object] = ()
) -> pd.DataFrame:
    """:func:`read_warehouse` as a DataFrame, for checks that hand rows to a library."""
    with connect(orderlens.settings().warehouse_path, read_only=True) as con:
        return con.execute(sql, list(parameters)).df()


def warning_alert(
    findings: Sequence[str], *, all_clear: str, metadata: Mapping[str, object]
) -> dg.AssetCheckResult:
    """A result that fails as a warning while there are findings, described one after the
    other (``all_clear`` when there are none): an alert to act on that must not stop the
    assets downstream."""
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(findings) or all_clear,
        metadata=dict(metadata),
    )
