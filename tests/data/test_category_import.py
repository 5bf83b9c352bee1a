"""The category table's import, the deadlines it gives, and the two new time units.

The store is the workflow tests' (:mod:`tests.workflow_store`: Shanghai, grids G1-G3,
departments CGJ/ZJJ/SWJ and a three-row table). Every expected deadline is counted by hand
on the calendar of November 2026 (Friday 20, Saturday 21, Sunday 22, Monday 23) and the
State Council's National Day notice (1-7 October 2026 off, Saturday 10 October worked).
Shanghai is UTC+8: 16:00 local is 08:00 UTC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select, update

from data import case_import, category_import, dispatch, store, workflow
from data import schema as S
from data.deadlines import deadline, deadlines, limit_for
from data.demo.bulk import reset_sequences
from data.importer import ImportFailed
from data.models import Case, CaseEvent, Category, Department
from tests import workflow_store as ws

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLE_TOML = """
[columns]
code = "编码"
case_class = "类别"
category = "大类"
subcategory = "小类"
department = "处置部门"
time_limit = "时限"
time_unit = "单位"
urgent_time_limit = "紧急时限"
urgent_time_unit = "紧急单位"
"""
TABLE_HEADER = "编码,类别,大类,小类,处置部门,时限,单位,紧急时限,紧急单位"
# 道路破损: 2 working days, urgent 4 working hours; 占道经营: 2 hours (no urgent limit)
TABLE = [",部件,道路交通,道路破损,ZJJ,2,工作日,4,工作时",
         ",事件,市容环境,占道经营,CGJ,2,小时,,"]
CASE_TOML = """
[source]
timezone = "Asia/Shanghai"
[columns]
external_id = "编号"
reported_at = "上报时间"
dispatched_at = "派遣时间"
due_at = "处置时限"
status = "状态"
subcategory = "小类"
urgent = "紧急"
lon = "经度"
lat = "纬度"
"""
CASE_HEADER = "编号,上报时间,派遣时间,处置时限,状态,小类,紧急,经度,纬度"
CASES = [
    # dispatched Friday 16:00: 2 working days from dispatch -> Tuesday 24th 16:00
    "K1,2026-11-20 09:00,2026-11-20 16:00,,dispatched,道路破损,,116.005,39.905",
    # filed (no dispatch), urgent: 4 working hours from the report, Friday 16:00 -> 2 h
    # that day, 2 h from Monday 08:30 -> Monday 23rd 10:30
    "K2,2026-11-20 16:00,,,filed,道路破损,是,116.005,39.905",
    # closed, dispatched when reported (Saturday 10:00): 2 hours -> Saturday 12:00
    "K3,2026-11-21 10:00,,,closed,占道经营,,116.005,39.905",
    # voided: no deadline
    "K4,2026-11-20 09:00,,,voided,道路破损,,116.005,39.905",
    # the file's own deadline wins
    "K5,2026-11-20 09:00,2026-11-20 10:00,2026-12-01 09:00,dispatched,道路破损,,116.005,39.905",
    # a subcategory the table does not know: no deadline
    "K6,2026-11-20 09:00,,,filed,未知事项,,116.005,39.905",
]
DUE = {"K1": datetime(2026, 11, 24, 8, 0), "K2": datetime(2026, 11, 23, 2, 30),
       "K3": datetime(2026, 11, 21, 4, 0), "K4": None, "K5": datetime(2026, 12, 1, 1, 0),
       "K6": None}


def _write(folder: Path, name: str, header: str, rows: list[str], toml: str
           ) -> tuple[Path, Path]:
    data, mapping = folder / f"{name}.csv", folder / f"{name}.toml"
    data.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    mapping.write_text(toml, encoding="utf-8")
    return data, mapping


def _table(folder: Path, rows: list[str] = TABLE) -> tuple[Path, Path]:
    return _write(folder, "cats", TABLE_HEADER, rows, TABLE_TOML)


def _cases(folder: Path, rows: list[str] = CASES) -> tuple[Path, Path]:
    return _write(folder, "cases", CASE_HEADER, rows, CASE_TOML)


def _build(engine: Engine) -> None:
    """The workflow store, its departments' ids behind PostgreSQL's sequence (it inserts
    them with their ids) so that an import may add more."""
    ws.build(engine)
    with store.transaction(engine) as conn:
        reset_sequences(conn, ["departments"])


@pytest.fixture
def bare(engine: Engine) -> Engine:
    """The workflow store with no category table."""
    _build(engine)
    with store.transaction(engine) as conn:
        conn.execute(delete(Category))
    return engine


def _due(engine: Engine) -> dict[str, datetime | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Case.external_id, Case.due_at)
                                 .where(Case.external_id.is_not(None))).all())


def _categories(engine: Engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r.subcategory: (r.code, r.case_class, r.category, r.department_id, r.time_limit,
                                r.time_unit, r.urgent_time_limit, r.urgent_time_unit)
                for r in conn.execute(select(Category))}


# --- the units ---------------------------------------------------------------------------------

def _both(start: datetime, limit: float, unit: str) -> datetime:
    """The scalar rule, checked equal to the vectorised one."""
    one = deadline(start, limit, unit, SHANGHAI)
    many = deadlines(pd.Series([start]), pd.Series([limit]), pd.Series([unit]), SHANGHAI)
    assert many[0].to_pydatetime() == one
    return one


def test_working_hours_and_natural_days_across_a_weekend_and_national_day():
    hours, days = S.WORKING_HOURS, S.NATURAL_DAYS
    # Friday 20 Nov 16:00 + 4 working hours: 2 h to 18:00, 2 h from Monday 08:30 -> 10:30
    assert _both(datetime(2026, 11, 20, 8, 0), 4, hours) == datetime(2026, 11, 23, 2, 30)
    # Friday 20:00 (after hours) + 1 -> Monday 09:30; Saturday 10:00 + 1 -> Monday 09:30
    assert _both(datetime(2026, 11, 20, 12, 0), 1, hours) == datetime(2026, 11, 23, 1, 30)
    assert _both(datetime(2026, 11, 21, 2, 0), 1, hours) == datetime(2026, 11, 23, 1, 30)
    # Monday 07:00 (before hours) + 9.5 = a whole working day: Monday 18:00, not Tuesday
    assert _both(datetime(2026, 11, 22, 23, 0), 9.5, hours) == datetime(2026, 11, 23, 10, 0)
    # Wednesday 30 Sep 17:00 + 3: 1 h that day, 1-7 October off, Thursday 8 Oct 08:30 + 2 h
    assert _both(datetime(2026, 9, 30, 9, 0), 3, hours) == datetime(2026, 10, 8, 2, 30)
    # Friday 9 Oct 17:00 + 2: 1 h, then Saturday 10 October is worked -> 09:30 that day
    assert _both(datetime(2026, 10, 9, 9, 0), 2, hours) == datetime(2026, 10, 10, 1, 30)
    # natural days count every day: Wednesday 30 Sep 10:00 + 3 -> Saturday 3 Oct 10:00
    assert _both(datetime(2026, 9, 30, 2, 0), 3, days) == datetime(2026, 10, 3, 2, 0)
    assert _both(datetime(2026, 11, 20, 2, 0), 1.5, days) == datetime(2026, 11, 21, 14, 0)


def test_the_urgent_limit_is_taken_only_for_urgent_cases_and_only_where_given():
    row = Category(time_limit=2, time_unit=S.WORKING_DAYS, urgent_time_limit=4,
                   urgent_time_unit=S.WORKING_HOURS)
    assert limit_for(row, urgent=True) == (4, S.WORKING_HOURS)
    assert limit_for(row, urgent=False) == (2, S.WORKING_DAYS)
    plain = Category(time_limit=2, time_unit=S.HOURS)
    assert limit_for(plain, urgent=True) == (2, S.HOURS)
    same_unit = Category(time_limit=3, time_unit=S.WORKING_DAYS, urgent_time_limit=1)
    assert limit_for(same_unit, urgent=True) == (1, S.WORKING_DAYS)


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, toml, message", [
    ([TABLE[0], ",事件,市容环境,占道经营,CGJ,2,周,,"], TABLE_TOML,
     "cats.csv, row 3, column '单位', value '周': unknown time unit: say 工作时, 工作日, 小时 or "
     "天/自然日 (working_hours, working_days, hours, natural_days), or map it under "
     "[unit_values] (nothing was imported)"),
    ([",事件,市容环境,占道经营,CGJ,-1,小时,,", TABLE[0]], TABLE_TOML,
     "cats.csv, row 2, column '时限', value '-1': a time limit cannot be negative (nothing "
     "was imported)"),
    ([TABLE[0], TABLE[1], ",部件,道路交通,道路破损,ZJJ,3,工作日,,"], TABLE_TOML,
     "cats.csv, row 4, column '小类', value '道路破损': the same subcategory is on row 2 "
     "(nothing was imported)"),
    (TABLE, TABLE_TOML.replace('time_unit = "单位"', 'time_unit = "时限单位"'),
     "cats.csv: the mapping cats.toml names column(s) the file does not have: "
     "time_unit='时限单位'"),
    (["C99,事件,市容环境,占道经营,CGJ,2,小时,,"], TABLE_TOML,
     "cats.csv, row 2, column '小类', value '占道经营': the category table has this "
     "subcategory under code 'C01': give that code to update it, or another subcategory "
     "(nothing was imported)"),
])
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_written(engine, tmp_path, rows,
                                                                    toml, message):
    _build(engine)
    before = _categories(engine)
    with engine.connect() as conn:
        version = store.data_version(conn)
    data, mapping = _write(tmp_path, "cats", TABLE_HEADER, rows, toml)
    with pytest.raises(ImportFailed) as refused:
        category_import.import_categories(engine, data, mapping)
    assert str(refused.value).startswith(message)
    assert _categories(engine) == before
    with engine.connect() as conn:
        assert store.data_version(conn) == version


# --- import and re-import ----------------------------------------------------------------------

def test_reimport_updates_by_subcategory_or_code_adds_new_rows_and_keeps_the_rest(engine,
                                                                                 tmp_path):
    _build(engine)  # C01 占道经营 (CGJ, 2 hours), C02 道路破损 (ZJJ, 3 working days), C03 其他事项
    rows = [",部件,道路交通,道路破损,县水务局,2,工作日,,",  # by subcategory; SWJ by its name
            "C10,部件,公用设施,井盖缺失,园林局,1,天,6,小时",  # new, with a new department
            ",事件,市容环境,占道经营,CGJ,2,小时,,"]  # as stored
    data, mapping = _table(tmp_path, rows)
    report = category_import.import_categories(engine, data, mapping)
    assert (report.imported, report.updated, report.unchanged, report.departments_created,
            report.deadlines_derived) == (1, 1, 1, 1, 0)
    with engine.connect() as conn:
        garden = conn.scalar(select(Department.id).where(Department.name == "园林局"))
    got = _categories(engine)
    assert got["道路破损"] == ("C02", S.FACILITY, "道路交通", ws.SWJ, 2.0, S.WORKING_DAYS,
                           None, None)
    assert got["井盖缺失"] == ("C10", S.FACILITY, "公用设施", garden, 1.0, S.NATURAL_DAYS,
                           6.0, S.HOURS)
    assert got["其他事项"][0] == "C03"  # not in the file: kept
    assert len(got) == 4
    # by code: C10 renamed, its urgent limit dropped; a row without code gets C0001
    data, mapping = _table(tmp_path, ["C10,部件,公用设施,井盖丢失,园林局,1,天,,",
                                      ",事件,街面秩序,店外经营,CGJ,2工作时,,,"])
    report = category_import.import_categories(engine, data, mapping)
    assert (report.imported, report.updated, report.unchanged) == (1, 1, 0)
    got = _categories(engine)
    assert "井盖缺失" not in got
    assert got["井盖丢失"] == ("C10", S.FACILITY, "公用设施", garden, 1.0, S.NATURAL_DAYS,
                           None, None)
    assert got["店外经营"][0] == "C0001" and got["店外经营"][4:6] == (2.0, S.WORKING_HOURS)


# --- deadlines of imported cases ------------------------------------------------------------

def test_cases_imported_after_the_table_are_dated_from_dispatch_or_report(bare, tmp_path):
    category_import.import_categories(bare, *_table(tmp_path))
    report = case_import.import_cases(bare, *_cases(tmp_path))
    assert report.imported == 6
    assert _due(bare) == DUE


def test_the_table_imported_after_the_cases_dates_those_without_a_deadline(bare, tmp_path):
    case_import.import_cases(bare, *_cases(tmp_path))
    assert _due(bare) == {**dict.fromkeys(DUE), "K5": DUE["K5"]}
    with bare.connect() as conn:
        version = store.data_version(conn)
    report = category_import.import_categories(bare, *_table(tmp_path))
    assert report.deadlines_derived == 3  # K1, K2, K3: K4 voided, K5 dated, K6 unknown
    assert _due(bare) == DUE
    with bare.connect() as conn:
        assert store.data_version(conn) > version
        events = conn.execute(
            select(Case.external_id, CaseEvent.action, CaseEvent.note, Case.version)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.note.like("%category table import%"))).all()
        overdue = conn.scalar(select(func.count()).select_from(Case).where(
            Case.due_at < datetime(2026, 11, 25), Case.status.in_(S.OPEN_STATUSES)))
    assert sorted(e[0] for e in events) == ["K1", "K2", "K3"]
    assert {e[1] for e in events} == {"import"}
    assert events[0][2] == ("处置时限按分类表导入计算 / deadline from the category table import "
                            "(cats.csv)")
    assert {e[3] for e in events} == {2}
    assert overdue == 2  # K1 and K2 are open and due before the 25th
    # nothing left to date: a second import dates none
    assert category_import.import_categories(bare, *_table(tmp_path)).deadlines_derived == 0


def test_a_changed_limit_applies_to_later_dispatches_and_old_cases_keep_theirs(bare, tmp_path):
    category_import.import_categories(bare, *_table(tmp_path))  # 道路破损: 2 working days
    case_import.import_cases(bare, *_cases(tmp_path, CASES[:1]))
    assert _due(bare)["K1"] == DUE["K1"]  # Friday 16:00 + 2 -> Tuesday 16:00
    five = [TABLE[0].replace(",2,工作日,", ",5,工作日,"), TABLE[1]]
    assert category_import.import_categories(bare, *_table(tmp_path, five)).updated == 1
    assert _due(bare)["K1"] == DUE["K1"]
    again = case_import.import_cases(bare, *_cases(tmp_path, CASES[:1]))
    assert (again.unchanged, _due(bare)["K1"]) == (1, DUE["K1"])
    # a new case dispatched on Friday 20 Nov 10:00: 5 working days -> Friday 27th 10:00
    friday = datetime(2026, 11, 20, 2, 0)
    with store.transaction(bare) as conn:
        new = ws.add_case(conn, S.FILED, subcategory="道路破损")
        urgent = ws.add_case(conn, S.FILED, subcategory="道路破损")
        conn.execute(update(Case).where(Case.id == urgent).values(urgent=True))
    assert dispatch.suggest(bare, new, friday).due_at == datetime(2026, 11, 27, 2, 0)
    # urgent: 4 working hours from Friday 10:00 -> 14:00
    assert dispatch.suggest(bare, urgent, friday).due_at == datetime(2026, 11, 20, 6, 0)
    state = workflow.apply(bare, new, "dispatch", actor="甲", expected_version=1, now=friday,
                           department_id=ws.ZJJ)
    assert state.due_at == datetime(2026, 11, 27, 2, 0)
    state = workflow.apply(bare, urgent, "dispatch", actor="甲", expected_version=1,
                           now=friday, department_id=ws.ZJJ)
    assert state.due_at == datetime(2026, 11, 20, 6, 0)
    assert _due(bare)["K1"] == DUE["K1"]


def test_an_open311_service_code_from_the_table_lists_and_files_its_category(bare, tmp_path):
    """A table column of Open311 service codes: the GeoReport door lists the category
    under it and files a request that names it; the category's own code still works (the
    desk and the alerts use it)."""
    from data.intake import open311
    from data.intake.create import Door, create_case
    from data.intake.fields import parse_new_case

    toml = TABLE_TOML + 'service_code = "服务编码"\n'
    data, mapping = _write(tmp_path, "cats", TABLE_HEADER + ",服务编码",
                           [TABLE[0] + ",pothole", TABLE[1] + ","], toml)
    category_import.import_categories(bare, data, mapping)
    with bare.connect() as conn:
        listed = {s["service_name"]: s["service_code"] for s in open311.services(conn)}
        own = conn.scalar(select(Category.code).where(Category.subcategory == "道路破损"))
        assert open311.service(conn, "pothole") == {"service_code": "pothole", "attributes": []}
        assert open311.service(conn, own) == {"service_code": "pothole", "attributes": []}
    assert listed["道路破损"] == "pothole" and listed["占道经营"] != "pothole"
    door = Door(kind="open311", source="hotline", actor="12345")
    for code in ("pothole", own):
        created = create_case(bare, parse_new_case({"service_code": code, "description": "坑",
                                                    "lon": 116.005, "lat": 39.905}),
                              door, datetime(2026, 11, 20, 1, 0))
        with bare.connect() as conn:
            assert conn.scalar(select(Case.subcategory).where(Case.id == created.case_id)) \
                == "道路破损"


def test_half_the_categories_timed_gives_rates_over_that_half_and_says_how_much(bare,
                                                                              tmp_path):
    """A table that times 道路破损 only; two cases of it and two of a subcategory it does not
    know, all closed in the period. Counted by hand: due to close 4 (closed in P), 2 of them
    with a deadline (Tuesday 24th 09:00 local: dispatched Friday 09:00 + 2 working days);
    K1 closed Monday (on time), K2 Wednesday (late)."""
    from datetime import date

    from data import report
    from layouts.format import deadline_note

    table, table_mapping = _table(tmp_path, rows=[TABLE[0]])
    toml = CASE_TOML + 'closed_at = "结案时间"\n'
    header = CASE_HEADER + ",结案时间"
    rows = ["K1,2026-11-20 09:00,2026-11-20 09:00,,closed,道路破损,,116.005,39.905,"
            "2026-11-23 10:00",
            "K2,2026-11-20 09:00,2026-11-20 09:00,,closed,道路破损,,116.005,39.905,"
            "2026-11-25 10:00",
            "U1,2026-11-20 09:00,2026-11-20 09:00,,closed,未知事项,,116.005,39.905,"
            "2026-11-21 10:00",
            "U2,2026-11-20 09:00,2026-11-20 09:00,,closed,未知事项,,116.005,39.905,"
            "2026-11-26 10:00"]
    cases, cases_mapping = _write(tmp_path, "cases", header, rows, toml)
    category_import.import_categories(bare, table, table_mapping)
    case_import.import_cases(bare, cases, cases_mapping)
    got = report.summarize(bare, None, date(2026, 11, 16), date(2026, 11, 29),
                           now=datetime(2026, 12, 2))["metrics"]
    assert (got["closed"], got["due_to_close"]) == (4, 4)
    assert got["deadline_coverage"] == 0.5
    assert got["closure_rate"] == 1.0          # K1 K2 of K1 K2: the untimed are on no side
    assert got["on_time_closure_rate"] == 0.5  # K1
    assert got["closed_on_time"] == 1
    assert deadline_note("on_time_closure_rate", got)[0] == "覆盖 50% 的案件"
