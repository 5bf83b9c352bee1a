"""A hand-built store for the intake tests: two towns, four grids (two overlapping, one
without a boundary), departments, the category table and a grid officer.

The map (WGS-84, about 850 m per 0.01° of longitude and 1.1 km per 0.01° of latitude here):

    C  清源县   [116.00, 116.04] × [39.90, 39.91]
    T1 城关镇   [116.00, 116.02]        G1 第1网格 [116.00, 116.01]  G2 第2网格 [116.01, 116.02]
    T2 青山镇   [116.02, 116.04]        G3 第3网格 [116.02, 116.03]  G9 第9网格 [116.025, 116.035]
                                        G5 第5网格 (no boundary: placed by code only)
    [116.035, 116.04] lies in T2 but in no grid.

``NOW`` is Wednesday 2026-11-18 02:00 UTC, 10:00 in Shanghai (the store's time zone).
"""

from __future__ import annotations

from datetime import datetime

from shapely import box, to_wkb
from sqlalchemy import Engine, func, insert, select

from data import schema, store
from data.intake import placement
from data.intake.create import Door
from data.intake.fields import NewCase
from data.models import (ApiKey, Case, CaseEvent, CaseIntake, CaseLink, CaseMedia, Category,
                         Department, Officer, Region)

NOW = datetime(2026, 11, 18, 2, 0)
TIMEZONE = "Asia/Shanghai"
LEVELS = ["区县", "乡镇街道", "网格"]
C, T1, T2, G1, G2, G3, G9, G5 = 1, 2, 3, 4, 5, 6, 7, 8
REGIONS = [  # id, code, name, depth, parent, box or None
    (C, "C", "清源县", 0, None, (116.00, 39.90, 116.04, 39.91)),
    (T1, "T1", "城关镇", 1, C, (116.00, 39.90, 116.02, 39.91)),
    (T2, "T2", "青山镇", 1, C, (116.02, 39.90, 116.04, 39.91)),
    (G1, "G1", "城关镇第1网格", 2, T1, (116.00, 39.90, 116.01, 39.91)),
    (G2, "G2", "城关镇第2网格", 2, T1, (116.01, 39.90, 116.02, 39.91)),
    (G3, "G3", "青山镇第3网格", 2, T2, (116.02, 39.90, 116.03, 39.91)),
    (G9, "G9", "青山镇第9网格", 2, T2, (116.025, 39.90, 116.035, 39.91)),
    (G5, "G5", "青山镇第5网格", 2, T2, None),
]
CGJ, ZJJ = 1, 2
DEPARTMENTS = [(CGJ, "CGJ", "县城市管理局"), (ZJJ, "ZJJ", "县住房和城乡建设局")]
HOURLY, DAILY, ORPHAN = "占道经营", "道路破损", "其他事项"
CATEGORIES = [  # code, class, category, subcategory, department, limit, unit
    ("C01", schema.INCIDENT, "市容环境", HOURLY, CGJ, 2.0, schema.HOURS),
    ("C02", schema.FACILITY, "道路交通", DAILY, ZJJ, 3.0, schema.WORKING_DAYS),
    ("C03", schema.INCIDENT, "其他", ORPHAN, None, 24.0, schema.HOURS),
]
O1 = 1
OFFICERS = [(O1, "W1", "张伟", G1)]

#: The doors the tests file through.
KEYS = [  # id, name, source, region, officer
    (1, "hotline-12345", "hotline", None, None),
    (2, "officer-w1", "patrol", None, O1),
    (3, "app-t1", "app", T1, None),
]
HOTLINE = Door(kind=schema.OPEN311, source="hotline", actor="hotline-12345", api_key_id=1)
OFFICER = Door(kind=schema.OPEN311, source="patrol", actor="officer-w1", api_key_id=2,
               officer_id=O1)
APP_T1 = Door(kind=schema.OPEN311, source="app", actor="app-t1", api_key_id=3, region_id=T1)
DESK = Door(kind=schema.DESK, source="hotline", actor="operator1", user_name="operator1")
#: A point in G1, in G2, in T2 outside every grid, and outside the county.
IN_G1, IN_G2, IN_T2_ONLY, OUTSIDE = (116.005, 39.905), (116.015, 39.905), \
    (116.038, 39.905), (116.05, 39.905)


def build(engine: Engine) -> None:
    """Fill an empty store with the regions, departments, categories and officer above."""
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", TIMEZONE)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": rid, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": None if shape is None else to_wkb(box(*shape))}
            for rid, code, name, depth, parent, shape in REGIONS])
        store.rebuild_region_ancestors(conn)
        store.bump_regions_version(conn)
        conn.execute(insert(Department), [{"id": i, "code": c, "name": n}
                                          for i, c, n in DEPARTMENTS])
        conn.execute(insert(Category), [
            {"code": code, "case_class": klass, "category": cat, "subcategory": sub,
             "department_id": dep, "time_limit": limit, "time_unit": unit}
            for code, klass, cat, sub, dep, limit, unit in CATEGORIES])
        conn.execute(insert(Officer), [{"id": i, "code": c, "name": n, "region_id": r}
                                       for i, c, n, r in OFFICERS])
        conn.execute(insert(ApiKey), [
            {"id": i, "name": name, "key_hash": f"{i:064d}", "source": source,
             "region_id": region, "officer_id": officer, "created_at": NOW}
            for i, name, source, region, officer in KEYS])
    # the PostgreSQL half reuses one URL with fresh stores of the same fingerprint
    placement.forget_locators()


def new_case(**changes) -> NewCase:
    """A valid new case (road damage in G1), with ``changes``."""
    values = dict(service_code="C02", description="路面塌陷一处", lon=IN_G1[0], lat=IN_G1[1],
                  region_code=None, address="城关镇人民路12号", reporter_name="李女士",
                  reporter_phone="138 0000 0000")
    values.update(changes)
    return NewCase(**values)


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each table a new case writes to holds (and the data version)."""
    with engine.connect() as conn:
        counts = {model.__tablename__: conn.scalar(select(func.count()).select_from(model))
                  for model in (Case, CaseEvent, CaseIntake, CaseLink, CaseMedia)}
        counts["data_version"] = store.data_version(conn)
    return counts


def add_case(engine: Engine, code: str, *, subcategory: str = DAILY,
             status: str = schema.DISPATCHED, lon: float | None = IN_G1[0],
             lat: float | None = IN_G1[1], reported_at: datetime = NOW,
             region_id: int = G1) -> int:
    """An older case put straight into the store; returns its id."""
    with store.transaction(engine) as conn:
        return conn.execute(insert(Case).values(
            code=code, subcategory=subcategory, status=status, lon=lon, lat=lat,
            region_id=region_id, reported_at=reported_at, version=1,
            location_method=schema.LOCATED_BY_POINT if lon is not None
            else schema.LOCATED_BY_CODE)).inserted_primary_key[0]
