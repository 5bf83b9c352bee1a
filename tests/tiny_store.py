"""A hand-built store small enough to check by eye: a county with two towns and three grids."""

from __future__ import annotations

from datetime import datetime

from shapely import box, to_wkb
from sqlalchemy import Connection, Engine, insert

from data import store
from data.models import Case, Region

# 2026-03-01 .. 2026-03-10 in UTC is the period the tests ask about.
REGIONS = [
    # id, code, name, depth, parent
    (1, "C", "清源县", 0, None),
    (2, "T1", "城关镇", 1, 1),
    (3, "T2", "青山镇", 1, 1),
    (4, "G1", "城关镇第1网格", 2, 2),
    (5, "G2", "城关镇第2网格", 2, 2),
    (6, "G3", "青山镇第1网格", 2, 3),
]
LEVELS = ["区县", "乡镇街道", "网格"]


def _case(code, region_id, status, reported, closed=None, due=None):
    return {"code": code, "status": status, "location_method": "point", "region_id": region_id,
            "reported_at": reported, "closed_at": closed, "due_at": due, "version": 1}


CASES = [
    # closed on time in G1
    _case("K1", 4, "closed", datetime(2026, 3, 2, 8), datetime(2026, 3, 3, 8), datetime(2026, 3, 5)),
    # open and overdue in G2
    _case("K2", 5, "dispatched", datetime(2026, 3, 2, 9), None, datetime(2026, 3, 4)),
    # closed late in G3
    _case("K3", 6, "closed", datetime(2026, 3, 3, 9), datetime(2026, 3, 9, 9), datetime(2026, 3, 6)),
    # voided in G3
    _case("K4", 6, "voided", datetime(2026, 3, 4, 9)),
]


def build(engine: Engine) -> None:
    """Fill an empty store with :data:`REGIONS` and :data:`CASES` (time zone UTC)."""
    with store.transaction(engine) as conn:
        build_regions(conn)
        conn.execute(insert(Case), CASES)
        store.bump_data_version(conn)


def build_regions(conn: Connection) -> None:
    """The time zone (UTC), the levels and :data:`REGIONS`, no cases."""
    store.set_meta(conn, "timezone", "UTC")
    for depth, name in enumerate(LEVELS):
        store.ensure_level(conn, name, depth)
    conn.execute(insert(Region), [
        {"id": i, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
         "parent_id": parent, "geometry": to_wkb(box(i, 0, i + 1, 1))}
        for i, code, name, depth, parent in REGIONS
    ])
    store.rebuild_region_ancestors(conn)
