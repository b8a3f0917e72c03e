"""Process-mining assets: tables in the warehouse's ``mining`` schema and the report.

Each asset is a thin adapter: it opens the warehouse, calls one ``process_mining``
function on the staged event log and stores the result.
"""

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.resources import OrderlensResource
from orderlens.report_inputs import read_report_reference
from orderlens.simulator.ground_truth import read_injected_causes
from orderlens.warehouse import connect
from process_mining.conformance import check_conformance
from process_mining.conformance_model import (
    CONFORMANCE_MODEL_COLUMNS,
    choose_conformance_model,
    describe_conformance_model,
)
from process_mining.event_log import PROCESS_EVENTS, EventLog
from process_mining.report import ReportRequest, build_report, write_report
from process_mining.root_causes import get_root_causes, slow_cases
from process_mining.variants import discover_variants

MINING_GROUP = "mining"
OWNER = "team:process-excellence"
PROCESS_EVENTS_ASSET = dg.AssetKey(["intermediate", "int_process_events_selected"])
"""The events every analysis reads (:data:`process_mining.event_log.PROCESS_EVENTS`)."""
STAGED_INTEGRATION = dg.AssetKey(["staging", "stg_raw__integration_events"])
MINING_VARIANTS = dg.AssetKey(["mining", "variants"])
MINING_CONFORMANCE = dg.AssetKey(["mining", "conformance_variants"])
MINING_DEVIATIONS = dg.AssetKey(["mining", "deviations"])
MINING_CONFORMANCE_MODEL = dg.AssetKey(["mining", "conformance_model"])
MINING_ROOT_CAUSES = dg.AssetKey(["mining", "root_causes"])
MINING_REPORT = dg.AssetKey(["mining", "report"])
REPORT_FILE_NAME = "process_mining_report.html"
REPORT_REFERENCE_ASSETS = [
    dg.AssetKey(["marts", name])
    for name in ("fct_exceptions", "dim_exception_types", "dim_activities", "dim_display_names")
]
"""The marts the report's executive summary and display names read
(:func:`orderlens.report_inputs.read_report_reference`)."""


CONFORMANCE_VARIANT_TYPES = {
    "activities": "VARCHAR[]",
    "case_count": "BIGINT",
    "fitness": "DOUBLE",
    "is_conforming": "BOOLEAN",
    "mean_throughput_seconds": "DOUBLE",
    "deviations": "VARCHAR[]",
}
DEVIATION_TYPES = {
    "deviation": "VARCHAR",
    "kind": "VARCHAR",
    "activity": "VARCHAR",
    "case_count": "BIGINT",
    "case_share": "DOUBLE",
    "mean_throughput_seconds": "DOUBLE",
    "extra_seconds": "DOUBLE",
}


def _store(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    types: dict[str, str] | None = None,
) -> None:
    """Replace ``mining.<table>`` with ``frame``; ``types`` (column -> SQL type) keeps the
    columns typed when the frame is empty."""
    columns = (
        ", ".join(f'"{name}"::{sql_type} AS "{name}"' for name, sql_type in types.items())
        if types
        else "*"
    )
    con.register("mining_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE mining.{table} AS SELECT {columns} FROM mining_frame")
    finally:
        con.unregister("mining_frame")


def _store_row(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], row: dict[str, object]
) -> None:
    """Replace ``mining.<table>`` with one row, typed by ``columns`` (nulls stay typed)."""
    definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    con.execute(f"CREATE OR REPLACE TABLE mining.{table} ({definition})")
    placeholders = ", ".join("?" for _ in columns)
    con.execute(
        f"INSERT INTO mining.{table} VALUES ({placeholders})", [row[name] for name in columns]
    )


