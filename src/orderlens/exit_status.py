"""The exit statuses of the ``orderlens`` command line, one meaning each.

Schedulers and scripts branch on them, so a status never changes meaning: a busy
warehouse is worth retrying later, an unusable mapping is not.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What an ``orderlens`` command's exit status means."""

    OK = 0
    """Everything asked was done (quarantined rows included)."""
    FAILED = 1
    """A file was rejected or failed, a pipeline step failed, or another error was
    reported on one line."""
    MAPPING_UNUSABLE = 2
    """The column-mapping file cannot be used; nothing was ingested."""
    WAREHOUSE_BUSY = 3
    """Another process held the warehouse for longer than
    ``ORDERLENS_WAREHOUSE_LOCK_TIMEOUT`` seconds; nothing was changed, run again later."""
    WAREHOUSE_UNREADABLE = 4
    """The warehouse file exists but is not a readable DuckDB database."""
