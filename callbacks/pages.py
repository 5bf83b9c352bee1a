"""The router: the address's path picks the page (``/`` and ``/region/CODE`` the console,
``/wall`` the big screen, ``/officers`` and ``/officers/CODE`` the officers view).

It also applies who is asking (:func:`dashboard.auth.current_user`): a region-scoped user
or wall opens on its own region, and a region outside the scope is refused (403, which the
page shows as a message). The server's guard has already refused anyone signed out.

The console's shell is built once per page and language: a drill or a filter changes the
address, and the console's own callbacks refill its panels (checking the scope again)
without rebuilding the page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import Dash, Input, Output, State, no_update

from callbacks.console import render_console
from callbacks.briefing import render_briefing
from callbacks.officers import render_officers
from callbacks.wall import render_wall
from dashboard import auth, services
from data.console_state import address_lang, is_console_path, region_of_path
from data.regions import UnknownRegion, get_region
from data.field.officer_view import is_officers_path, officers_region_of_path
from layouts import ids
from layouts.auth import build_user_badge
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
    if path.endswith("/briefing"):
        return "briefing"
    if is_officers_path(pathname):
        return f"officers:{address_lang(search, _default_lang())}"
    if is_console_path(pathname):
        return f"console:{address_lang(search, _default_lang())}"
    return "missing"


@auth.for_displays
def render_page(pathname: str | None, search: str | None, kind: str | None = None):
    """The page for ``pathname`` with the options in ``search``, for the principal asking;
    nothing when the console is already on screen in the same language (its own
    callbacks follow the address)."""
    principal = auth.current_user()
    if principal is None:
        raise auth.Forbidden("auth_signed_out")
    wanted = page_kind(pathname, search)
    query = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    options = dict(query)
    if wanted == "wall":
        options = _scoped(principal, options, ("region", "show"))
        return render_wall(_search(query, options)), wanted
    if wanted == "briefing":  # read-only, like the wall: a display token may print it
        options = _scoped(principal, options, ("region",))
        return render_briefing(_search(query, options)), wanted
    if principal.is_display:
        raise auth.Forbidden("auth_display_only")
    code = region_of_path(pathname) or officers_region_of_path(pathname)
    if code is not None:  # the console's drill-down addresses
        auth.require_viewer_code(code)
    elif options.get("region"):  # /?region=CODE, as older bookmarks have it
        auth.require_viewer_code(options["region"])
    if wanted == kind:
        return no_update, no_update
    lang = options.get("lang") if options.get("lang") in ("zh", "en") else _default_lang()
    if wanted == "missing":
        page = build_console_message(t("unknown_region", lang, code=pathname), lang)
    elif wanted.startswith("officers:"):
        page = render_officers(pathname, search)
    else:
        page = render_console(pathname, search)
    return [*page, build_user_badge(principal, lang, _own_region_name(principal))], wanted


def _own_region_name(principal) -> str | None:
    """The name of the principal's region (None: unscoped, or a code no region has now)."""
    if principal.region_code is None:
        return None
    with services.engine().connect() as conn:
        try:
            return get_region(conn, principal.region_code).name
        except UnknownRegion:
            return None


def _scoped(principal, options: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """``options`` with the region defaulting to the principal's own, every region named in
    ``keys`` checked against the scope (:class:`~dashboard.auth.Forbidden` if outside)."""
    options = dict(options)
    if not options.get("region") and principal.region_code is not None:
        options["region"] = principal.region_code
    for key in keys:
        if key == "region" or options.get(key):
            auth.require_viewer_code(options.get(key) or None, display=True)
    return options


def _search(query: list[tuple[str, str]], options: dict[str, str]) -> str:
    """The query string again, with ``options`` applied, in the original order."""
    merged = dict(query)
    merged.update(options)
    merged.pop("token", None)  # the page's own options only; the token stays in the address
    return "?" + urlencode(merged) if merged else ""


def _default_lang() -> str:
    return services.settings().language
