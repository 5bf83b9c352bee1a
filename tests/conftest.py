"""Fixtures shared by the whole suite.

``engine`` runs each test that uses it against both stores: a fresh SQLite file, and the
PostgreSQL server named by ``TEST_POSTGRES_URL`` (``make test`` starts one). Without that
variable the PostgreSQL half is skipped locally and fails under CI, so CI never passes
on SQLite alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data import store

ROOT = Path(__file__).resolve().parent.parent
LA311 = ROOT / "examples" / "la311"
ARTIFACTS = ROOT / "test-artifacts"


def _postgres_url() -> str | None:
    return os.environ.get("TEST_POSTGRES_URL") or None


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


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty store with every table created, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        eng = store.make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        store.init_db(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("postgres_engine")
        store.drop_all(eng)
        store.init_db(eng)
        yield eng


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    """An empty SQLite store, for tests whose subject is not the database."""
    eng = store.make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    store.init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots and other evidence of a run are kept (``test-artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
