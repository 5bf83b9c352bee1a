"""The console's data layer on both stores, against a store counted by hand.

The county C has towns T1 (grids G1, G2) and T2 (grid G3). "Now" is 2026-03-20 12:00 UTC
and the store's time zone is UTC, so local times read as stored. The period asked about
is 03-01..03-20 unless a test says otherwise. Every expected number below names the cases
that make it up; the traffic lights are worked out by hand in the comments of CASES.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from shapely import box, to_wkb
from sqlalchemy import func, insert, select

from data import console, metrics, region_view, report, store
from data.console import CaseFilter, FilterError, stage_light
from data.models import Case, CaseEvent, Department, Officer, Region
from data.regions import UnknownRegion

NOW = datetime(2026, 3, 20, 12, 0)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 20)
LEVELS = ["区县", "乡镇街道", "网格"]
REGIONS = [  # id, code, name, depth, parent
    (1, "C", "清源县", 0, None), (2, "T1", "城关镇", 1, 1), (3, "T2", "青山镇", 1, 1),
    (4, "G1", "城关第1网格", 2, 2), (5, "G2", "城关第2网格", 2, 2), (6, "G3", "青山第1网格", 2, 3),
]
G1, G2, G3 = 4, 5, 6
SHI, GONG, JIE = "市容环境", "公用设施", "街面秩序"


def t(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute)


FIELDS = ("code", "region_id", "status", "category", "subcategory", "source", "reported_at",
          "filed_at", "dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at",
          "urgent", "description", "address")
CASES = [
    ("A1", G1, "closed", SHI, "暴露垃圾", "patrol", t(2, 8), t(2, 9), t(2, 10), t(3), t(3, 2),
     None, t(5), False, "路边垃圾堆放", "城关路1号"),
    # dispatched 03-10 10:00, due 03-12: red, 204.0 h overdue, > 7 days: long unfixed
    ("A2", G1, "dispatched", SHI, "暴露垃圾", "hotline", t(10), t(10, 5), t(10, 10), None, None,
     None, t(12), False, "门口堆了杂物", "城关路2号"),
    # dispatched 03-18 12:00, due 03-21 12:00: 48 h of 72 h = 67%: green
    ("A3", G2, "dispatched", GONG, "井盖", "app", t(18, 8), t(18, 9), t(18, 12), None, None, None,
     t(21, 12), False, "井盖缺失", "城关路3号"),
    # reported 10:30, waiting to be filed: 1.5 h of 2 h = 75%: green; no coordinates
    ("A4", G2, "reported", JIE, "违规停车", "video", t(20, 10, 30), None, None, None, None, None,
     None, True, "占用100%车道", None),
    # filed 08:00, waiting for dispatch: 4 h of 4 h = 100%: yellow
    ("A5", G3, "filed", GONG, "井盖", "patrol", t(20, 7), t(20, 8), None, None, None, None, None,
     False, "井盖松动", "青山路5号"),
    # resolved 03-19 00:00, waiting for verification: 36 h of 24 h: red
    ("A6", G3, "resolved", SHI, "暴露垃圾", "hotline", t(15), t(15, 0, 30), t(15, 1), t(19),
     None, None, t(25), False, "垃圾桶满溢", "垃圾站路1号"),
    ("A7", G3, "voided", JIE, "违规停车", "online", t(5), None, None, None, None, t(5, 2), None,
     False, "重复上报", "青山路7号"),
    # suspended: no light; past its deadline but not overdue
    ("A8", G1, "suspended", GONG, "井盖", "referral", t(6), t(6, 0, 30), t(6, 1), None, None,
     None, t(8), False, "需工程改造", "城关路8号"),
    # reported before the period, closed in it
    ("A9", G2, "closed", JIE, "占道经营", "patrol", t(10, month=2), t(10, 1, month=2),
     t(10, 2, month=2), t(3), t(4), None, t(12, month=2), False, "早市占道", "城关路9号"),
    # unlocated: only in the whole deployment's list
    ("A10", None, "closed", SHI, "暴露垃圾", "hotline", t(11), t(11, 1), t(11, 2), t(11, 5),
     t(11, 6), None, t(13), False, "位置不明", None),
    ("A11", G1, "closed", SHI, "暴露垃圾", "patrol", t(8, 9), t(8, 10), t(8, 11), t(9), t(9, 1),
     None, t(10), True, "<script>alert(1)</script>", "城关路11号"),
    ("A12", G2, "closed", SHI, "暴露垃圾", "app", t(12), t(12, 1), t(12, 2), t(13), t(13, 1),
     None, t(14), False, "=1+1", "@home"),
]
IDS = {c[0]: i for i, c in enumerate(CASES, start=1)}
EVENTS = [  # code, action, from, to, actor, at  (deliberately not in time order)
    ("A2", "dispatch", "filed", "dispatched", "指挥中心", t(10, 10)),
    ("A2", "report", None, "reported", "市民", t(10)),
    ("A2", "urge", "dispatched", "dispatched", "指挥中心", t(13)),
    ("A2", "file", "reported", "filed", "指挥中心", t(10, 5)),
]


def build(engine, tz: str = "UTC", cases=CASES) -> None:
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", tz)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(i, 0, i + 1, 1)),
             "min_lon": float(i), "min_lat": 0.0, "max_lon": float(i + 1), "max_lat": 1.0}
            for i, code, name, depth, parent in REGIONS])
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Department), [{"id": 1, "code": "D1", "name": "城管局"}])
        conn.execute(insert(Officer), [{"id": 1, "code": "O1", "name": "张三", "region_id": G1,
                                        "phone": "13800000000"}])
        rows = []
        for c in cases:
            row = dict(zip(FIELDS, c))
            rid = row["region_id"]
            row.update(id=IDS.get(row["code"], len(rows) + 100),
                       location_method="point" if rid else "none", version=1,
                       case_class="incident",
                       lon=None if row["address"] is None else 100.0 + (rid or 0),
                       lat=None if row["address"] is None else 0.5,
                       department_id=1 if row["dispatched_at"] else None,
                       officer_id=1 if rid == G1 else None)
            rows.append(row)
        conn.execute(insert(Case), rows)
        if cases is not CASES:
            return
        conn.execute(insert(CaseEvent), [
            {"case_id": IDS[code], "action": a, "from_status": f, "to_status": to, "actor": who,
             "note": None, "at": at} for code, a, f, to, who, at in EVENTS])


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


def flt(**kw) -> CaseFilter:
    kw.setdefault("region_code", "C")
    kw.setdefault("first", FIRST)
    kw.setdefault("last", LAST)
    return CaseFilter(**kw)


def codes(conn, f: CaseFilter, **kw) -> list[str]:
    rows, total = console.case_page(conn, f, NOW, start_row=0, end_row=1000, **kw)
    assert total == len(rows)
    return [r["code"] for r in rows]


# --- the filter ------------------------------------------------------------------------------

def test_a_filter_goes_to_the_url_and_back():
    f = CaseFilter(region_code="T1", first=FIRST, last=LAST, categories=("市容环境", "A,B"),
                   sources=("patrol", "app"), statuses=("open", "closed"), text="垃圾")
    query = f.to_query()
    assert query["category"] == "市容环境,A\\,B" and query["source"] == "patrol,app"
    assert CaseFilter.from_query(query) == f
    assert CaseFilter.from_query({"days": "7", "lang": "en"}) == CaseFilter(days=7)
    assert CaseFilter().to_query() == {}


@pytest.mark.parametrize("params, param", [
    ({"from": "2026-13-01", "to": "2026-03-02"}, "from"),
    ({"from": "2026-03-01"}, "to"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "from"),
    ({"source": "patrol,carrier-pigeon"}, "source"),
    ({"status": "lost"}, "status"),
    ({"days": "-3"}, "days"),
    ({"days": "0"}, "days"),
    ({"q": "x" * 201}, "q"),
])
def test_a_bad_url_value_is_named(params, param):
    with pytest.raises(FilterError) as caught:
        CaseFilter.from_query(params)
    assert caught.value.param == param
    assert param in str(caught.value)


def test_the_period_of_a_filter(hand):
    with hand.connect() as conn:
        custom = console.period_of(conn, flt(), NOW)
        week = console.period_of(conn, CaseFilter(days=7), NOW)
        default = console.period_of(conn, CaseFilter(), NOW)
        # data older than the default period: the 30 days up to the newest case
        old = console.period_of(conn, CaseFilter(), datetime(2026, 6, 1))
    assert (custom.first, custom.last) == (FIRST, LAST)
    assert (week.first, week.last) == (date(2026, 3, 14), date(2026, 3, 20))
    assert (default.first, default.last) == (date(2026, 2, 19), date(2026, 3, 20))
    assert (old.first, old.last) == (date(2026, 2, 19), date(2026, 3, 20))  # A4 on 03-20


def test_filter_options(hand):
    cache = metrics.ResultCache()
    with hand.connect() as conn:
        options = console.filter_options(conn, lang="en")
        assert console.filter_options(conn, lang="en", cache=cache) == options
        assert console.filter_options(conn, lang="en", cache=cache) == options
    assert len(cache) == 1
    assert [v for v, _ in options["categories"]] == sorted([SHI, GONG, JIE])
    assert {v for v, _ in options["subcategories"]} == {"暴露垃圾", "井盖", "违规停车", "占道经营"}
    assert ("hotline", "12345 hotline") in options["sources"]
    assert ("overdue", "Overdue") in options["statuses"]


# --- the list ---------------------------------------------------------------------------------

def test_the_list_is_the_region_s_cases_reported_in_the_period(hand):
    with hand.connect() as conn:
        county = codes(conn, flt())
        whole = codes(conn, flt(region_code=None))
        town = codes(conn, flt(region_code="T1"))
        grid = codes(conn, flt(region_code="G3"))
        assert console.case_count(conn, flt(), NOW) == 10
        with pytest.raises(UnknownRegion):
            console.case_page(conn, flt(region_code="NOPE"), NOW)
    # newest first; A9 was reported before the period, A10 is unlocated
    assert county == ["A4", "A5", "A3", "A6", "A12", "A2", "A11", "A8", "A7", "A1"]
    assert whole == ["A4", "A5", "A3", "A6", "A12", "A10", "A2", "A11", "A8", "A7", "A1"]
    assert town == ["A4", "A3", "A12", "A2", "A11", "A8", "A1"]
    assert grid == ["A5", "A6", "A7"]


@pytest.mark.parametrize("kw, expected", [
    ({"categories": (SHI,)}, {"A1", "A2", "A6", "A11", "A12"}),
    ({"categories": ("井盖",)}, {"A3", "A5", "A8"}),  # a subcategory
    ({"categories": (GONG, "违规停车")}, {"A3", "A5", "A8", "A4", "A7"}),
    ({"sources": ("patrol",)}, {"A1", "A5", "A11"}),
    ({"statuses": ("open",)}, {"A2", "A3", "A4", "A5", "A6", "A8"}),
    ({"statuses": ("overdue",)}, {"A2"}),  # A8 is suspended; A3 and A6 are not due yet
    ({"statuses": ("closed", "voided")}, {"A1", "A11", "A12", "A7"}),
    ({"text": "a1"}, {"A1", "A11", "A12"}),  # case-insensitive, in the code
    ({"text": "垃圾"}, {"A1", "A6"}),  # A1's description, A6's address
    ({"text": "%"}, {"A4"}),  # a literal percent sign, not a wildcard
    ({"text": "_"}, set()),
    ({"categories": (SHI,), "sources": ("hotline",), "statuses": ("open",)}, {"A2", "A6"}),
    ({"region_code": "T1", "sources": ("app",)}, {"A3", "A12"}),
])
def test_each_filter_alone_and_combined(hand, kw, expected):
    with hand.connect() as conn:
        got = codes(conn, flt(**kw))
        assert console.case_count(conn, flt(**kw), NOW) == len(expected)
    assert set(got) == expected and len(got) == len(expected)


def test_rows_carry_what_the_grid_shows(hand):
    with hand.connect() as conn:
        rows, _ = console.case_page(conn, flt(), NOW, end_row=100)
    by_code = {r["code"]: r for r in rows}
    assert list(rows[0]) == list(console.ROW_COLUMNS)
    a2 = by_code["A2"]
    assert a2 == {
        "id": IDS["A2"], "code": "A2", "reported_at": "2026-03-10 00:00:00", "category": SHI,
        "subcategory": "暴露垃圾", "source": "hotline", "status": "dispatched", "urgent": False,
        "place": "城关第1网格", "department": "城管局", "officer": "张三",
        "due_at": "2026-03-12 00:00:00", "stage_light": "red", "overdue_hours": 204.0,
        "version": 1}
    lights = {code: r["stage_light"] for code, r in by_code.items()}
    assert lights == {"A1": None, "A2": "red", "A3": "green", "A4": "green", "A5": "yellow",
                      "A6": "red", "A7": None, "A8": None, "A11": None, "A12": None}
    assert by_code["A8"]["overdue_hours"] is None  # suspended
    assert by_code["A11"]["urgent"] is True


def test_paging_edges(hand):
    f = flt()
    with hand.connect() as conn:
        first, total = console.case_page(conn, f, NOW, start_row=0, end_row=4)
        last, total_last = console.case_page(conn, f, NOW, start_row=8, end_row=12)
        beyond, total_beyond = console.case_page(conn, f, NOW, start_row=12, end_row=20)
        nothing, _ = console.case_page(conn, f, NOW, start_row=3, end_row=3)
        empty, zero = console.case_page(conn, flt(text="no such thing"), NOW)
        for bad in ({"start_row": -1}, {"start_row": 5, "end_row": 2},
                    {"end_row": console.MAX_PAGE + 1}, {"start_row": "0"}):
            with pytest.raises(FilterError):
                console.case_page(conn, f, NOW, **bad)
    assert [r["code"] for r in first] == ["A4", "A5", "A3", "A6"] and total == 10
    assert [r["code"] for r in last] == ["A7", "A1"] and total_last == 10
    assert beyond == [] and total_beyond == 10
    assert nothing == []
    assert empty == [] and zero == 0


def test_sort_models(hand):
    f = flt()
    with hand.connect() as conn:
        by_code = codes(conn, f, sort_model=[{"colId": "code", "sort": "asc"}])
        by_light = codes(conn, f, sort_model=[{"colId": "stage_light", "sort": "desc"}])
        by_place = codes(conn, f, sort_model=[{"colId": "place", "sort": "asc"},
                                              {"colId": "reported_at", "sort": "asc"}])
        by_overdue = codes(conn, f, sort_model=[{"colId": "overdue_hours", "sort": "desc"}])
    assert by_code == sorted(by_code) and by_code[:3] == ["A1", "A11", "A12"]
    # red (A6, A2: ties newest id first), yellow A5, green A4 A3, then no light
    assert by_light[:5] == ["A6", "A2", "A5", "A4", "A3"]
    assert by_place == ["A1", "A8", "A11", "A2", "A12", "A3", "A4", "A7", "A6", "A5"]
    assert by_overdue[0] == "A2"


@pytest.mark.parametrize("model, expected", [
    ({"stage_light": {"filterType": "set", "values": ["red"]}}, {"A2", "A6"}),
    ({"stage_light": {"filterType": "text", "type": "equals", "filter": "黄灯"}}, {"A5"}),
    ({"status": {"filterType": "text", "type": "contains", "filter": "已派遣"}}, {"A2", "A3"}),
    ({"status": {"filterType": "text", "type": "equals", "filter": "Resolved"}}, {"A6"}),
    ({"status": {"filterType": "set", "values": ["closed", "voided"]}},
     {"A1", "A11", "A12", "A7"}),
    ({"overdue_hours": {"filterType": "number", "type": "greaterThan", "filter": 100}}, {"A2"}),
    ({"reported_at": {"filterType": "date", "type": "inRange",
                      "dateFrom": "2026-03-10 00:00:00", "dateTo": "2026-03-15 00:00:00"}},
     {"A2", "A12", "A6"}),
    ({"reported_at": {"filterType": "date", "type": "lessThan",
                      "dateFrom": "2026-03-05 00:00:00"}}, {"A1"}),
    ({"place": {"filterType": "text", "type": "contains", "filter": "青山"}},
     {"A5", "A6", "A7"}),
    ({"code": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "type": "equals", "filter": "a1"},
        {"filterType": "text", "type": "equals", "filter": "A12"}]}}, {"A1", "A12"}),
    ({"department": {"filterType": "text", "type": "blank"}}, {"A4", "A5", "A7"}),
    ({"urgent": {"filterType": "set", "values": [True]}}, {"A4", "A11"}),
    ({"code": {"filterType": "text", "type": "contains", "filter": "%' OR 1=1 --"}}, set()),
    ({"category": {"filterType": "set", "values": [GONG]},
      "source": {"filterType": "set", "values": ["patrol"]}}, {"A5"}),
])
def test_filter_models(hand, model, expected):
    with hand.connect() as conn:
        rows, total = console.case_page(conn, flt(), NOW, end_row=100, filter_model=model)
    assert {r["code"] for r in rows} == expected and total == len(expected)


@pytest.mark.parametrize("kw", [
    {"sort_model": [{"colId": "description", "sort": "asc"}]},  # not a grid column
    {"sort_model": [{"colId": "code; DROP TABLE cases", "sort": "asc"}]},
    {"sort_model": [{"colId": "code", "sort": "asc; DROP TABLE cases"}]},
    {"sort_model": "code"},
    {"filter_model": {"code); DROP TABLE cases; --": {"filterType": "text", "type": "contains",
                                                       "filter": "x"}}},
    {"filter_model": {"code": {"filterType": "text", "type": "regex", "filter": "x"}}},
    {"filter_model": {"code": {"filterType": "number", "type": "equals", "filter": 1}}},
    {"filter_model": {"version": {"filterType": "number", "type": "equals",
                                  "filter": "1 OR 1=1"}}},
    {"filter_model": {"reported_at": {"filterType": "date", "type": "equals",
                                      "dateFrom": "yesterday"}}},
    {"filter_model": {"stage_light": {"filterType": "set", "values": ["purple"]}}},
    {"filter_model": ["code"]},
    {"filter_model": {"code": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "operator": "OR", "conditions": [
            {"filterType": "text", "type": "equals", "filter": "A1"}]}]}}},  # nested
    {"filter_model": {"code": {"filterType": "text", "operator": "XOR", "conditions": [
        {"filterType": "text", "type": "equals", "filter": "A1"}]}}},
])
def test_bad_sort_and_filter_models_are_refused(hand, kw):
    with hand.connect() as conn:
        with pytest.raises(FilterError):
            console.case_page(conn, flt(), NOW, **kw)
        assert conn.scalar(select(func.count()).select_from(Case)) == len(CASES)


# --- one case -------------------------------------------------------------------------------

def test_detail_and_timeline_in_order(hand):
    with hand.connect() as conn:
        a2 = console.case_detail(conn, IDS["A2"], NOW, lang="en")
        assert console.case_detail(conn, 9999, NOW) is None
        assert console.case_detail(conn, str(IDS["A11"]), NOW)["description"] == \
            "<script>alert(1)</script>"
        with pytest.raises(FilterError):
            console.case_detail(conn, "1 OR 1=1", NOW)
    assert a2["code"] == "A2" and a2["status_label"] == "Dispatched"
    assert a2["source_label"] == "12345 hotline"
    assert [r["code"] for r in a2["regions"]] == ["C", "T1", "G1"]
    assert (a2["department"], a2["officer"], a2["lon"], a2["lat"]) == ("城管局", "张三", 104.0, 0.5)
    assert a2["dispatched_at"] == "2026-03-10 10:00:00" and a2["due_at"] == "2026-03-12 00:00:00"
    assert a2["stage_light"] == "red" and a2["overdue_hours"] == 204.0
    assert [e["action"] for e in a2["timeline"]] == ["report", "file", "dispatch", "urge"]
    assert a2["timeline"][1] == {"action": "file", "from_status": "reported",
                                 "to_status": "filed", "actor": "指挥中心", "note": None,
                                 "at": "2026-03-10 05:00:00"}


def test_times_are_local(engine):
    build(engine, tz="Asia/Shanghai")
    with engine.connect() as conn:
        a2 = console.case_detail(conn, IDS["A2"], NOW)
        rows, _ = console.case_page(conn, flt(region_code="G1"), NOW,
                                    filter_model={"code": {"filterType": "text",
                                                           "type": "equals", "filter": "A2"}})
    assert a2["reported_at"] == "2026-03-10 08:00:00" and a2["timeline"][0]["at"] == \
        "2026-03-10 08:00:00"
    assert rows[0]["reported_at"] == "2026-03-10 08:00:00"


# --- exports ----------------------------------------------------------------------------------

def test_csv_export_is_the_filtered_list(hand):
    f = flt(region_code="T1")
    model = {"status": {"filterType": "set", "values": ["closed", "dispatched"]}}
    with hand.connect() as conn:
        data = console.export_cases(conn, f, NOW, "csv", lang="zh", filter_model=model)
        rows, _ = console.case_page(conn, f, NOW, filter_model=model)
    assert data.startswith("\ufeff".encode("utf-8"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns)[:3] == ["案卷编号", "上报时间", "大类"]
    assert "问题描述" in frame.columns and "状态" in frame.columns
    # T1 cases reported in the period that are closed or dispatched, newest first
    assert frame["案卷编号"].tolist() == ["A3", "A12", "A2", "A11", "A1"]
    assert frame["案卷编号"].tolist() == [r["code"] for r in rows]
    by_code = frame.set_index("案卷编号")
    assert by_code.loc["A2", "状态"] == "已派遣" and by_code.loc["A2", "阶段亮灯"] == "红灯"
    assert by_code.loc["A2", "超期(小时)"] == "204.0"
    assert by_code.loc["A11", "问题描述"] == "<script>alert(1)</script>"
    assert by_code.loc["A12", "问题描述"] == "'=1+1"  # a formula is shown, never run
    assert by_code.loc["A12", "地址"] == "'@home"
    assert by_code.loc["A11", "紧急"] == "是"


def test_xlsx_export_in_english(hand):
    with hand.connect() as conn:
        data = console.export_cases(conn, flt(), NOW, "xlsx", lang="en",
                                    sort_model=[{"colId": "code", "sort": "asc"}])
        with pytest.raises(FilterError):
            console.export_cases(conn, flt(), NOW, "pdf")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert header[:4] == ("Case code", "Reported at", "Category", "Subcategory")
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["Case code"]] for r in body] == sorted(
        ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A11", "A12"])
    a12 = next(r for r in body if r[col["Case code"]] == "A12")
    assert a12[col["Description"]] == "'=1+1" and a12[col["Address"]] == "'@home"
    a11 = next(r for r in body if r[col["Case code"]] == "A11")
    assert a11[col["Description"]] == "<script>alert(1)</script>"
    assert a11[col["Status"]] == "Closed" and a11[col["Source"]] == "Grid patrol"
    a2 = next(r for r in body if r[col["Case code"]] == "A2")
    assert a2[col["Overdue (hours)"]] == 204.0 and a2[col["Stage light"]] == "Red"


def test_export_filename():
    name = console.export_filename(CaseFilter(region_code="REGION 2 - N/W", first=FIRST,
                                              last=LAST), "xlsx", NOW)
    assert name == "cases_REGION-2-N-W_20260301-20260320_20260320-1200.xlsx"
    assert console.export_filename(CaseFilter(days=7), "csv", NOW) == \
        "cases_all_last7d_20260320-1200.csv"


def test_neutralise():
    assert [console.neutralise(v) for v in ("=A1", "+1", "-1", "@x", "\tx", "a=b", 5)] == \
        ["'=A1", "'+1", "'-1", "'@x", "'\tx", "a=b", 5]


# --- traffic lights ----------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 8, 0)


@pytest.mark.parametrize("status, limit", [
    ("reported", timedelta(hours=2)), ("filed", timedelta(hours=4)),
    ("resolved", timedelta(hours=24)), ("dispatched", timedelta(hours=30)),
])
@pytest.mark.parametrize("share, light", [
    (0, "green"), (79, "green"), (80, "yellow"), (100, "yellow"), (101, "red"),
])
def test_stage_lights_at_the_edges(status, limit, share, light):
    due = T0 + limit if status == "dispatched" else None
    now = T0 + limit * share / 100
    assert stage_light(status, T0, due, now) == light


def test_stages_without_a_light():
    assert stage_light("suspended", T0, T0 + timedelta(hours=1), T0) is None
    assert stage_light("closed", T0, None, T0) is None
    assert stage_light("dispatched", T0, None, T0) is None  # no deadline
    assert console.STAGE_LIMITS == {"reported": timedelta(hours=2),
                                    "filed": timedelta(hours=4),
                                    "resolved": timedelta(hours=24)}


def test_the_database_lights_agree_at_the_edges(engine):
    """The list's light filter (SQL) puts each case where stage_light puts it."""
    now = datetime(2026, 3, 20, 12, 0)
    cases = []
    expected = {}
    for status, limit in (("reported", timedelta(hours=2)), ("filed", timedelta(hours=4)),
                          ("resolved", timedelta(hours=24)),
                          ("dispatched", timedelta(hours=30))):
        for share, light in ((79, "green"), (80, "yellow"), (100, "yellow"), (101, "red")):
            since = now - limit * share / 100
            code = f"{status[:3]}{share}"
            cases.append((code, G1, status, SHI, "暴露垃圾", "patrol", since - timedelta(hours=1),
                          since if status != "reported" else None,
                          since if status in ("dispatched", "resolved") else None,
                          since if status == "resolved" else None, None, None,
                          since + limit if status == "dispatched" else None, False, "", "x"))
            if status == "reported":
                cases[-1] = cases[-1][:6] + (since,) + cases[-1][7:]
            expected[code] = light
    build(engine, cases=cases)
    with engine.connect() as conn:
        rows, _ = console.case_page(conn, flt(), now, end_row=100)
        assert {r["code"]: r["stage_light"] for r in rows} == expected
        points = console.open_case_points(conn, "C", now)  # the rule per column
        assert dict(zip(points["code"], points["stage_light"])) == expected
        for light in ("green", "yellow", "red"):
            got, _ = console.case_page(conn, flt(), now, end_row=100, filter_model={
                "stage_light": {"filterType": "set", "values": [light]}})
            assert {r["code"] for r in got} == {c for c, v in expected.items() if v == light}


