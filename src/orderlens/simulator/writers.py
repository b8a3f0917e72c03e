"""Streaming writers for the simulator's event files, one per output format.

Every writer takes one chunk at a time and never holds more than that chunk:
Parquet through ``ParquetWriter`` row groups, CSV through Arrow's CSV writer, JSON Lines
chunk by chunk, XES trace by trace (a chunk holds whole cases), and OCEL 2.0 JSON by
spooling events and objects to temporary files that are stitched into one document at
the end. For XES and OCEL the integration events are written as Parquet beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orderlens.simulator.config import OutputFormat
from orderlens.simulator.tables import (
    INTEGRATION_SCHEMA,
    WORKFLOW_SCHEMA,
    ChunkTables,
    dictionary_schema,
    plain,
)

_STATISTICS_COLUMNS = frozenset({"case_id", "correlation_id", "event_at", "sent_at", "activity"})
"""Columns whose min/max statistics are written: what readers filter on. Statistics of
every column cost a third of the write time and help no query."""

WORKFLOW_STEM = "workflow_events"
INTEGRATION_STEM = "integration_events"


class TableSink(Protocol):
    """Receives Arrow tables of one schema, chunk by chunk."""

    def write(self, table: pa.Table) -> None:
        """Append one chunk."""

    def close(self) -> Path:
        """Finish the file and return its path."""


class ParquetSink:
    """One Parquet file, a row group per chunk."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self._writer = pq.ParquetWriter(
            path,
            dictionary_schema(schema),
            compression="zstd",
            compression_level=1,
            store_schema=False,
            write_statistics=[name for name in schema.names if name in _STATISTICS_COLUMNS],
        )

    def write(self, table: pa.Table) -> None:
        """Append one chunk as a row group (strings stay dictionary-encoded).

        The Arrow schema is not stored, so readers see plain strings, as the contract says.
        """
        self._writer.write_table(table)

    def close(self) -> Path:
        """Write the footer."""
        self._writer.close()
        return self.path


class CsvSink:
    """One CSV file with a header row; timestamps in ISO 8601 with offset."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self._writer = pacsv.CSVWriter(path, _text_schema(schema))

    def write(self, table: pa.Table) -> None:
        """Append one chunk."""
        self._writer.write_table(_timestamps_as_text(plain(table)))

    def close(self) -> Path:
        """Close the file."""
        self._writer.close()
        return self.path


class JsonLinesSink:
    """One JSON object per line; nulls written as JSON null, timestamps as ISO 8601."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self._handle = path.open("w", encoding="utf-8")

    def write(self, table: pa.Table) -> None:
        """Append one chunk."""
        text = _timestamps_as_text(plain(table)).to_pandas().to_json(orient="records", lines=True)
        if text:
            self._handle.write(text if text.endswith("\n") else text + "\n")

    def close(self) -> Path:
        """Close the file."""
        self._handle.close()
        return self.path


def _text_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [
            pa.field(field.name, pa.string()) if pa.types.is_timestamp(field.type) else field
            for field in schema
        ]
    )


def _timestamps_as_text(table: pa.Table) -> pa.Table:
    """Timestamps as ``2026-03-02T10:15:00.123456+00:00`` strings (unambiguous UTC)."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            column = pc.binary_join_element_wise(
                pc.strftime(column, format="%Y-%m-%dT%H:%M:%S"), "+00:00", ""
            )
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=_text_schema(table.schema))


class EventWriter:
    """Writes the workflow and integration events of a run in one output format."""

    def __init__(self, workflow: TableSink, integration: TableSink) -> None:
        self._workflow = workflow
        self._integration = integration

    def write(self, tables: ChunkTables) -> None:
        """Append one chunk to both files."""
        self._workflow.write(tables.workflow)
        self._integration.write(tables.integration)

    def close(self) -> list[Path]:
        """Finish both files; returns their paths."""
        return [self._workflow.close(), self._integration.close()]


def open_event_writer(output_format: OutputFormat, out_dir: Path) -> EventWriter:
    """The writer for ``output_format`` with its files created in ``out_dir``."""
    from orderlens.simulator.exports import OcelSink, XesSink

    if output_format is OutputFormat.PARQUET:
        sinks = (
            ParquetSink(out_dir / f"{WORKFLOW_STEM}.parquet", WORKFLOW_SCHEMA),
            ParquetSink(out_dir / f"{INTEGRATION_STEM}.parquet", INTEGRATION_SCHEMA),
        )
    elif output_format is OutputFormat.CSV:
        sinks = (
            CsvSink(out_dir / f"{WORKFLOW_STEM}.csv", WORKFLOW_SCHEMA),
            CsvSink(out_dir / f"{INTEGRATION_STEM}.csv", INTEGRATION_SCHEMA),
        )
    elif output_format is OutputFormat.JSONL:
        sinks = (
            JsonLinesSink(out_dir / f"{WORKFLOW_STEM}.jsonl", WORKFLOW_SCHEMA),
            JsonLinesSink(out_dir / f"{INTEGRATION_STEM}.jsonl", INTEGRATION_SCHEMA),
        )
    elif output_format is OutputFormat.XES:
        sinks = (
            XesSink(out_dir / f"{WORKFLOW_STEM}.xes"),
            ParquetSink(out_dir / f"{INTEGRATION_STEM}.parquet", INTEGRATION_SCHEMA),
        )
    else:
        sinks = (
            OcelSink(out_dir / "orders.jsonocel"),
            ParquetSink(out_dir / f"{INTEGRATION_STEM}.parquet", INTEGRATION_SCHEMA),
        )
    return EventWriter(*sinks)
