"""The store's schema revisions (Alembic): which one a store is at, and bringing it to the
code's (``python -m dashboard db upgrade``).

The revisions live in ``data/migrations/versions``; the first, ``0001``, is the schema as
it was when migrations began, and it also adopts a store made before them (no
``alembic_version`` table): it creates the tables and indexes such a store lacks and
backfills what they hold. Alembic is configured here, in code: no ``alembic.ini`` needed.

:func:`data.store.init_db` calls :func:`ensure_current` every time a store is opened: an
empty store is created at the head revision, a store at the head is left as it is (one
small query), and a store behind is refused with :class:`~data.errors.StoreError` saying
to run ``db upgrade``. On PostgreSQL, creating and upgrading hold an advisory lock, so two
workers starting at once on a fresh store do not both create it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from data import rollup_rebuild
from data.errors import StoreError
from data.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
#: the key of PostgreSQL's advisory lock held while a store is created or upgraded
LOCK_KEY = 0x64617368  # "dash"
UPGRADE_COMMAND = "python -m dashboard db upgrade"


@dataclass(frozen=True)
class Status:
    """Where a store stands: ``revision`` (None: no ``alembic_version``), whether it has
    any table at all (``empty``), and the code's ``head``."""

    revision: str | None
    empty: bool
    head: str

    @property
    def current(self) -> bool:
        """The store is at the code's schema."""
        return self.revision == self.head

    def describe(self) -> str:
        """The store's revision in words: ``0001``, ``empty`` or ``none (predates ...)``."""
        if self.revision is not None:
            return self.revision
        return "empty" if self.empty else "none (the store predates migrations)"


@dataclass
class UpgradeReport:
    """What :func:`upgrade` did: from which revision (as :meth:`Status.describe` words
    it) to which, and one line per thing done (tables created, rows backfilled)."""

    before: str
    after: str
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after or bool(self.notes)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's revisions; ``connection`` (in a transaction)
    is the one ``env.py`` migrates. Revisions append what they did to
    ``config.attributes["notes"]``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["notes"] = []
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision the code's schema is (the newest in ``data/migrations/versions``)."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the baseline is always there
        raise StoreError(f"no revision under {MIGRATIONS}")
    return head


def lock(conn: Connection) -> None:
    """Hold the store's migration lock until ``conn``'s transaction ends: PostgreSQL's
    advisory lock :data:`LOCK_KEY`; on SQLite the file's write lock (``BEGIN IMMEDIATE``),
    which also makes the schema changes that follow part of the transaction. Call it
    first thing in the transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def status(engine_or_conn: Engine | Connection) -> Status:
    """Where the store stands (see :class:`Status`)."""
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            return status(conn)
    revision = _revision(engine_or_conn)
    empty = revision is None and not inspect(engine_or_conn).get_table_names()
    return Status(revision, empty, head_revision())


def current_revision(engine_or_conn: Engine | Connection) -> str | None:
    """The store's revision; None for a store without one (empty, or made before
    migrations)."""
    return status(engine_or_conn).revision


def behind_message(state: Status) -> str:
    """The one line a store that is not at the code's schema is refused with."""
    if state.revision is not None and not is_known(state.revision):
        return (f"the store's schema is at revision {state.revision}, which this code does "
                f"not know (it needs {state.head}): a newer release made or upgraded it; "
                "run that release, or restore a backup made for this one")
    return (f"the store's schema is at revision {state.describe()}, the code needs "
            f"{state.head}: run `{UPGRADE_COMMAND}` (back up the store first)")


def behind_error(state: Status) -> StoreError:
    """:func:`behind_message` as the error, with the key and values the command line
    words it by in the run's language."""
    if state.revision is not None and not is_known(state.revision):
        return StoreError(behind_message(state), "cli_store_newer", revision=state.revision,
                          head=state.head)
    return StoreError(behind_message(state),
                      "cli_store_behind" if state.revision else "cli_store_before_migrations",
                      revision=state.revision, head=state.head, command=UPGRADE_COMMAND)


def is_known(revision: str) -> bool:
    """The revision is one of the code's (not one a newer release made)."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def check_current(engine_or_conn: Engine | Connection) -> Status:
    """The store's :class:`Status`; :class:`StoreError` (:func:`behind_message`) unless it
    is at the code's schema or empty."""
    state = status(engine_or_conn)
    if not (state.current or state.empty):
        raise behind_error(state)
    return state


def ensure_current(engine: Engine) -> None:
    """Open ``engine``'s store: create an empty one at the head revision (every table of
    the models, then stamped), do nothing to one at the head, refuse one behind
    (:class:`StoreError`). Two processes opening the same empty store at once: one
    creates it under the :func:`lock`, the other waits for it and then sees the head."""
    if not check_current(engine).empty:
        return
    with engine.begin() as conn:
        lock(conn)
        if not check_current(conn).empty:  # another process made it while we waited
            return
        Base.metadata.create_all(conn)
        MigrationContext.configure(conn).stamp(_scripts(), "head")


def upgrade(engine: Engine, to: str = "head") -> UpgradeReport:
    """Bring the store to revision ``to`` (default: the code's), in one transaction under
    the migration :func:`lock`: the schema changes and the backfills commit together, or
    nothing changes. A store made before migrations is adopted by the first revision.
    Returns what was done; run again, it does nothing."""
    with engine.begin() as conn:
        lock(conn)
        before = status(conn)
        if before.revision is not None and not is_known(before.revision):
            raise behind_error(before)
        config = alembic_config(conn)
        conn.info[rollup_rebuild.UPGRADING] = True  # the rollups' columns may be fewer
        try:
            command.upgrade(config, to)
        except (CommandError, ValueError) as exc:  # an unknown revision; data it cannot move
            raise StoreError(f"cannot upgrade the store to {to!r}: {exc}") from None
        finally:
            conn.info.pop(rollup_rebuild.UPGRADING, None)
        after = status(conn)
    return UpgradeReport(before.describe(), after.describe(), config.attributes["notes"])
