"""Importing regions and cases: formats, encodings, datums, placement, errors, upserts.

Every test writes its own small files into ``tmp_path``; the expected numbers come from the
files as written here, not from the importer.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import Engine, text

from dashboard import cli
from dashboard.settings import Settings
from data import case_import, coords, importer, region_import

# Two towns side by side near Beijing, three grids; G4 overlaps G3's west part.
T1 = box(116.0, 39.0, 116.5, 39.5)
T2 = box(116.5, 39.0, 117.0, 39.5)
GRIDS = {
    "G1": ("一网格", "T1", box(116.0, 39.0, 116.25, 39.5)),
    "G2": ("二网格", "T1", box(116.25, 39.0, 116.5, 39.5)),
    "G3": ("三网格", "T2", box(116.5, 39.0, 117.0, 39.5)),
    "G4": ("四网格", "T2", box(116.5, 39.0, 116.6, 39.2)),
}
GRID_TOML = """
[source]
level = "网格"
parent_level = "乡镇街道"
[columns]
code = "code"
name = "name"
parent = "town"
"""
CASE_TOML = """
[source]
timezone = "Asia/Shanghai"
{extra}
[columns]
external_id = "编号"
reported_at = "上报时间"
closed_at = "结案时间"
status = "状态"
lon = "经度"
lat = "纬度"
subcategory = "小类"
department = "部门"
source = "来源"
region_code = "区域编码"
address = "地址"

[status_values]
"已结案" = "closed"
"处置中" = "dispatched"
"已作废" = "voided"

