"""dbt under Dagster: its manifest is parsed into the data directory, again only when the
settings' vars change, and the pipeline's build reuses that parse instead of parsing the
project again."""

from __future__ import annotations

import json
from dataclasses import replace

from orchestration.defs.transform.assets import PARSED_VARS_FILE, dbt_project
from orderlens.settings import LifecycleTreatment, Settings


def test_dbt_project_parses_into_the_data_directory_only_when_its_vars_change(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    project = dbt_project(settings)
    assert project.manifest_path == settings.dbt_target_dir / "manifest.json"
    parsed_at = project.manifest_path.stat().st_mtime_ns
    dbt_project(settings)
    assert project.manifest_path.stat().st_mtime_ns == parsed_at
    dbt_project(replace(settings, lifecycle=LifecycleTreatment.ALL))
    assert project.manifest_path.stat().st_mtime_ns > parsed_at
    stamp = json.loads((settings.dbt_target_dir / PARSED_VARS_FILE).read_text())
    assert json.loads(stamp[stamp.index("--vars") + 1]) == {
        "warehouse_path": str(settings.warehouse_path),
        "lifecycle": "all",
    }


def _events_by_invocation(log_text: str) -> list[set[str]]:
    """The names of the events dbt logged, per invocation, in the order they ran."""
    invocations: dict[str, set[str]] = {}
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)["info"]
        invocations.setdefault(event["invocation_id"], set()).add(event["name"])
    return list(invocations.values())


def _log_text_oldest_first(log_dir) -> str:
    """dbt's log with the files it rotated out (``dbt.log.5`` oldest, ``dbt.log`` newest):
    later tests re-run the pipeline on the same data directory and push the first
    invocations out of ``dbt.log``."""
    rotated = sorted(log_dir.glob("dbt.log.*"), key=lambda path: -int(path.suffix[1:]))
    return "".join(path.read_text(encoding="utf-8") for path in [*rotated, log_dir / "dbt.log"])


def test_pipeline_build_reuses_the_parse_of_the_definitions(published_demo):
    log_text = _log_text_oldest_first(published_demo.settings.dbt_log_dir)
    parse, *builds = _events_by_invocation(log_text)
    assert "UnableToPartialParse" in parse, "the definitions' first parse was not a full one"
    assert builds, "the pipeline ran no dbt build"
    for events in builds:
        assert "UnableToPartialParse" not in events
        assert "PartialParsingSkipParsing" in events
