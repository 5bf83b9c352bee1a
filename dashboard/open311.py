"""The Open311 GeoReport v2 door: ``/open311/v2/...`` on the dashboard's own server.

* ``GET discovery.json``, ``GET services.json``, ``GET services/CODE.json``,
  ``GET requests.json`` (``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``; ``jurisdiction_id`` is accepted and ignored) and
  ``GET requests/ID.json``: public, no sign-in, public fields only
  (:mod:`data.intake.open311` says which).
* ``POST requests.json``: a new case. Checked in this order, each refusal in the spec's
  error format and one audit row (:func:`_audit_refusal`):

  1. the size, from ``Content-Length`` before a byte is read: 413 past
     ``Settings.intake_max_mb`` (this route's own limit; every other one keeps
     ``max_request_mb``), 411 for a chunked body of unknown length;
  2. the type: ``application/x-www-form-urlencoded``, ``application/json`` (an object) or
     ``multipart/form-data`` (up to 3 image files named ``media``; other file fields are
     ignored), else 415; a body that cannot be read as its type says (bad JSON, a
     truncated multipart) is a 400;
  3. the API key (:mod:`data.intake.keys`): the ``X-Api-Key`` header, else ``api_key`` in
     the address, else in the body; missing, unknown or revoked: 403. Past the key's rate
     (:class:`dashboard.intake_limits.KeyRateLimiter`): 429 with ``Retry-After``;
  4. ``Idempotency-Key`` (1 to 128 printable ASCII characters, else 400): a retry with
     the same key returns the first case (200) and never makes a second (201 the first
     time);
  5. the fields (:func:`data.intake.open311.to_new_case_values`, then
     :func:`data.intake.fields.parse_new_case`) and photos (:func:`data.intake.media.
     prepare`): a 400 naming every problem, in the caller's field names. ``email``,
     ``device_id``, ``account_id``, ``jurisdiction_id``, ``media_url``, ``attribute[...]``
     and other unknown fields are ignored (but must be text).

  The case is made by :func:`data.intake.create.create_case` through the Open311 door: the
  key's source channel, its region (it may file there only), its officer, the deployment's
  duplicate radius and window and media folder. The answer is the spec's
  ``[{"service_request_id", "service_notice", "account_id", "token"}]``.

JSON only: an ``.xml`` address is answered 400 saying so. Every error is the spec's list
``[{"code": STATUS, "description": "..."}]``: 400 for a bad filter or field (one entry per
problem, ``field: detail``), 403 for a missing, unknown or revoked key, 404 for an unknown
service, request or address, 405 for a method the address does not take, 503 when the
store is down. No input makes a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Callable, Iterable, Mapping

from dash import Dash
from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dashboard import audit_hooks, services, shared_state
from dashboard.shared_state import SharedUnavailable
from data import audit, schema, store
from data.intake import keys, media
from data.intake import open311 as georeport
from data.intake.create import Created, Door, create_case, service_problem
from data.intake.fields import IntakeRefused, NewCase, Problem, parse_new_case

log = logging.getLogger("dashboard.open311")

BASE = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
EXTENSION = "grid_dashboard_open311"
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: The longest piece of a request quoted back in an error.
_QUOTE = 60


class ApiError(Exception):
    """An answer in the spec's error format: ``status`` and one description per entry."""

    def __init__(self, status: int, *descriptions: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(descriptions[0] if descriptions else str(status))
        self.status = status
        self.descriptions = descriptions or (str(status),)
        self.headers = headers or {}

    def response(self) -> Response:
        answer = json_response([{"code": self.status, "description": d}
                                for d in self.descriptions], self.status)
        answer.headers.update(self.headers)
        return answer


def quoted(text: object) -> str:
    """``text`` short and on one line, fit to quote back to the caller."""
    text = str(text).replace("\x00", "\\0").replace("\n", " ").replace("\r", " ")
    return text if len(text) <= _QUOTE else text[:_QUOTE] + "..."


def problems_error(refused: IntakeRefused, rename: Callable[[str], str] = str) -> ApiError:
    """A 400 naming every problem of ``refused`` as ``field: detail``, the field in the
    caller's words (``rename``)."""
    return ApiError(400, *(f"{rename(p.field)}: {p.detail}" for p in refused.problems))


def json_response(body: object, status: int = 200) -> Response:
    """``body`` as UTF-8 JSON (Chinese as it is, not ``\\uXXXX``: a hotline system's
    log stays readable)."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    status=status, mimetype="application/json")


def _json_only(name: str, what: str) -> str:
    """``name`` without ``.json``; any other format is refused, a bare name is 404."""
    if name.endswith(".json"):
        return name[:-len(".json")]
    if name.endswith(".xml"):
        raise ApiError(400, "format: only JSON is served here; ask for "
                            f"{quoted(name[:-len('.xml')])}.json")
    raise ApiError(404, f"{what}: no such address under {BASE}; add .json")


def _methods(*allowed: str) -> None:
    if request.method not in allowed and not (request.method == "HEAD" and "GET" in allowed):
        raise ApiError(405, f"method: {request.method} is not allowed here; use "
                            f"{' or '.join(allowed)}", headers={"Allow": ", ".join(allowed)})


# --- reads ---------------------------------------------------------------------------------------

def _discovery() -> Response:
    _methods("GET")
    return json_response({
        "changeset": None, "contact": "", "key_service": "python -m dashboard api-key add",
        "endpoints": [{"specification": SPECIFICATION, "url": BASE, "changeset": None,
                       "type": "production", "formats": ["application/json"]}]})


def _services() -> Response:
    _methods("GET")
    with services.engine().connect() as conn:
        return json_response(georeport.services(conn))


def _service(name: str) -> Response:
    code = _json_only(name, "service")
    _methods("GET")
    with services.engine().connect() as conn:
        found = georeport.service(conn, code)
    if found is None:
        raise ApiError(404, f"service_code: no service {quoted(code)!r}")
    return json_response(found)


def _one_arg(name: str) -> str | None:
    """The query argument ``name`` (its first value), None when absent."""
    values = request.args.getlist(name)
    return values[0] if values else None


def _list_requests() -> Response:
    with services.engine().connect() as conn:
        try:
            found = georeport.requests(
                conn, ids=_one_arg("service_request_id"),
                service_codes=_one_arg("service_code"), start=_one_arg("start_date"),
                end=_one_arg("end_date"), status=_one_arg("status"), now=store.utcnow())
        except IntakeRefused as refused:
            raise problems_error(refused) from None
    return json_response(found)


def _request(name: str) -> Response:
    code = _json_only(name, "service_request_id")
    _methods("GET")
    with services.engine().connect() as conn:
        found = georeport.request(conn, code)
    if found is None:
        raise ApiError(404, f"service_request_id: no request {quoted(code)!r}")
    return json_response([found])


def _requests() -> Response:
    _methods("GET", "POST")
    if request.method == "POST":
        return _create()
    return _list_requests()


def _elsewhere(rest: str = "") -> Response:
    if rest.endswith(".xml"):
        raise ApiError(400, "format: only JSON is served here")
    raise ApiError(404, f"path: no such address under {BASE}")


# --- writes ---------------------------------------------------------------------------------------

#: The body types ``POST requests.json`` takes.
FORM, JSON_BODY, MULTIPART = ("application/x-www-form-urlencoded", "application/json",
                              "multipart/form-data")
KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_MAX = 128
_MIB = 1024 * 1024


def _body_limit() -> int:
    """The largest body this door reads: ``Settings.intake_max_mb``."""
    return services.settings().intake_max_mb * _MIB


def check_length(limit: int, limit_words: str) -> None:
    """Refuse an oversized body from its ``Content-Length``, before reading a byte of
    it: 413 past ``limit`` (``limit_words`` says which limit, e.g. "this server's limit of
    16 MB"), 411 for a body of unknown length (chunked). The patrol feed shares it."""
    raw = request.headers.get("Content-Length")
    if raw is None:
        if request.headers.get("Transfer-Encoding"):
            raise ApiError(411, "Content-Length: a body needs its length up front")
        return
    if not raw.strip().isdigit():
        raise ApiError(400, f"Content-Length: not a number ({quoted(raw)})")
    if int(raw) > limit:
        raise ApiError(413, f"body: {int(raw)} bytes is over {limit_words}")


def _json_object() -> dict:
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise ApiError(400, "body: not valid JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object of named fields")
    return body


def _uploads() -> list[media.Upload]:
    """The files sent as ``media`` (other file fields are ignored), each read up to one
    byte past :data:`data.intake.media.MAX_BYTES` (enough to refuse it). A part with
    neither a file name nor a byte is a form's empty file input: no file."""
    found = []
    for storage in request.files.getlist(media.FIELD):
        data = storage.stream.read(media.MAX_BYTES + 1)
        if data or storage.filename:
            found.append(media.Upload(name=storage.filename or "", data=data))
    return found


def _read_body() -> tuple[Mapping, list[media.Upload]]:
    """The fields and files of the body (its type checked first: 415)."""
    kind = request.mimetype
    if kind not in (FORM, JSON_BODY, MULTIPART):
        shown = quoted(kind) if kind else "none"
        raise ApiError(415, f"Content-Type: {shown}; send {FORM}, {JSON_BODY} or {MULTIPART}")
    try:
        if kind == JSON_BODY:
            return _json_object(), []
        form = request.form
        return form, (_uploads() if kind == MULTIPART else [])
    except RequestEntityTooLarge:
        raise ApiError(413, f"body: over this server's limit of {_body_limit() // _MIB} MB "
                            "(or a form field too large)") from None
    except (ValueError, HTTPException, OSError, EOFError):
        raise ApiError(400, f"body: not a readable {kind} body") from None


def _presented_key(form: Mapping) -> object:
    """The API key: the ``X-Api-Key`` header, else ``api_key`` of the address, else of
    the body."""
    for value in (request.headers.get(KEY_HEADER), request.args.get("api_key"),
                  form.get("api_key")):
        if value is not None:
            return value
    return None


def _writer(form: Mapping) -> keys.KeyInfo:
    """The key's facts; 403 for none, an unknown or a revoked key; 429 past its rate."""
    token = _presented_key(form)
    if token is None:
        raise ApiError(403, f"api_key: required (the api_key field or the {KEY_HEADER} "
                            "header)")
    info = keys.check_key(services.engine(), token)
    if info is None:
        raise ApiError(403, "api_key: unknown or revoked key")
    g.open311_key = info
    per_minute = info.rate_per_minute or services.settings().intake_rate_per_minute
    wait = _state()["limiter"].check(info.id, per_minute)
    if wait:
        raise ApiError(429, f"api_key: more than {per_minute} requests a minute; try again "
                            f"in {wait} s", headers={"Retry-After": str(wait)})
    return info


def _idempotency_key() -> str | None:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not 0 < len(value) <= IDEMPOTENCY_MAX or not all(" " <= c <= "~" for c in value):
        raise ApiError(400, f"{IDEMPOTENCY_HEADER}: 1 to {IDEMPOTENCY_MAX} printable "
                            "ASCII characters")
    return value


def _new_case(form: Mapping, uploads: list[media.Upload]) -> tuple[NewCase, list]:
    """The case and photos the request describes; every problem at once (400)."""
    problems: list[Problem] = []
    new = photos = None
    try:
        values = georeport.to_new_case_values(form)
    except IntakeRefused as refused:
        problems += refused.problems
        values = {}
    try:
        new = parse_new_case(values)
    except IntakeRefused as refused:
        problems += [p._replace(field=georeport.field_name(p.field, form))
                     for p in refused.problems]
        with services.engine().connect() as conn:  # named now too, not after a retry
            unknown = service_problem(conn, values)
        if unknown is not None:
            problems.append(unknown)
    try:
        photos = media.prepare(uploads)
    except IntakeRefused as refused:
        problems += refused.problems
    if problems:
        raise problems_error(IntakeRefused(problems))
    return new, photos


def _notice(created: Created) -> str:
    """What the caller is told: received, and by when it is expected to be handled."""
    if created.due_at is None:
        return "received"
    with services.engine().connect() as conn:
        tz = store.deployment_timezone(conn)
    return f"received; expected by {georeport.w3c(created.due_at, tz)}"


def _file_request() -> Response:
    limit = _body_limit()
    request.max_content_length = limit  # this route's own limit, not max_request_mb
    check_length(limit, f"this server's limit of {limit // _MIB} MB")
    form, uploads = _read_body()
    writer = _writer(form)
    idempotency_key = _idempotency_key()
    new, photos = _new_case(form, uploads)
    settings = services.settings()
    door = Door(kind=schema.OPEN311, source=writer.source, actor=f"key:{writer.name}",
                region_id=writer.region_id, api_key_id=writer.id,
                officer_id=writer.officer_id, user_name=None)
    try:
        created = create_case(services.engine(), new, door, idempotency_key=idempotency_key,
                              photos=photos, media_dir=settings.media_path(),
                              radius_m=settings.duplicate_radius_m,
                              hours=settings.duplicate_hours,
                              audit=audit.Who(door.actor, audit.API_KEY, request.remote_addr))
    except IntakeRefused as refused:
        raise problems_error(refused, lambda f: georeport.field_name(f, form)) from None
    except OSError as exc:  # the media folder cannot be written: nothing was kept
        log.warning("open311: could not keep the photos of a new case: %s", quoted(exc))
        raise ApiError(503, "media: the photo store is not available; try again later",
                       headers={"Retry-After": "30"}) from None
    body = [{"service_request_id": created.code, "service_notice": _notice(created),
             "account_id": None, "token": None}]
    return json_response(body, 200 if created.replayed else 201)


def _create() -> Response:
    """``POST requests.json``: a new case through the Open311 door (see the module)."""
    try:
        return _file_request()
    except ApiError as error:
        _audit_refusal(error)
        raise


def _audit_refusal(error: ApiError) -> None:
    """One audit row for a refused write (:func:`dashboard.audit_hooks.refused_write`:
    identical ones of a writer within a minute share it). Never the key itself."""
    info = g.get("open311_key")
    who = audit.Who(f"key:{info.name}", audit.API_KEY, request.remote_addr) if info else \
        audit.Who("-", audit.ANONYMOUS, request.remote_addr)
    audit_hooks.refused_write(
        who, f"open311_{error.status}", region=info.region_code if info else None,
        detail={"status": error.status, "why": [quoted(d) for d in error.descriptions[:10]]})


def _state() -> dict:
    return current_app.extensions[EXTENSION]


# --- plumbing ------------------------------------------------------------------------------------


def _answering(view: Callable[..., Response]) -> Callable[..., Response]:
    """``view`` with every :class:`ApiError` answered in the spec's format and a store
    that is down answered 503 (never a 500)."""

    def answer(**kwargs: str) -> Response:
        try:
            return view(**kwargs)
        except SharedUnavailable as exc:  # the shared rate limits: fail closed
            log.warning("open311: %s", quoted(exc))
            return ApiError(503, "limits: the shared rate limits are not available; try "
                                 "again later", headers={"Retry-After": "30"}).response()
        except ApiError as error:
            return error.response()
        except SQLAlchemyError as exc:
            log.warning("open311: the store failed on %s %s: %s", request.method,
                        quoted(request.path), quoted(exc))
            return ApiError(503, "store: the case store is not available; try again later",
                            headers={"Retry-After": "30"}).response()

    answer.__name__ = view.__name__
    return answer


_ROUTES: Iterable[tuple[str, str, Callable[..., Response]]] = (
    ("/discovery.json", "discovery", _discovery),
    ("/services.json", "services", _services),
    ("/services/<path:name>", "service", _service),
    ("/requests.json", "requests", _requests),
    ("/requests/<path:name>", "request", _request),
    ("/<path:rest>", "elsewhere", _elsewhere),
)


def init_app(app: Dash) -> None:
    """Serve the GeoReport v2 routes on ``app``'s server (``create_app`` calls it)."""
    server: Flask = app.server
    settings = server.extensions[services.EXTENSION]["settings"]
    server.extensions[EXTENSION] = {"limiter": shared_state.of(settings).key_limiter()}
    for rule, name, view in _ROUTES:
        server.add_url_rule(BASE + rule, f"open311_{name}", _answering(view),
                            methods=_ALL_METHODS)
    server.add_url_rule("/open311/<path:rest>", "open311_outside", _answering(_elsewhere),
                        methods=_ALL_METHODS)

