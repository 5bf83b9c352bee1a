"""The API keys writers file cases with (``python -m dashboard api-key add|list|revoke``).

A key belongs to one writer: a hotline system, a residents' app, a grid officer's phone. It
decides the case's source channel (:data:`data.schema.KEY_SOURCES`), where it may file
(``region_id``: that region and everything under it; None: anywhere), whose report it is
(``officer_id``) and how many requests a minute it may send (``rate_per_minute``; None: the
deployment's default, ``Settings.intake_rate_per_minute``).

As for the wall's display tokens (:mod:`data.users`), the key is 256 random bits shown once
when it is made; the store keeps only its SHA-256, so a copy of the store lets nobody file
cases. A key starts with :data:`PREFIX` so that one pasted into a log or a chat is
recognised for what it is (and secret scanners can find it).

Errors are :class:`ApiKeyError`: a stable ``key`` and ``values`` for an interface to word,
and an English message for the command line; nothing is written when one is raised. Making
and revoking a key writes an audit row in the same transaction (its name and id, never the
key).
"""

from __future__ import annotations

import functools

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from data import audit as audit_log
from data import schema, store
from data.models import ApiKey, Officer, Region
from data.users import AccountError

log = logging.getLogger(__name__)

#: What every key starts with: recognisable in a log, a chat or a secret scanner.
PREFIX = "o311_"
#: Random bytes after the prefix (256 bits, as the display tokens).
TOKEN_BYTES = 32
#: A well-formed key: the prefix and url-safe base64 text (:func:`secrets.token_urlsafe`).
_TOKEN_SHAPE = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_-]{16,128}")
#: Longer input is not even hashed.
MAX_TOKEN_LENGTH = 200
MAX_NAME_LENGTH = 100
#: The highest per-key rate one may set (requests a minute): 1,000 a second.
MAX_RATE_PER_MINUTE = 60_000
#: The source of a key given none: an officer's phone reports from patrol, others are a
#: hotline system until said otherwise.
OFFICER_SOURCE = "patrol"
DEFAULT_SOURCE = "hotline"
#: ``last_used_at`` is written at most this often per key, so a busy key costs the store
#: one write a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyError(AccountError):
    """A request about API keys that cannot be done; nothing was written. Like every
    :class:`data.users.AccountError`: ``key`` names the reason (``api_key_bad_name``,
    ``api_key_unknown_region``, ...), ``values`` the facts; ``str()`` is English."""


@dataclass(frozen=True)
class KeyInfo:
    """One API key's facts (never the key, nor its hash)."""

    id: int
    name: str
    source: str
    region_id: int | None
    region_code: str | None
    officer_id: int | None
    officer_code: str | None
    officer_name: str | None
    rate_per_minute: int | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


# --- making, listing, revoking ------------------------------------------------------------------

def add_key(engine: Engine | Connection, name: str, *, source: str | None = None,
            region_code: str | None = None, officer_code: str | None = None,
            rate_per_minute: int | None = None, now: datetime | None = None,
            actor: str | audit_log.Who = "cli") -> tuple[str, KeyInfo]:
    """Make a key named ``name``; return (the key, shown only now, and its facts).

    Parameters
    ----------
    name
        1 to :data:`MAX_NAME_LENGTH` printable characters (spaces around it dropped), not
        yet taken by another key, revoked ones included.
    source
        The channel of every case filed with it, one of :data:`data.schema.KEY_SOURCES`.
        None: ``patrol`` for an officer's key, else ``hotline``.
    region_code
        Where it may file (that region and below); None: anywhere, or for an officer's key
        the officer's grid.
    officer_code
        ``officers.code`` of the grid officer whose phone holds it.
    rate_per_minute
        Requests a minute it may send, 1 to :data:`MAX_RATE_PER_MINUTE`; None: the
        deployment's default.
    now, actor
        When (naive UTC; default now) and who, for ``created_at`` and the audit row (a
        plain name is taken as a command-line actor).

    Raises
    ------
    ApiKeyError
        For a bad or taken name, an unknown source, region or officer, or a bad rate.
    """
    name = _check_name(name)
    rate = _check_rate(rate_per_minute)
    now = now or store.utcnow()
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with store.transaction(engine) as conn:
            officer = _officer(conn, officer_code)
            source = _check_source(source or (OFFICER_SOURCE if officer else DEFAULT_SOURCE))
            region_id = _region_id(conn, region_code)
            if region_id is None and officer is not None:
                region_id = officer.region_id
            if conn.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
                raise _taken(name)
            key_id = conn.execute(insert(ApiKey).values(
                name=name, key_hash=_hash(token), source=source, region_id=region_id,
                officer_id=officer.id if officer else None, rate_per_minute=rate,
                created_at=now, revoked_at=None, last_used_at=None,
            ).returning(ApiKey.id)).scalar_one()
            info = _get(conn, ApiKey.id == key_id)
            _audit(conn, audit_log.API_KEY_MADE, info, actor, now)
    except IntegrityError:  # another process took the name between the check and the insert
        raise _taken(name) from None
    return token, info


