"""The HTTP server's own defences, in front of Dash and of :mod:`dashboard.auth`.

* Callback requests (``POST /_dash-update-component``): the body must be JSON before the
  sign-in guard reads it, and, once the guard let the request through, before Dash's
  dispatch sees it: a JSON object whose ``output`` names a server callback of this app, whose
  ``outputs`` are that callback's, whose ``inputs`` and ``state`` are lists of
  ``{id, property, value}`` entries, together as many as the callback takes, and whose
  ``changedPropIds`` is a list of strings. Anything else is a 4xx with a short reason
  (JSON, Chinese and English, as :mod:`dashboard.auth` words its refusals) and one log line;
  Dash never sees it.
* Around Dash's dispatch, a safety net: a callback that raises on hostile values (a
  ``TypeError``, ``ValueError``, ``KeyError``... or a value the database refuses) answers
  400 with the exception's name and one log line naming where, never a 500 with a traceback.
  Dash's ``PreventUpdate`` and our :class:`~dashboard.auth.Forbidden` pass as they are.
* An unknown file under ``/_dash-component-suites/`` is a 404, not a 500.
* Every response carries security headers (framing only by ourselves, no MIME sniffing, no
  referrer: a wall's token travels in its address; a Content-Security-Policy that lets only
  this server's scripts run). Bodies over ``Settings.max_request_mb`` are refused with 413.
* :func:`make_server` (``serve`` uses it): waitress with the limits and timeouts of
  :func:`server_options` for a wall-and-console deployment (many connections, idle ones
  closed soon) and a cap on the connections one address may hold, from the settings.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import math
import time
import traceback
from typing import Any, Callable, Mapping

try:
    import resource
except ImportError:  # Unix only: elsewhere the open-file limit stays waitress' default
    resource = None

from dash import Dash
from dash.exceptions import CallbackException, DependencyException, PreventUpdate
from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import DataError
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from dashboard.settings import PROJECT_ROOT, Settings
from layouts.text import t

EXTENSION = "grid_dashboard_http"
DISPATCH_PATH = "/_dash-update-component"
SUITES_PREFIX = "/_dash-component-suites/"
log = logging.getLogger("dashboard.http")

#: What a callback raises when a value in the request is not what it can use: a 400.
HOSTILE_VALUE_ERRORS = (TypeError, ValueError, LookupError, AttributeError, ArithmeticError,
                        RecursionError, CallbackException, DataError)
_WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
#: Longest piece of a request quoted back in a refusal or the log.
_QUOTE = 80

SECURITY_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: The Content-Security-Policy; ``{scripts}`` becomes the hashes of Dash's inline scripts.
CSP = ("default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'self'")


class Refusal(Exception):
    """A request this server will not run: ``key`` (a text of :mod:`layouts.text`) says
    why, ``values`` fill its placeholders."""

    def __init__(self, key: str, status: int = 400, **values: object) -> None:
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    def response(self) -> Response:
        body = {"error": {"key": self.key, "message": {
            lang: t(self.key, lang, **self.values) for lang in ("zh", "en")}}}
        answer = jsonify(body)
        answer.status_code = self.status
        return answer


def _quote(text: object) -> str:
    text = str(text).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= _QUOTE else text[:_QUOTE] + "..."


# --- the envelope of a callback request ------------------------------------------------------

def _is_wildcard(value: object) -> bool:
    return isinstance(value, list) and len(value) == 1 and value[0] in _WILDCARDS


def _dict_id(declared_id: str) -> dict | None:
    """The dict a callback declared as a component id (its key shows it as JSON), else None."""
    return json.loads(declared_id) if declared_id.startswith("{") else None


def _pattern(declared_id: str) -> dict | None:
    """The wildcard id a callback declared (``{"action": ["ALL"], ...}``), else None."""
    found = _dict_id(declared_id)
    if found is not None and any(_is_wildcard(v) for v in found.values()):
        return found
    return None


def _takes_list(pattern: dict | None) -> bool:
    """Whether a wildcard entry carries a list of components (ALL, ALLSMALLER)."""
    return pattern is not None and any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())


def _is_entry(item: object) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def _entry_matches(item: object, declared_id: str, declared_prop: str) -> bool:
    """Whether output entry ``item`` is the declared output ``declared_id.declared_prop``
    as Dash compares them (``@hash`` suffixes of duplicate outputs aside; a dict id must be
    a dict, whose wildcard keys match anything)."""
    if not _is_entry(item) or item["property"].split("@")[0] != declared_prop.split("@")[0]:
        return False
    given, declared = item["id"], _dict_id(declared_id)
    if declared is None:
        return given == declared_id
    return isinstance(given, dict) and set(given) == set(declared) and all(
        given[key] == value for key, value in declared.items() if not _is_wildcard(value))


def _declared_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.rsplit(".", 1)) for part in parts]  # type: ignore[misc]


def _check_outputs(body: dict, output: str) -> None:
    declared = _declared_outputs(output)
    given = body.get("outputs")
    if output.startswith(".."):
        if not isinstance(given, list):
            raise Refusal("http_not_a_list", field="outputs")
        if len(given) != len(declared):
            raise Refusal("http_count", field="outputs", expected=len(declared), got=len(given))
    else:
        given = [given]
    for item, (declared_id, prop) in zip(given, declared):
        items = item if _takes_list(_pattern(declared_id)) else [item]
        if not isinstance(items, list) or not all(
                _entry_matches(one, declared_id, prop) for one in items):
            raise Refusal("http_outputs_mismatch", output=_quote(output))


def _check_entries(body: dict, entry: dict) -> None:
    """``inputs`` and ``state``: lists whose entries, taken together in that order (Dash
    passes them to the callback so, by position), are as many and of the kinds the
    callback declared."""
    given: list = []
    for field in ("inputs", "state"):
        items = body.get(field, [])
        if not isinstance(items, list):
            raise Refusal("http_not_a_list", field=field)
        given += [(field, index, item) for index, item in enumerate(items)]
    declared = entry["inputs"] + entry["state"]
    if len(given) != len(declared):
        raise Refusal("http_count", field="inputs + state", expected=len(declared),
                      got=len(given))
    for (field, index, item), spec in zip(given, declared):
        if _takes_list(_pattern(spec["id"])):
            if not (isinstance(item, list) and all(_is_entry(one) and isinstance(one["id"], dict)
                                                   for one in item)):
                raise Refusal("http_entry_list", field=field, index=index)
        # an id is of the declared kind (text or dict); which one it names is not checked
        elif not _is_entry(item) or (isinstance(item["id"], dict)
                                     != spec["id"].startswith("{")):
            raise Refusal("http_entry", field=field, index=index)


def check_callback_body(body: object, callback_map: Mapping[str, dict]) -> None:
    """Raise :class:`Refusal` unless ``body`` is a callback request that Dash 4.4's
    dispatch can run as it assumes (see the module's docstring): the shapes and counts
    of its parts, and that its outputs are those of the callback it names. The values in
    the entries are the callback's business; so are the ids of its inputs and state,
    which Dash passes by position (a callback checks the values it uses)."""
    if not isinstance(body, dict):
        raise Refusal("http_body_not_object")
    output = body.get("output")
    if not isinstance(output, str):
        raise Refusal("http_no_output")
    entry = callback_map.get(output)
    if entry is None or "callback" not in entry:
        raise Refusal("http_unknown_callback", output=_quote(output))
    if not entry.get("no_output"):
        _check_outputs(body, output)
    _check_entries(body, entry)
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(c, str) for c in changed)):
        raise Refusal("http_changed")


# --- hooks -----------------------------------------------------------------------------------

def _refused(refused: Refusal) -> Response:
    log.warning("refused a callback request from %s: %s %s", request.remote_addr,
                refused.key, _quote(refused.values) if refused.values else "")
    return refused.response()


def _check_callback_json() -> Response | None:
    """``before_request``, ahead of the sign-in guard: a callback request's body is JSON
    (the guard and Dash parse it; JSON nested past Python's recursion limit would fail
    them with a 500)."""
    if request.endpoint != DISPATCH_PATH or request.method != "POST":
        return None
    try:
        if not request.is_json:
            raise Refusal("http_not_json", status=415)
        try:
            json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError):
            raise Refusal("http_bad_json") from None
    except Refusal as refused:
        return _refused(refused)
    return None


def _envelope_problem() -> Refusal | None:
    """Why the body of this callback request cannot be dispatched, if it cannot."""
    try:
        check_callback_body(json.loads(request.get_data(cache=True)),
                            current_app.extensions[EXTENSION]["dash"].callback_map)
    except Refusal as refused:
        return refused
    except (ValueError, RecursionError):
        return Refusal("http_bad_json")
    return None


def _where(exc: BaseException) -> str:
    """The innermost frame of ``exc`` in this project (else the innermost), as path:line."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(PROJECT_ROOT))
            and "/.venv/" not in f.filename] or frames
    if not ours:
        return "?"
    frame = ours[-1]
    name = frame.filename.removeprefix(str(PROJECT_ROOT) + "/")
    return f"{name}:{frame.lineno}"


