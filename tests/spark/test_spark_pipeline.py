"""The whole pipeline on a real Spark standalone cluster equals the DuckDB build.

The demo simulation goes through ``orderlens ingest`` and ``orderlens run`` as a user
would (the CLI in a subprocess) with ``ORDERLENS_ENGINE=spark`` against the two-worker
cluster of ``conftest.spark_cluster``; ``published_demo`` is the same simulation built on
DuckDB. Then a batch of late events for existing orders is ingested on both engines and
the incremental marts are rebuilt on each, Spark's by the project's delete+insert.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orderlens.dbt_runner import run_dbt
from orderlens.engine_comparison import compare_marts
from orderlens.settings import Settings
from orderlens.spark_cluster import LocalSparkCluster, SparkHistoryServer
from orderlens.spark_engine import spark_event_log_dir, spark_warehouse_dir

ORDERLENS = str(Path(sys.executable).with_name("orderlens"))
LATE_CASES = 12
INCREMENTAL_BUILD = ["build", "--select", "fct_case_transitions", "fct_case_traces"]
"""The incremental marts (delete+insert by case) with their tests: what late events change.
The whole pipeline ran on Spark already; this keeps the suite's Spark time down."""


@dataclass(frozen=True)
class SparkBuild:
    """The demo's data directory on the Spark engine, and what ``orderlens run`` printed."""

    settings: Settings
    environment: dict[str, str]
    run_output: str