def list_keys(engine: Engine | Connection) -> list[KeyInfo]:
    """Every key ever made (revoked ones too), oldest first."""
    with store.transaction(engine) as conn:
        rows = conn.execute(_query().order_by(ApiKey.id)).all()
    return [_info(row) for row in rows]


def get_key(engine: Engine | Connection, name: str) -> KeyInfo:
    """The key named ``name``; :class:`ApiKeyError` if there is none."""
    with store.transaction(engine) as conn:
        info = _get(conn, ApiKey.name == name)
    if info is None:
        raise _unknown(name)
    return info


def revoke_key(engine: Engine | Connection, name: str, *, now: datetime | None = None,
               actor: str | audit_log.Who = "cli") -> KeyInfo:
    """Revoke the key named ``name``: its next request is refused (403). It stays listed.

    Revoking a revoked key changes nothing (its first ``revoked_at`` stays, no second audit
    row); an unknown name raises :class:`ApiKeyError`."""
    now = now or store.utcnow()
    with store.transaction(engine) as conn:
        info = _get(conn, ApiKey.name == name)
        if info is None:
            raise _unknown(name)
        if info.revoked:
            return info
        conn.execute(update(ApiKey).where(ApiKey.id == info.id, ApiKey.revoked_at.is_(None))
                     .values(revoked_at=now))
        info = _get(conn, ApiKey.id == info.id)
        _audit(conn, audit_log.API_KEY_REVOKED, info, actor, now)
    return info


# --- the check every request makes ----------------------------------------------------------------