def _dispatch_safety_net(view: Callable[..., Any]) -> Callable[..., Any]:
    """Dash's dispatch, behind the envelope's check (after the sign-in guard let the
    request through), with a callback's failure on the request's values answered 400."""

    @functools.wraps(view)
    def dispatch(*args: Any, **kwargs: Any) -> Any:
        problem = _envelope_problem()
        if problem is not None:
            return _refused(problem)
        try:
            return view(*args, **kwargs)
        except PreventUpdate:  # one of Dash's CallbackExceptions: "nothing to change", 204
            raise
        except HOSTILE_VALUE_ERRORS as exc:
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            log.warning("callback %s refused the values sent by %s: %s at %s: %s",
                        _quote(output), request.remote_addr, type(exc).__name__,
                        _where(exc), _quote(exc))
            return Refusal("http_value_refused", error=type(exc).__name__).response()

    return dispatch


def _suites_not_found(view: Callable[..., Any]) -> Callable[..., Any]:
    """Dash's component-suite files, with an unknown package or file answered 404."""

    @functools.wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except (DependencyException, LookupError, OSError, ValueError):
            raise NotFound() from None

    return serve


def _too_large(_error: RequestEntityTooLarge) -> Response:
    settings: Settings = current_app.extensions[EXTENSION]["settings"]
    return Refusal("http_too_large", status=413, limit=settings.max_request_mb).response()


