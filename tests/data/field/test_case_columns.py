"""The case import's field-force columns: resolved level, mediation, return visit, officer.

The store: the tiny store's regions (time zone UTC), a dispute subcategory 邻里纠纷 in the
category table, officer W1. Every expected value is read off the rows written here."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select, text, update

from data import case_import, schema, store
from data.importer import ImportFailed
from data.models import Case, Category, Mediation, Officer, ReturnVisit
from tests import tiny_store

TOML = """
[source]
timezone = "UTC"
[columns]
external_id = "编号"
reported_at = "上报时间"
closed_at = "结案时间"
status = "状态"
subcategory = "小类"
region_code = "区域编码"
resolved_level = "解决层级"
mediation_outcome = "调解结果"
mediated_at = "调解时间"
mediation_kind = "调解类型"
satisfaction = "满意度"
visited_at = "回访时间"
officer = "网格员"
[status_values]
"已结案" = "closed"
"处置中" = "dispatched"
{extra}
"""
HEADER = ["编号", "上报时间", "结案时间", "状态", "小类", "区域编码", "解决层级", "调解结果",
          "调解时间", "调解类型", "满意度", "回访时间", "网格员"]
ROWS = [
    ["D1", "2026-03-01 08:00", "2026-03-03 09:00", "已结案", "邻里纠纷", "G1", "网格", "调解成功",
     "2026-03-02 10:00", "人民调解", "满意", "2026-03-04 09:00", "W1"],
    # no mediated_at: dated by its resolve time (= its close time); a visit not reached,
    # dated by its close time
    ["D2", "2026-03-01 09:00", "2026-03-03 12:00", "已结案", "邻里纠纷", "G2", "community",
     "调解不成功", "", "", "未接通", "", ""],
    # open: mediated (referred), no visit
    ["D3", "2026-03-02 08:00", "", "处置中", "邻里纠纷", "G3", "", "仲裁", "2026-03-03 15:00",
     "诉前调解", "", "", "W1"],
    # not in the category table: the mediation it carries makes it a dispute
    ["I1", "2026-03-02 09:00", "2026-03-05 10:00", "已结案", "暴露垃圾", "G1", "乡镇街道",
     "success", "", "", "基本满意", "", ""],
]


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour)


def write_csv(path: Path, rows=ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_toml(path: Path, extra: str = "") -> Path:
    path.write_text(TOML.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(insert(Category).values(
            code="D01", case_class=schema.DISPUTE, category="矛盾纠纷", subcategory="邻里纠纷",
            time_limit=5, time_unit=schema.WORKING_DAYS))
        conn.execute(insert(Officer).values(id=1, code="W1", name="张伟", region_id=4))
    return engine


def _cases(engine: Engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r.external_id: (r.resolved_level, r.mediation_outcome, r.mediated_at,
                                r.satisfaction, r.officer_id, r.version)
                for r in conn.execute(select(Case).where(Case.external_id.is_not(None)))}


def _records(engine: Engine) -> tuple[list, list]:
    with engine.connect() as conn:
        codes = dict(conn.execute(select(Case.id, Case.external_id)).all())
        mediations = sorted((codes[r.case_id], r.at, r.outcome, r.kind, r.officer_id, r.origin)
                            for r in conn.execute(select(Mediation)))
        visits = sorted((codes[r.case_id], r.at, r.satisfaction, r.origin)
                        for r in conn.execute(select(ReturnVisit)))
    return mediations, visits


def test_the_columns_fill_the_case_and_its_records(world, tmp_path):
    report = case_import.import_cases(world, write_csv(tmp_path / "c.csv"),
                                      write_toml(tmp_path / "m.toml"))
    assert (report.imported, report.rejected) == (4, 0)
    assert _cases(world) == {
        "D1": ("grid", "success", at(2, 10), "satisfied", 1, 1),
        "D2": ("community", "failure", at(3, 12), None, None, 1),
        "D3": (None, "referred", at(3, 15), None, 1, 1),
        "I1": ("town", "success", at(5, 10), "basically_satisfied", None, 1),
    }
    mediations, visits = _records(world)
    assert mediations == [
        ("D1", at(2, 10), "success", "people", 1, "import"),
        ("D2", at(3, 12), "failure", None, None, "import"),
        ("D3", at(3, 15), "referred", "pre_litigation", 1, "import"),
        ("I1", at(5, 10), "success", None, None, "import"),
    ]
    assert visits == [("D1", at(4, 9), "satisfied", "import"),
                      ("D2", at(3, 12), "unreached", "import"),
                      ("I1", at(5, 10), "basically_satisfied", "import")]
    assert "2 mediation(s) without mediated_at are dated by the case's resolve time" in \
        " ".join(report.notes)
    # the category table does not class I1, and a mediated case is a dispute
    with world.connect() as conn:
        classes = dict(conn.execute(select(Case.external_id, Case.case_class)).all())
    assert classes["I1"] == schema.DISPUTE and classes["D2"] == schema.DISPUTE
    assert not any("not of the dispute class" in n for n in report.notes)


def test_reimporting_the_same_file_changes_nothing(world, tmp_path):
    path, mapping = write_csv(tmp_path / "c.csv"), write_toml(tmp_path / "m.toml")
    case_import.import_cases(world, path, mapping)
    before = (_cases(world), _records(world))
    again = case_import.import_cases(world, path, mapping)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)
    assert (_cases(world), _records(world)) == before


def test_console_records_are_kept_and_count_when_latest(world, tmp_path):
    path, mapping = write_csv(tmp_path / "c.csv"), write_toml(tmp_path / "m.toml")
    case_import.import_cases(world, path, mapping)
    with store.transaction(world) as conn:
        ids = dict(conn.execute(select(Case.external_id, Case.id)).all())
        # in the console: D3 mediated again (failure, after the import's), D2 visited and
        # reached; the case columns say so, as the console's steps leave them
        conn.execute(insert(Mediation).values(case_id=ids["D3"], at=at(6, 9), outcome="failure",
                                              actor="甲", origin="console"))
        conn.execute(insert(ReturnVisit).values(case_id=ids["D2"], at=at(5, 9),
                                                satisfaction="dissatisfied", actor="甲",
                                                origin="console", reopened=False))
        conn.execute(update(Case).where(Case.id == ids["D3"]).values(
            mediation_outcome="failure", mediated_at=at(6, 9), version=2))
        conn.execute(update(Case).where(Case.id == ids["D2"]).values(
            satisfaction="dissatisfied", version=2))
    again = case_import.import_cases(world, path, mapping)
    assert (again.updated, again.unchanged) == (0, 4)
    cases = _cases(world)
    assert cases["D3"][1:3] == ("failure", at(6, 9)) and cases["D2"][3] == "dissatisfied"
    # a file that drops D3's mediation and says D1 was 不满意
    rows = [list(r) for r in ROWS]
    rows[2][7:10] = ["", "", ""]
    rows[0][10] = "不满意"
    report = case_import.import_cases(world, write_csv(path, rows), mapping)
    assert (report.updated, report.unchanged) == (2, 2)
    cases = _cases(world)
    assert cases["D1"][3] == "dissatisfied" and cases["D1"][5] == 2
    assert cases["D3"][1:3] == ("failure", at(6, 9)) and cases["D3"][5] == 3
    mediations, visits = _records(world)
    assert [m for m in mediations if m[0] == "D3"] == [
        ("D3", at(6, 9), "failure", None, None, "console")]
    assert ("D2", at(5, 9), "dissatisfied", "console") in visits
    assert ("D1", at(4, 9), "dissatisfied", "import") in visits and len(visits) == 4


def test_an_unreached_visit_leaves_satisfaction_as_the_others_make_it(world, tmp_path):
    rows = [list(ROWS[0])]
    rows[0][10] = "未接通"
    case_import.import_cases(world, write_csv(tmp_path / "c.csv", rows),
                             write_toml(tmp_path / "m.toml"))
    assert _cases(world)["D1"][3] is None
    assert _records(world)[1] == [("D1", at(4, 9), "unreached", "import")]


def test_value_sections_of_the_mapping(world, tmp_path):
    extra = ('[satisfaction_values]\n"5" = "satisfied"\n'
             '[resolved_level_values]\n"本级" = "grid"\n'
             '[mediation_outcome_values]\n"Y" = "success"\n'
             '[mediation_kind_values]\n"PM" = "people"\n')
    rows = [list(ROWS[0])]
    rows[0][6:11] = ["本级", "Y", "2026-03-02 10:00", "PM", "5"]
    case_import.import_cases(world, write_csv(tmp_path / "c.csv", rows),
                             write_toml(tmp_path / "m.toml", extra))
    assert _cases(world)["D1"][:4] == ("grid", "success", at(2, 10), "satisfied")
    assert _records(world)[0][0][3] == "people"


def test_bad_values_are_row_errors_naming_what_is_accepted(world, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][10] = "很好"  # row 2: unknown satisfaction
    rows[1][12] = "W9"  # row 3: no such officer
    rows[2][10] = "满意"  # row 4: a visit of an open case
    rows[3][7] = ""  # row 5: mediated_at... none; kind without an outcome
    rows[3][9] = "人民调解"
    path, mapping = write_csv(tmp_path / "c.csv", rows), write_toml(tmp_path / "m.toml")
    with pytest.raises(ImportFailed) as failed:
        case_import.import_cases(world, path, mapping)
    assert str(failed.value).startswith(
        "c.csv, row 2, column '满意度', value '很好': unknown satisfaction; accepted: "
        "satisfied, basically_satisfied, dissatisfied, unreached, 满意, 基本满意, 不满意, 未接通 "
        "(or add it to the mapping's [satisfaction_values])")
    with world.connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM cases")) == 4  # the tiny store's own
    rejects = tmp_path / "rejects.csv"
    report = case_import.import_cases(world, path, mapping, skip_bad_rows=True,
                                      rejects_path=rejects)
    assert (report.imported, report.rejected) == (0, 4)
    bad = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert list(bad["_error"][1:]) == [
        "column '网格员' value 'W9': no officer has this id (import the roster first: "
        "python -m dashboard import officers)",
        "column '满意度' value '满意': a return visit is of a closed case; this case's status "
        "is 'dispatched'",
        "column '调解类型' value '人民调解': a mediation needs its outcome (column '调解结果' "
        "is empty)",
    ]


def test_an_unknown_level_and_a_mapping_to_an_unknown_key(world, tmp_path):
    rows = [list(ROWS[0])]
    rows[0][6] = "省级"
    with pytest.raises(ImportFailed, match="value '省级': unknown resolved level; accepted: "
                                           "grid, community, town, district, city, 网格"):
        case_import.import_cases(world, write_csv(tmp_path / "c.csv", rows),
                                 write_toml(tmp_path / "m.toml"))
    with pytest.raises(ImportFailed, match=r"\[satisfaction_values\] maps to unknown "
                                           r"value\(s\) \{'5': 'happy'\}"):
        case_import.import_cases(world, write_csv(tmp_path / "c.csv"),
                                 write_toml(tmp_path / "m.toml",
                                            '[satisfaction_values]\n"5" = "happy"\n'))
