"""The patrols import (data/field/patrol_import.py) on the hand-built store of
tests/data/field/track_store.py: fixes cut into patrols by the gap, placed in grids, made
idempotent, joined to stored patrols, refused row by row; and its command line."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.settings import Settings
from data.coords import wgs84_to_gcj02
from data.field.patrol_import import import_patrols
from data.importer import ImportFailed
from data.models import Patrol, PatrolPoint, PatrolVisit
from tests.data.field import track_store
from tests.data.field.track_store import M_PER_MILLIDEGREE as MM

MAPPING = """
[source]
timezone = "Asia/Shanghai"
{crs}
[columns]
officer = "网格员编号"
at = "定位时间"
lon = "经度"
lat = "纬度"
"""
HEADER = ["网格员编号", "定位时间", "经度", "纬度"]
# local (Beijing) times; G1 is lon 0..0.01, G2 0.01..0.02, past 0.02 no grid
FIRST = [
    ["W1", "2026-03-02 10:00:00", "0.005", "0"],   # patrol a: G1
    ["W1", "2026-03-02 10:10:00", "0.008", "0"],
    ["W1", "2026-03-02 10:20:00", "0.012", "0"],   # G2
    ["W1", "2026-03-02 11:00:00", "0.015", "0"],   # 40 min later: patrol b, G2
    ["W1", "2026-03-02 11:05:00", "0.025", "0"],   # outside every grid
    ["W2", "2026-03-02 10:05:00", "0.018", "0"],   # patrol c: G2
    ["W2", "2026-03-02 10:06:00", "0.019", "0"],
]


def _files(tmp_path: Path, rows: list[list[str]], name: str = "fixes.csv",
           crs: str = "") -> tuple[Path, Path]:
    data = tmp_path / name
    with data.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    mapping = tmp_path / "patrols.toml"
    mapping.write_text(MAPPING.format(crs=f'crs = "{crs}"' if crs else ""), encoding="utf-8")
    return data, mapping


def _patrols(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Patrol.officer_id, Patrol.region_id, Patrol.started_at, Patrol.ended_at,
                   Patrol.distance_m).order_by(Patrol.officer_id, Patrol.started_at))]


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_fixes_are_cut_by_the_gap_placed_and_visited(engine, tmp_path):
    track_store.build(engine)
    data, mapping = _files(tmp_path, FIRST)
    report = import_patrols(engine, data, mapping)
    assert (report.rows_read, report.imported, report.unchanged, report.rejected) == (7, 7, 0, 0)
    assert (report.patrols_new, report.patrols_extended, report.outside) == (3, 0, 1)
    patrols = _patrols(engine)
    # UTC = local - 8 h
    assert [p[:4] for p in patrols] == [
        (1, 3, datetime(2026, 3, 2, 2, 0), datetime(2026, 3, 2, 2, 20)),
        (1, 4, datetime(2026, 3, 2, 3, 0), datetime(2026, 3, 2, 3, 5)),
        (2, 4, datetime(2026, 3, 2, 2, 5), datetime(2026, 3, 2, 2, 6)),
    ]
    assert [p[4] for p in patrols] == pytest.approx([7 * MM, 10 * MM, 1 * MM], abs=0.1)
    with engine.connect() as conn:
        visits = conn.execute(select(PatrolVisit.officer_id, PatrolVisit.region_id,
                                     PatrolVisit.day, PatrolVisit.fixes, PatrolVisit.seconds)
                              .order_by(PatrolVisit.officer_id, PatrolVisit.first_at)).all()
    day = date(2026, 3, 2)
    assert [tuple(v) for v in visits] == [(1, 3, day, 2, 600), (1, 4, day, 1, 600),
                                          (1, 4, day, 1, 0), (2, 4, day, 2, 60)]
    assert _count(engine, PatrolPoint) == 7


def test_the_same_file_twice_changes_nothing(engine, tmp_path):
    track_store.build(engine)
    data, mapping = _files(tmp_path, FIRST + [FIRST[0]])  # a row repeated in the file too
    first = import_patrols(engine, data, mapping)
    assert (first.imported, first.unchanged, first.patrols_new) == (7, 1, 3)
    before = (_patrols(engine), _count(engine, PatrolPoint), _count(engine, PatrolVisit))
    again = import_patrols(engine, data, mapping)
    assert (again.imported, again.unchanged, again.patrols_new, again.patrols_extended) == \
        (0, 8, 0, 0)
    assert (_patrols(engine), _count(engine, PatrolPoint), _count(engine, PatrolVisit)) == before


def test_a_second_file_extends_a_stored_patrol_and_never_merges_two(engine, tmp_path):
    track_store.build(engine)
    import_patrols(engine, *_files(tmp_path, FIRST))
    later = [
        ["W1", "2026-03-02 10:30:00", "0.011", "0"],  # 10 min after patrol a's last fix
        ["W1", "2026-03-02 10:45:00", "0.009", "0"],  # 15 min before patrol b: joins a
        ["W1", "2026-03-02 09:35:00", "0.004", "0"],  # 25 min before a began: a starts here
        ["W2", "2026-03-02 12:00:00", "0.018", "0"],  # 114 min after c: a new patrol
    ]
    report = import_patrols(engine, *_files(tmp_path, later, "later.csv"))
    assert (report.imported, report.patrols_new, report.patrols_extended) == (4, 1, 1)
    patrols = _patrols(engine)
    assert [p[:4] for p in patrols] == [
        (1, 3, datetime(2026, 3, 2, 1, 35), datetime(2026, 3, 2, 2, 45)),
        (1, 4, datetime(2026, 3, 2, 3, 0), datetime(2026, 3, 2, 3, 5)),
        (2, 4, datetime(2026, 3, 2, 2, 5), datetime(2026, 3, 2, 2, 6)),
        (2, 4, datetime(2026, 3, 2, 4, 0), datetime(2026, 3, 2, 4, 0)),
    ]
    # a: 0.004 -> 0.005 -> 0.008 -> 0.012 -> 0.011 -> 0.009: 1+3+4+1+2 mdeg
    assert patrols[0][4] == pytest.approx(11 * MM, abs=0.1)
    with engine.connect() as conn:
        visits = conn.execute(select(PatrolVisit.region_id, PatrolVisit.fixes,
                                     PatrolVisit.seconds)
                              .join(Patrol, Patrol.id == PatrolVisit.patrol_id)
                              .where(Patrol.officer_id == 1,
                                     Patrol.started_at == datetime(2026, 3, 2, 1, 35))
                              .order_by(PatrolVisit.region_id)).all()
    # G1: 09:35, 10:00, 10:10, 10:45 (25 + 10 + 15 min); G2: 10:20, 10:30 (10 + 10 min)
    assert [tuple(v) for v in visits] == [(3, 4, 3000), (4, 2, 1200)]


def test_a_patrol_across_local_midnight_and_two_grids_splits_by_day(engine, tmp_path):
    track_store.build(engine)
    rows = [["W1", "2026-03-01 23:50:00", "0.005", "0"],
            ["W1", "2026-03-02 00:05:00", "0.012", "0"],
            ["W1", "2026-03-02 00:10:00", "0.009", "0"]]
    import_patrols(engine, *_files(tmp_path, rows))
    with engine.connect() as conn:
        visits = conn.execute(select(PatrolVisit.region_id, PatrolVisit.day, PatrolVisit.fixes,
                                     PatrolVisit.seconds, PatrolVisit.distance_m)
                              .order_by(PatrolVisit.day, PatrolVisit.region_id)).all()
    assert [tuple(v[:4]) for v in visits] == [(3, date(2026, 3, 1), 1, 0),
                                              (3, date(2026, 3, 2), 1, 300),
                                              (4, date(2026, 3, 2), 1, 900)]
    assert [v[4] for v in visits] == pytest.approx([0, 3 * MM, 7 * MM], abs=0.1)


def test_gcj02_fixes_are_stored_and_placed_in_wgs84(engine, tmp_path):
    track_store.build(engine)
    glon, glat = wgs84_to_gcj02(116.395, 39.910)  # in G4 in WGS-84; east of it in GCJ-02
    assert glon > 116.400
    rows = [["W2", "2026-03-02 10:00:00", f"{float(glon):.7f}", f"{float(glat):.7f}"]]
    report = import_patrols(engine, *_files(tmp_path, rows, crs="GCJ-02"))
    assert report.outside == 0
    with engine.connect() as conn:
        lon, lat = conn.execute(select(PatrolPoint.lon, PatrolPoint.lat)).one()
        region = conn.scalar(select(Patrol.region_id))
    assert (lon, lat) == pytest.approx((116.395, 39.910), abs=1e-6)
    assert region == 6


def test_bad_rows_are_named_and_nothing_is_written(engine, tmp_path):
    track_store.build(engine)
    rows = FIRST + [
        ["W9", "2026-03-02 10:00:00", "0.005", "0"],      # row 9: unknown officer
        ["W1", "2026-03-02 25:00:00", "0.005", "0"],      # row 10: no such time
        ["W1", "2026-03-02 12:00:00", "", ""],            # row 11: no position
        ["W3", "2026-03-02 10:00:00", "0.025", "0"],      # row 12: no grid, no home grid
    ]
    data, mapping = _files(tmp_path, rows)
    with pytest.raises(ImportFailed) as failed:
        import_patrols(engine, data, mapping)
    message = str(failed.value)
    assert "fixes.csv, row 9, column '网格员编号', value 'W9'" in message
    assert "and 3 more bad rows" in message
    assert _count(engine, PatrolPoint) == 0 and _count(engine, Patrol) == 0
    report = import_patrols(engine, data, mapping, skip_bad_rows=True)
    assert (report.imported, report.rejected, report.patrols_new) == (7, 4, 3)
    with open(report.rejects_path, encoding="utf-8-sig") as f:
        rejects = list(csv.DictReader(f))
    assert [r["_row"] for r in rejects] == ["row 9", "row 10", "row 11", "row 12"]
    assert "no officer has this id" in rejects[0]["_error"]
    assert "定位时间" in rejects[1]["_error"]
    assert "longitude and a latitude" in rejects[2]["_error"]
    assert "no home grid" in rejects[3]["_error"]


def test_the_command_line_imports_patrols_with_its_gap(sqlite_engine, tmp_path, capsys):
    track_store.build(sqlite_engine)
    data, mapping = _files(tmp_path, FIRST)
    settings = Settings(database_url=str(sqlite_engine.url))
    assert main(["import", "patrols", str(data), "--mapping", str(mapping),
                 "--gap-minutes", "45"], settings) == 0
    out = capsys.readouterr().out
    assert "导入巡查轨迹" in out and "新建巡查 2" in out  # 40 minutes is within 45
    assert main(["import", "patrols", str(data), "--mapping", str(mapping), "--json"],
                settings) == 0
    assert '"unchanged": 7' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["import", "patrols", str(data), "--mapping", str(mapping),
              "--gap-minutes", "0"], settings)
