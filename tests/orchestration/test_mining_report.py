"""The pipeline's report scores root causes against a simulator's answer key only when
the user names one: the ``ground_truth.json`` a simulation drops into the inbox is not
picked up by itself."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import dagster as dg

from orchestration.defs.mining.assets import REPORT_FILE_NAME, mining_report
from orchestration.defs.resources import SettingsResource
from orderlens.simulator.ground_truth import SUMMARY_FILE

NAMED_CAUSE = "cause_named_by_the_user"


def test_mining_report_ignores_the_answer_key_lying_in_the_inbox(published_demo):
    assert (published_demo.simulation_dir / SUMMARY_FILE).is_file()
    report = published_demo.settings.reports_dir / REPORT_FILE_NAME
    assert "ground truth" not in report.read_text(encoding="utf-8").lower()


def test_mining_report_scores_root_causes_against_the_answer_key_it_is_given(
    published_demo, tmp_path
):
    answer_key = json.loads((published_demo.simulation_dir / SUMMARY_FILE).read_text())
    answer_key["injected_causes"] = [
        {
            "name": NAMED_CAUSE,
            "dimension": "channel",
            "values": ["web"],
            "start": answer_key["parameters"]["start"],
            "end": answer_key["parameters"]["horizon"],
            "exception_type": "carrier_delay",
            "expected_effect": "more carrier delays on web orders",
        }
    ]
    key_path = tmp_path / "answer_key.json"
    key_path.write_text(json.dumps(answer_key))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(published_demo.settings.warehouse_path, data_dir / "warehouse.duckdb")
    settings = replace(published_demo.settings, data_dir=data_dir, ground_truth_file=key_path)

    result = dg.materialize([mining_report], resources={"orderlens": SettingsResource(settings)})

    assert result.success
    (materialization,) = [
        event.materialization for event in result.get_asset_materialization_events()
    ]
    assert materialization.metadata["ground_truth"].value == str(key_path)
    report = (settings.reports_dir / REPORT_FILE_NAME).read_text(encoding="utf-8")
    assert "ground truth" in report.lower()
    assert NAMED_CAUSE in report
