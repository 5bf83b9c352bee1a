"""The rollups (data/rollups.py) against the direct counts, which read the registry's
definitions straight from the cases: every metric must come out the same, after every
kind of change a store sees, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from dashboard.cli import main
from dashboard.settings import Settings
from data import rollup_check, rollups, store
from data.demo import county
from data.metrics import compute, local_date, period_for
from data.periods import Period
from data.models import Case, CaseEvent, Region, Rollup, RollupQueue
from tests import tiny_store

UTC_ZONE = store.ZoneInfo("UTC")
MARCH = period_for(date(2026, 3, 1), date(2026, 3, 10), UTC_ZONE)
AFTER_MARCH = datetime(2026, 3, 20)
ALL_GROUPS = [None, [1], [1, 2, 3], [4, 5, 6], [3]]


def _agree(engine, period=MARCH, as_of=AFTER_MARCH, groups_list=ALL_GROUPS) -> None:
    with engine.connect() as conn:
        for groups in groups_list:
            assert rollup_check.differences(conn, groups, period, min(as_of, period.end)) == [], \
                (groups, period)


def _queued(engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(RollupQueue.seq)).all())


def _metric(engine, key, groups=None, period=MARCH, as_of=AFTER_MARCH, source="rollups"):
    with engine.connect() as conn:
        values = compute(conn, groups, period, min(as_of, period.end), source=source)
    return {g: v[key] for g, v in values.items()}


_TIMES = ("dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at")


def _case(code, region, status, reported, **times):
    return {"code": code, "status": status, "location_method": "point", "region_id": region,
            "reported_at": reported, "version": 1, **dict.fromkeys(_TIMES), **times}


def test_a_new_case_inserted_directly_is_counted_and_the_queue_applied(engine):
    tiny_store.build(engine)
    _agree(engine)
    assert _metric(engine, "reported", [1, 2, 3]) == {1: 4, 2: 2, 3: 2}
    with engine.begin() as conn:  # a bare insert, as tests and the bench feed do
        conn.execute(insert(Case).values(_case("N1", 4, "filed", datetime(2026, 3, 5, 12),
                                               due_at=datetime(2026, 3, 7))))
    assert _queued(engine) == 1
    assert _metric(engine, "reported", [1, 2, 3]) == {1: 5, 2: 3, 3: 2}
    assert _queued(engine) == 0  # the reader applied it
    _agree(engine)


def test_updates_and_deletes_move_the_counts(engine):
    tiny_store.build(engine)
    _agree(engine)
    with engine.begin() as conn:  # K2 (G2, open, overdue) closed on time; K4 un-voided
        conn.execute(update(Case).where(Case.code == "K2").values(
            status="closed", closed_at=datetime(2026, 3, 3, 12), satisfaction="satisfied",
            resolved_at=datetime(2026, 3, 3, 10), resolved_level="grid"))
        conn.execute(update(Case).where(Case.code == "K4").values(status="filed"))
        conn.execute(update(Case).where(Case.code == "K2").values(description="no count"))
    _agree(engine)
    assert _metric(engine, "closed_on_time", [1]) == {1: 2}
    assert _metric(engine, "open", [1]) == {1: 1}  # K4, filed again
    with engine.begin() as conn:
        conn.execute(delete(Case).where(Case.code.in_(["K1", "K4"])))
    _agree(engine)
    assert _metric(engine, "reported", [1]) == {1: 2}


def test_events_follow_their_case_when_it_moves_region(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        k2 = conn.scalar(select(Case.id).where(Case.code == "K2"))
        conn.execute(insert(CaseEvent), [
            {"case_id": k2, "action": action, "at": datetime(2026, 3, 2, hour)}
            for hour, action in ((10, "dispatch"), (11, "return"), (12, "dispatch"),
                                 (13, "rework"), (14, "postpone"), (15, "postpone"))])
    _agree(engine)
    assert _metric(engine, "dispatches", [2, 3]) == {2: 2, 3: 0}
    with engine.begin() as conn:  # moved from G2 (town 2) to G3 (town 3), one more event
        conn.execute(update(Case).where(Case.id == k2).values(region_id=6))
        conn.execute(insert(CaseEvent).values(case_id=k2, action="dispatch",
                                              at=datetime(2026, 3, 4, 9)))
    assert _metric(engine, "dispatches", [2, 3, 6]) == {2: 0, 3: 3, 6: 3}
    _agree(engine)
    with engine.begin() as conn:  # an event corrected, one removed, then unlocated
        first = conn.scalar(select(CaseEvent.id).where(CaseEvent.action == "return"))
        conn.execute(update(CaseEvent).where(CaseEvent.id == first).values(action="urge"))
        conn.execute(delete(CaseEvent).where(CaseEvent.action == "rework"))
        conn.execute(update(Case).where(Case.id == k2).values(region_id=None))
    assert _metric(engine, "returns") == {0: 0}
    assert _metric(engine, "dispatches", [1]) == {1: 0}
    assert _metric(engine, "dispatches") == {0: 3}  # the whole deployment keeps them
    _agree(engine)


def test_a_change_of_time_zone_rebuilds_the_days(engine):
    tiny_store.build(engine)
    _agree(engine)
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", "America/Los_Angeles")
    la = store.ZoneInfo("America/Los_Angeles")
    # 2026-03-08 is the day Los Angeles moves its clocks on
    for first, last in ((date(2026, 3, 1), date(2026, 3, 10)), (date(2026, 3, 8), date(2026, 3, 8)),
                        (date(2026, 3, 2), date(2026, 3, 3))):
        _agree(engine, period_for(first, last, la))
    with engine.connect() as conn:
        assert rollups.status(conn)["zone"] == "America/Los_Angeles"


def test_deadlines_at_as_of_later_today_and_a_period_ending_yesterday(engine):
    tiny_store.build(engine)
    now = datetime(2026, 3, 10, 15)
    with engine.begin() as conn:
        conn.execute(insert(Case), [
            # due exactly at as_of: due (due_at <= as_of), and overdue only after it
            _case("D1", 4, "dispatched", datetime(2026, 3, 9, 8),
                  dispatched_at=datetime(2026, 3, 9, 9), due_at=now),
            # due later today: not due yet, not overdue
            _case("D2", 5, "dispatched", datetime(2026, 3, 10, 8),
                  dispatched_at=datetime(2026, 3, 10, 9), due_at=datetime(2026, 3, 10, 20)),
            # due yesterday, closed today: due yesterday, and open at yesterday's end
            _case("D3", 6, "closed", datetime(2026, 3, 8, 8), due_at=datetime(2026, 3, 9, 12),
                  dispatched_at=datetime(2026, 3, 8, 9), resolved_at=datetime(2026, 3, 10, 9),
                  closed_at=datetime(2026, 3, 10, 10)),
            # voided today after being reported yesterday
            _case("D4", 6, "voided", datetime(2026, 3, 9, 8), voided_at=datetime(2026, 3, 10, 7)),
            # reported exactly at tonight's midnight; due later today and closed exactly
            # then (the day's end, from which the day is counted back to a late as_of)
            _case("D5", 4, "dispatched", datetime(2026, 3, 11), due_at=datetime(2026, 3, 11, 5),
                  dispatched_at=datetime(2026, 3, 11, 1)),
            _case("D6", 5, "closed", datetime(2026, 3, 9, 8), due_at=datetime(2026, 3, 10, 20),
                  dispatched_at=datetime(2026, 3, 9, 9), resolved_at=datetime(2026, 3, 11),
                  closed_at=datetime(2026, 3, 11)),
        ])
    today = period_for(date(2026, 3, 10), date(2026, 3, 10), UTC_ZONE)
    yesterday = period_for(date(2026, 3, 9), date(2026, 3, 9), UTC_ZONE)
    month = period_for(date(2026, 3, 1), date(2026, 3, 31), UTC_ZONE)
    for period in (today, yesterday, month, MARCH):
        for moment in (now, now - timedelta(seconds=1), now + timedelta(seconds=1),
                       datetime(2026, 3, 10, 10), datetime(2026, 3, 10, 0)):
            _agree(engine, period, moment)
    assert _metric(engine, "due_to_handle", [1], today, now) == {1: 2}  # D1 due, D3 resolved
    assert _metric(engine, "overdue", [1], today, now + timedelta(seconds=1)) == {1: 2}  # K2, D1
    assert _metric(engine, "open", [6], yesterday, now) == {6: 2}  # D3 and D4 at its end


def test_writes_not_yet_committed_are_counted_by_the_same_connection(engine):
    tiny_store.build(engine)
    _agree(engine)  # rollups built
    with engine.begin() as conn:
        conn.execute(insert(Case).values(_case("U1", 5, "filed", datetime(2026, 3, 6))))
        values = compute(conn, [1], MARCH, AFTER_MARCH, source="rollups")
        assert values[1]["reported"] == 5
        assert values == compute(conn, [1], MARCH, AFTER_MARCH, source="direct")
    _agree(engine)


def test_applying_twice_counts_once(engine):
    tiny_store.build(engine)
    rollups.catch_up(engine)
    with engine.begin() as conn:
        conn.execute(insert(Case).values(_case("T1", 4, "filed", datetime(2026, 3, 6))))
    assert rollups.catch_up(engine) == 1
    assert rollups.catch_up(engine) == 0
    assert _metric(engine, "reported", [4]) == {4: 2}
    _agree(engine)


def test_the_check_command_finds_a_difference(engine, capsys):
    tiny_store.build(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert main(["db", "rollups", "--rebuild", "--check"], settings) == 0
    with engine.begin() as conn:  # rollup rows altered behind the triggers' back
        conn.execute(update(Rollup).where(Rollup.region_id == 0)
                     .values(reported=Rollup.reported + 7))
    capsys.readouterr()
    assert main(["db", "rollups", "--check"], settings) == 1
    assert "reported" in capsys.readouterr().out
    assert main(["db", "rollups", "--rebuild", "--check"], settings) == 0


# --- random periods, moments, regions and changes on the demo county -------------------------

def _random_round(engine, rnd: random.Random, now: datetime, rounds: int) -> int:
    checked = 0
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        ids = [r for (r,) in conn.execute(select(Region.id))]
        today = local_date(now, tz)
        for _ in range(rounds):
            last = today - timedelta(days=rnd.choice([0, 0, 0, 1, 3, 30, 120, 380]))
            first = last - timedelta(days=rnd.choice([0, 0, 1, 6, 29, 90, 364]))
            period = period_for(first, last, tz)
            as_of = min(now, period.end)
            if rnd.random() < 0.3:  # a moment inside the period (a past as_of)
                as_of = period.start + (as_of - period.start) * rnd.random()
            elif rnd.random() < 0.3:  # cut short at a moment of a day, counted as of it
                as_of = period.start + (as_of - period.start) * rnd.random()  # (same_span)
                last = local_date(as_of - timedelta(microseconds=1), tz) \
                    if as_of > period.start else first
                period = Period(first, last, period.start, as_of, whole=False)
            groups = rnd.choice([None, rnd.sample(ids, 4), [rnd.choice(ids)]])
            assert rollup_check.differences(conn, groups, period, as_of) == [], \
                (str(period), as_of, groups)
            checked += 1
    return checked


def _random_changes(engine, rnd: random.Random, now: datetime) -> None:
    with engine.begin() as conn:
        ids = [r for (r,) in conn.execute(select(Case.id).order_by(Case.id))]
        regions = [r for (r,) in conn.execute(select(Region.id))]
        picked = rnd.sample(ids, 12)
        for case_id in picked[:4]:  # closed now
            conn.execute(update(Case).where(Case.id == case_id).values(
                status="closed", closed_at=now - timedelta(hours=rnd.random() * 30)))
        for case_id in picked[4:7]:  # moved elsewhere
            conn.execute(update(Case).where(Case.id == case_id)
                         .values(region_id=rnd.choice(regions + [None])))
        for case_id in picked[7:9]:  # reopened
            conn.execute(update(Case).where(Case.id == case_id).values(
                status="dispatched", closed_at=None, resolved_at=None, satisfaction=None))
        for case_id in picked[9:]:
            conn.execute(insert(CaseEvent).values(
                case_id=case_id, action=rnd.choice(["dispatch", "return", "rework", "postpone"]),
                at=now - timedelta(hours=rnd.random() * 50)))
        made = []
        for n in range(4):
            made.append(conn.execute(insert(Case).values(_case(
                f"R{rnd.random()}", rnd.choice(regions), "dispatched",
                now - timedelta(hours=rnd.random() * 10),
                dispatched_at=now - timedelta(hours=1), due_at=now + timedelta(hours=n - 1))))
                .inserted_primary_key[0])
            conn.execute(insert(CaseEvent).values(case_id=made[-1], action="dispatch",
                                                  at=now - timedelta(hours=1)))
    with engine.begin() as conn:  # one new case taken back, with its event
        conn.execute(delete(CaseEvent).where(CaseEvent.case_id == made[0]))
        conn.execute(delete(Case).where(Case.id == made[0]))


def test_random_periods_and_changes_agree_on_the_demo(engine):
    """Seeded: the small demo, 24 random (period, as_of, regions) before and after random
    changes, then again in a time zone with summer time (America/Los_Angeles)."""
    county.build_demo(engine, scale="small", seed=7)
    rnd = random.Random(15)
    now = store.utcnow()
    assert _random_round(engine, rnd, now, 24) == 24
    _random_changes(engine, rnd, now)
    assert _random_round(engine, rnd, now, 15) == 15
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", "America/Los_Angeles")
    _random_changes(engine, rnd, now)
    assert _random_round(engine, rnd, now, 15) == 15


def test_random_periods_agree_on_the_los_angeles_example(engine):
    """The LA example (real 311 requests, America/Los_Angeles: summer time) imported, then
    random periods around its data, before and after random changes."""
    from tests.conftest import load_la311

    load_la311(engine)
    with engine.connect() as conn:
        latest = conn.scalar(select(Case.reported_at).order_by(Case.reported_at.desc()).limit(1))
        assert store.deployment_timezone(conn).key == "America/Los_Angeles"
    rnd = random.Random(311)
    now = latest + timedelta(hours=5)
    assert _random_round(engine, rnd, now, 12) == 12
    _random_changes(engine, rnd, now)
    assert _random_round(engine, rnd, now, 10) == 10
