"""Callbacks connect layouts to data; each module has a ``register(app)``."""

from dash import Dash

from callbacks import (
    briefing, console, console_alerts, duplicates, followup, intake_desk, officers, pages,
    patrolmap, wall,
)


def register_all(app: Dash) -> None:
    """Connect every page's callbacks to ``app``."""
    console.register(app)
    duplicates.register(app)
    followup.register(app)
    pages.register(app)
    wall.register(app)
    briefing.register(app)
    intake_desk.register(app)
    patrolmap.register(app)
    console_alerts.register(app)
    officers.register(app)
