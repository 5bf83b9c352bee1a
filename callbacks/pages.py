"""The router: the address's path picks the page (``/`` and ``/region/CODE`` the console,
``/wall`` the big screen).

The console's shell is built once per page and language: a drill or a filter changes the
address, and the console's own callbacks refill its panels without rebuilding the page.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, no_update

from callbacks.console import is_console_path, render_console
from callbacks.wall import render_wall
from dashboard import services
from layouts import ids
from layouts.console import build_console_message
from layouts.text import t


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Output(ids.PAGE_KIND, "data"),
                 Input(ids.URL, "pathname"), Input(ids.URL, "search"),
                 State(ids.PAGE_KIND, "data"))(render_page)


def page_kind(pathname: str | None, search: str | None) -> str:
    """Which shell an address needs: ``wall`` (every address of a wall is its own page),
    ``console:LANG``, or ``missing``."""
    path = (pathname or "/").rstrip("/") or "/"
    if path.endswith("/wall"):
        return "wall"
    if is_console_path(pathname):
        lang = (parse_qs((search or "").lstrip("?")).get("lang") or [""])[0]
        return f"console:{lang if lang in ('zh', 'en') else services.settings().language}"
    return "missing"


def render_page(pathname: str | None, search: str | None, kind: str | None = None):
    """The page for ``pathname`` with the options in ``search``; nothing when the console
    is already on screen in the same language (its own callbacks follow the address)."""
    wanted = page_kind(pathname, search)
    if wanted == "wall":
        return render_wall(search), wanted
    if wanted == kind:
        return no_update, no_update
    if wanted == "missing":
        lang = services.settings().language
        return build_console_message(t("unknown_region", lang, code=pathname), lang), wanted
    return render_console(pathname, search), wanted
