"""The ingestion asset and its checks on a real warehouse: an inbox file that fails
validation as a whole does not stop the run for the others, and is named with its fix."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.ingestion.assets import raw_events, reference_tables
from orchestration.defs.ingestion.checks import quarantine_checks
from orchestration.defs.resources import SettingsResource
from orderlens.ingest import ingest_paths
from orderlens.settings import Settings
from orderlens.warehouse import connect

FAILED_CHECK = "no_file_failed_validation"


def _inbox(settings: Settings) -> tuple[Path, Path]:
    settings.ensure_dirs()
    good = settings.inbox_dir / "orders.csv"
    good.write_text(
        "event_id,case_id,activity,event_at\n"
        "E1,C1,Created,2024-03-01T10:00:00Z\n"
        "E2,C1,Shipped,2024-03-02T10:00:00Z\n"
        "E3,C2,Created,2024-03-01T11:00:00Z\n",
        encoding="utf-8",
    )
    relative = settings.inbox_dir / "claims.csv"
    relative.write_text(
        "event_id,case_id,activity,event_at\n"
        "R1,claim-1,Register,1970-01-01T00:00:00Z\n"
        "R2,claim-1,Pay,1970-01-02T03:00:00Z\n",
        encoding="utf-8",
    )
    return good, relative


def _failed_check_result(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name == FAILED_CHECK
        and evaluation.asset_key == dg.AssetKey(["raw", "workflow_events"])
    ]
    return evaluation


def test_raw_events_loads_the_other_files_and_names_the_failed_one_with_its_fix(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _, relative = _inbox(settings)
    resource = SettingsResource(settings)

    result = dg.materialize(
        [reference_tables, raw_events, *quarantine_checks],
        resources={"orderlens": resource},
        raise_on_error=False,
    )

    assert result.success
    workflow = next(
        event.materialization
        for event in result.get_asset_materialization_events()
        if event.materialization.asset_key == dg.AssetKey(["raw", "workflow_events"])
    )
    assert workflow.metadata["rows"].value == 3
    failed_files = workflow.metadata["files_failed"].value
    assert list(failed_files) == [str(relative)]
    assert "`relative_timestamps: true`" in failed_files[str(relative)]
    evaluation = _failed_check_result(result)
    assert evaluation.passed is False
    assert str(relative) in (evaluation.description or "")
    assert "plausible_from: 1970-01-01" in (evaluation.description or "")
    with connect(settings.warehouse_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.workflow_events").fetchone() == (3,)


def test_failed_file_check_passes_once_the_file_is_loaded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _, relative = _inbox(settings)
    resource = SettingsResource(settings)
    dg.materialize([reference_tables, raw_events], resources={"orderlens": resource})
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - match: 'claims*'\n    relative_timestamps: true\n")
    (fixed,) = ingest_paths(settings, [relative], mapping=mapping).results
    assert fixed.loaded == 2

    result = dg.materialize(
        [reference_tables, raw_events, *quarantine_checks],
        resources={"orderlens": resource},
    )

    evaluation = _failed_check_result(result)
    assert evaluation.passed is True
    assert evaluation.metadata["failed_files"].value == {}
