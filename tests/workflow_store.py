"""A hand-built store for the workflow and dispatch tests: three grids, departments, the
category table, officers, patrols with GPS fixes, and cases put in any status on demand.

The map (WGS-84, about 1.1 km per 0.01°):

    G1 [116.00, 116.01] × [39.90, 39.91]   officer 1 (O1)
    G2 [116.01, 116.02] × [39.90, 39.91]   officers 2 (O2) and 3 (O3)
    G3 [116.02, 116.03] × [39.90, 39.91]   nobody assigned
    officer 4 (O4) is a floater assigned to no grid

``NOW`` is Wednesday 2026-11-18 02:00 UTC, 10:00 in Shanghai (the store's time zone).
Patrols and fixes are added by each test, so every rule is seen with only what it needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shapely import box, to_wkb
from sqlalchemy import Connection, Engine, insert, select

from data import schema, store
from data.models import (
    Case,
    CaseEvent,
    Category,
    Department,
    Officer,
    Patrol,
    PatrolPoint,
    Region,
)

NOW = datetime(2026, 11, 18, 2, 0)
TIMEZONE = "Asia/Shanghai"
LEVELS = ["区县", "乡镇街道", "网格"]
C, T1, G1, G2, G3 = 1, 2, 3, 4, 5
REGIONS = [  # id, code, name, depth, parent, (min_lon, min_lat, max_lon, max_lat)
    (C, "C", "清源县", 0, None, (116.00, 39.90, 116.03, 39.91)),
    (T1, "T1", "城关镇", 1, C, (116.00, 39.90, 116.03, 39.91)),
    (G1, "G1", "第1网格", 2, T1, (116.00, 39.90, 116.01, 39.91)),
    (G2, "G2", "第2网格", 2, T1, (116.01, 39.90, 116.02, 39.91)),
    (G3, "G3", "第3网格", 2, T1, (116.02, 39.90, 116.03, 39.91)),
]
CGJ, ZJJ, SWJ = 1, 2, 3
DEPARTMENTS = [(CGJ, "CGJ", "县城市管理局"), (ZJJ, "ZJJ", "县住房和城乡建设局"),
               (SWJ, "SWJ", "县水务局")]
# subcategory, department, limit, unit
HOURLY, DAILY, ORPHAN = "占道经营", "道路破损", "其他事项"
CATEGORIES = [
    ("C01", schema.INCIDENT, "市容环境", HOURLY, CGJ, 2.0, schema.HOURS),
    ("C02", schema.FACILITY, "道路交通", DAILY, ZJJ, 3.0, schema.WORKING_DAYS),
    ("C03", schema.INCIDENT, "其他", ORPHAN, None, 24.0, schema.HOURS),
]
O1, O2, O3, O4 = 1, 2, 3, 4
OFFICERS = [(O1, "W1", "张伟", G1), (O2, "W2", "王芳", G2), (O3, "W3", "李强", G2),
            (O4, "W4", "赵敏", None)]


def build(engine: Engine) -> None:
    """Fill an empty store with the regions, departments, categories and officers above."""
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", TIMEZONE)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        rows = []
        for rid, code, name, depth, parent, (x0, y0, x1, y1) in REGIONS:
            rows.append({"id": rid, "code": code, "name": name, "level": LEVELS[depth],
                         "depth": depth, "parent_id": parent,
                         "geometry": to_wkb(box(x0, y0, x1, y1)),
                         "centroid_lon": (x0 + x1) / 2, "centroid_lat": (y0 + y1) / 2,
                         "min_lon": x0, "min_lat": y0, "max_lon": x1, "max_lat": y1})
        conn.execute(insert(Region), rows)
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Department), [{"id": i, "code": c, "name": n}
                                          for i, c, n in DEPARTMENTS])
        conn.execute(insert(Category), [
            {"code": code, "case_class": klass, "category": cat, "subcategory": sub,
             "department_id": dep, "time_limit": limit, "time_unit": unit}
            for code, klass, cat, sub, dep, limit, unit in CATEGORIES])
        conn.execute(insert(Officer), [{"id": i, "code": c, "name": n, "region_id": r}
                                       for i, c, n, r in OFFICERS])


_counter = iter(range(1, 10**9))


def add_case(conn: Connection, status: str = schema.REPORTED, *, region_id: int | None = G1,
             subcategory: str | None = HOURLY, lon: float | None = 116.005,
             lat: float | None = 39.905, reported_at: datetime | None = None) -> int:
    """A case that reached ``status`` by the standard path, with the timestamps and history
    that path leaves (suspended: suspended while dispatched). Returns its id.

    Every step is an hour apart, ending a day before :data:`NOW`; dispatched cases are due
    two days after NOW (not overdue)."""
    n = next(_counter)
    t = reported_at or NOW - timedelta(days=2)
    steps = {schema.REPORTED: [], schema.FILED: ["file"], schema.VOIDED: ["void"],
             schema.DISPATCHED: ["file", "dispatch"],
             schema.RESOLVED: ["file", "dispatch", "resolve"],
             schema.CLOSED: ["file", "dispatch", "resolve", "close"],
             schema.SUSPENDED: ["file", "dispatch", "suspend"]}[status]
    row = {"code": f"W{n:05d}", "status": status, "location_method": "point",
           "region_id": region_id, "subcategory": subcategory, "lon": lon, "lat": lat,
           "reported_at": t, "version": 1, "updated_at": t}
    events = [("report", None, schema.REPORTED, t)]
    current = schema.REPORTED
    targets = {"file": schema.FILED, "void": schema.VOIDED, "dispatch": schema.DISPATCHED,
               "resolve": schema.RESOLVED, "close": schema.CLOSED, "suspend": schema.SUSPENDED}
    for i, action in enumerate(steps, start=1):
        at = t + timedelta(hours=i)
        column = {"file": "filed_at", "void": "voided_at", "dispatch": "dispatched_at",
                  "resolve": "resolved_at", "close": "closed_at"}.get(action)
        if column:
            row[column] = at
        if action == "dispatch":
            row.update(department_id=CGJ, officer_id=O1, due_at=NOW + timedelta(days=2))
        if action == "resolve":
            row["resolved_level"] = "grid"
        events.append((action, current, targets[action], at))
        current = targets[action]
    case_id = conn.execute(insert(Case).values(**row)).inserted_primary_key[0]
    conn.execute(insert(CaseEvent), [
        {"case_id": case_id, "action": a, "from_status": f, "to_status": to,
         "actor": "测试", "note": None, "at": at} for a, f, to, at in events])
    return case_id


def add_patrol(conn: Connection, officer_id: int, region_id: int, started_at: datetime,
               ended_at: datetime | None = None,
               fixes: list[tuple[datetime, float, float]] = ()) -> int:
    """A patrol with its GPS fixes (at, lon, lat)."""
    patrol_id = conn.execute(insert(Patrol).values(
        officer_id=officer_id, region_id=region_id, started_at=started_at,
        ended_at=ended_at)).inserted_primary_key[0]
    if fixes:
        conn.execute(insert(PatrolPoint), [{"patrol_id": patrol_id, "at": at, "lon": x, "lat": y}
                                           for at, x, y in fixes])
    return patrol_id


def snapshot(engine: Engine, case_id: int) -> tuple:
    """Everything a refused action must leave untouched: the case row, its history and the
    data version."""
    with engine.connect() as conn:
        case = conn.execute(select(Case.__table__).where(Case.id == case_id)).one()
        events = conn.execute(select(CaseEvent.__table__).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.id)).all()
        return tuple(case), tuple(map(tuple, events)), store.data_version(conn)
