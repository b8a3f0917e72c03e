"""The Dash application: ``create_app(settings)`` builds it, ``serve`` runs it.

Pages live in ``dashboard/pages`` (Dash Pages); every page reads the published serving
copy through ``dashboard.data``. CSS is served from ``dashboard/assets`` so the
dashboard works with no network.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import jsonify

from dashboard.data import SETTINGS_KEY, ServingCopyUnavailableError, get_publication
from orderlens.settings import Settings

DASHBOARD_DIR = Path(__file__).resolve().parent
ASSETS_DIR = DASHBOARD_DIR / "assets"
PAGES_DIR = DASHBOARD_DIR / "pages"


def _navigation() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
    ]
    return dbc.Navbar(
        dbc.Container([dbc.NavbarBrand("orderlens", href="/"), dbc.Nav(links, navbar=True)]),
        color="dark",
        dark=True,
        className="mb-4",
    )


def create_app(settings: Settings) -> Dash:
    """Build the dashboard for the data directory in ``settings``."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title="orderlens",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.server.config[SETTINGS_KEY] = settings
    app.layout = html.Div([_navigation(), dbc.Container(dash.page_container, fluid="lg")])

    @app.server.route("/health")
    def health():
        try:
            publication = get_publication()
        except ServingCopyUnavailableError as error:
            return jsonify(status="unavailable", reason=str(error)), 503
        return jsonify(status="ok", published_at=publication.published_at.isoformat())

    return app


def serve(settings: Settings) -> None:
    """Serve the dashboard with waitress until interrupted (several threads, no reloader)."""
    from waitress import serve as waitress_serve

    app = create_app(settings)
    print(f"orderlens dashboard: http://{settings.host}:{settings.port}/", flush=True)
    waitress_serve(app.server, host=settings.host, port=settings.port, threads=8, ident=None)
