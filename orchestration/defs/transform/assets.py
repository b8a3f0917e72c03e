"""The dbt models as Dagster assets through ``dagster-dbt``.

Model assets are keyed ``[schema, model]`` (``marts/fct_exceptions``) and grouped by
layer, so the lineage in Dagster's UI reads like the warehouse. Sources keep dbt's
default ``[source, table]`` keys, which are exactly the ingestion assets' keys
(``raw/workflow_events``), so the graph is connected from inbox to marts.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.resources import OrderlensResource
from orderlens.dbt_runner import (
    DBT_PROJECT_DIR,
    dbt_executable,
    dbt_settings_flags,
    dbt_vars,
    record_built_lifecycle,
    run_dbt,
    with_settings_vars,
)
from orderlens.lake import mirror_lake_tables
from orderlens.settings import Engine, Settings
from orderlens.spark_engine import prepare_spark_dirs

OWNER = "team:analytics-engineering"

PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test"]
"""The pipeline's build: models, seeds and data tests. dbt's unit tests check the SQL's
logic on fixed rows, not the data: they run in the test suite (``run_dbt(["build"])``),
not again on every hourly run."""

DBT_STOP_SECONDS = 30
"""How long an abandoned dbt build gets to finish its current statement after SIGINT."""


class LayeredTranslator(DagsterDbtTranslator):
    """Keys models by their warehouse schema and groups them by dbt layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return dbt_resource_props["schema"]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]


PARSED_VARS_FILE = "parsed_vars.json"
"""Beside the manifest: the dbt vars it was parsed with."""


def dbt_project(settings: Settings) -> DbtProject:
    """The repository's dbt project, with its ``target`` folder in the settings' data
    directory and its manifest there, fresh for the project's files and the settings' vars.

    A stale or missing manifest is taken from the manifest cache
    (``settings.dbt_manifest_cache_dir``) when the same project, dbt and vars (all but
    the warehouse path, which the manifest does not depend on) were parsed before, else
    parsed (``dbt parse``, ~10 s) and cached. A new data directory thus starts without a
    parse of its own. dbt's first build there still parses once (dbt ties a parse to
    the warehouse path through the profile); later builds find that parse's
    ``partial_parse.msgpack`` in the same target folder and skip parsing.
    """
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=settings.dbt_target_dir,
    )
    parse = with_settings_vars(settings, ["parse", "--quiet"])
    stamp = project.manifest_path.parent / PARSED_VARS_FILE
    if _manifest_is_stale(project.manifest_path, stamp, parse):
        settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
        cached = settings.dbt_manifest_cache_dir / f"{_manifest_cache_key(settings)}.json"
        if cached.exists():
            shutil.copyfile(cached, project.manifest_path)
        else:
            dbt_cli_resource(project).cli(
                [*parse, *dbt_settings_flags(settings)], target_path=settings.dbt_target_dir
            ).wait()
            _store_in_cache(project.manifest_path, cached)
        stamp.write_text(json.dumps(parse))
    return project


def _project_files() -> list[Path]:
    """The files a dbt parse reads: the project and profile files and every file of the
    project's resource folders."""
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        files += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    return [path for path in files if path.exists()]


LOCATION_VARS = frozenset({"warehouse_path", "lake_location", "spark_conf"})
"""dbt vars that name where this data directory's tables are: the manifest does not depend
on them (it does on the engine, the profile's output they belong to)."""


def _manifest_cache_key(settings: Settings) -> str:
    """Digest of what a parse's manifest depends on: dbt's version, the engine, the vars
    but those naming locations, and the name and content of every project file."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(dbt_version.encode() + b"\0" + settings.engine.value.encode())
    analysis_vars = {k: v for k, v in dbt_vars(settings).items() if k not in LOCATION_VARS}
    digest.update(json.dumps(analysis_vars, sort_keys=True).encode())
    for path in _project_files():
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _store_in_cache(manifest: Path, cached: Path) -> None:
    """Copy ``manifest`` to ``cached`` whole or not at all (two parses may race)."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
    os.close(handle)
    shutil.copyfile(manifest, temporary)
    os.replace(temporary, cached)


def _manifest_is_stale(manifest_path: Path, stamp: Path, parse: list[str]) -> bool:
    if not manifest_path.exists() or not stamp.exists():
        return True
    if json.loads(stamp.read_text()) != parse:
        return True
    built = manifest_path.stat().st_mtime
    return any(path.stat().st_mtime > built for path in _project_files())


def dbt_cli_resource(project: DbtProject) -> DbtCliResource:
    """dbt from this venv: the venv is often not activated (cron, ``make``)."""
    return DbtCliResource(project_dir=project, dbt_executable=str(dbt_executable()))


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """One asset per dbt model; ``dbt build`` runs models and their tests in order."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=LayeredTranslator(),
        name="dbt_models",
    )
    def dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, orderlens: OrderlensResource
    ):
        """Build the selected dbt models with the settings' vars (the warehouse path and
        the lifecycle treatment) in the data directory's dbt folders, and run their tests
        as asset checks."""
        settings = orderlens.settings()
        if settings.engine is Engine.SPARK:
            prepare_spark_dirs(settings)
        invocation = dbt.cli(
            [*with_settings_vars(settings, PIPELINE_BUILD), *dbt_settings_flags(settings)],
            context=context,
            target_path=settings.dbt_target_dir,
        )
        try:
            yield from invocation.stream()
        finally:
            stop_abandoned_process(invocation.process)
        if settings.engine is Engine.SPARK:
            copy_spark_build_to_warehouse(settings)
        if not context.is_subset:
            record_built_lifecycle(settings)

    return dbt_models


LOCAL_VIEWS_RUN = ["run", "--select", "config.materialized:view"]
"""dbt's views (the staging layer and a few intermediate models), built on DuckDB."""


def copy_spark_build_to_warehouse(settings: Settings) -> None:
    """Give the local warehouse what the Spark build made, for mining, triage and the
    serving copy: its tables copied from the lake, and dbt's views defined over the local
    raw tables (the same rows the lake holds; a view is a query, not data)."""
    mirror_lake_tables(settings)
    run_dbt(replace(settings, engine=Engine.DUCKDB), LOCAL_VIEWS_RUN)


def stop_abandoned_process(process: subprocess.Popen, *, timeout: float = DBT_STOP_SECONDS) -> None:
    """End a dbt process whose step stopped reading it, first politely, then by force.

    dagster-dbt forwards only Dagster's own interruption to dbt: when anything else ends
    the step (an event it cannot map, a failing check), dbt goes on building alone and
    holds the warehouse's write lock, so every retry of the step fails to open it.
    """
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
