"""The surge rule (data.alerts.surge) on hand-built stores, both stores; the Poisson tail
against values computed another way; and the demo's planted anomalies."""

from __future__ import annotations

import itertools
import json
import math
from datetime import date, datetime, timedelta
from decimal import Decimal, getcontext

import numpy as np
import pandas as pd
import pytest
from shapely import box, to_wkb
from sqlalchemy import Engine, insert, text

from data import store
from data.alerts import surge
from data.alerts.finding import RED
from data.demo import county
from data.models import Case, Region

# county 1 > town 2 > community 3 > grids 4 (busy), 5 (small); local time Asia/Shanghai
REGIONS = [(1, "C", 0, None), (2, "T", 1, 1), (3, "S", 2, 2), (4, "G1", 3, 3), (5, "G2", 3, 3)]
LEVELS = ["区县", "乡镇街道", "社区村", "网格"]
PARAMS = {"enabled": True, "levels": ["grid", "community", "town"], "windows": [1, 7],
          "baseline_weeks": 8, "min_count": 5, "min_ratio": 2.0, "p_red": 1e-4,
          "p_orange": 1e-3, "p_yellow": 1e-2, "min_baseline_days": 4}
OFFSET = timedelta(hours=8)
_CODES = itertools.count(1)


def _cases(region: int, sub: str, day: date, n: int, hour: int = 10) -> list[dict]:
    local = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
    return [{"code": f"K{next(_CODES)}", "status": "reported",
             "location_method": "point", "region_id": region, "subcategory": sub,
             "reported_at": local - OFFSET + timedelta(minutes=i), "voided_at": None,
             "version": 1}
            for i in range(n)]


def _build(engine: Engine, cases: list[dict], regions=REGIONS) -> None:
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
        for depth, name in enumerate(LEVELS[:max(r[2] for r in regions) + 1]):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": code, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(i, 0, i + 1, 1))}
            for i, code, depth, parent in regions])
        store.rebuild_region_ancestors(conn)
        if cases:
            conn.execute(insert(Case), cases)


def _local(day: date, hours: float) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hours)


def _days(first: date, last: date):
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def _detect(engine: Engine, local_end: datetime, params: dict | None = None):
    with engine.connect() as conn:
        return surge.detect(conn, params or PARAMS, local_end - OFFSET)


SURGE_DAY = date(2026, 9, 16)  # a Wednesday; no holiday in the 8 weeks before


def _steady(region: int, sub: str, per_day: int, last: date) -> list[dict]:
    return [c for d in _days(date(2026, 7, 1), last) for c in _cases(region, sub, d, per_day)]


def test_a_clear_surge_alerts_with_its_numbers_at_each_counted_level(engine):
    cases = _steady(4, "占道经营", 2, SURGE_DAY - timedelta(1)) \
        + _cases(4, "占道经营", SURGE_DAY, 12)
    _build(engine, cases)
    found = _detect(engine, _local(SURGE_DAY, 23))
    by_region = {(f.region_id, f.facts["days"]): f for f in found}
    # grid, community and town (levels by distance from the leaf); never the county
    assert sorted(by_region) == [(2, 1), (3, 1), (4, 1)]
    grid = by_region[4, 1]
    assert grid.facts["count"] == 12 and grid.facts["expected"] == 2.0
    assert grid.facts["category"] == "占道经营" and grid.facts["days"] == 1
    assert grid.facts["region_level"] == "grid" and by_region[2, 1].facts["region_level"] == "town"
    # P(X >= 12 | 2) = 1 - sum_{i<12} e^-2 2^i / i!  = 1.3646e-06
    assert grid.facts["p"] == pytest.approx(1.3646e-06, rel=5e-3)  # 3 figures
    assert grid.level == RED
    assert grid.key == "surge:4:占道经营:1:2026-09-16"
    assert grid.started_at == datetime(2026, 9, 15, 16, 0)
    with engine.connect() as conn:
        ids = set(conn.execute(text(
            "SELECT id FROM cases WHERE reported_at >= :t"), {"t": datetime(2026, 9, 15, 16)}
        ).scalars())
    assert set(grid.case_ids) == ids and len(ids) == 12


def test_a_deployment_of_one_level_counts_its_regions_as_the_leaves(engine):
    # regions without parents (like the LA example's neighbourhood councils)
    flat = [(4, "N1", 0, None), (5, "N2", 0, None)]
    _build(engine, _steady(4, "占道经营", 2, SURGE_DAY - timedelta(1))
           + _cases(4, "占道经营", SURGE_DAY, 12), regions=flat)
    found = _detect(engine, _local(SURGE_DAY, 23))
    assert {(f.region_id, f.facts["days"], f.facts["region_level"])
            for f in found} == {(4, 1, "grid")}


