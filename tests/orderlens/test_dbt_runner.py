"""How the settings reach dbt: the warehouse path and the analysis settings as vars of
every rendering command, dbt's folders in the data directory, and a full rebuild of the
incremental process-flow marts when the lifecycle treatment changes."""

from __future__ import annotations

import csv
import json

import duckdb

from orderlens.dbt_runner import (
    DBT_PROJECT_DIR,
    built_lifecycle,
    dbt_command,
    record_built_lifecycle,
    run_dbt,
    with_settings_vars,
)
from orderlens.settings import Engine, LifecycleTreatment, Settings


def _vars(command: list[str]) -> dict[str, str]:
    return json.loads(command[command.index("--vars") + 1])


def test_with_settings_vars_passes_the_warehouse_and_lifecycle_treatment_as_dbt_vars(tmp_path):
    settings = Settings(data_dir=tmp_path, lifecycle=LifecycleTreatment.ALL)
    expected = {"warehouse_path": str(tmp_path / "warehouse.duckdb"), "lifecycle": "all"}
    assert _vars(with_settings_vars(settings, ["test"])) == expected
    assert _vars(with_settings_vars(settings, ["docs", "generate"])) == expected
    assert _vars(with_settings_vars(settings, ["debug"])) == expected
    assert with_settings_vars(settings, ["deps"]) == ["deps"]


def test_run_dbt_opens_the_settings_warehouse_and_keeps_its_folders_in_the_data_directory(
    tmp_path,
):
    settings = Settings(data_dir=tmp_path / "somewhere" / "data")
    settings.ensure_dirs()
    source_target = DBT_PROJECT_DIR / "target" / "manifest.json"
    source_mtime = source_target.stat().st_mtime if source_target.exists() else None
    run_dbt(settings, ["seed", "--select", "display_names"])
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (rows,) = con.execute("SELECT count(*) FROM reference.display_names").fetchone()
    with (DBT_PROJECT_DIR / "seeds" / "display_names.csv").open(encoding="utf-8") as seed:
        assert rows == len(list(csv.reader(seed))) - 1
    manifest = json.loads((settings.dbt_target_dir / "manifest.json").read_text())
    assert manifest["metadata"]["project_name"] == "orderlens"
    assert (settings.dbt_log_dir / "dbt.log").is_file()
    assert (source_target.stat().st_mtime if source_target.exists() else None) == source_mtime


def test_with_settings_vars_rebuilds_whole_only_when_the_built_treatment_differs(tmp_path):
    completions = Settings(data_dir=tmp_path)
    assert built_lifecycle(completions) is None
    assert "--full-refresh" in with_settings_vars(completions, ["build"])
    record_built_lifecycle(completions)
    assert built_lifecycle(completions) is LifecycleTreatment.COMPLETIONS
    assert "--full-refresh" not in with_settings_vars(completions, ["build"])
    assert "--full-refresh" not in with_settings_vars(completions, ["test"])
    every_event = Settings(data_dir=tmp_path, lifecycle=LifecycleTreatment.ALL)
    assert with_settings_vars(every_event, ["run"])[-1] == "--full-refresh"
    assert with_settings_vars(every_event, ["build", "--full-refresh"]).count("--full-refresh") == 1


def test_with_settings_vars_rebuilds_whole_a_warehouse_of_older_incremental_marts(tmp_path):
    settings = Settings(data_dir=tmp_path)
    settings.dbt_dir.mkdir(parents=True)
    # What a build recorded before the fingerprint was the same on every engine.
    (settings.dbt_dir / "lifecycle_treatment").write_text("completions\n")
    assert built_lifecycle(settings) is None
    assert "--full-refresh" in with_settings_vars(settings, ["build"])
    record_built_lifecycle(settings)
    assert "--full-refresh" not in with_settings_vars(settings, ["build"])


def test_dbt_command_on_the_spark_engine_targets_spark_with_the_lake_and_its_conf(tmp_path):
    settings = Settings(
        data_dir=tmp_path, engine=Engine.SPARK, spark_master="spark://127.0.0.1:7077"
    )
    command = dbt_command(settings, ["build"])
    assert command[command.index("--target") + 1] == "spark"
    variables = _vars(command)
    assert variables["lake_location"] == str(tmp_path / "lake")
    assert variables["spark_conf"]["spark.master"] == "spark://127.0.0.1:7077"
    assert variables["spark_conf"]["spark.sql.warehouse.dir"] == str(tmp_path / "lake/warehouse")
    assert "--target" not in dbt_command(Settings(data_dir=tmp_path), ["build"])
