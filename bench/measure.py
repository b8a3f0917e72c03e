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
    peak_tree_rss_mb: float = 0.0
    """Largest sum of resident memory over the process and its descendants at one moment
    (sampled every 50 ms): what a command needs when it starts helpers, such as dbt."""


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
        tree = _TreeMemoryWatcher(process.pid)
        tree.start()
        try:
            _, status, _ = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
            watcher.stop()
            tree.stop()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} exited with {process.returncode}:\n{err.read()[-4000:]}"
            )
        peak_mb = watcher.peak_kb / 1024
        return Measurement(wall, peak_mb, out.read(), max(peak_mb, tree.peak_kb / 1024))


PIPELINE_STAGES = ("ingest", "dbt", "mining", "triage", "publish", "report")


def stage_seconds(run_output: str) -> dict[str, float]:
    """Seconds per stage from ``orderlens run``'s stage lines (``dbt      16.4 s  ...``)."""
    return {
        line.split()[0]: float(line.split()[1])
        for line in run_output.splitlines()
        if line[:8].strip() in PIPELINE_STAGES
    }


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


class _TreeMemoryWatcher(_HighWaterWatcher):
    """Sums ``VmRSS`` over a process and all its descendants every 50 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid, interval=0.05)
        self._root = pid

    def run(self) -> None:
        while not self._stopped.is_set():
            self.peak_kb = max(self.peak_kb, sum(map(_resident_kb, _descendants(self._root))))
            self._stopped.wait(self._interval)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (children listed per thread by the kernel)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    queue.extend(int(child) for child in children.read().split())
            except OSError:
                continue
    return found


def _resident_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
