"""What callbacks reach through the running Flask app: the store and the settings.

``create_app`` puts them on ``server.extensions``; callbacks read them here, so a test
calls a callback inside ``app.server.app_context()`` with the store it built.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from sqlalchemy import Engine

from dashboard.settings import Settings
from data import audit
from data.users import Principal

EXTENSION = "grid_dashboard"


def engine() -> Engine:
    """The store of the app handling the current request."""
    return current_app.extensions[EXTENSION]["engine"]


def settings() -> Settings:
    """The settings of the app handling the current request."""
    return current_app.extensions[EXTENSION]["settings"]


def alert_params() -> dict:
    """The early-warning rules' parameters the app was started with (``ALERT_RULES`` over
    ``data/alerts/rules.toml``, checked by :func:`data.alerts.params.load`)."""
    return current_app.extensions[EXTENSION]["alert_params"]


def extension() -> dict:
    """The app's own dict of shared things (engine, settings, caches)."""
    return current_app.extensions[EXTENSION]


def audit_who(principal: Principal | None) -> audit.Who:
    """Who asks and from where (the request's remote address), for the audit log: what
    a callback hands the workflow so each action's row is written with the case."""
    source = request.remote_addr if has_request_context() else None
    if principal is None:
        return audit.Who("-", audit.ANONYMOUS, source)
    kind = audit.DISPLAY if principal.is_display else audit.USER
    return audit.Who(principal.name, kind, source)
