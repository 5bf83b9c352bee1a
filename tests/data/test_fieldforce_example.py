"""The generated field-force example (examples/fieldforce/): imported like a real county's
files, it fills every tile of the wall.

The expected figures are counted here from the raw CSV and GeoJSON files with csv, json
and shapely, not with the importers' or the metrics' code.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy import text

from data import case_import, region_import, store, wall
from data.field import assessment, patrol_import, roster
from data.metrics import period_for
from examples.fieldforce.generate import generate
from layouts.wall import TILES as WALL_TILES
from layouts.wall import tile_texts
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "fieldforce"
DATA = EXAMPLE / "data"
LEVELS = ("county", "towns", "communities", "grids")
#: Monday 2026-11-30 10:00 in Asia/Shanghai, the moment the example's files end
NOW = datetime(2026, 11, 30, 2, 0)
MID = datetime(2026, 11, 30, 1, 30)  # 09:30 local: patrols under way
TODAY = date(2026, 11, 30)
MONTH = (date(2026, 11, 1), TODAY)  # the wall's 30 days up to today
#: The roster update's moment: WG026 leaves then (their fixes stop on 2026-11-20)
UPDATED = datetime(2026, 11, 30, 1, 0)
TILES = ("closure_rate", "on_time_closure_rate", "in_grid_resolution_rate",
         "mediation_success_rate", "satisfaction_rate", "patrol_coverage")


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _local_day(stamp: str) -> date | None:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").date() if stamp else None


def _in_month(stamp: str) -> bool:
    day = _local_day(stamp)
    return day is not None and MONTH[0] <= day <= MONTH[1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The example imported once, in the README's order (regions level by level, the roster,
    the GPS fixes, the cases, then the roster a month later): (engine, reports by name).
    The first roster is dated the day before November, as if imported then, so that
    November's assessment has officers on the roster the whole month."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fieldforce") / "ff.sqlite3"
        engine = store.make_engine(f"sqlite:///{path}")
    else:
        engine = request.getfixturevalue("postgres_engine")
        store.drop_all(engine)
    store.init_db(engine)
    reports = {}
    for level in LEVELS:
        reports[level] = region_import.import_regions(
            engine, DATA / f"{level}.geojson", EXAMPLE / f"regions-{level}.toml")
    reports["officers"] = roster.import_officers(
        engine, DATA / "officers.csv", EXAMPLE / "officers.toml", now=UPDATED - timedelta(days=30))
    reports["patrols"] = patrol_import.import_patrols(
        engine, DATA / "patrol_fixes.csv", EXAMPLE / "patrols.toml")
    reports["cases"] = case_import.import_cases(engine, DATA / "cases.csv",
                                                EXAMPLE / "cases.toml")
    reports["update"] = roster.import_officers(
        engine, DATA / "officers_update.csv", EXAMPLE / "officers.toml", now=UPDATED)
    yield engine, reports
    if request.param == "sqlite":
        engine.dispose()


def test_every_file_is_read_whole(imported):
    _, reports = imported
    assert [reports[level].imported for level in LEVELS] == [1, 2, 5, 30]
    assert reports["officers"].imported == len(_rows("officers.csv")) == 28
    assert reports["patrols"].rows_read == len(_rows("patrol_fixes.csv"))
    assert reports["cases"].imported == len(_rows("cases.csv"))
    for name in ("officers", "patrols", "cases", "update"):
        assert reports[name].rejected == 0, name
    update = reports["update"]  # WG027 joined, WG003's phone changed, WG026 left
    assert (update.imported, update.updated, update.unchanged, update.left) == (1, 1, 26, 1)


def test_every_tile_of_the_wall_is_filled(imported):
    engine, _ = imported
    with engine.connect() as conn:
        counters = wall.counters(conn, None, NOW)
        snap = wall.snapshot(conn, None, NOW)
    for key in TILES:
        assert counters[key] is not None, key
        assert snap["counters"][key] == counters[key], key
    # three grids never patrolled: coverage is a share, neither nothing nor everything
    assert 0 < counters["patrol_coverage"] < 1
    assert counters["disputes_mediated"] > 0
    shown = dict(zip([key for key, *_ in WALL_TILES], tile_texts(snap["counters"], "zh")))
    for key in TILES:
        assert shown[key][0] != "—", key


def test_the_rates_equal_a_count_of_the_export(imported):
    """In-grid resolution, mediation success and satisfaction over the wall's 30 days,
    counted from cases.csv by the registry's written definitions."""
    engine, _ = imported
    rows = _rows("cases.csv")
    resolved = [r for r in rows if _in_month(r["办结时间"]) and r["办结层级"]]
    mediated = [r for r in rows if r["大类"] == "矛盾纠纷" and _in_month(r["调解时间"])
                and r["调解结果"]]
    rated = [r for r in rows if _in_month(r["结案时间"])
             and r["满意度"] in ("满意", "基本满意", "不满意")]  # 未接通 is left out
    with engine.connect() as conn:
        counters = wall.counters(conn, None, NOW)
    assert counters["in_grid_resolution_rate"] == pytest.approx(
        sum(r["办结层级"] == "网格" for r in resolved) / len(resolved))
    assert counters["satisfaction_rate"] == pytest.approx(
        sum(r["满意度"] in ("满意", "基本满意") for r in rated) / len(rated))
    assert counters["disputes_mediated"] == len(mediated)
    assert counters["mediation_success_rate"] == pytest.approx(
        sum(r["调解结果"] == "调解成功" for r in mediated) / len(mediated))


