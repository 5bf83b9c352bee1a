"""Which days are working days: China's public holidays and make-up working days (调休).

Two sources, the second winning:

* the ``chinesecalendar`` package (import name ``chinese_calendar``), a maintained table of
  the State Council's yearly notices; version 1.11.0 covers 2004–2026 (:data:`LIBRARY_YEARS`);
* the store's ``holidays`` table, days the centre marks off or on itself
  (``python -m dashboard import holidays FILE``, :func:`import_holidays`): a year the
  package does not know yet, a local holiday, a correction.

A year is covered when the package knows it or the table holds any of its days (import a
year's notice whole). A deadline that runs through a year neither covers counts Saturdays and
Sundays as the only days off, and the log says so once per year and process.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import chinese_calendar
import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select

from data import store
from data.importer import Progress, tell
from data.models import HolidayDay

log = logging.getLogger(__name__)

#: Years the installed chinesecalendar knows (it raises for any other).
LIBRARY_YEARS = range(min(chinese_calendar.holidays).year,
                      max(chinese_calendar.holidays).year + 1)
#: How a holiday file may say a day is off or on.
OFF_WORDS = frozenset({"off", "holiday", "休", "假", "休息", "放假"})
ON_WORDS = frozenset({"on", "workday", "work", "班", "上班", "调休上班"})
FILE_COLUMNS = ("date", "day")  # and an optional "note"


class HolidayFileError(ValueError):
    """A holiday file that cannot be imported; the message names the file, the row as a
    spreadsheet numbers it (the header is row 1), the column, the value and why."""


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: the centre's own days (``overrides``, day → working?) over the
    package's calendar, over weekends alone for a year neither covers."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    @property
    def table_years(self) -> frozenset[int]:
        """The years the centre's table covers (it holds at least one of their days)."""
        return frozenset(day.year for day in self.overrides)

    def covers(self, year: int) -> bool:
        """Whether the year's holidays are known (package or table)."""
        return year in LIBRARY_YEARS or year in self.table_years

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day: the table's word, else the package's, else
        Monday to Friday."""
        held = self.overrides.get(day)
        if held is not None:
            return held
        if day.year in LIBRARY_YEARS:
            return _library_workday(day)
        return day.weekday() < 5

    def working_days(self, first: date, last: date) -> np.ndarray:
        """Every working day from ``first`` to ``last`` (inclusive), as ``datetime64[D]``."""
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return np.array([d for d in days if self.is_working_day(d)], dtype="datetime64[D]")

    def warn_uncovered(self, first: date, last: date) -> list[int]:
        """The years from ``first`` to ``last`` that neither source covers; each is logged
        once (deadlines in it skip weekends only)."""
        missing = [y for y in range(first.year, last.year + 1) if not self.covers(y)]
        for year in missing:
            _warn_once(year)
        return missing


@lru_cache(maxsize=8192)
def _library_workday(day: date) -> bool:
    """The package's word on ``day``, kept: the package checks every date against its
    whole table (a max() over thousands of days), and every new case's deadline asks a few
    days."""
    return bool(chinese_calendar.is_workday(day))


#: The package's calendar alone (no table): what a deadline uses when not told otherwise.
LIBRARY = WorkCalendar()


@lru_cache(maxsize=None)
def _warn_once(year: int) -> None:
    log.warning("no holiday calendar covers %d (chinesecalendar knows %d-%d): deadlines in "
                "%d count Saturdays and Sundays as the only days off; import that year's "
                "holidays with `python -m dashboard import holidays FILE`", year,
                LIBRARY_YEARS.start, LIBRARY_YEARS.stop - 1, year)


def work_calendar(conn: Connection) -> WorkCalendar:
    """The deployment's calendar: the package's, with the store's ``holidays`` table over it."""
    rows = conn.execute(select(HolidayDay.day, HolidayDay.working)).all()
    return WorkCalendar({_as_date(day): bool(working) for day, working in rows})


