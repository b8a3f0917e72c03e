"""A Spark standalone cluster on this machine's loopback, and Spark's history server.

The Spark engine has to be shown on a real cluster, not only on ``local[N]`` (where every
task runs inside the driver's JVM): a master and workers as separate processes, each
worker running its executor in a JVM of its own. The test suite and ``make bench
BENCH=spark`` start such a cluster here with the launch classes pyspark ships
(``bin/spark-class``), ask Spark's own REST APIs which executors ran how many tasks, and
stop exactly the processes they started.

Everything binds to 127.0.0.1 on free ports and writes only under the given work
folder, so two clusters (two pytest-xdist workers, a benchmark next to a test run) do not
meet, and nothing lands in the source tree or the installed pyspark package.

Example::

    with LocalSparkCluster(tmp_path / "cluster", workers=2) as cluster:
        spark = SparkSession.builder.config(map=cluster.driver_conf()).getOrCreate()
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
HISTORY_SERVER_CLASS = "org.apache.spark.deploy.history.HistoryServer"
DRIVER_EXECUTOR_ID = "driver"
LOG_TAIL_LINES = 25
POLL_SECONDS = 0.5


class SparkClusterError(RuntimeError):
    """A Spark process did not come up or stopped early; the message quotes its log."""


def spark_home() -> Path:
    """The Spark installation pyspark carries (its package folder).

    ``spark-class`` would otherwise look for Spark through whatever ``python3`` is first
    on PATH, which outside an activated venv is not the interpreter that has pyspark.
    """
    spec = find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise SparkClusterError("pyspark is not installed: run `make setup`")
    return Path(spec.origin).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


REPLAY_SECONDS = 180.0
"""How long the history server may take to answer for an application it has not read yet."""


def fetch_json(url: str, *, timeout: float = 5.0) -> Any:
    """GET ``url`` and decode its JSON body (Spark's UIs answer JSON to plain GETs)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def spark_process_environment(work_dir: Path) -> dict[str, str]:
    """The environment of every Spark process launched here.

    - ``SPARK_HOME``: the installed pyspark (see :func:`spark_home`);
    - ``SPARK_LOCAL_IP``: without it the JVMs bind to the host's non-loopback address;
    - log, worker and scratch (``SPARK_LOCAL_DIRS``: shuffle files, spills) folders under
      ``work_dir``, so nothing is written into the pyspark package or ``/tmp``;
    - this interpreter's folder first on PATH: executors start Python workers (for
      Python UDFs) as ``python3``, which must be the interpreter that has pyspark.

    Raises:
        SparkClusterError: If no Java runtime is found (neither ``JAVA_HOME`` nor ``java``).
    """
    environment = dict(os.environ)
    if not environment.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkClusterError(
            "no Java runtime: Spark needs Java 17 (`bash scripts/install_system_packages.sh` "
            "installs openjdk-17-jre-headless), or set JAVA_HOME"
        )
    interpreter_dir = str(Path(sys.executable).parent)
    environment.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP=LOOPBACK,
        SPARK_LOG_DIR=str(work_dir / "logs"),
        SPARK_WORKER_DIR=str(work_dir / "workers"),
        SPARK_LOCAL_DIRS=str(work_dir / "scratch"),
        PATH=os.pathsep.join([interpreter_dir, environment.get("PATH", "")]),
    )
    return environment


