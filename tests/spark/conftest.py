"""Fixtures of the Spark tests: a real Spark standalone cluster on 127.0.0.1.

JVMs take seconds each to start on this machine, so a module shares one cluster; the
modules of ``tests/spark`` (the end-to-end pipeline on Spark among them) run against it
through its ``master_url``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orderlens.spark_cluster import LocalSparkCluster

CLUSTER_WORKERS = 2
CORES_PER_WORKER = 1
MEMORY_PER_WORKER = "1g"


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSparkCluster]:
    """A master and two workers (one core and 1 GB each) as separate processes, started
    for the module and stopped after it; every worker is ALIVE when tests get it."""
    with LocalSparkCluster(
        tmp_path_factory.mktemp("spark-cluster"),
        workers=CLUSTER_WORKERS,
        cores_per_worker=CORES_PER_WORKER,
        memory_per_worker=MEMORY_PER_WORKER,
    ) as cluster:
        yield cluster
