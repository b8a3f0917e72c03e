"""``orderlens simulate``: write a simulated omnichannel event log with its ground truth.

A thin shell over :func:`orderlens.simulator.simulate`. Without ``--out`` the files go
to the inbox of the data directory, where ``orderlens ingest`` and the pipeline find them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from orderlens.cli import command_settings
from orderlens.simulator import SCENARIO_NAMES, OutputFormat, SimulationConfig, simulate
from orderlens.simulator.config import DEFAULT_ID_PREFIX, DEFAULT_START


def _parse_date(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"expected a date like 2026-03-02, got {value!r}") from error


@click.command(name="simulate")
@click.option("--orders", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option(
    "--scenario", type=click.Choice(SCENARIO_NAMES), default="baseline", show_default=True
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--start",
    callback=_parse_date,
    default=DEFAULT_START.isoformat(),
    show_default=True,
    help="First simulated day (UTC).",
)
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder (default: the inbox of ORDERLENS_DATA_DIR).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice([item.value for item in OutputFormat]),
    default=OutputFormat.PARQUET.value,
    show_default=True,
)
@click.option(
    "--parameters",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="A copy of the simulator's defaults.yaml with your own operation.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes generating chunks in parallel (output is identical for any value).",
)
@click.option("--chunk-orders", type=click.IntRange(min=1), default=50_000, show_default=True)
@click.option(
    "--id-prefix",
    default=DEFAULT_ID_PREFIX,
    show_default=True,
    help="Start of every order id; give each batch loaded into one warehouse its own.",
)
def command(
    orders: int,
    scenario: str,
    seed: int,
    start: date,
    days: int,
    out_dir: Path | None,
    output_format: str,
    parameters: Path | None,
    workers: int,
    chunk_orders: int,
    id_prefix: str,
) -> None:
    """Simulate omnichannel orders, exceptions and middleware messages with ground truth."""
    settings = command_settings()
    target = out_dir if out_dir is not None else settings.inbox_dir
    began = datetime.now()
    try:
        config = SimulationConfig(
            orders=orders,
            out_dir=target,
            scenario=scenario,
            seed=seed,
            start=start,
            days=days,
            output_format=OutputFormat(output_format),
            chunk_orders=chunk_orders,
            parameters_file=parameters,
            reference_file=settings.reference_file,
            workers=workers,
            id_prefix=id_prefix,
        )
        result = simulate(config)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    seconds = (datetime.now() - began).total_seconds()
    click.echo(
        f"simulated {result.orders} orders ({scenario}, seed {seed}): "
        f"{result.workflow_events} workflow events, {result.integration_events} integration "
        f"events, {result.exceptions} exceptions in {seconds:.1f} s -> {result.out_dir}"
    )
