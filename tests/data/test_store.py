"""Store helpers: levels, the closure table, meta, deadlines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from data import store
from data.deadlines import deadline
from data.models import Region, RegionAncestor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_levels_are_data_and_clashes_are_refused(engine):
    with store.transaction(engine) as conn:
        store.ensure_level(conn, "区县", 0)
        store.ensure_level(conn, "网格", 1)
        store.ensure_level(conn, "网格", 1)  # the same again is fine
        with pytest.raises(store.StoreError, match="clashes"):
            store.ensure_level(conn, "社区村", 1)


def test_closure_table_has_every_ancestor_pair(engine):
    with store.transaction(engine) as conn:
        conn.execute(insert(Region), [
            {"id": 1, "code": "A", "name": "a", "level": "x", "depth": 0, "parent_id": None},
            {"id": 2, "code": "B", "name": "b", "level": "y", "depth": 1, "parent_id": 1},
            {"id": 3, "code": "C", "name": "c", "level": "z", "depth": 2, "parent_id": 2},
        ])
        store.rebuild_region_ancestors(conn)
        pairs = set(conn.execute(select(RegionAncestor.ancestor_id, RegionAncestor.descendant_id,
                                        RegionAncestor.distance)).all())
    assert pairs == {(1, 1, 0), (2, 2, 0), (3, 3, 0), (1, 2, 1), (2, 3, 1), (1, 3, 2)}


def test_a_cycle_in_the_hierarchy_is_refused(engine):
    with pytest.raises(store.StoreError, match="cycle"):
        with store.transaction(engine) as conn:
            conn.execute(insert(Region), [
                {"id": 1, "code": "A", "name": "a", "level": "x", "depth": 0, "parent_id": None},
                {"id": 2, "code": "B", "name": "b", "level": "y", "depth": 1, "parent_id": 1},
            ])
            conn.execute(update(Region).where(Region.id == 1).values(parent_id=2))
            store.rebuild_region_ancestors(conn)


def test_meta_and_data_version(engine):
    with store.transaction(engine) as conn:
        assert store.data_version(conn) == 0
        assert store.deployment_timezone(conn).key == "Asia/Shanghai"
        store.set_meta(conn, "timezone", "America/Los_Angeles")
        assert store.bump_data_version(conn) == 1
        assert store.bump_data_version(conn) == 2
    with engine.connect() as conn:
        assert store.data_version(conn) == 2
        assert store.deployment_timezone(conn).key == "America/Los_Angeles"
        store.set_meta(conn, "timezone", "Mars/Olympus")
        with pytest.raises(store.StoreError, match="Mars/Olympus"):
            store.deployment_timezone(conn)


def test_deadline_in_hours_counts_the_clock():
    assert deadline(datetime(2026, 11, 20, 23, 0), 4, "hours", SHANGHAI) == datetime(2026, 11, 21, 3, 0)


def test_deadline_in_working_days_skips_the_weekend():
    # Friday 2026-11-20 10:00 local (02:00 UTC) + 1 working day -> Monday 11-23 10:00 local.
    assert deadline(datetime(2026, 11, 20, 2, 0), 1, "working_days", SHANGHAI) == datetime(2026, 11, 23, 2, 0)
    # Saturday 10:00 local: the clock starts Monday 08:30 local, + 2 working days -> Wednesday.
    assert deadline(datetime(2026, 11, 21, 2, 0), 2, "working_days", SHANGHAI) == datetime(2026, 11, 25, 0, 30)


def test_deadline_refuses_unknown_units_and_negative_limits():
    with pytest.raises(ValueError, match="fortnights"):
        deadline(datetime(2026, 1, 1), 1, "fortnights", SHANGHAI)
    with pytest.raises(ValueError, match="negative"):
        deadline(datetime(2026, 1, 1), -1, "hours", SHANGHAI)


def test_upgrade_adds_an_index_a_store_made_earlier_lacks(engine):
    from sqlalchemy import inspect, text

    from data import migrate

    with engine.begin() as conn:  # a store made before migrations, and before this index
        conn.execute(text("DROP INDEX ix_patrols_started_region"))
        conn.execute(text("DROP TABLE alembic_version"))
    assert "ix_patrols_started_region" not in {
        i["name"] for i in inspect(engine).get_indexes("patrols")}
    with pytest.raises(store.StoreError, match="db upgrade"):
        store.init_db(engine)
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # and again: nothing to do
    store.init_db(engine)
    assert "ix_patrols_started_region" in {
        i["name"] for i in inspect(engine).get_indexes("patrols")}


def test_postgres_sessions_run_without_jit_unless_the_address_sets_its_options(
        postgres_engine):
    url = postgres_engine.url.render_as_string(hide_password=False)
    engine = store.make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    engine.dispose()
    own = store.make_engine(url + ("&" if "?" in url else "?") + "options=-c%20work_mem%3D8MB")
    with own.connect() as conn:  # the address's own options are kept, and jit left alone
        assert conn.exec_driver_sql("SHOW work_mem").scalar() == "8MB"
        assert conn.exec_driver_sql("SHOW jit").scalar() == conn.exec_driver_sql(
            "SELECT boot_val FROM pg_settings WHERE name = 'jit'").scalar()
    own.dispose()


def _backend(conn) -> object:
    """Who answers on ``conn``: PostgreSQL's backend process, SQLite's connection."""
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    return id(conn.connection.dbapi_connection)


def test_a_read_beside_runs_on_another_connection_only_where_it_answers_the_same(engine):
    with engine.connect() as conn:
        mine = _backend(conn)
        beside = store.read_beside(conn, _backend)
        other = beside()
        if engine.dialect.name == "postgresql":
            assert other != mine  # at once, on a connection of its own
        else:
            assert other == mine  # SQLite: on the request's connection, when asked
    with engine.connect() as conn:
        store.set_meta(conn, "unsaid", "yes")  # a write not committed: seen by conn alone
        beside = store.read_beside(conn, lambda c: (_backend(c), store.get_meta(c, "unsaid")))
        assert beside() == (_backend(conn), "yes")
        conn.rollback()


def test_a_read_beside_gives_its_error_and_waits_when_every_slot_is_busy(postgres_engine):
    def fails(conn):
        raise LookupError("from beside")

    with postgres_engine.connect() as conn:
        with pytest.raises(LookupError, match="from beside"):
            store.read_beside(conn, fails)()
        held = [store._beside_free.acquire(blocking=False) for _ in range(store._BESIDE_SLOTS)]
        try:
            assert all(held)
            assert store.read_beside(conn, _backend)() == _backend(conn)  # in turn, on conn
        finally:
            for _ in held:
                store._beside_free.release()
        assert store.read_beside(conn, _backend)() != _backend(conn)  # a slot again


def test_a_read_beside_a_snapshot_reads_that_snapshot(postgres_engine):
    with postgres_engine.connect().execution_options(
            isolation_level="REPEATABLE READ") as conn:
        mine = _backend(conn)
        assert store.read_beside(conn, _backend)() == mine
