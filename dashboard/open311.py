"""The Open311 GeoReport v2 door: ``/open311/v2/...`` on the dashboard's own server.

* ``GET discovery.json``, ``GET services.json``, ``GET services/CODE.json``,
  ``GET requests.json`` (``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``; ``jurisdiction_id`` is accepted and ignored) and
  ``GET requests/ID.json``: public, no sign-in, public fields only
  (:mod:`data.intake.open311` says which).
* ``POST requests.json``: a new case, with an API key (``api_key`` in the body or the
  address, or the ``X-Api-Key`` header). See :mod:`dashboard.open311_post`.

JSON only: an ``.xml`` address is answered 400 saying so. Every error is the spec's list
``[{"code": STATUS, "description": "..."}]``: 400 for a bad filter or field (one entry per
problem, ``field: detail``), 403 for a missing, unknown or revoked key, 404 for an unknown
service, request or address, 405 for a method the address does not take, 503 when the
store is down. No input makes a 500.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

from dash import Dash
from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import services
from data import store
from data.intake import open311 as georeport
from data.intake.fields import IntakeRefused

log = logging.getLogger("dashboard.open311")

PREFIX = "/open311/"
BASE = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
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
        answer = jsonify([{"code": self.status, "description": d} for d in self.descriptions])
        answer.status_code = self.status
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
    answer = jsonify(body)
    answer.status_code = status
    return answer


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

def _create() -> Response:
    raise ApiError(403, "api_key: this server takes no new requests yet")


# --- plumbing ------------------------------------------------------------------------------------


def _answering(view: Callable[..., Response]) -> Callable[..., Response]:
    """``view`` with every :class:`ApiError` answered in the spec's format and a store
    that is down answered 503 (never a 500)."""

    def answer(**kwargs: str) -> Response:
        try:
            return view(**kwargs)
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
    for rule, name, view in _ROUTES:
        server.add_url_rule(BASE + rule, f"open311_{name}", _answering(view),
                            methods=_ALL_METHODS)
    server.add_url_rule("/open311/<path:rest>", "open311_outside", _answering(_elsewhere),
                        methods=_ALL_METHODS)

