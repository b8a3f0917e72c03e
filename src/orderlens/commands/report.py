"""``orderlens report``: the process-mining report for improvement forums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from orderlens.cli import command_settings


def _day(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError as error:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from error


def _days(text: str) -> tuple[datetime, datetime]:
    first, separator, last = text.partition(":")
    if not separator:
        raise click.BadParameter(f"expected FROM:TO dates, got {text!r}")
    return _day(first), _day(last) + timedelta(days=1)


@click.command("report")
@click.option("--from", "from_day", help="First day of orders to analyse (YYYY-MM-DD).")
@click.option("--to", "to_day", help="Last day of orders to analyse, inclusive (YYYY-MM-DD).")
@click.option(
    "--compare-to",
    "compare_to",
    help="A period FROM:TO (inclusive days) to put beside the analysed one (before a change).",
)
@click.option(
    "--ground-truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A simulator ground_truth.json: score root causes against its injected causes "
    "(overrides ORDERLENS_GROUND_TRUTH_FILE); without one nothing is scored.",
)
@click.option(
    "--reference-model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A BPMN file of your process to measure conformance against (overrides "
    "ORDERLENS_REFERENCE_MODEL); without one the log decides.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pdf", is_flag=True, help="Also print a PDF beside the HTML (headless Chromium).")
def command(
    from_day: str | None,
    to_day: str | None,
    compare_to: str | None,
    ground_truth: Path | None,
    reference_model: Path | None,
    out: Path,
    pdf: bool,
) -> None:
    """Write the process-mining report (one self-contained HTML file) from the warehouse.

    Orders started between --from and --to are analysed (default: all). The report opens
    with a one-page executive summary (the three largest findings with their cost, owning
    team and action), then KPIs, process maps, variants, bottlenecks, conformance, rework,
    root causes, trends, and with --compare-to a before/after table.
    """
    from orderlens.report_inputs import read_report_reference
    from orderlens.simulator.ground_truth import read_injected_causes
    from orderlens.warehouse import connect
    from process_mining.comparison import Period
    from process_mining.event_log import EventLog
    from process_mining.report import ReportRequest, build_report, print_pdf, write_report

    settings = command_settings()
    if not settings.warehouse_path.exists():
        raise click.ClickException(
            f"no warehouse at {settings.warehouse_path}: run `orderlens run` first"
        )
    period = None
    if from_day or to_day:
        start = _day(from_day) if from_day else datetime(1970, 1, 1, tzinfo=UTC)
        end = _day(to_day) + timedelta(days=1) if to_day else datetime(9999, 1, 1, tzinfo=UTC)
        period = Period("analysed period", start, end)
    before = None
    if compare_to:
        start, end = _days(compare_to)
        before = Period("comparison period", start, end)
    answer_key = ground_truth or settings.ground_truth_file
    try:
        known_causes = tuple(read_injected_causes(answer_key)) if answer_key else None
    except (OSError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            request = ReportRequest(
                period=period,
                compare_to=before,
                known_causes=known_causes,
                reference_model=reference_model or settings.reference_model,
                reference=read_report_reference(con),
            )
            report_html = build_report(con, EventLog(), request)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    written = write_report(report_html, out)
    click.echo(f"report written: {written}")
    if pdf:
        click.echo(f"pdf written: {print_pdf(written, written.with_suffix('.pdf'))}")
