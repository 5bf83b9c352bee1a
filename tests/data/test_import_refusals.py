"""Bad input to the imports: each kind is refused with its real cause, or imported whole.

Every file is written here byte by byte into ``tmp_path``; what a message must name (file,
row, line, column, limit) is read off the file as written, not off the importer. A refusal
must leave the store exactly as it was, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import Workbook
from shapely.geometry import box
from sqlalchemy import Engine, text

from dashboard import cli
from dashboard.settings import Settings
from data import case_import, importer, region_import, store
from data.import_checks import DEFAULT_LIMIT, FIELD_LIMITS

CASES_TOML = """
[columns]
external_id = "id"
reported_at = "time"
status = "status"
description = "desc"
category = "kind"
"""
REGIONS_TOML = '[source]\nlevel = "网格"\n[columns]\ncode = "code"\nname = "name"\n'
WKT_TOML = REGIONS_TOML + 'geometry = "wkt"\n'
HEADER = "id,time,status,desc,kind\n"
GOOD = "A1,2026-03-01 08:00,closed,ok,垃圾\n"
SQUARE = [[[116, 39], [116.1, 39], [116.1, 39.1], [116, 39.1], [116, 39]]]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def cases_toml(tmp_path: Path, extra: str = "") -> Path:
    return write(tmp_path / "cases.toml", extra + CASES_TOML)


def refused(engine: Engine, path: Path, mapping: Path, kind: str = "cases", **options) -> str:
    run = case_import.import_cases if kind == "cases" else region_import.import_regions
    with pytest.raises(importer.ImportFailed) as failed:
        run(engine, path, mapping, **options)
    return str(failed.value)


def snapshot(engine: Engine) -> dict[str, list]:
    """Everything an import may write."""
    tables = {"cases": "external_id, status, description, version",
              "case_events": "case_id, action", "regions": "code, name, level, geometry",
              "region_levels": "depth, name", "departments": "code", "meta": "key, value"}
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(text(f"SELECT {cols} FROM {name}"))),
                             key=repr)
                for name, cols in tables.items()}


def feature(code: str, geometry) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": f"网格{code}"},
            "geometry": geometry}


def geojson(path: Path, *features: dict, raw: str | None = None) -> Path:
    return write(path, raw or json.dumps({"type": "FeatureCollection",
                                          "features": list(features)}))


# --- the shape of a CSV row -----------------------------------------------------------------

@pytest.mark.parametrize("row, fields", [
    ("A2,2026-03-02 08:00,closed\n", 3),  # the last two cells missing, values all valid
    ("A2,2026-03-02 08:00,closed,ok,垃圾,extra\n", 6),
])
def test_a_row_of_the_wrong_width_is_refused_naming_line_and_counts(sqlite_engine, tmp_path,
                                                                      row, fields):
    path = write(tmp_path / "c.csv", HEADER + GOOD + row)
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith(f"c.csv, row 3, line 3: {fields} fields, the header has 5")
    assert "nothing was imported" in message


def test_extra_fields_on_the_first_row_are_not_reported_as_a_bad_date(sqlite_engine, tmp_path):
    # pandas took the first column as an index here and blamed the time column
    path = write(tmp_path / "c.csv", HEADER + "A1,2026-03-01 08:00,closed,ok,垃圾,\n" + GOOD)
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith("c.csv, row 2, line 2: 6 fields, the header has 5")
    assert "date" not in message


def test_the_line_is_counted_through_a_multi_line_description(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + 'A1,2026-03-01 08:00,closed,"two\nlines",垃圾\n'
                 + "A2,2026-03-02 08:00\n")
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith("c.csv, row 3, line 4: 2 fields, the header has 5")


def test_skipped_rows_of_the_wrong_width_keep_their_extra_fields(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + GOOD + "A2,2026-03-02 08:00,closed,ok,垃圾,x,y\n"
                 + "A3,2026-03-03 08:00\n")
    rejects = tmp_path / "rejects.csv"
    report = case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path),
                                   skip_bad_rows=True, rejects_path=rejects)
    assert (report.imported, report.rejected) == (1, 2)
    with rejects.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["_row"], r["id"], r["_error"], r["_extra"]) for r in rows] == [
        ("row 3", "A2", "7 fields, the header has 5", "x,y"),
        ("row 4", "A3", "2 fields, the header has 5", "")]


def test_a_quote_never_closed_is_named(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + GOOD + 'A2,2026-03-02 08:00,closed,"oops,垃圾\n'
                 + GOOD.replace("A1", "A3"))
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith("c.csv, the row starting on line 3: not well-formed CSV")
    assert "quote" in message


# --- long cells and control characters --------------------------------------------------------

def test_a_10_mb_field_is_refused_with_row_column_and_limit(sqlite_engine, tmp_path):
    huge = "长" * 10_000_000
    path = write(tmp_path / "c.csv", HEADER + f"A1,2026-03-01 08:00,closed,{huge},垃圾\n")
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith("c.csv, row 2, column 'desc', value '长长")
    assert "10,000,000 characters" in message and "at most 20,000" in message
    assert len(message) < 400  # the value is not printed whole


def test_a_description_at_the_limit_is_imported_whole(sqlite_engine, tmp_path):
    limit = FIELD_LIMITS["description"]
    text_ = "问题" * (limit // 2)
    path = write(tmp_path / "c.csv", HEADER + f"A1,2026-03-01 08:00,closed,{text_},垃圾\n")
    assert case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path)).imported == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT description FROM cases")).scalar() == text_


@pytest.mark.parametrize("row, column, char", [
    ("A1,2026-03-01 08:00,closed,ab\x00cd,垃圾\n", "desc", "NUL (U+0000) at character 3"),
    ("A\x001,2026-03-01 08:00,closed,ok,垃圾\n", "id", "NUL (U+0000) at character 2"),
    ("A1,2026-03-01 08:00,closed,ok,垃\x1b圾\n", "kind", "ESC (U+001B) at character 2"),
    ("A1\t,2026-03-01 08:00,closed,ok,垃圾\n", None, None),  # stripped: imported whole
    ('"A\t1",2026-03-01 08:00,closed,ok,垃圾\n', "id", "a tab (U+0009) at character 2"),
    ('A1,2026-03-01 08:00,closed,ok,"垃\n圾"\n', "kind", "a line break (U+000A)"),
    ("A\u200b1,2026-03-01 08:00,closed,ok,垃圾\n", "id", "a zero-width space (U+200B)"),
])
def test_control_characters_are_refused_where_they_are(engine, tmp_path, row, column, char):
    """NUL: PostgreSQL refuses it, SQLite cut the text short at it; both now refuse it."""
    path = write(tmp_path / "c.csv", HEADER + GOOD.replace("A1", "A0") + row)
    if column is None:
        assert case_import.import_cases(engine, path, cases_toml(tmp_path)).imported == 2
        return
    message = refused(engine, path, cases_toml(tmp_path))
    assert message.startswith(f"c.csv, row 3, column '{column}', value ")
    assert char in message
    assert snapshot(engine)["cases"] == []


def test_tabs_and_line_breaks_in_a_description_are_kept_exactly(engine, tmp_path):
    kept = "第一行\n\t第二行\r\n第三行"
    path = write(tmp_path / "c.csv", HEADER + f'A1,2026-03-01 08:00,closed,"{kept}",垃圾\n')
    assert case_import.import_cases(engine, path, cases_toml(tmp_path)).imported == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT description FROM cases")).scalar() == kept


# --- headers, encodings, empty files ---------------------------------------------------------

def test_a_duplicate_header_the_mapping_uses_is_refused_naming_it(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", "id,time,status,desc,kind,desc\n" + GOOD[:-1] + ",x\n")
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message == ("c.csv: the header names a column the mapping uses more than once "
                       "('desc' is the header of column 4 and column 6); rename one of them "
                       "so it is clear which to import")


def test_a_duplicate_header_the_mapping_does_not_use_is_said(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", "id,time,status,desc,kind,note,note\n" + GOOD[:-1] + ",x,y\n")
    report = case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path))
    assert report.imported == 1
    assert any("'note' more than once" in note for note in report.notes)


@pytest.mark.parametrize("content, reason", [
    (b"", "c.csv: the file is empty"),
    (b"\n\n", "c.csv: the file is empty"),
    (HEADER.encode(), "c.csv: the file has no data rows"),
])
def test_an_empty_file_says_so(sqlite_engine, tmp_path, content, reason):
    path = write(tmp_path / "c.csv", content)
    assert refused(sqlite_engine, path, cases_toml(tmp_path)) == reason


def test_blank_lines_are_skipped_and_counted_and_rows_keep_their_numbers(sqlite_engine,
                                                                         tmp_path):
    path = write(tmp_path / "c.csv", HEADER + GOOD + "\n,,,,\n" + "A2,soon,closed,ok,垃圾\n")
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert message.startswith("c.csv, row 5, column 'time', value 'soon'")
    path = write(tmp_path / "c.csv", HEADER + GOOD + "\n,,,,\n")
    report = case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path))
    assert report.imported == 1 and "c.csv: 2 empty row(s) skipped" in report.notes


def test_a_utf8_file_the_mapping_calls_gbk_is_refused(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", (HEADER + GOOD).encode("utf-8"))
    message = refused(sqlite_engine, path, cases_toml(tmp_path, '[source]\nencoding = "gbk"\n'))
    assert message.startswith("c.csv: the mapping says encoding = 'gbk', but the file is UTF-8")


def test_a_gbk_file_without_encoding_says_what_to_set(sqlite_engine, tmp_path):
    path = write(tmp_path / "c.csv", (HEADER + GOOD).encode("gbk"))
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert "line 2" in message and 'encoding = "gbk"' in message


@pytest.mark.parametrize("data, extra", [
    ((HEADER + GOOD).encode("utf-8-sig"), '[source]\nencoding = "utf-8"\n'),
    ((HEADER + GOOD).replace(",", "\t").encode("utf-16"), ""),  # Excel's "Unicode text"
    ((HEADER + GOOD).replace(",", ";").encode("utf-8"), ""),
])
def test_a_bom_decides_the_encoding_and_the_header_the_delimiter(sqlite_engine, tmp_path, data,
                                                                 extra):
    path = write(tmp_path / "c.txt", data)
    report = case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path, extra))
    assert report.imported == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT external_id, category FROM cases")).one() == ("A1",
                                                                                       "垃圾")


# --- XLSX --------------------------------------------------------------------------------------

def _workbook(path: Path, *rows, merge: str | None = None, sheets: int = 1) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for n in range(1, sheets):
        book.create_sheet(f"sheet{n + 1}")
    book.save(path)
    return path


def test_xlsx_merged_header_cells_are_explained(sqlite_engine, tmp_path):
    path = _workbook(tmp_path / "c.xlsx", ["id", "时间", None, "status", "desc", "kind"],
                     ["", "time", "closed_time", "", "", ""],
                     ["A1", "2026-03-01 08:00", "", "closed", "ok", "垃圾"], merge="B1:C1")
    message = refused(sqlite_engine, path, cases_toml(tmp_path))
    assert "reported_at='time'" in message
    assert "column C of the header row has no name but values below" in message


def test_xlsx_duplicate_header_and_row_numbers(sqlite_engine, tmp_path):
    path = _workbook(tmp_path / "c.xlsx", ["id", "time", "status", "desc", "kind", "kind"],
                     ["A1", "2026-03-01 08:00", "closed", "ok", "垃圾", "x"])
    assert "'kind' is the header of column E and column F" in refused(
        sqlite_engine, path, cases_toml(tmp_path))
    path = _workbook(tmp_path / "d.xlsx", ["id", "time", "status", "desc", "kind"],
                     ["A1", "2026-03-01 08:00", "closed", "ok", "垃圾"], [None] * 5,
                     ["A2", "2026-03-01 08:00", "挂起", "ok", "垃圾"], sheets=2)
    assert refused(sqlite_engine, path, cases_toml(tmp_path)).startswith(
        "d.xlsx, row 4, column 'status', value '挂起'")


def test_xlsx_other_sheets_are_named_in_the_report(sqlite_engine, tmp_path):
    path = _workbook(tmp_path / "c.xlsx", ["id", "time", "status", "desc", "kind"],
                     ["A1", "2026-03-01 08:00", "closed", "ok", "垃圾"], sheets=3)
    report = case_import.import_cases(sqlite_engine, path, cases_toml(tmp_path))
    assert report.imported == 1
    assert "c.xlsx: read its first sheet 'Sheet' only, of 3 ('sheet2', 'sheet3' not read)" \
        in report.notes


# --- region boundaries -----------------------------------------------------------------------

@pytest.mark.parametrize("geometry, reason", [
    (None, "no boundary: the geometry is null"),
    ({"type": "Polygon", "coordinates": []}, "no boundary: the geometry is empty"),
    ({"type": "MultiPolygon", "coordinates": []}, "no boundary: the geometry is empty"),
    ("NAN", "the boundary has coordinates that are not numbers (NaN or infinite)"),
])
def test_a_feature_without_a_real_boundary_is_refused_naming_it(sqlite_engine, tmp_path,
                                                                geometry, reason):
    if geometry == "NAN":
        bad = json.dumps(feature("R2", {"type": "Polygon", "coordinates": [
            [[116, 39], [116.1, 39], [116.1, "N"], [116, 39]]]})).replace('"N"', "NaN")
        path = geojson(tmp_path / "r.geojson", raw='{"type": "FeatureCollection", "features": ['
                       + json.dumps(feature("R1", {"type": "Polygon", "coordinates": SQUARE}))
                       + ", " + bad + "]}")
    else:
        path = geojson(tmp_path / "r.geojson",
                       feature("R1", {"type": "Polygon", "coordinates": SQUARE}),
                       feature("R2", geometry))
    toml = write(tmp_path / "r.toml", REGIONS_TOML)
    message = refused(sqlite_engine, path, toml, "regions")
    assert message == f"r.geojson, feature 2 (code 'R2'), column 'geometry': {reason} " \
                      "(nothing was imported)"
    assert snapshot(sqlite_engine)["regions"] == []


@pytest.mark.parametrize("wkt, reason", [
    ("", "no boundary: the cell is empty"),
    ("POLYGON EMPTY", "no boundary: the geometry is empty"),
    ("POLYGON ((116 39, 116.1 39, nan nan, 116 39))", "not numbers (NaN or infinite)"),
    ("POLYGON ((116 39, 116.1 39", "not a WKT geometry"),
])
def test_a_wkt_row_without_a_real_boundary_is_refused(sqlite_engine, tmp_path, wkt, reason):
    path = write(tmp_path / "r.csv", f'code,name,wkt\nR1,一,"{box(116, 39, 117, 40).wkt}"\n'
                                     f'R2,二,"{wkt}"\n')
    message = refused(sqlite_engine, path, write(tmp_path / "r.toml", WKT_TOML), "regions")
    assert message.startswith("r.csv, row 3 (code 'R2'), column 'wkt'") and reason in message


def test_a_repaired_boundary_is_named_in_the_report(sqlite_engine, tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[116, 39], [116.1, 39.1], [116.1, 39],
                                                  [116, 39.1], [116, 39]]]}
    path = geojson(tmp_path / "r.geojson",
                   feature("R1", {"type": "Polygon", "coordinates": SQUARE}),
                   feature("B7", bowtie))
    report = region_import.import_regions(sqlite_engine, path, write(tmp_path / "r.toml",
                                                                REGIONS_TOML))
    assert (report.imported, report.repaired) == (2, 1)
    assert any("make_valid" in note and "feature 2 (code 'B7'): Self-intersection" in note
               for note in report.notes)


def _shapefile(folder: Path, *, crs: str = "EPSG:4326", encoding: str | None = None) -> Path:
    folder.mkdir()
    frame = gpd.GeoDataFrame({"code": ["S1"], "name": ["城关镇"]},
                             geometry=[box(116, 39, 116.1, 39.1)], crs=crs)
    frame.to_file(folder / "g.shp", encoding=encoding) if encoding else \
        frame.to_file(folder / "g.shp")
    return folder / "g.shp"


@pytest.mark.parametrize("damage, message", [
    ("prj", "g.prj: not a coordinate system pyproj can read (Invalid projection: "),
    ("dbf", "g.shp: g.dbf (its attributes) is missing beside it"),
    ("shx", "g.shp: g.shx (the index of its shapes) is missing beside it"),
])
def test_a_broken_shapefile_names_the_file_at_fault(sqlite_engine, tmp_path, damage, message):
    shp = _shapefile(tmp_path / "shp")
    if damage == "prj":
        write(shp.with_suffix(".prj"), "garbage, not a CRS")
    else:
        shp.with_suffix(f".{damage}").unlink()
    toml = write(tmp_path / "r.toml", REGIONS_TOML)
    assert refused(sqlite_engine, shp, toml, "regions").startswith(message)


def test_a_gbk_dbf_without_cpg_is_refused_and_imports_with_the_encoding(sqlite_engine,
                                                                         tmp_path):
    shp = _shapefile(tmp_path / "shp", encoding="gbk")
    shp.with_suffix(".cpg").unlink()
    toml = write(tmp_path / "r.toml", REGIONS_TOML)
    message = refused(sqlite_engine, shp, toml, "regions")
    assert message.startswith("g.dbf: no .cpg file says which encoding")
    assert "'城关镇'" in message and 'encoding = "gbk"' in message
    toml = write(tmp_path / "r.toml", REGIONS_TOML.replace("[columns]",
                                                          'encoding = "gbk"\n[columns]'))
    assert region_import.import_regions(sqlite_engine, shp, toml).imported == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM regions")).scalar() == "城关镇"


@pytest.mark.parametrize("row, column, reason", [
    ("G1,一网格," + "镇" * 65, "town", "a code has at most 64 characters"),
    ("G1," + "名" * 201 + ",T1", "name", "201 characters; name may have at most 200"),
    ('"G\n1",一网格,T1', "code", "a line break (U+000A)"),
])
def test_region_texts_the_store_cannot_keep_are_refused(sqlite_engine, tmp_path, row, column,
                                                        reason):
    path = write(tmp_path / "r.csv", "code,name,town\n" + row + "\n")
    toml = write(tmp_path / "r.toml", '[source]\nlevel = "网格"\nparent_level = "乡镇"\n'
                                      '[columns]\ncode = "code"\nname = "name"\nparent = "town"\n')
    message = refused(sqlite_engine, path, toml, "regions")
    assert message.startswith(f"r.csv, row 2, column '{column}'") and reason in message


# --- nothing half-written --------------------------------------------------------------------

def _bad_case_files(tmp_path: Path) -> dict[str, Path]:
    changed = GOOD.replace("ok", "changed")  # would update A1 if the import went through
    return {
        "short row": write(tmp_path / "a.csv", HEADER + changed + "A9,2026-03-01 08:00\n"),
        "NUL": write(tmp_path / "b.csv", HEADER + changed + "A9,2026-03-01 08:00,closed,\x00,x\n"),
        "huge": write(tmp_path / "c.csv", HEADER + changed
                      + f"A9,2026-03-01 08:00,closed,{'x' * 20_001},x\n"),
        "duplicate header": write(tmp_path / "d.csv", HEADER[:-1] + ",desc\n" + changed[:-1]
                                  + ",x\n"),
    }


def test_a_refused_import_changes_nothing_in_either_store(engine, tmp_path):
    region_import.import_regions(engine, geojson(tmp_path / "r.geojson", feature(
        "R1", {"type": "Polygon", "coordinates": SQUARE})), write(tmp_path / "r.toml",
                                                                  REGIONS_TOML))
    case_import.import_cases(engine, write(tmp_path / "ok.csv", HEADER + GOOD),
                          cases_toml(tmp_path))
    before = snapshot(engine)
    for kind, path in _bad_case_files(tmp_path).items():
        with pytest.raises(importer.ImportFailed):
            case_import.import_cases(engine, path, cases_toml(tmp_path))
        assert snapshot(engine) == before, kind
    # a boundary file with one good change and one null boundary
    path = geojson(tmp_path / "r2.geojson",
                   feature("R1", {"type": "Polygon", "coordinates": [[[116, 39], [117, 39],
                                                                      [117, 40], [116, 39]]]}),
                   feature("R2", None))
    with pytest.raises(importer.ImportFailed, match="feature 2 \\(code 'R2'\\)"):
        region_import.import_regions(engine, path, write(tmp_path / "r.toml", REGIONS_TOML))
    assert snapshot(engine) == before


# --- the command line --------------------------------------------------------------------------

def test_the_cli_prints_the_real_cause_in_one_line_and_writes_nothing(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    path = write(tmp_path / "c.csv", HEADER + "A1,2026-03-01 08:00,closed,ok,垃圾,extra\n")
    assert cli.main(["import", "cases", str(path), "--mapping", str(cases_toml(tmp_path))],
                    settings) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: c.csv, row 2, line 2: 6 fields, the header has 5 "
                   "(nothing was imported)"]
    shp = _shapefile(tmp_path / "shp")
    shp.with_suffix(".dbf").unlink()
    toml = write(tmp_path / "r.toml", REGIONS_TOML)
    assert cli.main(["import", "regions", str(shp), "--mapping", str(toml)], settings) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: g.shp: g.dbf (its attributes) is missing")
    engine = store.make_engine(settings.database_url)
    assert snapshot(engine)["cases"] == [] and snapshot(engine)["regions"] == []
    engine.dispose()


def test_the_readme_states_every_field_limit():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line.strip() for line in readme.splitlines() if line.strip().startswith("| `")]
    for field_name, limit in FIELD_LIMITS.items():
        assert any(f"`{field_name}`" in row and row.endswith(f"| {limit:,} |")
                   for row in rows), field_name
    assert any(row.startswith("| every other mapped column")
               and row.endswith(f"| {DEFAULT_LIMIT:,} |") for row in rows + [
                   line.strip() for line in readme.splitlines()])


def test_the_cli_names_a_store_refusal_in_one_line(tmp_path, capsys, monkeypatch):
    """Should a value pass the checks and the store still refuse it, the transaction is rolled
    back and the command says so in one line, not a traceback."""
    from sqlalchemy.exc import DataError

    def refuse(*args, **kwargs):
        raise DataError("INSERT ...", {}, Exception("value too long for type character "
                                                    "varying(64)\nCONTEXT: ..."))

    monkeypatch.setattr(case_import, "import_cases", refuse)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    path = write(tmp_path / "c.csv", HEADER + GOOD)
    assert cli.main(["import", "cases", str(path), "--mapping", str(cases_toml(tmp_path))],
                    settings) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "错误：数据库拒绝了这些数据，未写入任何内容：value too long for type character "
        "varying(64)"]  # the store's own reason, as it gave it
    assert cli.main(["--lang", "en", "import", "cases", str(path), "--mapping",
                     str(cases_toml(tmp_path))], settings) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: the store refused the data, and nothing was written: value too long for type "
        "character varying(64)"]
