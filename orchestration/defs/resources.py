"""The Dagster resource that carries orderlens's one settings value into assets."""

from dataclasses import replace
from pathlib import Path

import dagster as dg

from orderlens.settings import DATA_DIR_VARIABLE, Settings


class OrderlensResource(dg.ConfigurableResource):
    """Where the data lives, resolved when a run starts (``EnvVar``), never at import.

    Attributes:
        data_dir: The orderlens data directory (``ORDERLENS_DATA_DIR``).
    """

    data_dir: str

    def settings(self) -> Settings:
        """The settings of this run, with the data directory made absolute."""
        return replace(Settings.from_env(), data_dir=Path(self.data_dir).resolve())


def orderlens_resource() -> OrderlensResource:
    """The resource as the code location configures it: from ``ORDERLENS_DATA_DIR``."""
    return OrderlensResource(data_dir=dg.EnvVar(DATA_DIR_VARIABLE))
