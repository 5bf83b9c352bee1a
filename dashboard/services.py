"""What callbacks reach through the running Flask app: the store and the settings.

``create_app`` puts them on ``server.extensions``; callbacks read them here, so a test
calls a callback inside ``app.server.app_context()`` with the store it built.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine

from dashboard.settings import Settings

EXTENSION = "grid_dashboard"


def engine() -> Engine:
    """The store of the app handling the current request."""
    return current_app.extensions[EXTENSION]["engine"]


def settings() -> Settings:
    """The settings of the app handling the current request."""
    return current_app.extensions[EXTENSION]["settings"]


def extension() -> dict:
    """The app's own dict of shared things (engine, settings, caches)."""
    return current_app.extensions[EXTENSION]
