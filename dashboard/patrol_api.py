"""The patrol feed from officers' phones, on the dashboard's own server:

* ``POST /api/patrols`` with ``{"action": "start"}`` (optional ``at``; ``lon`` and ``lat``
  for an officer with no home grid; an ``Idempotency-Key`` header makes a retry return the
  same patrol) or ``{"action": "stop", "patrol_id": N}`` (optional ``at``): 201 for a new
  patrol, 200 for one returned as it was;
* ``POST /api/patrols/ID/points`` with ``{"points": [{"at", "lon", "lat", "accuracy_m"?},
  ...]}``: a batch of timed fixes, taken whole or refused whole (200).

The rules of the patrol itself (whose, one open patrol, times, duplicates, late fixes) are
:mod:`data.field.live`'s. Each request is checked in this order, every refusal in the
Open311 door's error format (:class:`dashboard.open311.ApiError`: ``[{"code": STATUS,
"description": "field: detail"}]``, a bad field's entries also naming ``field`` and
``problem``) and one audit row per refusal (identical ones of a writer within a minute
share it):

1. the size, from ``Content-Length`` before a byte is read: 413 past this route's limit
   (``Settings.patrol_batch_max`` fixes of up to :data:`BYTES_PER_FIX` bytes, never more
   than ``Settings.max_request_mb``), 411 for a chunked body of unknown length;
2. the type: ``application/json`` and a JSON object, else 415 (a body that is not JSON, or
   not an object: 400);
3. the API key: ``X-Api-Key``, ``Authorization: Bearer KEY``, ``api_key`` in the address or
   in the body. Missing, unknown or revoked, a key that names no officer (``api-key add
   NAME --officer CODE``) or an officer the roster lists as inactive: 403. Past the key's
   rate (``rate_per_minute``, else ``Settings.intake_rate_per_minute``): 429 with
   ``Retry-After``;
4. the request: 400 naming every problem; 413 for a batch of more than
   ``Settings.patrol_batch_max`` fixes (before anything is written); 404 for a patrol that
   is not this officer's (another's and a missing one alike).

Every write is audited (``patrol_started``, ``patrol_stopped``, ``patrol_points``, actor
``key:NAME`` of kind ``api_key``). A store that is down answers 503; no input makes a 500.
Answers are UTF-8 JSON; times in them carry the deployment's offset.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Callable

from dash import Dash
from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import audit_hooks, services, shared_state
from dashboard.open311 import (
    IDEMPOTENCY_HEADER, KEY_HEADER, ApiError, check_length, json_response, quoted,
)
from dashboard.shared_state import SharedUnavailable
from data import audit, store
from data.field import live
from data.intake import keys

log = logging.getLogger("dashboard.patrol_api")

BASE = "/api/patrols"
EXTENSION = "grid_dashboard_patrol_api"
#: The endpoints, which :data:`dashboard.auth.SELF_GUARDED` lets through to check the key.
ENDPOINTS = ("patrol_api_patrols", "patrol_api_points", "patrol_api_elsewhere")
JSON_BODY = "application/json"
#: The room one fix may take in a body (``{"at": "...", "lon": ..., "lat": ...,
#: "accuracy_m": ...}`` is about 100 bytes; pretty-printed, 150).
BYTES_PER_FIX = 512
#: The room of everything but the fixes.
BODY_SLACK = 64 * 1024
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ProblemsError(ApiError):
    """A 400 naming every problem: ``description`` as the Open311 door words it
    (``points[3].at: detail``), plus ``field`` and ``problem`` (a stable code)."""

    def __init__(self, problems: tuple[live.Problem, ...]) -> None:
        super().__init__(400, *(f"{p.where}: {p.detail}" for p in problems))
        self.problems = problems

    def response(self) -> Response:
        return json_response([{"code": 400, "description": f"{p.where}: {p.detail}",
                               "field": p.where, "problem": p.code} for p in self.problems],
                             400)


# --- the request ------------------------------------------------------------------------------

def body_limit() -> int:
    """The largest body these routes read, in bytes."""
    settings = services.settings()
    return min(settings.max_request_mb * 1024 * 1024,
               BODY_SLACK + settings.patrol_batch_max * BYTES_PER_FIX)


def _json_body() -> dict:
    """The body: a JSON object (415 for another type, 400 for bad JSON)."""
    kind = request.mimetype
    if kind != JSON_BODY:
        raise ApiError(415, f"Content-Type: {quoted(kind) if kind else 'none'}; send "
                            f"{JSON_BODY}")
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise ApiError(400, "body: not valid JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object of named fields")
    return body


def _presented_key(body: dict) -> object:
    """The key: ``X-Api-Key``, ``Authorization: Bearer``, ``api_key`` of the address, of
    the body."""
    bearer = request.headers.get("Authorization", "")
    scheme, _, token = bearer.partition(" ")
    for value in (request.headers.get(KEY_HEADER),
                  token.strip() if scheme.lower() == "bearer" else None,
                  request.args.get("api_key"), body.get("api_key")):
        if value is not None:
            return value
    return None


def _officer_key(body: dict) -> keys.KeyInfo:
    """The key's facts when it may record patrols; 403 or 429 otherwise."""
    token = _presented_key(body)
    if token is None:
        raise ApiError(403, f"api_key: required (the {KEY_HEADER} header, Authorization: "
                            "Bearer, or api_key)")
    engine = services.engine()
    info = keys.check_key(engine, token)
    if info is None:
        raise ApiError(403, "api_key: unknown or revoked key")
    g.patrol_api_key = info
    if info.officer_id is None:
        raise ApiError(403, "api_key: this key names no officer; patrols are recorded with "
                            "an officer's key (api-key add NAME --officer CODE)")
    with engine.connect() as conn:
        active = live.officer_active(conn, info.officer_id)
    if not active:
        raise ApiError(403, f"officer: {quoted(info.officer_code)} is not active on the "
                            "roster")
    per_minute = info.rate_per_minute or services.settings().intake_rate_per_minute
    wait = current_app.extensions[EXTENSION]["limiter"].check(info.id, per_minute)
    if wait:
        raise ApiError(429, f"api_key: more than {per_minute} requests a minute; try again "
                            f"in {wait} s", headers={"Retry-After": str(wait)})
    return info


