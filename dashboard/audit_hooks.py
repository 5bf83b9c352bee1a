"""What the web server writes to the audit log (:mod:`data.audit`), from inside a request.

Each hook is one call from :mod:`dashboard.auth` (sign-in, sign-out, refusals) or a
callback (:func:`who`, for the workflow). The remote address is the request's
``remote_addr``: the browser's, also behind a reverse proxy when ``DASHBOARD_PROXY_HOPS``
says how many stand in front (:func:`dashboard.own_address.trust_proxies`).

A hook never changes the answer: if the store cannot take the row, the request goes on
as it would have and the failure goes to the server's log. This module knows nothing of
who is signed in; the caller hands over the principal (so :mod:`dashboard.auth` can call
it without an import cycle).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from flask import current_app, g, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import services
from data import audit
from data.users import Principal

LOG = logging.getLogger(__name__)
_AGGREGATOR = "audit_aggregator"


who = services.audit_who


def _aggregator() -> audit.RefusalAggregator:
    return services.extension().setdefault(_AGGREGATOR, audit.RefusalAggregator())


def _safely(write: Callable[[], object]) -> None:
    if not has_request_context() or services.EXTENSION not in current_app.extensions:
        return
    try:
        write()
    except SQLAlchemyError as exc:  # the log must not turn an answer into an error
        LOG.warning("audit log: could not write a row: %s", exc)
    except Exception:  # noqa: BLE001 - nor must a bug in it; the traceback is logged
        LOG.exception("audit log: could not write a row")


def signed_in(name: str) -> None:
    """A successful sign-in through the form."""
    _safely(lambda: audit.record(services.engine(), audit.SIGN_IN,
                                 audit.Who(name, audit.USER, request.remote_addr)))


def sign_in_failed(name: str, why: str) -> None:
    """A refused sign-in: ``why`` is ``wrong`` (name or password, the log does not say
    which), ``throttled`` or ``expired_form``. Counted per address and name per minute."""
    _safely(lambda: _aggregator().note(
        services.engine(), audit.SIGN_IN_FAILED,
        audit.Who("-", audit.ANONYMOUS, request.remote_addr), why, name or "-"))


def signed_out(principal: Principal | None) -> None:
    """A signed-in user's sign-out (nothing for nobody, or a wall)."""
    if principal is not None and not principal.is_display:
        _safely(lambda: audit.record(services.engine(), audit.SIGN_OUT, who(principal)))


def refused(key: str, values: Mapping[str, Any],
            principal: Callable[[], Principal | None]) -> None:
    """A refusal (HTTP 403, or a callback's :class:`~dashboard.auth.Forbidden`): who, which
    reason, which path and callback, from where. Once per request, and identical
    refusals of one principal within a minute share a row (:class:`data.audit.
    RefusalAggregator`), so a wall's refresh storm is one row, not thousands.

    ``principal`` is called (not passed) so that a store gone down while looking the
    principal up costs the row, not the answer."""
    if not has_request_context() or g.get("_audit_refused"):
        return
    g._audit_refused = True

    def write() -> None:
        asking = principal()
        region = values.get("region")
        _aggregator().note(services.engine(), audit.REFUSED, who(asking), key,
                           _what(), region=str(region) if region is not None else None)

    _safely(write)


def refused_write(who: audit.Who, reason: str, *, region: str | None = None,
                  detail: Mapping[str, Any] | None = None) -> None:
    """A refused write through an API door (``POST /open311/v2/requests.json``): who (an
    API key's ``key:NAME``, or ``-``), why (``reason``), the path; identical ones of one
    writer within a minute share a row, as :func:`refused` does. Never the key itself."""
    _safely(lambda: _aggregator().note(services.engine(), audit.REFUSED, who, reason,
                                       request.path, region=region, detail=detail))


def _what() -> str:
    """The path, and for a callback the outputs it would write (which callback)."""
    if not request.path.endswith("/_dash-update-component"):
        return request.path
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    return f"{request.path} {output}" if isinstance(output, str) else request.path


def flush_pending() -> None:
    """Add the repeats of refusals counted so far to their rows (before the log is read)."""
    _safely(lambda: _aggregator().flush(services.engine()))
