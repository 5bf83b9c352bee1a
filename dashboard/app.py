"""The app factory: ``create_app(settings)`` builds the server, the layout and the callbacks."""

from __future__ import annotations

from dash import Dash

from callbacks import register_all
from dashboard import (
    audit_page, auth, briefing_export, export_route, health, http_guard, logs, media_route,
    open311, own_address, patrol_api, services,
)
from dashboard.settings import PROJECT_ROOT, Settings
from data import store
from data.alerts import params as alert_params
from layouts.console import build_page
from layouts.text import t


def create_app(settings: Settings | None = None) -> Dash:
    """A new Dash app on the store named by ``settings`` (default: from the environment).

    Everything the page loads is served by this server: Dash's own scripts, our CSS in
    ``assets/``, system fonts. No CDN, no outside request.
    """
    settings = Settings.from_env() if settings is None else settings
    engine = store.make_engine(settings.database_url)
    store.init_db(engine)

    app = Dash(
        __name__,
        assets_folder=str(PROJECT_ROOT / "assets"),
        title=settings.centre_name or t("app_title", settings.language),
        update_title=None,
        serve_locally=True,
        compress=True,
        suppress_callback_exceptions=True,
    )
    # the early-warning rules' parameters, read and checked once (a bad file stops here)
    rule_params = alert_params.load(settings.alert_rules or None)
    app.server.extensions[services.EXTENSION] = {"engine": engine, "settings": settings,
                                                 "alert_params": rule_params}
    own_address.init_app(app, settings)  # trusted Host names, checked before the guard
    # bodies that are not JSON refused before auth's guard reads them; malformed envelopes
    # after it, before Dash; dispatch's safety net, headers, body limit
    http_guard.init_app(app, settings)
    auth.init_app(app, engine, settings)  # sign-in, sessions, the guard on every request
    app.layout = build_page
    register_all(app)
    briefing_export.init_app(app)  # /briefing.pdf, printed by Chromium like the CLI's
    audit_page.init_app(app)  # /admin/audit, the audit log for admins
    open311.init_app(app)  # /open311/v2/: GeoReport v2, public reads, writes with an API key
    patrol_api.init_app(app)  # /api/patrols: the patrol feed, with an officer's API key
    media_route.init_app(app)  # /media/<id>, case photos for signed-in users in scope
    export_route.init_app(app)  # /export/cases.csv: the case list, streamed, in scope
    health.init_app(app)  # /healthz: the store answers, its counters, the newest case's age
    logs.init_app(app)  # one log line per request (method, path, status, ms), no secrets
    return app
