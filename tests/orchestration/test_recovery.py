"""Recovery: a pipeline killed halfway and run again ends as an uninterrupted one, a
failing blocking check keeps the previous serving copy published, and a dbt build whose
step failed does not live on holding the warehouse."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.transform.assets import stop_abandoned_process
from orderlens.settings import Settings
from orderlens.warehouse import connect

pytestmark = pytest.mark.slow


def _state(settings: Settings) -> dict[str, object]:
    """Row counts of every published table, raw counts, and the exceptions' contents."""
    state: dict[str, object] = {}
    with connect(settings.serving_path, read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema IN ('marts', 'mining') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            (count,) = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()
            state[f"{schema}.{table}"] = count
        state["exceptions"] = con.execute(
            "SELECT exception_id, status, resolved_at, total_cost FROM marts.fct_exceptions"
            " ORDER BY exception_id"
        ).fetchall()
    with connect(settings.warehouse_path, read_only=True) as con:
        for table in ("raw.workflow_events", "raw.integration_events"):
            (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            state[table] = count
    return state


def _process_group_runs_dbt(group: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if any(argument.endswith(b"/dbt") for argument in arguments[:2]) and b"build" in arguments:
            return True
    return False


def _run_and_kill_during_dbt(settings: Settings) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "orderlens.cli", "run"],
        env=settings.subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if _process_group_runs_dbt(process.pid):
            time.sleep(1.0)
            break
        time.sleep(0.05)
    assert process.poll() is None, "the pipeline ended before dbt could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_pipeline_killed_during_dbt_build_then_rerun_matches_an_uninterrupted_run(
    published_demo, simulate_demo_into, tmp_path
):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    simulate_demo_into(settings.inbox_dir / "demo")
    _run_and_kill_during_dbt(settings)
    assert not settings.serving_path.exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "orderlens.cli", "run"],
        env=settings.subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _state(settings) == _state(published_demo.settings)


def test_failing_blocking_check_keeps_the_previous_serving_copy(
    published_demo, tmp_path, monkeypatch
):
    data_dir = tmp_path / "data"
    shutil.copytree(published_demo.settings.data_dir, data_dir)
    settings = Settings(data_dir=data_dir)
    (before,) = _published_at(settings)

    import orchestration.defs.mining.assets as mining_assets

    real_discover = mining_assets.discover_variants

    def lose_a_variant(*args, **kwargs):
        return real_discover(*args, **kwargs).iloc[1:]

    monkeypatch.setattr(mining_assets, "discover_variants", lose_a_variant)
    definitions = build_definitions(settings)
    job = definitions.resolve_job_def("pipeline")
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        asset_selection=[
            dg.AssetKey(["mining", "variants"]),
            dg.AssetKey(["serving", "serving_copy"]),
        ],
    )
    checks = {
        evaluation.check_name: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }
    assert checks["variant_cases_add_up"] is False
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["serving", "serving_copy"]) not in materialized
    assert _published_at(settings) == (before,)


def _published_at(settings: Settings) -> tuple:
    with connect(settings.serving_path, read_only=True) as con:
        return con.execute("SELECT published_at FROM meta.publication").fetchone()


def test_stop_abandoned_process_ends_a_child_that_ignores_sigint_and_leaves_finished_ones():
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    stop_abandoned_process(stubborn, timeout=0.5)
    assert stubborn.returncode == -9
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stop_abandoned_process(polite, timeout=10)
    assert polite.returncode not in (None, -9)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    stop_abandoned_process(finished)
    assert finished.returncode == 0