def content_security_policy(app: Dash) -> str:
    """The CSP of ``app``: scripts from this server, and Dash's own inline scripts (its
    renderer's start and the clientside callbacks) by their hashes."""
    return CSP.format(scripts=" ".join(app.csp_hashes()))


def _security_headers(response: Response) -> Response:
    """``after_request``: the security headers, on every response."""
    state = current_app.extensions[EXTENSION]
    if state.get("csp") is None:  # every callback is registered by the first request
        state["csp"] = content_security_policy(state["dash"])
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", state["csp"])
    return response


def init_app(app: Dash, settings: Settings) -> None:
    """Put the checks, the safety nets, the headers and the body limit on ``app``'s server.
    Call it before :func:`dashboard.auth.init_app`, so a body that is not JSON is refused
    before the sign-in guard reads it; the envelope is checked after the guard (which
    refuses the signed-out and a wall's token first), just before Dash's dispatch."""
    server: Flask = app.server
    server.config.update(MAX_CONTENT_LENGTH=settings.max_request_mb * 1024 * 1024,
                         SESSION_COOKIE_SECURE=settings.secure_cookies)
    server.extensions[EXTENSION] = {"dash": app, "settings": settings, "csp": None}
    server.before_request(_check_callback_json)
    server.after_request(_security_headers)
    server.register_error_handler(RequestEntityTooLarge, _too_large)
    for rule in server.url_map.iter_rules():
        if rule.endpoint == DISPATCH_PATH:
            server.view_functions[rule.endpoint] = _dispatch_safety_net(
                server.view_functions[rule.endpoint])
        elif rule.rule.startswith(SUITES_PREFIX):
            server.view_functions[rule.endpoint] = _suites_not_found(
                server.view_functions[rule.endpoint])


# --- the server ------------------------------------------------------------------------------

#: Open files kept for the store, logs and PDFs, beyond the connections.
_SPARE_FILES = 64


