"""Who may do what, enforced on the server for every request.

* Sign-in: a plain server-rendered ``/login`` form (zh-CN, ``?lang=en`` English) and
  ``/logout``. The session is Flask's signed cookie (HttpOnly, SameSite=Lax), signed with
  ``SECRET_KEY`` or the key file (:mod:`dashboard.signing_key`, never the store), and tied
  to a record in the store (:mod:`dashboard.session_store`) that ``/logout`` ends. Failed
  sign-ins are throttled per name and per client (:mod:`dashboard.throttle`).
* The wall: ``/wall?token=T`` with a long-lived display token
  (``python -m dashboard wall-token``). ``assets/auth.js`` sends the token of the page's
  address with every callback (header ``X-Display-Token``), and the server checks it
  against the store on each one: it survives restarts, and it never turns into a login page.
* A ``before_request`` hook lets through only what holds no data (the login page, static
  assets, Dash's scripts and its layout shell, the health endpoint, the wall's page);
  every ``/_dash-update-component`` needs a signed-in user or a valid display token
  (403 JSON otherwise, which ``assets/auth.js`` shows as a message), and a display token
  may only run the callbacks marked :func:`for_displays`, as named by the body's
  ``output`` (the key Dash itself looks the callback up by; the ids in the body are never
  trusted). That is a cheap first filter, not the check.
* The check is inside the callbacks, on the values they actually use, whatever the
  request's shape (Dash binds inputs and state by position and never checks their ids):
  :func:`require_viewer`, :func:`require_viewer_code`, :func:`require_commander`,
  :func:`require_admin`, :func:`require_wall_state` (every region a wall's state names),
  :func:`require_cases` (every case id: unknown, unlocated and out-of-scope cases are
  refused alike, so ids cannot be probed) and :func:`require_officer`. They raise
  :class:`Forbidden`, which the server answers with 403 JSON (never a stack trace);
  console callbacks turn it into words. Only :func:`for_displays` callbacks and the
  wall's and briefing's pages accept a display token (``display=True``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Iterable
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import (
    Flask, Response, current_app, g, has_request_context, jsonify, redirect, render_template,
    request, session,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard import audit_hooks, session_store, shared_state, signing_key
from dashboard.settings import Settings
from dashboard.throttle import LoginThrottle
from data import users
from data.cases.scope import case_region_ids, officer_region_ids
from data.regions import code_of_id, ids_of_codes
from data.sessions import SESSION_HOURS
from data.users import Principal
from layouts.text import t

EXTENSION = "grid_dashboard_auth"
TOKEN_HEADER = "X-Display-Token"

#: Paths that hold no data and are served to anyone.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/_dash-layout", "/_dash-dependencies",
                          "/_favicon.ico", "/healthz", "/_reload-hash"})
#: (``/open311/``: the GeoReport API answers every request itself: public reads, writes with
#: an API key, see :mod:`dashboard.open311`.)
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/static/", "/open311/")
#: Endpoints whose view checks who asks itself and refuses with 403 JSON, never a login
#: page (a photo in an ``<img>``): :mod:`dashboard.media_route`; the patrol feed from
#: officers' phones, which checks the officer's API key as the Open311 door does:
#: :mod:`dashboard.patrol_api` (its endpoints, ``patrol_api_*``).
SELF_GUARDED = frozenset({"case_media", "patrol_api_patrols", "patrol_api_points",
                          "patrol_api_elsewhere"})
_NOT_LOOKED_UP = object()


class Forbidden(Exception):
    """The request is not allowed: ``key`` says why (a text key of :mod:`layouts.text`),
    ``values`` fill its placeholders, so layouts word it in Chinese or English."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(f"{key}: {values}" if values else key)
        self.key = key
        self.values = values
        audit_hooks.refused(key, values, current_user)  # every refusal, worded or 403

    status = 403

    def message(self, lang: str = "zh") -> str:
        return t(self.key, lang, **self.values)


class Malformed(Forbidden):
    """A value a callback needs to check its scope is not of the kind it must be (a region
    code that is not text, a case id that is not a whole number): refused with 400."""

    status = 400


# --- who is asking --------------------------------------------------------------------------

