"""What the console's unfiltered view reads from the per-day rollups against the direct
definitions: the daily trend (``daily_trend(source="rollups")`` against
``source="direct"``: the cases counted per UTC hour, put on their local day) and the case
list's length (the rollups' "reported" against counting the list's rows): the same days,
the same counts, on random periods and regions of the small demo, with changes still
queued, and across the summer-time changes of America/Los_Angeles, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, select

from data import rollups, store
from data.cases import listing
from data.cases.filter import CaseFilter
from data.demo import county
from data.metrics import CaseScope, local_date, period_for
from data.models import Case, Region, RollupQueue
from data.panels import daily_trend
from data.regions import get_region
from tests.data.test_rollups import _case, _random_changes

LA = "America/Los_Angeles"


def _regions(conn, rnd: random.Random, n: int) -> list:
    codes = [c for (c,) in conn.execute(select(Region.code).order_by(Region.code))]
    return [None if code is None else get_region(conn, code)
            for code in [None, *rnd.sample(codes, n)]]


def _agree(engine, rnd: random.Random, now: datetime, rounds: int,
           spans: list[tuple[date, date]] = ()) -> int:
    checked = 0
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        today = local_date(now, tz)
        periods = list(spans)
        for _ in range(rounds):
            last = today - timedelta(days=rnd.choice([0, 0, 1, 3, 30, 120, 380]))
            periods.append((last - timedelta(days=rnd.choice([0, 1, 6, 29, 90])), last))
        for first, last in periods:
            period = period_for(first, last, tz)
            for region in _regions(conn, rnd, 3):
                rolled = daily_trend(conn, region, now, period=period, source="rollups")
                direct = daily_trend(conn, region, now, period=period, source="direct")
                pd.testing.assert_frame_equal(rolled, direct, check_dtype=False,
                                              obj=f"{period} {region}")
                flt = CaseFilter(region_code=None if region is None else region.code,
                                 first=first, last=last)
                conditions, _, _ = listing.filtered(conn, flt, now, None, str)
                counted = listing.count_rows(conn, conditions)
                assert listing._reported_total(conn, flt, now, None) == counted
                assert listing.case_page(conn, flt, now, end_row=1)[1] == counted
                checked += 1
    return checked


def _dst_spans(year: int) -> list[tuple[date, date]]:
    """Periods around the US changes of year ``year`` (second Sunday of March, first of
    November), and one day on each."""
    march = date(year, 3, 8) + timedelta(days=(6 - date(year, 3, 8).weekday()) % 7)
    november = date(year, 11, 1) + timedelta(days=(6 - date(year, 11, 1).weekday()) % 7)
    return [(march - timedelta(days=3), march + timedelta(days=3)), (march, march),
            (november - timedelta(days=3), november + timedelta(days=3)),
            (november, november)]


def test_the_rollup_trend_equals_the_direct_one_on_the_demo(engine, monkeypatch):
    """Seeded: the small demo, random periods and regions, before and after random
    changes (read while still queued: no applier runs), then in Los Angeles across
    summer time."""
    county.build_demo(engine, scale="small", seed=7)
    rnd = random.Random(15)
    now = store.utcnow()
    assert _agree(engine, rnd, now, 8) == 8 * 4
    _random_changes(engine, rnd, now)
    with monkeypatch.context() as m:
        m.setattr(rollups, "catch_up", lambda *a, **k: None)  # the reader adds the queue
        assert _agree(engine, rnd, now, 4) == 4 * 4
        with engine.connect() as conn:
            assert conn.scalar(select(RollupQueue.seq).limit(1)) is not None  # still queued
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", LA)
    _random_changes(engine, rnd, now)
    spans = _dst_spans(now.year) + _dst_spans(now.year - 1)
    assert _agree(engine, rnd, now, 4, spans) == (4 + len(spans)) * 4


def test_the_hour_repeated_in_november_is_one_local_day(engine, monkeypatch):
    """Los Angeles, 1 November 2026: 01:30 comes twice (PDT, then PST), 25 hours in the
    day; a case at each, and one at 23:30 that evening (07:30 UTC the next day), fall
    on the 1st in both ways of counting."""
    county.build_demo(engine, scale="small", seed=3)
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", LA)
        region_id = conn.scalar(select(Case.region_id).where(Case.region_id.is_not(None))
                                .limit(1))
        code = conn.scalar(select(Region.code).where(Region.id == region_id))
    tz = store.ZoneInfo(LA)
    period = period_for(date(2026, 10, 31), date(2026, 11, 2), tz)
    now = datetime(2026, 11, 10)

    def trend(source):
        with engine.connect() as conn:
            return daily_trend(conn, get_region(conn, code), now, period=period,
                               source=source).set_index("day")["reported"].to_dict()

    before = trend("rollups")
    assert before == trend("direct")
    with engine.begin() as conn:
        for n, moment in enumerate((datetime(2026, 11, 1, 8, 30), datetime(2026, 11, 1, 9, 30),
                                    datetime(2026, 11, 2, 7, 30))):
            conn.execute(insert(Case).values(_case(f"DST{n}", region_id, "filed", moment)))
    monkeypatch.setattr(rollups, "catch_up", lambda *a, **k: None)  # read while queued
    after = trend("rollups")
    assert after == trend("direct")
    assert after[date(2026, 11, 1)] == before[date(2026, 11, 1)] + 3
    assert after[date(2026, 10, 31)] == before[date(2026, 10, 31)]
    assert after[date(2026, 11, 2)] == before[date(2026, 11, 2)]


def test_sources_and_a_scope(engine, monkeypatch):
    """``auto`` with a scope counts directly (the rollups hold no categories); an unknown
    source is refused, naming it; ``rollups`` on a store whose rollups are stale (made for
    another zone) and cannot be rebuilt now says so, and ``auto`` then counts directly."""
    county.build_demo(engine, scale="small", seed=3)
    now = store.utcnow()
    with engine.connect() as conn:
        category = conn.scalar(select(Case.category).where(Case.category.is_not(None)).limit(1))
        scope = CaseScope(categories=(category,))
        scoped = daily_trend(conn, None, now, scope=scope, source="auto")
        whole = daily_trend(conn, None, now, source="auto")
        assert 0 < scoped["reported"].sum() < whole["reported"].sum()
        pd.testing.assert_frame_equal(scoped, daily_trend(conn, None, now, scope=scope))
        with pytest.raises(ValueError, match="source must be auto, direct or rollups, got 'x'"):
            daily_trend(conn, None, now, source="x")
        for narrowed in (CaseFilter(categories=(category,)), CaseFilter(statuses=("filed",)),
                         CaseFilter(text="a")):  # the rollups count none of these
            assert listing._reported_total(conn, narrowed, now, None) is None
        assert listing._reported_total(conn, CaseFilter(), now, {"code": {}}) is None
    monkeypatch.setattr(rollups, "catch_up", lambda *a, **k: None)  # no rebuild now
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE rollup_state SET zone = 'Asia/Tokyo'")  # not committed
        with pytest.raises(RuntimeError, match="no usable rollups"):
            daily_trend(conn, None, now, source="rollups")
        pd.testing.assert_frame_equal(daily_trend(conn, None, now, source="auto"),
                                      daily_trend(conn, None, now))
