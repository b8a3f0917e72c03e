"""The front-end files the dashboard serves itself."""

from __future__ import annotations

import json
from pathlib import Path

from plotly.offline import get_plotlyjs_version

DASHBOARD_DIR = Path(__file__).resolve().parents[2] / "dashboard"


def test_assets_plotly_bundle_is_the_version_plotly_py_ships():
    """Dash draws with ``window.Plotly`` when a bundle is already loaded, so the basic
    bundle served from the assets must be the plotly.js that plotly.py was built for."""
    declared = json.loads((DASHBOARD_DIR / "package.json").read_text())["dependencies"]
    assert declared["plotly.js-basic-dist-min"] == get_plotlyjs_version()
