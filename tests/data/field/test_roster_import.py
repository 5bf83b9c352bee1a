"""``import_officers``: the roster import on the tiny store's regions (C, T1, T2, G1, G2, G3).

Every expected number is counted by hand from the rows written here."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

from data import store
from data.field.roster import import_officers, roster, served_regions
from data.importer import ImportFailed
from data.models import Case, Officer, Region
from tests import tiny_store

TOML = """
[columns]
external_id = "工号"
name = "姓名"
phone = "电话"
role = "岗位"
region_code = "服务网格"
{extra}
"""
HEADER = ["工号", "姓名", "电话", "岗位", "服务网格"]
ROWS = [
    ["W1", "张伟", "13800000001", "专职网格员", "G1;G2"],  # two grids, home G1
    ["W2", "李娜", "", "兼职", "G2"],
    ["W3", "王芳", "13800000003", "grid_head", "T1"],  # a community/town head
    ["W4", "赵强", "", "社区民警", " G3 ; "],  # spaces and a trailing separator
]
FIRST = datetime(2026, 3, 1, 8)
SECOND = datetime(2026, 3, 8, 8)
THIRD = datetime(2026, 3, 15, 8)


def write_csv(path: Path, rows=ROWS, header=HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_toml(path: Path, extra: str = "") -> Path:
    path.write_text(TOML.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def regions(engine: Engine) -> Engine:
    tiny_store.build(engine)
    return engine


def _roster(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return roster(conn).set_index("code")


def _served(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        served = served_regions(conn)
        codes = dict(conn.execute(select(Officer.id, Officer.code)).all())
        regions = dict(conn.execute(select(Region.id, Region.code)).all())
    out: dict[str, list[str]] = {}
    for officer_id, region_id in served.itertuples(index=False):
        out.setdefault(codes[officer_id], []).append(regions[region_id])
    return out


def test_import_then_reimport_unchanged(regions, tmp_path):
    path, mapping = write_csv(tmp_path / "roster.csv"), write_toml(tmp_path / "m.toml")
    report = import_officers(regions, path, mapping, now=FIRST)
    assert (report.kind, report.rows_read, report.imported, report.updated, report.unchanged,
            report.left, report.rejected) == ("officers", 4, 4, 0, 0, 0, 0)
    frame = _roster(regions)
    assert list(frame.index) == ["W1", "W2", "W3", "W4"]
    assert list(frame["role"]) == ["full_time", "part_time", "grid_head", "police"]
    assert list(frame["active"]) == [True] * 4
    assert list(frame["phone"]) == ["13800000001", None, "13800000003", None]
    assert list(frame["home_region_id"]) == [4, 5, 2, 6]  # G1, G2, T1, G3
    assert frame.at["W1", "joined_at"] == FIRST and frame.at["W1", "left_at"] is None
    assert _served(regions) == {"W1": ["G1", "G2"], "W2": ["G2"], "W3": ["T1"], "W4": ["G3"]}
    again = import_officers(regions, path, mapping, now=SECOND)
    assert (again.imported, again.updated, again.unchanged, again.left) == (0, 0, 4, 0)
    assert _roster(regions).at["W1", "joined_at"] == FIRST


def test_reimport_drops_an_officer_kept_inactive_then_back(regions, tmp_path):
    mapping = write_toml(tmp_path / "m.toml")
    import_officers(regions, write_csv(tmp_path / "a.csv"), mapping, now=FIRST)
    with store.transaction(regions) as conn:  # W2 found a case: history to keep
        w2 = conn.scalar(select(Officer.id).where(Officer.code == "W2"))
        conn.execute(insert(Case).values(code="K9", status="reported", location_method="none",
                                         reported_at=FIRST, officer_id=w2, version=1))
    # W2 leaves; W1 moves to G2 and G3 (home G2) and becomes part-time
    rows = [["W1", "张伟", "13800000001", "兼职网格员", "G2;G3"], ROWS[2], ROWS[3]]
    report = import_officers(regions, write_csv(tmp_path / "b.csv", rows), mapping, now=SECOND)
    assert (report.rows_read, report.imported, report.updated, report.unchanged,
            report.left) == (3, 0, 1, 2, 1)
    frame = _roster(regions)
    assert list(frame.index) == ["W1", "W2", "W3", "W4"]  # never deleted
    assert frame.at["W2", "active"] == False  # noqa: E712 - a numpy bool
    assert frame.at["W2", "left_at"] == SECOND and frame.at["W2", "joined_at"] == FIRST
    assert frame.at["W1", "role"] == "part_time" and frame.at["W1", "home_region_id"] == 5
    assert _served(regions)["W1"] == ["G2", "G3"]
    assert _served(regions)["W2"] == ["G2"]  # where they served stays
    with regions.connect() as conn:
        assert conn.scalar(select(Case.officer_id).where(Case.code == "K9")) == w2
    # the same file again: nothing changes, W2 is not "left" twice
    again = import_officers(regions, tmp_path / "b.csv", mapping, now=THIRD)
    assert (again.imported, again.updated, again.unchanged, again.left) == (0, 0, 3, 0)
    assert _roster(regions).at["W2", "left_at"] == SECOND
    # W2 comes back: active again, left_at cleared, joined_at kept
    back = import_officers(regions, tmp_path / "a.csv", mapping, now=THIRD)
    assert (back.imported, back.updated, back.unchanged, back.left) == (0, 2, 2, 0)
    frame = _roster(regions)
    assert frame.at["W2", "active"] == True  # noqa: E712
    assert frame.at["W2", "left_at"] is None and frame.at["W2", "joined_at"] == FIRST


def test_officers_made_before_the_roster_get_a_row(regions, tmp_path):
    """The demo's or an old store's officers (no roster row): listed -> updated with a row;
    not listed -> made inactive, role "other"."""
    with store.transaction(regions) as conn:
        conn.execute(insert(Officer), [{"code": "W1", "name": "张伟", "region_id": 4},
                                       {"code": "OLD", "name": "老王", "region_id": 6}])
    report = import_officers(regions, write_csv(tmp_path / "r.csv", ROWS[:1]),
                             write_toml(tmp_path / "m.toml"), now=FIRST)
    assert (report.imported, report.updated, report.unchanged, report.left) == (0, 1, 0, 1)
    frame = _roster(regions)
    assert frame.at["W1", "role"] == "full_time" and frame.at["W1", "phone"] == "13800000001"
    assert frame.at["OLD", "role"] == "other" and frame.at["OLD", "active"] == False  # noqa
    assert frame.at["OLD", "left_at"] == FIRST


def test_bad_rows_one_error_each_and_nothing_written(regions, tmp_path):
    rows = [
        ROWS[0],
        ["W2", "李娜", "", "保安", "G2"],  # row 3: unknown role
        ["W3", "王芳", "", "专职", "G1;G9"],  # row 4: unknown region code
        ["", "无名", "", "专职", "G1"],  # row 5: missing id
        ["W1", "张伟二", "", "专职", "G3"],  # row 6: W1 again
        ["W6", "", "", "专职", ";"],  # row 7: no name, no region code
    ]
    path, mapping = write_csv(tmp_path / "bad.csv", rows), write_toml(tmp_path / "m.toml")
    with pytest.raises(ImportFailed) as failed:
        import_officers(regions, path, mapping, now=FIRST)
    message = str(failed.value)
    assert message.startswith("bad.csv, row 3, column '岗位', value '保安': unknown role; "
                              "accepted: full_time, part_time, grid_head, police, other, "
                              "专职网格员, 专职, 兼职网格员, 兼职, 网格长, 社区民警, 其他")
    assert "(and 4 more bad rows; nothing was imported" in message
    with regions.connect() as conn:
        assert conn.scalar(select(Officer.id)) is None
    rejects = tmp_path / "out" / "rejects.csv"
    report = import_officers(regions, path, mapping, skip_bad_rows=True, rejects_path=rejects,
                             now=FIRST)
    assert (report.rows_read, report.imported, report.rejected) == (6, 1, 5)
    bad = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert list(bad["_row"]) == ["row 3", "row 4", "row 5", "row 6", "row 7"]
    assert bad["_error"][1] == ("column '服务网格' value 'G1;G9': unknown region code(s) "
                                "'G9': no region has them (import the regions first)")
    assert bad["_error"][2] == "column '工号' value '': the officer id is empty"
    assert bad["_error"][3] == "column '工号' value 'W1': the same officer id is on row 2"
    assert bad["_error"][4] == ("column '姓名' value '': the officer's name is empty; "
                                "column '服务网格' value ';': no region code: an officer "
                                "serves at least one region")
    assert list(_roster(regions).index) == ["W1"]


def test_rejected_rows_officers_are_not_made_inactive(regions, tmp_path):
    mapping = write_toml(tmp_path / "m.toml")
    import_officers(regions, write_csv(tmp_path / "a.csv"), mapping, now=FIRST)
    rows = [ROWS[0], ["W2", "李娜", "", "保安", "G2"], ROWS[2], ROWS[3]]
    report = import_officers(regions, write_csv(tmp_path / "b.csv", rows), mapping,
                             skip_bad_rows=True, now=SECOND)
    assert (report.rejected, report.unchanged, report.left) == (1, 3, 0)
    assert _roster(regions).at["W2", "active"] == True  # noqa: E712


def test_role_values_and_an_empty_role(regions, tmp_path):
    mapping = write_toml(tmp_path / "m.toml", '[role_values]\n"PT" = "part_time"\n')
    rows = [["W1", "张伟", "", "PT", "G1"], ["W2", "李娜", "", "", "G2"]]
    import_officers(regions, write_csv(tmp_path / "r.csv", rows), mapping, now=FIRST)
    assert list(_roster(regions)["role"]) == ["part_time", "other"]


def test_a_mapping_to_an_unknown_role_is_refused(regions, tmp_path):
    mapping = write_toml(tmp_path / "m.toml", '[role_values]\n"PT" = "intern"\n')
    with pytest.raises(ImportFailed, match=r"\[role_values\] maps to unknown value\(s\) "
                                           r"\{'PT': 'intern'\}"):
        import_officers(regions, write_csv(tmp_path / "r.csv"), mapping)


def test_xlsx(regions, tmp_path):
    path = tmp_path / "roster.xlsx"
    pd.DataFrame(ROWS, columns=HEADER).to_excel(path, index=False)
    report = import_officers(regions, path, write_toml(tmp_path / "m.toml"), now=FIRST)
    assert (report.rows_read, report.imported) == (4, 4)
    assert _served(regions)["W1"] == ["G1", "G2"]
    assert list(_roster(regions)["phone"]) == ["13800000001", None, "13800000003", None]


def test_a_name_longer_than_the_store_keeps_is_a_row_error(regions, tmp_path):
    rows = [["W1", "张" * 101, "", "专职", "G1"]]
    with pytest.raises(ImportFailed, match="101 characters; an officer's name may have at most 100"):
        import_officers(regions, write_csv(tmp_path / "r.csv", rows),
                        write_toml(tmp_path / "m.toml"))
