"""The Dash application: ``create_app(settings)`` builds it, ``serve`` runs it.

Pages live in ``dashboard/pages`` (Dash Pages); every page reads the published serving
copy through ``dashboard.serving``. CSS and JavaScript are served from ``dashboard/assets``
and Dash's own bundles, so the dashboard works with no network.

Every route but ``/health`` and the login page needs a logged-in user
(``dashboard.auth``); the navigation offers only the pages the user's role may open, and
leaves out the pages whose analysis the published data cannot answer (each page names its
analysis in ``register_page(..., analysis=...)``; its own URL still opens and says what
data would fill it). Every callback request is checked against what its inputs may hold
before Dash runs it (``dashboard.callback_inputs``): malformed input gets a 4xx.

The global filters sit above every page. Their single source of truth is the ``filters``
store: it is filled from the URL when a page opens, and from the controls when the user
changes them; the URL is then rewritten in place (no reload) so the view can be shared as
a link, and the navigation links carry the same query.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import jsonify

from dashboard.auth import COST_PAGES, install_access_control, logout_control, may_see_costs
from dashboard.callback_inputs import install_callback_input_checks
from dashboard.components.filter_bar import FILTER_IDS, filter_bar
from dashboard.filters import DIMENSIONS, Filters, filters_from_query, filters_to_query
from dashboard.login_limits import proxy_options
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import (
    QUICK_RANGES,
    DataPeriod,
    get_data_period,
    get_filter_options,
    quick_range,
    resolve_filters,
)
from dashboard.security_headers import install_security_headers
from dashboard.serving import (
    SETTINGS_KEY,
    ServingCopyUnavailableError,
    derived_tables_ready,
    get_missing_analysis,
    get_publication,
)
from orderlens.settings import Settings
from orderlens.users import MissingSecretKeyError

DASHBOARD_DIR = Path(__file__).resolve().parent
ASSETS_DIR = DASHBOARD_DIR / "assets"
PAGES_DIR = DASHBOARD_DIR / "pages"
DASHBOARD_PACKAGE = "dashboard"
"""The name the app is built under: a package, so Dash Pages imports each page as
``dashboard.pages.<name>``, the module name a plain import gives it. Under another name
a page imported both ways registers twice and every request fails on duplicate paths."""
PAGES_LOCATION = "_pages_location"
"""Dash Pages' own location component: its ``search`` is the URL's query at navigation."""


def _page_is_answerable(page: dict) -> bool:
    """False when the page's analysis is known to lack its data (unknown counts as answerable)."""
    analysis = page.get("analysis")
    return analysis is None or get_missing_analysis(analysis) is None


def _navigation(data_times: str) -> dbc.Navbar:
    shows_costs = may_see_costs()
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page["relative_path"],
                active="partial" if page["relative_path"] != "/" else "exact",
                id={"type": "nav-link", "path": page["relative_path"]},
            )
        )
        for page in dash.page_registry.values()
        if page.get("path_template") is None
        and not page.get("utility")
        and (shows_costs or page["relative_path"] not in COST_PAGES)
        and _page_is_answerable(page)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("orderlens", href="/"),
                dbc.Nav(links, navbar=True, className="flex-wrap"),
                html.Span(
                    data_times,
                    id="data-as-of-nav",
                    className="navbar-text small text-light ms-auto me-2",
                ),
                dcc.Link(
                    "Glossary",
                    href="/glossary",
                    id="glossary-link",
                    className="text-light small me-3 glossary-link",
                    title="What fitness, variant, rework, SLA, p95 and the other terms mean",
                ),
                logout_control(),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def _layout() -> html.Div:
    """Built per page load, so filter choices follow the latest publication."""
    try:
        options, period = get_filter_options(), get_data_period()
        names = get_display_names()
        publication = get_publication()
        as_of = publication.as_of_text
        data_times = f"{publication.as_of_text} · {publication.published_text}"
    except ServingCopyUnavailableError:
        options, period, names, as_of = None, None, None, "No published data yet"
        data_times = as_of
    return html.Div(
        [
            dcc.Store(id="filters"),
            dcc.Store(id="url-written"),
            _navigation(data_times),
            dbc.Container(
                [
                    html.Div(as_of, id="data-as-of-global", className="visually-hidden"),
                    filter_bar(options, period, names),
                    dash.page_container,
                ],
                fluid=True,
                className="px-4",
            ),
        ]
    )


