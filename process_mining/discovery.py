"""Discovering a process model from the log with pm4py's inductive miner.

The miner never sees the events: SQL hands it either the frequent variants with their
case counts (:func:`discover_model`) or the directly-follows graph
(:func:`discover_model_from_edges`), both small whatever the size of the log. The result
is a process tree, its Petri net and its BPMN diagram, sound by construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb
import pandas as pd
import pm4py
from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
from pm4py.objects.bpmn.obj import BPMN
from pm4py.objects.dfg.obj import DFG
from pm4py.objects.petri_net.obj import Marking, PetriNet
from pm4py.objects.process_tree.obj import ProcessTree
from pm4py.objects.process_tree.utils.generic import fold, tree_sort

from process_mining.event_log import EventLog
from process_mining.process_maps import discover_process_edges, get_endpoint_activities
from process_mining.variants import discover_variants, get_variant_coverage


@dataclass(frozen=True)
class DiscoveredModel:
    """A model discovered from the log, in the three notations pm4py offers.

    Attributes:
        process_tree: The inductive miner's block-structured result.
        net: The equivalent Petri net (for conformance checking).
        initial_marking: Where the net starts.
        final_marking: Where it ends.
        bpmn: The equivalent BPMN diagram (for people).
        case_share: Share of the log's cases whose behaviour the miner was given.
    """

    process_tree: ProcessTree
    net: PetriNet
    initial_marking: Marking
    final_marking: Marking
    bpmn: BPMN
    case_share: float


def _model_from_tree(tree: ProcessTree, case_share: float) -> DiscoveredModel:
    net, initial, final = pm4py.convert_to_petri_net(tree)
    return DiscoveredModel(tree, net, initial, final, pm4py.convert_to_bpmn(tree), case_share)


def discover_model(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    coverage: float = 0.8,
    noise_threshold: float = 0.0,
) -> DiscoveredModel:
    """Mine a model (inductive miner, infrequent variant) from the frequent variants.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        coverage: Use the most frequent variants covering this share of cases.
        noise_threshold: The miner's filter for infrequent behaviour, in ``[0, 1)``.
    """
    return discover_model_from_variants(
        discover_variants(con, log), coverage=coverage, noise_threshold=noise_threshold
    )


def discover_model_from_variants(
    variants: pd.DataFrame, *, coverage: float = 0.8, noise_threshold: float = 0.0
) -> DiscoveredModel:
    """Mine a model (inductive miner, infrequent variant) from a variants table.

    The table is all the miner needs, so a stored ``mining.variants`` serves a log of any
    size without reading its events again.

    Args:
        variants: All variants of the log, most frequent first (columns ``activities``,
            ``case_count``, ``case_share``, ``cumulative_share``), as
            :func:`~process_mining.variants.discover_variants` returns them.
        coverage: Use the most frequent variants covering this share of cases.
        noise_threshold: The miner's filter for infrequent behaviour, in ``[0, 1)``.
    """
    frequent = get_variant_coverage(variants, coverage=coverage)
    counts = Counter(
        {
            tuple(activities): int(count)
            for activities, count in zip(
                frequent["activities"], frequent["case_count"], strict=True
            )
        }
    )
    parameters = {"noise_threshold": noise_threshold}
    tree = IMFUVCL(parameters).apply(IMDataStructureUVCL(counts), parameters)
    tree = fold(tree)
    tree_sort(tree)
    return _model_from_tree(tree, float(frequent["case_share"].sum()))


def _nonzero(endpoints: pd.DataFrame, column: str) -> dict[str, int]:
    pairs = zip(endpoints["activity"], endpoints[column], strict=True)
    return {activity: int(count) for activity, count in pairs if count}


def discover_model_from_edges(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, min_edge_share: float = 0.0
) -> DiscoveredModel:
    """Mine a model (inductive miner, directly-follows variant) from the process map.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        min_edge_share: Drop edges carrying less than this share of their source
            activity's outgoing occurrences before mining (removes rare noise).
    """
    edges = discover_process_edges(con, log)
    outgoing = edges.groupby("source_activity")["frequency"].transform("sum")
    kept = edges[edges["frequency"] >= min_edge_share * outgoing]
    endpoints = get_endpoint_activities(con, log)
    dfg = DFG(
        {
            (source, target): int(frequency)
            for source, target, frequency in zip(
                kept["source_activity"], kept["target_activity"], kept["frequency"], strict=True
            )
        },
        _nonzero(endpoints, "start_count"),
        _nonzero(endpoints, "end_count"),
    )
    tree = pm4py.discover_process_tree_inductive(dfg)
    return _model_from_tree(tree, 1.0)