def _engine() -> Engine:
    return current_app.extensions[EXTENSION]["engine"]


def presented_token() -> str | None:
    """The display token this request carries: the header ``assets/auth.js`` sets, or the
    address's ``?token=`` (the wall's bookmarked page itself)."""
    return request.headers.get(TOKEN_HEADER) or request.args.get("token") or None


def current_user() -> Principal | None:
    """The signed-in user, or a display token's principal, for this request; None when
    neither (or outside a request). A token, when presented, decides: an invalid one gives
    None, so a revoked wall says so instead of running on someone's session."""
    if not has_request_context():
        return None
    found = g.get("_principal", _NOT_LOOKED_UP)
    if found is _NOT_LOOKED_UP:
        found = _look_up_principal()
        g._principal = found
    return found


def _look_up_principal() -> Principal | None:
    engine = _engine()
    token = presented_token()
    if token is not None:
        info = users.check_display_token(engine, token)
        return None if info is None else users.principal_for_token(engine, info)
    user = session_store.signed_in_user(engine)  # None: signed out, ended, or disabled
    if user is None:
        return None
    return users.principal_for_user(engine, user)


def _region_ids(codes: Iterable[str | None]) -> list[int | None]:
    """Region ids of ``codes`` (None stays None: the whole deployment); an unknown code
    is refused as out of scope, so a guess learns nothing."""
    codes = [_checked_code(code) for code in codes]
    wanted = {c for c in codes if c is not None}
    found: dict[str, int] = {}
    if wanted:
        with _engine().connect() as conn:
            found = ids_of_codes(conn, wanted)
    result: list[int | None] = []
    for code in codes:
        if code is None:
            result.append(None)
        elif code in found:
            result.append(found[code])
        else:
            raise Forbidden("auth_out_of_scope", region=code)
    return result


def _shown(value: object) -> str:
    """A hostile value, short enough to quote in a refusal."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _checked_code(code: object) -> str | None:
    """``code`` if it can be a region code (text, or None for the whole deployment)."""
    if code is not None and not isinstance(code, str):
        raise Malformed("auth_bad_region", value=_shown(code))
    return code


def _whole_number(value: object, key: str) -> int:
    """``value`` as an id: an int (not a bool), or digits."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(key, value=_shown(value))
    return value


def _signed_in(display: bool) -> Principal:
    """Whoever asks, if anyone; a display token only where ``display`` allows one."""
    principal = current_user()
    if principal is None:
        raise Forbidden("auth_signed_out")
    if principal.is_display and not display:
        raise Forbidden("auth_display_only")
    return principal


def require_viewer(region_id: int | None, *, display: bool = False) -> Principal:
    """The principal, if signed in (any role; a display token only with ``display``) with
    ``region_id`` in scope (None: the whole deployment, which only unscoped principals may
    see)."""
    principal = _signed_in(display)
    if not principal.can_see(region_id):
        raise Forbidden("auth_out_of_scope", region=_code_of(region_id))
    return principal


def require_commander(region_ids: Iterable[int | None]) -> Principal:
    """The principal, if a signed-in commander or admin whose scope covers every region
    of ``region_ids``; a display token, a viewer or another area is refused."""
    principal = current_user()
    if principal is None:
        raise Forbidden("auth_signed_out")
    if principal.is_display or principal.role not in users.ACTING_ROLES:
        raise Forbidden("auth_role")
    wanted = list(region_ids)
    if not principal.covers(wanted):
        outside = [r for r in wanted if not principal.can_see(r)]
        raise Forbidden("auth_out_of_scope", region=_code_of(outside[0] if outside else None))
    return principal


def require_admin() -> Principal:
    """The principal, if a signed-in admin."""
    principal = current_user()
    if principal is None:
        raise Forbidden("auth_signed_out")
    if principal.is_display or principal.role != users.ADMIN:
        raise Forbidden("auth_admin")
    return principal


def require_viewer_code(code: str | None, *, display: bool = False) -> Principal:
    """:func:`require_viewer` for a region named by its code (None: the whole deployment);
    a code no region has is refused as out of scope (an unscoped principal is not asked:
    the caller says the region is unknown)."""
    principal = _signed_in(display)
    _checked_code(code)
    if principal.region_id is None:
        return principal
    (region_id,) = _region_ids([code])
    return require_viewer(region_id, display=display)


