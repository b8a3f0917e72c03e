"""Which model conformance is measured against, checked on real logs against pm4py.

pm4py is the independent computation: it mines its own model from the same frequent
variants, reads the same BPMN file, and aligns the whole log itself.
"""

from pathlib import Path

import duckdb
import pandas as pd
import pm4py
import pytest

from process_mining.conformance import check_conformance, get_reference_model, read_bpmn_model
from process_mining.conformance_model import (
    DISCOVERY_COVERAGE,
    RETAIL_EVENT_SHARE,
    ModelSource,
    choose_conformance_model,
    describe_conformance_model,
)
from process_mining.event_log import STAGED_WORKFLOW_EVENTS, EventLog
from tests.process_mining.conftest import SHARED_DATA, load_frame

LOG = EventLog(relation=STAGED_WORKFLOW_EVENTS)
"""The fixtures' events as loaded, whatever relation analyses read by default."""

PM4PY_KEYS = {
    "case_id_key": "case_id",
    "activity_key": "activity",
    "timestamp_key": "event_at",
}


def _pm4py_fitness(events: pd.DataFrame, bpmn_or_net) -> float:
    """pm4py's average trace fitness of ``events`` aligned with a model."""
    net, initial, final = (
        bpmn_or_net if isinstance(bpmn_or_net, tuple) else pm4py.convert_to_petri_net(bpmn_or_net)
    )
    fitness = pm4py.fitness_alignments(events, net, initial, final, **PM4PY_KEYS)
    return fitness["average_trace_fitness"]


@pytest.fixture(scope="module")
def running_example() -> pd.DataFrame:
    """pm4py's running example (6 cases of a request-for-compensation process)."""
    raw = pm4py.read_xes(str(SHARED_DATA / "running-example.xes"))
    return pd.DataFrame(
        {
            "case_id": raw["case:concept:name"].astype(str),
            "activity": raw["concept:name"].astype(str),
            "event_at": raw["time:timestamp"],
            "event_seq": range(len(raw)),
        }
    )


@pytest.fixture(scope="module")
def running_example_bpmn(running_example: pd.DataFrame, tmp_path_factory) -> Path:
    """A BPMN file written by pm4py: the inductive miner on the running example's two most
    frequent variants only, so the other cases deviate from it."""
    frequent = pm4py.filter_variants_top_k(running_example, 2, **PM4PY_KEYS)
    tree = pm4py.discover_process_tree_inductive(frequent, **PM4PY_KEYS)
    path = tmp_path_factory.mktemp("models") / "compensation.bpmn"
    pm4py.write_bpmn(pm4py.convert_to_bpmn(tree), str(path))
    return path


