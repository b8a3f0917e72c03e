"""The fulfillment network: distribution centres, a 3PL and stores, each in a region.

Nodes are numbered once per run so every generated array can hold a node as an integer
and only the written files spell its id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orderlens.simulator.config import SimulationParameters

NODE_KIND_DC = 0
NODE_KIND_THIRD_PARTY = 1
NODE_KIND_STORE = 2


@dataclass(frozen=True)
class Network:
    """All nodes of the network, by integer index.

    Attributes:
        node_ids: Node id per index (``DC-EAST-01``, ``3PL-SOUTH-01``, ``ST-EAST-03``).
        node_regions: Region per node.
        node_kinds: ``NODE_KIND_*`` per node.
        regions: Region names, in the order of ``region_weights``.
        region_weights: Share of customers per region.
        dc_of_region: Index of the DC serving each region (by region index).
        third_party_of_region: Index of the 3PL used for each region.
        stores_of_region: Store indices per region (one row per region).
    """

    node_ids: tuple[str, ...]
    node_regions: tuple[str, ...]
    node_kinds: np.ndarray
    regions: tuple[str, ...]
    region_weights: np.ndarray
    dc_of_region: np.ndarray
    third_party_of_region: np.ndarray
    stores_of_region: np.ndarray

    @property
    def store_ids(self) -> list[str]:
        """Ids of all stores, region by region."""
        return [self.node_ids[index] for index in self.stores_of_region.ravel()]


def build_network(parameters: SimulationParameters) -> Network:
    """Number the nodes described by ``parameters`` (stores are generated per region)."""
    regions = tuple(parameters.regions)
    weights = np.array([parameters.regions[name] for name in regions], dtype=float)
    node_ids: list[str] = []
    node_regions: list[str] = []
    kinds: list[int] = []
    for node_id, region in parameters.network.distribution_centers.items():
        node_ids.append(node_id)
        node_regions.append(region)
        kinds.append(NODE_KIND_DC)
    for node_id, region in parameters.network.third_party.items():
        node_ids.append(node_id)
        node_regions.append(region)
        kinds.append(NODE_KIND_THIRD_PARTY)
    stores = np.zeros((len(regions), parameters.network.stores_per_region), dtype=np.int32)
    for region_index, region in enumerate(regions):
        for number in range(parameters.network.stores_per_region):
            stores[region_index, number] = len(node_ids)
            node_ids.append(f"ST-{region.upper()}-{number + 1:02d}")
            node_regions.append(region)
            kinds.append(NODE_KIND_STORE)
    dc_of_region = np.array(
        [node_ids.index(parameters.network.dc_for_region[region]) for region in regions]
    )
    third_party_ids = list(parameters.network.third_party)
    third_party_of_region = np.array(
        [
            node_ids.index(
                next(
                    (n for n in third_party_ids if parameters.network.third_party[n] == region),
                    third_party_ids[0],
                )
            )
            for region in regions
        ]
    )
    return Network(
        node_ids=tuple(node_ids),
        node_regions=tuple(node_regions),
        node_kinds=np.array(kinds, dtype=np.int8),
        regions=regions,
        region_weights=weights / weights.sum(),
        dc_of_region=dc_of_region,
        third_party_of_region=third_party_of_region,
        stores_of_region=stores,
    )
