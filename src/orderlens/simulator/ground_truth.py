"""The ground truth a run writes beside its events, for checking analytics against it.

``ground_truth_exceptions.parquet`` has one row per exception detected before the
horizon: its lifecycle as the marts should compute it (detected, first response,
resolution, automatic or manual, touches, escalations, reopened), where it happened,
which injected cause's scope held it and the effects it caused (expedite, cancellation,
refund amount). ``ground_truth.json`` summarises the run: scenario and parameters, the
injected causes (dimension, values, window, expected effect), per exception type the
count, configured rate, mean resolution minutes, touchless share and SLA adherence,
and the number of events per activity, interface and status.

:func:`read_injected_causes` is the one reader of that summary's causes: the spike and
root-cause evaluations, and a report the user hands an answer key to, all use it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orderlens.reference import ReferenceData
from orderlens.simulator.config import SimulationConfig, SimulationParameters
from orderlens.simulator.scenarios import InjectedCause, Scenario
from orderlens.simulator.tables import EXCEPTION_TRUTH_SCHEMA, ChunkTables

SUMMARY_FILE = "ground_truth.json"
EXCEPTIONS_FILE = "ground_truth_exceptions.parquet"


def read_injected_causes(path: Path) -> list[InjectedCause]:
    """The injected causes a simulation's ``ground_truth.json`` lists, as it injected them.

    Args:
        path: A ``ground_truth.json`` written by ``orderlens simulate``.

    Raises:
        ValueError: the file is not JSON, or a cause lacks a field every cause has; the
            message names the file (and the cause).
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a simulator ground truth (JSON): {error}") from error
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a simulator ground truth: expected a JSON object")
    causes: list[InjectedCause] = []
    for number, cause in enumerate(document.get("injected_causes") or [], start=1):
        try:
            causes.append(
                InjectedCause(
                    name=cause["name"],
                    dimension=cause["dimension"],
                    values=tuple(cause["values"]),
                    start=_utc_seconds(cause["start"]),
                    end=_utc_seconds(cause["end"]),
                    expected_effect=cause.get("expected_effect") or "",
                    exception_type=cause.get("exception_type"),
                    rate_multiplier=float(cause.get("rate_multiplier") or 1.0),
                    volume_multiplier=float(cause.get("volume_multiplier") or 1.0),
                    interface=cause.get("interface"),
                    interface_failure_rate=float(cause.get("interface_failure_rate") or 0.0),
                    step=cause.get("step"),
                    step_median_minutes=cause.get("step_median_minutes"),
                    reroute_share=cause.get("reroute_share"),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{path}: injected cause {number} cannot be read ({type(error).__name__}: {error})"
            ) from error
    return causes


def _utc_seconds(text: str) -> float:
    """UNIX seconds of an ISO 8601 time; one without an offset is taken as UTC, as the
    simulator's windows are."""
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class GroundTruthCollector:
    """Collects truth chunk by chunk and writes both ground-truth files at the end."""

    def __init__(
        self,
        config: SimulationConfig,
        parameters: SimulationParameters,
        scenario: Scenario,
        reference: ReferenceData,
    ) -> None:
        self.config = config
        self.parameters = parameters
        self.scenario = scenario
        self.reference = reference
        self.exceptions: list[pa.Table] = []
        self.activities: Counter[str] = Counter()
        self.interfaces: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.workflow_events = 0
        self.integration_events = 0
        self.dead_letters = 0
        self.replays = 0

    def add(self, tables: ChunkTables) -> None:
        """Take the truth of one chunk."""
        self.exceptions.append(tables.exceptions)
        self.workflow_events += tables.workflow.num_rows
        self.integration_events += tables.integration.num_rows
        for counter, table, column in (
            (self.activities, tables.workflow, "activity"),
            (self.interfaces, tables.integration, "interface"),
            (self.statuses, tables.integration, "status"),
        ):
            counter.update(_value_counts(table[column]))
        self.dead_letters += int(pc.sum(tables.integration["dead_lettered"]).as_py() or 0)
        self.replays += int(pc.sum(tables.integration["replayed"]).as_py() or 0)

    def write(self, out_dir: Path) -> tuple[Path, Path, int]:
        """Write both files; returns their paths and the number of exceptions."""
        table = (
            pa.concat_tables(self.exceptions)
            if self.exceptions
            else EXCEPTION_TRUTH_SCHEMA.empty_table()
        )
        exceptions_path = out_dir / EXCEPTIONS_FILE
        pq.write_table(table, exceptions_path)
        summary_path = out_dir / SUMMARY_FILE
        summary_path.write_text(json.dumps(self.summary(table), indent=2, sort_keys=False) + "\n")
        return summary_path, exceptions_path, table.num_rows

    def summary(self, table: pa.Table) -> dict[str, object]:
        """The contents of ``ground_truth.json``."""
        config = self.config
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "parameters": {
                "orders": config.orders,
                "seed": config.seed,
                "id_prefix": config.id_prefix,
                "start": config.start.isoformat(),
                "days": config.days,
                "horizon": datetime.fromtimestamp(config.horizon_seconds, UTC).isoformat(),
                "format": config.output_format.value,
                "chunk_orders": config.chunk_orders,
                "parameters_file": str(config.parameters_file or "defaults.yaml"),
                "reference_file": str(config.reference_file or "reference_defaults.yaml"),
            },
            "injected_causes": [cause.describe() for cause in self.scenario.causes],
            "totals": {
                "orders": config.orders,
                "workflow_events": self.workflow_events,
                "integration_events": self.integration_events,
                "exceptions": table.num_rows,
                "dead_lettered_attempts": self.dead_letters,
                "replayed_attempts": self.replays,
            },
            "exception_types": self._per_type(table),
            "activities": dict(sorted(self.activities.items())),
            "interfaces": dict(sorted(self.interfaces.items())),
            "statuses": dict(sorted(self.statuses.items())),
        }

    def _per_type(self, table: pa.Table) -> dict[str, dict[str, object]]:
        frame = table.to_pandas()
        slas = {entry.exception_type: entry for entry in self.reference.exception_taxonomy}
        result: dict[str, dict[str, object]] = {}
        for exception_type, profile in self.parameters.exceptions.items():
            rows = frame[frame["exception_type"] == exception_type]
            entry = slas[exception_type]
            resolved = rows[rows["resolved_at"].notna()]
            resolution = (resolved["resolved_at"] - resolved["detected_at"]).dt.total_seconds() / 60
            responded = rows[rows["first_response_at"].notna()]
            response = (
                responded["first_response_at"] - responded["detected_at"]
            ).dt.total_seconds() / 60
            result[exception_type] = {
                "count": len(rows),
                "per_1000_orders": round(1000.0 * len(rows) / self.config.orders, 3),
                "configured_rate": profile.rate,
                "rate_per": profile.per,
                "owning_team": entry.owning_team,
                "open": int(rows["resolved_at"].isna().sum()),
                "resolved": len(resolved),
                "mean_resolution_minutes": _mean(resolution),
                "mean_first_response_minutes": _mean(response),
                "first_response_sla_met_share": _share(
                    response <= entry.first_response_sla_minutes
                ),
                "resolution_sla_met_share": _share(resolution <= entry.resolution_sla_minutes),
                "auto_resolved_share": _share(rows["is_auto_resolved"]),
                "touchless_share": _share(rows["touches"] == 0),
                "mean_touches": _mean(rows["touches"]),
                "escalations": int(rows["escalations"].sum()),
                "reopened": int(rows["is_reopened"].sum()),
                "cancellations": int(rows["caused_cancellation"].sum()),
                "expedites": int(rows["caused_expedite"].sum()),
                "refund_amount": round(float(rows["refund_amount"].sum()), 2),
                "in_cause_scope": int(rows["cause"].notna().sum()),
            }
        return result


def _value_counts(column: pa.ChunkedArray) -> dict[str, int]:
    """Occurrences of each value of a (dictionary-encoded or plain) string column."""
    counts: Counter[str] = Counter()
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            frequency = np.bincount(
                chunk.indices.to_numpy(zero_copy_only=False), minlength=len(chunk.dictionary)
            )
            counts.update(
                {
                    value: int(n)
                    for value, n in zip(chunk.dictionary.to_pylist(), frequency, strict=True)
                    if n
                }
            )
        else:
            for entry in pc.value_counts(chunk).to_pylist():
                counts[entry["values"]] += entry["counts"]
    return counts


def _mean(values: pd.Series) -> float | None:
    return None if len(values) == 0 else round(float(np.mean(values)), 3)


def _share(flags: pd.Series) -> float | None:
    return None if len(flags) == 0 else round(float(np.mean(flags.astype(bool))), 4)
