"""data/field/coverage.py on the hand-built patrol store (tests/patrol_store.py), on SQLite
and PostgreSQL. Every expected value is counted by hand from the store's docstring."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import insert

from data import store
from data.field import coverage
from data.models import OfficerRoster
from tests import patrol_store

TZ = ZoneInfo(patrol_store.TZ)
#: Local 2026-03-10 12:00.
NOON_10TH = datetime(2026, 3, 10, 4, 0)
#: Local 2026-03-09 23:59, before the midnight P1 crosses.
LATE_9TH = datetime(2026, 3, 9, 15, 59)


@pytest.fixture
def conn(engine):
    patrol_store.build(engine)
    with engine.connect() as connection:
        yield connection


def _spots(frame: pd.DataFrame) -> list[tuple]:
    return [(r.code, r.days_since, r.last_patrolled, list(r.officers), r.open_cases)
            for r in frame.itertuples()]


def test_blind_spots_of_the_last_three_days(conn):
    # 03-08..03-10: G1 (03-09, 03-10) and G2 (03-10) were patrolled; G3 last on 03-05,
    # G4 never: the never-patrolled grid first
    frame = coverage.blind_spots(conn, None, 3, NOON_10TH)
    assert list(frame.columns) == coverage.BLIND_SPOT_COLUMNS
    assert _spots(frame) == [
        ("G4", None, None, [], 1),
        ("G3", 5, datetime(2026, 3, 5, 3, 0), ["Officer B"], 1),
    ]
    assert list(frame["name"]) == ["青山二网格", "青山一网格"]
    assert list(frame["parent"]) == ["青山镇", "青山镇"]
    assert list(frame["region_id"]) == [7, 6]


def test_a_patrol_crossing_midnight_counts_for_both_days(conn):
    # the last day alone: at 23:59 on the 9th P1's part before midnight covers G1; at noon
    # on the 10th its part after midnight covers G1 and G2
    late = coverage.blind_spots(conn, None, 1, LATE_9TH)
    assert list(late["code"]) == ["G4", "G2", "G3"]  # G2 last on 03-01, G3 on 03-05
    assert list(late["days_since"]) == [None, 8, 4]
    assert list(late["last_patrolled"]) == [None, datetime(2026, 3, 1, 1, 20),
                                            datetime(2026, 3, 5, 3, 0)]
    noon = coverage.blind_spots(conn, None, 1, NOON_10TH)
    assert list(noon["code"]) == ["G4", "G3"]


def test_blind_spots_under_a_town_and_over_a_month(conn):
    # T1's grids were both patrolled in the last 3 days; over 30 days nobody is blind but G4
    assert coverage.blind_spots(conn, 2, 3, NOON_10TH).empty
    assert list(coverage.blind_spots(conn, 3, 3, NOON_10TH)["code"]) == ["G4", "G3"]
    assert list(coverage.blind_spots(conn, None, 30, NOON_10TH)["code"]) == ["G4"]
    # a grid itself: G4 is its own only leaf
    assert list(coverage.blind_spots(conn, 7, 3, NOON_10TH)["code"]) == ["G4"]
    # on 03-02 (local), P3's day 03-01 is within 2 days; P1, P2 are in the future
    early = coverage.blind_spots(conn, None, 2, datetime(2026, 3, 2, 4))
    assert list(early["code"]) == ["G1", "G3", "G4"]  # never patrolled by then: by code


def test_an_officer_who_left_serves_no_more(engine):
    patrol_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(insert(OfficerRoster), [
            {"officer_id": 2, "role": "full_time", "active": False,
             "joined_at": datetime(2025, 1, 1), "left_at": datetime(2026, 3, 8),
             "updated_at": datetime(2026, 3, 8)},
            {"officer_id": 1, "role": "full_time", "active": True,
             "joined_at": datetime(2025, 1, 1), "left_at": None,
             "updated_at": datetime(2025, 1, 1)}])
    with engine.connect() as conn:
        frame = coverage.blind_spots(conn, None, 30, NOON_10TH + timedelta(days=30))
        assert dict(zip(frame["code"], frame["officers"])) == {
            "G1": ["Officer A"], "G2": [], "G3": [], "G4": []}
        # the picker still offers them: their past days stay viewable
        assert list(coverage.officers_serving(conn, 3)["code"]) == ["OB"]


def test_blind_spots_refuses_a_bad_number_of_days(conn):
    for days in (0, -3, 2.5, True, "3"):
        with pytest.raises(ValueError, match="days="):
            coverage.blind_spots(conn, None, days, NOON_10TH)


def _fixes(frame: pd.DataFrame) -> list[tuple]:
    return [(r.patrol_id, r.officer, r.at, r.lon) for r in frame.itertuples()]


def test_tracks_of_a_grid_are_its_patrols_whole_clipped_to_the_day(conn):
    assert list(coverage.tracks(conn, day=date(2026, 3, 10), tz=TZ, region_id=4).columns) \
        == coverage.TRACK_COLUMNS
    # G1 on the 10th: P1 after midnight, its fix in G2 too (the whole patrol)
    assert _fixes(coverage.tracks(conn, day=date(2026, 3, 10), tz=TZ, region_id=4)) == [
        (1, "Officer A", datetime(2026, 3, 9, 16, 10), 116.006),
        (1, "Officer A", datetime(2026, 3, 9, 16, 30), 116.012)]
    # G1 on the 9th: P1 before midnight
    assert _fixes(coverage.tracks(conn, day=date(2026, 3, 9), tz=TZ, region_id=4)) == [
        (1, "Officer A", datetime(2026, 3, 9, 15, 30), 116.002),
        (1, "Officer A", datetime(2026, 3, 9, 15, 50), 116.004)]
    # G2 on the 9th: P1 only reached it after midnight
    assert coverage.tracks(conn, day=date(2026, 3, 9), tz=TZ, region_id=5).empty
    # G2 on the 1st: P3; T2 (a town) on the 5th: P2 in G3
    assert [r[0] for r in _fixes(coverage.tracks(conn, day=date(2026, 3, 1), tz=TZ,
                                                 region_id=5))] == [3, 3]
    assert [r[2].hour for r in _fixes(coverage.tracks(conn, day=date(2026, 3, 5), tz=TZ,
                                                      region_id=3))] == [2, 2, 3]


def test_tracks_of_an_officer(conn):
    b = coverage.tracks(conn, day=date(2026, 3, 5), tz=TZ, officer_id=2)
    assert _fixes(b) == [(2, "Officer B", datetime(2026, 3, 5, 2, 0), 116.022),
                         (2, "Officer B", datetime(2026, 3, 5, 2, 30), 116.024),
                         (2, "Officer B", datetime(2026, 3, 5, 3, 0), 116.026)]
    assert list(b["officer_id"]) == [2, 2, 2]
    assert coverage.tracks(conn, day=date(2026, 3, 10), tz=TZ, officer_id=2).empty
    assert len(coverage.tracks(conn, day=date(2026, 3, 10), tz=TZ, officer_id=1)) == 2
    # both: the officer's patrols that visited the region
    assert coverage.tracks(conn, day=date(2026, 3, 5), tz=TZ, officer_id=2, region_id=4).empty
    assert len(coverage.tracks(conn, day=date(2026, 3, 5), tz=TZ, officer_id=2,
                               region_id=6)) == 3
    with pytest.raises(ValueError, match="region_id or officer_id"):
        coverage.tracks(conn, day=date(2026, 3, 5), tz=TZ)


def test_a_long_day_is_thinned_keeping_each_patrol_s_ends():
    frame = pd.DataFrame({"patrol_id": [1] * 10 + [2] * 5, "officer_id": 1, "officer": "A",
                          "at": range(15), "lon": range(15), "lat": 0.0})
    assert len(coverage.thinned(frame, 15)) == 15
    # cap 8 with 2 patrols: step ceil(15 / 6) = 3 → patrol 1 keeps 0, 3, 6, 9 (its last);
    # patrol 2 (rows 10..14) keeps its 0th and 3rd and its last: rows 10, 13, 14
    kept = coverage.thinned(frame, 8)
    assert list(kept["at"]) == [0, 3, 6, 9, 10, 13, 14]


def test_who_serves_what(conn):
    assert coverage.served_regions_of(conn, [1, 2, 3, 99]) == {1: [4], 2: [5, 6], 3: [None]}
    assert list(coverage.officers_serving(conn, 3)["code"]) == ["OB"]
    assert list(coverage.officers_serving(conn, 2)["code"]) == ["OA", "OB"]
    assert list(coverage.officers_serving(conn, 7)["code"]) == []
    assert list(coverage.officers_serving(conn, None)["code"]) == ["OA", "OB", "OC"]
    assert list(coverage.officers_serving(conn, 1)["code"]) == ["OA", "OB"]
    assert list(coverage.officers_serving(conn, 1, unassigned=True)["code"]) == \
        ["OA", "OB", "OC"]
    assert coverage.officer_of_code(conn, "OB") == 2
    assert coverage.officer_of_code(conn, "nobody") is None


def test_the_patrols_and_fixes_a_day_draws(conn):
    assert coverage.patrols_on(conn, day=date(2026, 3, 10), tz=TZ, region_id=2) == [1]
    assert coverage.patrols_on(conn, day=date(2026, 3, 5), tz=TZ, officer_id=2) == [2]
    assert coverage.patrols_on(conn, day=date(2026, 3, 6), tz=TZ, region_id=1) == []
    assert coverage.fix_count(conn, [1], date(2026, 3, 9), TZ) == 2
    assert coverage.fix_count(conn, [1, 2], date(2026, 3, 5), TZ) == 3
    assert coverage.fix_count(conn, [], date(2026, 3, 5), TZ) == 0
