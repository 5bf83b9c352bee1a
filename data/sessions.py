"""Server-side records of console sign-ins, so that signing out really ends a session.

The session cookie is signed, so nobody can make one up; but a signed cookie alone stays
valid until it expires, even after ``/logout``. Each sign-in therefore gets a random id
that the cookie carries and the store remembers (only its SHA-256, like display tokens):
a session is good while its record exists, has not ended and was used within
:data:`SESSION_HOURS`. Signing out, a new password and disabling the account end it.

No Dash and no Flask here; :mod:`dashboard.session_store` ties it to the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from data import store
from data.models import SignInSession

#: A session unused this long is over (the cookie's own lifetime is the same).
SESSION_HOURS = 12
#: How stale ``last_seen_at`` may get before a request writes it again: one write a
#: minute per console at most, not one per callback.
TOUCH_SECONDS = 60
#: How long (ms) noting a use may wait for SQLite's write lock before giving up this time;
#: and the store's usual wait (``store.make_engine``'s 30 s timeout), restored after.
TOUCH_WAIT_MS = 200
SQLITE_WAIT_MS = 30_000


def _digest(session_id: str) -> str:
    # 256 random bits: a fast hash is enough, no salt or stretching needed
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(engine: Engine | Connection, user_id: int, now: datetime | None = None) -> str:
    """Record a new session of ``user_id`` and return its id (for the cookie only: the
    store keeps its hash). Sessions long over are deleted on the way."""
    now = now or store.utcnow()
    session_id = secrets.token_urlsafe(32)
    cutoff = now - timedelta(hours=SESSION_HOURS)
    with store.transaction(engine) as conn:
        conn.execute(delete(SignInSession).where(or_(
            SignInSession.last_seen_at < cutoff, SignInSession.ended_at < cutoff)))
        conn.execute(insert(SignInSession).values(
            id_hash=_digest(session_id), user_id=user_id, created_at=now, last_seen_at=now,
            ended_at=None))
    return session_id


def user_of(engine: Engine | Connection, session_id: str | None,
            now: datetime | None = None) -> int | None:
    """The user id of a live session ``session_id``; None if there is no such session,
    it ended, or it went unused for :data:`SESSION_HOURS`."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    now = now or store.utcnow()
    digest = _digest(session_id)
    with store.transaction(engine) as conn:
        row = conn.execute(select(SignInSession.user_id, SignInSession.last_seen_at,
                                  SignInSession.ended_at)
                           .where(SignInSession.id_hash == digest)).one_or_none()
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > timedelta(hours=SESSION_HOURS):
        return None
    if now - row.last_seen_at > timedelta(seconds=TOUCH_SECONDS):
        _touch(engine, digest, now)
    return row.user_id


def _touch(engine: Engine | Connection, digest: str, now: datetime) -> None:
    """Note that the session was used, if the store lets us write at once. Best effort: a
    console must not wait on (or fail with) a long import holding SQLite's write lock;
    the next request a minute on tries again."""
    statement = (update(SignInSession).where(SignInSession.id_hash == digest)
                 .values(last_seen_at=now))
    if isinstance(engine, Connection):
        engine.execute(statement)
        return
    try:
        with engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {TOUCH_WAIT_MS}")
            try:
                conn.execute(statement)
            finally:
                if sqlite:  # the pooled connection keeps the store's usual patience
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
    except OperationalError:
        pass


def end(engine: Engine | Connection, session_id: str | None) -> None:
    """End session ``session_id`` (signing out); an unknown or ended one is left as is."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return
    with store.transaction(engine) as conn:
        conn.execute(update(SignInSession)
                     .where(SignInSession.id_hash == _digest(session_id),
                            SignInSession.ended_at.is_(None))
                     .values(ended_at=store.utcnow()))


def end_all(conn: Connection, user_id: int) -> int:
    """End every live session of ``user_id`` (a new password, a disabled account, or an
    administrator's ``user signout``); the number ended."""
    result = conn.execute(update(SignInSession)
                          .where(SignInSession.user_id == user_id,
                                 SignInSession.ended_at.is_(None))
                          .values(ended_at=store.utcnow()))
    return result.rowcount or 0


def live_count(engine: Engine | Connection, user_id: int, now: datetime | None = None) -> int:
    """How many sessions of ``user_id`` are live now (``user list`` shows it)."""
    now = now or store.utcnow()
    cutoff = now - timedelta(hours=SESSION_HOURS)
    with store.transaction(engine) as conn:
        return conn.scalar(select(func.count()).select_from(SignInSession).where(
            SignInSession.user_id == user_id, SignInSession.ended_at.is_(None),
            SignInSession.last_seen_at >= cutoff)) or 0
