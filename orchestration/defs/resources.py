"""The Dagster resource that carries orderlens's one settings object into assets."""

import dagster as dg

from orderlens.settings import Settings


class SettingsResource:
    """The settings the code location was built with, handed to every asset, check and
    sensor as they are: no asset reads the environment or rebuilds a path.

    A plain object rather than a ``ConfigurableResource``: the settings are built once at
    the edge (``Settings.from_env()`` in ``orchestration.definitions.defs``, or the
    caller's own object in ``orderlens run`` and the tests), not from Dagster run config,
    and they hold secrets that run config would store and show.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def settings(self) -> Settings:
        """The settings of this run."""
        return self._settings


OrderlensResource = dg.ResourceParam[SettingsResource]
"""How assets, checks and sensors declare the ``orderlens`` resource (a
:class:`SettingsResource`)."""