def check_key(engine: Engine | Connection, token: object, *,
              now: datetime | None = None) -> KeyInfo | None:
    """The facts of a valid, unrevoked key ``token``; None for anything else (unknown,
    revoked, not text, malformed, huge).

    The key is looked up by its hash, so the lookup's timing says nothing about how much of
    a guess was right. ``last_used_at`` is written only when it is :data:`TOUCH_EVERY` old
    (a conditional update: of many requests at once, one writes)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    now = now or store.utcnow()
    if isinstance(engine, Connection):
        info = _get(engine, ApiKey.key_hash == _hash(token))
    else:  # a read: no transaction to commit (a commit costs a SQLite write of its own)
        with engine.connect() as conn:
            info = _get(conn, ApiKey.key_hash == _hash(token))
    if info is None or info.revoked:
        return None
    stale = now - TOUCH_EVERY
    if info.last_used_at is None or info.last_used_at <= stale:
        if _touch(engine, info.id, now, stale):
            info = replace(info, last_used_at=now)
    return info


def _touch(engine: Engine | Connection, key_id: int, now: datetime, stale: datetime) -> bool:
    """Write ``last_used_at`` unless another request did since ``stale``; whether this one
    did. Its own transaction, the update first: on SQLite a read transaction that turns
    into a write after another process wrote fails at once (busy snapshot). Best effort:
    a busy store skips it, and a request a moment later writes it."""
    change = (update(ApiKey).where(ApiKey.id == key_id, or_(
        ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= stale))
        .values(last_used_at=now))
    if isinstance(engine, Connection):  # the caller's transaction: its errors are its own
        return bool(engine.execute(change).rowcount)
    try:
        with store.transaction(engine) as conn:
            return bool(conn.execute(change).rowcount)
    except OperationalError as exc:
        log.warning("API key %s: last use not recorded (%s)", key_id, exc.orig)
        return False


# --- helpers ------------------------------------------------------------------------------------

def _hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, no salt or stretching needed
    return hashlib.sha256(token.encode()).hexdigest()


def _check_name(name: object) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME_LENGTH or not text.isprintable():
        raise ApiKeyError(
            "api_key_bad_name",
            f"{name!r} is not a usable key name (1-{MAX_NAME_LENGTH} printable characters)",
            name=name, maximum=MAX_NAME_LENGTH)
    return text


def _check_source(source: str) -> str:
    if source not in schema.KEY_SOURCES:
        raise ApiKeyError(
            "api_key_unknown_source",
            f"unknown source {source!r}: expected one of {', '.join(schema.KEY_SOURCES)}",
            source=source, sources=", ".join(schema.KEY_SOURCES))
    return source


def _check_rate(rate: object) -> int | None:
    if rate is None:
        return None
    if (isinstance(rate, bool) or not isinstance(rate, int)
            or not 1 <= rate <= MAX_RATE_PER_MINUTE):
        raise ApiKeyError(
            "api_key_bad_rate",
            f"rate {rate!r}: expected a whole number of requests a minute from 1 to "
            f"{MAX_RATE_PER_MINUTE}", rate=rate, maximum=MAX_RATE_PER_MINUTE)
    return rate


def _region_id(conn: Connection, code: str | None) -> int | None:
    if code is None or code == "":
        return None
    region_id = conn.scalar(select(Region.id).where(Region.code == code))
    if region_id is None:
        raise ApiKeyError("api_key_unknown_region", f"no region has the code {code!r}",
                          code=code)
    return region_id


def _officer(conn: Connection, code: str | None):
    if code is None or code == "":
        return None
    row = conn.execute(select(Officer.id, Officer.region_id).where(Officer.code == code)
                       ).one_or_none()
    if row is None:
        raise ApiKeyError("api_key_unknown_officer", f"no grid officer has the code {code!r}",
                          code=code)
    return row


def _taken(name: str) -> ApiKeyError:
    return ApiKeyError("api_key_duplicate_name", f"an API key named {name!r} exists",
                       name=name)


def _unknown(name: str) -> ApiKeyError:
    return ApiKeyError("api_key_unknown", f"no API key is named {name!r}", name=name)


def _audit(conn: Connection, event: str, info: KeyInfo, actor: str | audit_log.Who,
           at: datetime) -> None:
    """The audit row of a key made or revoked, in the change's own transaction."""
    who = actor if isinstance(actor, audit_log.Who) else audit_log.Who(actor, audit_log.CLI)
    facts = {"name": info.name, "source": info.source, "officer": info.officer_code,
             "rate_per_minute": info.rate_per_minute}
    audit_log.record(conn, event, who, target=f"api key {info.id}", region=info.region_code,
                     detail={k: v for k, v in facts.items() if v is not None}, at=at)


@functools.cache
def _query():
    """The key's facts with its region's and officer's codes: built once (a statement is
    immutable; building it cost ~2 ms of every API request)."""
    region = Region.__table__.alias("key_region")
    return (select(ApiKey.id, ApiKey.name, ApiKey.source, ApiKey.region_id,
                   region.c.code.label("region_code"), ApiKey.officer_id,
                   Officer.code.label("officer_code"), Officer.name.label("officer_name"),
                   ApiKey.rate_per_minute, ApiKey.created_at, ApiKey.revoked_at,
                   ApiKey.last_used_at)
            .outerjoin(region, region.c.id == ApiKey.region_id)
            .outerjoin(Officer, Officer.id == ApiKey.officer_id))


def _get(conn: Connection, condition) -> KeyInfo | None:
    row = conn.execute(_query().where(condition)).one_or_none()
    return None if row is None else _info(row)


def _info(row) -> KeyInfo:
    return KeyInfo(id=row.id, name=row.name, source=row.source, region_id=row.region_id,
                   region_code=row.region_code, officer_id=row.officer_id,
                   officer_code=row.officer_code, officer_name=row.officer_name,
                   rate_per_minute=row.rate_per_minute, created_at=row.created_at,
                   revoked_at=row.revoked_at, last_used_at=row.last_used_at)

