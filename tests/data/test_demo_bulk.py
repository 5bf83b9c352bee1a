"""The demo's bulk writer (data/demo/bulk.py): rows written through COPY (PostgreSQL) or
executemany (SQLite) with their count told per chunk, and the foreign keys checked once
after the load on PostgreSQL, still refusing a row that breaks one."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from data import store
from data.demo.bulk import foreign_keys_checked_after, insert_frame
from data.models import Case, CaseEvent
from tests import tiny_store


def _keys(engine: Engine) -> list[tuple]:
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f'")))


def _event(case_id: int, n: int) -> dict:
    return {"id": 10_000 + n, "case_id": case_id, "action": "urge", "from_status": "dispatched",
            "to_status": "dispatched", "actor": "bench", "note": None,
            "at": datetime(2026, 3, 5, 8, 0)}


def _events(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM case_events")).scalar()


def test_rows_are_written_chunk_by_chunk_and_the_keys_come_back(engine):
    tiny_store.build(engine)
    with engine.connect() as conn:
        case_id = conn.execute(text("SELECT MIN(id) FROM cases")).scalar()
    keys, before = _keys(engine), _events(engine)
    told: list[int] = []
    frame = pd.DataFrame([_event(case_id, n) for n in range(5)])
    with store.transaction(engine) as conn:
        with foreign_keys_checked_after(conn, [CaseEvent.__tablename__, Case.__tablename__]):
            insert_frame(conn, CaseEvent, frame, chunk=2, written=told.append)
    assert told == [2, 2, 1]
    assert _events(engine) == before + 5
    assert _keys(engine) == keys  # every foreign key as it was, names and definitions
    if engine.dialect.name == "postgresql":
        assert any(table == "case_events" for table, _, _ in keys)


def test_a_row_that_breaks_a_foreign_key_still_fails_and_nothing_is_written(engine):
    tiny_store.build(engine)
    keys, before = _keys(engine), _events(engine)
    frame = pd.DataFrame([_event(999_999, 1)])  # no case has this id
    with pytest.raises(IntegrityError):
        with store.transaction(engine) as conn:
            with foreign_keys_checked_after(conn, [CaseEvent.__tablename__]):
                insert_frame(conn, CaseEvent, frame)
    assert _events(engine) == before
    assert _keys(engine) == keys
