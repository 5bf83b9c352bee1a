"""Working-day deadlines over China's holiday calendar, and the centre's own holiday table.

The expected days are read off the State Council's notices (国务院办公厅关于2026年部分节假日
安排的通知), not from the calendar under test: National Day, 1–7 October off, Sunday 20
September and Saturday 10 October worked; Spring Festival, 15–23 February off, Saturday 14
and Saturday 28 February worked. Times are Shanghai's (UTC+8): 10:00 local is 02:00 UTC.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard import cli
from dashboard.settings import Settings
from data import holidays, store, workflow
from data import schema as S
from data.deadlines import deadline, deadlines
from data.holidays import HolidayFileError, WorkCalendar
from data.models import Case, HolidayDay
from tests import workflow_store as ws

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = "working_days"


def _both(start: datetime, limit: float, calendar: WorkCalendar | None = None) -> datetime:
    """The deadline by the scalar rule, checked equal to the vectorised one."""
    one = deadline(start, limit, DAYS, SHANGHAI, calendar)
    many = deadlines(pd.Series([start]), pd.Series([limit]), pd.Series([DAYS]), SHANGHAI,
                     calendar)
    assert many[0].to_pydatetime() == one
    return one


def test_national_day_2026_falls_due_after_the_holiday_on_the_make_up_saturday():
    # Wednesday 30 September 10:00, 3 working days: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat,
    # worked) -> Saturday 10 October 10:00; weekends alone would say Monday 5 October
    assert _both(datetime(2026, 9, 30, 2, 0), 3) == datetime(2026, 10, 10, 2, 0)


def test_a_case_dispatched_during_national_day_starts_on_the_first_working_day():
    # Friday 2 October (a holiday) 15:00: the clock starts Thursday 8 October 08:30;
    # 1.5 working days -> Friday 9 October 20:30 local
    assert _both(datetime(2026, 10, 2, 7, 0), 1.5) == datetime(2026, 10, 9, 12, 30)


def test_the_make_up_sunday_before_national_day_is_a_working_day():
    # Saturday 19 September 10:00 (off): starts Sunday 20 September 08:30 (worked), then
    # one working day -> Monday 21 September 08:30
    assert _both(datetime(2026, 9, 19, 2, 0), 1) == datetime(2026, 9, 21, 0, 30)


def test_spring_festival_2026():
    # Friday 13 February 10:00, 2 working days: Saturday 14 February (worked), then
    # Tuesday 24 February (15-23 off) -> 24 February 10:00
    assert _both(datetime(2026, 2, 13, 2, 0), 2) == datetime(2026, 2, 24, 2, 0)
    # reported on Monday 16 February (a holiday): starts 24 February 08:30, + 1 -> 25th
    assert _both(datetime(2026, 2, 16, 2, 0), 1) == datetime(2026, 2, 25, 0, 30)
    # a deadline whose half day lands on a holiday rolls on, its clock kept: Friday 13
    # February 20:00 + 0.5 -> Saturday 14 February 08:00 (a working day, kept)
    assert _both(datetime(2026, 2, 13, 12, 0), 0.5) == datetime(2026, 2, 14, 0, 0)


def test_hours_still_count_the_clock_through_a_holiday():
    assert deadline(datetime(2026, 10, 1, 2, 0), 24, "hours", SHANGHAI) == \
        datetime(2026, 10, 2, 2, 0)


def test_the_library_covers_2004_to_2026():
    assert (holidays.LIBRARY_YEARS.start, holidays.LIBRARY_YEARS.stop - 1) == (2004, 2026)
    assert holidays.LIBRARY.covers(2026) and not holidays.LIBRARY.covers(2027)


def test_a_year_nobody_covers_counts_weekends_only_and_says_so(caplog):
    holidays._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="data.holidays"):
        # Thursday 30 September 2027 10:00 + 3: Fri 1 Oct, Mon 4, Tue 5 (weekends only)
        due = _both(datetime(2027, 9, 30, 2, 0), 3)
    assert due == datetime(2027, 10, 5, 2, 0)
    warned = [r.getMessage() for r in caplog.records if r.name == "data.holidays"]
    assert len(warned) == 1 and "2027" in warned[0] and "import holidays" in warned[0]
    # a deadline that runs from December 2026 into January 2027 warns for 2027 too
    holidays._warn_once.cache_clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="data.holidays"):
        deadline(datetime(2026, 12, 30, 2, 0), 5, DAYS, SHANGHAI)
    assert any("2027" in r.getMessage() for r in caplog.records)


def _write(tmp_path: Path, text: str, name: str = "holidays.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_centre_s_table_wins_over_the_library_and_covers_a_new_year(engine, tmp_path,
                                                                        caplog):
    path = _write(tmp_path, "date,day,note\n"
                            "2026-11-23,off,本地节日\n"      # a Monday made a day off
                            "2026-11-21,班,调休\n"           # a Saturday made a working day
                            "2027-10-01,休,国庆节\n"
                            "2027-10-04,off,国庆节\n")
    report = holidays.import_holidays(engine, path)
    assert (report.days_off, report.days_on, report.years) == (3, 1, [2026, 2027])
    with engine.connect() as conn:
        calendar = holidays.work_calendar(conn)
    # Friday 20 November 10:00 + 1 working day: Saturday 21 (on); the library: Monday 23
    assert _both(datetime(2026, 11, 20, 2, 0), 1, calendar) == datetime(2026, 11, 21, 2, 0)
    assert _both(datetime(2026, 11, 20, 2, 0), 1) == datetime(2026, 11, 23, 2, 0)
    # + 3: Saturday 21, Tuesday 24, Wednesday 25 (23 off); the library: Wednesday 25 too
    assert _both(datetime(2026, 11, 20, 2, 0), 3, calendar) == datetime(2026, 11, 25, 2, 0)
    # Sunday 22 November 10:00 + 1: starts Tuesday 24 08:30 (23 off) -> Wednesday 25 08:30
    assert _both(datetime(2026, 11, 22, 2, 0), 1, calendar) == datetime(2026, 11, 25, 0, 30)
    # 2027 is covered by the table now: its days count, and nothing is logged
    holidays._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="data.holidays"):
        # Thursday 30 September 2027 + 2: Fri 1 Oct off, Mon 4 off -> Tue 5, Wed 6
        assert _both(datetime(2027, 9, 30, 2, 0), 2, calendar) == datetime(2027, 10, 6, 2, 0)
    assert not [r for r in caplog.records if r.name == "data.holidays"]


def test_a_day_imported_again_is_replaced(engine, tmp_path):
    holidays.import_holidays(engine, _write(tmp_path, "date,day\n2026-11-23,off\n"))
    report = holidays.import_holidays(engine, _write(tmp_path, "date,day\n2026-11-23,on\n",
                                                     "again.csv"))
    assert report.replaced == 1
    with engine.connect() as conn:
        assert conn.execute(select(HolidayDay.day, HolidayDay.working)).all() == [
            (date(2026, 11, 23), True)]


def test_a_dispatch_follows_the_table(engine, tmp_path):
    ws.build(engine)
    # Friday 20 November 10:00 + 3 working days is Wednesday 25 November on the library's
    # calendar; with Monday 23 November off it is Thursday 26 November
    holidays.import_holidays(engine, _write(tmp_path, "date,day\n2026-11-23,off\n"))
    with store.transaction(engine) as conn:
        case_id = ws.add_case(conn, S.FILED, subcategory=ws.DAILY)
    state = workflow.apply(engine, case_id, "dispatch", actor="甲", expected_version=1,
                           now=datetime(2026, 11, 20, 2, 0), department_id=ws.ZJJ,
                           officer_id=ws.O2)
    assert state.due_at == datetime(2026, 11, 26, 2, 0)


@pytest.mark.parametrize("text, where", [
    ("date,day\n2026-13-01,off\n", "row 2, column 'date', value '2026-13-01'"),
    ("date,day\n2026-10-01,maybe\n", "row 2, column 'day', value 'maybe'"),
    ("date,day\n2026-10-01,off\n2026-10-01,on\n", "row 3, column 'date'"),
    ("day,note\noff,x\n", "row 1: the header"),
    ("date,day,day\n2026-10-01,off,on\n", "row 1: the header"),
    ("date,day\n2026-10-01,off,extra\n", "row 2: 3 field(s)"),
    ("date,day\n", "no days"),
    ("", "empty"),
])
def test_a_bad_file_is_refused_naming_the_row_and_nothing_is_written(engine, tmp_path, text,
                                                                      where):
    with pytest.raises(HolidayFileError, match=re.escape(where)):
        holidays.import_holidays(engine, _write(tmp_path, text))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(HolidayDay)) == 0


def test_the_command_line_imports_holidays_and_refuses_a_bad_file(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    good = _write(tmp_path, "\ufeffdate,day,note\n2027-01-01,休,元旦\n2027-01-04,班,\n")
    assert cli.main(["import", "holidays", str(good)], settings) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["已导入节假日：休息日 1 天，调休上班日 1 天（0 天替换了原有记录）",
                                "表中涵盖的年份：2027；chinesecalendar 涵盖 2004–2026"]
    assert cli.main(["import", "holidays", str(good), "--lang", "en"], settings) == 0
    assert capsys.readouterr().out.startswith("holidays imported: 1 day(s) off, 1 working "
                                              "day(s) (")
    bad = _write(tmp_path, "date,day\n2027-02-30,off\n", "bad.csv")
    assert cli.main(["import", "holidays", str(bad)], settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bad.csv, row 2, column 'date', value '2027-02-30'")
    assert cli.main(["import", "regions", str(good)], settings) == 2  # needs --mapping
    assert "--mapping" in capsys.readouterr().err
    engine = store.make_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(HolidayDay)) == 2
        assert conn.scalar(select(func.count()).select_from(Case)) == 0
    engine.dispose()


def test_imported_cases_are_dated_by_the_table_too(engine, tmp_path):
    """A case file with no deadline is dated from the category table over the centre's
    calendar: Friday 20 November 10:00 + 3 working days is Wednesday 25 November by the
    library, Thursday 26 November with Monday 23 November made a day off."""
    from data import case_import
    from data.models import Category

    holidays.import_holidays(engine, _write(tmp_path, "date,day\n2026-11-23,off\n"))
    with store.transaction(engine) as conn:
        conn.execute(Category.__table__.insert().values(
            code="X1", case_class="事件", category="市容环境", subcategory="暴露垃圾",
            time_limit=3, time_unit=DAYS))
    (tmp_path / "c.csv").write_text("id,at,status,sub\nA1,2026-11-20 10:00,处置中,暴露垃圾\n",
                                    encoding="utf-8")
    (tmp_path / "c.toml").write_text(
        '[source]\ntimezone = "Asia/Shanghai"\n[columns]\nexternal_id = "id"\n'
        'reported_at = "at"\nstatus = "status"\nsubcategory = "sub"\n'
        '[status_values]\n"处置中" = "dispatched"\n', encoding="utf-8")
    case_import.import_cases(engine, tmp_path / "c.csv", tmp_path / "c.toml")
    with engine.connect() as conn:
        assert conn.scalar(select(Case.due_at)) == datetime(2026, 11, 26, 2, 0)