def _as_date(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def coverage(conn: Connection) -> dict[str, list[int]]:
    """Which years are covered, by which source: ``library`` and ``table``."""
    return {"library": [LIBRARY_YEARS.start, LIBRARY_YEARS.stop - 1],
            "table": sorted(work_calendar(conn).table_years)}


# --- the centre's table ---------------------------------------------------------------------

@dataclass
class HolidayReport:
    """What an import of holidays did."""

    days_off: int = 0
    days_on: int = 0
    replaced: int = 0
    years: list[int] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        return [f"holidays imported: {self.days_off} day(s) off, {self.days_on} working "
                f"day(s) ({self.replaced} replaced an earlier entry)",
                f"years the table covers: {', '.join(map(str, self.years)) or 'none'}; "
                f"chinesecalendar covers {LIBRARY_YEARS.start}-{LIBRARY_YEARS.stop - 1}"]


def read_holiday_file(path: Path) -> dict[date, tuple[bool, str]]:
    """The days of a holiday CSV (UTF-8, a BOM allowed): columns ``date`` (2027-10-01),
    ``day`` (``off``/``休`` or ``on``/``班``) and an optional ``note``. Every row is
    checked; the first bad one raises :class:`HolidayFileError`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise HolidayFileError(f"{path.name}: not UTF-8 text ({error.reason} at byte "
                               f"{error.start})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise HolidayFileError(f"{path.name}: the file is empty; it needs a header "
                               f"'date,day[,note]' and a row per day")
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in FILE_COLUMNS if name not in header]
    if missing or len(set(header)) != len(header):
        raise HolidayFileError(f"{path.name}, row 1: the header {rows[0]!r} needs the columns "
                               f"'date' and 'day' once each (and may have 'note')")
    at = {name: header.index(name) for name in header}
    days: dict[date, tuple[bool, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise HolidayFileError(f"{path.name}, row {number}: {len(row)} field(s), the "
                                   f"header has {len(header)}")
        where = f"{path.name}, row {number}"
        raw_day, raw_kind = row[at["date"]].strip(), row[at["day"]].strip()
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise HolidayFileError(f"{where}, column 'date', value {raw_day!r}: not a date "
                                   f"like 2027-10-01") from None
        kind = raw_kind.lower()
        if kind not in OFF_WORDS | ON_WORDS:
            raise HolidayFileError(f"{where}, column 'day', value {raw_kind!r}: say 'off' "
                                   f"(休) for a day off or 'on' (班) for a working day")
        working = kind in ON_WORDS
        if day in days and days[day][0] != working:
            raise HolidayFileError(f"{where}, column 'date', value {raw_day!r}: the file "
                                   f"says this day is both off and on")
        note = row[at["note"]].strip()[:200] if "note" in at else ""
        days[day] = (working, note)
    if not days:
        raise HolidayFileError(f"{path.name}: no days below the header")
    return days


def import_holidays(engine: Engine, path: Path, progress: Progress | None = None
                    ) -> HolidayReport:
    """Import a holiday file (:func:`read_holiday_file`) into the store's ``holidays``
    table, in one transaction: a day already in the table is replaced, others are kept.
    Deadlines computed from now on follow it (deadlines already set are not moved);
    ``progress`` hears the stages read and write."""
    tell(progress, "read", 0)
    days = read_holiday_file(path)
    tell(progress, "read", 1)
    tell(progress, "write", 0, len(days))
    report = HolidayReport()
    with store.transaction(engine) as conn:
        known = {_as_date(d) for (d,) in conn.execute(
            select(HolidayDay.day).where(HolidayDay.day.in_(list(days))))}
        report.replaced = len(known)
        if known:
            conn.execute(delete(HolidayDay).where(HolidayDay.day.in_(sorted(known))))
        conn.execute(insert(HolidayDay), [
            {"day": day, "working": working, "note": note}
            for day, (working, note) in sorted(days.items())])
        report.years = sorted(work_calendar(conn).table_years)
    tell(progress, "write", len(days), len(days))
    report.days_on = sum(1 for working, _ in days.values() if working)
    report.days_off = len(days) - report.days_on
    return report
