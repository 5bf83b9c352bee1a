"""The store the console's case tests count by hand, on both stores.

The county C has towns T1 (grids G1, G2) and T2 (grid G3). "Now" is 2026-03-20 12:00 UTC
and the store's time zone is UTC, so local times read as stored. The period asked about
is 03-01..03-20 unless a test says otherwise. Every expected number in the tests names the
cases that make it up; the traffic lights are worked out by hand in the comments of CASES.
"""

from __future__ import annotations

from datetime import date, datetime

from shapely import box, to_wkb
from sqlalchemy import insert

from data import store
from data.cases.filter import CaseFilter
from data.cases.listing import case_page
from data.models import Case, CaseEvent, Department, Officer, Region

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


def flt(**kw) -> CaseFilter:
    kw.setdefault("region_code", "C")
    kw.setdefault("first", FIRST)
    kw.setdefault("last", LAST)
    return CaseFilter(**kw)


def codes(conn, f: CaseFilter, **kw) -> list[str]:
    rows, total = case_page(conn, f, NOW, start_row=0, end_row=1000, **kw)
    assert total == len(rows)
    return [r["code"] for r in rows]
