"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.settings import Settings
from data import store
from tests import tiny_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    return Settings(database_url=url)
