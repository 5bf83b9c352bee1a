"""The weekly briefing's data: ISO weeks, comparisons and every section (the week in
sentences is checked here too, on the figures briefing_data returns).

The store is built by hand (time zone UTC) so every expected figure below is counted by
eye from the case table; the headline metrics are also checked against
:func:`data.report.summarize` over the same dates (the registry's route, not the
briefing's).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from shapely import box, to_wkb
from sqlalchemy import insert

from data import briefing, report, store
from data.briefing import BriefingError, IsoWeek, parse_week, year_earlier
from data.models import Case, Department, Region
from data.regions import UnknownRegion
from layouts.briefing import week_sentences

REGIONS = [
    (1, "C", "清源县", 0, None),
    (2, "T1", "城关镇", 1, 1),
    (3, "T2", "青山镇", 1, 1),
    (4, "G1", "城关镇第1网格", 2, 2),
    (5, "G2", "城关镇第2网格", 2, 2),
    (6, "G3", "青山镇第1网格", 2, 3),
]
LEVELS = ["区县", "乡镇街道", "网格"]


def _case(code, region_id, status, reported, closed=None, due=None, dept=None, **more):
    row = {"code": code, "status": status, "location_method": "point", "region_id": region_id,
           "reported_at": reported, "closed_at": closed, "due_at": due, "version": 1,
           "department_id": dept, "case_class": "incident", "subcategory": "暴露垃圾",
           "urgent": False, "mediated_at": None, "mediation_outcome": None}
    row.update(more)
    return row


# 2026-W10 is Monday 2026-03-02 .. Sunday 2026-03-08.
CASES = [
    # a year earlier (2025-W10 is 2025-03-03 .. 03-09): one case, closed, no deadline
    _case("K0", 4, "closed", datetime(2025, 3, 3, 10), datetime(2025, 3, 4, 10)),
    # W10: closed on time in G1 (department 1)
    _case("K1", 4, "closed", datetime(2026, 3, 2, 8), datetime(2026, 3, 3, 8),
          datetime(2026, 3, 5), dept=1),
    # W10: open and overdue since 03-04 in G2 (department 1)
    _case("K2", 5, "dispatched", datetime(2026, 3, 2, 9), None, datetime(2026, 3, 4), dept=1,
          subcategory="占道经营"),
    # W10: closed late on 03-09 (W11) in G3 (department 2): open and overdue at W10's end
    _case("K3", 6, "closed", datetime(2026, 3, 3, 9), datetime(2026, 3, 9, 9),
          datetime(2026, 3, 6), dept=2),
    # W10: voided in G3
    _case("K4", 6, "voided", datetime(2026, 3, 4, 9), voided_at=datetime(2026, 3, 4, 10)),
    # W10: two disputes in G1, one mediated successfully, one not
    _case("K5", 4, "closed", datetime(2026, 3, 5, 9), datetime(2026, 3, 6, 9),
          case_class="dispute", subcategory="邻里纠纷", mediated_at=datetime(2026, 3, 6, 8),
          mediation_outcome="success"),
    _case("K6", 4, "closed", datetime(2026, 3, 5, 10), datetime(2026, 3, 7, 9),
          case_class="dispute", subcategory="邻里纠纷", mediated_at=datetime(2026, 3, 7, 8),
          mediation_outcome="failure"),
    # an urgent case, open, not overdue (due long after)
    _case("K7", 5, "dispatched", datetime(2026, 3, 8, 9), None, datetime(2026, 6, 1),
          urgent=True, subcategory="占道经营"),
]
NOW = datetime(2026, 3, 20, 12)


@pytest.fixture
def filled(engine):
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "UTC")
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(i, 0, i + 1, 1))}
            for i, code, name, depth, parent in REGIONS])
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Department), [{"id": 1, "code": "D1", "name": "城管局"},
                                          {"id": 2, "code": "D2", "name": "住建局"}])
        conn.execute(insert(Case), CASES)
        store.bump_data_version(conn)
    return engine


# --- weeks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-W47", IsoWeek(2026, 47)), ("2026W47", IsoWeek(2026, 47)),
    ("2026-w7", IsoWeek(2026, 7)), (" 2026-W53 ", IsoWeek(2026, 53)),
])
def test_parse_week_reads_iso_weeks(text, expected):
    assert parse_week(text) == expected


@pytest.mark.parametrize("text, key", [
    ("2026-47", "bad_week"), ("W47", "bad_week"), ("", "bad_week"), (None, "bad_week"),
    ("2026-11-16", "bad_week"), ("2026-W00", "no_such_week"), ("2026-W54", "no_such_week"),
    ("2025-W53", "no_such_week"),  # 2025 has 52 ISO weeks
])
def test_parse_week_refuses_what_is_not_a_week(text, key):
    with pytest.raises(BriefingError) as caught:
        parse_week(text)
    assert caught.value.key == key
    assert caught.value.value == text
    if key == "no_such_week" and text.startswith("2025"):
        assert caught.value.values["weeks"] == 52


def test_week_dates_and_the_year_earlier():
    # 2026-01-01 is a Thursday, so 2026 has 53 ISO weeks, the last from Monday 28 December
    assert IsoWeek(2026, 53).monday == date(2026, 12, 28)
    assert IsoWeek(2026, 53).sunday == date(2027, 1, 3)
    assert IsoWeek(2026, 47).monday == date(2026, 11, 16)
    assert year_earlier(IsoWeek(2026, 47)) == IsoWeek(2025, 47)
    assert year_earlier(IsoWeek(2026, 53)) == IsoWeek(2025, 52)  # 2025 has no week 53
    assert year_earlier(IsoWeek(2021, 53 - 1)) == IsoWeek(2020, 52)
    assert year_earlier(IsoWeek(2021, 1)) == IsoWeek(2020, 1)


# --- the sections ------------------------------------------------------------------------------

def test_briefing_of_a_week_counted_by_hand(filled):
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, "C", "2026-W10", NOW)
        summary = report.summarize(conn, "C", date(2026, 3, 2), date(2026, 3, 8), now=NOW)
    assert data["week"]["from"] == "2026-03-02" and data["week"]["to"] == "2026-03-08"
    assert not data["week"]["future"] and not data["week"]["partial"]
    # every headline figure is the registry's over the same dates
    assert data["metrics"] == summary["metrics"]
    m = data["metrics"]
    assert m["reported"] == 7  # K1..K7
    assert m["closed"] == 3  # K1, K5, K6 (K3 closed in W11)
    assert m["overdue"] == 2  # K2 and K3 at the end of Sunday
    assert m["disputes_mediated"] == 2 and m["mediation_success_rate"] == 0.5
    # previous week (W09) lies before the first 2026 case but after K0: comparable, empty
    assert data["previous"]["reported"] == 0
    assert data["week"]["year_ago"] == "2025-W10"
    assert data["year_ago"]["reported"] == 1  # K0
    # towns by on-time closure: T1 1 of 2 (K1 on time; K2 past due), T2 0 of 1 (K3)
    assert [(c["code"], c["on_time_closure_rate"]) for c in data["children"]] == \
        [("T1", 0.5), ("T2", 0.0)]
    # departments: D1 (K1 on time, K2 overdue) 1/2, D2 (K3 overdue) 0/1
    assert [(d["code"], d["on_time_closure_rate"], d["closed"]) for d in data["departments"]] \
        == [("D1", 0.5, 1), ("D2", 0.0, 0)]
    # daily trend: 7 days, reported per day by hand
    assert list(data["trend"]["reported"]) == [2, 1, 1, 2, 0, 0, 1]
    assert list(data["trend"]["closed"]) == [0, 1, 0, 0, 1, 1, 0]  # K1 03-03, K5 03-06, K6 03-07
    # top subcategories and hot-spot grids
    assert dict(zip(data["subcategories"]["key"], data["subcategories"]["n"])) == \
        {"暴露垃圾": 3, "占道经营": 2, "邻里纠纷": 2}
    assert list(zip(data["grids"]["code"], data["grids"]["n"])) == \
        [("G1", 3), ("G2", 2), ("G3", 2)]
    # overdue then urgent, most overdue first: K2 (since 03-04 00:00), K3 (since 03-06)
    cases = data["cases"]
    assert list(cases["code"]) == ["K2", "K3", "K7"]
    assert cases["hours_overdue"][0] == pytest.approx(5 * 24)
    assert cases["hours_overdue"][1] == pytest.approx(3 * 24)
    assert cases["hours_overdue"][2] is None and bool(cases["urgent"][2])
    assert data["cases_overdue"] == m["overdue"] == 2 and data["cases_total"] == 3
    # disputes by kind
    row = data["disputes"].iloc[0]
    assert (row["key"], row["reported"], row["mediated"], row["success"], row["failure"]) == \
        ("邻里纠纷", 2, 2, 1, 1)
    text = "".join(week_sentences(data, "zh"))
    assert "本周共受理事件7件，环比增加7件，同比增加6件（+600.0%）。" in text


def test_a_week_before_the_data_has_no_comparison(filled):
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, "C", "2026-W05", NOW)
    assert data["metrics"]["reported"] == 0
    assert data["year_ago"] is None  # 2025-W05 lies before the first case (K0, 2025-W10)
    assert "同比无可比数据" in "".join(week_sentences(data, "zh"))


def test_an_empty_week_a_future_week_and_week_53(filled):
    with filled.connect() as conn:
        empty = briefing.briefing_data(conn, "C", "2026-W12", NOW)
        future = briefing.briefing_data(conn, "C", "2026-W30", NOW)
        last = briefing.briefing_data(conn, "C", "2026-W53", datetime(2027, 2, 1))
    assert empty["metrics"]["reported"] == 0 and empty["metrics"]["closure_rate"] is None
    # W12 runs to Friday 03-20 12:00 (NOW): Saturday and Sunday are still to come, not 0
    assert list(empty["trend"]["reported"]) == [0] * 5 + [None] * 2
    assert empty["grids"]["n"].sum() == 0 and empty["subcategories"].empty
    assert empty["departments"] == [] and empty["disputes"].empty
    assert "本周截至周五12:00共受理事件0件" in "".join(week_sentences(empty, "zh"))
    assert future["week"]["future"] is True
    assert week_sentences(future, "en") == ["This week has not come yet: no data."]
    assert future["metrics"]["reported"] == 0
    assert last["week"]["from"] == "2026-12-28" and last["week"]["to"] == "2027-01-03"
    assert last["week"]["year_ago"] == "2025-W52"
    assert last["week"]["year_ago_from"] == "2025-12-22"


def test_a_region_of_one_grid(filled):
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, "G1", "2026-W10", NOW)
        summary = report.summarize(conn, "G1", date(2026, 3, 2), date(2026, 3, 8), now=NOW)
    assert data["region"]["code"] == "G1"
    assert data["children"] == []
    assert list(data["grids"]["code"]) == ["G1"]
    assert len(data["shapes"]["grids"]["features"]) == 1
    assert data["metrics"] == summary["metrics"]
    assert data["metrics"]["reported"] == 3  # K1, K5, K6


def test_unknown_region_and_malformed_week(filled):
    with filled.connect() as conn:
        with pytest.raises(UnknownRegion):
            briefing.briefing_data(conn, "NOPE", "2026-W10", NOW)
        with pytest.raises(BriefingError):
            briefing.briefing_data(conn, "C", "2026-10", NOW)


def test_the_default_region_is_the_single_top_level_one(filled):
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, None, IsoWeek(2026, 10), NOW)
        assert briefing.current_week(conn, NOW) == IsoWeek(2026, 12)
    assert data["region"]["code"] == "C"


def test_patrol_coverage_before_the_first_patrol_is_not_comparable(filled):
    from data.models import Officer, Patrol

    with store.transaction(filled) as conn:
        conn.execute(insert(Officer), [{"id": 1, "code": "O1", "name": "张三", "region_id": 4}])
        conn.execute(insert(Patrol), [{"id": 1, "officer_id": 1, "region_id": 4,
                                       "started_at": datetime(2026, 3, 3, 8),
                                       "ended_at": datetime(2026, 3, 3, 10)}])
        store.backfill_patrol_visits(conn)  # a patrol without a track: its own grid
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, "C", "2026-W10", NOW)
        later = briefing.briefing_data(conn, "C", "2026-W11", NOW)
    assert data["metrics"]["patrol_coverage"] == pytest.approx(1 / 3)  # G1 of G1..G3
    assert data["previous"]["patrol_coverage"] is None  # W09 ends before the first patrol
    assert data["year_ago"]["patrol_coverage"] is None
    assert data["year_ago"]["reported"] == 1  # the cases still compare
    assert later["metrics"]["patrol_coverage"] == 0.0
    assert later["previous"]["patrol_coverage"] == pytest.approx(1 / 3)
    assert "环比下降33.3个百分点" in "".join(week_sentences(later, "zh"))


def test_a_deployment_of_several_top_level_regions(filled):
    with store.transaction(filled) as conn:
        conn.execute(insert(Region), [{"id": 7, "code": "C2", "name": "青山县", "level": "区县",
                                       "depth": 0, "parent_id": None,
                                       "geometry": to_wkb(box(7, 0, 8, 1))}])
        store.rebuild_region_ancestors(conn)
    with filled.connect() as conn:
        data = briefing.briefing_data(conn, None, "2026-W10", NOW)
        summary = report.summarize(conn, None, date(2026, 3, 2), date(2026, 3, 8), now=NOW)
    assert data["region"]["code"] is None and data["region"]["key"] == "all"
    assert data["region"] == summary["region"]  # one name for the whole deployment
    assert data["metrics"] == summary["metrics"]
    assert {c["code"] for c in data["children"]} == {"C", "C2"}
    assert len(data["shapes"]["grids"]["features"]) == 4  # G1..G3 and the leaf C2


def test_the_officers_page_counted_by_hand(engine):
    """Page 7 (网格员考核) of 2026-W10 on the assessment's hand-counted store (its week)."""
    from tests.data.field import assessment_store

    assessment_store.build(engine)
    with engine.connect() as conn:
        data = briefing.briefing_data(conn, "C", "2026-W10", NOW)
    officers = data["officers"]
    # ranked W1 77.1, W5 = W2 66.7 (tied), W7 0; W4 joined on Saturday; W3 left on Thursday
    assert [(r["code"], r["rank"], r["tied"], r["score"]) for r in officers["top"]] == [
        ("W1", 1, False, 77.1), ("W5", 2, True, 66.7), ("W2", 2, True, 66.7),
        ("W7", 4, False, 0.0)]
    assert officers["bottom"] == []  # four ranked: all in the top five, none twice
    assert officers["counts"] == {"ranked": 4, "too_little_data": 1, "inactive": 1}
    assert officers["min_days"] == 3
    assert [(key, weight) for key, weight, _ in officers["shares"]][:2] == [
        ("patrol_days", 15.0), ("patrol_hours", 10.0)]
    with engine.connect() as conn:
        town = briefing.briefing_data(conn, "T1", "2026-W10", NOW,
                                      weights={"mediations": 0})["officers"]
    # without mediations (weight 5 of 100): W1 (77.06 - 2.5) / 95 = 78.5,
    # W2 (66.67 - 5) / 95 = 64.9
    assert [(r["code"], r["score"]) for r in town["top"]] == [("W1", 78.5), ("W2", 64.9)]
    assert [key for key, _, _ in town["shares"]][-1] == "satisfaction_rate"
