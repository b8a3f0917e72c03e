"""Every query the dashboard runs, against the published serving copy, read-only.

A connection is opened per query: the pipeline replaces ``serving.duckdb`` atomically,
so a new connection always sees the latest complete publication and an old one keeps
reading the copy it opened. Filter values are always bound as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from flask import current_app

from orderlens.settings import Settings
from orderlens.warehouse import CorruptWarehouseError, connect

SETTINGS_KEY = "ORDERLENS_SETTINGS"


class ServingCopyUnavailableError(RuntimeError):
    """No published serving copy yet, or it cannot be read."""


def _serving_path() -> Path:
    settings: Settings = current_app.config[SETTINGS_KEY]
    return settings.serving_path


def query(sql: str, parameters: list[object] | None = None) -> pd.DataFrame:
    """Run one read-only query on the serving copy and return its rows.

    Raises:
        ServingCopyUnavailableError: nothing has been published yet, or the file is damaged.
    """
    path = _serving_path()
    if not path.exists():
        raise ServingCopyUnavailableError(
            f"no published data yet at {path}: run `orderlens run` to build and publish it"
        )
    try:
        with connect(path, read_only=True) as con:
            return con.execute(sql, parameters or []).df()
    except CorruptWarehouseError as error:
        raise ServingCopyUnavailableError(str(error)) from error


@dataclass(frozen=True)
class Publication:
    """When the data on screen was published."""

    published_at: datetime


def get_publication() -> Publication:
    """The time of the serving copy's publication ("data as of")."""
    frame = query("SELECT published_at FROM meta.publication")
    return Publication(published_at=frame["published_at"].iloc[0].to_pydatetime())


def get_open_exceptions_by_type() -> pd.DataFrame:
    """Open exceptions counted per exception type, largest first."""
    return query(
        """
        SELECT exception_type, count(*) AS open_exceptions
        FROM marts.fct_exceptions
        WHERE is_open
        GROUP BY exception_type
        ORDER BY open_exceptions DESC, exception_type
        """
    )