def _loaded(events: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_frame(con, events, "staging.stg_raw__workflow_events")
    return con


def test_choose_conformance_model_decides_the_retail_simulator_log_is_retail(holiday_peak_log):
    events = holiday_peak_log.events
    retail = get_reference_model()
    share = events["activity"].isin(retail.activities).mean()
    assert share >= RETAIL_EVENT_SHARE
    choice = choose_conformance_model(holiday_peak_log.con, LOG)
    assert choice.source is ModelSource.RETAIL_REFERENCE
    assert choice.retail_event_share == pytest.approx(share)
    assert f"{share:.1%} of the log's events" in choice.reason
    assert choice.model.activities == retail.activities
    assert choice.model.projects_traces
    chosen = check_conformance(holiday_peak_log.con, LOG, model=choice.model)
    default = check_conformance(holiday_peak_log.con, LOG)
    assert chosen.fitness == pytest.approx(default.fitness)
    assert 0 < chosen.fitness < 1
    assert set(chosen.shared_activities) == retail.activities & set(events["activity"])


def test_choose_conformance_model_discovers_a_model_for_the_receipt_log(receipt_log):
    events = receipt_log.events
    assert not events["activity"].isin(get_reference_model().activities).any()
    choice = choose_conformance_model(receipt_log.con, LOG)
    assert choice.source is ModelSource.DISCOVERED
    assert choice.retail_event_share == 0.0

    # pm4py: the most frequent variants covering 80 % of cases, and its own IMf on them.
    variants = pm4py.get_variants(events, **PM4PY_KEYS)
    counts = sorted(variants.values(), reverse=True)
    covered = 0
    frequent = 0
    while covered < DISCOVERY_COVERAGE * len(set(events["case_id"])):
        covered += counts[frequent]
        frequent += 1
    share = covered / events["case_id"].nunique()
    assert (
        choice.label
        == f"discovered from the {frequent} most frequent variants ({share:.0%} of cases)"
    )
    top = pm4py.filter_variants_top_k(events, frequent, **PM4PY_KEYS)
    assert top["case_id"].nunique() == covered
    tree = pm4py.discover_process_tree_inductive(top, noise_threshold=0.0, **PM4PY_KEYS)
    pm4py_net = pm4py.convert_to_petri_net(tree)

    result = check_conformance(receipt_log.con, LOG, model=choice.model)
    assert result.checked_case_share == 1.0
    assert result.unmeasured_reason is None
    assert result.fitness == pytest.approx(_pm4py_fitness(events, pm4py_net))
    assert result.fitness == pytest.approx(_pm4py_fitness(events, choice.model.bpmn))
    assert 0.5 < result.fitness < 1
    row = describe_conformance_model(choice, result)
    assert row["source"] == "discovered"
    assert row["shared_activity_count"] == len(set(top["activity"]))
    assert row["fitness"] == result.fitness


def test_choose_conformance_model_uses_the_users_bpmn_whatever_the_log(
    running_example, running_example_bpmn
):
    con = _loaded(running_example)
    choice = choose_conformance_model(con, LOG, user_model=running_example_bpmn)
    assert choice.source is ModelSource.USER
    assert choice.location == str(running_example_bpmn)
    assert not choice.model.projects_traces
    result = check_conformance(con, LOG, model=choice.model)
    expected = _pm4py_fitness(running_example, pm4py.read_bpmn(str(running_example_bpmn)))
    assert result.fitness == pytest.approx(expected)
    assert result.fitness < 1
    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(running_example_bpmn)))
    fitting = pm4py.fitness_alignments(running_example, net, initial, final, **PM4PY_KEYS)
    assert result.conforming_case_share == pytest.approx(
        fitting["percentage_of_fitting_traces"] / 100
    )
    assert result.conforming_case_share < 1


def test_check_conformance_gives_no_fitness_against_a_model_sharing_no_activity(
    receipt_log, running_example_bpmn
):
    choice = choose_conformance_model(receipt_log.con, LOG, user_model=running_example_bpmn)
    for model in (choice.model, get_reference_model()):
        result = check_conformance(receipt_log.con, LOG, model=model)
        assert result.fitness is None
        assert result.conforming_case_share is None
        assert result.shared_activities == ()
        assert result.unmeasured_reason.startswith("the model shares no activity with the log")
        assert result.variants.empty
        assert result.deviations.empty
    row = describe_conformance_model(choice, result)
    assert row["fitness"] is None
    assert row["shared_activity_count"] == 0
    assert row["unmeasured_reason"] == result.unmeasured_reason


def test_read_bpmn_model_names_the_file_it_cannot_read(tmp_path):
    text = tmp_path / "notes.bpmn"
    text.write_text("not xml at all")
    empty = tmp_path / "empty.bpmn"
    empty.write_text(
        "<?xml version='1.0'?><definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'>"
        "<process id='p'/></definitions>"
    )
    for path in (text, empty, tmp_path / "missing.bpmn", SHARED_DATA / "running-example.xes"):
        with pytest.raises(ValueError, match=f"{path}: not a readable BPMN model"):
            read_bpmn_model(path)
