"""What every browser and server test needs: Debian's Chromium and a free loopback port.

Imported by the dashboard and security test helpers (``tests/`` is on ``sys.path``
because it holds the root ``conftest.py``).
"""

import socket

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags headless Chromium needs on this kind of machine (see STACK.md)."""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
