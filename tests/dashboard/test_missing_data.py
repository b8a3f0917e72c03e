"""The dashboard's data layer and callbacks on data without exceptions, and on serving copies
published by an older version or by hand (no coverage mart, no triage tables).

Built on the real permit-application log (``receipt.xes.gz``), published once per session
and shared with the browser tests; its figures are checked against pm4py on the same file.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pm4py
import pytest

from dashboard.app import create_app
from dashboard.filters import Filters
from dashboard.queries.filter_bar import get_data_period, get_filter_options, resolve_filters
from dashboard.queries.overview import get_current_alerts
from dashboard.queries.process import ConformanceSummary, get_conformance_summary
from dashboard.queries.work_queue import get_work_queue
from dashboard.serving import MissingTableError, get_coverage, get_missing_analysis, get_publication
from orderlens.settings import Settings
from orderlens.warehouse import connect

pytestmark = pytest.mark.slow

REAL_LOGS_DIR = Path(__file__).resolve().parents[1] / "data" / "real"

TEST_SECRET_KEY = "missing-data-tests-secret-key-0123456789abcdef"
RAW_DATABASE_TEXT = ("Catalog Error", "does not exist", "Traceback", "Binder Error")


@pytest.fixture(scope="module")
def receipt(published_foreign_log):
    published = published_foreign_log("receipt")
    assert published.exit_code == 0, published.output
    return published


@pytest.fixture(scope="module")
def receipt_log(receipt) -> pd.DataFrame:
    log = pm4py.read_xes(str(REAL_LOGS_DIR / receipt.log_path.name))
    return log.assign(**{"time:timestamp": pd.to_datetime(log["time:timestamp"], utc=True)})


def _app_context(settings: Settings):
    app = create_app(dataclasses.replace(settings, secret_key=TEST_SECRET_KEY))
    return app.server.app_context()


@pytest.fixture
def on_receipt(receipt):
    with _app_context(receipt.settings):
        yield


@pytest.fixture
def on_hand_published_copy(receipt, tmp_path):
    """The receipt's serving copy as an older version (or a hand copy) would leave it: no
    coverage mart, no triage tables, a publication without the event span."""
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    shutil.copy(receipt.settings.serving_path, settings.serving_path)
    with connect(settings.serving_path) as con:
        con.execute("DROP TABLE marts.mart_analysis_coverage")
        con.execute("DROP TABLE triage.exception_risk_scores")
        con.execute("DROP TABLE triage.alerts")
        con.execute("ALTER TABLE meta.publication DROP COLUMN first_event_at")
        con.execute("ALTER TABLE meta.publication DROP COLUMN last_event_at")
        (published_at,) = con.execute("SELECT published_at FROM meta.publication").fetchone()
    with _app_context(settings):
        yield pd.Timestamp(published_at)


def test_missing_data_publication_holds_the_logs_first_and_last_event(on_receipt, receipt_log):
    publication = get_publication()
    assert pd.Timestamp(publication.first_event_at) == receipt_log["time:timestamp"].min()
    assert pd.Timestamp(publication.last_event_at) == receipt_log["time:timestamp"].max()
    last = receipt_log["time:timestamp"].max()
    assert publication.as_of_text == f"Data as of {last:%Y-%m-%d %H:%M} UTC"


def test_missing_data_default_period_of_a_log_without_exceptions_is_all_its_days(
    on_receipt, receipt_log
):
    period = get_data_period()
    filters = resolve_filters(Filters(), period)
    assert period.default_days is None
    assert filters.start == receipt_log["time:timestamp"].min().date()
    assert filters.end == receipt_log["time:timestamp"].max().date()


def test_missing_data_coverage_names_the_absent_exceptions_and_dimensions(on_receipt):
    coverage = get_coverage()
    assert coverage is not None and coverage["process"].is_available
    assert get_missing_analysis("process") is None
    assert get_missing_analysis("exceptions") is coverage["exceptions"]
    options = get_filter_options()
    assert set(options.absent) == {"channel", "region", "node_id", "carrier"}
    assert options.channels == options.regions == options.nodes == options.carriers == []


def test_missing_data_conformance_without_fitness_says_why(on_receipt):
    summary = get_conformance_summary()
    headline = summary.headline
    if summary.fitness is None:
        assert summary.unmeasured_reason
        assert headline.startswith("No fitness") and summary.unmeasured_reason in headline
    else:
        assert headline.startswith(f"Fitness {summary.fitness:.1%}")


def test_missing_data_conformance_headline_names_the_model_beside_the_fitness():
    measured = ConformanceSummary(0.8734, 0.5, "a model discovered from frequent variants", None)
    unmeasured = ConformanceSummary(None, None, None, "the log shares no activity with it")
    assert measured.headline == (
        "Fitness 87.3% against a model discovered from frequent variants"
        " · cases fitting the model 50.0%"
    )
    assert unmeasured.headline == "No fitness: the log shares no activity with it."


def test_missing_data_older_copy_has_unknown_coverage_and_dates_data_by_publication(
    on_hand_published_copy,
):
    assert get_coverage() is None
    assert get_missing_analysis("triage") is None
    publication = get_publication()
    assert publication.last_event_at is None
    assert publication.as_of_text == f"Data as of {on_hand_published_copy:%Y-%m-%d %H:%M} UTC"
    assert resolve_filters(Filters()).end == get_data_period().last_day


def test_missing_data_absent_triage_tables_give_words_not_database_errors(on_hand_published_copy):
    for read in (get_current_alerts, lambda: get_work_queue(resolve_filters(Filters()))):
        with pytest.raises(MissingTableError, match="older or partial run") as raised:
            read()
        message = str(raised.value)
        assert "orderlens run" in message
        for raw in RAW_DATABASE_TEXT:
            assert raw not in message
