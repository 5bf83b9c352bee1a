"""Patrol coverage from where the fixes fell (patrol_visits), and the visits the baseline
migration gives the patrols of a store made before that table
(tests/data/field/track_store.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from data import migrate, store
from data.field.tracks import rebuild_visits
from data.metrics import patrol_coverage, period_for
from data.models import Patrol, PatrolVisit
from data.regions import root_region
from data.wall import patrol_today
from tests.data.field import track_store

TZ = ZoneInfo(track_store.TZ)


def test_coverage_counts_the_grids_the_fixes_fell_in_not_the_patrols_own(engine):
    track_store.build(engine)
    # W1's home is G1, but the track is in G2 on 03-02 (Beijing), 00:30 to 00:50 local
    track_store.add_patrol(engine, 1, 1, 3, [(datetime(2026, 3, 1, 16, 30), 0.012, 0.0),
                                              (datetime(2026, 3, 1, 16, 50), 0.015, 0.0)])
    # W2 in G1 late on 03-01 local: a visit of the day before
    track_store.add_patrol(engine, 2, 2, 4, [(datetime(2026, 3, 1, 15, 0), 0.005, 0.0)])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1, 2])
    day = period_for(date(2026, 3, 2), date(2026, 3, 2), TZ)
    with engine.connect() as conn:
        got = patrol_coverage(conn, [1, 2], day)
        whole = patrol_coverage(conn, None, day)
        before = patrol_coverage(conn, [2], period_for(date(2026, 3, 1), date(2026, 3, 1), TZ))
        wall_now = patrol_today(conn, root_region(conn, "T"), datetime(2026, 3, 2, 4))
    # leaves under C: G1 G2 G3 G4; under T: G1 G2 G3; only G2 visited on 03-02
    assert got == {1: pytest.approx(1 / 4), 2: pytest.approx(1 / 3)}
    assert whole == {0: pytest.approx(1 / 4)}
    assert before == {2: pytest.approx(1 / 3)}  # G1 on 03-01
    assert wall_now == pytest.approx(1 / 3)


def test_coverage_is_unknown_without_patrols_and_zero_with_patrols_elsewhere(engine):
    track_store.build(engine)
    day = period_for(date(2026, 3, 2), date(2026, 3, 2), TZ)
    with engine.connect() as conn:
        assert patrol_coverage(conn, [2], day) == {2: None}
    # a patrol whose every fix is outside every grid: the store records patrols, none in P
    track_store.add_patrol(engine, 1, 1, 3, [(datetime(2026, 3, 2, 1, 0), 0.025, 0.0)])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1])
    with engine.connect() as conn:
        assert patrol_coverage(conn, [2], day) == {2: 0}


def _made_before_migrations(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {migrate.VERSION_TABLE}")


def test_upgrade_gives_an_old_store_one_visit_per_patrol(engine):
    track_store.build(engine)
    # made before visits were kept: patrols (one with a track) and no patrol_visits table
    track_store.add_patrol(engine, 1, 1, 3, [(datetime(2026, 3, 1, 17, 0), 0.015, 0.0),
                                              (datetime(2026, 3, 1, 17, 30), 0.016, 0.0)])
    with store.transaction(engine) as conn:
        conn.execute(Patrol.__table__.insert().values(
            id=2, officer_id=2, region_id=4, started_at=datetime(2026, 3, 1, 2, 0),
            ended_at=None, distance_m=None))
        conn.execute(Patrol.__table__.update().where(Patrol.id == 1).values(distance_m=250.0))
    PatrolVisit.__table__.drop(engine)
    _made_before_migrations(engine)
    with pytest.raises(store.StoreError, match="db upgrade"):
        store.init_db(engine)
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # twice: nothing more
    with engine.connect() as conn:
        rows = conn.execute(select(PatrolVisit.patrol_id, PatrolVisit.region_id,
                                   PatrolVisit.day, PatrolVisit.officer_id,
                                   PatrolVisit.first_at, PatrolVisit.last_at,
                                   PatrolVisit.fixes, PatrolVisit.seconds,
                                   PatrolVisit.distance_m).order_by(PatrolVisit.patrol_id)).all()
        coverage = patrol_coverage(conn, [2], period_for(date(2026, 3, 2), date(2026, 3, 2), TZ))
    # patrol 1 started 01:00 local on 03-02, in its own grid G1 (its track, in G2, is not read)
    assert [tuple(r) for r in rows] == [
        (1, 3, date(2026, 3, 2), 1, datetime(2026, 3, 1, 17, 0), datetime(2026, 3, 1, 17, 30),
         0, 1800, 250.0),
        (2, 4, date(2026, 3, 1), 2, datetime(2026, 3, 1, 2, 0), datetime(2026, 3, 1, 2, 0),
         0, 0, 0),
    ]
    assert coverage == {2: pytest.approx(1 / 3)}  # G1, as "a patrol started in P" said


def test_upgrade_leaves_a_store_with_visits_alone(engine):
    track_store.build(engine)
    track_store.add_patrol(engine, 1, 1, 3, [(datetime(2026, 3, 2, 1, 0), 0.025, 0.0)])
    track_store.add_patrol(engine, 2, 2, 4, [(datetime(2026, 3, 2, 1, 0), 0.015, 0.0)])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1, 2])
    _made_before_migrations(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PatrolVisit)) == 1  # patrol 2's
