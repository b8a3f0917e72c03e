"""Run a simulation: plan arrivals, generate chunk by chunk, stream files, write truth.

Chunks are generated independently (each with its own seeded generator), optionally in
worker processes, and always written in chunk order, so a run's output depends only on
its configuration, never on the number of workers or on timing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc

from orderlens.contract import ExceptionTaxonomyEntry
from orderlens.reference import load_reference
from orderlens.simulator.arrivals import plan_arrivals
from orderlens.simulator.config import SimulationConfig, SimulationParameters, load_parameters
from orderlens.simulator.context import ChunkContext, ExceptionRecords
from orderlens.simulator.events import IntegrationBuffer, StringTable, WorkflowBuffer
from orderlens.simulator.ground_truth import GroundTruthCollector
from orderlens.simulator.network import Network, build_network
from orderlens.simulator.process import OrderProcess
from orderlens.simulator.scenarios import Scenario, build_scenario
from orderlens.simulator.tables import ChunkTables, build_tables
from orderlens.simulator.writers import open_event_writer


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation wrote.

    Attributes:
        out_dir: Folder holding the files.
        files: Every written file (event files, integration file, ground truth).
        orders: Orders simulated.
        workflow_events: Workflow events written (up to the horizon).
        integration_events: Integration delivery attempts written.
        exceptions: Exceptions detected up to the horizon.
        ground_truth_path: The ``ground_truth.json`` summary.
        exceptions_truth_path: The ``ground_truth_exceptions.parquet`` table.
    """

    out_dir: Path
    files: tuple[Path, ...]
    orders: int
    workflow_events: int
    integration_events: int
    exceptions: int
    ground_truth_path: Path
    exceptions_truth_path: Path


@dataclass(frozen=True)
class _RunSetup:
    """Everything a chunk needs besides its arrivals (picklable for worker processes)."""

    config: SimulationConfig
    parameters: SimulationParameters
    network: Network
    scenario: Scenario
    channel_names: tuple[str, ...]
    taxonomy: dict[str, ExceptionTaxonomyEntry]


def _generate_chunk(
    setup: _RunSetup, number: int, first_order: int, created: np.ndarray, channel: np.ndarray
) -> ChunkTables:
    """Generate one chunk of orders into Arrow tables."""
    strings = StringTable()
    channel_codes = strings.codes(setup.channel_names)
    context = ChunkContext(
        rng=np.random.default_rng([setup.config.seed, number + 1]),
        parameters=setup.parameters,
        taxonomy=setup.taxonomy,
        network=setup.network,
        scenario=setup.scenario,
        strings=strings,
        workflow=WorkflowBuffer(strings),
        integration=IntegrationBuffer(),
        exceptions=ExceptionRecords(),
        horizon=setup.config.horizon_seconds,
        channel=channel_codes[channel],
        channel_index=channel,
        channel_names=setup.channel_names,
        node_codes=strings.codes(setup.network.node_ids),
        carrier_codes=strings.codes(list(setup.parameters.carriers)),
        supplier_codes=strings.codes(setup.parameters.suppliers),
    )
    OrderProcess(context, created, channel).run()
    return build_tables(context, first_order, len(created), setup.config.id_prefix)


def _chunks(setup: _RunSetup) -> Iterator[ChunkTables]:
    config = setup.config
    arrivals = plan_arrivals(config, setup.parameters, setup.scenario)
    bounds = list(range(0, config.orders, config.chunk_orders))
    jobs = [
        (
            setup,
            number,
            first,
            arrivals.created_at[first : first + config.chunk_orders],
            arrivals.channel_index[first : first + config.chunk_orders],
        )
        for number, first in enumerate(bounds)
    ]
    if config.workers == 1 or len(jobs) == 1:
        for job in jobs:
            yield _generate_chunk(*job)
        return
    spool = Path(tempfile.mkdtemp(prefix="orderlens-sim-", dir=_spool_parent(config)))
    try:
        with ProcessPoolExecutor(max_workers=config.workers) as pool:
            pending = [
                pool.submit(_generate_spilled_chunk, spool, *job)
                for job in jobs[: config.workers + 1]
            ]
            next_job = len(pending)
            while pending:
                paths = pending.pop(0).result()
                if next_job < len(jobs):
                    pending.append(pool.submit(_generate_spilled_chunk, spool, *jobs[next_job]))
                    next_job += 1
                yield _read_spilled(paths)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _spool_parent(config: SimulationConfig) -> Path:
    """Where workers hand chunks over: shared memory when the system has it."""
    shared_memory = Path("/dev/shm")
    return shared_memory if shared_memory.is_dir() else Path(config.out_dir)


def _generate_spilled_chunk(spool: Path, *job: object) -> tuple[Path, ...]:
    """Generate a chunk in a worker and hand it over as Arrow IPC files.

    Passing tables back through the pool would pickle and copy them several times;
    an IPC file is written once and memory-mapped by the writer without a copy.
    """
    tables = _generate_chunk(*job)
    paths = []
    for name in ("workflow", "integration", "exceptions"):
        table = getattr(tables, name)
        path = spool / f"{job[1]:06d}-{name}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        paths.append(path)
    return tuple(paths)


def _read_spilled(paths: tuple[Path, ...]) -> ChunkTables:
    """Memory-map a chunk written by :func:`_generate_spilled_chunk` and unlink its files."""
    tables = []
    for path in paths:
        with pa.memory_map(str(path)) as source:
            tables.append(pa.ipc.open_file(source).read_all())
        path.unlink()
    return ChunkTables(*tables)


def simulate(config: SimulationConfig) -> SimulationResult:
    """Simulate ``config.orders`` orders and write the event files and ground truth.

    Example:
        >>> from pathlib import Path
        >>> from orderlens.simulator import SimulationConfig, simulate
        >>> result = simulate(SimulationConfig(orders=200, out_dir=Path("/tmp/sim")))
        >>> result.orders
        200
    """
    parameters = load_parameters(config.parameters_file)
    network = build_network(parameters)
    scenario = build_scenario(config, network)
    reference = load_reference(config.reference_file)
    taxonomy = {entry.exception_type: entry for entry in reference.exception_taxonomy}
    missing = sorted(set(parameters.exceptions) - set(taxonomy))
    if missing:
        raise ValueError(f"exception types missing from the reference taxonomy: {missing}")
    setup = _RunSetup(config, parameters, network, scenario, tuple(parameters.channels), taxonomy)
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = open_event_writer(config.output_format, out_dir)
    truth = GroundTruthCollector(config, parameters, scenario, reference)
    workflow_rows = integration_rows = 0
    try:
        for tables in _chunks(setup):
            writer.write(tables)
            truth.add(tables)
            workflow_rows += tables.workflow.num_rows
            integration_rows += tables.integration.num_rows
    finally:
        files = writer.close()
    summary_path, exceptions_path, exception_count = truth.write(out_dir)
    return SimulationResult(
        out_dir=out_dir,
        files=(*files, summary_path, exceptions_path),
        orders=config.orders,
        workflow_events=workflow_rows,
        integration_events=integration_rows,
        exceptions=exception_count,
        ground_truth_path=summary_path,
        exceptions_truth_path=exceptions_path,
    )