def _who(info: keys.KeyInfo) -> audit.Who:
    return audit.Who(f"key:{info.name}", audit.API_KEY, request.remote_addr)


def _read(limit: int | None = None) -> tuple[dict, keys.KeyInfo]:
    """The body and the officer's key, checked in the module's order."""
    limit = limit or body_limit()
    request.max_content_length = limit
    check_length(limit, f"this address's limit of {limit} bytes")
    body = _json_body()
    return body, _officer_key(body)


# --- the answers --------------------------------------------------------------------------------

def _time(moment: datetime | None, tz) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(timespec="seconds")


def _timezone():
    with services.engine().connect() as conn:
        return store.deployment_timezone(conn)


def _patrol_answer(state: live.PatrolState) -> dict[str, Any]:
    tz = _timezone()
    return {"patrol_id": state.id, "result": state.result,
            "state": "open" if state.open else "stopped", "region": state.region_code,
            "started_at": _time(state.started_at, tz), "ended_at": _time(state.ended_at, tz),
            "fixes": state.fixes, "closed_patrol_id": state.closed_patrol_id}


def _points_answer(result: live.PointsResult) -> dict[str, Any]:
    tz = _timezone()
    return {"patrol_id": result.patrol_id, "received": result.received,
            "added": result.added, "duplicates": result.duplicates,
            "out_of_order": result.out_of_order, "fixes": result.fixes,
            "first_at": _time(result.first_at, tz), "last_at": _time(result.last_at, tz)}


def _refusal(error: live.LiveError) -> ApiError:
    """What the caller hears of a refusal of :mod:`data.field.live`."""
    if isinstance(error, live.Refused):
        return ProblemsError(error.problems)
    if isinstance(error, live.PatrolNotFound):
        return ApiError(404, f"patrol_id: no patrol {quoted(error.patrol_id)} of yours")
    if isinstance(error, live.BatchTooLarge):
        return ApiError(413, f"points: {error.count} fixes; a batch carries at most "
                             f"{error.maximum}")
    if isinstance(error, live.OfficerRefused):
        return ApiError(403, "officer: not active on the roster")
    return ApiError(400, f"request: {quoted(error)}")


# --- the routes -------------------------------------------------------------------------------

