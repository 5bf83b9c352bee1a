"""The console's region view on both stores, against the store counted by hand
(:mod:`tests.data.cases.hand_store`): its panels, its map's shapes, and its cache.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import partial

import pandas as pd
import pytest
from sqlalchemy import insert

from data import metrics, region_view, report, store
from data.cases.export import export_cases
from data.cases.filter import CaseFilter
from data.cases.listing import case_count, case_page
from data.cases.points import open_case_points
from data.models import Case
from data.regions import UnknownRegion
from layouts.text import word
from tests.data.cases.hand_store import FIRST, G3, GONG, LAST, NOW, SHI, build, flt, t


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


def test_region_shapes(hand):
    with hand.connect() as conn:
        county = region_view.region_shapes(conn, "C")
        town = region_view.region_shapes(conn, "T1")
        grid = region_view.region_shapes(conn, "G1")
        top = region_view.region_shapes(conn, None)
        with pytest.raises(UnknownRegion):
            region_view.region_shapes(conn, "NOPE")
    assert [f["id"] for f in county["features"]] == ["T1", "T2"]
    assert {f["properties"]["level"] for f in county["features"]} == {"乡镇街道"}
    assert not any(f["properties"]["is_leaf"] for f in county["features"])
    assert [f["id"] for f in town["features"]] == ["G1", "G2"]
    assert all(f["properties"]["is_leaf"] for f in town["features"])
    assert [f["id"] for f in grid["features"]] == ["G1"]
    assert [f["id"] for f in top["features"]] == ["C"]
    assert county["bounds"] == [1.0, 0.0, 2.0, 1.0]  # C is box(1, 0, 2, 1)
    lon, lat = town["features"][0]["properties"]["label"]
    assert 4 <= lon <= 5 and 0 <= lat <= 1  # inside G1 = box(4, 0, 5, 1)
    assert county["outline"] and county["outline"][0][0] in ([2.0, 0.0], [1.0, 0.0],
                                                             [2.0, 1.0], [1.0, 1.0])


# --- one region's panels ----------------------------------------------------------------------

def test_region_view_equals_the_summary(hand):
    with hand.connect() as conn:
        view = region_view.region_view(conn, "C", flt(), NOW)
    summary = report.summarize(hand, "C", FIRST, LAST, now=NOW)
    assert view["metrics"] == summary["metrics"]
    assert view["previous"] == summary["previous"]
    assert view["region"]["code"] == "C" and view["region"]["is_leaf"] is False
    assert [b["code"] for b in view["breadcrumb"]] == ["C"]
    assert [(c["code"], c["is_leaf"]) for c in view["children"]] == [("T1", False),
                                                                      ("T2", False)]
    for child, expected in zip(view["children_metrics"], summary["children"]):
        assert child["code"] == expected["code"]
        for key in region_view.CHILD_METRICS:
            assert child[key] == expected["metrics"][key], key
    rates = {c["code"]: c["metrics"]["on_time_closure_rate"] for c in summary["children"]}
    assert list(view["ranking"].rows["code"]) == sorted(
        rates, key=lambda code: (rates[code] is None, -(rates[code] or 0)))


def test_region_view_by_hand(hand):
    with hand.connect() as conn:
        view = region_view.region_view(conn, "T1", flt(region_code="T1"), NOW)
        grid = region_view.region_view(conn, "G2", flt(region_code="G2"), NOW)
    m = view["metrics"]
    # T1 = G1 + G2, reported 03-01..03-20: A1 A2 A3 A4 A8 A11 A12
    assert m["reported"] == 7
    assert m["closed"] == 4  # A1 A11 A12, and A9 (reported before the period)
    assert m["open"] == 4 and m["overdue"] == 1  # A2 A3 A4 A8; A2
    assert [b["code"] for b in view["breadcrumb"]] == ["C", "T1"]
    trend = view["trend"].set_index("day")
    assert len(trend) == 20 and trend["reported"].sum() == 7
    assert trend.loc[date(2026, 3, 4), "closed"] == 1  # A9
    cats = dict(zip(view["categories"]["key"], view["categories"]["n"]))
    assert cats == {"暴露垃圾": 4, "井盖": 2, "违规停车": 1}
    assert grid["region"]["is_leaf"] is True and grid["children"] == []
    assert grid["children_metrics"] == [] and grid["ranking"].rows.empty
    assert [b["code"] for b in grid["breadcrumb"]] == ["C", "T1", "G2"]


def test_region_view_follows_categories_and_sources_not_statuses(hand):
    with hand.connect() as conn:
        shi = region_view.region_view(conn, "C", flt(categories=(SHI,)), NOW)
        shi_open = region_view.region_view(conn, "C", flt(categories=(SHI,), statuses=("open",)), NOW)
        patrol = region_view.region_view(conn, "C", flt(sources=("patrol",)), NOW)
    m = shi["metrics"]
    assert m["reported"] == 5  # A1 A2 A6 A11 A12 (A10 is unlocated: not in C)
    assert m["closed"] == 3  # A1 A11 A12
    assert m["closed_on_time"] == 3  # each closed before its deadline
    assert m["open"] == 2 and m["overdue"] == 1  # A2 A6; A2
    # due in the period and by now: A1 (03-05) A2 (03-12) A11 (03-10) A12 (03-14); A6 later
    assert m["due_to_close"] == 4 and m["closure_rate"] == pytest.approx(3 / 4)
    # hours to close: A1 18, A11 16, A12 25 -> 18
    assert m["median_hours_to_close"] == pytest.approx(18)
    assert shi_open["metrics"] == m  # the status filter is the list's, not the metrics'
    by_child = {c["code"]: c for c in shi["children_metrics"]}
    assert by_child["T1"]["reported"] == 4 and by_child["T2"]["reported"] == 1  # A6
    assert dict(zip(shi["categories"]["key"], shi["categories"]["n"])) == {"暴露垃圾": 5}
    assert shi["trend"]["reported"].sum() == 5
    assert patrol["metrics"]["reported"] == 3  # A1 A5 A11
    assert patrol["metrics"]["closed"] == 3  # A1 A11, and A9 (patrol, closed 03-04)
    # the same numbers as the summary with the same scope
    scoped = report.summarize(hand, "C", FIRST, LAST, now=NOW,
                               scope=metrics.CaseScope(categories=(SHI,)))
    assert scoped["metrics"] == m


def test_region_view_of_the_whole_deployment(hand):
    with hand.connect() as conn:
        view = region_view.region_view(conn, None, flt(region_code=None), NOW)
    assert view["region"]["code"] is None and view["region"]["key"] == "all"
    assert view["region"]["name"] is None and view["region"]["is_leaf"] is False
    assert view["metrics"]["reported"] == 11  # A10 (unlocated) counts here
    assert [c["code"] for c in view["children"]] == ["C"]


# --- real data -------------------------------------------------------------------------------

def test_the_la_example(engine):
    from tests.data.test_la311 import _load

    _load(engine)
    now = datetime(2026, 11, 24)
    f = CaseFilter()
    with engine.connect() as conn:
        view = region_view.region_view(conn, None, f, now)
        total = case_count(conn, f, now)
        rows, page_total = case_page(conn, f, now, end_row=50)
        region = view["children"][0]["code"]
        shapes = region_view.region_shapes(conn, region)
        points = open_case_points(conn, shapes["features"][0]["id"], now)
        data = export_cases(conn, CaseFilter(region_code=region), now, "csv",
                            partial(word, lang="zh"))
    summary = report.summarize(engine, None, now=now)
    assert view["metrics"] == summary["metrics"]
    assert view["period"]["to"] == "2020-01-03"  # old data: the 30 days up to its newest case
    assert total == page_total == 10_000 and len(rows) == 50
    assert rows[0]["reported_at"] >= rows[-1]["reported_at"]
    assert len(view["children"]) == 12 and all(not c["is_leaf"] for c in view["children"])
    assert all(f["properties"]["is_leaf"] for f in shapes["features"])
    assert set(points["status"]) <= {"filed", "dispatched"}
    exported = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    by_region = {c["code"]: c["reported"] for c in view["children_metrics"]}
    assert len(exported) == by_region[region]


@pytest.mark.parametrize("few_share", [0.0, 1.0])
def test_every_way_of_reading_gives_the_same_metrics(hand, monkeypatch, few_share):
    """compute reads a few regions by region, a larger part of the tree through the time
    indexes, and with a cache every region at once: the numbers must not differ."""
    monkeypatch.setattr(metrics, "_FEW_SHARE", few_share)
    cache = metrics.ResultCache()
    scope = metrics.CaseScope(categories=(SHI, GONG))
    with hand.connect() as conn:
        tz = store.deployment_timezone(conn)
        period = metrics.period_for(FIRST, LAST, tz)
        for ids in ([2, 4, 5], [4], [6], [3]):
            for sc in (None, scope):
                plain = metrics.compute(conn, ids, period, NOW, scope=sc)
                cached = metrics.compute(conn, ids, period, NOW, scope=sc, cache=cache)
                whole = metrics.compute(conn, [1, *ids], period, NOW, scope=sc)
                assert plain == cached, ids
                assert all(plain[i] == whole[i] for i in ids), ids
    # unscoped: the rollups' counts and medians kept per list of groups (4 + 4); scoped:
    # cases, events and hours read once for every region (a cache is not filled by a few
    # regions read alone); the closure of each list of groups
    assert len(cache) == 4 + 4 + (3 if few_share == 0.0 else 0) + 4


@pytest.mark.parametrize("few_share", [0.05, 1.0])  # the hand store's grids: many, few
def test_a_cached_region_view_equals_a_fresh_one(hand, monkeypatch, few_share):
    monkeypatch.setattr(metrics, "_FEW_SHARE", few_share)
    # room for every entry (the views' counts, medians, trends, closures), so the entries of
    # a new version below add to it rather than push old ones out
    cache = metrics.ResultCache(size=256)
    now = NOW.replace(minute=0)  # on the minute: the cached view's figures are as of it
    with hand.connect() as conn:
        for code in ("C", "T1", "T2", "G1", "G3", None):
            for f in (flt(region_code=code), flt(region_code=code, categories=(SHI,))):
                fresh = region_view.region_view(conn, code, f, now)
                kept = region_view.region_view(conn, code, f, now, cache=cache)
                for key in ("region", "breadcrumb", "children", "period", "metrics",
                            "previous", "children_metrics"):
                    assert kept[key] == fresh[key], (code, key)
                pd.testing.assert_frame_equal(kept["trend"], fresh["trend"], check_dtype=False)
                assert kept["ranking"] == fresh["ranking"], code  # the same metric
                pd.testing.assert_frame_equal(kept["ranking"].rows, fresh["ranking"].rows,
                                              check_dtype=False)
                assert dict(zip(kept["categories"]["key"], kept["categories"]["n"])) == \
                    dict(zip(fresh["categories"]["key"], fresh["categories"]["n"]))
    sizes = len(cache)
    with store.transaction(hand) as conn:  # new data: a new version, nothing stale is read
        conn.execute(insert(Case), [{"id": 500, "code": "NEW", "region_id": G3,
                                     "status": "reported", "reported_at": t(19),
                                     "location_method": "point", "version": 1}])
        store.bump_data_version(conn)
    with hand.connect() as conn:
        after = region_view.region_view(conn, "T2", flt(region_code="T2"), now, cache=cache)
    assert after["metrics"]["reported"] == 4  # A5 A6 A7 + NEW
    assert len(cache) > sizes  # kept under the new version


def test_a_cache_by_age_shows_a_change_once_its_entries_are_old(hand, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    cache = metrics.ResultCache(max_age=60)
    with hand.connect() as conn:
        before = region_view.region_view(conn, "T2", flt(region_code="T2"), NOW, cache=cache)
    with store.transaction(hand) as conn:
        conn.execute(insert(Case), [{"id": 500, "code": "NEW", "region_id": G3,
                                     "status": "reported", "reported_at": t(19),
                                     "location_method": "point", "version": 1}])
        store.bump_data_version(conn)
    with hand.connect() as conn:
        clock[0] += 30
        held = region_view.region_view(conn, "T2", flt(region_code="T2"), NOW, cache=cache)
        clock[0] += 31
        fresh = region_view.region_view(conn, "T2", flt(region_code="T2"), NOW, cache=cache)
    assert before["metrics"]["reported"] == held["metrics"]["reported"] == 3
    assert fresh["metrics"]["reported"] == 4


@pytest.mark.parametrize("few_share", [0.0, 1.0])
def test_cached_metrics_with_patrols_and_events_equal_fresh_ones(engine, monkeypatch,
                                                                 few_share):
    """The metric tests' store (events, patrols, disputes) read every way gives the
    numbers those tests count by hand."""
    from tests.data import test_metrics as hand_metrics

    hand_metrics.build(engine)
    monkeypatch.setattr(metrics, "_FEW_SHARE", few_share)
    cache = metrics.ResultCache()
    with engine.connect() as conn:
        period = metrics.period_for(hand_metrics.START, hand_metrics.END,
                                    store.deployment_timezone(conn))
        for groups in (None, [1, 2, 3], [2], [4], [6]):
            fresh = metrics.compute(conn, groups, period, period.end)
            kept = metrics.compute(conn, groups, period, period.end, cache=cache)
            assert kept == fresh, groups
        county = metrics.compute(conn, [1], period, period.end, cache=cache)[1]
        town = metrics.compute(conn, [2], period, period.end, cache=cache)[2]
    assert county["patrol_coverage"] == pytest.approx(1 / 3)  # G1 of G1 G2 G3
    assert town["patrol_coverage"] == pytest.approx(1 / 2)  # G1 of G1 G2
    assert county["dispatches"] == 10 and county["postponement_rate"] == pytest.approx(1 / 9)


def test_prewarm_fills_the_cache_for_every_region(hand, monkeypatch):
    cache = metrics.ResultCache()
    now = NOW.replace(minute=0)
    with hand.connect() as conn:
        region_view.prewarm(conn, cache, now, flt())
        assert len(cache) > 0
        calls = []
        original = metrics._case_rows
        monkeypatch.setattr(metrics, "_case_rows", lambda *a, **k: calls.append(a) or
                            original(*a, **k))
        view = region_view.region_view(conn, "G2", flt(region_code="G2"), now, cache=cache)
    assert calls == []  # no case counted again (only G2's closure rows are read)
    assert view["metrics"]["reported"] == 3  # A3 A4 A12
