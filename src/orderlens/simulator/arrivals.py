"""When orders arrive and from which channel, for the whole run at once.

Arrivals are drawn before any chunk is generated, so order numbers follow creation time
and a chunk is a contiguous slice of them. Volume follows the channel mix, the weekday
and hour-of-day profiles of the parameters, and promotion causes of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orderlens.simulator.config import SimulationConfig, SimulationParameters
from orderlens.simulator.scenarios import Scenario


@dataclass(frozen=True)
class Arrivals:
    """Creation time (UNIX seconds, ascending) and channel index of every order."""

    created_at: np.ndarray
    channel_index: np.ndarray
    channel_names: tuple[str, ...]


def plan_arrivals(
    config: SimulationConfig, parameters: SimulationParameters, scenario: Scenario
) -> Arrivals:
    """Draw ``config.orders`` arrivals over the window, sorted by time."""
    rng = np.random.default_rng([config.seed, 0])
    names = tuple(parameters.channels)
    day_starts = config.start_seconds + 86400.0 * np.arange(config.days)
    weekday = np.array(
        [parameters.weekday_volume[(config.start.weekday() + d) % 7] for d in range(config.days)]
    )
    weights = np.outer([parameters.channels[name].share for name in names], weekday)
    for cause in scenario.causes:
        if cause.volume_multiplier == 1.0 or cause.dimension != "channel":
            continue
        overlap = np.clip(
            (np.minimum(day_starts + 86400.0, cause.end) - np.maximum(day_starts, cause.start))
            / 86400.0,
            0.0,
            1.0,
        )
        for number, name in enumerate(names):
            if name in cause.values:
                weights[number] *= 1.0 + (cause.volume_multiplier - 1.0) * overlap
    flat = weights.ravel() / weights.sum()
    cell = rng.choice(flat.size, config.orders, p=flat)
    channel_index, day = np.divmod(cell, config.days)
    hourly = np.asarray(parameters.hourly_volume, dtype=float)
    hour = rng.choice(24, config.orders, p=hourly / hourly.sum())
    created = day_starts[day] + hour * 3600.0 + rng.uniform(0.0, 3600.0, config.orders)
    created = np.round(created, 3)
    ordering = np.argsort(created, kind="stable")
    return Arrivals(created[ordering], channel_index[ordering].astype(np.int8), names)
