"""Reference data (exception taxonomy, SLA policy, cost model): defaults and overrides.

Defaults ship in ``reference_defaults.yaml`` beside this module; a user file with the same
layout replaces them. Every row is validated against the contract models before it is
written to the warehouse's ``reference`` schema, so a typo fails loudly with the file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import yaml
from pydantic import ValidationError
from sqlmodel import SQLModel

from orderlens.contract import (
    CostModel,
    ExceptionTaxonomyEntry,
    SlaPolicy,
    create_table_sql,
    field_names,
    qualified_name,
)

_SECTIONS: dict[str, type[SQLModel]] = {
    "exception_taxonomy": ExceptionTaxonomyEntry,
    "sla_policy": SlaPolicy,
    "cost_model": CostModel,
}


@dataclass(frozen=True)
class ReferenceData:
    """Validated reference tables, one list of contract rows per table."""

    exception_taxonomy: list[ExceptionTaxonomyEntry]
    sla_policy: list[SlaPolicy]
    cost_model: list[CostModel]

    def cost(self, parameter: str) -> float:
        """Value of one cost-model parameter."""
        for row in self.cost_model:
            if row.parameter == parameter:
                return row.value
        raise KeyError(f"cost model has no parameter {parameter!r}")


def load_reference(path: Path | None = None) -> ReferenceData:
    """Read and validate reference data from ``path`` or the shipped defaults.

    Raises:
        ValueError: naming the file, section, row and field that is wrong.
    """
    if path is None:
        text = resources.files("orderlens").joinpath("reference_defaults.yaml").read_text()
        origin = "reference_defaults.yaml"
    else:
        text = Path(path).read_text()
        origin = str(path)
    document = yaml.safe_load(text) or {}
    tables: dict[str, list[SQLModel]] = {}
    for section, model in _SECTIONS.items():
        rows = document.get(section)
        if not rows:
            raise ValueError(f"{origin}: section {section!r} is missing or empty")
        parsed = []
        for index, row in enumerate(rows, start=1):
            try:
                parsed.append(model.model_validate(row))
            except ValidationError as error:
                problem = error.errors()[0]
                field = ".".join(str(part) for part in problem["loc"])
                raise ValueError(
                    f"{origin}: {section} row {index}, field {field!r}: {problem['msg']}"
                ) from error
        tables[section] = parsed
    return ReferenceData(**tables)


def write_reference(con: duckdb.DuckDBPyConnection, reference: ReferenceData) -> None:
    """Replace the warehouse's reference tables with ``reference`` in one transaction.

    The rows are bound as plain parameters (the tables are a few dozen rows), so writing
    them needs no DataFrame library and ``orderlens ingest`` starts without importing one.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS reference")
    con.execute("BEGIN TRANSACTION")
    for section, model in _SECTIONS.items():
        columns = field_names(model)
        rows = [
            [dumped[column] for column in columns]
            for dumped in (row.model_dump(mode="json") for row in getattr(reference, section))
        ]
        con.execute(f"DROP TABLE IF EXISTS {qualified_name(model)}")
        con.execute(create_table_sql(model))
        con.executemany(
            f"INSERT INTO {qualified_name(model)} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            rows,
        )
    con.execute("COMMIT")
