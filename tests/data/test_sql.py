"""The dialect shims of :mod:`data.sql` give the same answers on both stores."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, Integer, cast, func, insert, select

from data import sql, store
from data.models import Case, Meta


@pytest.fixture
def two_cases(engine: Engine) -> Engine:
    with store.transaction(engine) as conn:
        conn.execute(insert(Case), [
            {"id": 1, "code": "A", "status": "reported", "location_method": "none",
             "version": 1, "reported_at": datetime(2026, 3, 2, 8, 59, 59),
             "due_at": datetime(2026, 3, 3, 20, 29, 59)},
            {"id": 2, "code": "B", "status": "closed", "location_method": "none",
             "version": 1, "reported_at": datetime(2026, 3, 2, 23, 0),
             "due_at": None},
        ])
    return engine


def test_utc_hour_cuts_a_time_to_its_hour(two_cases):
    with two_cases.connect() as conn:
        hours = conn.execute(select(sql.utc_hour(Case.reported_at)).order_by(Case.id)).scalars()
        assert list(hours) == ["2026-03-02 08", "2026-03-02 23"]


def test_epoch_hours_differences_are_hours(two_cases):
    with two_cases.connect() as conn:
        span = conn.scalar(select(sql.epoch_hours(Case.due_at) - sql.epoch_hours(Case.reported_at))
                           .where(Case.id == 1))
        since = conn.scalar(select(sql.now_hours(datetime(2026, 3, 4, 8, 59, 59))
                                   - sql.epoch_hours(Case.reported_at)).where(Case.id == 1))
    assert span == pytest.approx(35.5, abs=1e-6)  # 03-02 08:59:59 to 03-03 20:29:59
    assert since == pytest.approx(48, abs=1e-6)


def test_count_if_counts_the_rows_that_meet_a_condition(two_cases):
    with two_cases.connect() as conn:
        closed, due, none = conn.execute(select(
            sql.count_if(Case.status == "closed"), sql.count_if(Case.due_at.is_not(None)),
            sql.count_if(Case.code == "nobody"))).one()
        empty = conn.scalar(select(sql.count_if(Case.id > 0)).where(Case.id > 99))
    assert (closed, due, none) == (1, 1, 0)
    assert empty == 0  # no rows at all: 0, not NULL


def test_conflict_insert_leaves_an_existing_row_alone(engine):
    with store.transaction(engine) as conn:
        insert_ = sql.conflict_insert(conn)
        assert insert_ is not None  # both stores know ON CONFLICT
        for value in ("1", "2"):
            conn.execute(insert_(Meta).values(key="shim_test", value=value)
                         .on_conflict_do_nothing(index_elements=[Meta.key]))
    with engine.connect() as conn:
        assert conn.execute(select(Meta.value, func.count()).where(Meta.key == "shim_test")
                            .group_by(Meta.value)).all() == [("1", 1)]


def test_id_chunks_find_every_id_and_only_those(engine):
    """Ids beyond one IN list (5,000) on SQLite; one array parameter on PostgreSQL."""
    with store.transaction(engine) as conn:
        conn.execute(insert(Meta), [{"key": f"k{i}", "value": str(i)} for i in range(12_001)])
    wanted = list(range(0, 12_001, 2)) + [99_999]  # 6,001 of them, one that no row has
    value = cast(Meta.value, Integer)
    with engine.connect() as conn:
        parts = list(sql.id_chunks(conn, value, wanted))
        found = [v for part in parts for (v,) in conn.execute(select(value).where(part))]
        assert list(sql.id_chunks(conn, value, [])) == []
    assert sorted(found) == list(range(0, 12_001, 2))
    assert len(parts) == (1 if engine.dialect.name == "postgresql" else 2)
