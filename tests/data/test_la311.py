"""The shipped Los Angeles example: real boundaries and 10,000 real 311 requests.

Where each request should land is worked out here independently, with json, csv and shapely
over the raw files, not with the importer's code.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime

import pytest
import shapely
from sqlalchemy import Engine, text

from data import report, store, wall
from layouts.wall import TILES, tile_texts
from tests.conftest import LA311, load_la311

DATA = LA311 / "data"
BOUNDARIES = DATA / "nc-boundary-geojson-2021-01-22.json"
REQUESTS = DATA / "requests.csv"


def _load(engine: Engine):
    return load_la311(engine)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The example imported once into an empty store, on SQLite and on PostgreSQL:
    (engine, regions report, cases report). The tests below only read it, except the
    last, which imports it again and checks that nothing changed."""
    if request.param == "sqlite":
        engine = store.make_engine(f"sqlite:///{tmp_path_factory.mktemp('la') / 'la.sqlite3'}")
    else:
        engine = request.getfixturevalue("postgres_engine")
        store.drop_all(engine)
    store.init_db(engine)
    regions, cases = _load(engine)
    yield engine, regions, cases
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture(scope="module")
def expected() -> dict[str, object]:
    """Per-council counts from a plain point-in-polygon pass over the raw files.

    The rule written in the importer's documentation: the deepest region whose boundary
    covers the point; where councils overlap, the smallest code; a request outside every
    council goes by its ``nc`` code if a council has it; otherwise it is unlocated.
    """
    features = json.loads(BOUNDARIES.read_text())["features"]
    councils = {f["properties"]["nc_id"]: shapely.geometry.shape(f["geometry"]) for f in features}
    service = {f["properties"]["nc_id"]: f["properties"]["service_re"] for f in features}
    for geom in councils.values():
        shapely.prepare(geom)
    per_council: Counter[str] = Counter()
    unlocated = overlaps = 0
    with REQUESTS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        home = None
        if row["longitude"] and row["latitude"]:
            point = shapely.Point(float(row["longitude"]), float(row["latitude"]))
            hits = sorted(code for code, geom in councils.items() if geom.intersects(point))
            if hits:
                home = hits[0]
                overlaps += len(hits) > 1
        if home is None and row["nc"] in councils:
            home = row["nc"]
        if home is None:
            unlocated += 1
        else:
            per_council[home] += 1
    return {"per_council": per_council, "unlocated": unlocated, "overlaps": overlaps,
            "rows": len(rows), "service": service, "councils": len(councils),
            "statuses": Counter(r["status"] for r in rows)}


def test_la_regions_make_twelve_service_regions_over_99_councils(imported, expected):
    engine, report, _ = imported
    assert report.rows_read == 99 and report.imported == 99
    assert report.parents_created == 12
    with engine.connect() as conn:
        levels = conn.execute(text("SELECT depth, name FROM region_levels ORDER BY depth")).all()
        assert [tuple(r) for r in levels] == [(0, "Service Region"), (1, "Neighborhood Council")]
        pairs = conn.execute(text(
            "SELECT c.code, p.code FROM regions c JOIN regions p ON p.id = c.parent_id")).all()
        tz = conn.execute(text("SELECT value FROM meta WHERE key = 'timezone'")).scalar()
    assert dict(pairs) == expected["service"]
    assert tz == "America/Los_Angeles"


def test_la_cases_land_where_an_independent_count_puts_them(imported, expected):
    engine, _, report = imported
    assert report.rows_read == expected["rows"] == 10_000
    assert report.imported == 10_000 and report.rejected == 0
    assert report.unlocated == expected["unlocated"]
    assert report.overlaps == expected["overlaps"]
    with engine.connect() as conn:
        stored = dict(conn.execute(text(
            "SELECT r.code, COUNT(*) FROM cases c JOIN regions r ON r.id = c.region_id "
            "GROUP BY r.code")).all())
        unlocated = conn.execute(text(
            "SELECT COUNT(*) FROM cases WHERE region_id IS NULL AND location_method = 'none'"
        )).scalar()
        statuses = dict(conn.execute(text(
            "SELECT status, COUNT(*) FROM cases GROUP BY status")).all())
    assert stored == dict(expected["per_council"])
    assert unlocated == expected["unlocated"]
    raw = expected["statuses"]
    assert statuses["closed"] == raw["Closed"]
    assert statuses["voided"] == raw["Cancelled"]
    assert statuses["dispatched"] == raw["Pending"] + raw["Referred Out"]


def test_la_summary_per_service_region_adds_up(imported, expected):
    engine, _, _ = imported
    summary = report.summarize(engine)  # old data: the last 30 days up to it
    assert summary["period"]["anchored_to_latest_case"] is True
    assert summary["period"]["to"] == "2020-01-03"
    assert summary["metrics"]["reported"] == 10_000
    by_service: Counter[str] = Counter()
    for council, count in expected["per_council"].items():
        by_service[expected["service"][council]] += count
    got = {c["code"]: c["metrics"]["reported"] for c in summary["children"]}
    assert got == dict(by_service)
    # councils are ordered naturally: REGION 2 before REGION 10
    codes = [c["code"] for c in summary["children"]]
    assert codes.index("REGION 2 - NORTH WEST VALLEY") < codes.index("REGION 10 - SOUTH LA 1")
    assert summary["metrics"]["patrol_coverage"] is None  # LA records no patrols


def test_la_wall_shows_what_it_cannot_know_as_a_dash(imported):
    """LA's export records no resolved level, mediation, return visit, patrol or deadline:
    those tiles read "—", never 0% or 100%."""
    engine, _, _ = imported
    with engine.connect() as conn:
        now, anchored = wall.data_now(conn, datetime(2026, 12, 1))
        counters = wall.counters(conn, None, now)
    assert anchored and now.date() == datetime(2020, 1, 4).date()  # 2020-01-03 local, in UTC
    unknown = ("in_grid_resolution_rate", "mediation_success_rate", "satisfaction_rate",
               "patrol_coverage")
    shown = dict(zip([key for key, *_ in TILES], tile_texts(counters, "zh")))
    for key in unknown:
        assert counters[key] is None, key
        assert shown[key][0] == "—", key
    # no category table, so no deadlines: the figures that stand on them are unknown, and
    # say why (issue 17), not closed / closed = 100% and 0 overdue of 5,907 open cases
    assert counters["open"] > 5000
    for key in ("closure_rate", "on_time_closure_rate", "overdue"):
        assert counters[key] is None, key
        assert shown[key][:2] == ["—", "无处置时限"], key
        assert "导入分类表" in shown[key][2], key
    assert counters["deadline_coverage"] == counters["open_deadline_coverage"] == 0.0


def test_la_second_import_changes_nothing(imported):
    """Last in the module: it imports the shared store's files a second time."""
    engine, _, _ = imported
    with engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*), SUM(version) FROM cases")).one()
        events = conn.execute(text("SELECT COUNT(*) FROM case_events")).scalar()
    regions, cases = _load(engine)
    assert (regions.imported, regions.updated, regions.unchanged) == (0, 0, 99)
    assert regions.parents_created == 0
    assert (cases.imported, cases.updated, cases.unchanged) == (0, 0, 10_000)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*), SUM(version) FROM cases")).one() == before
        assert conn.execute(text("SELECT COUNT(*) FROM case_events")).scalar() == events
        assert conn.execute(text("SELECT COUNT(*) FROM regions")).scalar() == 111