def test_todays_patrol_coverage_is_the_grids_with_a_fix_today(imported):
    engine, _ = imported
    features = json.loads((DATA / "grids.geojson").read_text(encoding="utf-8"))["features"]
    grids = [shapely.geometry.shape(f["geometry"]) for f in features]
    visited: set[int] = set()
    for row in _rows("patrol_fixes.csv"):
        if _local_day(row["定位时间"]) == TODAY:
            point = shapely.Point(float(row["经度"]), float(row["纬度"]))
            visited.update(i for i, grid in enumerate(grids) if grid.covers(point))
    assert 0 < len(visited) < len(grids)
    with engine.connect() as conn:
        assert wall.counters(conn, None, NOW)["patrol_coverage"] == pytest.approx(
            len(visited) / len(grids))


def test_officers_on_patrol_are_those_under_way_at_their_last_fix(imported):
    """At 09:30 on the last day patrols are under way (a fix before and a fix after): the
    wall's officer layer shows exactly those officers, each at their last fix so far."""
    engine, _ = imported
    names = {r["人员编号"]: r["姓名"] for r in _rows("officers.csv")}
    moment = "2026-11-30 09:30:00"  # local: MID in UTC
    before: dict[str, tuple[str, float, float]] = {}
    after: set[str] = set()
    for row in _rows("patrol_fixes.csv"):  # sorted by time; fixes are 1-2 minutes apart
        if _local_day(row["定位时间"]) != TODAY:
            continue
        if row["定位时间"] <= moment:
            before[row["人员编号"]] = (row["定位时间"], float(row["经度"]), float(row["纬度"]))
        else:
            after.add(row["人员编号"])
    under_way = set(before) & set(after)  # one patrol each that morning
    assert len(under_way) == 20  # WG017 stopped at 09:27:56: no longer on patrol
    with engine.connect() as conn:
        patrolling = wall.snapshot(conn, None, MID)["patrolling"]
    by_name = {names[code]: before[code] for code in under_way}
    assert sorted(patrolling["name"]) == sorted(by_name)
    for row in patrolling.itertuples():
        _, lon, lat = by_name[row.name]
        assert (row.lon, row.lat) == pytest.approx((lon, lat), abs=1e-6)


def test_the_roster_update_keeps_the_leaver_inactive_with_their_history(imported):
    engine, reports = imported
    with engine.connect() as conn:
        people = roster.roster(conn).reset_index().set_index("code")
        served = roster.served_regions(conn)
        codes = dict(conn.execute(text("SELECT id, code FROM regions")).all())
        patrols = dict(conn.execute(text(
            "SELECT o.code, COUNT(*) FROM patrols p JOIN officers o ON o.id = p.officer_id "
            "GROUP BY o.code")).all())
        visits = conn.execute(text(
            "SELECT COUNT(*) FROM patrol_visits v JOIN officers o ON o.id = v.officer_id "
            "WHERE o.code = 'WG026'")).scalar()
    assert len(people) == 29  # 28, and WG027 who joined; nobody deleted
    leaver = people.loc["WG026"]
    assert not leaver["active"] and leaver["left_at"] is not None
    assert patrols["WG026"] > 0 and visits > 0  # their patrols stay
    assert people.loc["WG027"]["active"] and "WG027" not in patrols
    assert people.loc["WG003"]["phone"] == "10000009999"
    assert int(people["active"].sum()) == 28
    assert {people.loc[c]["role"] for c in ("WGZ01", "MJ01", "WG025", "WG001")} == {
        "grid_head", "police", "part_time", "full_time"}
    ids = dict(zip(people.index, people["officer_id"]))
    regions_of = {officer: sorted(codes[r] for r in group["region_id"])
                  for officer, group in served.groupby("officer_id")}
    assert [ids["WG025"]] == [o for o, regions in regions_of.items() if len(regions) == 2]
    assert regions_of[ids["WG025"]] == ["990101002003001", "990101002003002"]
    assert regions_of[ids["WG001"]] == ["990101001001001"]


def test_the_assessment_of_november_counts_each_officers_days_on_patrol(imported):
    """Patrol days are the local days with a fix (every fix here lies in a grid); the
    leaver is listed as inactive, the newcomer as too little data, the others ranked."""
    engine, _ = imported
    days: dict[str, set[date]] = {}
    for row in _rows("patrol_fixes.csv"):
        days.setdefault(row["人员编号"], set()).add(_local_day(row["定位时间"]))
    period = period_for(*MONTH, ZoneInfo("Asia/Shanghai"))
    with engine.connect() as conn:
        table = assessment.assess(conn, None, period, NOW).set_index("code")
    assert {code: int(n) for code, n in table["patrol_days"].items() if n > 0} == {
        code: len(found) for code, found in days.items()}
    standing = table["standing"].to_dict()
    assert [c for c, s in standing.items() if s == "inactive"] == ["WG026"]
    assert [c for c, s in standing.items() if s == "too_little_data"] == ["WG027"]
    assert sum(s == "ranked" for s in standing.values()) == 27  # 29 on the roster
    assert table.loc["WGZ01", "grids_covered"] == 9  # the 网格长 walks all of 溪口社区


def test_the_committed_files_are_what_the_generator_writes(tmp_path: Path):
    """SOURCES.md says the files are generated: the script must still write them byte
    for byte."""
    generate(tmp_path)
    for made in sorted(tmp_path.iterdir()):
        assert made.read_bytes() == (DATA / made.name).read_bytes(), made.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in DATA.iterdir()
                                                                if p.suffix != ".md")
