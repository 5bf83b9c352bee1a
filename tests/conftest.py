"""Fixtures shared by the whole suite.

``engine`` runs each test that uses it against both stores: a fresh SQLite file, and the
PostgreSQL server named by ``TEST_POSTGRES_URL`` (``make test`` starts one). Without that
variable the PostgreSQL half is skipped locally and fails under CI, so CI never passes
on SQLite alone. Under pytest-xdist (``make test`` runs two workers) each worker has its
own PostgreSQL database (``<name>_gw0``, ``<name>_gw1``, made on the server) and its own
Redis database number, so no worker empties or drops the store another is using.

A fresh store is cheap to hand out: the SQLite half copies a file ``init_db`` made once per
session, and the PostgreSQL half empties the tables (``TRUNCATE ... RESTART IDENTITY``)
when the schema is still exactly the one ``init_db`` makes, at the head revision (a test
that changed it, or dropped it as the demo builder does, or moved its revision, gets
``drop_all`` and ``init_db`` as before).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import Engine, make_url, text

from data import migrate, store
from data.models import Base

ROOT = Path(__file__).resolve().parent.parent
LA311 = ROOT / "examples" / "la311"
ARTIFACTS = ROOT / "test-artifacts"


def load_la311(engine: Engine):
    """The shipped Los Angeles example imported as its README says (regions, then cases;
    no category table): (regions report, cases report)."""
    from data import case_import, region_import

    regions = region_import.import_regions(
        engine, LA311 / "data" / "nc-boundary-geojson-2021-01-22.json", LA311 / "regions.toml")
    cases = case_import.import_cases(engine, LA311 / "data" / "requests.csv",
                                     LA311 / "cases.toml")
    return regions, cases


def xdist_worker() -> int | None:
    """This process's number among pytest-xdist's workers (``gw3`` is 3), None when the
    run is not split (``-n0``, or no pytest-xdist)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


def _worker_database(url: str, worker: int) -> str:
    """``url`` with its database named for the worker (``dashboard_test`` becomes
    ``dashboard_test_gw1``), created on the server if it is not there yet: each worker has
    a store of its own, whose tables the others never empty or drop."""
    base = make_url(url)
    name = f"{base.database}_gw{worker}"
    admin = store.make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).first()
            if exists is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL") or None
    worker = xdist_worker()
    return url if url is None or worker is None else _worker_database(url, worker)


def _worker_redis_url(url: str, worker: int | None) -> str:
    """``url`` with worker N on database number (the URL's) + N: the workers' keys never
    meet, whatever a test writes or deletes (``make test``'s Redis is the run's own, from
    database 0; a developer's TEST_REDIS_URL=.../4 under -n 2 uses 4 and 5)."""
    if worker is None:
        return url
    parts = urlsplit(url)
    first = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{first + worker}"))


#: The schema of a PostgreSQL store as the catalog has it: tables, columns, indexes,
#: constraints, sequences, views, triggers and types of the current schema.
_PG_SCHEMA = text("""
SELECT string_agg(item, E'\\n' ORDER BY item) FROM (
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
           || is_nullable || ' ' || coalesce(column_default, '') AS item
      FROM information_schema.columns WHERE table_schema = current_schema()
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
    UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
           || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
    UNION ALL SELECT 'sequence ' || sequence_name
      FROM information_schema.sequences WHERE sequence_schema = current_schema()
    UNION ALL SELECT 'view ' || table_name
      FROM information_schema.views WHERE table_schema = current_schema()
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
    UNION ALL SELECT 'type ' || typname FROM pg_type
      WHERE typnamespace = current_schema()::regnamespace AND typtype IN ('e', 'c', 'd')
          AND typrelid = 0
) AS catalog""")


def _pg_schema(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(_PG_SCHEMA).scalar() or ""


@pytest.fixture(scope="session")
def postgres_engine() -> Engine:
    url = _postgres_url()
    if url is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must test PostgreSQL too: TEST_POSTGRES_URL is not set")
        pytest.skip("TEST_POSTGRES_URL not set (make test starts a server and sets it)")
    engine = store.make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis named by ``TEST_REDIS_URL`` (``make test`` starts one); like PostgreSQL,
    skipped locally without it and a failure under CI."""
    url = os.environ.get("TEST_REDIS_URL") or None
    if url is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must test Redis too: TEST_REDIS_URL is not set")
        pytest.skip("TEST_REDIS_URL not set (make test starts a Redis and sets it)")
    return _worker_redis_url(url, xdist_worker())


@pytest.fixture(scope="session")
def _postgres_fresh_schema(postgres_engine: Engine) -> str:
    """The catalog of a PostgreSQL store just made by ``init_db``."""
    store.drop_all(postgres_engine)
    store.init_db(postgres_engine)
    return _pg_schema(postgres_engine)


def _pg_revision(engine: Engine) -> list[str]:
    """The rows of ``alembic_version`` (the fresh schema has that table: a test may have
    moved its revision without changing the catalog)."""
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}"))
                    .scalars())


def _empty_postgres(engine: Engine, fresh_schema: str) -> None:
    """Make ``engine``'s store what ``drop_all`` + ``init_db`` make: the same schema with
    every table empty and every id sequence at its start."""
    if _pg_schema(engine) == fresh_schema and _pg_revision(engine) == [migrate.head_revision()]:
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    store.drop_all(engine)
    store.init_db(engine)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file just made by ``init_db``, copied for each test that wants an empty store."""
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    eng = store.make_engine(f"sqlite:///{path}")
    store.init_db(eng)
    with eng.connect() as conn:  # fold the WAL into the file before it is copied
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


def _empty_sqlite(template: Path, path: Path) -> Engine:
    shutil.copyfile(template, path)
    return store.make_engine(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty store with every table created, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        eng = _empty_sqlite(request.getfixturevalue("_sqlite_template"),
                            tmp_path / "test.sqlite3")
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("postgres_engine")
        _empty_postgres(eng, request.getfixturevalue("_postgres_fresh_schema"))
        yield eng


@pytest.fixture
def sqlite_engine(tmp_path: Path, _sqlite_template: Path) -> Engine:
    """An empty SQLite store, for tests whose subject is not the database."""
    eng = _empty_sqlite(_sqlite_template, tmp_path / "test.sqlite3")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots and other evidence of a run are kept (``test-artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _logging_as_it_was():
    """A test that serves configures the process's log (:func:`dashboard.logs.configure`,
    a handler on the root logger writing to the stderr pytest captured for that test):
    put the root logger back afterwards, so no handler on a closed stream outlives it."""
    root = logging.getLogger()
    named = ("werkzeug", "alembic")
    level, handlers = root.level, list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in named}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)
