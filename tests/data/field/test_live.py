"""The patrol feed (data/field/live.py) on the workflow store (tests/workflow_store.py:
grids G1 [116.00, 116.01], G2 [116.01, 116.02], G3 [116.02, 116.03] × [39.90, 39.91];
officers W1 (G1), W2 and W3 (G2), W4 with no home grid; the store's zone Asia/Shanghai).
Every expected value is counted by hand from the fixes each test sends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from data import store
from data.field import live
from data.models import AuditEntry, OfficerRoster, Patrol, PatrolPoint
from data.wall import officers_on_patrol
from tests import workflow_store as ws

NOW = ws.NOW  # 2026-11-18 02:00 UTC, 10:00 in Shanghai
MAX = 1000


@pytest.fixture
def world(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def t(minutes: float) -> datetime:
    """NOW plus ``minutes`` (naive UTC)."""
    return NOW + timedelta(minutes=minutes)


def local(minutes: float) -> str:
    """NOW plus ``minutes`` as a phone sends it: Shanghai time with its offset."""
    return (t(minutes) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")


def fix(minutes: float, lon: float = 116.005, lat: float = 39.905, **extra) -> dict:
    return {"at": local(minutes), "lon": lon, "lat": lat, **extra}


def start(engine: Engine, officer: int = ws.O1, minutes: float = 0, **kwargs):
    return live.start_patrol(engine, officer, at=local(minutes), now=t(minutes), **kwargs)


def add(engine: Engine, patrol_id: int, fixes: list, officer: int = ws.O1, now: float = 60,
        max_points: int = MAX):
    return live.add_points(engine, officer, patrol_id, fixes, max_points=max_points,
                           gap_minutes=30, now=t(now))


def track(engine: Engine, patrol_id: int) -> list[datetime]:
    with engine.connect() as conn:
        return list(conn.execute(select(PatrolPoint.at).where(PatrolPoint.patrol_id == patrol_id)
                                 .order_by(PatrolPoint.at)).scalars())


def patrols(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Patrol.id, Patrol.officer_id, Patrol.region_id, Patrol.started_at,
                   Patrol.ended_at).order_by(Patrol.id)).all()]


def events(engine: Engine) -> list[tuple[str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.event, AuditEntry.detail)
                            .order_by(AuditEntry.id)).all()
    return [(e, json.loads(d)) for e, d in rows]


def snapshot(engine: Engine) -> tuple:
    with engine.connect() as conn:
        return (patrols(engine), conn.scalar(select(func.count()).select_from(PatrolPoint)),
                conn.scalar(select(func.count()).select_from(AuditEntry)),
                store.data_version(conn))


# --- start and stop -------------------------------------------------------------------------------

def test_start_makes_one_open_patrol_in_the_home_grid(world):
    before = snapshot(world)[3]
    state = start(world)
    assert (state.result, state.region_id, state.region_code, state.started_at,
            state.ended_at, state.fixes) == ("started", ws.G1, "G1", NOW, None, 0)
    assert patrols(world) == [(state.id, ws.O1, ws.G1, NOW, None)]
    assert snapshot(world)[3] == before + 1
    assert events(world) == [("patrol_started", {"patrol_id": state.id, "officer_id": ws.O1,
                                                 "started_at": "2026-11-18T02:00:00"})]


def test_starting_again_while_open_returns_the_open_patrol(world):
    first = start(world)
    add(world, first.id, [fix(20)])
    again = start(world, minutes=45)  # 25 minutes after the last fix: within the gap
    assert (again.id, again.result, again.fixes) == (first.id, "already_open", 1)
    assert len(patrols(world)) == 1


def test_a_patrol_left_silent_is_closed_at_its_last_fix_by_the_next_start(world):
    first = start(world)
    add(world, first.id, [fix(10), fix(20)])
    second = start(world, minutes=51)  # 31 minutes after 02:20
    assert (second.result, second.closed_patrol_id, second.started_at) == (
        "started", first.id, t(51))
    assert patrols(world) == [(first.id, ws.O1, ws.G1, NOW, t(20)),
                              (second.id, ws.O1, ws.G1, t(51), None)]


def test_a_retried_start_with_its_client_key_returns_the_same_patrol(world):
    first = start(world, client_key="phone-7:start-1")
    live.stop_patrol(world, ws.O1, first.id, at=local(30), now=t(30))
    retried = start(world, minutes=31, client_key="phone-7:start-1")
    assert (retried.id, retried.result, retried.ended_at) == (first.id, "replayed", t(30))
    other = start(world, minutes=32, client_key="phone-7:start-2")
    assert (other.result, other.id != first.id) == ("started", True)
    # another officer's key of the same text is theirs alone
    theirs = start(world, officer=ws.O2, minutes=33, client_key="phone-7:start-1")
    assert (theirs.result, theirs.region_code) == ("started", "G2")
    assert len(patrols(world)) == 3


def test_a_client_key_is_remembered_a_day(world):
    first = start(world, client_key="k1")
    live.stop_patrol(world, ws.O1, first.id, at=local(10), now=t(10))
    later = live.start_patrol(world, ws.O1, client_key="k1", now=t(24 * 60 + 1))
    assert later.result == "started" and later.id != first.id


def test_an_officer_without_a_home_grid_starts_where_they_are(world):
    with pytest.raises(live.Refused) as refused:
        start(world, officer=ws.O4)
    assert [(p.field, p.code) for p in refused.value.problems] == [("lon", "no_region")]
    with pytest.raises(live.Refused) as refused:
        start(world, officer=ws.O4, lon=117.5, lat=39.905)
    assert [(p.field, p.code) for p in refused.value.problems] == [("lon", "outside")]
    assert patrols(world) == []
    state = start(world, officer=ws.O4, lon=116.025, lat=39.905)
    assert (state.region_code, state.fixes) == ("G3", 1)
    assert track(world, state.id) == [NOW]


def test_stop_ends_the_patrol_never_before_its_last_fix(world):
    state = start(world)
    add(world, state.id, [fix(5), fix(15)])
    stopped = live.stop_patrol(world, ws.O1, state.id, at=local(12), now=t(16))
    assert (stopped.result, stopped.ended_at) == ("stopped", t(15))
    again = live.stop_patrol(world, ws.O1, state.id, now=t(40))
    assert (again.result, again.ended_at) == ("already_stopped", t(15))
    assert [e for e, _ in events(world)] == ["patrol_started", "patrol_points",
                                             "patrol_stopped"]


def test_start_and_stop_times_are_checked(world):
    cases = [("2026-11-18T10:00:00", "no_offset"), ("yesterday", "not_a_time"),
             (12, "not_a_time"), (local(6), "in_future"), (local(-24 * 60 - 1), "too_old")]
    for at, code in cases:
        with pytest.raises(live.Refused) as refused:
            live.start_patrol(world, ws.O1, at=at, now=NOW)
        assert [(p.field, p.code) for p in refused.value.problems] == [("at", code)], at
    state = live.start_patrol(world, ws.O1, at="2026-11-18T02:04:59Z", now=NOW)
    assert state.started_at == t(4 + 59 / 60)
    with pytest.raises(live.Refused) as refused:
        live.stop_patrol(world, ws.O1, state.id, at=local(1), now=NOW)
    assert [(p.field, p.code) for p in refused.value.problems] == [("at", "before_start")]
    with pytest.raises(live.Refused):
        live.start_patrol(world, ws.O1, client_key="é", now=NOW)


# --- whose patrol ------------------------------------------------------------------------------

def test_another_officers_patrol_is_not_found_as_a_missing_one(world):
    mine = start(world)
    add(world, mine.id, [fix(5)])
    before = snapshot(world)
    for patrol_id in (mine.id, 999, 2**40, "1", True):
        with pytest.raises(live.PatrolNotFound) as theirs:
            add(world, patrol_id, [fix(6)], officer=ws.O2)
        assert str(theirs.value) == f"no patrol {patrol_id!r} of yours"
        with pytest.raises(live.PatrolNotFound):
            live.stop_patrol(world, ws.O2, patrol_id, now=t(10))
    assert snapshot(world) == before


def test_an_inactive_or_unknown_officer_records_nothing(world):
    mine = start(world)
    with store.transaction(world) as conn:
        conn.execute(insert(OfficerRoster).values(officer_id=ws.O1, role="full_time",
                                                  active=False, joined_at=NOW, left_at=NOW,
                                                  updated_at=NOW))
        assert not live.officer_active(conn, ws.O1) and live.officer_active(conn, ws.O2)
        assert not live.officer_active(conn, 99)
    before = snapshot(world)
    with pytest.raises(live.OfficerRefused) as refused:
        add(world, mine.id, [fix(5)])
    assert refused.value.key == "officer_inactive"
    with pytest.raises(live.OfficerRefused):
        start(world, minutes=60)
    with pytest.raises(live.OfficerRefused) as refused:
        start(world, officer=99)
    assert refused.value.key == "officer_unknown"
    assert snapshot(world) == before


# --- points --------------------------------------------------------------------------------------

def test_out_of_order_and_duplicate_fixes(world):
    state = start(world)
    # sent 02:05, 02:01, 02:03, 02:03 again, 02:10: 02:01 and 02:03 come after 02:05
    first = add(world, state.id, [fix(5), fix(1), fix(3), fix(3, lon=116.006), fix(10)])
    assert (first.received, first.added, first.duplicates, first.out_of_order, first.fixes,
            first.first_at, first.last_at) == (5, 4, 1, 2, 4, t(1), t(10))
    # 02:05 is stored already; 02:07 is before the stored 02:10; 02:15 is new and last
    second = add(world, state.id, [fix(5), fix(7), fix(15)])
    assert (second.added, second.duplicates, second.out_of_order, second.fixes) == (2, 1, 1, 6)
    assert track(world, state.id) == [t(1), t(3), t(5), t(7), t(10), t(15)]
    with world.connect() as conn:  # the first 02:03 stayed
        assert conn.scalar(select(PatrolPoint.lon).where(PatrolPoint.at == t(3))) == 116.005
    # a batch of nothing but duplicates writes no fix
    version = snapshot(world)[3]
    same = add(world, state.id, [fix(1), fix(15)])
    assert (same.added, same.duplicates, same.fixes) == (0, 2, 6)
    assert snapshot(world)[3] == version
    assert [d["added"] for e, d in events(world) if e == "patrol_points"] == [4, 2, 0]


def test_late_fixes_after_a_stop_up_to_its_end(world):
    state = start(world)
    add(world, state.id, [fix(5)])
    live.stop_patrol(world, ws.O1, state.id, at=local(20), now=t(20))
    late = add(world, state.id, [fix(18), fix(20)], now=90)
    assert (late.added, late.fixes) == (2, 3)
    before = snapshot(world)
    with pytest.raises(live.Refused) as refused:
        add(world, state.id, [fix(19), fix(21)], now=90)
    assert [(p.index, p.field, p.code) for p in refused.value.problems] == [
        (1, "at", "after_end")]
    assert snapshot(world) == before and track(world, state.id) == [t(5), t(18), t(20)]


def test_a_batch_over_the_limit_is_refused_before_the_store_is_read(world):
    state = start(world)
    before = snapshot(world)
    with pytest.raises(live.BatchTooLarge) as refused:
        add(world, state.id, [fix(m) for m in range(4)], max_points=3)
    assert (refused.value.count, refused.value.maximum) == (4, 3)
    with pytest.raises(live.BatchTooLarge):  # even for a patrol that is not there
        add(world, 999, [fix(m) for m in range(4)], max_points=3)
    assert snapshot(world) == before
    assert add(world, state.id, [fix(m) for m in range(3)], max_points=3).added == 3


def test_a_batch_with_bad_fixes_is_refused_whole_naming_every_problem(world):
    state = start(world, minutes=10)
    add(world, state.id, [fix(12)])
    before = snapshot(world)
    batch = [
        fix(13),                                              # 0 good
        {"at": "2026-11-18T10:14:00", "lon": 116.0, "lat": 39.9},   # 1 no offset
        fix(15, lon=181),                                     # 2 lon out of range
        fix(16, lat="39.9"),                                  # 3 lat as text
        {"lon": 116.0, "lat": 39.9},                          # 4 no time
        fix(17, accuracy_m=-1),                               # 5 accuracy below 0
        fix(66),                                              # 6 6 minutes ahead (now 02:60)
        fix(7),                                               # 7 3 minutes before the start
        "116.0,39.9",                                         # 8 not an object
        fix(18, lon=float("nan"), lat=True),                  # 9 two problems
        fix(9),                                               # 10 1 minute before: fine
    ]
    with pytest.raises(live.Refused) as refused:
        add(world, state.id, batch)
    assert [(p.index, p.field, p.code) for p in refused.value.problems] == [
        (1, "at", "no_offset"), (2, "lon", "out_of_range"), (3, "lat", "not_a_number"),
        (4, "at", "missing"), (5, "accuracy_m", "out_of_range"), (6, "at", "in_future"),
        (7, "at", "before_start"), (8, "fix", "not_an_object"), (9, "lon", "out_of_range"),
        (9, "lat", "not_a_number")]
    assert refused.value.problems[0].where == "points[1].at"
    assert snapshot(world) == before
    for bad, code in (([], "empty"), ({"at": local(1)}, "not_a_list"), (None, "not_a_list")):
        with pytest.raises(live.Refused) as refused:
            add(world, state.id, bad)
        assert [(p.field, p.code) for p in refused.value.problems] == [("points", code)]
    good = add(world, state.id, [fix(13, accuracy_m=8.5, heading=90), fix(9)])
    assert (good.added, good.first_at) == (2, t(9))


def test_the_wall_shows_the_officers_latest_fix(world):
    state = start(world)
    add(world, state.id, [fix(10, lon=116.008), fix(4, lon=116.002)])
    with world.connect() as conn:
        shown = officers_on_patrol(conn, None, t(11))
    assert shown.to_dict("records") == [{"name": "张伟", "lon": 116.008, "lat": 39.905,
                                         "at": t(10)}]
    live.stop_patrol(world, ws.O1, state.id, now=t(12))
    with world.connect() as conn:
        assert officers_on_patrol(conn, None, t(13)).empty


def test_each_batch_rebuilds_the_patrols_visits_in_time_order(world):
    """Fixes at 02:00 and 02:10 in G1 (0.001° of latitude apart: 111.2 m), 02:20 in G2
    (0.01° of longitude at 39.906°N: 853.0 m); then 02:05 between the first two, sent
    late: G1 keeps its 10 minutes and 111.2 m, now in two segments of 5 minutes."""
    from data.models import PatrolVisit

    state = start(world)
    add(world, state.id, [fix(0), fix(10, lat=39.906), fix(20, lon=116.015, lat=39.906)])

    def visits():
        with world.connect() as conn:
            rows = conn.execute(select(PatrolVisit.region_id, PatrolVisit.day,
                                       PatrolVisit.fixes, PatrolVisit.first_at,
                                       PatrolVisit.last_at, PatrolVisit.seconds,
                                       PatrolVisit.distance_m)
                                .where(PatrolVisit.patrol_id == state.id)
                                .order_by(PatrolVisit.region_id)).all()
            distance = conn.scalar(select(Patrol.distance_m).where(Patrol.id == state.id))
        return [tuple(r) for r in rows], distance

    day = datetime(2026, 11, 18).date()
    rows, distance = visits()
    assert [r[:6] for r in rows] == [(ws.G1, day, 2, t(0), t(10), 600.0),
                                     (ws.G2, day, 1, t(20), t(20), 600.0)]
    assert [r[6] for r in rows] == [pytest.approx(111.2, abs=0.1),
                                    pytest.approx(853.0, abs=0.5)]
    assert distance == pytest.approx(964.2, abs=0.6)
    add(world, state.id, [fix(5, lat=39.9055)])
    rows, distance = visits()
    assert [r[:6] for r in rows] == [(ws.G1, day, 3, t(0), t(10), 600.0),
                                     (ws.G2, day, 1, t(20), t(20), 600.0)]
    assert rows[0][6] == pytest.approx(111.2, abs=0.1)
    assert distance == pytest.approx(964.2, abs=0.6)


def test_two_starts_at_once_make_one_patrol(world):
    """Two phones of one officer (or one retrying) start at the same moment: the officer's
    row serialises them, so one starts and the other finds it open."""
    import threading

    barrier, results = threading.Barrier(2), []

    def go():
        barrier.wait()
        results.append(live.start_patrol(world, ws.O1, now=NOW).result)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["already_open", "started"]
    assert len(patrols(world)) == 1
