"""How the settings reach dbt: the vars of every rendering command, and a full rebuild of
the incremental process-flow marts when the lifecycle treatment changes."""

from __future__ import annotations

import json

from orderlens.settings import LifecycleTreatment, Settings
from orderlens.transform import (
    built_lifecycle,
    record_built_lifecycle,
    with_settings_vars,
)


def _vars(command: list[str]) -> dict[str, str]:
    return json.loads(command[command.index("--vars") + 1])


def test_with_settings_vars_passes_the_lifecycle_treatment_as_a_dbt_var(tmp_path):
    settings = Settings(data_dir=tmp_path, lifecycle=LifecycleTreatment.ALL)
    assert _vars(with_settings_vars(settings, ["test"])) == {"lifecycle": "all"}
    assert _vars(with_settings_vars(settings, ["docs", "generate"])) == {"lifecycle": "all"}
    assert with_settings_vars(settings, ["deps"]) == ["deps"]


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
