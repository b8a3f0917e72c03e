"""Which model conformance is measured against, and why.

A fitness figure means something only against a model of the same process. The model is
chosen in this order:

1. **user**: a BPMN file the user gives (``ORDERLENS_REFERENCE_MODEL`` or
   ``--reference-model``); a file that is not readable BPMN is rejected, naming it.
2. **retail_reference**: the shipped retail fulfillment model, when the log is the retail
   process. That is decided from the data: at least :data:`RETAIL_EVENT_SHARE` of the
   log's events must be steps the reference model names. The retail simulator's logs
   reach about 91 % (the rest are exception-handling steps), a log of another process
   shares few or none (a permit-application log: 0 %), so half is a wide margin both ways.
3. **discovered**: otherwise, pm4py's inductive miner (IMf, noise threshold
   :data:`DISCOVERY_NOISE_THRESHOLD`) on the most frequent variants covering
   :data:`DISCOVERY_COVERAGE` of the cases, labelled as such wherever it is shown. It is
   mined from the variants table, never from the events, so a log of ten million events
   costs as much as its few frequent variants. Fitness against it says how far the rare
   paths depart from the usual ones.

The decision reads only the variants table (activities and case counts), which the
pipeline has already stored in ``mining.variants``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import duckdb
import pandas as pd

from process_mining.conformance import (
    REFERENCE_MODEL_FILE,
    ConformanceResult,
    ReferenceModel,
    get_reference_model,
    read_bpmn_model,
)
from process_mining.discovery import discover_model_from_variants
from process_mining.event_log import EventLog
from process_mining.variants import discover_variants, get_variant_coverage

RETAIL_EVENT_SHARE = 0.5
"""A log is the retail process when at least this share of its events are steps that the
retail reference model names."""

DISCOVERY_COVERAGE = 0.8
"""A discovered model is mined from the most frequent variants covering this share of cases."""

DISCOVERY_NOISE_THRESHOLD = 0.0
"""The inductive miner's noise filter: none, since the rare variants are already left out."""


class ModelSource(StrEnum):
    """Where the conformance model came from."""

    USER = "user"
    """A BPMN file the user gave."""
    RETAIL_REFERENCE = "retail_reference"
    """The shipped retail fulfillment model, chosen because the log is the retail process."""
    DISCOVERED = "discovered"
    """Mined from the log's own frequent variants."""


@dataclass(frozen=True)
class ConformanceModel:
    """The model conformance is measured against, and why it was chosen.

    Attributes:
        source: User file, retail reference or discovered.
        label: The model in a few words, for every place that shows a fitness.
        location: The BPMN file, or how the model was discovered.
        reason: Why this model was chosen, in words.
        model: The model itself, ready for :func:`~process_mining.conformance.check_conformance`.
        retail_event_share: Share of the log's events that the retail reference names
            (``None`` when not needed: a user model was given, or the log is empty).
    """

    source: ModelSource
    label: str
    location: str
    reason: str
    model: ReferenceModel
    retail_event_share: float | None


def get_retail_event_share(variants: pd.DataFrame, activities: frozenset[str]) -> float | None:
    """Share of the log's events whose activity is in ``activities`` (``None``: no events).

    Args:
        variants: The log's variants (``activities`` lists and ``case_count``).
        activities: The activity names to count.
    """
    events: Counter[bool] = Counter()
    for trace, cases in zip(variants["activities"], variants["case_count"], strict=True):
        named = sum(activity in activities for activity in trace)
        events[True] += named * int(cases)
        events[False] += (len(trace) - named) * int(cases)
    total = events[True] + events[False]
    return events[True] / total if total else None