def test_the_key_stays_while_the_surge_lasts_and_today_is_compared_like_with_like(engine):
    day2, calm, again = (SURGE_DAY + timedelta(n) for n in (1, 2, 3))
    cases = _steady(4, "占道经营", 2, SURGE_DAY - timedelta(1)) \
        + _cases(4, "占道经营", SURGE_DAY, 12) + _cases(4, "占道经营", day2, 12) \
        + _cases(4, "占道经营", calm, 2) + _cases(4, "占道经营", again, 12)
    _build(engine, cases)
    grid = {f.facts["days"]: f for f in _detect(engine, _local(day2, 12)) if f.region_id == 4}
    assert grid[1].key == "surge:4:占道经营:1:2026-09-16"
    # after a calm day, a new episode
    grid = {f.facts["days"]: f for f in _detect(engine, _local(again, 23)) if f.region_id == 4}
    assert grid[1].key == "surge:4:占道经营:1:2026-09-19"
    # at 10:05, the baseline days count their cases up to 10:05 too: their 10:00 hour (2
    # cases) pro rata, 5/60 of it
    grid = {f.facts["days"]: f for f in _detect(engine, _local(day2, 10) + timedelta(minutes=5))
            if f.region_id == 4}
    assert grid[1].facts["count"] == 6  # 10:00 to 10:05 inclusive
    assert grid[1].facts["expected"] == pytest.approx(2 * 5 / 60, abs=0.01)
    assert grid[1].key == "surge:4:占道经营:1:2026-09-16"


def test_cases_voided_by_as_of_are_not_counted_and_those_voided_later_are(engine):
    surge_cases = _cases(4, "占道经营", SURGE_DAY, 12)
    for case in surge_cases[:8]:  # voided at 20:00 local
        case["voided_at"] = datetime.combine(SURGE_DAY, datetime.min.time()) + timedelta(hours=12)
    _build(engine, _steady(4, "占道经营", 2, SURGE_DAY - timedelta(1)) + surge_cases)
    assert _detect(engine, _local(SURGE_DAY, 23)) == []  # 4 left: fewer than min_count
    grid = [f for f in _detect(engine, _local(SURGE_DAY, 19)) if f.region_id == 4]
    assert [f.facts["count"] for f in grid] == [12]


def test_a_small_grid_going_from_one_to_three_does_not_alert(engine):
    cases = _steady(5, "暴露垃圾", 1, SURGE_DAY - timedelta(1)) \
        + _cases(5, "暴露垃圾", SURGE_DAY, 3)
    _build(engine, cases)
    end = _local(SURGE_DAY, 23)
    assert _detect(engine, end) == []
    # the same with enough cases does alert (the test can fail)
    more = _cases(5, "暴露垃圾", SURGE_DAY, 6, hour=11)
    with store.transaction(engine) as conn:
        conn.execute(insert(Case), more)
    assert [f.region_id for f in _detect(engine, end) if f.facts["days"] == 1] == [2, 3, 5]


def test_a_holiday_week_busy_like_the_weekends_does_not_alert(engine):
    # 1 case a working day, 6 a day off; National Day 2026 is 1-7 October (Thu-Wed)
    cases = []
    for d in _days(date(2026, 7, 1), date(2026, 10, 7)):
        off = d.weekday() >= 5 or date(2026, 10, 1) <= d <= date(2026, 10, 7)
        cases += _cases(4, "店外经营", d, 6 if off else 1)
    cases = [c for c in cases if c["reported_at"] < datetime(2026, 10, 7, 16)]
    _build(engine, cases)
    for day in (date(2026, 10, 2), date(2026, 10, 7)):  # a Friday and a Wednesday off
        end = _local(day, 23)
        assert _detect(engine, end) == []
    # against working Fridays alone (the holiday ignored), 6 against 1 would alert
    assert surge.poisson_sf(6, 1.0) < PARAMS["p_yellow"]


def test_no_history_and_before_the_data_start_do_not_alert(engine):
    cases = _steady(4, "占道经营", 2, SURGE_DAY) + _cases(5, "路灯", SURGE_DAY, 9)
    _build(engine, cases)
    end = _local(SURGE_DAY, 23)
    found = _detect(engine, end)
    assert not [f for f in found if f.facts["category"] == "路灯"]  # expected 0: no history
    assert found == []
    with engine.connect() as conn:
        assert surge.detect(conn, PARAMS, datetime(2026, 6, 1)) == []  # before any case


