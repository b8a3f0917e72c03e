"""The failure rule: a file most of whose records fail validation is a failure, not a load.

A few bad rows in an export are facts to quarantine. A file in which more records fail
validation than pass (``invalid > loaded``; duplicates of known events count on neither
side, so re-sending an overlapping export never fails) points at a cause outside the
rows -- relative timestamps, a day-first date format, a wrong column mapped -- and loading
its minority would hide it behind an exit status of 0. Such a file is rolled back whole:
nothing of it is loaded or quarantined, its manifest row says ``failed`` with the most
frequent reason, how many records it hit and the fix, and once the fix is made the file
is ingested again from scratch (a failed file is not "already loaded"), so no record is
lost or loaded twice.
"""

from __future__ import annotations

import re

import duckdb

from orderlens.ingest.validation import (
    FAILED_COLUMN,
    REASON_COLUMN,
    REJECTED_TABLE,
    TimestampWindow,
)
from orderlens.settings import PLAUSIBLE_FROM_VARIABLE, PLAUSIBLE_UNTIL_VARIABLE

_ROW = "__row"
_DAY = r"(-?\d{4,}-\d\d-\d\d)"


class MostlyInvalidError(ValueError):
    """More records of a file failed validation than passed; the file is rolled back.

    Attributes:
        target_table: The raw table the file would have fed.
    """

    def __init__(self, message: str, *, target_table: str) -> None:
        super().__init__(message)
        self.target_table = target_table


def is_mostly_invalid(*, loaded: int, invalid: int) -> bool:
    """The failure rule: more records failed validation than were loaded."""
    return invalid > loaded


def suggest_fix(
    reason: str, column: str | None, *, earliest: str | None, latest: str | None
) -> str:
    """What to change so that records failing for ``reason`` load.

    Args:
        reason: One record's reason text (``event_at: implausible timestamp ...``).
        column: The record's first failing column (``None`` for an unreadable record).
        earliest: The earliest day among the records failing before the window.
        latest: The latest day among the records failing after the window.
    """
    if "implausible timestamp" in reason and "(before " in reason and earliest:
        fix = (
            f"set `plausible_from: {earliest}` in the mapping or "
            f"{PLAUSIBLE_FROM_VARIABLE}={earliest}"
        )
        if earliest[:4] in ("1969", "1970"):
            fix += (
                "; for relative times counted from 1970-01-01 (a simulation's export), set "
                "`relative_timestamps: true` in the mapping"
            )
        return fix
    if "implausible timestamp" in reason and "(after " in reason and latest:
        return (
            f"set `plausible_until: {latest}` in the mapping or {PLAUSIBLE_UNTIL_VARIABLE}={latest}"
        )
    if "as a timestamp" in reason:
        return (
            "declare the timestamps' form with `timestamp_format:` in the mapping (a strptime "
            "pattern such as '%d.%m.%Y %H:%M:%S', or epoch_s / epoch_ms)"
        )
    if "list literal" in reason or "only whitespace" in reason:
        return "map case_id under `columns:` to a column holding one case id per event"
    if "missing required value" in reason:
        return (
            f"map the file's column holding {column} under `columns:` in the mapping, or give "
            "one value for every row under `constants:`"
        )
    if "unknown value" in reason:
        return f"rename the file's values under `values: {{{column}: ...}}` in the mapping"
    if "not a JSON object" in reason and column is None:
        return "fix the export: every line of a JSON Lines file is one JSON object"
    if "unreadable record" in reason:
        return "declare the file's `delimiter`, `quote` and `header` under `csv:` in the mapping"
    return "correct the export or the mapping (see docs/ingestion.md, Validation)"


def _normalized(column: str) -> str:
    """SQL grouping reasons that differ only in values: quoted texts and numbers elided."""
    elided = f"regexp_replace({column}, '''[^'']*''', '''...''', 'g')"
    return f"regexp_replace({elided}, '[0-9]+', '#', 'g')"


def describe_failure(
    con: duckdb.DuckDBPyConnection,
    *,
    rows_read: int,
    loaded: int,
    invalid: int,
    window: TimestampWindow,
) -> str:
    """The failed file's message: counts, the most frequent reason with its first record,
    and the fix, from the failing records collected in the load's temporary table."""
    row = con.execute(
        f"SELECT count(*), min({_ROW}), arg_min({REASON_COLUMN}, {_ROW}), "
        f"arg_min({FAILED_COLUMN}, {_ROW}), "
        f"min(regexp_extract({REASON_COLUMN}, 'implausible timestamp {_DAY}[^(]*\\(before', 1))"
        f"  FILTER (WHERE {REASON_COLUMN} LIKE '%(before %'), "
        f"max(regexp_extract({REASON_COLUMN}, 'implausible timestamp {_DAY}[^(]*\\(after', 1))"
        f"  FILTER (WHERE {REASON_COLUMN} LIKE '%(after %') "
        f"FROM {REJECTED_TABLE} GROUP BY {_normalized(REASON_COLUMN)} "
        f"ORDER BY count(*) DESC, min({_ROW}) LIMIT 1"
    ).fetchone()
    if row is None:
        return f"{invalid} of {rows_read} records fail validation"
    count, first_row, reason, column, earliest, latest = row
    fix = suggest_fix(str(reason), column, earliest=earliest or None, latest=latest or None)
    window_text = f"{window.earliest.date()} .. {window.latest.date()}"
    shown = re.sub(r"\s+", " ", str(reason))[:300]
    return (
        f"{invalid} of {rows_read} records fail validation, {loaded} pass; the most frequent "
        f"reason ({count} records, first at row {first_row}): {shown}. Fix: {fix}. Nothing "
        f"of the file was kept (plausible window {window_text}); ingest it again after the fix"
    )
