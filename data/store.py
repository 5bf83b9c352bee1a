"""Opening the store, creating its tables, and the small shared writes every loader needs.

Any script can use this module: it knows nothing of Dash.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import Connection, Engine, Integer, Text, bindparam, cast, create_engine, delete
from sqlalchemy import event, func, insert, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from data import migrate, schema
from data.errors import StoreError  # also raised and caught as store.StoreError
from data.models import Base, Meta, Patrol, PatrolVisit, Region, RegionAncestor, RegionLevel
from data.sql import conflict_insert

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: ``meta`` keys of the counters live views compare to skip work (see bump_*_version).
DATA_VERSION = "data_version"
REGIONS_VERSION = "regions_version"


#: The stores the dashboard runs on (its SQL is written and tested for these two).
SUPPORTED_STORES = ("sqlite", "postgresql")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite gets
    foreign keys, WAL and a busy timeout so a reader never blocks the importer."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("the store's address (DATABASE_URL) is not a database address: give "
                         "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
                         "cli_store_not_address") from None
    if parsed.get_backend_name() not in SUPPORTED_STORES:
        backend, address = parsed.get_backend_name(), parsed.render_as_string(hide_password=True)
        raise StoreError(f"{backend!r} stores are not supported ({address}): this dashboard "
                         "runs on SQLite (sqlite:///PATH) or PostgreSQL "
                         "(postgresql+psycopg://USER@HOST/DB)", "cli_store_unsupported",
                         backend=repr(backend), address=address)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
        # PostgreSQL's JIT compiles a query that reads 100,000 rows for longer than it then
        # runs (0.1-0.2 s a query on the city demo); the views' queries gain nothing by it.
        # An address that sets its own ``options`` keeps them.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    return create_engine(url, pool_pre_ping=True)


def init_db(engine: Engine) -> None:
    """Open the store at the code's schema: an empty store gets every table (stamped at
    the head revision), a store at the head is left as it is, and a store behind it (made
    by an earlier release, or at an older revision) is refused with a :class:`StoreError`
    that says to run ``python -m dashboard db upgrade`` (:mod:`data.migrate`)."""
    migrate.ensure_current(engine)


def drop_all(engine: Engine) -> None:
    """Drop every table of the store, its revision stamp too (the demo builder starts from
    nothing; :func:`init_db` then makes a store at the head)."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {migrate.VERSION_TABLE}"))


@contextmanager
def transaction(engine_or_conn: Engine | Connection) -> Iterator[Connection]:
    """A connection inside a transaction: committed on success, rolled back on any error.

    Given a connection already in a transaction, it is used as it is, so helpers compose.
    """
    if isinstance(engine_or_conn, Connection):
        yield engine_or_conn
        return
    with engine_or_conn.begin() as conn:
        yield conn


T = TypeVar("T")
#: Reads running beside their requests' own at once, per process (each holds a connection).
_BESIDE_SLOTS = 4
_beside_free = threading.BoundedSemaphore(_BESIDE_SLOTS)
_beside_pool = ThreadPoolExecutor(max_workers=_BESIDE_SLOTS, thread_name_prefix="read-beside")


#: Whether a PostgreSQL transaction sees what another connection would not.
_OWN_VIEW = text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL"
                 " OR current_setting('transaction_isolation') <> 'read committed'")


def read_beside(conn: Connection, work: Callable[[Connection], T]) -> Callable[[], T]:
    """Start ``work`` on a second connection to ``conn``'s store, in a thread, and give
    back the function that waits for its result (raising its error): a read the request
    needs anyway runs while ``conn`` does the rest, and PostgreSQL answers both at once
    on two cores (the console's period before beside the period's own figures).

    Where that could answer differently or cannot help, ``work(conn)`` runs when the
    result is asked for, as if called then: a store other than PostgreSQL (an in-memory
    SQLite store is one connection), a transaction of ``conn`` that has written (its
    changes are seen by it alone) or reads one snapshot (repeatable read), or every slot
    busy (each holds a pooled connection)."""
    def later() -> T:
        return work(conn)

    if conn.dialect.name != "postgresql" or conn.scalar(_OWN_VIEW):
        return later
    if not _beside_free.acquire(blocking=False):
        return later

    def run() -> T:
        try:
            with conn.engine.connect() as other:
                return work(other)
        finally:
            _beside_free.release()

    try:
        future = _beside_pool.submit(run)
    except RuntimeError:  # the interpreter is shutting down
        _beside_free.release()
        return later
    return future.result


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the store keeps."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(now: datetime | None) -> datetime:
    """``now`` as the store keeps times: naive UTC (an aware time is converted, not
    misread); None is :func:`utcnow`."""
    if now is None:
        return utcnow()
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