@dataclass(frozen=True)
class _SparkProcess:
    """One launched ``spark-class`` process (the leader of its own process group)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self) -> str:
        """The last lines of the process's log, for error messages."""
        if not self.log_path.exists():
            return "(no log written)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty log)"

    def group_is_gone(self) -> bool:
        """Whether the process and everything it started (executor JVMs) have ended."""
        if self.process.poll() is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def signal_group(self, signal_number: int) -> None:
        """Send a signal to the process's group; a group already gone is fine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal_number)


class _SparkProcesses:
    """The Spark processes one cluster or history server launched, and their lifecycle.

    Each runs in its own process group (a new session), so stopping reaches the executor
    JVMs a worker started and nothing else: not the caller, not another cluster.
    """

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.launched: list[_SparkProcess] = []
        self._environment: dict[str, str] | None = None

    def launch(self, name: str, arguments: list[str]) -> None:
        """Start ``spark-class <arguments>`` with its output in ``<work_dir>/logs/<name>.log``."""
        if self._environment is None:
            self._environment = spark_process_environment(self.work_dir)
        log_path = self.work_dir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(spark_home() / "bin" / "spark-class"), *arguments],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.work_dir,
                env=self._environment,
                start_new_session=True,
            )
        self.launched.append(_SparkProcess(name, process, log_path))

    def raise_if_any_ended(self) -> None:
        """Fail fast, with its log, when a process ended while it should be serving."""
        for launched in self.launched:
            exit_code = launched.process.poll()
            if exit_code is not None:
                raise SparkClusterError(
                    f"Spark {launched.name} ended with exit code {exit_code}; "
                    f"the end of {launched.log_path}:\n{launched.log_tail()}"
                )

    def timeout_error(self, waited_for: str, seconds: float) -> SparkClusterError:
        """The error for a start that took too long, quoting every process's log tail."""
        tails = "\n".join(
            f"--- {launched.log_path}:\n{launched.log_tail()}" for launched in self.launched
        )
        return SparkClusterError(f"{waited_for} not within {seconds:.0f} s\n{tails}")

    def stop(self, timeout: float) -> None:
        """End every launched process group: SIGTERM, then SIGKILL for what outlives
        ``timeout`` seconds; returns once all of them are gone. Safe to call again."""
        for launched in self.launched:
            launched.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        killed = False
        while not all(launched.group_is_gone() for launched in self.launched):
            if not killed and time.monotonic() > deadline:
                for launched in self.launched:
                    launched.signal_group(signal.SIGKILL)
                killed = True
            time.sleep(0.1)


