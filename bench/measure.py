"""Measuring one command: wall time and peak memory of a child process.

Each benchmark runs the measured work (and its peer, such as pm4py) as a separate
process, and waits for it with ``wait4`` so the peak resident memory reported is that
process's own and one measurement cannot inflate the next.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one finished command, and what it printed."""

    wall_seconds: float
    peak_rss_mb: float
    stdout: str


def run_measured(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 1800
) -> Measurement:
    """Run ``command`` to completion and report its wall time and peak memory.

    Raises:
        RuntimeError: the command failed or timed out (the end of its stderr included).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=out, stderr=err, env=None if env is None else dict(env)
        )
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} exited with {process.returncode}:\n{err.read()[-4000:]}"
            )
        return Measurement(wall, usage.ru_maxrss / 1024, out.read())