def _patrols() -> Response:
    """``POST /api/patrols``: start or stop a patrol."""
    body, info = _read(BODY_SLACK)
    settings = services.settings()
    action = body.get("action")
    try:
        if action == "start":
            state = live.start_patrol(
                services.engine(), info.officer_id, at=body.get("at"),
                client_key=request.headers.get(IDEMPOTENCY_HEADER), lon=body.get("lon"),
                lat=body.get("lat"), gap_minutes=settings.patrol_gap_minutes,
                who=_who(info))
            return json_response(_patrol_answer(state),
                                 201 if state.result == live.STARTED else 200)
        if action == "stop":
            patrol_id = body.get("patrol_id")
            if isinstance(patrol_id, bool) or not isinstance(patrol_id, int):
                raise ApiError(400, "patrol_id: required to stop, a whole number")
            state = live.stop_patrol(services.engine(), info.officer_id, patrol_id,
                                     at=body.get("at"), who=_who(info))
            return json_response(_patrol_answer(state))
    except live.LiveError as error:
        raise _refusal(error) from None
    raise ApiError(400, f"action: {quoted(action)}; expected \"start\" or \"stop\"")


def _points(patrol_id: int) -> Response:
    """``POST /api/patrols/ID/points``: a batch of fixes."""
    body, info = _read()
    settings = services.settings()
    if "points" not in body:
        raise ApiError(400, "points: required, a list of fixes")
    try:
        result = live.add_points(services.engine(), info.officer_id, patrol_id, body["points"],
                                 max_points=settings.patrol_batch_max,
                                 gap_minutes=settings.patrol_gap_minutes, who=_who(info))
    except live.LiveError as error:
        raise _refusal(error) from None
    return json_response(_points_answer(result))


def _elsewhere(rest: str = "") -> Response:
    raise ApiError(404, f"path: no such address under {BASE}; use {BASE} or "
                        f"{BASE}/ID/points")


# --- plumbing ---------------------------------------------------------------------------------

def _post_only(view: Callable[..., Response]) -> Callable[..., Response]:
    def only(**kwargs: Any) -> Response:
        if request.method != "POST":
            raise ApiError(405, f"method: {request.method} is not allowed here; use POST",
                           headers={"Allow": "POST"})
        return view(**kwargs)

    only.__name__ = view.__name__
    return only


def _answering(view: Callable[..., Response]) -> Callable[..., Response]:
    """``view`` with every refusal answered in the Open311 error format and audited, and
    a store that is down answered 503 (never a 500)."""

    def answer(**kwargs: Any) -> Response:
        try:
            return view(**kwargs)
        except SharedUnavailable as exc:  # the shared rate limits: fail closed
            log.warning("patrol api: %s", quoted(exc))
            return ApiError(503, "limits: the shared rate limits are not available; try "
                                 "again later", headers={"Retry-After": "30"}).response()
        except ApiError as error:
            if error.status not in (404, 405) or request.method == "POST":
                _audit_refusal(error)
            return error.response()
        except (SQLAlchemyError, store.StoreError) as exc:
            log.warning("patrol api: the store failed on %s %s: %s", request.method,
                        quoted(request.path), quoted(exc))
            return ApiError(503, "store: the patrol store is not available; try again later",
                            headers={"Retry-After": "30"}).response()

    answer.__name__ = view.__name__
    return answer


def _audit_refusal(error: ApiError) -> None:
    """One audit row for a refused request (never the key itself)."""
    info = g.get("patrol_api_key")
    who = _who(info) if info else audit.Who("-", audit.ANONYMOUS, request.remote_addr)
    audit_hooks.refused_write(
        who, f"patrol_api_{error.status}", region=info.region_code if info else None,
        detail={"status": error.status, "why": [quoted(d) for d in error.descriptions[:10]]})


def init_app(app: Dash) -> None:
    """Serve the patrol feed on ``app``'s server (``create_app`` calls it)."""
    server: Flask = app.server
    settings = server.extensions[services.EXTENSION]["settings"]
    server.extensions[EXTENSION] = {"limiter": shared_state.of(settings).key_limiter()}
    routes = ((BASE, _post_only(_patrols)), (BASE + "/<int:patrol_id>/points",
                                             _post_only(_points)),
              (BASE + "/<path:rest>", _elsewhere))
    for (rule, view), endpoint in zip(routes, ENDPOINTS):
        server.add_url_rule(rule, endpoint, _answering(view), methods=_ALL_METHODS)
