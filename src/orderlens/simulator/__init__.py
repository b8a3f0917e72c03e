"""The built-in omnichannel fulfillment simulator: realistic event logs with ground truth.

No retailer's data can ship with orderlens, so the simulator is what a new user sees
first, what the tests run on, and the ground truth that proves the analytics right. It
generates orders from five channels fulfilled by distribution centres, stores and a 3PL,
with fourteen types of exceptions running their lifecycle, a middleware log of every
handoff, and scenario presets that inject known causes.

Example:
    >>> from pathlib import Path
    >>> from orderlens.simulator import SimulationConfig, simulate
    >>> result = simulate(SimulationConfig(orders=2000, out_dir=Path("data/inbox")))
"""

from orderlens.simulator.config import OutputFormat, SimulationConfig
from orderlens.simulator.ground_truth import read_injected_causes
from orderlens.simulator.scenarios import SCENARIO_NAMES, InjectedCause
from orderlens.simulator.simulation import SimulationResult, simulate

__all__ = [
    "SCENARIO_NAMES",
    "InjectedCause",
    "OutputFormat",
    "SimulationConfig",
    "SimulationResult",
    "read_injected_causes",
    "simulate",
]
