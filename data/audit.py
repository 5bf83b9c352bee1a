"""The audit log: sign-ins, failures, refusals, account, token and API key changes,
workflow actions.

Plain Python and SQL (no Flask): the web server, the command line and the workflow all write
through :func:`record`, and admins read through :func:`query` (the ``/admin/audit`` page and
``python -m dashboard audit``). One row says who (``actor``, and ``actor_kind``: a signed-in
``user``, a wall's ``display`` token, an ``anonymous`` request, the ``cli``), what
(``event``, ``target``, ``region``, ``result``, ``detail``), when (``at``, naive UTC like
every time of the store) and from where (``source``: the remote address, or the machine a
command ran on).

A storm of identical refusals (a wall refreshing every few seconds with a revoked token) is
one row per minute and principal whose ``count`` goes up, not a row per request:
:class:`RefusalAggregator`. Secrets never enter the log: no password, no token, only names
and ids.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, Engine, delete, insert, select, update

from data import store
from data.models import AuditEntry

# --- what can happen ----------------------------------------------------------------------------

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
REFUSED = "refused"
USER_ADDED = "user_added"
PASSWORD_SET = "password_set"
USER_DISABLED = "user_disabled"
TOKEN_MADE = "token_made"
TOKEN_REVOKED = "token_revoked"
#: A writer's API key for the intake (:mod:`data.intake.keys`).
API_KEY_MADE = "api_key_made"
API_KEY_REVOKED = "api_key_revoked"
CASE_ACTION = "case_action"
#: An officer's patrol through the patrol feed (:mod:`data.field.live`).
PATROL_STARTED = "patrol_started"
PATROL_STOPPED = "patrol_stopped"
PATROL_POINTS = "patrol_points"
#: A person's action on an early-warning alert (:mod:`data.alerts.book`).
ALERT_ACTION = "alert_action"
#: Every event kind, in the order the admin page offers them.
EVENTS: tuple[str, ...] = (SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, REFUSED, USER_ADDED,
                           PASSWORD_SET, USER_DISABLED, TOKEN_MADE, TOKEN_REVOKED, API_KEY_MADE,
                           API_KEY_REVOKED, CASE_ACTION, PATROL_STARTED, PATROL_STOPPED,
                           PATROL_POINTS, ALERT_ACTION)

#: Results of a ``case_action`` row.
OK = "ok"
FAILED = "failed"

#: Who an actor is.
USER = "user"
DISPLAY = "display"
ANONYMOUS = "anonymous"
CLI = "cli"
API_KEY = "api_key"  # a writer of the intake API (data/intake/keys.py), named key:NAME
ACTOR_KINDS: tuple[str, ...] = (USER, DISPLAY, ANONYMOUS, CLI, API_KEY)

#: Rows per page at most (the page and the command line ask for fewer).
MAX_LIMIT = 1000


class AuditQueryError(ValueError):
    """A filter of :func:`query` cannot be used; the message names it and why."""


@dataclass(frozen=True)
class Who:
    """Who acts and from where: what the workflow and the account functions are given so
    that they write their audit row in their own transaction."""

    actor: str
    kind: str = USER
    source: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """One row of the log as :func:`query` reads it (``detail`` decoded)."""

    id: int
    at: datetime
    event: str
    actor: str
    actor_kind: str
    source: str | None
    target: str | None
    region: str | None
    result: str | None
    detail: dict = field(compare=False)
    count: int = 1
    last_at: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of :func:`query`, newest first; ``has_more`` when older rows follow."""

    rows: list[AuditRow]
    offset: int
    limit: int
    has_more: bool


# --- writing ----------------------------------------------------------------------------------

def _clean(text: object, limit: int) -> str | None:
    """Text as the store can keep it: NUL removed (PostgreSQL refuses it in text), cut to
    the column's length. What an attacker typed is kept as text, never interpreted."""
    if text is None:
        return None
    value = str(text).replace("\x00", "")
    return value[:limit]


