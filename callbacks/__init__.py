"""Callbacks connect layouts to data; each module has a ``register(app)``."""

from dash import Dash

from callbacks import home, pages, wall


def register_all(app: Dash) -> None:
    """Connect every page's callbacks to ``app``."""
    home.register(app)
    pages.register(app)
    wall.register(app)
