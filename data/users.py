"""Accounts, roles, region scope and the wall's display tokens.

No Dash and no Flask here: the command line, the web server and the tests all use these
functions. Passwords are hashed with werkzeug's ``generate_password_hash`` (salted scrypt)
and must pass zxcvbn's estimate (:func:`check_password_strength`); a display token is a
random string of which only the SHA-256 is stored, so a copy of the store gives away
neither. Nor does it hold the key that signs session cookies (see
:mod:`dashboard.signing_key`): a store made by an older release had one in ``meta``, and
:func:`legacy_secret_key` / :func:`forget_legacy_secrets` move it out.

Errors are :class:`AccountError`: a ``key`` and ``values`` that layouts word in Chinese or
English, and an English message for the command line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from data import audit as audit_log
from data import sessions, store
from data.models import DisplayToken, Meta, Region, RegionAncestor, User
from data.regions import natural_key

VIEWER = "viewer"
#: The hotline desk's operator: reads the console of their region and files new cases
#: there (新建事件), but takes no workflow action on cases.
OPERATOR = "operator"
COMMANDER = "commander"
ADMIN = "admin"
ROLES: tuple[str, ...] = (VIEWER, OPERATOR, COMMANDER, ADMIN)
#: Roles that may act on cases (dispatch, close, ...), inside their region.
ACTING_ROLES: tuple[str, ...] = (COMMANDER, ADMIN)
#: Roles that may file a new case at the hotline desk, inside their region.
REPORTING_ROLES: tuple[str, ...] = (OPERATOR, COMMANDER, ADMIN)
#: The role a display token's principal has: it may only watch the wall.
DISPLAY = "display"

MIN_PASSWORD_LENGTH = 8
#: The lowest zxcvbn score (0-4) a new password may have: 3 is "safely unguessable",
#: 10^8 guesses or more by zxcvbn's estimate (its lists hold common passwords,
#: English words, names and keyboard patterns such as ``1qaz2wsx``).
MIN_PASSWORD_SCORE = 3
#: zxcvbn refuses longer input; a password is judged by its first this many characters.
ZXCVBN_MAX_LENGTH = 72
#: The demo county's accounts and their published passwords (README: signing in). The demo
#: creates its accounts with them on purpose; nobody may choose one of them afterwards.
DEMO_PASSWORDS: dict[str, str] = {
    "admin": "qy-guanli-2026", "commander": "qy-zhihui-2026", "town": "qy-zhenji-2026",
    "viewer": "qy-chakan-2026", "operator": "qy-shouli-2026",
}
#: Words anyone guessing a password here would try first.
_PRODUCT_WORDS = ("dashboard", "grid", "wangge", "qingyuan", "zhihui", "admin", "commander",
                  "viewer")
#: A hash to check against when the name is unknown, so that a wrong name costs as much
#: time as a wrong password and the answer's timing gives no hint which one was wrong.
_DUMMY_HASH = generate_password_hash("not a real password, only for timing")
#: Where releases before the key file kept the session-signing key (now moved out).
SECRET_KEY_META = "secret_key"
#: Where releases before kept the demo wall's token in clear (now revoked and deleted).
DEMO_TOKEN_META = "demo_wall_token"
#: How many demo wall tokens were revoked: the demo's token is derived from the signing
#: key and this number, so the store holds only the token's hash.
DEMO_WALL_SERIAL_META = "demo_wall_serial"


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

    def can_report(self, region_id: int | None) -> bool:
        """Whether this principal may file a new case in ``region_id`` at the hotline
        desk: an operator, a commander or an admin whose scope covers it."""
        return (self.kind == "user" and self.role in REPORTING_ROLES
                and self.can_see(region_id))

    def covers(self, region_ids: Iterable[int | None]) -> bool:
        """Whether every region of ``region_ids`` lies inside this principal's scope."""
        wanted = list(region_ids)
        if self.region_id is None:
            return True
        if any(r is None for r in wanted):
            return False
        return {int(r) for r in wanted} <= self.visible(wanted)

    def visible(self, region_ids: Iterable[int | None]) -> set[int | None]:
        """Which of ``region_ids`` this principal may see, in one lookup: all of them for
        an unscoped principal; for a scoped one those inside its region (never None)."""
        wanted = set(region_ids)
        if self.region_id is None:
            return wanted
        numbers = {int(r) for r in wanted if r is not None}
        if not numbers:
            return set()
        if self.engine is None:
            raise RuntimeError("a scoped principal needs the store to check its scope")
        with self.engine.connect() as conn:
            return set(conn.scalars(select(RegionAncestor.descendant_id).where(
                RegionAncestor.ancestor_id == self.region_id,
                RegionAncestor.descendant_id.in_(numbers))).all())


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
    """Refuse an empty, short or guessable password, saying why.

    Guessable: the account's name in it, one or two characters repeated, one of the demo's
    published passwords, or a zxcvbn score under :data:`MIN_PASSWORD_SCORE` (common
    passwords such as ``12341234``, keyboard walks such as ``qwertyuiop`` or ``1qaz2wsx``,
    words, dates, and the account's name and the demo's passwords as zxcvbn's own inputs).
    """
    if not password or not password.strip():
        raise AccountError("auth_empty_password", "the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "auth_short_password",
            f"the password has {len(password)} characters; it needs at least "
            f"{MIN_PASSWORD_LENGTH}", length=len(password), minimum=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if len(name) >= 3 and name.lower() in lowered:
        _weak("it contains the account's name")
    if len(set(password)) < 3:
        _weak("it repeats one or two characters")
    if password in DEMO_PASSWORDS.values():
        _weak("it is a password the demo publishes")
    judged = zxcvbn(password[:ZXCVBN_MAX_LENGTH],
                    user_inputs=[name, *DEMO_PASSWORDS.values(), *_PRODUCT_WORDS])
    if judged["score"] < MIN_PASSWORD_SCORE:
        warning = judged["feedback"].get("warning") or "it is a common pattern"
        _weak(f"{warning.rstrip('.')} (zxcvbn score {judged['score']} of 4; at least "
              f"{MIN_PASSWORD_SCORE} is needed)")


def _weak(why: str) -> None:
    raise AccountError("auth_weak_password", f"the password is too easy to guess: {why}")


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
        user = _insert_user(conn, name, password, role, region_id)
        _audit(conn, audit, audit_log.USER_ADDED, name, region_code, role=role)
        return user


def _insert_user(conn: Connection, name: str, password: str, role: str,
                 region_id: int | None) -> UserInfo:
    conn.execute(insert(User).values(
        name=name, password_hash=generate_password_hash(password), role=role,
        region_id=region_id, created_at=store.utcnow(), disabled=False))
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
        sessions.end_all(conn, user.id)
        _audit(conn, audit, audit_log.PASSWORD_SET, user.name, user.region_code)


def disable(engine: Engine | Connection, name: str, *,
            audit: audit_log.Who | None = None) -> None:
    """Disable an account: it can no longer sign in, and its sessions stop working;
    with ``audit``, a ``user_disabled`` row in the same transaction."""
    with store.transaction(engine) as conn:
        user = get_user(conn, name)
        conn.execute(update(User).where(User.id == user.id).values(disabled=True))
        sessions.end_all(conn, user.id)
        _audit(conn, audit, audit_log.USER_DISABLED, user.name, user.region_code)


def _audit(conn: Connection, audit: audit_log.Who | None, event: str, target: str,
           region_code: str | None, **detail: object) -> None:
    """The audit row of an account or token change, in the change's own transaction."""
    if audit is not None:
        audit_log.record(conn, event, audit, target=target, region=region_code,
                         detail={k: v for k, v in detail.items() if v})


def sign_out_everywhere(engine: Engine | Connection, name: str) -> int:
    """End every session of account ``name`` (a lost laptop); the number ended."""
    with store.transaction(engine) as conn:
        return sessions.end_all(conn, get_user(conn, name).id)


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
        token_id = _insert_token(conn, token, _region_id(conn, region_code), label)
        _audit(conn, audit, audit_log.TOKEN_MADE, f"token {token_id}", region_code, label=label)
    return token


def _insert_token(conn: Connection, token: str, region_id: int | None, label: str) -> int:
    return conn.execute(insert(DisplayToken).values(
        token_hash=_token_hash(token), region_id=region_id, label=label or "",
        created_at=store.utcnow(), revoked_at=None).returning(DisplayToken.id)).scalar_one()


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


# --- secrets older releases kept in the store ------------------------------------------------

def legacy_secret_key(engine: Engine) -> str | None:
    """The session-signing key an older release kept in ``meta`` (None: there is none).
    :mod:`dashboard.signing_key` writes it to the key file, so sessions survive the
    upgrade, and then calls :func:`forget_legacy_secrets`."""
    with engine.connect() as conn:
        return store.get_meta(conn, SECRET_KEY_META) or None


def forget_legacy_secrets(engine: Engine) -> None:
    """Delete the signing key from ``meta``, and revoke and delete the demo wall token an
    older release kept there in clear: a backup of the store then holds neither."""
    with store.transaction(engine) as conn:
        clear_token = store.get_meta(conn, DEMO_TOKEN_META)
        if clear_token:
            conn.execute(update(DisplayToken)
                         .where(DisplayToken.token_hash == _token_hash(clear_token),
                                DisplayToken.revoked_at.is_(None))
                         .values(revoked_at=store.utcnow()))
        conn.execute(delete(Meta).where(Meta.key.in_([SECRET_KEY_META, DEMO_TOKEN_META])))


# --- the demo's accounts -------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoAccount:
    name: str
    password: str
    role: str
    region_code: str | None


def _is_demo(engine: Engine | Connection) -> bool:
    with store.transaction(engine) as conn:
        return store.get_meta(conn, "source") == "demo"


def demo_accounts(engine: Engine | Connection) -> list[DemoAccount]:
    """The accounts the demo county comes with (README: signing in).

    Only for a store whose ``meta.source`` is ``demo``; an admin, a commander of the whole
    county, a commander of its first town, a viewer of the county and a hotline operator
    (新建事件) of its first town."""
    with store.transaction(engine) as conn:
        root = conn.execute(select(Region.id, Region.code).where(Region.parent_id.is_(None))
                            .order_by(Region.code)).first()
        if root is None:
            return []
        # read here, while the connection is ours: a result read after it went back to
        # the pool fails when another request has taken that connection meanwhile
        towns = conn.execute(select(Region.code).where(Region.parent_id == root.id)
                             ).scalars().all()
    first_town = min(towns, key=natural_key, default=None)
    accounts = [
        DemoAccount("admin", DEMO_PASSWORDS["admin"], ADMIN, None),
        DemoAccount("commander", DEMO_PASSWORDS["commander"], COMMANDER, root.code),
        DemoAccount("viewer", DEMO_PASSWORDS["viewer"], VIEWER, root.code),
    ]
    if first_town is not None:
        accounts.insert(2, DemoAccount("town", DEMO_PASSWORDS["town"], COMMANDER, first_town))
        accounts.append(DemoAccount("operator", DEMO_PASSWORDS["operator"], OPERATOR,
                                    first_town))
    return accounts


def ensure_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """On the demo county with no accounts yet, create :func:`demo_accounts` and return
    them; otherwise create nothing and return []. Never touches a store of imported data.

    They get the demo's published passwords on purpose, past :func:`check_password_strength`
    (which refuses exactly those passwords to anyone choosing one later)."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return []
        if conn.scalar(select(func.count()).select_from(User)):
            return []
    accounts = demo_accounts(engine)
    with store.transaction(engine) as conn:
        for account in accounts:
            name, region_id = check_new_user(conn, account.name, account.role,
                                             account.region_code)
            _insert_user(conn, name, account.password, account.role, region_id)
    return accounts


def _derived_demo_token(secret_key: str, serial: int) -> str:
    mac = hmac.new(secret_key.encode(), f"demo wall token {serial}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _demo_serial(conn: Connection) -> int:
    raw = store.get_meta(conn, DEMO_WALL_SERIAL_META) or "0"
    return int(raw) if raw.isdigit() else 0


def demo_wall_token(engine: Engine, secret_key: str) -> str | None:
    """On the demo county, the display token whose wall address ``serve`` prints and the
    sign-in page links: the same one on every start, a new one once it is revoked.

    It is derived from ``secret_key`` (HMAC-SHA256 of a counter), so the store keeps only
    its hash, as for every other token. None on a store of imported data, whose tokens are
    only made by ``wall-token``."""
    if not secret_key or not _is_demo(engine):
        return None
    for _ in range(3):  # another process may be making the same token at the same moment
        try:
            with store.transaction(engine) as conn:
                serial = _demo_serial(conn)
                token = _derived_demo_token(secret_key, serial)
                revoked = conn.execute(select(DisplayToken.revoked_at)
                                       .where(DisplayToken.token_hash == _token_hash(token))
                                       ).one_or_none()
                if revoked is not None and revoked.revoked_at is None:
                    return token
                if revoked is not None:  # revoked by an operator: the next in line
                    serial += 1
                    store.set_meta(conn, DEMO_WALL_SERIAL_META, str(serial))
                    token = _derived_demo_token(secret_key, serial)
                _insert_token(conn, token, None, "demo wall")
                return token
        except IntegrityError:
            continue
    raise RuntimeError("the demo wall token could not be made (three clashes in a row)")


def demo_sign_in_hints(engine: Engine, cache: dict | None = None,
                       secret_key: str | None = None) -> tuple[list[DemoAccount], str | None]:
    """On the demo county: the demo accounts that still have their printed password, and
    (given the signing key) the demo wall's token if it is still valid, for the sign-in
    page to offer a newcomer. Nothing elsewhere.

    ``cache`` (by account and password stamp) spares a hash check per page view."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return [], None
        serial = _demo_serial(conn)
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
    token = _derived_demo_token(secret_key, serial) if secret_key else None
    if token and check_display_token(engine, token) is None:
        token = None
    return still, token