def _open_file_limit() -> int:
    """Raise this process' soft limit of open files to its hard limit (as far as allowed)
    and return it; every connection holds one."""
    if resource is None:  # not on this system: leave waitress' own default
        return 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def server_options(settings: Settings, open_files: int | None = None) -> dict[str, object]:
    """waitress' options for ``settings``: threads, a connection limit well above the
    walls and consoles a centre runs (held under the open-file limit, ``open_files``,
    default this process' after raising it), idle connections closed after
    ``idle_timeout`` seconds and looked for every few seconds, a deep backlog, poll()
    instead of select() (which cannot watch more than 1,024 sockets), the body limit, and
    the proxy's headers dropped unless a proxy is trusted (``proxy_hops``)."""
    open_files = _open_file_limit() if open_files is None else open_files
    limit = max(10, min(settings.connection_limit, open_files - _SPARE_FILES))
    return {
        "threads": settings.server_threads,
        "connection_limit": limit,
        "channel_timeout": settings.idle_timeout,
        "cleanup_interval": max(1, min(5, math.ceil(settings.idle_timeout / 3))),
        "backlog": 2048,
        "asyncore_use_poll": True,
        # waitress cuts off what the app would refuse anyway, before buffering it whole: the
        # largest of any path here, narrowed per path by :func:`_channel_class`
        "max_request_body_size": _body_limits(settings)[1],
        "ident": "dashboard",
        # waitress drops X-Forwarded-* itself unless told: behind a proxy
        # (``proxy_hops``) they are left for :func:`dashboard.own_address.trust_proxies`
        "clear_untrusted_proxy_headers": not settings.proxy_hops,
    }


#: Paths whose body may be as large as ``Settings.intake_max_mb`` (the Open311 door, with
#: photos); every other path keeps ``Settings.max_request_mb``.
INTAKE_PREFIX = "/open311/"


def _body_limits(settings: Settings) -> tuple[int, int]:
    """The bodies waitress takes (bytes): (every path's, the intake's), with room for the
    envelope of a multipart body."""
    narrow = settings.max_request_mb * 1024 * 1024 + 65536
    return narrow, max(narrow, settings.intake_max_mb * 1024 * 1024 + 65536)


def _channel_class(settings: Settings) -> type[HTTPChannel]:
    """waitress' channel whose request parser refuses (413, from the headers, before
    buffering the body) a body over ``max_request_mb`` on every path but
    :data:`INTAKE_PREFIX`'s, which may send up to ``intake_max_mb``."""
    narrow, _wide = _body_limits(settings)
    narrowed: dict[int, Any] = {}

    class Parser(HTTPRequestParser):
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if not self.path.startswith(INTAKE_PREFIX):
                adj = narrowed.get(id(self.adj))
                if adj is None:  # one narrowed copy of the server's adjustments
                    adj = copy.copy(self.adj)
                    adj.max_request_body_size = narrow
                    narrowed[id(self.adj)] = adj
                self.adj = adj

    class Channel(HTTPChannel):
        parser_class = Parser

    return Channel


def _capped_channels(per_client: int, channel_class: type[HTTPChannel] = HTTPChannel
                     ) -> Callable[..., Any]:
    """waitress' channel maker, refusing (closing at once) a connection from an address
    that already holds ``per_client`` open: one machine cannot fill the server."""
    refused = {"count": 0, "logged": 0.0}

    def make(server: Any, conn: Any, addr: Any, adj: Any, map: Any = None) -> Any:
        host = addr[0] if isinstance(addr, tuple) else addr
        held = sum(1 for channel in list(server.active_channels.values())
                   if isinstance(channel.addr, tuple) and channel.addr[0] == host)
        if held >= per_client:
            conn.close()
            refused["count"] += 1
            now = time.monotonic()
            if now - refused["logged"] > 60:  # one line a minute at most, however many
                refused["logged"] = now
                log.warning("closed %d connections over the limit of %d per client "
                            "(the latest from %s)", refused["count"], per_client, host)
                refused["count"] = 0
            return None
        return channel_class(server, conn, addr, adj, map=map)

    return make


def make_server(app: Dash, host: str, port: int, settings: Settings) -> Any:
    """A waitress server for ``app`` on ``host``:``port`` with :func:`server_options`, and
    at most ``settings.connections_per_client`` open connections from one address (0: no
    cap; none behind a proxy, ``proxy_hops``, whose connections all come from one address),
    whose body limit is per path (:func:`_channel_class`). Start it with ``.run()``."""
    server = create_server(app.server, host=host, port=port, **server_options(settings))
    make = _channel_class(settings)
    # behind a proxy every connection is the proxy's: the proxy caps each browser instead
    if settings.connections_per_client and not settings.proxy_hops:
        make = _capped_channels(settings.connections_per_client, make)
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        d for d in server.map.values() if isinstance(d, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = make
    return server