def record(conn_or_engine: Engine | Connection, event: str, actor: str | Who, *,
           target: object = None, region: str | None = None,
           detail: Mapping[str, Any] | None = None, source: str | None = None,
           at: datetime | None = None, result: str | None = None,
           actor_kind: str | None = None) -> int:
    """Write one row of the audit log and return its id.

    Parameters
    ----------
    conn_or_engine
        A connection inside the transaction whose change this row records (so both are
        written or neither), or an engine for a row of its own.
    event
        One of :data:`EVENTS`.
    actor
        Who: an account name, a display token's label, ``"-"`` for nobody signed in, or a
        :class:`Who` (which also gives ``actor_kind`` and ``source``).
    target, region, detail, result
        What was acted on (an account, a token id, a path, a case code), the region code in
        question, a small JSON-able dict of facts (never a secret) and ``ok``/``failed``.
    source
        From where: the remote address, or ``cli@HOST``.
    at
        When (naive UTC; default now).
    """
    if event not in EVENTS:
        raise ValueError(f"audit event {event!r} is not one of {', '.join(EVENTS)}")
    if isinstance(actor, Who):
        actor_kind = actor_kind or actor.kind
        source = source if source is not None else actor.source
        actor = actor.actor
    actor_kind = actor_kind or USER
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"audit actor kind {actor_kind!r} is not one of "
                         f"{', '.join(ACTOR_KINDS)}")
    values = {
        "at": at or store.utcnow(), "event": event,
        "actor": _clean(actor, 100) or "-", "actor_kind": actor_kind,
        "source": _clean(source, 200), "target": _clean(target, 300),
        "region": _clean(region, 64), "result": _clean(result, 16),
        "detail": _clean(json.dumps(dict(detail), ensure_ascii=False, default=str), 4000)
        if detail else None,
        "count": 1,
    }
    with store.transaction(conn_or_engine) as conn:
        return int(conn.execute(insert(AuditEntry).values(**values)
                                .returning(AuditEntry.id)).scalar_one())


def record_case_action(conn_or_engine: Engine | Connection, who: Who, *, action: str,
                       case_id: int, code: str | None, ok: bool, why: str | None = None,
                       at: datetime | None = None, detail: Mapping[str, Any] | None = None
                       ) -> int:
    """The row of one workflow action on one case: ``ok``, or ``failed`` and why (the
    workflow error's key)."""
    facts = {"action": action, "case_id": case_id, **(detail or {})}
    if why:
        facts["why"] = why
    return record(conn_or_engine, CASE_ACTION, who, target=code or str(case_id),
                  result=OK if ok else FAILED, detail=facts, at=at)


@dataclass
class _Open:
    row_id: int
    first: datetime
    last: datetime
    pending: int = 0  # repeats counted here and not yet added to the row
    flushed: datetime | None = None