def _orderlens(environment: dict[str, str], *arguments: str) -> str:
    completed = subprocess.run(
        [ORDERLENS, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
    return completed.stdout


@pytest.fixture(scope="module")
def spark_build(
    spark_cluster: LocalSparkCluster,
    simulate_demo_into,
    tmp_path_factory: pytest.TempPathFactory,
) -> SparkBuild:
    """The demo ingested and run with ``ORDERLENS_ENGINE=spark`` on the cluster."""
    scratch = tmp_path_factory.mktemp("spark-pipeline")
    conf_dir = scratch / "spark-conf"
    conf_dir.mkdir()
    # What a driver on this machine needs for this cluster (loopback, one executor per
    # worker, wait for both): Spark reads it from SPARK_CONF_DIR, as on a user's cluster.
    driver_conf = {k: v for k, v in spark_cluster.driver_conf().items() if k != "spark.master"}
    (conf_dir / "spark-defaults.conf").write_text(
        "".join(f"{key} {value}\n" for key, value in driver_conf.items())
    )
    environment = {
        **os.environ,
        "ORDERLENS_DATA_DIR": str(scratch / "data"),
        "ORDERLENS_ENGINE": "spark",
        "ORDERLENS_SPARK_MASTER": spark_cluster.master_url,
        "SPARK_CONF_DIR": str(conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    settings = Settings.from_env(environment)
    simulate_demo_into(settings.inbox_dir / "demo")
    _orderlens(environment, "ingest", str(settings.inbox_dir / "demo"))
    output = _orderlens(environment, "run")
    return SparkBuild(settings, environment, output)


def test_spark_pipeline_builds_every_mart_equal_to_duckdb(published_demo, spark_build) -> None:
    assert published_demo.run_success
    assert "pipeline succeeded" in spark_build.run_output
    differences = compare_marts(
        published_demo.settings.warehouse_path,
        spark_warehouse_dir(spark_build.settings),
        schemas=("marts", "intermediate"),
    )
    assert [str(difference) for difference in differences] == []
    with duckdb.connect(str(published_demo.settings.warehouse_path), read_only=True) as con:
        duckdb_marts = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        }
    spark_marts = {
        path.name for path in Path(spark_warehouse_dir(spark_build.settings), "marts.db").iterdir()
    }
    assert duckdb_marts == spark_marts


def test_spark_pipeline_ran_tasks_on_both_executors(spark_cluster, spark_build, tmp_path) -> None:
    completed = [app for app in spark_cluster.applications() if app["state"] == "FINISHED"]
    assert completed, "the cluster ran no application"
    with SparkHistoryServer(spark_event_log_dir(spark_build.settings), tmp_path) as history:
        task_counts = {
            app_id: history.executor_task_counts(app_id) for app_id in history.application_ids()
        }
    # The dbt build is the application with the most tasks; both executors worked on it.
    build = max(task_counts.values(), key=lambda counts: sum(counts.values()))
    assert len(build) == 2
    assert all(tasks > 0 for tasks in build.values()), build
    assert set(task_counts) <= {app["id"] for app in spark_cluster.applications()}


def test_spark_pipeline_publishes_what_the_duckdb_pipeline_publishes(
    published_demo, spark_build
) -> None:
    def published(settings: Settings) -> dict[str, object]:
        with duckdb.connect(str(settings.serving_path), read_only=True) as con:
            return {
                "orders": con.execute(
                    "SELECT count(*), sum(event_count) FROM marts.fct_orders"
                ).fetchall(),
                "variants": con.execute(
                    "SELECT activities, case_count FROM mining.variants ORDER BY ALL"
                ).fetchall(),
                "fitness": con.execute(
                    "SELECT round(fitness, 9) FROM mining.conformance_model"
                ).fetchall(),
                "kpi_days": con.execute("SELECT count(*) FROM marts.mart_kpi_daily").fetchall(),
            }

    assert published(spark_build.settings) == published(published_demo.settings)


def _late_events(simulation_dir: Path, path: Path) -> Path:
    """A CSV of one more event for each of the first orders: a customer contact an hour
    after the order's last event, so those orders' traces and transitions change."""
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"""COPY (
                SELECT 'late-' || case_id AS event_id, case_id,
                       'Customer Contacted' AS activity,
                       max(event_at) + INTERVAL 1 HOUR AS event_at, 'OMS' AS source_system
                FROM read_parquet('{simulation_dir / "workflow_events.parquet"}')
                GROUP BY case_id ORDER BY case_id LIMIT {LATE_CASES}
            ) TO '{path}' (HEADER)"""
        )
    return path


def test_spark_pipeline_rebuilds_incrementally_equal_to_duckdb(
    published_demo, spark_build, tmp_path, monkeypatch
) -> None:
    late = _late_events(published_demo.simulation_dir, tmp_path / "late_events.csv")
    # Other modules read the shared DuckDB demo: the late events go to a copy of it.
    duckdb_data = shutil.copytree(published_demo.settings.data_dir, tmp_path / "duckdb-data")
    duckdb_environment = {**os.environ, "ORDERLENS_DATA_DIR": str(duckdb_data)}
    # dbt's Spark driver finds the cluster's driver settings where orderlens's did.
    for variable in ("SPARK_CONF_DIR", "SPARK_LOCAL_IP"):
        monkeypatch.setenv(variable, spark_build.environment[variable])
    for environment in (duckdb_environment, spark_build.environment):
        _orderlens(environment, "ingest", str(late))  # on Spark: the new load to the lake
        run_dbt(Settings.from_env(environment), INCREMENTAL_BUILD)

    duckdb_warehouse = Settings.from_env(duckdb_environment).warehouse_path
    differences = compare_marts(
        duckdb_warehouse,
        spark_warehouse_dir(spark_build.settings),
        schemas=("marts", "intermediate"),
    )
    assert [str(difference) for difference in differences] == []
    with duckdb.connect(str(duckdb_warehouse), read_only=True) as con:
        contacted = con.execute(
            "SELECT count(*) FROM marts.fct_case_transitions "
            "WHERE target_activity = 'Customer Contacted'"
        ).fetchone()[0]
    assert contacted == LATE_CASES
    spark_logs = "".join(
        path.read_text() for path in spark_build.settings.dbt_log_dir.glob("dbt.log*")
    )
    assert "__dbt_kept" in spark_logs  # the other cases' rows were kept, not rebuilt
