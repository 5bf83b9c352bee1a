"""Migrations (:mod:`data.migrate`): a store made by the previous release, or by an older
one, is refused until ``upgrade`` brings it to the code's schema with every row kept; an
empty store upgraded is exactly the models' schema; two processes opening one empty store
at once make it once. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from data import migrate, rollup_check, store, users
from data.intake.create import Door, create_case
from data.intake.fields import parse_new_case
from data.models import Base, Case, CaseLink, DisplayToken, Patrol, PatrolVisit
from tests import previous_store


def _schema_differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_new_store_is_made_at_the_head_and_reopened_as_it_is(engine):
    state = migrate.status(engine)
    assert state.revision == migrate.head_revision() == "0008"
    assert state.current and not state.empty
    store.init_db(engine)  # at the head: nothing to do, no error
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() \
            == ["0008"]


def test_the_previous_releases_store_is_refused_then_upgraded_with_every_row(engine):
    previous_store.load(engine)
    assert migrate.current_revision(engine) is None
    with pytest.raises(store.StoreError, match=r"predates migrations\), the code needs 0008: "
                                               r"run `python -m dashboard db upgrade` "
                                               r"\(back up the store first\)"):
        store.init_db(engine)

    report = migrate.upgrade(engine)

    assert (report.before, report.after) == ("none (the store predates migrations)", "0008")
    # that release made every table and index of 0001 already; 0002, 0005, 0006, 0008 count
    # its cases
    assert len(report.notes) == 4
    assert re.fullmatch(r"0002: rollups made: [1-9]\d* rows counted from the cases; capture "
                        r"triggers on cases and case_events", report.notes[0])
    assert re.fullmatch(r"0005: hours to close made: [1-9]\d* rows \(region, day\) counted "
                        r"from the closed cases", report.notes[1])
    assert re.fullmatch(r"0006: postponed cases by day: [1-9]\d* rows from the postpone "
                        r"events; capture triggers note postpone events", report.notes[2])
    assert re.fullmatch(r"0008: deadline coverage: rollups counted again \([1-9]\d* rows\); "
                        r"the category table can hold urgent time limits and Open311 service "
                        r"codes", report.notes[3])
    with engine.connect() as conn:  # the counts the migration made are the direct counts
        assert rollup_check.check(conn, datetime(2026, 12, 1, 4, 0)) == []
    assert previous_store.row_counts(engine) == previous_store.ROWS
    assert _schema_differences(engine) == []
    store.init_db(engine)  # now opens
    assert users.authenticate(engine, "admin", "qy-guanli-2026") is not None
    with engine.connect() as conn:
        assert store.get_meta(conn, "timezone") == "Asia/Shanghai"
        assert conn.scalar(select(DisplayToken.label)) == "大厅主屏"
        newer, older = conn.execute(select(Case.id).where(Case.code.in_(
            ["SJ202611200000001", "SJ202611200000002"])).order_by(Case.id.desc())).scalars()
        assert conn.execute(select(CaseLink.case_id, CaseLink.other_id)).all() == [
            (newer, older)]
    # the store takes new rows: its id sequences (PostgreSQL) are past the old rows
    category = {"service_code": "A0101"}
    with engine.connect() as conn:
        category["service_code"] = conn.scalar(text("SELECT code FROM categories ORDER BY id"))
    created = create_case(engine, parse_new_case({**category, "description": "路灯不亮",
                                                  "lon": 116.99, "lat": 36.71}),
                          Door(kind="open311", source="hotline", actor="12345热线"),
                          datetime(2026, 12, 1, 2, 0))
    assert created.case_id > 9842


def test_an_older_store_gets_its_missing_tables_indexes_and_patrol_visits(engine):
    previous_store.load(engine)
    previous_store.make_older(engine)

    report = migrate.upgrade(engine)

    assert report.after == "0008"
    assert report.notes[:3] == [
        "0001: tables created: officer_regions, officer_roster, mediations, patrol_visits, "
        "return_visits",
        "0001: indexes created: ix_cases_mediated, ix_patrols_started_region",
        "0001: patrol_visits: 133 rows backfilled (one per patrol kept without visits)",
    ]
    assert _schema_differences(engine) == []
    for table, index in previous_store.OLDER_RELEASE_LACKS_INDEXES.items():
        assert index in {i["name"] for i in inspect(engine).get_indexes(table)}
    lost = set(previous_store.OLDER_RELEASE_LACKS)
    counts = previous_store.row_counts(engine)
    assert {k: v for k, v in counts.items() if k not in lost} == {
        k: v for k, v in previous_store.ROWS.items() if k not in lost}
    # one visit per patrol: its own grid and officer, the local day it started, its time
    shanghai = ZoneInfo("Asia/Shanghai")
    with engine.connect() as conn:
        patrols = conn.execute(select(Patrol).order_by(Patrol.id)).all()
        visits = conn.execute(select(PatrolVisit).order_by(PatrolVisit.patrol_id)).all()
    assert len(patrols) == len(visits) == 133
    for patrol, visit in zip(patrols, visits):
        local_day = patrol.started_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(shanghai).date()
        assert (visit.patrol_id, visit.region_id, visit.officer_id, visit.day, visit.fixes) \
            == (patrol.id, patrol.region_id, patrol.officer_id, local_day, 0)
        assert visit.seconds == pytest.approx(
            (patrol.ended_at - patrol.started_at).total_seconds())
        assert visit.distance_m == pytest.approx(patrol.distance_m)
    store.init_db(engine)


def test_upgrading_an_empty_store_gives_exactly_the_models_schema(engine):
    store.drop_all(engine)
    assert migrate.status(engine).empty

    report = migrate.upgrade(engine)

    assert (report.before, report.after) == ("empty", "0008")
    assert report.notes == [
        f"0001: {len(Base.metadata.tables) - 7} tables created (an empty store)",
        "0002: rollups made: 0 rows counted from the cases; capture triggers on cases and "
        "case_events",
        "0005: hours to close made: 0 rows (region, day) counted from the closed cases",
        "0006: postponed cases by day: 0 rows from the postpone events; capture triggers "
        "note postpone events",
        "0008: deadline coverage: rollups counted again (0 rows); the category table can hold "
        "urgent time limits and Open311 service codes"]
    assert _schema_differences(engine) == []
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}


def test_upgrading_twice_does_nothing_the_second_time(engine):
    previous_store.load(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM patrol_visits ORDER BY patrol_id, day")).all()

    again = migrate.upgrade(engine)

    assert (again.before, again.after, again.notes, again.changed) == ("0008", "0008", [], False)
    assert previous_store.row_counts(engine) == previous_store.ROWS
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM patrol_visits ORDER BY patrol_id, day")).all() \
            == before


def test_a_failed_upgrade_changes_nothing(engine):
    previous_store.load(engine)
    previous_store.make_older(engine)
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Mars/Olympus_Mons")

    with pytest.raises(store.StoreError, match="Mars/Olympus_Mons"):
        migrate.upgrade(engine)

    assert migrate.current_revision(engine) is None
    assert not {"patrol_visits", "mediations"} & set(inspect(engine).get_table_names())
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
    assert migrate.upgrade(engine).after == "0008"


def test_a_store_at_a_revision_the_code_does_not_know_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    message = r"revision ffff, which this code does not know \(it needs 0008\)"
    with pytest.raises(store.StoreError, match=message):
        store.init_db(engine)
    with pytest.raises(store.StoreError, match=message):
        migrate.upgrade(engine)


def test_two_processes_opening_one_empty_store_at_once_make_it_once(engine):
    store.drop_all(engine)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_store() -> None:
        own = store.make_engine(_url(engine))  # a process of its own: its own connections
        try:
            start.wait()
            store.init_db(own)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.dispose()

    workers = [threading.Thread(target=open_store) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() \
            == ["0008"]
    assert _schema_differences(engine) == []
