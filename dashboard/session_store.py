"""The console's session cookie, tied to a record in the store (:mod:`data.sessions`).

The cookie (Flask's signed session) carries the sign-in's random id and the password stamp
of the moment; a request is signed in only while the store's record of that id is live and
the account is enabled with the same password. So ``/logout`` ends the session for every
copy of the cookie, and so do a new password and disabling the account.
"""

from __future__ import annotations

from flask import session
from sqlalchemy import Engine

from data import sessions, users
from data.users import UserInfo

SESSION_ID = "sid"
STAMP = "stamp"


def begin(engine: Engine, user: UserInfo) -> None:
    """Start a fresh session for ``user``: nothing carried over from before sign-in."""
    session.clear()
    session.permanent = True
    session[SESSION_ID] = sessions.start(engine, user.id)
    session[STAMP] = user.stamp


def signed_in_user(engine: Engine) -> UserInfo | None:
    """The account this request's cookie is signed in as, or None (no cookie, an ended or
    expired session, a disabled account or a changed password: the cookie is cleared)."""
    session_id = session.get(SESSION_ID)
    if session_id is None:
        if session.get("uid") is not None:  # a cookie of a release without session records
            session.clear()
        return None
    user_id = sessions.user_of(engine, session_id)
    user = None if user_id is None else users.get_user_by_id(engine, user_id)
    if user is None or user.disabled or session.get(STAMP) != user.stamp:
        session.clear()
        return None
    return user


def end(engine: Engine) -> None:
    """End this request's session in the store, then clear the cookie."""
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        sessions.end(engine, session_id)  # first: if the store fails, sign-out can be retried
    session.clear()
