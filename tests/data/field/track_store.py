"""A hand-built store for the patrol tests: two grids side by side on the equator, in a
town whose boundary reaches past them (a place in a region but in no grid), a grid without a boundary, one in Beijing; Beijing time.

Along the equator one thousandth of a degree of longitude is 111.19508 m (the mean Earth
radius 6,371,008.8 m times pi/180000), which the tests count with.
"""

from __future__ import annotations

from datetime import datetime

from shapely import box, to_wkb
from sqlalchemy import Engine, insert

from data import store
from data.intake.placement import forget_locators
from data.models import Officer, Patrol, PatrolPoint, Region

M_PER_MILLIDEGREE = 111.19508  # metres per 0.001 degree on a great circle
TZ = "Asia/Shanghai"
LEVELS = ["区县", "乡镇街道", "网格"]
REGIONS = [
    # id, code, name, depth, parent, boundary (lon, lat boxes)
    (1, "C", "清源县", 0, None, box(-0.01, -0.01, 0.04, 0.01)),
    (2, "T", "城关镇", 1, 1, box(0.0, -0.01, 0.03, 0.01)),
    (3, "G1", "第1网格", 2, 2, box(0.0, -0.01, 0.01, 0.01)),
    (4, "G2", "第2网格", 2, 2, box(0.01, -0.01, 0.02, 0.01)),
    (5, "G3", "第3网格 (no boundary)", 2, 2, None),
    # a grid in Beijing, where GCJ-02 differs from WGS-84 (by about 600 m here)
    (6, "G4", "北京网格", 2, 1, box(116.390, 39.905, 116.400, 39.915)),
]
OFFICERS = [(1, "W1", "张三", 3), (2, "W2", "李四", 4), (3, "W3", "王五", None)]


def build(engine: Engine) -> None:
    """Regions, levels and officers; no patrols."""
    forget_locators()
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", TZ)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": None if geom is None else to_wkb(geom)}
            for i, code, name, depth, parent, geom in REGIONS])
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Officer), [{"id": i, "code": c, "name": n, "region_id": r}
                                       for i, c, n, r in OFFICERS])
        store.bump_regions_version(conn)


def add_patrol(engine: Engine, patrol_id: int, officer_id: int, region_id: int,
               fixes: list[tuple[datetime, float, float]]) -> None:
    """A patrol with its fixes (UTC times, lon, lat), started at its first fix."""
    with store.transaction(engine) as conn:
        conn.execute(insert(Patrol).values(
            id=patrol_id, officer_id=officer_id, region_id=region_id,
            started_at=min(f[0] for f in fixes), ended_at=max(f[0] for f in fixes)))
        conn.execute(insert(PatrolPoint), [{"patrol_id": patrol_id, "at": at, "lon": lon,
                                            "lat": lat} for at, lon, lat in fixes])
