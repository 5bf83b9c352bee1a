"""A hand-built store for the officers' assessment, small enough to count by eye.

The tiny county (tests/tiny_store.py: C > T1 > G1 (4), G2 (5); C > T2 > G3 (6)) in
Asia/Shanghai (UTC+8), the local week 2026-03-02 .. 2026-03-08, seven officers:

=====  ======  ===================  ===================================================
id     name    serves               story
=====  ======  ===================  ===================================================
1 W1   张伟    G1 and G2 (two)      a patrol crossing midnight and a grid boundary; one
                                    in G3 (not theirs); one before the week; finds 2
2 W2   李娜    G2                   patrols 2 days; a dispute mediated twice
3 W3   王芳    G3                   left on 03-05 (a roster re-import dropped them)
4 W4   赵强    G3                   joined 03-07: 2 days on the roster
5 W5   刘洋    G3 (no roster row)   W2's twin: the same figures, a tie
6 W6   陈静    G3                   left in February: not in the week's frame
7 W7   杨帆    T2 (a town)          own grids = G3; nothing done
=====  ======  ===================  ===================================================
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from data import store
from data.metrics import Period
from data.models import (
    Case, CaseIntake, Mediation, Officer, OfficerRegion, OfficerRoster, Patrol, PatrolVisit,
    ReturnVisit,
)
from tests import tiny_store

G1, G2, G3, T1, T2, COUNTY = 4, 5, 6, 2, 3, 1
ZONE = ZoneInfo("Asia/Shanghai")
#: local 2026-03-02 00:00 .. 2026-03-09 00:00 (UTC+8)
WEEK = Period(date(2026, 3, 2), date(2026, 3, 8), datetime(2026, 3, 1, 16),
              datetime(2026, 3, 8, 16))
AS_OF = datetime(2026, 3, 8, 15, 59)  # local 03-08 23:59


def local(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    """Local (UTC+8) 2026-MM-DD HH:MM as the store keeps it: naive UTC."""
    return datetime(2026, month, day, hour, minute) - timedelta(hours=8)


def _roster(officer_id: int, role: str, joined: datetime, left: datetime | None = None):
    return {"officer_id": officer_id, "role": role, "active": left is None,
            "joined_at": joined, "left_at": left, "updated_at": left or joined}


def _visit(patrol: int, officer: int, region: int, day: int, first: datetime,
           seconds: float, metres: float, month: int = 3):
    return {"patrol_id": patrol, "officer_id": officer, "region_id": region,
            "day": date(2026, month, day), "first_at": first,
            "last_at": first + timedelta(seconds=seconds), "fixes": 10,
            "seconds": seconds, "distance_m": metres}


def _case(id_, officer, source, reported, *, status="closed", closed=None, due=None,
          level=None, resolved=None, satisfaction=None, case_class="incident", region=G1):
    return {"id": id_, "code": f"K{id_}", "officer_id": officer, "source": source,
            "status": status, "location_method": "point", "region_id": region,
            "case_class": case_class, "reported_at": reported, "closed_at": closed,
            "due_at": due, "resolved_level": level, "resolved_at": resolved,
            "satisfaction": satisfaction, "version": 1}


JOINED = local(1, 9, month=1)

OFFICERS = [
    {"id": 1, "code": "W1", "name": "张伟", "region_id": G1},
    {"id": 2, "code": "W2", "name": "李娜", "region_id": G2},
    {"id": 3, "code": "W3", "name": "王芳", "region_id": G3},
    {"id": 4, "code": "W4", "name": "赵强", "region_id": G3},
    {"id": 5, "code": "W5", "name": "刘洋", "region_id": G3},
    {"id": 6, "code": "W6", "name": "陈静", "region_id": G3},
    {"id": 7, "code": "W7", "name": "杨帆", "region_id": T2},
]

PATROLS = [  # id, officer, region, started
    (1, 1, G1, local(2, 23, 30)), (2, 1, G3, local(5, 9)), (3, 1, G1, local(1, 2)),
    (4, 2, G2, local(4, 9)), (5, 2, G2, local(6, 9)),
    (6, 5, G3, local(4, 9)), (7, 5, G3, local(6, 9)),
    (8, 3, G3, local(3, 9)), (9, 4, G3, local(7, 9)),
]

VISITS = [
    # patrol 1: 03-02 23:30 in G1, into G2 at 23:50, past midnight in G2 until 00:20
    _visit(1, 1, G1, 2, local(2, 23, 30), 1200, 1000),
    _visit(1, 1, G2, 2, local(2, 23, 50), 600, 500),
    _visit(1, 1, G2, 3, local(3, 0, 0), 1200, 700),
    _visit(2, 1, G3, 5, local(5, 9), 3600, 2500),     # not their grid
    _visit(3, 1, G1, 1, local(1, 2), 3600, 3000),     # 03-01: before the week
    _visit(4, 2, G2, 4, local(4, 9), 7200, 6000),
    _visit(5, 2, G2, 6, local(6, 9), 3600, 3000),
    _visit(6, 5, G3, 4, local(4, 9), 7200, 6000),
    _visit(7, 5, G3, 6, local(6, 9), 3600, 3000),
    _visit(8, 3, G3, 3, local(3, 9), 1800, 1000),
    _visit(9, 4, G3, 7, local(7, 9), 3600, 2000),
]

CASES = [
    # found on patrol by W1 (the intake row names W1; the case is W2's to handle)
    _case(10, 2, "patrol", local(3, 10), resolved=local(3, 11), level="grid",
          closed=local(4, 10), due=local(10, 0), satisfaction="basically_satisfied"),
    # found by W1 (no intake row: cases.officer_id), resolved by the street, closed on time
    _case(11, 1, "patrol", local(4, 10), resolved=local(4, 12), level="community",
          closed=local(5, 10), due=local(6, 0), satisfaction="satisfied"),
    _case(12, 1, "patrol", local(4, 11), status="voided"),              # voided: no find
    # a hotline case of W1's: closed late, rated dissatisfied
    _case(13, 1, "hotline", local(3, 9), closed=local(7, 10), due=local(6, 0),
          satisfaction="dissatisfied"),
    _case(14, 1, "patrol", local(1, 10), status="dispatched"),          # before the week
    # W1's open case past its deadline of 03-04
    _case(15, 1, "hotline", local(2, 9), status="dispatched", due=local(4, 0)),
    # W1's case closed with no deadline; its return visit did not reach the resident
    _case(16, 1, "hotline", local(3, 9), closed=local(5, 10)),
    # W5's twin of case 10 (found by nobody: hotline)
    _case(17, 5, "hotline", local(3, 10), closed=local(4, 10), due=local(10, 0),
          satisfaction="basically_satisfied", region=G3),
    # disputes mediated twice, by W2 and by W5
    _case(20, 2, "hotline", local(2, 8), status="dispatched", case_class="dispute",
          region=G2),
    _case(21, 5, "hotline", local(2, 8), status="dispatched", case_class="dispute",
          region=G3),
]

MEDIATIONS = [  # case, at, outcome, officer
    (20, local(3, 15), "failure", 2), (20, local(6, 15), "success", 2),
    (21, local(3, 15), "failure", 5), (21, local(6, 15), "success", 5),
    (11, local(5, 15), "success", 1), (11, local(1, 15), "success", 1),  # 2nd: before
]


def build(engine) -> None:
    """Fill an empty store with the county above."""
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
        conn.execute(insert(Officer), OFFICERS)
        conn.execute(insert(OfficerRoster), [
            _roster(1, "full_time", JOINED), _roster(2, "part_time", JOINED),
            _roster(3, "full_time", JOINED, left=local(5, 10)),
            _roster(4, "full_time", local(7, 9)),
            _roster(6, "full_time", JOINED, left=local(1, 10, month=2)),
            _roster(7, "grid_head", JOINED),
        ])
        conn.execute(insert(OfficerRegion), [
            {"officer_id": 1, "region_id": G1}, {"officer_id": 1, "region_id": G2},
            {"officer_id": 7, "region_id": T2}])
        conn.execute(insert(Patrol), [
            {"id": pid, "officer_id": oid, "region_id": rid, "started_at": at,
             "ended_at": at + timedelta(hours=1), "distance_m": 0.0}
            for pid, oid, rid, at in PATROLS])
        conn.execute(insert(PatrolVisit), VISITS)
        conn.execute(insert(Case), CASES)
        conn.execute(insert(CaseIntake), [
            {"case_id": 10, "door": "open311", "officer_id": 1, "received_at": local(3, 10)}])
        conn.execute(insert(ReturnVisit), [
            {"case_id": 16, "at": local(6, 10), "satisfaction": "unreached",
             "channel": "phone", "origin": "console"}])
        conn.execute(insert(Mediation), [
            {"case_id": cid, "at": at, "outcome": outcome, "officer_id": oid,
             "origin": "console"} for cid, at, outcome, oid in MEDIATIONS])
        store.bump_data_version(conn)
