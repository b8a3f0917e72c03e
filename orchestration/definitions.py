"""The code location: every orderlens asset, check and resource in one Definitions.

Built by a function decorated with ``@dg.definitions`` so nothing (the dbt manifest,
the environment) is read when the module is imported, only when Dagster loads it. That
function is the code location's edge: the one place it builds the settings from the
environment; everything below receives the object.
"""

import dagster as dg

from orchestration.defs.ingestion.assets import raw_events, reference_tables
from orchestration.defs.ingestion.checks import expectation_checks, quarantine_checks
from orchestration.defs.ingestion.sensors import inbox_sensor
from orchestration.defs.mining.assets import (
    mining_conformance,
    mining_report,
    mining_root_causes,
    mining_variants,
)
from orchestration.defs.mining.checks import conformance_fitness_is_a_share, variant_cases_add_up
from orchestration.defs.resources import SettingsResource
from orchestration.defs.schedules import build_jobs_and_schedules
from orchestration.defs.serving.assets import build_serving_copy_asset
from orchestration.defs.serving.checks import serving_copy_is_fresh
from orchestration.defs.transform.assets import build_dbt_assets, dbt_cli_resource, dbt_project
from orchestration.defs.transform.checks import exception_class_spike_alert
from orchestration.defs.triage.assets import (
    triage_alerts,
    triage_exception_risk_scores,
    triage_risk_model,
)
from orchestration.defs.triage.checks import (
    risk_scores_cover_open_exceptions,
    triage_spike_alert,
)
from orderlens.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Assemble the asset graph: inbox -> raw -> dbt models -> mining -> serving copy.

    Args:
        settings: The settings every asset, check, sensor and dbt invocation uses; dbt's
            manifest is parsed into its data directory when stale.

    The in-process executor is chosen on purpose: on two cores the multiprocess executor
    costs seconds per step, more than most steps take.
    """
    project = dbt_project(settings)
    dbt_models = build_dbt_assets(project)
    published = [key for key in dbt_models.keys if key.path[0] == "marts"] + [
        mining_variants.key,
        *mining_conformance.keys,
        mining_root_causes.key,
        triage_risk_model.key,
        triage_exception_risk_scores.key,
        triage_alerts.key,
    ]
    serving_copy = build_serving_copy_asset(published)
    jobs, schedules = build_jobs_and_schedules(list(mining_report.keys))
    return dg.Definitions(
        assets=[
            reference_tables,
            raw_events,
            dbt_models,
            mining_variants,
            mining_conformance,
            mining_root_causes,
            mining_report,
            triage_risk_model,
            triage_exception_risk_scores,
            triage_alerts,
            serving_copy,
        ],
        asset_checks=[
            *quarantine_checks,
            *expectation_checks,
            exception_class_spike_alert,
            variant_cases_add_up,
            conformance_fitness_is_a_share,
            triage_spike_alert,
            risk_scores_cover_open_exceptions,
            serving_copy_is_fresh,
        ],
        jobs=jobs,
        schedules=schedules,
        sensors=[inbox_sensor],
        resources={
            "orderlens": SettingsResource(settings),
            "dbt": dbt_cli_resource(project),
        },
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Entry point for ``dagster dev`` / ``dg``: the whole orderlens code location, with
    the settings of the environment it was started in (``orderlens ui`` passes its own)."""
    return build_definitions(Settings.from_env())
