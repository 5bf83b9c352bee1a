"""Placing fixes in grids and cutting patrols into visits (data/field/tracks.py), on a
hand-built store whose numbers are counted by hand (tests/data/field/track_store.py)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import select

from data import store
from data.field.tracks import locate_points, rebuild_visits
from data.models import Patrol, PatrolVisit
from tests.data.field import track_store
from tests.data.field.track_store import M_PER_MILLIDEGREE as MM

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)  # Beijing days; midnight is 16:00 UTC


def _visits(engine) -> dict[tuple[int, int, date], tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(PatrolVisit.patrol_id, PatrolVisit.region_id,
                                   PatrolVisit.day, PatrolVisit.officer_id,
                                   PatrolVisit.first_at, PatrolVisit.last_at,
                                   PatrolVisit.fixes, PatrolVisit.seconds,
                                   PatrolVisit.distance_m)).all()
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def test_locate_points_takes_the_leaf_the_smallest_code_on_an_edge_and_minus_one_outside(engine):
    track_store.build(engine)
    lon = np.array([0.005, 0.015, 0.01, 0.025, 0.035, 5.0, np.nan])
    lat = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    with engine.connect() as conn:
        found = locate_points(conn, lon, lat)
        empty = locate_points(conn, np.array([]), np.array([]))
    # G1, G2, the edge of G1|G2 (G1 < G2), in the town but in no grid, in the county
    # only, nowhere, no number
    assert found.tolist() == [3, 4, 3, -1, -1, -1, -1]
    assert empty.tolist() == []


def test_a_patrol_across_midnight_and_a_grid_boundary_splits_exactly(engine):
    track_store.build(engine)
    fixes = [
        (datetime(2026, 3, 1, 15, 50), 0.005, 0.0),  # G1, 23:50 local on D1
        (datetime(2026, 3, 1, 15, 55), 0.008, 0.0),  # G1 D1: 300 s, 3 mdeg
        (datetime(2026, 3, 1, 16, 5), 0.012, 0.0),   # G2 D2 (00:05): 600 s, 4 mdeg
        (datetime(2026, 3, 1, 16, 10), 0.015, 0.0),  # G2 D2: 300 s, 3 mdeg
        (datetime(2026, 3, 1, 16, 20), 0.009, 0.0),  # G1 D2: 600 s, 6 mdeg
        (datetime(2026, 3, 1, 17, 0), 0.025, 0.0),   # no grid; 40 min > gap: not counted
        (datetime(2026, 3, 1, 17, 5), 0.018, 0.0),   # G2 D2: 300 s, 7 mdeg
        (datetime(2026, 3, 1, 17, 10), 0.030, 0.0),  # no grid: 12 mdeg, the patrol's only
    ]
    # stored out of order: the rebuild sorts by time
    track_store.add_patrol(engine, 1, 1, 3, fixes[::-1])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1], gap_minutes=30)
    visits = _visits(engine)
    assert set(visits) == {(1, 3, D1), (1, 4, D2), (1, 3, D2)}
    officer, first, last, n, seconds, metres = visits[(1, 3, D1)]
    assert (officer, first, last, n, seconds) == (1, datetime(2026, 3, 1, 15, 50),
                                                  datetime(2026, 3, 1, 15, 55), 2, 300)
    assert metres == pytest.approx(3 * MM, abs=0.1)
    _, first, last, n, seconds, metres = visits[(1, 4, D2)]
    assert (first, last, n, seconds) == (datetime(2026, 3, 1, 16, 5),
                                         datetime(2026, 3, 1, 17, 5), 3, 1200)
    assert metres == pytest.approx(14 * MM, abs=0.1)
    _, first, last, n, seconds, metres = visits[(1, 3, D2)]
    assert (first, last, n, seconds) == (datetime(2026, 3, 1, 16, 20),
                                         datetime(2026, 3, 1, 16, 20), 1, 600)
    assert metres == pytest.approx(6 * MM, abs=0.1)
    with engine.connect() as conn:
        distance = conn.scalar(select(Patrol.distance_m).where(Patrol.id == 1))
    assert distance == pytest.approx(35 * MM, abs=0.1)  # 3+4+3+6+7+12, not the 40-min jump


def test_a_wider_gap_counts_the_long_segment_and_a_rebuild_replaces_the_rows(engine):
    track_store.build(engine)
    track_store.add_patrol(engine, 1, 1, 3, [
        (datetime(2026, 3, 1, 2, 0), 0.001, 0.0),
        (datetime(2026, 3, 1, 2, 40), 0.004, 0.0),  # 40 minutes later, 3 mdeg
    ])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1], gap_minutes=30)
    assert _visits(engine)[(1, 3, D1)][3:] == (2, 0, 0)
    with store.transaction(engine) as conn:
        rebuild_visits(conn, [1], gap_minutes=45)
    visits = _visits(engine)
    assert len(visits) == 1
    _, _, _, n, seconds, metres = visits[(1, 3, D1)]
    assert (n, seconds) == (2, 2400)
    assert metres == pytest.approx(3 * MM, abs=0.1)


def test_a_patrol_entirely_outside_every_grid_has_a_distance_and_no_visit(engine):
    track_store.build(engine)
    track_store.add_patrol(engine, 1, 3, 3, [
        (datetime(2026, 3, 1, 2, 0), 0.025, 0.0),
        (datetime(2026, 3, 1, 2, 5), 0.027, 0.0),
    ])
    track_store.add_patrol(engine, 2, 2, 4, [(datetime(2026, 3, 1, 3, 0), 0.015, 0.0)])
    with store.transaction(engine) as conn:
        rebuild_visits(conn, iter([2, 1, 1]))
        rebuild_visits(conn, [])
    assert list(_visits(engine)) == [(2, 4, D1)]
    with engine.connect() as conn:
        distances = dict(conn.execute(select(Patrol.id, Patrol.distance_m)).all())
    assert distances[1] == pytest.approx(2 * MM, abs=0.1)
    assert distances[2] == 0
