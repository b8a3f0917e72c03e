"""A real Spark standalone cluster on 127.0.0.1 and Spark's history server, no mocks.

The master, the workers, their executors and the history server are real JVM processes;
what the tests assert comes from Spark itself (the master's ``/json/``, the history
server's REST API, the driver's own status tracker) and from arithmetic.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from orderlens.spark_cluster import (
    LOOPBACK,
    LocalSparkCluster,
    SparkClusterError,
    SparkHistoryServer,
)

SUMMED_ROWS = 1_000_000
SHUFFLE_PARTITIONS = 8
JOB_GROUP = "cluster-check"


def _is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _port_is_free(port: int) -> bool:
    """Whether nothing listens on the port (connections in TIME_WAIT from the tests' own
    HTTP requests do not count, hence SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _sum_on_cluster(cluster: LocalSparkCluster, event_log_dir: Path) -> tuple[str, int, int]:
    """Sum 0..SUMMED_ROWS-1 on the cluster, shuffled into SHUFFLE_PARTITIONS partitions.

    Returns the application's id, the sum, and the number of tasks the driver's status
    tracker counted over the job's stages. Adaptive execution is off so the job is one
    job of fixed stages (read, shuffle into 8, final sum), none skipped or coalesced.
    """
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import sum as sum_of

    builder = SparkSession.builder.appName("orderlens-cluster-check")
    for key, value in cluster.driver_conf().items():
        builder = builder.config(key, value)
    spark = (
        builder.config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", event_log_dir.as_uri())
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    try:
        context = spark.sparkContext
        app_id = context.applicationId
        assert app_id in {application["id"] for application in cluster.applications()}
        context.setJobGroup(JOB_GROUP, "sum over the cluster")
        total = (
            spark.range(SUMMED_ROWS)
            .repartition(SHUFFLE_PARTITIONS)
            .agg(sum_of("id").alias("total"))
            .collect()[0]["total"]
        )
        tracker = context.statusTracker()
        stage_ids = {
            stage_id
            for job_id in tracker.getJobIdsForGroup(JOB_GROUP)
            for stage_id in tracker.getJobInfo(job_id).stageIds
        }
        tasks = sum(tracker.getStageInfo(stage_id).numCompletedTasks for stage_id in stage_ids)
    finally:
        spark.stop()
    return app_id, total, tasks


def test_local_spark_cluster_lists_two_alive_workers_on_loopback(spark_cluster):
    workers = spark_cluster.alive_workers()

    assert spark_cluster.workers == 2
    assert len(workers) == 2
    assert {worker["host"] for worker in workers} == {LOOPBACK}
    assert [worker["cores"] for worker in workers] == [spark_cluster.cores_per_worker] * 2
    assert spark_cluster.memory_per_worker == "1g"
    assert [worker["memory"] for worker in workers] == [1024] * 2
    assert all(worker["webuiaddress"].startswith(f"http://{LOOPBACK}:") for worker in workers)
    state = spark_cluster.cluster_state()
    assert state["status"] == "ALIVE"
    assert state["url"] == spark_cluster.master_url


def test_local_spark_cluster_runs_a_job_on_both_executors_per_the_history_server(
    spark_cluster, tmp_path
):
    event_log_dir = tmp_path / "events"
    event_log_dir.mkdir()

    app_id, total, tasks = _sum_on_cluster(spark_cluster, event_log_dir)

    assert total == SUMMED_ROWS * (SUMMED_ROWS - 1) // 2
    with SparkHistoryServer(event_log_dir, tmp_path / "history") as history:
        history.wait_for_application(app_id)
        assert history.application_ids() == [app_id]
        task_counts = history.executor_task_counts(app_id)
    assert len(task_counts) == spark_cluster.workers
    assert all(count > 0 for count in task_counts.values()), task_counts
    assert sum(task_counts.values()) == tasks
    assert tasks >= SHUFFLE_PARTITIONS
    assert app_id in {
        application["id"]
        for application in spark_cluster.applications()
        if application["state"] == "FINISHED"
    }


def test_local_spark_cluster_stop_on_error_ends_every_process_and_frees_its_ports(tmp_path):
    with (
        pytest.raises(RuntimeError, match="fails inside the cluster's context"),
        LocalSparkCluster(tmp_path, workers=1, memory_per_worker="1g") as cluster,
    ):
        process_ids = cluster.process_ids
        ports = cluster.ports
        assert len(process_ids) == 2
        assert not any(_port_is_free(port) for port in ports)
        raise RuntimeError("a test step fails inside the cluster's context")

    assert all(_is_gone(pid) for pid in process_ids)
    assert all(_group_is_gone(pid) for pid in process_ids)
    assert all(_port_is_free(port) for port in ports)
    cluster.stop()


def test_local_spark_cluster_start_fails_with_the_log_of_a_worker_that_ends(tmp_path):
    cluster = LocalSparkCluster(tmp_path, workers=1, memory_per_worker="plenty")

    with pytest.raises(
        SparkClusterError,
        match=r"(?s)worker-1 ended with exit code 1.*worker-1\.log.*Usage: Worker",
    ):
        cluster.start()

    assert len(cluster.process_ids) == 2
    assert all(_is_gone(pid) for pid in cluster.process_ids)


def test_spark_history_server_rejects_a_missing_event_log_folder(tmp_path):
    history = SparkHistoryServer(tmp_path / "no-events", tmp_path / "history")

    with pytest.raises(SparkClusterError, match="no event-log folder"):
        history.start()
    assert history.process_ids == ()
