"""The router: the address's path picks the page (``/`` overview, ``/wall`` the big screen)."""

from __future__ import annotations

from dash import Dash, Input, Output

from callbacks.home import render_home
from callbacks.wall import render_wall
from layouts import ids


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"),
                 Input(ids.URL, "search"))(render_page)


def render_page(pathname: str | None, search: str | None):
    """The page for ``pathname`` with the options in ``search``."""
    if (pathname or "/").rstrip("/").endswith("/wall"):
        return render_wall(search)
    return render_home(search)
