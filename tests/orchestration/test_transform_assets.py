"""dbt under Dagster: its manifest is parsed once per project content and vars (cached for
every data directory), again only when the settings' vars change, and the pipeline's
builds parse the project at most once per data directory."""

from __future__ import annotations

import json
from dataclasses import replace

from orchestration.defs.transform.assets import PARSED_VARS_FILE, dbt_project
from orderlens.settings import LifecycleTreatment, Settings


def test_dbt_project_parses_once_per_project_and_vars_then_reuses_the_cached_manifest(tmp_path):
    first = Settings(data_dir=tmp_path / "first", cache_dir=tmp_path / "cache")
    project = dbt_project(first)
    assert project.manifest_path == first.dbt_target_dir / "manifest.json"
    assert (first.dbt_log_dir / "dbt.log").exists(), "a first parse leaves dbt's log"
    parsed_at = project.manifest_path.stat().st_mtime_ns
    dbt_project(first)
    assert project.manifest_path.stat().st_mtime_ns == parsed_at

    second = replace(first, data_dir=tmp_path / "second")
    copied = dbt_project(second).manifest_path
    assert not (second.dbt_log_dir / "dbt.log").exists(), "dbt ran for a cached manifest"
    assert copied.read_bytes() == project.manifest_path.read_bytes()

    dbt_project(replace(first, lifecycle=LifecycleTreatment.ALL))
    assert project.manifest_path.stat().st_mtime_ns > parsed_at
    stamp = json.loads((first.dbt_target_dir / PARSED_VARS_FILE).read_text())
    assert json.loads(stamp[stamp.index("--vars") + 1]) == {
        "warehouse_path": str(first.warehouse_path),
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


def test_pipeline_builds_parse_the_project_at_most_once_per_data_directory(published_demo):
    """Only the data directory's first dbt command may parse the project whole (the
    definitions' parse, or with a cached manifest the first build); every later one
    reuses that parse. How many later commands there are depends on which tests shared
    this worker's demo, so none is required."""
    invocations = _events_by_invocation(_log_text_oldest_first(published_demo.settings.dbt_log_dir))
    assert invocations, "the pipeline ran no dbt command"
    full_parses = [
        index for index, events in enumerate(invocations) if "UnableToPartialParse" in events
    ]
    assert full_parses in ([], [0])
    for events in invocations[1:]:
        assert "PartialParsingSkipParsing" in events
