"""How long one new case costs (not a test):
``python -m tests.data.intake.timing [GRIDS [CASES [URL]]]``.

Builds a store of GRIDS square grids (default 1,000) under ten towns, with the category
table, and times placing a point, a preview and create_case (no photos), CASES of each. The
store is a new SQLite file, or the database at URL (emptied first: never a real one).
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from datetime import timedelta

from shapely import box, to_wkb
from sqlalchemy import insert

from data import schema, store
from data.intake.create import create_case, preview
from data.intake.placement import place
from data.models import Category, Department, Region
from tests.data.intake.intake_store import DESK, NOW, new_case

SIDE = 0.005  # degrees, about 500 m


def build(engine, grids: int) -> None:
    """``grids`` grids in a square block, row by row."""
    per_row = math.ceil(math.sqrt(grids))
    rows = [{"id": 1, "code": "C", "name": "县", "level": "区县", "depth": 0,
             "parent_id": None, "geometry": None}]
    rows += [{"id": 2 + t, "code": f"T{t:02d}", "name": f"第{t}镇", "level": "乡镇街道",
              "depth": 1, "parent_id": 1, "geometry": None} for t in range(10)]
    for g in range(grids):
        x, y = 116 + (g % per_row) * SIDE, 39.9 + (g // per_row) * SIDE
        rows.append({"id": 20 + g, "code": f"G{g:05d}", "name": f"第{g}网格", "level": "网格",
                     "depth": 2, "parent_id": 2 + g % 10,
                     "geometry": to_wkb(box(x, y, x + SIDE, y + SIDE))})
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
        conn.execute(insert(Region), rows)
        store.rebuild_region_ancestors(conn)
        store.bump_regions_version(conn)
        conn.execute(insert(Department).values(id=1, code="ZJJ", name="住建局"))
        conn.execute(insert(Category), [
            {"code": "C01", "case_class": schema.INCIDENT, "category": "市容", "subcategory":
             "占道经营", "department_id": 1, "time_limit": 2.0, "time_unit": schema.HOURS},
            {"code": "C02", "case_class": schema.FACILITY, "category": "道路", "subcategory":
             "道路破损", "department_id": 1, "time_limit": 3.0,
             "time_unit": schema.WORKING_DAYS}])


def main(grids: int = 1000, cases: int = 500, url: str | None = None) -> None:
    engine = store.make_engine(url or f"sqlite:///{tempfile.mkdtemp()}/timing.sqlite3")
    store.drop_all(engine)
    store.init_db(engine)
    build(engine, grids)
    rng = random.Random(13)
    per_row = math.ceil(math.sqrt(grids))
    corners = [(116 + (g % per_row) * SIDE, 39.9 + (g // per_row) * SIDE)
               for g in (rng.randrange(grids) for _ in range(cases))]
    points = [(x + rng.uniform(0, SIDE), y + rng.uniform(0, SIDE)) for x, y in corners]
    with engine.connect() as conn:
        place(conn, lon=points[0][0], lat=points[0][1])  # reads the boundaries once
        began = time.perf_counter()
        for lon, lat in points:
            place(conn, lon=lon, lat=lat)
        placing = (time.perf_counter() - began) / cases
        began = time.perf_counter()
        for lon, lat in points:
            preview(conn, new_case(lon=lon, lat=lat), DESK, NOW)
        previewing = (time.perf_counter() - began) / cases
    began = time.perf_counter()
    for i, (lon, lat) in enumerate(points):
        create_case(engine, new_case(lon=lon, lat=lat, service_code=f"C0{1 + i % 2}"), DESK,
                    NOW + timedelta(seconds=i))
    creating = (time.perf_counter() - began) / cases
    print(f"{engine.dialect.name}, {grids} grids, {cases} cases: place {placing * 1e3:.3f} ms, "
          f"preview {previewing * 1e3:.2f} ms, create_case {creating * 1e3:.2f} ms "
          f"({1 / creating:.0f} cases/s)")


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:3]]
    main(*numbers, *sys.argv[3:4])