class RefusalAggregator:
    """Identical refusals (or failed sign-ins) of one principal share one row.

    The first one of a kind (same event, actor, source, reason and target) writes a row;
    each repeat within ``window`` of the one before only adds to that row's ``count`` and
    moves its ``last_at``, for at most ``span`` (so a wall with a revoked token refreshing
    all night is a row an hour, and the log still says when it went on). Repeats are
    added to the row at most every ``flush_every`` (a flood costs the store a write every
    few seconds, not one per request), when the row closes, and on :meth:`flush` (the
    admin page calls it before reading). One principal that sprays ``max_targets``
    different targets (paths, account names) gets the rest counted under target ``"*"``,
    and at most ``max_keys`` signatures are remembered, so neither the log nor this memory
    grows with a flood. Per server process.
    """

    def __init__(self, window: timedelta = timedelta(minutes=1),
                 span: timedelta = timedelta(hours=1), max_targets: int = 20,
                 max_keys: int = 10_000, flush_every: timedelta = timedelta(seconds=5)
                 ) -> None:
        self.window, self.span, self.flush_every = window, span, flush_every
        self.max_targets, self.max_keys = max_targets, max_keys
        self._open: dict[tuple, _Open] = {}
        self._lock = threading.Lock()

    def note(self, engine: Engine | Connection, event: str, who: Who, reason: str,
             target: str | None, *, region: str | None = None,
             detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> int:
        """Record (or count) one ``event`` (:data:`REFUSED`, :data:`SIGN_IN_FAILED`) for
        ``reason`` (a text key or a short word); the id of the row it went to."""
        at = at or store.utcnow()
        target = _clean(target, 300)
        principal = (event, who.kind, who.actor, who.source)
        with self._lock:
            due = self._close(lambda o: at - o.last >= self.window or at - o.first >= self.span)
            signature = (*principal, reason, target)
            if signature not in self._open and self._targets_of(principal) >= self.max_targets:
                target, signature = "*", (*principal, reason, "*")
            found = self._open.get(signature)
            if found is not None:
                found.last, found.pending = max(found.last, at), found.pending + 1
                if at - (found.flushed or found.first) >= self.flush_every:
                    due.append(self._take(found, at))
        self._add(engine, due)
        if found is not None:
            return found.row_id
        facts = {"key" if event == REFUSED else "why": reason, **(detail or {})}
        row_id = record(engine, event, who, target=target, region=region, detail=facts, at=at)
        evicted = []
        with self._lock:
            self._open[signature] = _Open(row_id, at, at)
            while len(self._open) > self.max_keys:  # the oldest go, their counts kept
                evicted.append(self._take(self._open.pop(next(iter(self._open))), at))
        self._add(engine, evicted)
        return row_id

    def flush(self, engine: Engine | Connection) -> None:
        """Add every repeat counted so far to its row."""
        with self._lock:
            due = [self._take(o, o.last) for o in self._open.values() if o.pending]
        self._add(engine, due)

    def _close(self, closing) -> list[tuple[int, int, datetime]]:
        """Forget the rows ``closing`` says are over; their repeats still to add."""
        due = []
        for signature in [s for s, o in self._open.items() if closing(o)]:
            due.append(self._take(self._open.pop(signature), None))
        return [d for d in due if d[1]]

    @staticmethod
    def _take(entry: _Open, at: datetime | None) -> tuple[int, int, datetime]:
        taken = (entry.row_id, entry.pending, entry.last)
        entry.pending, entry.flushed = 0, at or entry.flushed
        return taken

    @staticmethod
    def _add(engine: Engine | Connection, due: list[tuple[int, int, datetime]]) -> None:
        due = [d for d in due if d[1]]
        if not due:
            return
        with store.transaction(engine) as conn:
            for row_id, repeats, last in due:
                conn.execute(update(AuditEntry).where(AuditEntry.id == row_id)
                             .values(count=AuditEntry.count + repeats, last_at=last))

    def _targets_of(self, principal: tuple) -> int:
        return sum(1 for s in self._open if s[:4] == principal)


# --- reading ----------------------------------------------------------------------------------

def query(engine: Engine | Connection, *, kinds: Iterable[str] | None = None,
          actor: str | None = None, since: datetime | None = None,
          until: datetime | None = None, limit: int = 50, offset: int = 0) -> AuditPage:
    """Rows of the log, newest first, filtered and paged.

    ``kinds`` (event kinds; none: all), ``actor`` (exact account name or label), ``since``
    (inclusive) and ``until`` (exclusive), naive UTC. Unknown kinds, a limit outside
    1..:data:`MAX_LIMIT` or a negative offset raise :class:`AuditQueryError`.
    """
    wanted = [k for k in (kinds or []) if k]
    unknown = [k for k in wanted if k not in EVENTS]
    if unknown:
        raise AuditQueryError(f"unknown audit event kind {unknown[0]!r}: expected one of "
                              f"{', '.join(EVENTS)}")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise AuditQueryError(f"limit {limit!r}: expected 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or offset < 0:
        raise AuditQueryError(f"offset {offset!r}: expected 0 or more")
    if since is not None and until is not None and until <= since:
        raise AuditQueryError(f"until {until} is not after since {since}")
    sql = select(*AuditEntry.__table__.c)
    if wanted:
        sql = sql.where(AuditEntry.event.in_(wanted))
    if actor:
        sql = sql.where(AuditEntry.actor == actor)
    if since is not None:
        sql = sql.where(AuditEntry.at >= since)
    if until is not None:
        sql = sql.where(AuditEntry.at < until)
    sql = sql.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    with store.transaction(engine) as conn:
        found = conn.execute(sql.limit(limit + 1)).all()
        rows = [_row(entry) for entry in found[:limit]]
    return AuditPage(rows=rows, offset=offset, limit=limit, has_more=len(found) > limit)


def _row(entry: Any) -> AuditRow:
    try:
        detail = json.loads(entry.detail) if entry.detail else {}
    except ValueError:  # cut at 4000 characters: shown as the text it is
        detail = {"text": entry.detail}
    return AuditRow(id=entry.id, at=entry.at, event=entry.event, actor=entry.actor,
                    actor_kind=entry.actor_kind, source=entry.source, target=entry.target,
                    region=entry.region, result=entry.result,
                    detail=detail if isinstance(detail, dict) else {"value": detail},
                    count=entry.count or 1, last_at=entry.last_at)


def prune(engine: Engine | Connection, before: datetime) -> int:
    """Delete the rows older than ``before`` (naive UTC); how many went. A range of the
    index on ``at``, so a yearly purge does not scan the log."""
    with store.transaction(engine) as conn:
        return conn.execute(delete(AuditEntry).where(AuditEntry.at < before)).rowcount or 0