def test_data_starting_two_weeks_before_is_not_judged(engine):
    first = SURGE_DAY - timedelta(14)
    cases = [c for d in _days(first, SURGE_DAY - timedelta(1))
             for c in _cases(4, "占道经营", d, 1)]
    _build(engine, cases + _cases(4, "占道经营", SURGE_DAY, 12))
    end = _local(SURGE_DAY, 23)
    assert _detect(engine, end) == []
    assert {f.region_id for f in _detect(engine, end, {**PARAMS, "min_baseline_days": 2})
            if f.facts["days"] == 1} == {2, 3, 4}


def _tail_decimal(k: int, lam: float) -> float:
    getcontext().prec = 80
    lam_d = Decimal(repr(lam))
    term, lower = Decimal(-lam_d).exp(), Decimal(0)
    for i in range(k):
        lower += term
        term = term * lam_d / (i + 1)
    return float(1 - lower)


@pytest.mark.parametrize("k, lam", [(5, 1.0), (10, 2.0), (12, 2.0), (40, 5.0), (3, 7.5),
                                    (200, 100.0), (1, 0.5), (60, 3.0)])
def test_poisson_tail_matches_a_high_precision_sum(k, lam):
    assert surge.poisson_sf(k, lam) == pytest.approx(_tail_decimal(k, lam), rel=1e-9)


def test_poisson_tail_known_values_and_edges():
    assert surge.poisson_sf(5, 1.0) == pytest.approx(0.0036598468, rel=1e-8)
    assert surge.poisson_sf(1, 2.0) == pytest.approx(1 - math.exp(-2.0), rel=1e-12)
    assert surge.poisson_sf(0, 3.0) == 1.0 and surge.poisson_sf(3, 0.0) == 0.0
    tiny = surge.poisson_sf(2000, 10.0)
    assert 0.0 <= tiny < 1e-300 or tiny == 0.0
    assert 0.0 < surge.poisson_sf(150, 10.0) < 1e-100


# --- the demo's planted anomalies ---------------------------------------------------------

@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-planted") / "small.sqlite3"
    engine = store.make_engine(f"sqlite:///{path}")
    report = county.build_demo(engine, scale="small", seed=11, as_of=datetime(2026, 11, 20, 9))
    yield engine, report.planted
    engine.dispose()


def test_the_planted_list_is_not_in_the_store_and_the_report_carries_it(small_demo, tmp_path):
    engine, planted = small_demo
    as_json = json.loads(json.dumps(planted.as_dict()))
    assert [r["case_ids"] for r in as_json["repeats"]] == [list(r.case_ids)
                                                           for r in planted.repeats]
    with engine.connect() as conn:  # nothing of it in the meta table
        values = " ".join(v for (v,) in conn.execute(text("SELECT value FROM meta")))
    assert "surge" not in values and "repeat" not in values


def test_the_demo_plants_repeats_where_its_list_says(small_demo):
    engine, planted = small_demo
    assert len(planted.repeats) >= 3
    with engine.connect() as conn:
        frame = pd.read_sql_query(text("SELECT id, region_id, subcategory, lon, lat, reported_at "
                                       "FROM cases"), conn).set_index("id")
    for repeat in planted.repeats:
        rows = frame.loc[list(repeat.case_ids)]
        assert 3 <= len(rows) <= 5 and (rows["region_id"] == repeat.region_id).all()
        assert repeat.subcategory and (rows["subcategory"] == repeat.subcategory).all()
        lat0 = math.radians(repeat.lat)
        dx = (rows["lon"] - repeat.lon) * 111_320 * math.cos(lat0)
        dy = (rows["lat"] - repeat.lat) * 111_320
        assert (np.hypot(dx, dy) <= 25).all()  # 20 m and the rounding to 6 decimals
        times = pd.to_datetime(rows["reported_at"], format="mixed")
        assert times.max() - times.min() <= pd.Timedelta(days=30)


def test_the_demo_plants_surges_where_its_list_says(small_demo):
    engine, planted = small_demo
    assert planted.surges
    with engine.connect() as conn:
        frame = pd.read_sql_query(text(
            "SELECT c.id, c.subcategory, c.reported_at, a.ancestor_id FROM cases c "
            "JOIN region_ancestors a ON a.descendant_id = c.region_id"), conn)
    local = (pd.to_datetime(frame["reported_at"], format="mixed") + pd.Timedelta(hours=8))
    frame["day"] = local.dt.date
    for s in planted.surges:
        mine = frame[(frame["ancestor_id"] == s.region_id)
                     & (frame["subcategory"] == s.subcategory)]
        assert set(s.case_ids) <= set(mine["id"])
        assert [int((mine["day"] == d).sum()) for d in s.days] == list(s.count)
        assert sum(s.count) > sum(s.expected)
