"""Accounts, roles, region scope and the wall's display tokens.

No Dash and no Flask here: the command line, the web server and the tests all use these
functions. Passwords are hashed with werkzeug's ``generate_password_hash`` (salted scrypt);
a display token is a random string of which only the SHA-256 is stored, so a copy of the
store gives away neither.

Errors are :class:`AccountError`: a ``key`` and ``values`` that layouts word in Chinese or
English, and an English message for the command line.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from data import audit as audit_log
from data import store
from data.models import DisplayToken, Region, RegionAncestor, User
from data.regions import natural_key

VIEWER = "viewer"
COMMANDER = "commander"
ADMIN = "admin"
ROLES: tuple[str, ...] = (VIEWER, COMMANDER, ADMIN)
#: Roles that may act on cases (dispatch, close, ...), inside their region.
ACTING_ROLES: tuple[str, ...] = (COMMANDER, ADMIN)
#: The role a display token's principal has: it may only watch the wall.
DISPLAY = "display"

MIN_PASSWORD_LENGTH = 8
#: Passwords refused whatever their length (the first ones every scanner tries).
COMMON_PASSWORDS = frozenset({
    "password", "password1", "12345678", "123456789", "1234567890", "qwertyui", "qwerty123",
    "11111111", "88888888", "abcdefgh", "abc12345", "iloveyou", "admin123", "admin1234",
    "administrator", "welcome1", "changeme", "passw0rd", "00000000", "66666666",
})
#: A hash to check against when the name is unknown, so that a wrong name costs as much
#: time as a wrong password and the answer's timing gives no hint which one was wrong.
_DUMMY_HASH = generate_password_hash("not a real password, only for timing")
SECRET_KEY_META = "secret_key"
DEMO_TOKEN_META = "demo_wall_token"


class AccountError(ValueError):
    """A request about accounts or tokens that cannot be done; nothing was written.

    ``key`` names the reason (``auth_weak_password``, ``auth_unknown_role``, ...) and
    ``values`` the facts, so layouts word it in Chinese or English; ``str()`` is English.
    """

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class UserInfo:
    """One account as the rest of the code sees it (never the password hash)."""

    id: int
    name: str
    role: str
    region_id: int | None
    region_code: str | None
    created_at: datetime
    disabled: bool
    #: changes whenever the password does: a session made with the old one is refused
    stamp: str = field(repr=False)


@dataclass(frozen=True)
class TokenInfo:
    """A display token's facts (never the token itself)."""

    id: int
    region_id: int | None
    region_code: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is asking, for one request: a signed-in user or a wall's display token.

    ``region_id`` None is the whole deployment. A region scope covers the region and every
    region below it (the closure table ``region_ancestors`` answers that in one lookup).
    """

    name: str
    role: str
    region_id: int | None
    region_code: str | None
    kind: str = "user"  # "user" | "display"
    engine: Engine | None = field(default=None, repr=False, compare=False)

    @property
    def is_display(self) -> bool:
        return self.kind == "display"

    def can_see(self, region_id: int | None) -> bool:
        """Whether this principal may read ``region_id`` (None: the whole deployment,
        which only an unscoped principal may read)."""
        return self.covers([region_id])

    def can_act(self, region_id: int | None) -> bool:
        """Whether this principal may change cases of ``region_id``: a commander or an
        admin whose scope covers it. A display token never may."""
        return self.kind == "user" and self.role in ACTING_ROLES and self.can_see(region_id)

    def covers(self, region_ids: Iterable[int | None]) -> bool:
        """Whether every region of ``region_ids`` lies inside this principal's scope."""
        wanted = list(region_ids)
        if self.region_id is None:
            return True
        if any(r is None for r in wanted):
            return False
        wanted_set = {int(r) for r in wanted}
        if not wanted_set:
            return True
        if self.engine is None:
            raise RuntimeError("a scoped principal needs the store to check its scope")
        with self.engine.connect() as conn:
            inside = conn.scalar(
                select(func.count()).select_from(RegionAncestor)
                .where(RegionAncestor.ancestor_id == self.region_id,
                       RegionAncestor.descendant_id.in_(wanted_set)))
        return inside == len(wanted_set)


# --- helpers ----------------------------------------------------------------------------------

def _region_id(conn: Connection, code: str | None) -> int | None:
    if code is None or code == "":
        return None
    region_id = conn.scalar(select(Region.id).where(Region.code == code))
    if region_id is None:
        raise AccountError("auth_unknown_region", f"no region has the code {code!r}", code=code)
    return region_id


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError("auth_unknown_role",
                           f"unknown role {role!r}: expected one of {', '.join(ROLES)}",
                           role=role, roles=", ".join(ROLES))


