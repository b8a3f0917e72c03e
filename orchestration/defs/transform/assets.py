"""The dbt models as Dagster assets through ``dagster-dbt``.

Model assets are keyed ``[schema, model]`` (``marts/fct_exceptions``) and grouped by
layer, so the lineage in Dagster's UI reads like the warehouse. Sources keep dbt's
default ``[source, table]`` keys, which are exactly the ingestion assets' keys
(``raw/workflow_events``), so the graph is connected from inbox to marts.
"""

import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.resources import OrderlensResource
from orderlens.transform import DBT_PROJECT_DIR, record_built_lifecycle, with_settings_vars

OWNER = "team:analytics-engineering"

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


def dbt_project() -> DbtProject:
    """The repository's dbt project, its manifest parsed (``dbt parse``) when stale."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(project.manifest_path):
        dbt_cli_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def _manifest_is_stale(manifest_path: Path) -> bool:
    if not manifest_path.exists():
        return True
    built = manifest_path.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        sources += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(path.stat().st_mtime > built for path in sources if path.exists())


def dbt_cli_resource(project: DbtProject) -> DbtCliResource:
    """dbt from this venv: the venv is often not activated (cron, ``make``)."""
    return DbtCliResource(
        project_dir=project, dbt_executable=str(Path(sys.executable).with_name("dbt"))
    )


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
        """Build the selected dbt models with the settings' vars (the lifecycle treatment)
        and run their tests as asset checks."""
        settings = orderlens.settings()
        invocation = dbt.cli(with_settings_vars(settings, ["build"]), context=context)
        try:
            yield from invocation.stream()
        finally:
            stop_abandoned_process(invocation.process)
        if not context.is_subset:
            record_built_lifecycle(settings)

    return dbt_models


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