class LocalSparkCluster:
    """A Spark standalone master and ``workers`` workers on 127.0.0.1, as a context manager.

    Args:
        work_dir: Where the processes' logs, the workers' application folders and Spark's
            scratch files go (created if missing).
        workers: How many workers (each runs one executor of an application).
        cores_per_worker: Cores each worker offers.
        memory_per_worker: Memory each worker offers, in Spark's notation (``"1g"``).
        start_timeout: Seconds :meth:`start` waits for every worker to register.
        stop_timeout: Seconds :meth:`stop` waits after SIGTERM before SIGKILL.
    """

    def __init__(
        self,
        work_dir: Path,
        workers: int = 2,
        cores_per_worker: int = 1,
        memory_per_worker: str = "2g",
        *,
        start_timeout: float = 180.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.work_dir = work_dir
        self.workers = workers
        self.cores_per_worker = cores_per_worker
        self.memory_per_worker = memory_per_worker
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._processes = _SparkProcesses(work_dir)
        self._master_port: int | None = None
        self._web_port: int | None = None
        self._worker_web_ports: list[int] = []

    @property
    def master_url(self) -> str:
        """The URL drivers connect to (``spark://127.0.0.1:<port>``)."""
        return f"spark://{LOOPBACK}:{self._started(self._master_port)}"

    @property
    def web_url(self) -> str:
        """The master's web UI (``/json/`` there describes the cluster)."""
        return f"http://{LOOPBACK}:{self._started(self._web_port)}"

    @property
    def ports(self) -> tuple[int, ...]:
        """The ports chosen for the master, its web UI and every worker's web UI."""
        return (
            self._started(self._master_port),
            self._started(self._web_port),
            *self._worker_web_ports,
        )

    @property
    def process_ids(self) -> tuple[int, ...]:
        """The master's and the workers' process ids (each also its process group's id)."""
        return tuple(launched.process.pid for launched in self._processes.launched)

    def start(self) -> Self:
        """Launch the master and the workers; return once the master lists every worker
        as ALIVE.

        Raises:
            SparkClusterError: If a process ends early or the workers are not all alive
                within ``start_timeout``; what was started is stopped first.
        """
        if self._processes.launched:
            raise SparkClusterError("this cluster was started already")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._master_port = free_port()
        self._web_port = free_port()
        # The master's REST submission server would take the fixed port 6066, which a
        # second cluster on this machine would then have to work around; drivers here
        # connect through the master URL and need no REST submission.
        master_properties = self.work_dir / "master.properties"
        master_properties.write_text("spark.master.rest.enabled=false\n")
        try:
            self._processes.launch(
                "master",
                [
                    MASTER_CLASS,
                    "--properties-file",
                    str(master_properties),
                    "--host",
                    LOOPBACK,
                    "--port",
                    str(self._master_port),
                    "--webui-port",
                    str(self._web_port),
                ],
            )
            for number in range(1, self.workers + 1):
                self._launch_worker(number)
            self._wait_for_workers()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch_worker(self, number: int) -> None:
        web_port = free_port()
        self._worker_web_ports.append(web_port)
        worker_dir = self.work_dir / "workers" / f"worker-{number}"
        worker_dir.mkdir(parents=True, exist_ok=True)
        self._processes.launch(
            f"worker-{number}",
            [
                WORKER_CLASS,
                "--host",
                LOOPBACK,
                "--webui-port",
                str(web_port),
                "--cores",
                str(self.cores_per_worker),
                "--memory",
                self.memory_per_worker,
                "--work-dir",
                str(worker_dir),
                self.master_url,
            ],
        )

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            self._processes.raise_if_any_ended()
            try:
                if len(self.alive_workers()) >= self.workers:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # the master's web UI is not up yet
            if time.monotonic() > deadline:
                raise self._processes.timeout_error(
                    f"{self.workers} alive workers at {self.master_url}", self.start_timeout
                )
            time.sleep(POLL_SECONDS)

    def cluster_state(self) -> dict[str, Any]:
        """The master's ``/json/`` answer: workers, active and completed applications."""
        state: dict[str, Any] = fetch_json(f"{self.web_url}/json/")
        return state

    def alive_workers(self) -> list[dict[str, Any]]:
        """The workers the master lists as ALIVE (``host``, ``cores``, ``memory``, ...)."""
        return [
            worker
            for worker in self.cluster_state().get("workers", [])
            if worker.get("state") == "ALIVE"
        ]

    def applications(self) -> list[dict[str, Any]]:
        """The master's active and completed applications (``id``, ``name``, ``state``)."""
        state = self.cluster_state()
        return [*state.get("activeapps", []), *state.get("completedapps", [])]

    def driver_conf(self) -> dict[str, str]:
        """The Spark configuration a driver on this machine needs for this cluster.

        - the master, and the driver bound to and advertised on 127.0.0.1 (it would
          otherwise advertise the host's address to the executors);
        - one executor per worker taking the whole worker (executor cores and memory
          equal to the worker's), so "tasks ran on every worker" means every executor;
        - jobs wait until every executor has registered, instead of starting on the
          first one to arrive;
        - no live driver UI: Spark binds it to every interface unless ``SPARK_LOCAL_IP``
          was set before the driver's JVM started, which a driver inside a running
          Python process cannot promise; the history server serves the same REST API.
        """
        return {
            "spark.master": self.master_url,
            "spark.driver.host": LOOPBACK,
            "spark.driver.bindAddress": LOOPBACK,
            "spark.executor.cores": str(self.cores_per_worker),
            "spark.executor.memory": self.memory_per_worker,
            "spark.cores.max": str(self.cores_per_worker * self.workers),
            "spark.scheduler.minRegisteredResourcesRatio": "1.0",
            "spark.ui.enabled": "false",
        }

    def stop(self) -> None:
        """End exactly the processes :meth:`start` launched (and the executors they ran),
        and wait for them. Calling it again, or before :meth:`start`, does nothing."""
        self._processes.stop(self.stop_timeout)

    def _started(self, port: int | None) -> int:
        if port is None:
            raise SparkClusterError("the cluster has not been started")
        return port

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class SparkHistoryServer:
    """Spark's history server over a folder of application event logs, on 127.0.0.1.

    It is the REST API of applications that have ended: which executor ran how many
    tasks, after the driver (and its own UI) is gone. It finds a finished application
    once it rescans the folder, every ``update_interval``.

    Args:
        event_log_dir: The folder drivers wrote their event logs to
            (``spark.eventLog.dir``); it must exist.
        work_dir: Where the server's configuration and log go (created if missing).
        update_interval: How often the server rescans ``event_log_dir``.
        start_timeout: Seconds :meth:`start` waits for the REST API to answer.
        stop_timeout: Seconds :meth:`stop` waits after SIGTERM before SIGKILL.
    """

    def __init__(
        self,
        event_log_dir: Path,
        work_dir: Path,
        *,
        update_interval: str = "1s",
        start_timeout: float = 120.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.event_log_dir = event_log_dir
        self.work_dir = work_dir
        self.update_interval = update_interval
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._processes = _SparkProcesses(work_dir)
        self._port: int | None = None

    @property
    def url(self) -> str:
        """The server's address (its REST API is under ``/api/v1``)."""
        if self._port is None:
            raise SparkClusterError("the history server has not been started")
        return f"http://{LOOPBACK}:{self._port}"

    @property
    def process_ids(self) -> tuple[int, ...]:
        """The server's process id (also its process group's id), once started."""
        return tuple(launched.process.pid for launched in self._processes.launched)

    def start(self) -> Self:
        """Launch the server; return once its REST API answers.

        Raises:
            SparkClusterError: If the event-log folder is missing, or the server ends or
                does not answer within ``start_timeout``; it is stopped first.
        """
        if self._processes.launched:
            raise SparkClusterError("this history server was started already")
        if not self.event_log_dir.is_dir():
            raise SparkClusterError(f"no event-log folder at {self.event_log_dir}")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._port = free_port()
        properties = self.work_dir / "history-server.properties"
        properties.write_text(
            f"spark.history.fs.logDirectory={self.event_log_dir.resolve().as_uri()}\n"
            f"spark.history.ui.port={self._port}\n"
            f"spark.history.fs.update.interval={self.update_interval}\n"
        )
        try:
            self._processes.launch(
                "history-server", [HISTORY_SERVER_CLASS, "--properties-file", str(properties)]
            )
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            self._processes.raise_if_any_ended()
            try:
                self.application_ids()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise self._processes.timeout_error(
                    f"the history server's REST API at {self.url}", self.start_timeout
                )
            time.sleep(POLL_SECONDS)

    def application_ids(self) -> list[str]:
        """The ids of the applications the server has found in the event-log folder."""
        return [application["id"] for application in fetch_json(f"{self.url}/api/v1/applications")]

    def wait_for_application(self, app_id: str, *, timeout: float = 60.0) -> None:
        """Return once the server lists ``app_id`` (after its next scan of the folder).

        Raises:
            SparkClusterError: If it does not within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while app_id not in self.application_ids():
            if time.monotonic() > deadline:
                raise self._processes.timeout_error(
                    f"application {app_id} in {self.event_log_dir}", timeout
                )
            time.sleep(POLL_SECONDS)

    def executor_task_counts(self, app_id: str) -> dict[str, int]:
        """How many tasks each executor of the application ran (executor id -> tasks).

        The driver is left out: it runs no tasks on a cluster. Executors that were
        removed before the application ended count too (``allexecutors``).
        """
        # The first request for an application replays its whole event log (a dbt build
        # writes tens of megabytes of it): allow far longer than a plain status call.
        executors = fetch_json(
            f"{self.url}/api/v1/applications/{app_id}/allexecutors", timeout=REPLAY_SECONDS
        )
        return {
            executor["id"]: int(executor["totalTasks"])
            for executor in executors
            if executor["id"] != DRIVER_EXECUTOR_ID
        }

    def stop(self) -> None:
        """End the server and wait for it. Calling it again, or before :meth:`start`,
        does nothing."""
        self._processes.stop(self.stop_timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
