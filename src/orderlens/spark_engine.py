"""The ``spark`` engine's configuration: one Spark configuration for every Spark session
orderlens starts, the dbt build's (dbt-spark's session mode) and its own.

The configuration comes from the :class:`~orderlens.settings.Settings` only; dbt receives
it as the dbt var ``spark_conf``, which ``profiles.yml`` hands to dbt-spark as its
``server_side_parameters``. Anything else a cluster needs (object-store credentials,
executor sizes) goes in the ``spark-defaults.conf`` of ``SPARK_CONF_DIR``, which Spark
itself reads (``docs/scale-out.md``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from orderlens.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG4J_CONFIG = Path(__file__).with_name("spark_log4j2.properties")
"""Spark's logging in orderlens's sessions: errors only."""
LAKE_RAW = "raw"
LAKE_REFERENCE = "reference"
LAKE_WAREHOUSE = "warehouse"


def lake_path(settings: Settings, *parts: str) -> str:
    """A location under the settings' lake (``lake_path(s, "raw", "workflow_events")``)."""
    return "/".join([settings.lake_location, *parts])


def spark_warehouse_dir(settings: Settings) -> str:
    """Where dbt's schemas live on the lake (Spark's ``spark.sql.warehouse.dir``): the
    mart ``marts.fct_orders`` is the Parquet folder ``<this>/marts.db/fct_orders``."""
    return lake_path(settings, LAKE_WAREHOUSE)


def spark_conf(settings: Settings) -> dict[str, str]:
    """The Spark configuration of every session on the settings' cluster and lake.

    - the master and the lake (the warehouse folder of dbt's schemas);
    - the table catalog: an embedded Derby metastore in the data directory, so tables
      dbt built (incremental ones among them) are found by the next build;
    - UTC session time, like the DuckDB engine, and ANSI mode off, as dbt-spark sets it;
    - timestamps written as UTC instants in microseconds (not Spark's legacy INT96), so
      the marts read back, by DuckDB too, as the same ``TIMESTAMPTZ`` values;
    - an event log per application in the data directory, which Spark's history server
      serves (``/api/v1/applications/<id>/executors``: which executor ran how many tasks);
      no live web UI, which would listen on every interface of the machine;
    - a driver on loopback when the cluster is on this machine (``local[N]`` or a master
      on 127.0.0.1/localhost); a remote cluster's executors must reach the driver, whose
      address then comes from ``SPARK_LOCAL_IP`` or ``spark-defaults.conf``.
    """
    spark_dir = settings.spark_dir
    return _driver_on_loopback(settings.spark_master) | {
        "spark.master": settings.spark_master,
        "spark.app.name": "orderlens",
        "spark.sql.warehouse.dir": spark_warehouse_dir(settings),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={spark_dir} -Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.ui.showConsoleProgress": "false",
        "spark.ui.enabled": "false",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": spark_event_log_dir(settings).as_uri(),
    }


LOOPBACK = "127.0.0.1"


def _driver_on_loopback(master: str) -> dict[str, str]:
    host = master.removeprefix("spark://").split(":")[0]
    if master.startswith("local") or host in (LOOPBACK, "localhost"):
        return {"spark.driver.host": LOOPBACK, "spark.driver.bindAddress": LOOPBACK}
    return {}


def spark_event_log_dir(settings: Settings) -> Path:
    """The folder of Spark's application event logs (one file per application)."""
    return settings.spark_dir / "events"


def prepare_spark_dirs(settings: Settings) -> None:
    """Create the local folders Spark expects to exist before a session starts."""
    spark_event_log_dir(settings).mkdir(parents=True, exist_ok=True, mode=0o700)


def spark_session(settings: Settings, *, catalog: bool = False) -> SparkSession:
    """A Spark session on the settings' cluster, with :func:`spark_conf`.

    Args:
        settings: Whose master, lake and data directory the session uses.
        catalog: Open the table catalog (the Derby metastore). Embedded Derby admits one
            process at a time and dbt opens it during a build, so orderlens's own
            sessions read and write Parquet locations and leave the catalog closed
            unless they need a table by name.
    """
    from pyspark.sql import SparkSession

    prepare_spark_dirs(settings)
    builder = SparkSession.builder
    for key, value in spark_conf(settings).items():
        if key == "spark.sql.catalogImplementation" and not catalog:
            value = "in-memory"
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # pyspark warns that it is not yet tested with pandas 3; orderlens's sessions
        # pass no pandas data to Spark.
        warnings.simplefilter("ignore", FutureWarning)
        return builder.getOrCreate()
