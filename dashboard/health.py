"""``GET /healthz``: is this worker able to serve, and how fresh is its data?

A load balancer or a monitor asks it without signing in (:data:`dashboard.auth.PUBLIC_PATHS`
lets it through). The answer is JSON, never cached:

* 200 ``{"status": "ok", "data_version": n, "regions_version": n,
  "newest_case_age_seconds": s}`` when the store answered a SELECT of the ``meta``
  counters and of the newest case's ``reported_at`` (through its index: no count over the
  cases, so it stays cheap on years of history); the age is ``null`` for a store without
  cases, and may be slightly negative when a case's clock runs ahead of the server's.
* 503 ``{"status": "unavailable", "reason": "..."}`` when it did not: the reason is one
  fixed phrase, never the driver's message (which names hosts and statements); the
  details go to the server's log.

Nothing else: no versions of the software or of the schema (``python -m dashboard db
current`` tells an operator which revision a store is at; a stranger has no use for it
beyond learning which release to attack), no names, no counts of cases. Dash's own
``health_endpoint`` is not used: it answers OK without asking the store.
"""

from __future__ import annotations

import logging

from dash import Dash
from flask import Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from dashboard import services
from data.health import store_facts
from data.store import utcnow

log = logging.getLogger(__name__)

PATH = "/healthz"
ENDPOINT = "healthz"
#: The reason a 503 gives (the driver's own message goes to the log only).
UNAVAILABLE = "the store did not answer"


def healthz() -> Response:
    """The store's counters and the newest case's age (200), or why not (503)."""
    try:
        with services.engine().connect() as conn:
            facts = store_facts(conn)
    except SQLAlchemyError as error:
        log.warning("healthz: the store did not answer: %s", type(error).__name__)
        log.debug("healthz: %s", error)
        return _answer({"status": "unavailable", "reason": UNAVAILABLE}, 503)
    age = None
    if facts.newest_case_at is not None:
        age = round((utcnow() - facts.newest_case_at).total_seconds())
    return _answer({"status": "ok", "data_version": facts.data_version,
                    "regions_version": facts.regions_version,
                    "newest_case_age_seconds": age}, 200)


def _answer(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Dash) -> None:
    """Serve ``/healthz`` from ``app``'s server (the Dash app must not be made with
    ``health_endpoint``, which would claim the same path)."""
    app.server.add_url_rule(PATH, ENDPOINT, healthz, methods=["GET"])