# --- meta ---------------------------------------------------------------------------------

# Built once: every live write reads and moves these counters (live intake: hundreds a second).
_META_VALUE = select(Meta.value).where(Meta.key == bindparam("meta_key"))
_BUMP = (update(Meta).where(Meta.key == bindparam("meta_key"))
         .values(value=cast(cast(Meta.value, Integer) + 1, Text)).returning(Meta.value))


def get_meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    """A deployment fact from the ``meta`` table."""
    value = conn.scalar(_META_VALUE, {"meta_key": key})
    return default if value is None else value


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Set a deployment fact (insert or replace)."""
    if conn.scalar(select(Meta.key).where(Meta.key == key)) is None:
        conn.execute(insert(Meta).values(key=key, value=value))
    else:
        conn.execute(update(Meta).where(Meta.key == key).values(value=value))


def deployment_timezone(conn: Connection) -> ZoneInfo:
    """The time zone local days are counted in (``meta.timezone``, default Asia/Shanghai)."""
    name = get_meta(conn, "timezone", DEFAULT_TIMEZONE) or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise StoreError(f"meta.timezone={name!r} is not a known IANA time zone") from None


def _bump_counter(conn: Connection, key: str) -> int:
    """Add one to the counter ``meta.<key>`` (made at 0 first), in the database.

    The increment happens in the database (``SET value = value + 1``), not read here and
    written back: two writers committing at once (two commanders on PostgreSQL) then move it
    twice, where a read-then-write would let the second overwrite the first's bump and a
    live view that saw the first change would never see the second.
    """
    value = conn.scalar(_BUMP, {"meta_key": key})  # one round trip once the counter exists
    if value is not None:
        return int(value)
    dialect_insert = conflict_insert(conn)
    if dialect_insert is not None:
        conn.execute(dialect_insert(Meta).values(key=key, value="0")
                     .on_conflict_do_nothing(index_elements=[Meta.key]))
    elif get_meta(conn, key) is None:
        set_meta(conn, key, "0")
    return int(conn.scalar(_BUMP, {"meta_key": key}))


def next_serial(conn: Connection, key: str) -> int:
    """The next number of the counter ``meta.<key>`` (1, 2, 3, ...), moved on in the
    database as :func:`_bump_counter` does, so two writers never draw the same number."""
    return _bump_counter(conn, key)


def bump_data_version(conn: Connection) -> int:
    """Mark that the data changed; live views compare this number to skip redraws."""
    return _bump_counter(conn, DATA_VERSION)


def data_version(conn: Connection) -> int:
    """The number :func:`bump_data_version` last wrote (0 for an empty store)."""
    return int(get_meta(conn, DATA_VERSION, "0") or 0)


def bump_regions_version(conn: Connection) -> int:
    """Mark that regions (their boundaries, names or hierarchy) changed: every writer of
    ``regions`` calls it in its transaction, and the maps' shapes the server keeps are
    keyed by :func:`regions_version`, so running walls and consoles draw the new ones."""
    return _bump_counter(conn, REGIONS_VERSION)


def regions_version(conn: Connection) -> int:
    """The number :func:`bump_regions_version` last wrote (0 for a store that never
    had its regions written since this counter exists)."""
    return int(get_meta(conn, REGIONS_VERSION, "0") or 0)


def carry_versions(conn: Connection, previous: dict[str, int]) -> None:
    """After a store was emptied and filled again (the demo builder), set each counter to
    one past ``previous`` (:func:`versions` read before): a running server that kept
    shapes or counts for an old number must never meet that number again."""
    for key, value in previous.items():
        set_meta(conn, key, str(int(value) + 1))


def holds_no_regions(engine: Engine) -> bool:
    """Whether the store has no region yet: nothing imported or built (``serve`` then
    builds the demo county; ``demo`` may fill it without ``--replace``)."""
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Region)) == 0


def versions(engine: Engine) -> dict[str, int]:
    """The data and regions counters of a store (0 where it has none, or no tables yet)."""
    if not inspect(engine).has_table(Meta.__tablename__):
        return {DATA_VERSION: 0, REGIONS_VERSION: 0}
    with engine.connect() as conn:
        return {DATA_VERSION: data_version(conn), REGIONS_VERSION: regions_version(conn)}


# --- region levels and the closure table -------------------------------------------------------

def ensure_level(conn: Connection, name: str, depth: int, name_en: str = "") -> None:
    """Record that level ``name`` sits at ``depth``; refuse a clash with what is stored."""
    by_depth = conn.execute(
        select(RegionLevel.name).where(RegionLevel.depth == depth)
    ).scalar_one_or_none()
    by_name = conn.execute(
        select(RegionLevel.depth).where(RegionLevel.name == name)
    ).scalar_one_or_none()
    if by_depth is None and by_name is None:
        if not name_en:
            name_en = dict(schema.DEFAULT_LEVELS).get(name, "")
        conn.execute(insert(RegionLevel).values(depth=depth, name=name, name_en=name_en))
        return
    if by_depth != name or by_name != depth:
        raise StoreError(
            f"level {name!r} at depth {depth} clashes with the stored levels "
            f"(depth {depth} is {by_depth!r}; {name!r} is at depth {by_name!r})"
        )


def rebuild_region_ancestors(conn: Connection) -> None:
    """Recompute the closure table from ``regions.parent_id`` (run after any region change)."""
    rows = conn.execute(select(Region.id, Region.parent_id)).all()
    parent = {rid: pid for rid, pid in rows}
    pairs: list[dict[str, int]] = []
    for rid in parent:
        node, distance, seen = rid, 0, set()
        while node is not None:
            if node in seen:
                raise StoreError(f"region id {rid} is its own ancestor: the hierarchy has a cycle")
            seen.add(node)
            pairs.append({"ancestor_id": node, "descendant_id": rid, "distance": distance})
            node, distance = parent.get(node), distance + 1
    conn.execute(delete(RegionAncestor))
    if pairs:
        conn.execute(insert(RegionAncestor), pairs)


# --- patrol visits of patrols kept without them ------------------------------------------------

def start_visits(patrols: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """One ``patrol_visits`` row per patrol of ``patrols`` (columns id, officer_id,
    region_id, started_at, ended_at, distance_m; naive UTC), as if it spent its whole time
    in its own grid on the local day it started: what is known of a patrol kept without a
    track (``fixes`` 0). :mod:`data.field.tracks` makes the visits of patrols with fixes."""
    started = pd.to_datetime(patrols["started_at"]).astype("datetime64[us]")
    ended = pd.to_datetime(patrols["ended_at"]).astype("datetime64[us]")
    seconds = (ended - started).dt.total_seconds().clip(lower=0).fillna(0.0)
    day = started.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).dt.date
    return pd.DataFrame({
        "patrol_id": patrols["id"].to_numpy(), "region_id": patrols["region_id"].to_numpy(),
        "day": day.to_numpy(), "officer_id": patrols["officer_id"].to_numpy(),
        "first_at": started.to_numpy(), "last_at": ended.fillna(started).to_numpy(),
        "fixes": 0, "seconds": seconds.to_numpy(),
        "distance_m": pd.to_numeric(patrols["distance_m"]).fillna(0.0).to_numpy()})


def backfill_patrol_visits(conn: Connection) -> int:
    """Give every patrol that has no ``patrol_visits`` row one, from its own grid and the
    local day it started (:func:`start_visits`); returns how many were written. For stores
    made before visits were kept: their patrol coverage reads as it did."""
    visited = select(PatrolVisit.patrol_id)
    rows = conn.execute(select(Patrol.id, Patrol.officer_id, Patrol.region_id,
                               Patrol.started_at, Patrol.ended_at, Patrol.distance_m)
                        .where(Patrol.id.not_in(visited))).all()
    if not rows:
        return 0
    frame = pd.DataFrame(rows, columns=["id", "officer_id", "region_id", "started_at",
                                        "ended_at", "distance_m"])
    visits = start_visits(frame, deployment_timezone(conn))
    records = [{"patrol_id": int(p), "region_id": int(r), "day": d, "officer_id": int(o),
                "first_at": pd.Timestamp(f).to_pydatetime(),
                "last_at": pd.Timestamp(la).to_pydatetime(), "fixes": 0,
                "seconds": float(s), "distance_m": float(m)}
               for p, r, d, o, f, la, _, s, m in visits.itertuples(index=False, name=None)]
    for start in range(0, len(records), 50_000):
        conn.execute(insert(PatrolVisit), records[start:start + 50_000])
    return len(records)
