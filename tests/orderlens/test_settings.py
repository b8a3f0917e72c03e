"""Settings: one data directory and the paths derived from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orderlens.settings import Engine, LifecycleTreatment, Settings


def test_settings_from_env_defaults_to_data_under_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / "data"
    assert settings.port == 8050
    assert settings.host == "127.0.0.1"
    assert settings.reference_file is None


def test_settings_paths_all_live_in_the_data_directory(tmp_path):
    settings = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_PORT": "9001"})
    assert settings.port == 9001
    assert settings.warehouse_path == tmp_path / "warehouse.duckdb"
    assert settings.serving_path == tmp_path / "serving.duckdb"
    assert settings.inbox_dir == tmp_path / "inbox"
    assert settings.reports_dir == tmp_path / "reports"
    assert settings.dagster_home == tmp_path / "dagster_home"
    assert settings.dbt_target_dir == tmp_path / "dbt" / "target"
    assert settings.dbt_log_dir == tmp_path / "dbt" / "logs"
    assert settings.models_dir == tmp_path / "models"
    assert settings.last_run_log_path == tmp_path / "logs" / "last_run.log"


def test_settings_ground_truth_file_is_none_unless_named_and_reaches_child_processes(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).ground_truth_file is None
    named = Settings.from_env({"ORDERLENS_GROUND_TRUTH_FILE": "sim/ground_truth.json"})
    assert named.ground_truth_file == tmp_path / "sim" / "ground_truth.json"
    assert Settings.from_env(named.subprocess_env({})) == named


def test_settings_relative_data_dir_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"ORDERLENS_DATA_DIR": "somewhere"})
    assert settings.data_dir == tmp_path / "somewhere"
    assert settings.data_dir.is_absolute()


def test_settings_rejects_a_port_that_is_not_a_number():
    with pytest.raises(ValueError, match="ORDERLENS_PORT must be a port number"):
        Settings.from_env({"ORDERLENS_PORT": "eighty"})


def test_settings_subprocess_env_names_the_same_data_for_child_processes(tmp_path):
    settings = Settings(data_dir=tmp_path, port=8123)
    env = settings.subprocess_env({"PATH": "/bin"})
    assert env["ORDERLENS_DATA_DIR"] == str(tmp_path)
    assert env["DAGSTER_HOME"] == str(tmp_path / "dagster_home")
    assert env["ORDERLENS_PORT"] == "8123"
    assert env["PATH"] == "/bin"


def test_settings_ensure_dirs_reports_an_unwritable_data_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = Settings(data_dir=Path(blocker) / "data")
    with pytest.raises(OSError, match="cannot create"):
        settings.ensure_dirs()


def test_settings_access_control_comes_from_the_environment_without_a_default_key(tmp_path):
    default = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)})
    assert default.secret_key is None
    assert default.users_path == tmp_path / "users.yaml"
    assert default.secret_key_path == tmp_path / "secret_key"
    assert (default.session_hours, default.session_idle_minutes) == (8.0, 30.0)
    chosen = Settings.from_env(
        {
            "ORDERLENS_DATA_DIR": str(tmp_path),
            "ORDERLENS_SECRET_KEY": "k" * 40,
            "ORDERLENS_USERS_FILE": str(tmp_path / "elsewhere.yaml"),
            "ORDERLENS_SESSION_HOURS": "2",
            "ORDERLENS_SESSION_IDLE_MINUTES": "5",
        }
    )
    assert chosen.secret_key == "k" * 40
    assert "k" * 40 not in repr(chosen)
    assert chosen.users_path == tmp_path / "elsewhere.yaml"
    assert (chosen.session_hours, chosen.session_idle_minutes) == (2.0, 5.0)
    assert Settings.from_env(chosen.subprocess_env({})) == chosen


def test_settings_rejects_a_session_length_that_is_not_positive():
    with pytest.raises(ValueError, match="ORDERLENS_SESSION_IDLE_MINUTES must be positive"):
        Settings.from_env({"ORDERLENS_SESSION_IDLE_MINUTES": "0"})


def test_settings_pseudonymization_key_is_read_from_its_variable_and_has_no_default(tmp_path):
    assert Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)}).pseudonymization_key is None
    settings = Settings.from_env(
        {"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_PSEUDONYMIZATION_KEY": "s3cret"}
    )
    assert settings.pseudonymization_key == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.subprocess_env({})["ORDERLENS_PSEUDONYMIZATION_KEY"] == "s3cret"


def test_settings_plausible_window_is_read_from_its_variables_and_passed_on(tmp_path):
    default = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)})
    assert (default.plausible_from, default.plausible_until) == (date(1990, 1, 1), None)
    settings = Settings.from_env(
        {
            "ORDERLENS_DATA_DIR": str(tmp_path),
            "ORDERLENS_PLAUSIBLE_FROM": "1970-01-01",
            "ORDERLENS_PLAUSIBLE_UNTIL": "2030-06-30",
        }
    )
    assert (settings.plausible_from, settings.plausible_until) == (
        date(1970, 1, 1),
        date(2030, 6, 30),
    )
    env = settings.subprocess_env({})
    assert (env["ORDERLENS_PLAUSIBLE_FROM"], env["ORDERLENS_PLAUSIBLE_UNTIL"]) == (
        "1970-01-01",
        "2030-06-30",
    )
    with pytest.raises(ValueError, match="ORDERLENS_PLAUSIBLE_FROM must be a date"):
        Settings.from_env({"ORDERLENS_PLAUSIBLE_FROM": "1970"})


def test_settings_pseudonymization_key_file_lives_in_the_data_directory(tmp_path):
    settings = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)})
    assert settings.pseudonymization_key_path == tmp_path.resolve() / "pseudonymization_key"


def test_settings_reference_model_is_read_from_its_variable_and_passed_on(tmp_path):
    assert Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)}).reference_model is None
    model = tmp_path / "models" / "permit.bpmn"
    settings = Settings.from_env(
        {"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_REFERENCE_MODEL": str(model)}
    )
    assert settings.reference_model == model.resolve()
    assert settings.subprocess_env({})["ORDERLENS_REFERENCE_MODEL"] == str(model.resolve())
    assert "ORDERLENS_REFERENCE_MODEL" not in Settings(data_dir=tmp_path).subprocess_env({})


def test_settings_lifecycle_defaults_to_completions_and_is_passed_on(tmp_path):
    assert Settings(data_dir=tmp_path).lifecycle is LifecycleTreatment.COMPLETIONS
    settings = Settings.from_env(
        {"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_LIFECYCLE": " Activity_Transition "}
    )
    assert settings.lifecycle is LifecycleTreatment.ACTIVITY_TRANSITION
    assert settings.subprocess_env({})["ORDERLENS_LIFECYCLE"] == "activity_transition"
    assert Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)}).lifecycle.value == (
        "completions"
    )


def test_settings_rejects_an_unknown_lifecycle_treatment_naming_the_choices(tmp_path):
    with pytest.raises(ValueError, match="ORDERLENS_LIFECYCLE must be one of completions"):
        Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_LIFECYCLE": "starts"})


def test_settings_behind_tls_and_trusted_proxy_are_read_and_passed_on(tmp_path):
    plain = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)})
    assert (plain.behind_tls, plain.trusted_proxy) == (False, None)
    assert plain.subprocess_env({})["ORDERLENS_BEHIND_TLS"] == "false"
    assert "ORDERLENS_TRUSTED_PROXY" not in plain.subprocess_env({})
    proxied = Settings.from_env(
        {
            "ORDERLENS_DATA_DIR": str(tmp_path),
            "ORDERLENS_BEHIND_TLS": " Yes ",
            "ORDERLENS_TRUSTED_PROXY": "10.0.0.5",
        }
    )
    assert (proxied.behind_tls, proxied.trusted_proxy) == (True, "10.0.0.5")
    assert Settings.from_env(proxied.subprocess_env({})) == proxied
    assert proxied.sessions_path == tmp_path / "sessions.sqlite3"
    with pytest.raises(ValueError, match="ORDERLENS_BEHIND_TLS must be true or false"):
        Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_BEHIND_TLS": "https"})


def test_settings_cache_dir_from_its_variable_else_the_xdg_cache_else_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    named = Settings.from_env({"ORDERLENS_CACHE_DIR": str(tmp_path / "mine")})
    xdg = Settings.from_env({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert named.cache_dir == tmp_path / "mine"
    assert xdg.cache_dir == tmp_path / "xdg" / "orderlens"
    assert Settings.from_env({}).cache_dir == tmp_path / "home" / ".cache" / "orderlens"
    assert named.dbt_manifest_cache_dir == tmp_path / "mine" / "dbt-manifests"


def test_settings_engine_defaults_to_duckdb_and_spark_settings_are_passed_on(tmp_path):
    default = Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path)})
    assert (default.engine, default.spark_master) == (Engine.DUCKDB, "local[2]")
    assert default.lake_location == str(tmp_path / "lake")
    spark = Settings.from_env(
        {
            "ORDERLENS_DATA_DIR": str(tmp_path),
            "ORDERLENS_ENGINE": " Spark ",
            "ORDERLENS_SPARK_MASTER": "spark://10.1.2.3:7077",
            "ORDERLENS_LAKE": "/mnt/lake/orderlens/",
        }
    )
    assert (spark.engine, spark.spark_master, spark.lake_location) == (
        Engine.SPARK,
        "spark://10.1.2.3:7077",
        "/mnt/lake/orderlens",
    )
    child = spark.subprocess_env({})
    assert Settings.from_env(child) == spark


def test_settings_rejects_an_unknown_engine_naming_the_choices(tmp_path):
    with pytest.raises(ValueError, match="ORDERLENS_ENGINE must be one of duckdb, spark"):
        Settings.from_env({"ORDERLENS_DATA_DIR": str(tmp_path), "ORDERLENS_ENGINE": "presto"})
