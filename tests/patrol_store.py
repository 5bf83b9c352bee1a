"""A hand-built store of patrols, small enough to check by eye (time zone Asia/Shanghai,
UTC+8): a county, two towns, four grids, three officers and three patrols whose
``patrol_visits`` rows are written here by hand, as the tracks import would write them.

    C 清源县 ── T1 城关镇 ── G1 城关一网格   (Officer A: officers.region_id only)
             │           └─ G2 城关二网格   (Officer B: officer_regions G2 and G3)
             └─ T2 青山镇 ── G3 青山一网格
                         └─ G4 青山二网格   (nobody serves it, nobody ever patrolled it)
    Officer C serves no region.

Patrols (UTC; local = UTC+8):
- P1, Officer A, local 2026-03-09 23:30 → 03-10 00:30, crossing midnight and a grid
  boundary: fixes 03-09 15:30 (G1), 15:50 (G1), 16:10 (G1), 16:30 (G2). Visits: G1 on
  03-09 (15:30-15:50), G1 on 03-10 (16:10), G2 on 03-10 (16:30).
- P2, Officer B, local 2026-03-05: fixes 03-05 02:00, 02:30, 03:00, all in G3.
- P3, Officer B, local 2026-03-01: fixes 03-01 01:00, 01:20 in G2.
Open cases: G3 one (filed), G4 one (dispatched); G4 also has a closed one.
"""

from __future__ import annotations

from datetime import date, datetime

from shapely import box, to_wkb
from sqlalchemy import Engine, insert

from data import schema, store
from data.models import (
    Case, Officer, OfficerRegion, Patrol, PatrolPoint, PatrolVisit, Region,
)

TZ = "Asia/Shanghai"
LEVELS = ["区县", "乡镇街道", "网格"]
REGIONS = [  # id, code, name, depth, parent, lon range
    (1, "C", "清源县", 0, None, (116.00, 116.04)),
    (2, "T1", "城关镇", 1, 1, (116.00, 116.02)),
    (3, "T2", "青山镇", 1, 1, (116.02, 116.04)),
    (4, "G1", "城关一网格", 2, 2, (116.00, 116.01)),
    (5, "G2", "城关二网格", 2, 2, (116.01, 116.02)),
    (6, "G3", "青山一网格", 2, 3, (116.02, 116.03)),
    (7, "G4", "青山二网格", 2, 3, (116.03, 116.04)),
]
OFFICERS = [(1, "OA", "Officer A", 4), (2, "OB", "Officer B", 5), (3, "OC", "Officer C", None)]
OFFICER_REGIONS = [(2, 5), (2, 6)]
# patrol id, officer, region, fixes: (UTC time, lon)
PATROLS = [
    (1, 1, 4, [(datetime(2026, 3, 9, 15, 30), 116.002), (datetime(2026, 3, 9, 15, 50), 116.004),
               (datetime(2026, 3, 9, 16, 10), 116.006), (datetime(2026, 3, 9, 16, 30), 116.012)]),
    (2, 2, 6, [(datetime(2026, 3, 5, 2, 0), 116.022), (datetime(2026, 3, 5, 2, 30), 116.024),
               (datetime(2026, 3, 5, 3, 0), 116.026)]),
    (3, 2, 5, [(datetime(2026, 3, 1, 1, 0), 116.012), (datetime(2026, 3, 1, 1, 20), 116.014)]),
]
VISITS = [  # patrol, region, local day, officer, first, last, fixes
    (1, 4, date(2026, 3, 9), 1, datetime(2026, 3, 9, 15, 30), datetime(2026, 3, 9, 15, 50), 2),
    (1, 4, date(2026, 3, 10), 1, datetime(2026, 3, 9, 16, 10), datetime(2026, 3, 9, 16, 10), 1),
    (1, 5, date(2026, 3, 10), 1, datetime(2026, 3, 9, 16, 30), datetime(2026, 3, 9, 16, 30), 1),
    (2, 6, date(2026, 3, 5), 2, datetime(2026, 3, 5, 2, 0), datetime(2026, 3, 5, 3, 0), 3),
    (3, 5, date(2026, 3, 1), 2, datetime(2026, 3, 1, 1, 0), datetime(2026, 3, 1, 1, 20), 2),
]
CASES = [("K-G3", 6, schema.FILED), ("K-G4", 7, schema.DISPATCHED), ("K-G4-DONE", 7, schema.CLOSED)]
LAT = 39.905


def build(engine: Engine) -> None:
    """Fill an empty store with the regions, officers, patrols and visits above."""
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", TZ)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": rid, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(x0, 39.90, x1, 39.91)),
             "centroid_lon": (x0 + x1) / 2, "centroid_lat": LAT, "min_lon": x0,
             "min_lat": 39.90, "max_lon": x1, "max_lat": 39.91}
            for rid, code, name, depth, parent, (x0, x1) in REGIONS])
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Officer), [{"id": i, "code": c, "name": n, "region_id": r}
                                       for i, c, n, r in OFFICERS])
        conn.execute(insert(OfficerRegion), [{"officer_id": o, "region_id": r}
                                             for o, r in OFFICER_REGIONS])
        for pid, officer, region, fixes in PATROLS:
            conn.execute(insert(Patrol).values(
                id=pid, officer_id=officer, region_id=region, started_at=fixes[0][0],
                ended_at=fixes[-1][0]))
            conn.execute(insert(PatrolPoint), [
                {"patrol_id": pid, "at": at, "lon": lon, "lat": LAT} for at, lon in fixes])
        conn.execute(insert(PatrolVisit), [
            {"patrol_id": p, "region_id": r, "day": d, "officer_id": o, "first_at": f,
             "last_at": la, "fixes": n, "seconds": (la - f).total_seconds(), "distance_m": 0.0}
            for p, r, d, o, f, la, n in VISITS])
        conn.execute(insert(Case), [
            {"code": code, "status": status, "location_method": "point", "region_id": region,
             "reported_at": datetime(2026, 3, 1), "version": 1}
            for code, region, status in CASES])
        store.bump_data_version(conn)