def check_password_strength(name: str, password: str) -> None:
    """Refuse an empty, short, common or name-like password, saying why."""
    if not password or not password.strip():
        raise AccountError("auth_empty_password", "the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "auth_short_password",
            f"the password has {len(password)} characters; it needs at least "
            f"{MIN_PASSWORD_LENGTH}", length=len(password), minimum=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if (lowered in COMMON_PASSWORDS or len(set(password)) < 3
            or (len(name) >= 3 and name.lower() in lowered)):
        raise AccountError("auth_weak_password",
                           "the password is too easy to guess (a common password, the "
                           "account's name, or one or two characters repeated)")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError("auth_bad_name",
                           f"{name!r} is not a usable account name (1-64 characters, no spaces)",
                           name=name)
    return name


def _user_info(row) -> UserInfo:
    return UserInfo(id=row.id, name=row.name, role=row.role, region_id=row.region_id,
                    region_code=row.region_code, created_at=row.created_at,
                    disabled=bool(row.disabled), stamp=_stamp(row.password_hash))


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _user_query():
    return (select(User.id, User.name, User.role, User.region_id, User.created_at,
                   User.disabled, User.password_hash, Region.code.label("region_code"))
            .outerjoin(Region, Region.id == User.region_id))


# --- users ------------------------------------------------------------------------------------

def add_user(engine: Engine | Connection, name: str, password: str, role: str,
             region_code: str | None = None, *, audit: audit_log.Who | None = None
             ) -> UserInfo:
    """Create an account; refuse a bad name, a weak password, an unknown role or region,
    or a name already taken. Only the password's hash is stored. With ``audit`` (who and
    from where), a ``user_added`` row is written in the same transaction."""
    with store.transaction(engine) as conn:
        name, region_id = check_new_user(conn, name, role, region_code)
        check_password_strength(name, password)
        conn.execute(insert(User).values(
            name=name, password_hash=generate_password_hash(password), role=role,
            region_id=region_id, created_at=store.utcnow(), disabled=False))
        _audit(conn, audit, audit_log.USER_ADDED, name, region_code, role=role)
        return get_user(conn, name)


def check_new_user(engine: Engine | Connection, name: str, role: str,
                   region_code: str | None) -> tuple[str, int | None]:
    """Check everything about a new account but its password (the command line asks for
    the password only once the rest is known to be right): (clean name, region id)."""
    name = _check_name(name)
    _check_role(role)
    with store.transaction(engine) as conn:
        region_id = _region_id(conn, region_code)
        if conn.scalar(select(User.id).where(User.name == name)) is not None:
            raise AccountError("auth_duplicate_name", f"an account named {name!r} exists",
                               name=name)
    return name, region_id


def get_user(engine: Engine | Connection, name: str) -> UserInfo:
    """The account named ``name``; :class:`AccountError` if there is none."""
    with store.transaction(engine) as conn:
        row = conn.execute(_user_query().where(User.name == name)).one_or_none()
    if row is None:
        raise AccountError("auth_unknown_user", f"no account is named {name!r}", name=name)
    return _user_info(row)


def get_user_by_id(engine: Engine | Connection, user_id: int) -> UserInfo | None:
    """The account with ``user_id``, or None (a session may outlive its account)."""
    with store.transaction(engine) as conn:
        row = conn.execute(_user_query().where(User.id == user_id)).one_or_none()
    return None if row is None else _user_info(row)


def list_users(engine: Engine | Connection) -> list[UserInfo]:
    """Every account, by name."""
    with store.transaction(engine) as conn:
        rows = conn.execute(_user_query().order_by(User.name)).all()
    return [_user_info(row) for row in rows]


def authenticate(engine: Engine | Connection, name: str, password: str) -> UserInfo | None:
    """The account if ``name`` and ``password`` match an enabled account, else None.

    A wrong name, a wrong password and a disabled account all answer None after the same
    work (one hash check), so neither the answer nor its timing says which was wrong.
    """
    with store.transaction(engine) as conn:
        row = conn.execute(_user_query().where(User.name == (name or "").strip())).one_or_none()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    matches = check_password_hash(stored, password or "")
    if row is None or not matches or row.disabled:
        return None
    return _user_info(row)


def set_password(engine: Engine | Connection, name: str, password: str, *,
                 audit: audit_log.Who | None = None) -> None:
    """Give ``name`` a new password (sessions signed in with the old one stop working);
    with ``audit``, a ``password_set`` row in the same transaction."""
    with store.transaction(engine) as conn:
        user = get_user(conn, name)
        check_password_strength(user.name, password)
        conn.execute(update(User).where(User.id == user.id)
                     .values(password_hash=generate_password_hash(password)))
        _audit(conn, audit, audit_log.PASSWORD_SET, user.name, user.region_code)


def disable(engine: Engine | Connection, name: str, *,
            audit: audit_log.Who | None = None) -> None:
    """Disable an account: it can no longer sign in, and its sessions stop working;
    with ``audit``, a ``user_disabled`` row in the same transaction."""
    with store.transaction(engine) as conn:
        user = get_user(conn, name)
        conn.execute(update(User).where(User.id == user.id).values(disabled=True))
        _audit(conn, audit, audit_log.USER_DISABLED, user.name, user.region_code)


def _audit(conn: Connection, audit: audit_log.Who | None, event: str, target: str,
           region_code: str | None, **detail: object) -> None:
    """The audit row of an account or token change, in the change's own transaction."""
    if audit is not None:
        audit_log.record(conn, event, audit, target=target, region=region_code,
                         detail={k: v for k, v in detail.items() if v})


def principal_for_user(engine: Engine, user: UserInfo) -> Principal:
    """The principal a signed-in ``user`` acts as."""
    return Principal(name=user.name, role=user.role, region_id=user.region_id,
                     region_code=user.region_code, kind="user", engine=engine)


# --- display tokens ----------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    # the token is 256 random bits: a fast hash is enough, no salt or stretching needed
    return hashlib.sha256(token.encode()).hexdigest()


def create_display_token(engine: Engine | Connection, region_code: str | None = None,
                         label: str = "", *, audit: audit_log.Who | None = None) -> str:
    """A new display token for the wall of ``region_code`` (None: the whole deployment).

    The token is returned once and never stored: only its hash is. With ``audit``, a
    ``token_made`` row (its id and label, never the token) in the same transaction."""
    token = secrets.token_urlsafe(32)
    with store.transaction(engine) as conn:
        region_id = _region_id(conn, region_code)
        token_id = conn.execute(insert(DisplayToken).values(
            token_hash=_token_hash(token), region_id=region_id, label=label or "",
            created_at=store.utcnow(), revoked_at=None).returning(DisplayToken.id)).scalar_one()
        _audit(conn, audit, audit_log.TOKEN_MADE, f"token {token_id}", region_code, label=label)
    return token


def check_display_token(engine: Engine | Connection, token: str | None) -> TokenInfo | None:
    """The scope of a valid, unrevoked ``token``; None for anything else."""
    if not token or len(token) > 200:
        return None
    digest = _token_hash(token)
    with store.transaction(engine) as conn:
        row = conn.execute(_token_query().where(DisplayToken.token_hash == digest)
                           ).one_or_none()
    # looked up by its hash: the timing of the index lookup tells nothing about a token
    if row is None or row.revoked_at is not None:
        return None
    return _token_info(row)


def principal_for_token(engine: Engine, info: TokenInfo) -> Principal:
    """The read-only principal a wall with this token acts as."""
    return Principal(name=info.label or f"display-{info.id}", role=DISPLAY,
                     region_id=info.region_id, region_code=info.region_code, kind="display",
                     engine=engine)


def list_display_tokens(engine: Engine | Connection) -> list[TokenInfo]:
    """Every display token ever made (revoked ones too), oldest first."""
    with store.transaction(engine) as conn:
        rows = conn.execute(_token_query().order_by(DisplayToken.id)).all()
    return [_token_info(row) for row in rows]


def revoke_display_token(engine: Engine | Connection, token_id: int, *,
                         audit: audit_log.Who | None = None) -> None:
    """Revoke token ``token_id``: walls using it show a notice from their next refresh;
    with ``audit``, a ``token_revoked`` row in the same transaction."""
    with store.transaction(engine) as conn:
        found = conn.scalar(select(DisplayToken.id).where(DisplayToken.id == token_id))
        if found is None:
            raise AccountError("auth_unknown_token", f"no display token has the id {token_id}",
                               id=token_id)
        conn.execute(update(DisplayToken).where(DisplayToken.id == token_id,
                                                DisplayToken.revoked_at.is_(None))
                     .values(revoked_at=store.utcnow()))
        _audit(conn, audit, audit_log.TOKEN_REVOKED, f"token {token_id}", None)


def _token_query():
    return (select(DisplayToken.id, DisplayToken.token_hash, DisplayToken.region_id,
                   DisplayToken.label, DisplayToken.created_at, DisplayToken.revoked_at,
                   Region.code.label("region_code"))
            .outerjoin(Region, Region.id == DisplayToken.region_id))


def _token_info(row) -> TokenInfo:
    return TokenInfo(id=row.id, region_id=row.region_id, region_code=row.region_code,
                     label=row.label or "", created_at=row.created_at,
                     revoked_at=row.revoked_at)


# --- the web server's signing key ---------------------------------------------------------------

def ensure_secret_key(engine: Engine) -> str:
    """The key that signs session cookies: made once and kept in ``meta``, so sessions
    survive a restart and several server processes on one store agree."""
    with engine.connect() as conn:
        key = store.get_meta(conn, SECRET_KEY_META)
    if key:
        return key
    try:
        with store.transaction(engine) as conn:
            if store.get_meta(conn, SECRET_KEY_META) is None:
                store.set_meta(conn, SECRET_KEY_META, secrets.token_hex(32))
    except IntegrityError:  # another process made it first: use theirs
        pass
    with engine.connect() as conn:
        return store.get_meta(conn, SECRET_KEY_META) or ""


# --- the demo's accounts -------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoAccount:
    name: str
    password: str
    role: str
    region_code: str | None


def demo_accounts(engine: Engine | Connection) -> list[DemoAccount]:
    """The accounts the demo county comes with (README: signing in).

    Only for a store whose ``meta.source`` is ``demo``; an admin, a commander of the whole
    county, a commander of its first town and a viewer of the county."""
    with store.transaction(engine) as conn:
        root = conn.execute(select(Region.id, Region.code).where(Region.parent_id.is_(None))
                            .order_by(Region.code)).first()
        if root is None:
            return []
        towns = conn.execute(select(Region.code).where(Region.parent_id == root.id)).scalars()
    first_town = min(towns, key=natural_key, default=None)
    accounts = [
        DemoAccount("admin", "qy-guanli-2026", ADMIN, None),
        DemoAccount("commander", "qy-zhihui-2026", COMMANDER, root.code),
        DemoAccount("viewer", "qy-chakan-2026", VIEWER, root.code),
    ]
    if first_town is not None:
        accounts.insert(2, DemoAccount("town", "qy-zhenji-2026", COMMANDER, first_town))
    return accounts


def ensure_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """On the demo county with no accounts yet, create :func:`demo_accounts` and return
    them; otherwise create nothing and return []. Never touches a store of imported data."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return []
        if conn.scalar(select(func.count()).select_from(User)):
            return []
    accounts = demo_accounts(engine)
    with store.transaction(engine) as conn:
        for account in accounts:
            add_user(conn, account.name, account.password, account.role, account.region_code)
    return accounts


def demo_wall_token(engine: Engine) -> str | None:
    """On the demo county, the display token whose wall address ``serve`` prints: the same
    one on every start (kept in ``meta``, as a demo may), a new one if it was revoked.
    None on a store of imported data, whose tokens are only made by ``wall-token``."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return None
        token = store.get_meta(conn, DEMO_TOKEN_META)
    if token and check_display_token(engine, token) is not None:
        return token
    token = create_display_token(engine, None, label="demo wall")
    with store.transaction(engine) as conn:
        store.set_meta(conn, DEMO_TOKEN_META, token)
    return token


def demo_sign_in_hints(engine: Engine, cache: dict | None = None) -> tuple[list[DemoAccount],
                                                                          str | None]:
    """On the demo county: the demo accounts that still have their printed password, and
    the demo wall's token, for the sign-in page to offer a newcomer. Nothing elsewhere.

    ``cache`` (by account and password stamp) spares a hash check per page view."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return [], None
        token = store.get_meta(conn, DEMO_TOKEN_META)
        stored = dict(conn.execute(select(User.name, User.password_hash)
                                   .where(User.disabled.is_(False))).all())
    cache = {} if cache is None else cache
    still = []
    for account in demo_accounts(engine):
        digest = stored.get(account.name)
        if digest is None:
            continue
        key = (account.name, _stamp(digest))
        if key not in cache:
            cache[key] = check_password_hash(digest, account.password)
        if cache[key]:
            still.append(account)
    if token and check_display_token(engine, token) is None:
        token = None
    return still, token
