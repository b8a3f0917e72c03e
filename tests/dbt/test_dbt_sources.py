"""The committed dbt sources file is exactly what the data contract renders."""

from __future__ import annotations

import yaml

from orderlens.contract import IntegrationEvent, WorkflowEvent, field_names
from orderlens.dbt_runner import DBT_PROJECT_DIR
from orderlens.dbt_sources import render_sources_yml, sources_file


def test_dbt_sources_committed_file_equals_rendering() -> None:
    assert sources_file(DBT_PROJECT_DIR).read_text() == render_sources_yml()


def test_dbt_sources_lists_every_contract_column_and_lineage() -> None:
    document = yaml.safe_load(render_sources_yml())
    raw = next(source for source in document["sources"] if source["name"] == "raw")
    tables = {
        table["name"]: [column["name"] for column in table["columns"]] for table in raw["tables"]
    }
    lineage = ["event_seq", "source_file", "source_row", "load_id"]
    assert tables["workflow_events"] == [*field_names(WorkflowEvent), *lineage]
    assert tables["integration_events"] == [*field_names(IntegrationEvent), *lineage]
