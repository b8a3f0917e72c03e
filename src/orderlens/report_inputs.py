"""What the forum report needs from the warehouse's marts, read once for its callers.

The report (:mod:`process_mining.report`) imports nothing of the project: the command
``orderlens report`` and the pipeline's report asset read display names, exception
costs, the exception taxonomy, the steps' wait classes and the cost model's currency
here and hand them over as plain data (:class:`process_mining.report.ReportReference`).
A warehouse without a table (a foreign log's, or one built before the table existed)
gives ``None`` for it, and the report says what it lacks.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orderlens.display_names import read_display_names
from process_mining.report import ReportReference

CODE_COLUMNS: dict[str, str] = {
    "channel": "channel",
    "node_id": "node",
    "region": "region",
    "carrier": "carrier",
    "supplier": "supplier",
    "source_system": "system",
}
"""Event columns holding codes, and the kind of display name each takes."""

EVENTS = "intermediate.int_process_events_selected"
INTEGRATION_EVENTS = "staging.stg_raw__integration_events"


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame | None:
    """The result of ``query``, or ``None`` when a table it reads does not exist."""
    try:
        return con.execute(query).df()
    except duckdb.CatalogException:
        return None


def _codes_in_data(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Each ``(kind, code)`` the events, exceptions and middleware messages carry."""
    codes: list[tuple[str, str]] = []
    columns = _frame(con, f"SELECT * FROM {EVENTS} LIMIT 0")
    present = [column for column in CODE_COLUMNS if columns is not None and column in columns]
    for column in present:
        values = con.execute(f"SELECT DISTINCT {column} FROM {EVENTS} WHERE {column} IS NOT NULL")
        codes += [(CODE_COLUMNS[column], str(value)) for (value,) in values.fetchall()]
    for kind, query in (
        ("exception_type", "SELECT DISTINCT exception_type FROM marts.fct_exceptions"),
        ("interface", f"SELECT DISTINCT interface FROM {INTEGRATION_EVENTS}"),
    ):
        found = _frame(con, query)
        if found is not None:
            codes += [(kind, str(value)) for value in found.iloc[:, 0].dropna()]
    return codes


def _currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """The cost model's currency: the unit of its labour rate (``USD/hour`` -> ``USD``)."""
    units = _frame(
        con,
        "SELECT parameter_unit FROM staging.stg_reference__cost_model"
        " WHERE cost_parameter = 'labor_rate_per_hour'",
    )
    if units is None or units.empty or not units.iloc[0, 0]:
        return None
    return str(units.iloc[0, 0]).split("/")[0].strip() or None


def read_report_reference(con: duckdb.DuckDBPyConnection) -> ReportReference:
    """The report's reference data and costs from the warehouse (or serving copy) ``con``.

    Display names cover every code the reference table lists and every code the data
    carries (worded readably when the table does not list it).
    """
    names = read_display_names(con)
    listed = list(names.entries)
    display_names = {
        (kind, code): names.name(kind, code)
        for kind, code in dict.fromkeys([*listed, *_codes_in_data(con)])
    }
    return ReportReference(
        display_names=display_names,
        exceptions=_frame(
            con, "SELECT case_id, exception_type, total_cost FROM marts.fct_exceptions"
        ),
        exception_types=_frame(
            con,
            "SELECT exception_type, owning_team, recommended_action FROM marts.dim_exception_types",
        ),
        activities=_frame(
            con, "SELECT activity, source_system, wait_class, waiting_on FROM marts.dim_activities"
        ),
        currency=_currency(con),
    )
