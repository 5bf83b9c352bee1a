"""The postponed cases by local day (data/rollup_postpones.py), which the postponement rate
reads while they are current: hand-counted on the tiny store, after every kind of change
(a second postpone the same day and on another day, an event moved to another day,
removed, a case moved to another region and made unlocated, a case deleted), and equal to
the count from the events (the definition) on random periods of the demo, both stores."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from data import rollup_check, rollup_read, rollups, store
from data.demo import county
from data.metrics import period_for
from data.models import Case, CaseEvent, RollupPostpone
from tests import tiny_store

UTC_ZONE = store.ZoneInfo("UTC")
MARCH = period_for(date(2026, 3, 1), date(2026, 3, 10), UTC_ZONE)


def _settle(engine) -> None:
    rollups.catch_up(engine)
    with engine.connect() as conn:
        assert rollups.settled(conn)  # what follows reads the kept rows, not the events


def _kept(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(RollupPostpone.case_id, RollupPostpone.day, RollupPostpone.region_id)
            .order_by(RollupPostpone.case_id, RollupPostpone.day))]


def _rows(engine, period=MARCH, only=None) -> dict:
    with engine.connect() as conn:
        kept = dict(rollup_read.postponed_rows(conn, period, only))
        direct = dict(rollup_read.postponed_rows_direct(conn, period, only))
    assert kept == direct
    return kept


def _day(d: date) -> int:
    return rollups.day_number(d)


def test_postponed_cases_are_kept_per_day_and_follow_every_change(engine):
    tiny_store.build(engine)
    with engine.connect() as conn:
        k1, k2, k3 = (conn.scalar(select(Case.id).where(Case.code == code))
                      for code in ("K1", "K2", "K3"))
    with engine.begin() as conn:  # K2 postponed twice on 2 March, once on 5 March
        conn.execute(insert(CaseEvent), [
            {"case_id": k2, "action": "postpone", "at": datetime(2026, 3, 2, 10)},
            {"case_id": k2, "action": "postpone", "at": datetime(2026, 3, 2, 15)},
            {"case_id": k2, "action": "postpone", "at": datetime(2026, 3, 5, 9)},
            {"case_id": k1, "action": "dispatch", "at": datetime(2026, 3, 2, 9)},
            {"case_id": k3, "action": "postpone", "at": datetime(2026, 2, 27, 9)}])
    _settle(engine)
    assert _kept(engine) == [(k2, _day(date(2026, 3, 2)), 5), (k2, _day(date(2026, 3, 5)), 5),
                             (k3, _day(date(2026, 2, 27)), 6)]
    assert _rows(engine) == {5: 1}  # one case, however many days; K3's is before March
    with engine.connect() as conn:  # every metric as the direct count has it
        assert rollup_check.differences(conn, [1, 2, 3], MARCH, datetime(2026, 3, 20)) == []

    with engine.begin() as conn:  # K3's postpone moved into March, K2 moved to G3
        conn.execute(update(CaseEvent).where(CaseEvent.case_id == k3,
                                             CaseEvent.action == "postpone")
                     .values(at=datetime(2026, 3, 6, 9)))
        conn.execute(update(Case).where(Case.id == k2).values(region_id=6))
    _settle(engine)
    assert _kept(engine) == [(k2, _day(date(2026, 3, 2)), 6), (k2, _day(date(2026, 3, 5)), 6),
                             (k3, _day(date(2026, 3, 6)), 6)]
    assert _rows(engine) == {6: 2}
    with engine.connect() as conn:
        town_one = rollup_read.postponed_rows(conn, MARCH, Case.region_id.in_([2, 4, 5]))
    assert town_one == []

    with engine.begin() as conn:  # the 5 March postpone removed, K2 unlocated, K3 deleted
        conn.execute(delete(CaseEvent).where(CaseEvent.case_id == k2,
                                             CaseEvent.at == datetime(2026, 3, 5, 9)))
        conn.execute(update(Case).where(Case.id == k2).values(region_id=None))
        conn.execute(delete(CaseEvent).where(CaseEvent.case_id == k3))
        conn.execute(delete(Case).where(Case.id == k3))
    _settle(engine)
    assert _kept(engine) == [(k2, _day(date(2026, 3, 2)), -1)]
    assert _rows(engine) == {-1: 1}


def test_a_queue_not_yet_applied_is_read_from_the_events(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        k2 = conn.scalar(select(Case.id).where(Case.code == "K2"))
        conn.execute(insert(CaseEvent).values(case_id=k2, action="postpone",
                                              at=datetime(2026, 3, 3, 10)))
        # in this transaction the change is queued and not applied: the kept rows are not
        # current, and the events are read instead
        assert not rollups.settled(conn)
        assert rollup_read.postponed_rows(conn, MARCH, None) == [(5, 1)]
    assert _kept(engine) == []  # nothing applied yet
    _settle(engine)
    assert _rows(engine) == {5: 1}


def test_the_rebuild_and_random_periods_agree_with_the_events_on_the_demo(engine):
    county.build_demo(engine, scale="small", seed=7)
    _settle(engine)
    before = _kept(engine)
    assert before, "the small demo has postponed cases"
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _kept(engine) == before
    rnd = random.Random(15)
    with engine.connect() as conn:
        newest = conn.scalar(select(CaseEvent.at).order_by(CaseEvent.at.desc()).limit(1))
    for zone in ("Asia/Shanghai", "America/Los_Angeles"):  # a zone change rebuilds the days
        with engine.begin() as conn:
            store.set_meta(conn, "timezone", zone)
        _settle(engine)
        tz = store.ZoneInfo(zone)
        found = 0
        for _ in range(8):
            first = newest.date() - timedelta(days=rnd.randint(0, 200))
            period = period_for(first, first + timedelta(days=rnd.randint(0, 60)), tz)
            found += bool(_rows(engine, period))
            _rows(engine, period, Case.region_id.in_(range(rnd.randint(1, 40))))
        assert found >= 4  # the comparisons were of postponed cases, not of nothing