[source_values]
"热线" = "hotline"
"巡查" = "patrol"
"""
HEADER = ["编号", "上报时间", "结案时间", "状态", "经度", "纬度", "小类", "部门", "来源",
          "区域编码", "地址"]
ROWS = [
    # G1, closed
    ["A1", "2026-03-01 08:00:00", "2026-03-01 12:00:00", "已结案", "116.1", "39.1", "暴露垃圾",
     "城管局", "巡查", "", "建设路1号"],
    # G2, open
    ["A2", "2026/3/2 9:30", "", "处置中", "116.3", "39.2", "占道经营", "城管局", "热线", "",
     "人民路2号"],
    # in G3 and G4: G3 wins (smaller code), one overlap
    ["A3", "2026-03-03T01:00:00Z", "", "处置中", "116.55", "39.1", "噪声扰民", "环保局", "热线", "",
     ""],
    # no coordinates: placed by its region code
    ["A4", "2026-03-04 10:00", "", "处置中", "", "", "噪声扰民", "环保局", "其他", "G2", ""],
    # no coordinates, no code: unlocated but kept
    ["A5", "2026-03-05 10:00", "2026-03-05 11:00", "已作废", "", "", "", "", "", "", ""],
]


def write_grids(path: Path, grids=GRIDS, driver: str | None = None) -> Path:
    frame = gpd.GeoDataFrame(
        {"code": list(grids), "name": [g[0] for g in grids.values()],
         "town": [g[1] for g in grids.values()]},
        geometry=[g[2] for g in grids.values()], crs="EPSG:4326")
    frame.to_file(path, driver=driver)
    return path


def write_csv(path: Path, rows=ROWS, header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_toml(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def case_toml(tmp_path: Path, extra: str = "") -> Path:
    return write_toml(tmp_path / "cases.toml", CASE_TOML.format(extra=extra))


@pytest.fixture
def regions(engine: Engine, tmp_path: Path) -> Engine:
    """The store with the two towns (created from the grids' parent column) and four grids."""
    region_import.import_regions(engine, write_grids(tmp_path / "grids.geojson"),
                            write_toml(tmp_path / "grids.toml", GRID_TOML))
    return engine


def _count(engine: Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def _plain(series: pd.Series) -> dict:
    """A column as a dict, missing values as None (pandas reads NULL text as NaN)."""
    return {k: (None if pd.isna(v) else v) for k, v in series.items()}


def _cases(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text(
            "SELECT c.external_id, c.status, c.source, c.location_method, r.code AS region, "
            "c.reported_at, c.closed_at, c.voided_at, c.version, c.lon, c.lat, c.address "
            "FROM cases c LEFT JOIN regions r ON r.id = c.region_id ORDER BY c.external_id"),
            conn).set_index("external_id")


# --- regions ----------------------------------------------------------------------------

def test_grids_create_their_towns_with_the_union_of_their_shapes(regions):
    with regions.connect() as conn:
        rows = conn.execute(text(
            "SELECT r.code, r.name, r.level, r.depth, p.code, r.geometry FROM regions r "
            "LEFT JOIN regions p ON p.id = r.parent_id ORDER BY r.code")).all()
    by_code = {r[0]: r for r in rows}
    assert set(by_code) == {"G1", "G2", "G3", "G4", "T1", "T2"}
    assert by_code["G1"][2:5] == ("网格", 1, "T1")
    assert by_code["T1"][2:5] == ("乡镇街道", 0, None)
    town = shapely.from_wkb(by_code["T1"][5])
    assert shapely.equals(town, T1)  # the same area, whatever the vertices


def test_at_location_puts_each_region_under_the_one_that_holds_it(engine, tmp_path):
    towns = tmp_path / "towns.csv"
    write_csv(towns, [["T1", "城关镇", T1.wkt], ["T2", "青山镇", T2.wkt]],
              header=["编码", "名称", "wkt"])
    region_import.import_regions(engine, towns, write_toml(tmp_path / "towns.toml", """
[source]
level = "乡镇街道"
[columns]
code = "编码"
name = "名称"
geometry = "wkt"
"""))
    grids = {k: v for k, v in GRIDS.items() if k != "G4"}
    report = region_import.import_regions(
        engine, write_grids(tmp_path / "grids.shp", grids),
        write_toml(tmp_path / "grids.toml",
                   GRID_TOML.replace('parent = "town"', 'parent = "@location"')))
    assert (report.imported, report.parents_created) == (3, 0)
    with engine.connect() as conn:
        parents = dict(conn.execute(text(
            "SELECT r.code, p.code FROM regions r JOIN regions p ON p.id = r.parent_id")).all())
    assert parents == {"G1": "T1", "G2": "T1", "G3": "T2"}


def test_a_line_is_not_a_boundary_and_a_bowtie_is_repaired(engine, tmp_path):
    features = [
        {"type": "Feature", "properties": {"code": "B1", "name": "蝴蝶"},
         "geometry": {"type": "Polygon", "coordinates": [[[116, 39], [116.1, 39.1], [116.1, 39],
                                                           [116, 39.1], [116, 39]]]}},
        {"type": "Feature", "properties": {"code": "L1", "name": "线"},
         "geometry": {"type": "LineString", "coordinates": [[116, 39], [116.1, 39.1]]}},
    ]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    toml = write_toml(tmp_path / "r.toml", '[source]\nlevel = "网格"\n[columns]\n'
                                           'code = "code"\nname = "name"\n')
    with pytest.raises(importer.ImportFailed) as failed:
        region_import.import_regions(engine, path, toml)
    message = str(failed.value)
    assert "bad.geojson" in message and "feature 2" in message and "LineString" in message
    assert _count(engine, "SELECT COUNT(*) FROM regions") == 0
    report = region_import.import_regions(engine, path, toml, skip_bad_rows=True)
    assert (report.imported, report.repaired, report.rejected) == (1, 1, 1)


def test_duplicate_region_codes_are_named(engine, tmp_path):
    path = write_csv(tmp_path / "r.csv", [["X", "甲"], ["Y", "乙"], ["X", "丙"]],
                     header=["code", "name"])
    toml = write_toml(tmp_path / "r.toml", '[source]\nlevel = "网格"\n[columns]\n'
                                           'code = "code"\nname = "name"\n')
    with pytest.raises(importer.ImportFailed, match=r"r\.csv, row 4, column 'code', value 'X': "
                                                    r"the same code is on row 2"):
        region_import.import_regions(engine, path, toml)


# --- cases: formats and encodings ---------------------------------------------------------------

def _assert_the_five_cases(engine: Engine, report) -> None:
    assert (report.rows_read, report.imported, report.rejected) == (5, 5, 0)
    assert (report.located_by_point, report.located_by_code, report.unlocated) == (3, 1, 1)
    assert report.overlaps == 1
    cases = _cases(engine)
    assert _plain(cases["region"]) == {"A1": "G1", "A2": "G2", "A3": "G3", "A4": "G2",
                                         "A5": None}
    assert cases["location_method"].to_dict() == {"A1": "point", "A2": "point", "A3": "point",
                                                  "A4": "code", "A5": "none"}
    assert cases["status"].to_dict() == {"A1": "closed", "A2": "dispatched", "A3": "dispatched",
                                         "A4": "dispatched", "A5": "voided"}
    assert _plain(cases["source"]) == {"A1": "patrol", "A2": "hotline", "A3": "hotline",
                                         "A4": "other", "A5": None}
    reported = pd.to_datetime(cases["reported_at"], format="mixed")
    # Asia/Shanghai is UTC+8; "Z" is already UTC
    assert reported["A1"] == pd.Timestamp("2026-03-01 00:00:00")
    assert reported["A2"] == pd.Timestamp("2026-03-02 01:30:00")
    assert reported["A3"] == pd.Timestamp("2026-03-03 01:00:00")
    assert pd.Timestamp(cases.at["A1", "closed_at"]) == pd.Timestamp("2026-03-01 04:00:00")
    assert pd.Timestamp(cases.at["A5", "voided_at"]) == pd.Timestamp("2026-03-05 03:00:00")
    assert cases.at["A1", "address"] == "建设路1号"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding(regions, tmp_path, encoding):
    path = write_csv(tmp_path / "cases.csv", encoding=encoding)
    extra = f'encoding = "{encoding}"' if encoding == "gbk" else ""
    report = case_import.import_cases(regions, path, case_toml(tmp_path, extra))
    _assert_the_five_cases(regions, report)


def test_gbk_read_as_utf8_says_which_encoding_to_set(regions, tmp_path):
    path = write_csv(tmp_path / "cases.csv", encoding="gbk")
    with pytest.raises(importer.ImportFailed) as failed:
        case_import.import_cases(regions, path, case_toml(tmp_path))
    message = str(failed.value)
    assert "cases.csv" in message and "utf-8" in message and 'encoding = "gbk"' in message


def test_xlsx(regions, tmp_path):
    path = tmp_path / "cases.xlsx"
    pd.DataFrame(ROWS, columns=HEADER).to_excel(path, index=False)
    _assert_the_five_cases(regions, case_import.import_cases(regions, path, case_toml(tmp_path)))


def test_geojson_cases(regions, tmp_path):
    frame = pd.DataFrame(ROWS, columns=HEADER)
    features = [{"type": "Feature", "properties": row, "geometry": None}
                for row in frame.to_dict("records")]
    path = tmp_path / "cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    _assert_the_five_cases(regions, case_import.import_cases(regions, path, case_toml(tmp_path)))


def test_unsupported_file_type(regions, tmp_path):
    path = tmp_path / "cases.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(importer.ImportFailed, match="unsupported file type .pdf"):
        case_import.import_cases(regions, path, case_toml(tmp_path))


# --- cases: bad input -------------------------------------------------------------------------

def test_missing_column_names_it_and_lists_what_is_there(regions, tmp_path):
    header = [h if h != "状态" else "status" for h in HEADER]
    path = write_csv(tmp_path / "cases.csv", header=header)
    with pytest.raises(importer.ImportFailed) as failed:
        case_import.import_cases(regions, path, case_toml(tmp_path))
    message = str(failed.value)
    assert "status='状态'" in message and "'status'" in message and "'编号'" in message


@pytest.mark.parametrize("column, value, reason", [
    (1, "yesterday", "not a date and time"),
    (3, "挂起", "unknown status"),
    (4, "east", "not a number"),
    (5, "95.0", "outside -90..90"),
])
def test_a_bad_value_is_named_and_nothing_is_written(regions, tmp_path, column, value, reason):
    rows = [list(r) for r in ROWS]
    rows[2][column] = value
    path = write_csv(tmp_path / "cases.csv", rows)
    with pytest.raises(importer.ImportFailed) as failed:
        case_import.import_cases(regions, path, case_toml(tmp_path))
    message = str(failed.value)
    assert f"cases.csv, row 4, column '{HEADER[column]}', value '{value}'" in message
    assert reason in message and "nothing was imported" in message
    assert _count(regions, "SELECT COUNT(*) FROM cases") == 0
    assert _count(regions, "SELECT COUNT(*) FROM case_events") == 0


def test_an_unknown_status_lists_the_known_ones(regions, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][3] = "挂起"
    with pytest.raises(importer.ImportFailed, match=r"know \['处置中', '已作废', '已结案'\]"):
        case_import.import_cases(regions, write_csv(tmp_path / "c.csv", rows), case_toml(tmp_path))


def test_skip_bad_rows_imports_the_rest_and_writes_the_rejects(regions, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][1] = "2026-13-45"
    rows[3][3] = "不知道"
    path = write_csv(tmp_path / "cases.csv", rows)
    rejects = tmp_path / "out" / "rejects.csv"
    report = case_import.import_cases(regions, path, case_toml(tmp_path), skip_bad_rows=True,
                                   rejects_path=rejects)
    assert (report.imported, report.rejected) == (3, 2)
    assert set(_cases(regions).index) == {"A1", "A3", "A5"}
    with rejects.open(encoding="utf-8-sig") as handle:
        bad = list(csv.DictReader(handle))
    assert [(r["_row"], r["编号"]) for r in bad] == [("row 3", "A2"), ("row 5", "A4")]
    assert "2026-13-45" in bad[0]["_error"] and "上报时间" in bad[0]["_error"]
    assert "unknown status" in bad[1]["_error"]
    # by default the rejects go next to the input
    case_import.import_cases(regions, path, case_toml(tmp_path), skip_bad_rows=True)
    assert (tmp_path / "cases.rejects.csv").is_file()


def test_a_format_for_day_first_times(regions, tmp_path):
    rows = [list(r) for r in ROWS[:1]]
    rows[0][1], rows[0][2] = "05.03.2026 08:00", "05.03.2026 09:30"
    toml = case_toml(tmp_path).read_text() + \
        '\n[formats]\nreported_at = "%d.%m.%Y %H:%M"\nclosed_at = "%d.%m.%Y %H:%M"\n'
    report = case_import.import_cases(regions, write_csv(tmp_path / "c.csv", rows),
                                   write_toml(tmp_path / "f.toml", toml))
    assert report.imported == 1
    got = pd.Timestamp(_cases(regions).at["A1", "reported_at"])
    assert got == pd.Timestamp("2026-03-05 00:00:00")


@pytest.mark.parametrize("content, match", [
    ("[source\n", "not valid TOML"),
    ('[columns]\nexternal_id = "a"\nreported_at = "b"\n', r"must name the source column of \['status'\]"),
    ('[colums]\n', "unknown section"),
    ('[columns]\nexternal_id = "a"\nreported_at = "b"\nstatus = "c"\nwhen = "d"\n',
     r"unknown key\(s\) \['when'\]"),
    ('[columns]\nexternal_id = "a"\nreported_at = "b"\nstatus = "c"\n[status_values]\n'
     'x = "done"\n', "unknown status"),
    ('[source]\ncrs = "EPSG:99999999"\n[columns]\nexternal_id = "a"\nreported_at = "b"\n'
     'status = "c"\n', "crs"),
])
def test_mapping_mistakes_are_explained(regions, tmp_path, content, match):
    path = write_csv(tmp_path / "cases.csv")
    with pytest.raises(importer.ImportFailed, match=match):
        case_import.import_cases(regions, path, write_toml(tmp_path / "m.toml", content))


# --- cases: upsert ----------------------------------------------------------------------------

def test_the_same_file_twice_changes_nothing_and_a_change_is_an_update(regions, tmp_path):
    path = write_csv(tmp_path / "cases.csv")
    toml = case_toml(tmp_path)
    case_import.import_cases(regions, path, toml)
    events = _count(regions, "SELECT COUNT(*) FROM case_events")
    again = case_import.import_cases(regions, path, toml)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 5)
    assert _count(regions, "SELECT COUNT(*) FROM case_events") == events
    rows = [list(r) for r in ROWS]
    rows[1][2], rows[1][3] = "2026-03-02 18:00", "已结案"  # A2 closed since
    changed = case_import.import_cases(regions, write_csv(path, rows), toml)
    assert (changed.imported, changed.updated, changed.unchanged) == (0, 1, 4)
    cases = _cases(regions)
    assert cases.at["A2", "status"] == "closed" and cases.at["A2", "version"] == 2
    assert cases.at["A1", "version"] == 1
    assert _count(regions, "SELECT COUNT(*) FROM case_events") == events + 1


# --- coordinates in China's datums ----------------------------------------------------------------

def test_gcj02_forward_matches_the_published_reference_and_inverts():
    # Tiananmen: WGS-84 (116.397428, 39.90923) is GCJ-02 (116.403672, 39.910637) on AutoNavi
    lon, lat = coords.wgs84_to_gcj02(116.397428, 39.90923)
    assert abs(lon - 116.403672) < 2e-4 and abs(lat - 39.910637) < 2e-4
    rng = np.random.default_rng(1)
    wlon, wlat = rng.uniform(75, 135, 200), rng.uniform(18, 53, 200)
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(wlon, wlat))
    assert np.abs(back[0] - wlon).max() < 1e-7 and np.abs(back[1] - wlat).max() < 1e-7
    bd = coords.gcj02_to_bd09(*coords.wgs84_to_gcj02(wlon, wlat))
    back = coords.to_wgs84(*bd, coords.BD09)
    assert np.abs(back[0] - wlon).max() < 1e-6 and np.abs(back[1] - wlat).max() < 1e-6
    # outside China nothing moves
    assert coords.wgs84_to_gcj02(-118.25, 34.05) == (-118.25, 34.05)


