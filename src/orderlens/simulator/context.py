"""State shared by the steps that generate one chunk of orders.

A chunk is a contiguous range of orders generated together with numpy: the steps of the
process, the exception lifecycles and the middleware messages all read the order arrays
held here and add their events to the chunk's buffers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orderlens.contract import ExceptionTaxonomyEntry
from orderlens.simulator.config import DurationProfile, SimulationParameters
from orderlens.simulator.events import IntegrationBuffer, StringTable, WorkflowBuffer
from orderlens.simulator.network import Network
from orderlens.simulator.scenarios import InjectedCause, Scenario


@dataclass
class ExceptionRecords:
    """Ground truth of the exceptions of one chunk, one list entry per generated batch.

    Every array in a batch has one value per exception; times are UNIX seconds with NaN
    where the moment falls after the horizon (not yet happened in the snapshot).
    """

    batches: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, **columns: np.ndarray) -> None:
        """Record one batch of exceptions."""
        self.batches.append(columns)

    def column(self, name: str, dtype: type) -> np.ndarray:
        """One field over all batches."""
        parts = [np.asarray(batch[name], dtype=dtype) for batch in self.batches]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


@dataclass
class ChunkContext:
    """Everything the generation steps of one chunk read and write.

    Attributes:
        rng: The chunk's random generator (seeded from the run seed and chunk index).
        parameters: The simulated operation.
        taxonomy: Reference taxonomy by exception type.
        network: Nodes of the network.
        scenario: Injected causes.
        strings: String interning table shared by the run.
        workflow: Workflow events of the chunk.
        integration: Integration attempts of the chunk.
        exceptions: Ground truth of the chunk's exceptions.
        horizon: End of the simulated window (UNIX seconds).
        next_exception: Counter giving every exception of the chunk a local number.
        channel: Channel code per order (string-table code).
        channel_name: Channel name per order index into ``channel_names``.
        channel_names: Channel names by index.
    """

    rng: np.random.Generator
    parameters: SimulationParameters
    taxonomy: dict[str, ExceptionTaxonomyEntry]
    network: Network
    scenario: Scenario
    strings: StringTable
    workflow: WorkflowBuffer
    integration: IntegrationBuffer
    exceptions: ExceptionRecords
    horizon: float
    channel: np.ndarray
    channel_index: np.ndarray
    channel_names: tuple[str, ...]
    node_codes: np.ndarray
    carrier_codes: np.ndarray
    supplier_codes: np.ndarray
    next_exception: int = 0

    def delay(self, profile: DurationProfile | str, size: int) -> np.ndarray:
        """Log-normal delays in seconds for a duration profile (or its name)."""
        if isinstance(profile, str):
            profile = self.parameters.durations[profile]
        return self.lognormal(profile.median_minutes * 60.0, profile.sigma, size)

    def lognormal(self, median: float | np.ndarray, sigma: float, size: int) -> np.ndarray:
        """Log-normal draws with the given median (same unit as ``median``)."""
        return median * np.exp(sigma * self.rng.standard_normal(size))

    def chance(self, probability: float | np.ndarray, size: int) -> np.ndarray:
        """Boolean draws, each true with ``probability``."""
        return self.rng.random(size) < probability

    def in_scope(
        self, cause: InjectedCause, at: np.ndarray, dimensions: dict[str, np.ndarray | str]
    ) -> np.ndarray:
        """Which units (times ``at``, dimension values) fall inside ``cause``'s scope.

        ``dimensions`` maps a dimension name to string-table codes per unit, or to one
        string shared by all units (such as the activity of the step).
        """
        inside = (at >= cause.start) & (at < cause.end)
        value = dimensions.get(cause.dimension)
        if value is None:
            return np.zeros(len(at), dtype=bool)
        if isinstance(value, str):
            return inside if value in cause.values else np.zeros(len(at), dtype=bool)
        return inside & np.isin(value, self.strings.codes(cause.values))

    def working_time(self, at: np.ndarray, team: str) -> np.ndarray:
        """Move times outside ``team``'s working hours to the start of its next shift.

        Work arriving out of hours is picked up in the first half hour of the shift, in
        the order it arrived (spread by the arrival minute), as a queue would be.
        """
        start_hour, end_hour = self.parameters.hours_of(team)
        day = np.floor(at / 86400.0) * 86400.0
        second = at - day
        start, end = start_hour * 3600.0, end_hour * 3600.0
        spread = (at % 3600.0) / 2.0
        return np.where(
            second < start,
            day + start + spread,
            np.where(second >= end, day + 86400.0 + start + spread, at),
        )