# --- the map ----------------------------------------------------------------------------------

def test_open_case_points(hand):
    with hand.connect() as conn:
        town = console.open_case_points(conn, "T1", NOW)
        closed_too = console.open_case_points(conn, "T1", NOW, flt(region_code="T1"),
                                              include_closed=True)
        hotline = console.open_case_points(conn, "T1", NOW, flt(sources=("hotline",)))
        grid = console.open_case_points(conn, "G3", NOW)
    assert list(town.columns) == list(console.POINT_COLUMNS)
    # open in G1/G2 with coordinates: A2 A3 A8 (A4 has none)
    assert sorted(town["code"]) == ["A2", "A3", "A8"]
    flags = dict(zip(town["code"], town["long_unfixed"]))
    assert flags == {"A2": True, "A3": False, "A8": False}  # A8 is suspended
    assert dict(zip(town["code"], town["stage_light"])) == {"A2": "red", "A3": "green",
                                                            "A8": None}
    # + closed in the period: A1 A11 A12, and A9 (reported before it)
    assert sorted(closed_too["code"]) == ["A1", "A11", "A12", "A2", "A3", "A8", "A9"]
    assert hotline["code"].tolist() == ["A2"]
    assert sorted(grid["code"]) == ["A5", "A6"]  # A7 is voided
    assert town.loc[town["code"] == "A2", "lon"].item() == 104.0


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
    assert list(view["ranking"]["code"]) == sorted(
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
    assert grid["children_metrics"] == [] and grid["ranking"].empty
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
        total = console.case_count(conn, f, now)
        rows, page_total = console.case_page(conn, f, now, end_row=50)
        region = view["children"][0]["code"]
        shapes = region_view.region_shapes(conn, region)
        points = console.open_case_points(conn, shapes["features"][0]["id"], now)
        data = console.export_cases(conn, CaseFilter(region_code=region), now, "csv")
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
    # cases, events, hours for each scope, each read once for every region (a cache is
    # not filled by a few regions read alone), and the closure of each list of groups
    assert len(cache) == (6 if few_share == 0.0 else 0) + 4


@pytest.mark.parametrize("few_share", [0.05, 1.0])  # the hand store's grids: many, few
def test_a_cached_region_view_equals_a_fresh_one(hand, monkeypatch, few_share):
    monkeypatch.setattr(metrics, "_FEW_SHARE", few_share)
    cache = metrics.ResultCache()
    now = NOW.replace(minute=0)  # on the minute: the cached view's figures are as of it
    with hand.connect() as conn:
        for code in ("C", "T1", "T2", "G1", "G3", None):
            for f in (flt(region_code=code), flt(region_code=code, categories=(SHI,))):
                fresh = region_view.region_view(conn, code, f, now)
                kept = region_view.region_view(conn, code, f, now, cache=cache)
                for key in ("region", "breadcrumb", "children", "period", "metrics",
                            "previous", "children_metrics"):
                    assert kept[key] == fresh[key], (code, key)
                for key in ("trend", "ranking"):
                    pd.testing.assert_frame_equal(kept[key], fresh[key], check_dtype=False)
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