def require_wall_state(state: object) -> Principal:
    """The principal (a display token too), if every region the wall's page ``state``
    makes the wall read lies in its scope: ``region``, ``map_region`` (``region`` when
    absent, as the wall's callbacks read it) and each ``playlist`` entry. The state is
    checked whatever entry of the request carried it."""
    principal = _signed_in(display=True)
    if not isinstance(state, dict):
        raise Malformed("auth_bad_state")
    playlist = state.get("playlist") or []
    if not isinstance(playlist, list):
        raise Malformed("auth_bad_state")
    codes = [state.get("region"), state.get("map_region", state.get("region")), *playlist]
    codes = [_checked_code(code) for code in codes]
    if principal.region_id is not None:
        region_ids = _region_ids(codes)
        if not principal.covers(region_ids):
            outside = next(c for c, r in zip(codes, region_ids) if not principal.can_see(r))
            raise Forbidden("auth_out_of_scope", region=outside or "*")
    return principal


def case_ids(values: Iterable[object]) -> list[int]:
    """``values`` as case ids (whole numbers, or digits): :class:`Malformed` naming the
    first that is not one."""
    return [_whole_number(value, "auth_bad_case") for value in values]


def require_cases(values: Iterable[object], *, act: bool = False) -> Principal:
    """The principal, if it may see (``act``: change, as a commander or admin) every case
    whose id is among ``values``. A case id no case has, a case of another area and an
    unlocated case (it belongs to the whole deployment: only unscoped principals) are
    refused with the same words, which name none of them, so ids cannot be probed."""
    principal = require_commander([]) if act else _signed_in(display=False)
    wanted = case_ids(values)
    if not wanted:
        return principal
    with _engine().connect() as conn:
        regions = case_region_ids(conn, wanted)
    if any(case_id not in regions for case_id in wanted) or not principal.covers(
            regions.values()):
        raise Forbidden("auth_case_refused")
    return principal


def visible_regions(region_ids: Iterable[int | None]) -> set[int | None]:
    """Which of ``region_ids`` the principal asking may see (:meth:`Principal.visible`)."""
    return _signed_in(display=True).visible(region_ids)


def require_officer(officer_id: object) -> int:
    """``officer_id``, if an officer has it and the commander asking may dispatch to them:
    one assigned inside the commander's area (an officer assigned to no grid belongs to the
    whole deployment). Unknown and out-of-scope officers are refused alike."""
    require_commander([])
    wanted = _whole_number(officer_id, "auth_bad_officer")
    with _engine().connect() as conn:
        found = officer_region_ids(conn, [wanted])
    if wanted not in found or not visible_regions([found[wanted]]):
        raise Forbidden("auth_officer_refused")
    return wanted


def _code_of(region_id: int | None) -> str:
    if region_id is None:
        return "*"
    with _engine().connect() as conn:
        return code_of_id(conn, region_id) or str(region_id)

# --- the guard in front of every request ----------------------------------------------------------

def _lang() -> str:
    lang = request.args.get("lang") or request.form.get("lang") or ""
    if lang in ("zh", "en"):
        return lang
    return current_app.extensions[EXTENSION]["settings"].language


def _json_refusal(key: str, status: int = 403, **values: object) -> Response:
    if status == 403:
        audit_hooks.refused(key, values, current_user)
    body = {"error": {"key": key, "message": {lang: t(key, lang, **values)
                                             for lang in ("zh", "en")}}}
    if key == "auth_signed_out":
        body["error"]["login"] = "/login"
    response = jsonify(body)
    response.status_code = status
    return response


def for_displays(callback):
    """Mark a server callback a wall's display token may run (the wall's refresh and
    rotation, the router): it checks the scope of the values it reads itself
    (:func:`require_wall_state`, :func:`require_viewer_code` with ``display=True``). Dash
    keeps the mark on the function it runs (``functools.wraps`` copies it)."""
    callback.display_allowed = True
    return callback


