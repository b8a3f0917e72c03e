"""Measuring one command: wall time and peak memory of a child process.

Each benchmark runs the measured work (and its peer, such as pm4py) as a separate
process. Its peak resident memory is read from ``VmHWM`` in ``/proc/PID/status`` while it
runs: the high-water mark of the process's own address space, which starts afresh at
``exec``. ``wait4``'s ``ru_maxrss`` is not used because Linux carries the forking
parent's high-water mark into it, so a child of a large benchmark process would report
at least the parent's size.
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
        watcher = _HighWaterWatcher(process.pid)
        watcher.start()
        try:
            _, status, _ = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
            watcher.stop()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} exited with {process.returncode}:\n{err.read()[-4000:]}"
            )
        return Measurement(wall, watcher.peak_kb / 1024, out.read())


class _HighWaterWatcher(threading.Thread):
    """Reads a process's ``VmHWM`` every few milliseconds until it exits."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self._status = f"/proc/{pid}/status"
        self._interval = interval
        self._stopped = threading.Event()
        self.peak_kb = 0

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                with open(self._status) as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                            break
            except (OSError, ValueError):
                return
            self._stopped.wait(self._interval)

    def stop(self) -> None:
        self._stopped.set()
        self.join()