def _period_note(filters: Filters, period: DataPeriod | None) -> str:
    """The period shown, in words, and what the default would be."""
    if period is None or filters.start is None or filters.end is None:
        return ""
    shown = f"Showing {filters.start} to {filters.end} (UTC)"
    if (filters.start, filters.end) == (period.first_day, period.last_day):
        return f"{shown}: the whole data set."
    return (
        f"{shown}. The data runs from {period.first_day} to {period.last_day}; "
        f"the default period is {period.default_description}."
    )


def _register_filter_callbacks(app: Dash) -> None:
    dimension_outputs = [Output(FILTER_IDS[dimension], "value") for dimension in DIMENSIONS]
    dimension_inputs = [Input(FILTER_IDS[dimension], "value") for dimension in DIMENSIONS]

    @app.callback(
        Output("filters", "data"),
        Output("filter-period-note", "children"),
        Output("filter-dates", "start_date"),
        Output("filter-dates", "end_date"),
        *dimension_outputs,
        Input(PAGES_LOCATION, "search"),
        Input("filter-dates", "start_date"),
        Input("filter-dates", "end_date"),
        *dimension_inputs,
        Input({"type": "quick-range", "range": ALL}, "n_clicks"),
        State("filters", "data"),
    )
    def sync_filters(search, start, end, *rest):
        """URL -> filters when a page opens; controls -> filters when the user changes them;
        a quick range sets the period counted back from the data's last day."""
        *chosen, _quick_clicks, current = rest
        trigger = ctx.triggered_id
        if trigger in (None, PAGES_LOCATION):
            requested = filters_from_query(search)
        else:
            requested = Filters.from_store(
                {"start": start, "end": end, **dict(zip(DIMENSIONS, chosen, strict=True))}
            )
        try:
            period = get_data_period()
            if isinstance(trigger, dict) and trigger.get("range") in QUICK_RANGES:
                requested = requested.with_period(*quick_range(trigger["range"], period))
            resolved = resolve_filters(requested, period)
        except ServingCopyUnavailableError:
            period, resolved = None, requested
        store = {**resolved.to_store(), "query": filters_to_query(resolved)}
        controls = [
            resolved.start.isoformat() if resolved.start else None,
            resolved.end.isoformat() if resolved.end else None,
            *[list(resolved.values(dimension)) for dimension in DIMENSIONS],
        ]
        note = _period_note(resolved, period)
        return (no_update if store == current else store), note, *controls

    app.clientside_callback(
        """
        function (filters, ids) {
            const query = (filters && filters.query) || "";
            if (window.location.search !== query) {
                window.history.replaceState(
                    window.history.state, "", window.location.pathname + query
                );
            }
            return [query, ids.map((id) => id.path + query)];
        }
        """,
        Output("url-written", "data"),
        Output({"type": "nav-link", "path": ALL}, "href"),
        Input("filters", "data"),
        State({"type": "nav-link", "path": ALL}, "id"),
    )


def create_app(settings: Settings) -> Dash:
    """Build the dashboard for the data directory in ``settings``, behind a login.

    Raises:
        orderlens.users.MissingSecretKeyError: When no session-signing key is configured.
    """
    app = Dash(
        DASHBOARD_PACKAGE,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title="orderlens",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.server.config[SETTINGS_KEY] = settings
    install_access_control(app.server, settings)
    install_callback_input_checks(app)
    app.layout = _layout
    _register_filter_callbacks(app)
    install_security_headers(app, settings)

    @app.server.route("/health")
    def health():
        try:
            publication = get_publication()
        except ServingCopyUnavailableError as error:
            return jsonify(status="unavailable", reason=str(error)), 503
        return jsonify(
            status="ok",
            published_at=publication.published_at.isoformat(),
            derived_tables="ready" if derived_tables_ready() else "building",
        )

    return app


def serve(settings: Settings) -> None:
    """Serve the dashboard with waitress until interrupted (several threads, no reloader)."""
    from waitress import serve as waitress_serve

    try:
        app = create_app(settings)
    except MissingSecretKeyError as error:
        raise SystemExit(f"orderlens serve: {error}") from error
    if not settings.users_path.exists():
        print(
            f"no users in {settings.users_path}: add one with "
            "`orderlens users add NAME --role executive --password-stdin`",
            flush=True,
        )
    print(f"orderlens dashboard: http://{settings.host}:{settings.port}/", flush=True)
    waitress_serve(
        app.server,
        host=settings.host,
        port=settings.port,
        threads=8,
        ident=None,
        **proxy_options(settings),
    )