@pytest.mark.parametrize("crs, forward", [
    ("GCJ-02", lambda lon, lat: coords.wgs84_to_gcj02(lon, lat)),
    ("BD-09", lambda lon, lat: coords.gcj02_to_bd09(*coords.wgs84_to_gcj02(lon, lat))),
])
def test_cases_in_a_chinese_datum_land_where_they_really_are(regions, tmp_path, crs, forward):
    # 0.002° west of the G1/G2 line in WGS-84; the datum shifts it ~0.006° east, into G2
    wlon, wlat = 116.248, 39.3
    lon, lat = forward(wlon, wlat)
    assert float(lon) > 116.25
    rows = [list(ROWS[0])]
    rows[0][4], rows[0][5] = f"{float(lon):.7f}", f"{float(lat):.7f}"
    path = write_csv(tmp_path / "c.csv", rows)
    case_import.import_cases(regions, path, case_toml(tmp_path, f'crs = "{crs}"'))
    cases = _cases(regions)
    assert cases.at["A1", "region"] == "G1"
    assert abs(cases.at["A1", "lon"] - wlon) < 1e-5 and abs(cases.at["A1", "lat"] - wlat) < 1e-5


# --- the command line -----------------------------------------------------------------------------

def test_cli_import_reports_and_fails_with_one_line(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    grids = write_grids(tmp_path / "grids.geojson")
    gtoml = write_toml(tmp_path / "grids.toml", GRID_TOML)
    assert cli.main(["import", "regions", str(grids), "--mapping", str(gtoml)], settings) == 0
    assert "新增 4" in capsys.readouterr().out  # Chinese summary by default
    path = write_csv(tmp_path / "cases.csv")
    assert cli.main(["import", "cases", str(path), "--mapping", str(case_toml(tmp_path)),
                     "--json"], settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == 5 and report["unlocated"] == 1 and report["overlaps"] == 1
    rows = [list(r) for r in ROWS]
    rows[4][1] = "soon"
    write_csv(path, rows)
    assert cli.main(["import", "cases", str(path), "--mapping", str(case_toml(tmp_path))],
                    settings) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: cases.csv, row 6, column '上报时间'")
    assert cli.main(["import", "cases", str(tmp_path / "nope.csv"), "--mapping",
                     str(case_toml(tmp_path))], settings) == 2
    assert "file not found" in capsys.readouterr().err


def test_points_on_the_demo_grid_line_are_counted_once(regions, tmp_path):
    """A point exactly on the G1/G2 line touches both: the smaller code takes it."""
    rows = [list(ROWS[0])]
    rows[0][4], rows[0][5] = "116.25", "39.3"
    report = case_import.import_cases(regions, write_csv(tmp_path / "c.csv", rows),
                                   case_toml(tmp_path))
    assert report.overlaps == 1 and _cases(regions).at["A1", "region"] == "G1"


def test_a_projected_shapefile_is_brought_back_to_longitude_latitude(engine, tmp_path):
    frame = gpd.GeoDataFrame({"code": ["P1"], "name": ["投影网格"]}, geometry=[T1],
                             crs="EPSG:4326").to_crs("EPSG:3857")
    frame.to_file(tmp_path / "projected.shp")
    report = region_import.import_regions(
        engine, tmp_path / "projected.shp",
        write_toml(tmp_path / "r.toml", '[source]\nlevel = "网格"\n[columns]\n'
                                        'code = "code"\nname = "name"\n'))
    assert report.imported == 1
    with engine.connect() as conn:
        stored = shapely.from_wkb(conn.execute(text("SELECT geometry FROM regions")).scalar())
    assert shapely.symmetric_difference(stored, T1).area < 1e-9


def test_case_coordinates_in_a_projected_system(regions, tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(116.1, 39.1)
    rows = [list(ROWS[0])]
    rows[0][4], rows[0][5] = f"{x:.3f}", f"{y:.3f}"
    # metres are far outside ±180: with the right crs they are not an error
    report = case_import.import_cases(regions, write_csv(tmp_path / "c.csv", rows),
                                   case_toml(tmp_path, 'crs = "EPSG:3857"'))
    assert report.imported == 1 and _cases(regions).at["A1", "region"] == "G1"
