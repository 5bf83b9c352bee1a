"""The router: the address's path picks the page (``/`` overview, ``/wall`` the big screen).

It also applies who is asking (:func:`dashboard.auth.current_user`): a region-scoped user
or wall opens on its own region, and a region outside the scope is refused (403, which the
page shows as a message). The server's guard has already refused anyone signed out.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import Dash, Input, Output

from callbacks.home import render_home
from callbacks.wall import render_wall
from dashboard import auth
from layouts import ids
from layouts.auth import build_user_badge


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"),
                 Input(ids.URL, "search"))(render_page)


def render_page(pathname: str | None, search: str | None):
    """The page for ``pathname`` with the options in ``search``, for the principal asking."""
    principal = auth.current_user()
    if principal is None:
        raise auth.Forbidden("auth_signed_out")
    path = (pathname or "/").rstrip("/")
    query = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    options = dict(query)
    if path.endswith("/wall"):
        options = _scoped(principal, options, ("region", "show"))
        return render_wall(_search(query, options))
    if principal.is_display:
        raise auth.Forbidden("auth_display_only")
    if path.startswith("/region/"):  # the console's drill-down addresses
        auth.require_viewer_code(path.split("/")[2] or None)
    options = _scoped(principal, options, ("region",))
    lang = options.get("lang") if options.get("lang") in ("zh", "en") else None
    page = render_home(_search(query, options))
    badge = build_user_badge(principal, lang or _default_lang())
    return [*page, badge] if isinstance(page, list) else [page, badge]


def _scoped(principal, options: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """``options`` with the region defaulting to the principal's own, every region named in
    ``keys`` checked against the scope (:class:`~dashboard.auth.Forbidden` if outside)."""
    options = dict(options)
    if not options.get("region") and principal.region_code is not None:
        options["region"] = principal.region_code
    for key in keys:
        if key == "region" or options.get(key):
            auth.require_viewer_code(options.get(key) or None)
    return options


def _search(query: list[tuple[str, str]], options: dict[str, str]) -> str:
    """The query string again, with ``options`` applied, in the original order."""
    merged = dict(query)
    merged.update(options)
    merged.pop("token", None)  # the page's own options only; the token stays in the address
    return "?" + urlencode(merged) if merged else ""


def _default_lang() -> str:
    from dashboard import services

    return services.settings().language