def display_may_run(output: object) -> bool:
    """Whether the server callback Dash would run for a request body's ``output`` (the key
    Dash looks the callback up by; the ids of the body's ``outputs`` and inputs decide
    nothing) is one marked :func:`for_displays`."""
    callbacks = current_app.extensions[EXTENSION].get("callbacks") or {}
    entry = callbacks.get(output) if isinstance(output, str) else None
    function = entry.get("callback") if isinstance(entry, dict) else None
    return bool(getattr(function, "display_allowed", False))


def _guard() -> Response | None:
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if request.url_rule is not None and request.url_rule.endpoint in SELF_GUARDED:
        return None
    try:
        if path.endswith("/_dash-update-component"):
            return _guard_callback()
        if request.method not in ("GET", "HEAD"):
            return _json_refusal("auth_signed_out")
        if path.rstrip("/").endswith("/wall"):
            return _guard_wall_page()
        if path.rstrip("/").endswith("/briefing"):
            return _guard_briefing_page()
        return _guard_console_page()
    except SQLAlchemyError:
        # the store is down: a wall goes stale and retries, it is not sent to a login page
        if path.endswith("/_dash-update-component"):
            return _json_refusal("auth_unavailable", status=503)
        return _notice("auth_unavailable", status=503, retry=30)
    except Forbidden as refused:
        return _json_refusal(refused.key, refused.status, **refused.values)


def _guard_callback() -> Response | None:
    """A cheap first filter: someone must be asking, and a display token may only run a
    :func:`for_displays` callback. Scope is checked inside the callbacks, on the values
    they use (Dash binds them by position, whatever ids the body gives them)."""
    principal = current_user()
    if principal is None:
        return _json_refusal("auth_token_invalid" if presented_token() else "auth_signed_out")
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if principal.is_display and not display_may_run(output):
        return _json_refusal("auth_display_only")
    return None


def _guard_wall_page() -> Response | None:
    """The wall's page itself. Never a login page: a missing or bad token gets a plain
    full-screen notice that checks again every few minutes."""
    token = request.args.get("token")
    if token is not None:
        if users.check_display_token(_engine(), token) is None:
            return _notice("auth_token_invalid", status=403, retry=300)
        return None
    if current_user() is not None:
        return None
    return _notice("auth_wall_needs_token", status=403, retry=300)


def _guard_briefing_page() -> Response | None:
    """The briefing's page: read-only, so a signed-in user or a display token (the CLI's
    one-off token, made for a run and revoked after it) may open it; the router checks
    the region's scope. Anyone else signs in first."""
    if current_user() is not None:
        return None
    if presented_token():
        return _notice("auth_token_invalid", status=403, retry=0)
    target = request.full_path if request.query_string else request.path
    lang = "&lang=en" if request.args.get("lang") == "en" else ""
    return redirect(f"/login?next={quote(target, safe='')}{lang}")


def _guard_console_page() -> Response | None:
    principal = current_user()
    if principal is not None and not principal.is_display:
        return _landing(principal)
    token = request.args.get("token")
    if principal is not None and token:  # a wall's address without /wall: to the wall
        return redirect(f"/wall?token={quote(token)}")
    if principal is not None:
        return _notice("auth_display_only", status=403, retry=0)
    target = request.full_path if request.query_string else request.path
    lang = "&lang=en" if request.args.get("lang") == "en" else ""
    return redirect(f"/login?next={quote(target, safe='')}{lang}")


def _landing(principal: Principal) -> Response | None:
    """A region-scoped user who opens the console's top (``/``, no region named) lands on
    the console of their own region, the highest they may read, with the same query: so
    the address, and every link built from it (导出周报, 网格员考核), names that region."""
    if request.path != "/" or principal.region_code is None or request.args.get("region"):
        return None
    query = request.query_string.decode("latin-1")
    target = f"/region/{quote(principal.region_code, safe='')}"
    return redirect(f"{target}?{query}" if query else target)


def _notice(key: str, status: int, retry: int) -> Response:
    if status == 403:
        audit_hooks.refused(key, {}, current_user)
    lang = _lang()
    html = render_template("notice.html", lang=lang, message=t(key, lang),
                           title=t("wall_title", lang), retry=retry)
    return Response(html, status=status, mimetype="text/html")


