"""The dbt sources file, generated from the data contract so its docs never drift.

The raw tables (with the ingestion lineage columns) and the reference tables are created
by :func:`orderlens.warehouse.initialize_warehouse` from the contract classes; this module
renders the matching dbt ``sources`` YAML from the same classes, column descriptions and
all, with one ``not_null_columns`` test per table on its required columns and
``accepted_values`` tests on enumerated ones. A test asserts that the committed file
equals :func:`render_sources_yml`.

Run ``python -m orderlens.dbt_sources`` after changing the contract to rewrite the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlmodel import SQLModel

from orderlens.contract import (
    RAW_MODELS,
    REFERENCE_MODELS,
    describe_columns,
    enum_values,
    field_names,
    required_field_names,
)

SOURCES_FILE_NAME = "__sources.yml"
"""Name of the generated file inside ``dbt_project/models/staging``."""

LINEAGE_DESCRIPTIONS: dict[str, str] = {
    "event_seq": "Arrival order assigned at ingestion (file by file, row by row); breaks ties.",
    "source_file": "File the row was read from.",
    "source_row": "Row number of the row in its source file.",
    "load_id": "Identifier of the ingestion run that loaded the row.",
}
"""Descriptions of the lineage columns ingestion adds to every raw row."""

_HEADER = (
    "# Generated from src/orderlens/contract.py by `python -m orderlens.dbt_sources`.\n"
    "# Do not edit by hand: change the contract and regenerate.\n"
)

_SOURCE_DESCRIPTIONS: dict[str, str] = {
    "raw": "Event logs as ingested: contract columns plus lineage columns, one row per event.",
    "reference": "Reference data (taxonomy, SLA policy, cost model), editable by the user.",
}


def _column_entries(model: type[SQLModel], *, with_lineage: bool) -> list[dict[str, Any]]:
    descriptions = describe_columns(model)
    allowed = enum_values(model)
    columns: list[dict[str, Any]] = []
    for name in field_names(model):
        entry: dict[str, Any] = {"name": str(name), "description": descriptions.get(name) or name}
        if name in allowed:
            entry["data_tests"] = [{"accepted_values": {"arguments": {"values": allowed[name]}}}]
        columns.append(entry)
    if with_lineage:
        columns += [
            {"name": name, "description": description}
            for name, description in LINEAGE_DESCRIPTIONS.items()
        ]
    return columns


def _table_entry(model: type[SQLModel], *, with_lineage: bool) -> dict[str, Any]:
    description = " ".join((model.__doc__ or model.__name__).split())
    if with_lineage:
        description += " One row per event as loaded by ingestion."
    entry: dict[str, Any] = {"name": str(model.__table__.name), "description": description}
    required = [str(name) for name in required_field_names(model)]
    if required:
        entry["data_tests"] = [{"not_null_columns": {"arguments": {"columns": required}}}]
    entry["columns"] = _column_entries(model, with_lineage=with_lineage)
    return entry


def render_sources_yml() -> str:
    """Render the dbt sources YAML for the raw and reference tables from the contract.

    Returns:
        The full text of ``models/staging/__sources.yml``.
    """
    sources = []
    for schema, models, with_lineage in (
        ("raw", RAW_MODELS, True),
        ("reference", REFERENCE_MODELS, False),
    ):
        sources.append(
            {
                "name": schema,
                "schema": schema,
                "description": _SOURCE_DESCRIPTIONS[schema],
                "tables": [_table_entry(model, with_lineage=with_lineage) for model in models],
            }
        )
    body = yaml.safe_dump(
        {"version": 2, "sources": sources}, sort_keys=False, width=100, allow_unicode=True
    )
    return _HEADER + body


def sources_file(project_dir: Path) -> Path:
    """Where the generated sources file lives inside a dbt project directory."""
    return project_dir / "models" / "staging" / SOURCES_FILE_NAME


def write_sources_yml(project_dir: Path) -> Path:
    """Write :func:`render_sources_yml` into ``project_dir`` and return the file's path."""
    target = sources_file(project_dir)
    target.write_text(render_sources_yml())
    return target


if __name__ == "__main__":
    from orderlens.dbt_runner import DBT_PROJECT_DIR

    print(write_sources_yml(DBT_PROJECT_DIR))
