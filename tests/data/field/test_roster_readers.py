"""served_regions() and roster() on a hand-built store: an officer in two grids, one with
no roster row (a store made before the roster), one who left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from data import store
from data.field.roster import active_officer_ids, is_active, roster, served_regions
from data.models import Officer, OfficerRegion, OfficerRoster
from tests import tiny_store

JOINED = datetime(2026, 1, 5, 8)
LEFT = datetime(2026, 3, 1, 9)


def _officers(engine) -> None:
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(insert(Officer), [
            {"id": 1, "code": "W1", "name": "张伟", "region_id": 4, "phone": "138"},
            {"id": 2, "code": "W2", "name": "李娜", "region_id": 5, "phone": None},
            {"id": 3, "code": "W3", "name": "王芳", "region_id": 6, "phone": None},
            {"id": 4, "code": "W4", "name": "赵强", "region_id": None, "phone": None},
        ])
        conn.execute(insert(OfficerRoster), [
            {"officer_id": 1, "role": "full_time", "active": True, "joined_at": JOINED,
             "left_at": None, "updated_at": JOINED},
            {"officer_id": 3, "role": "part_time", "active": False, "joined_at": JOINED,
             "left_at": LEFT, "updated_at": LEFT},
        ])
        # W1 serves G1 (home) and G2; W2, W3 have no rows: their home grid alone
        conn.execute(insert(OfficerRegion), [{"officer_id": 1, "region_id": 4},
                                             {"officer_id": 1, "region_id": 5}])


def test_served_regions_lists_rows_else_home(engine) -> None:
    _officers(engine)
    with engine.connect() as conn:
        served = served_regions(conn)
    assert list(served.columns) == ["officer_id", "region_id"]
    assert list(map(tuple, served.to_numpy())) == [(1, 4), (1, 5), (2, 5), (3, 6)]


def test_roster_defaults_for_officers_without_a_row(engine) -> None:
    _officers(engine)
    with engine.connect() as conn:
        frame = roster(conn)
        active = active_officer_ids(conn)
        flags = [is_active(conn, i) for i in (1, 2, 3, 4)]
    assert list(frame.index) == [1, 2, 3, 4]
    assert list(frame.columns) == ["code", "name", "phone", "role", "active", "joined_at",
                                   "left_at", "home_region_id"]
    assert list(frame["code"]) == ["W1", "W2", "W3", "W4"]
    assert list(frame["role"]) == ["full_time", "other", "part_time", "other"]
    assert list(frame["active"]) == [True, True, False, True]
    assert frame["active"].dtype == bool
    assert frame.at[1, "joined_at"] == JOINED and frame.at[1, "left_at"] is None
    assert frame.at[2, "joined_at"] is None
    assert frame.at[3, "left_at"] == LEFT
    assert list(frame["home_region_id"]) == [4, 5, 6, None]
    assert frame.at[1, "phone"] == "138" and frame.at[2, "phone"] is None
    assert active == {1, 2, 4}
    assert flags == [True, True, False, True]


def test_readers_on_an_empty_store(engine) -> None:
    with engine.connect() as conn:
        assert served_regions(conn).empty
        assert roster(conn).empty
        assert list(roster(conn).columns)[:2] == ["code", "name"]