def choose_conformance_model(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    user_model: Path | None = None,
    variants: pd.DataFrame | None = None,
    retail_event_share: float = RETAIL_EVENT_SHARE,
    coverage: float = DISCOVERY_COVERAGE,
) -> ConformanceModel:
    """Choose the model to measure ``log`` against: the user's, the retail reference, or
    one discovered from the log (see the module docstring for the order).

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        user_model: A BPMN file the user gave; always used when given.
        variants: All variants of ``log`` (as :func:`discover_variants` returns them);
            computed from the log when omitted. The pipeline passes ``mining.variants``.
        retail_event_share: See :data:`RETAIL_EVENT_SHARE`.
        coverage: See :data:`DISCOVERY_COVERAGE`.

    Raises:
        ValueError: ``user_model`` is not a readable BPMN file (the message names it).

    Example:
        >>> choice = choose_conformance_model(con, EventLog())  # doctest: +SKIP
        >>> choice.label  # doctest: +SKIP
        'discovered from the 6 most frequent variants (82% of cases)'
    """
    if user_model is not None:
        return ConformanceModel(
            source=ModelSource.USER,
            label=f"given model {Path(user_model).name}",
            location=str(user_model),
            reason="a reference model was given (ORDERLENS_REFERENCE_MODEL or "
            "--reference-model): it is used whatever the log",
            model=read_bpmn_model(Path(user_model)),
            retail_event_share=None,
        )
    if variants is None:
        variants = discover_variants(con, log)
    retail = get_reference_model()
    share = get_retail_event_share(variants, retail.activities)
    threshold = f"{retail_event_share:.0%}"
    if share is None:
        return ConformanceModel(
            source=ModelSource.RETAIL_REFERENCE,
            label="retail fulfillment reference model",
            location=str(REFERENCE_MODEL_FILE),
            reason="the log holds no event, so nothing decides against the default "
            "retail reference model",
            model=retail,
            retail_event_share=None,
        )
    if share >= retail_event_share:
        return ConformanceModel(
            source=ModelSource.RETAIL_REFERENCE,
            label="retail fulfillment reference model",
            location=str(REFERENCE_MODEL_FILE),
            reason=f"{share:.1%} of the log's events are steps of the retail reference "
            f"model (at least {threshold} makes a log the retail process)",
            model=retail,
            retail_event_share=share,
        )
    frequent = get_variant_coverage(variants, coverage=coverage)
    discovered = discover_model_from_variants(
        variants, coverage=coverage, noise_threshold=DISCOVERY_NOISE_THRESHOLD
    )
    activities = frozenset(t.label for t in discovered.net.transitions if t.label)
    count = len(frequent)
    return ConformanceModel(
        source=ModelSource.DISCOVERED,
        label=f"discovered from the {count} most frequent variant{'s' if count > 1 else ''}"
        f" ({discovered.case_share:.0%} of cases)",
        location=f"inductive miner (IMf, noise threshold {DISCOVERY_NOISE_THRESHOLD:g}) on the"
        f" most frequent variants covering at least {coverage:.0%} of cases",
        reason=f"no reference model was given and only {share:.1%} of the log's events are "
        f"steps of the retail reference model (below the {threshold} that makes a log the "
        "retail process), so the model is the log's own usual behaviour",
        model=ReferenceModel(
            discovered.bpmn,
            discovered.net,
            discovered.initial_marking,
            discovered.final_marking,
            activities,
        ),
        retail_event_share=share,
    )


CONFORMANCE_MODEL_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",
    "label": "VARCHAR",
    "location": "VARCHAR",
    "reason": "VARCHAR",
    "retail_event_share": "DOUBLE",
    "model_activities": "VARCHAR[]",
    "shared_activities": "VARCHAR[]",
    "shared_activity_count": "BIGINT",
    "fitness": "DOUBLE",
    "conforming_case_share": "DOUBLE",
    "checked_case_share": "DOUBLE",
    "unmeasured_reason": "VARCHAR",
}
"""Columns of ``mining.conformance_model`` (one row) and their SQL types."""


def describe_conformance_model(
    choice: ConformanceModel, result: ConformanceResult
) -> dict[str, object]:
    """The ``mining.conformance_model`` row: which model, why, and what it measured.

    ``fitness`` and ``conforming_case_share`` are ``None`` exactly when
    ``unmeasured_reason`` says why no figure is given.
    """
    return {
        "source": choice.source.value,
        "label": choice.label,
        "location": choice.location,
        "reason": choice.reason,
        "retail_event_share": choice.retail_event_share,
        "model_activities": sorted(choice.model.activities),
        "shared_activities": list(result.shared_activities),
        "shared_activity_count": len(result.shared_activities),
        "fitness": result.fitness,
        "conforming_case_share": result.conforming_case_share,
        "checked_case_share": result.checked_case_share,
        "unmeasured_reason": result.unmeasured_reason,
    }
