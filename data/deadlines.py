"""Deadlines from the category table's time limits, in four units (:data:`data.schema.TIME_UNITS`).

* ``hours`` (自然小时, natural hours): the clock, through nights, weekends and holidays;
* ``natural_days`` (自然日): whole or part days on the local clock (a day is 24 hours of the
  local clock; across a daylight-saving change the wall-clock time is kept);
* ``working_days`` (工作日): working days of the holiday calendar. A case that starts on a day
  off starts its clock on the next working day at 08:30 (:data:`WORKDAY_START`); a deadline
  whose part day lands on a day off moves on to the next working day, its clock time kept;
* ``working_hours`` (工作时): hours of working time, 08:30-18:00 (:data:`WORKDAY_START` to
  :data:`WORKDAY_END`, 9.5 hours a day) on working days. A case that starts outside working
  time starts its clock at the next 08:30 of a working day; time past 18:00 carries over to
  the next working day's 08:30. 4 working hours from Friday 16:00 fall due on Monday 10:30
  (or the next working day after a holiday); a limit that ends exactly at 18:00 falls due then.

Working days follow China's holiday calendar (:mod:`data.holidays`): public holidays are
days off and make-up working days (调休, a Saturday or Sunday) are working days, from the
``chinesecalendar`` package and the centre's own ``holidays`` table. A year neither knows
counts Saturdays and Sundays as the only days off, and the log says so.

Which limit a case gets: :func:`limit_for` (one case) and :func:`limits_for` (a column of
cases): an urgent case (``cases.urgent``) gets its category's urgent limit where the table
gives one, every other case the ordinary limit. Dispatch, the workflow, live intake, the
return visit's rework and the imports all ask them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data.holidays import LIBRARY, WorkCalendar
from data.models import Category
from data.schema import HOURS, NATURAL_DAYS, TIME_UNITS, WORKING_DAYS, WORKING_HOURS

#: When a case that arrives on a day off starts its clock: the next working day at this hour;
#: and when working time (``working_hours``) begins each working day.
WORKDAY_START = time(8, 30)
#: When a deadline a commander chooses (a day) falls: the end of that working day; and when
#: working time (``working_hours``) ends each working day.
WORKDAY_END = time(18, 0)
_US_HOUR = 3_600_000_000
_US_DAY = 24 * _US_HOUR
#: Microseconds of working time in a working day (08:30-18:00).
_SPAN = ((WORKDAY_END.hour * 60 + WORKDAY_END.minute)
         - (WORKDAY_START.hour * 60 + WORKDAY_START.minute)) * 60_000_000
_START_US = (WORKDAY_START.hour * 60 + WORKDAY_START.minute) * 60_000_000
#: The category table's columns a deadline needs (select them, then :func:`limit_for`).
LIMIT_COLUMNS = (Category.time_limit, Category.time_unit, Category.urgent_time_limit,
                 Category.urgent_time_unit)


def limit_for(category: Any, urgent: bool) -> tuple[float, str]:
    """The time limit and unit a case of ``category`` (a row with the columns of
    :data:`LIMIT_COLUMNS`) gets: the urgent limit for an urgent case where the table gives
    one (in its own unit, else the ordinary unit), else the ordinary limit."""
    urgent_limit = getattr(category, "urgent_time_limit", None)
    if urgent and urgent_limit is not None:
        return urgent_limit, getattr(category, "urgent_time_unit", None) or category.time_unit
    return category.time_limit, category.time_unit


def limits_for(table: pd.DataFrame, keys: pd.Series, urgent: pd.Series
               ) -> tuple[pd.Series, pd.Series]:
    """:func:`limit_for` for a column of cases: ``table`` is the category table indexed by
    what ``keys`` hold (e.g. subcategory), with the columns of :data:`LIMIT_COLUMNS`;
    ``urgent`` says which cases are urgent. Missing where the table has no row."""
    keys = pd.Series(keys).reset_index(drop=True)
    urgent = pd.Series(urgent, dtype="bool").reset_index(drop=True)
    limit = keys.map(table["time_limit"]).astype("float64")
    unit = keys.map(table["time_unit"]).astype("object")
    if "urgent_time_limit" in table:
        fast = keys.map(table["urgent_time_limit"]).astype("float64")
        fast_unit = keys.map(table["urgent_time_unit"]).astype("object").where(
            lambda u: u.notna(), unit)
        use = urgent & fast.notna()
        limit = limit.where(~use, fast)
        unit = unit.where(~use, fast_unit)
    return limit, unit


def deadline(start_utc: datetime, limit: float, unit: str, tz: ZoneInfo,
             calendar: WorkCalendar | None = None) -> datetime:
    """When a case that started at ``start_utc`` (naive UTC) is due, ``limit`` ``unit``
    later (the units are the module's), in the deployment's time zone ``tz``.

    Working days and hours count the working days of ``calendar`` (default: the package's
    holiday calendar, :data:`data.holidays.LIBRARY`; a deployment passes
    :func:`data.holidays.work_calendar` of its store). The result is naive UTC.
    """
    if limit < 0:
        raise ValueError(f"time limit must not be negative, got {limit!r}")
    if unit == HOURS:
        return start_utc + timedelta(hours=limit)
    if unit not in TIME_UNITS:
        raise ValueError(f"time unit must be one of {TIME_UNITS}, got {unit!r}")
    local = start_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    if unit == NATURAL_DAYS:
        local += timedelta(microseconds=round(limit * _US_DAY))
        return local.astimezone(timezone.utc).replace(tzinfo=None)
    cal = LIBRARY if calendar is None else calendar
    first = local.date()
    local = (_working_days(local, limit, cal) if unit == WORKING_DAYS
             else _working_hours(local, limit, cal))
    cal.warn_uncovered(first, local.date())
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _at(local: datetime, moment: time) -> datetime:
    return local.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)


def _working_days(local: datetime, limit: float, cal: WorkCalendar) -> datetime:
    whole = int(limit)
    rest = limit - whole
    while not cal.is_working_day(local.date()):
        local = _at(local + timedelta(days=1), WORKDAY_START)
    added = 0
    while added < whole:
        local += timedelta(days=1)
        if cal.is_working_day(local.date()):
            added += 1
    local += timedelta(days=rest)
    while not cal.is_working_day(local.date()):
        local += timedelta(days=1)
    return local


def _next_working_start(local: datetime, cal: WorkCalendar) -> datetime:
    local = _at(local + timedelta(days=1), WORKDAY_START)
    while not cal.is_working_day(local.date()):
        local += timedelta(days=1)
    return local


def _working_hours(local: datetime, limit: float, cal: WorkCalendar) -> datetime:
    remaining = timedelta(microseconds=round(limit * _US_HOUR))
    if not cal.is_working_day(local.date()) or local.time() >= WORKDAY_END:
        local = _next_working_start(local, cal)
    elif local.time() < WORKDAY_START:
        local = _at(local, WORKDAY_START)
    while True:
        left = _at(local, WORKDAY_END) - local
        if remaining <= left:
            return local + remaining
        remaining -= left
        local = _next_working_start(local, cal)


def chosen_deadline(day: date, tz: ZoneInfo) -> datetime:
    """The deadline of a day a commander chooses (postponing a case): the end of that
    working day (:data:`WORKDAY_END`) in the deployment's time zone ``tz``, as naive UTC."""
    local = datetime.combine(day, WORKDAY_END, tz)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def deadlines(start_utc: pd.Series, limits: pd.Series, units: pd.Series,
              tz: ZoneInfo, calendar: WorkCalendar | None = None) -> pd.Series:
    """:func:`deadline` for whole columns at once (naive UTC ``datetime64`` in and out).

    Gives the same answer as calling :func:`deadline` row by row (with the same
    ``calendar``); the demo generator and the imports use it to date hundreds of
    thousands of cases in a blink. Missing starts or limits give ``NaT``.
    """
    start = pd.to_datetime(pd.Series(start_utc)).reset_index(drop=True)
    limit = pd.Series(limits, dtype="float64").reset_index(drop=True)
    unit = pd.Series(units, dtype="object").reset_index(drop=True)
    bad = set(unit.dropna().unique()) - set(TIME_UNITS)
    if bad:
        raise ValueError(f"time unit must be one of {TIME_UNITS}, got {sorted(bad)!r}")
    if (limit < 0).any():
        raise ValueError("time limit must not be negative")
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[us]")
    usable = start.notna() & limit.notna()

    by_hours = (unit == HOURS) & usable
    out[by_hours] = start[by_hours] + pd.to_timedelta(limit[by_hours], unit="h")

    cal = LIBRARY if calendar is None else calendar
    for name, count in ((NATURAL_DAYS, _natural_days_many), (WORKING_DAYS, _working_days_many),
                        (WORKING_HOURS, _working_hours_many)):
        chosen = (unit == name) & usable
        if not chosen.any():
            continue
        local = (start[chosen].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
                 .astype("datetime64[us]"))
        local = count(local, limit[chosen].to_numpy(), cal)
        utc = (local.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
               .dt.tz_convert("UTC").dt.tz_localize(None))
        out[chosen] = utc.astype("datetime64[us]")
    return out


def _natural_days_many(local: pd.Series, lim: np.ndarray, cal: WorkCalendar) -> pd.Series:
    step = np.round(lim * _US_DAY).astype("int64").astype("timedelta64[us]")
    return pd.Series(local.to_numpy() + step, index=local.index)


def _working_days_many(local: pd.Series, lim: np.ndarray, cal: WorkCalendar) -> pd.Series:
    whole = np.floor(lim).astype("int64")
    rest = lim - whole
    day = local.dt.normalize().to_numpy().astype("datetime64[D]")
    workdays = _enough_working_days(cal, day.min(), day.max(), int(whole.max()))
    # the first working day on or after the start; a start on a day off begins there at 08:30
    at = np.searchsorted(workdays, day, side="left")
    off = workdays[at] != day
    clock = (local - local.dt.normalize()).to_numpy().copy()
    clock[off] = np.timedelta64(_START_US, "us")
    moved = workdays[at + whole]
    local = pd.Series(moved.astype("datetime64[us]") + clock, index=local.index) \
        + pd.to_timedelta(rest, unit="D")
    # a fractional day that lands on a day off rolls on to the next working day, clock kept
    for _ in range(400):
        resting = ~np.isin(local.dt.normalize().to_numpy().astype("datetime64[D]"), workdays)
        if not resting.any():
            break
        local = local.where(~resting, local + pd.Timedelta(days=1))
    cal.warn_uncovered(_as_day(day.min()), local.max().date())
    return local


def _working_hours_many(local: pd.Series, lim: np.ndarray, cal: WorkCalendar) -> pd.Series:
    """Working time as one line: working day ``i`` holds the microseconds ``i * span`` to
    ``(i + 1) * span``; a start is a point on it, the deadline the point ``limit`` later."""
    need = np.round(lim * _US_HOUR).astype("int64")
    day = local.dt.normalize().to_numpy().astype("datetime64[D]")
    clock = (local - local.dt.normalize()).to_numpy().astype("timedelta64[us]").astype("int64")
    workdays = _enough_working_days(cal, day.min(), day.max(), int(need.max() // _SPAN) + 2)
    at = np.searchsorted(workdays, day, side="left")
    on_day = workdays[at] == day
    into = np.clip(clock - _START_US, 0, None)
    late = on_day & (clock >= _START_US + _SPAN)  # after 18:00: the next working day
    into = np.where(on_day & ~late, into, 0)
    at = np.where(late, at + 1, at)
    target = at.astype("int64") * _SPAN + into + need
    index, rest = np.divmod(target, _SPAN)
    # a limit that ends exactly at 18:00 falls due then, not at the next 08:30
    edge = (rest == 0) & (need > 0)
    index = np.where(edge, index - 1, index)
    rest = np.where(edge, _SPAN, rest)
    due = (workdays[index].astype("datetime64[us]")
           + (rest + _START_US).astype("timedelta64[us]"))
    cal.warn_uncovered(_as_day(day.min()), _as_day(workdays[index].max()))
    return pd.Series(due, index=local.index)


def _as_day(value) -> date:
    return value.astype("datetime64[D]").item()


def _enough_working_days(cal: WorkCalendar, first, last, most: int):
    """The working days from ``first`` on, reaching ``most`` + 2 working days past
    ``last`` (``datetime64[D]`` bounds): every step a deadline of at most ``most``
    working days can take from a start up to ``last``, and the roll after it."""
    begin, end = _as_day(first), _as_day(last)
    step = timedelta(days=most * 2 + 40)
    horizon = end + step if date.max - end > step else date.max
    while True:
        workdays = cal.working_days(begin, horizon)
        if int((workdays >= np.datetime64(end)).sum()) >= most + 2:
            return workdays
        if horizon == date.max:
            raise ValueError(f"a deadline of {most} working days from {end.isoformat()} "
                             f"runs past the calendar's last day {date.max.isoformat()}")
        horizon = horizon + step if date.max - horizon > step else date.max