@dg.asset(
    key=MINING_VARIANTS,
    deps=[PROCESS_EVENTS_ASSET],
    group_name=MINING_GROUP,
    owners=[OWNER],
    description=(
        "One row per process variant: activities in order, cases, share, throughput times."
    ),
)
def mining_variants(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Discover the variants of the staged log (in SQL, equal to pm4py's) and store them."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        variants = discover_variants(con, EventLog())
        # Fetch every row before the next statement: DuckDB 2.0 refuses new work on a
        # connection whose previous result is still open.
        ((events,),) = con.execute(f"SELECT count(*) FROM {PROCESS_EVENTS}").fetchall()
        cases = int(variants["case_count"].sum())
        con.register("variants_frame", variants)
        con.execute(
            "CREATE OR REPLACE TABLE mining.variants AS "
            "SELECT variant, activities::VARCHAR[] AS activities, case_count::BIGINT AS case_count,"
            " case_share, cumulative_share, mean_throughput_seconds, median_throughput_seconds"
            " FROM variants_frame"
        )
        con.unregister("variants_frame")
    return dg.MaterializeResult(
        metadata={
            "variants": dg.MetadataValue.int(len(variants)),
            "cases": dg.MetadataValue.int(int(cases)),
            "events": dg.MetadataValue.int(int(events)),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MINING_CONFORMANCE,
            deps=[PROCESS_EVENTS_ASSET, MINING_VARIANTS],
            group_name=MINING_GROUP,
            owners=[OWNER],
            description="One row per variant aligned with the conformance model "
            "(mining.conformance_model): cases, alignment fitness, deviations. Empty when "
            "the model shares no activity with the log.",
        ),
        dg.AssetSpec(
            MINING_DEVIATIONS,
            deps=[PROCESS_EVENTS_ASSET, MINING_VARIANTS],
            group_name=MINING_GROUP,
            owners=[OWNER],
            description="One row per deviation from the conformance model: orders carrying "
            "it and the extra throughput time they take.",
        ),
        dg.AssetSpec(
            MINING_CONFORMANCE_MODEL,
            deps=[PROCESS_EVENTS_ASSET, MINING_VARIANTS],
            group_name=MINING_GROUP,
            owners=[OWNER],
            description="One row: the model conformance was measured against (user, "
            "retail_reference or discovered), why, the activities it shares with the log, "
            "and the fitness or why there is none.",
        ),
    ]
)
def mining_conformance(orderlens: OrderlensResource):
    """Choose the conformance model, align the staged log with it per variant, and store
    the model, the variants and the deviations."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        stored_variants = con.execute(
            "SELECT activities, case_count, case_share, cumulative_share FROM mining.variants"
            " ORDER BY cumulative_share"
        ).df()
        choice = choose_conformance_model(
            con, EventLog(), user_model=settings.reference_model, variants=stored_variants
        )
        result = check_conformance(con, EventLog(), model=choice.model)
        variants = result.variants.assign(
            deviations=result.variants["deviations"].map(
                lambda found: [f"{kind}: {activity}" for kind, activity in found]
            )
        )
        _store(con, "conformance_variants", variants, CONFORMANCE_VARIANT_TYPES)
        _store(con, "deviations", result.deviations, DEVIATION_TYPES)
        _store_row(
            con,
            "conformance_model",
            CONFORMANCE_MODEL_COLUMNS,
            describe_conformance_model(choice, result),
        )
    described = {
        "model_source": dg.MetadataValue.text(choice.source.value),
        "model": dg.MetadataValue.text(choice.label),
        "model_reason": dg.MetadataValue.text(choice.reason),
        "shared_activities": dg.MetadataValue.int(len(result.shared_activities)),
    }
    measured = (
        {
            "fitness": dg.MetadataValue.float(result.fitness),
            "conforming_case_share": dg.MetadataValue.float(result.conforming_case_share),
        }
        if result.fitness is not None and result.conforming_case_share is not None
        else {"fitness": dg.MetadataValue.text(f"not measured: {result.unmeasured_reason}")}
    )
    yield dg.MaterializeResult(
        asset_key=MINING_CONFORMANCE,
        metadata={
            **described,
            **measured,
            "checked_case_share": dg.MetadataValue.float(result.checked_case_share),
        },
    )
    yield dg.MaterializeResult(asset_key=MINING_CONFORMANCE_MODEL, metadata=described)
    yield dg.MaterializeResult(
        asset_key=MINING_DEVIATIONS,
        metadata={"deviations": dg.MetadataValue.int(len(result.deviations))},
    )


@dg.asset(
    key=MINING_ROOT_CAUSES,
    deps=[PROCESS_EVENTS_ASSET, STAGED_INTEGRATION],
    group_name=MINING_GROUP,
    owners=[OWNER],
    description="Attribute values associated with slow orders (slowest 10 %): support, "
    "confidence, lift, extra time and the rule in words.",
)
def mining_root_causes(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Rank channel, node, carrier, supplier, region and failing-interface values."""
    settings = orderlens.settings()
    with connect(settings.warehouse_path) as con:
        table = get_root_causes(con, EventLog(), outcome=slow_cases(quantile=0.9))
        _store(con, "root_causes", table)
    top = table["rule"].iloc[0] if len(table) else "none"
    return dg.MaterializeResult(
        metadata={
            "values": dg.MetadataValue.int(len(table)),
            "strongest": dg.MetadataValue.text(top),
        }
    )


@dg.asset(
    key=MINING_REPORT,
    deps=[PROCESS_EVENTS_ASSET, STAGED_INTEGRATION, MINING_VARIANTS, *REPORT_REFERENCE_ASSETS],
    group_name=MINING_GROUP,
    owners=[OWNER],
    description="The self-contained HTML process-mining report for improvement forums; "
    "the nightly_report job and schedule (orchestration/defs/schedules.py) rebuild it.",
)
def mining_report(orderlens: OrderlensResource) -> dg.MaterializeResult:
    """Write the report of the whole log into the reports folder.

    Root causes are scored against a simulator's answer key only when the user named
    one (``ORDERLENS_GROUND_TRUTH_FILE``): a ``ground_truth.json`` that came into the
    inbox with a simulation is not the data's truth for the report to find by itself.
    """
    settings = orderlens.settings()
    ground_truth = settings.ground_truth_file
    known_causes = tuple(read_injected_causes(ground_truth)) if ground_truth else None
    with connect(settings.warehouse_path) as con:
        report_html = build_report(
            con,
            EventLog(),
            ReportRequest(
                known_causes=known_causes,
                reference_model=settings.reference_model,
                reference=read_report_reference(con),
            ),
        )
    path = write_report(report_html, settings.reports_dir / REPORT_FILE_NAME)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "bytes": dg.MetadataValue.int(path.stat().st_size),
            "ground_truth": dg.MetadataValue.text(str(ground_truth) if ground_truth else "none"),
        }
    )
