"""The wall's data on both stores: the hand-counted store of the metric tests, read at
2026-03-09 12:00 UTC (a Monday), and a demo county checked against pandas."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, text

from data import maps, panels, report, store, wall
from data.demo import county, world
from data.regions import root_region
from data.models import Case, Officer, Patrol, PatrolPoint
from tests.data.test_metrics import G1, G2, build, d

NOW = d(9, 12)


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


def test_live_counts_per_grid_and_for_the_county(hand):
    with hand.connect() as conn:
        county = root_region(conn, None)  # the one top-level region
        assert county.code == "C"
        grids = wall.grid_values(conn, county, NOW)
        counters = wall.counters(conn, county, NOW)
    by_code = {4: "G1", 5: "G2", 6: "G3"}
    got = {by_code[i]: row for i, row in grids.to_dict("index").items()}
    # open at 03-09 12:00: G1 K7 K13 (closed only on 03-12); G2 K2 K6; G3 K9
    assert {k: v["open"] for k, v in got.items()} == {"G1": 2, "G2": 2, "G3": 1}
    assert {k: v["overdue"] for k, v in got.items()} == {"G1": 0, "G2": 1, "G3": 0}  # K2
    assert {k: v["reported_week"] for k, v in got.items()} == {"G1": 1, "G2": 0, "G3": 0}
    assert all(v["long_unfixed"] == 0 for v in got.values())  # K2 is 5½ days past due
    assert (counters["reported_today"], counters["closed_today"]) == (1, 1)  # K13; K3
    assert (counters["open"], counters["overdue"], counters["reported_week"]) == (5, 1, 1)
    # the same numbers as the summary of that day
    day = report.summarize(hand, "C", NOW.date(), NOW.date(), now=NOW)["metrics"]
    assert (day["reported"], day["closed"], day["open"], day["overdue"]) == (1, 1, 5, 1)
    assert counters["patrol_coverage"] == 0  # no patrol on 03-09


def test_cases_off_the_leaves_count_for_the_county_not_for_a_grid(hand):
    with store.transaction(hand) as conn:
        conn.execute(insert(Case), [
            {"id": 100, "code": "TOWN", "region_id": 2, "status": "filed", "reported_at": d(9, 1),
             "location_method": "code", "version": 1},
            {"id": 101, "code": "NOWHERE", "region_id": None, "status": "filed", "reported_at": d(9, 2),
             "location_method": "none", "version": 1}])
    with hand.connect() as conn:
        county = root_region(conn, "C")
        assert wall.counters(conn, county, NOW)["reported_today"] == 2  # K13 + TOWN
        assert wall.counters(conn, None, NOW)["reported_today"] == 3  # + the unlocated one
        assert wall.grid_values(conn, county, NOW)["reported_week"].sum() == 1


def test_the_trend_counts_each_local_day(hand):
    with hand.connect() as conn:
        trend = panels.daily_trend(conn, root_region(conn, "C"), NOW).set_index("day")
    assert len(trend) == 30 and trend.index[-1] == NOW.date()
    day = lambda n, m=3: datetime(2026, m, n).date()  # noqa: E731
    assert trend.loc[day(2), "reported"] == 3  # K1 K2 K8
    assert trend.loc[day(20, 2), "reported"] == 1 and trend.loc[day(21, 2), "closed"] == 1
    assert trend.loc[day(8), "closed"] == 2  # K8 K10
    assert trend["reported"].sum() == 12  # K1..K11 and K13; K12 is reported on 03-11
    assert trend["closed"].sum() == 6  # K11 K1 K5 K8 K10 K3


def test_the_trend_in_a_time_zone_ahead_of_utc(engine):
    late = [("S1", G1, "reported", "incident", d(8, 16, 30), None, None, None, None, None,
             None, None, None, None)]
    build(engine, tz="Asia/Shanghai", cases=late, events=[], patrols=[])
    with engine.connect() as conn:
        trend = panels.daily_trend(conn, None, NOW).set_index("day")
    # 16:30 UTC on 03-08 is 00:30 on 03-09 in Shanghai
    assert trend.loc[datetime(2026, 3, 9).date(), "reported"] == 1
    assert trend.loc[datetime(2026, 3, 8).date(), "reported"] == 0


def test_newest_cases_of_a_town_newest_first(hand):
    with hand.connect() as conn:
        newest = wall.newest_cases(conn, root_region(conn, "T2"), limit=3)
    assert list(newest["code"]) == ["K9", "K4", "K3"]
    assert list(newest["place"]) == ["G3", "G3", "G3"]


def test_the_ranking_follows_the_summary(hand):
    now = d(20)
    with hand.connect() as conn:
        board = panels.ranking(conn, root_region(conn, "C"), now)
    children = report.summarize(hand, "C", now=now)["children"]
    rates = {c["code"]: c["metrics"]["on_time_closure_rate"] for c in children}
    expected = sorted(rates, key=lambda code: (rates[code] is None, -(rates[code] or 0)))
    assert list(board["code"]) == expected
    assert board["value"].tolist() == [rates[c] for c in expected]


def test_officers_on_patrol_now_at_their_last_fix(hand):
    with store.transaction(hand) as conn:
        conn.execute(insert(Officer), [{"id": 10, "code": "W10", "name": "王伟", "region_id": G2},
                                       {"id": 11, "code": "W11", "name": "李娜", "region_id": G1}])
        conn.execute(insert(Patrol), [
            {"id": 10, "officer_id": 10, "region_id": G2, "started_at": NOW - timedelta(hours=1),
             "ended_at": None},  # every row names every column: executemany uses the first's
            {"id": 11, "officer_id": 11, "region_id": G1, "started_at": NOW - timedelta(hours=3),
             "ended_at": NOW - timedelta(hours=1)}])
        conn.execute(insert(PatrolPoint), [
            {"patrol_id": 10, "at": NOW - timedelta(minutes=m), "lon": 5.0 + m, "lat": 0.5}
            for m in (50, 20, 4)] + [
            {"patrol_id": 11, "at": NOW - timedelta(hours=2), "lon": 4.5, "lat": 0.5}])
    with hand.connect() as conn:
        on_patrol = wall.officers_on_patrol(conn, root_region(conn, "C"), NOW)
        in_t2 = wall.officers_on_patrol(conn, root_region(conn, "T2"), NOW)
    assert on_patrol[["name", "lon"]].values.tolist() == [["王伟", 9.0]]
    assert in_t2.empty


def test_the_wall_of_a_demo_county_against_pandas(engine):
    as_of = datetime(2026, 11, 20, 9, 0)
    county.build_demo(engine, scale="small", seed=3, as_of=as_of)
    cache: dict = {}
    with engine.connect() as conn:
        snap = wall.snapshot(conn, None, as_of, cache)
        cases = pd.read_sql_query(text("SELECT * FROM cases"), conn)
    for column in ("reported_at", "closed_at", "due_at"):
        cases[column] = pd.to_datetime(cases[column], format="mixed")
    # the last 30 local days (Asia/Shanghai), as UTC
    today = pd.Timestamp(as_of, tz="UTC").tz_convert(world.TIMEZONE).normalize()
    start = (today - pd.Timedelta(days=29)).tz_convert("UTC").tz_localize(None)
    recent = cases[cases["reported_at"] >= start]
    sources = recent["source"].value_counts()
    assert dict(zip(snap["sources"]["key"], snap["sources"]["n"])) == sources.to_dict()
    tops = recent["subcategory"].value_counts()
    assert snap["subcategories"]["n"].tolist() == tops.head(8).tolist()
    open_now = cases["status"].isin(["reported", "filed", "dispatched", "resolved", "suspended"])
    assert snap["counters"]["open"] == int(open_now.sum())
    assert snap["grids"]["open"].sum() == int(open_now.sum())
    assert list(snap["newest"]["code"]) == list(
        cases.sort_values(["reported_at", "id"], ascending=False)["code"].head(20))
    assert any(key[0] == "slow" for key in cache)  # the 30-day panels are kept for a while


def test_the_map_view_leaves_out_a_far_speck_but_keeps_a_near_island():
    from shapely import MultiPolygon, box

    body = box(0, 0, 10, 10)
    island = box(11, 0, 11.5, 0.5)  # 1 unit off the coast: a real part of the region
    speck = box(60, 60, 60.01, 60.01)  # 50 units away and tiny: a digitising stray
    assert maps.view_bounds([body, MultiPolygon([island, speck])]) == (0, 0, 11.5, 10)
    assert maps.view_bounds([MultiPolygon([body, speck])]) == (0, 0, 10, 10)
    # a far part that is a real share of the area stays in view
    twin = box(60, 60, 70, 70)
    assert maps.view_bounds([body, twin]) == (0, 0, 70, 70)
    assert maps.view_bounds([]) is None


def test_an_old_export_is_shown_at_the_end_of_its_last_day(hand):
    with hand.connect() as conn:  # the hand store's newest case is K12, 03-11 (UTC store)
        latest = conn.scalar(text("SELECT max(reported_at) FROM cases"))
        assert wall.data_now(conn, NOW) == (NOW, False)  # current data: now
        moment, historical = wall.data_now(conn, datetime(2026, 6, 1))
    assert historical
    assert moment.date() == pd.Timestamp(latest).date()
    assert moment == datetime.combine(moment.date(), datetime.max.time())


def test_live_counts_of_a_demo_county_at_an_earlier_moment_against_pandas(engine):
    # three days back: cases closed or voided since then count as open at that moment
    as_of = datetime(2026, 11, 20, 9, 0)
    county.build_demo(engine, scale="small", seed=3, as_of=as_of)
    moment = as_of - timedelta(days=3, hours=5)
    with engine.connect() as conn:
        live = wall.live_counts(conn, None, moment)
        cases = pd.read_sql_query(text("SELECT * FROM cases"), conn)
    for column in ("reported_at", "closed_at", "due_at", "voided_at"):
        cases[column] = pd.to_datetime(cases[column], format="mixed")
    after = lambda column: cases[column].notna() & (cases[column] > moment)  # noqa: E731
    open_at = ((cases["reported_at"] <= moment)
               & ((cases["status"] != "voided") | after("voided_at"))
               & (after("closed_at") | (cases["closed_at"].isna()
                                        & (cases["status"] != "closed"))))
    overdue = open_at & (cases["status"] != "suspended") & (cases["due_at"] < moment)
    long_unfixed = overdue & (cases["due_at"] < moment - wall.LONG_UNFIXED)
    assert (open_at & (after("closed_at") | after("voided_at"))
            & ~cases["status"].isin(["reported", "filed", "dispatched", "resolved",
                                     "suspended"])).sum() > 0  # the case this checks
    tz = world.TIMEZONE
    local_day = pd.Timestamp(moment, tz="UTC").tz_convert(tz).normalize()
    day_start = local_day.tz_convert("UTC").tz_localize(None)
    week_start = (local_day - pd.Timedelta(days=local_day.weekday())
                  ).tz_convert("UTC").tz_localize(None)
    day_end = day_start + pd.Timedelta(days=1)
    in_week = (cases["reported_at"] >= week_start) & (cases["reported_at"] < day_end)
    today = (cases["reported_at"] >= day_start) & (cases["reported_at"] < day_end)
    closed_today = (cases["closed_at"] >= day_start) & (cases["closed_at"] < day_end)
    region = cases["region_id"].fillna(-1).astype(int)
    for name, mask in (("open", open_at), ("overdue", overdue),
                       ("long_unfixed", long_unfixed), ("reported_week", in_week),
                       ("reported_today", today), ("closed_today", closed_today)):
        expected = region[mask].value_counts()
        got = live[name]
        assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict(), name


def test_the_30_day_panels_are_counted_in_the_background_and_never_waited_for_twice(
        hand, monkeypatch):
    import threading

    release, counted = threading.Event(), []
    real = wall.slow_panels

    def slow(conn, region, now):  # a count that takes as long as the test says
        release.wait(10)
        counted.append(now)
        return real(conn, region, now)

    monkeypatch.setattr(wall, "slow_panels", slow)
    cache: dict = {}
    with hand.connect() as conn:
        county = root_region(conn, "C")
        # none yet today: waited for 0.05 s, then the wall goes on without them
        snap = wall.snapshot(conn, "C", NOW, cache, engine=hand, wait=0.05)
        assert snap["pending"] and snap["counters"]["closure_rate"] is None
        assert snap["ranking"].rows.empty and snap["trend"]["reported"].iloc[:-1].isna().all()
        # the counts of now are there at once, and today's bar of the trend with them
        assert (snap["counters"]["open"], snap["counters"]["reported_today"]) == (5, 1)
        assert snap["trend"]["reported"].iloc[-1] == 1
        again = wall.held_panels(conn, county, NOW, cache, engine=hand, wait=0)
        assert again is None and len([k for k in cache if k[0] == "counting"]) == 1
        release.set()
        held = wall.held_panels(conn, county, NOW, cache, engine=hand, wait=10)
        assert held is not None and counted == [NOW]  # one count, for both askers
        direct = wall.snapshot(conn, "C", NOW)  # counted here, as before (a second count)
        snap = wall.snapshot(conn, "C", NOW, cache, engine=hand, wait=0)
        assert not snap["pending"]
        assert snap["counters"] == direct["counters"]
        assert snap["trend"].equals(direct["trend"])
        # stale ones of the same day are shown when a recount is not done within the wait
        release.clear()
        later = NOW + timedelta(seconds=wall.SLOW_SECONDS + 1)
        stale = wall.held_panels(conn, county, later, cache, engine=hand, wait=0.05)
        assert stale is held and counted == [NOW, NOW]
        # ... and a snapshot then says the panels are still being counted (pending), so
        # the page's next refresh asks again even if no data changed
        assert wall.snapshot(conn, "C", later, cache, engine=hand, wait=0)["pending"]
        release.set()
        for _ in range(200):
            if cache[("slow", county.id)]["at"] == later:
                break
            threading.Event().wait(0.05)
        assert counted == [NOW, NOW, later]


def test_the_slow_panels_are_recounted_at_once_when_regions_change(hand):
    """The 30-day panels are kept up to SLOW_SECONDS, but not past an import of regions:
    a ranking must not name the towns of the boundaries before (a worker's memory must
    not outlive a change another process made)."""
    from sqlalchemy import update

    from data.models import Region

    cache: dict = {}
    with hand.connect() as conn:
        before = wall.snapshot(conn, None, NOW, cache)
    with store.transaction(hand) as conn:  # as an import of regions writes it
        conn.execute(update(Region).where(Region.code == "T2").values(name="新镇名"))
        store.bump_regions_version(conn)
        store.bump_data_version(conn)
    with hand.connect() as conn:
        after = wall.snapshot(conn, None, NOW + timedelta(seconds=5), cache)
    assert "新镇名" not in before["ranking"].rows.to_string()
    assert "新镇名" in after["ranking"].rows.to_string()


def test_an_old_exports_panels_are_recounted_by_the_clock_though_the_moment_shown_stands(
        hand, monkeypatch):
    """An old export's wall shows one moment for ever (data.metrics.data_now): its 30-day
    panels must still be counted again once SLOW_SECONDS have passed on the clock, or an
    import (a category table: issue 17) would never reach its tiles."""
    cache: dict = {}
    clock = [1_000_000.0]
    monkeypatch.setattr(wall.time, "time", lambda: clock[0])
    with hand.connect() as conn:
        county = root_region(conn, "C")
        first = wall.held_panels(conn, county, NOW, cache)
        clock[0] += wall.SLOW_SECONDS - 1
        assert wall.held_panels(conn, county, NOW, cache) is first  # fresh: kept
        clock[0] += 2
        again = wall.held_panels(conn, county, NOW, cache)
    assert again is not first and again["counted"] == clock[0]