# --- sign-in ------------------------------------------------------------------------------

def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this server, else ``/``: never an outside address."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/login"):
        return "/"
    return target


def _login_page(lang: str, next_url: str, error: str = "", name: str = "",
                status: int = 200) -> Response:
    session["csrf"] = session.get("csrf") or secrets.token_urlsafe(16)
    words = {key: t(key, lang) for key in ("login_title", "login_name", "login_password",
                                          "login_submit", "login_hint", "app_title",
                                          "language")}
    demo, wall_token = users.demo_sign_in_hints(
        _engine(), current_app.extensions[EXTENSION].setdefault("demo_cache", {}),
        secret_key=current_app.secret_key)
    words.update({key: t(key, lang) for key in ("demo_accounts", "demo_wall")})
    roles = {account.name: t("role_" + account.role, lang) for account in demo}
    html = render_template("login.html", lang=lang, words=words, error=error, name=name,
                           next=next_url, csrf=session["csrf"],
                           other_lang=t("other_lang", lang), demo=demo, roles=roles,
                           wall_token=wall_token)
    return Response(html, status=status, mimetype="text/html")


def login() -> Response:
    """GET: the form. POST: check the password, start the session, go to ``next``.
    With the store unreachable: a plain notice that retries, not an error page."""
    try:
        return _login()
    except SQLAlchemyError:
        return _notice("auth_unavailable", status=503, retry=30)


def _login() -> Response:
    lang = _lang()
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_page(lang, next_url)
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    expected = session.get("csrf")
    if not expected or request.form.get("csrf") != expected:
        audit_hooks.sign_in_failed(name, "expired_form")
        return _login_page(lang, next_url, t("login_expired", lang), name, status=400)
    throttle: LoginThrottle = current_app.extensions[EXTENSION]["throttle"]
    try:
        attempt = throttle.begin(name, request.remote_addr)  # counted before the check
    except shared_state.SharedUnavailable as exc:  # fail closed: no unthrottled guessing
        current_app.logger.warning("sign-in refused: %s", exc)
        return _notice("login_shared_unavailable", status=503, retry=30)
    if attempt.wait:
        audit_hooks.sign_in_failed(name, "throttled")
        key = "login_throttled" if attempt.limited_by == "name" else "login_throttled_client"
        return _login_page(lang, next_url, t(key, lang, seconds=attempt.wait), name,
                           status=429)
    user = users.authenticate(_engine(), name, password)
    if user is None:
        audit_hooks.sign_in_failed(name, "wrong")
        return _login_page(lang, next_url, t("login_wrong", lang), name, status=401)
    try:
        throttle.succeeded(attempt)
    except shared_state.SharedUnavailable as exc:  # the right password still signs in
        current_app.logger.warning("sign-in throttle not reset: %s", exc)
    audit_hooks.signed_in(user.name)
    session_store.begin(_engine(), user)  # a fresh session, recorded in the store
    return redirect(next_url)


def logout() -> Response:
    """End the session and go back to the sign-in page."""
    lang = _lang()
    audit_hooks.signed_out(current_user())
    try:
        session_store.end(_engine())  # every copy of the cookie is refused from now on
    except SQLAlchemyError:
        return _notice("auth_unavailable", status=503, retry=30)
    return redirect("/login" + ("?lang=en" if lang == "en" else ""))


def _forbidden_response(refused: Forbidden) -> Response:
    return _json_refusal(refused.key, refused.status, **refused.values)


def init_app(app: Dash, engine: Engine, settings: Settings) -> None:
    """Put sign-in and the guard in front of ``app``'s server."""
    server: Flask = app.server
    server.secret_key = signing_key.signing_key(settings, engine)  # never kept in the store
    server.config.update(
        SESSION_COOKIE_NAME="dashboard_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    server.extensions[EXTENSION] = {"engine": engine, "settings": settings,
                                    "throttle": shared_state.of(settings).login_throttle()}
    server.extensions[EXTENSION]["callbacks"] = app.callback_map  # for display_may_run
    server.before_request(_guard)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
    server.register_error_handler(Forbidden, _forbidden_response)
