"""Deadlines from the category table's time limits (hours, or working days).

Working days follow China's holiday calendar (:mod:`data.holidays`): public holidays are
days off and make-up working days (调休, a Saturday or Sunday) are working days, from the
``chinesecalendar`` package and the centre's own ``holidays`` table. A year neither knows
counts Saturdays and Sundays as the only days off, and the log says so.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data.holidays import LIBRARY, WorkCalendar
from data.schema import HOURS, WORKING_DAYS

#: When a case that arrives on a day off starts its clock: the next working day at this hour.
WORKDAY_START = time(8, 30)
#: When a deadline a commander chooses (a day) falls: the end of that working day.
WORKDAY_END = time(18, 0)


def deadline(start_utc: datetime, limit: float, unit: str, tz: ZoneInfo,
             calendar: WorkCalendar | None = None) -> datetime:
    """When a case that started at ``start_utc`` (naive UTC) is due.

    ``hours`` count the clock; ``working_days`` count the working days of ``calendar``
    (default: the package's holiday calendar, :data:`data.holidays.LIBRARY`; a deployment
    passes :func:`data.holidays.work_calendar` of its store) in the deployment's time
    zone: a case that starts on a day off starts its clock on the next working day at
    08:30, and a deadline that would fall on a day off moves on to the next working day,
    its clock time kept. The result is naive UTC.
    """
    if limit < 0:
        raise ValueError(f"time limit must not be negative, got {limit!r}")
    if unit == HOURS:
        return start_utc + timedelta(hours=limit)
    if unit != WORKING_DAYS:
        raise ValueError(f"time unit must be {HOURS!r} or {WORKING_DAYS!r}, got {unit!r}")
    cal = LIBRARY if calendar is None else calendar
    local = start_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    first = local.date()
    whole = int(limit)
    rest = limit - whole
    while not cal.is_working_day(local.date()):
        local = (local + timedelta(days=1)).replace(
            hour=WORKDAY_START.hour, minute=WORKDAY_START.minute, second=0, microsecond=0)
    added = 0
    while added < whole:
        local += timedelta(days=1)
        if cal.is_working_day(local.date()):
            added += 1
    local += timedelta(days=rest)
    while not cal.is_working_day(local.date()):
        local += timedelta(days=1)
    cal.warn_uncovered(first, local.date())
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def chosen_deadline(day: date, tz: ZoneInfo) -> datetime:
    """The deadline of a day a commander chooses (postponing a case): the end of that
    working day (:data:`WORKDAY_END`) in the deployment's time zone ``tz``, as naive UTC."""
    local = datetime.combine(day, WORKDAY_END, tz)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def deadlines(start_utc: pd.Series, limits: pd.Series, units: pd.Series,
              tz: ZoneInfo, calendar: WorkCalendar | None = None) -> pd.Series:
    """:func:`deadline` for whole columns at once (naive UTC ``datetime64`` in and out).

    Gives the same answer as calling :func:`deadline` row by row (with the same
    ``calendar``); the demo generator and the importer use it to date hundreds of
    thousands of cases in a blink. Missing starts or limits give ``NaT``.
    """
    start = pd.to_datetime(pd.Series(start_utc)).reset_index(drop=True)
    limit = pd.Series(limits, dtype="float64").reset_index(drop=True)
    unit = pd.Series(units, dtype="object").reset_index(drop=True)
    bad = set(unit.dropna().unique()) - {HOURS, WORKING_DAYS}
    if bad:
        raise ValueError(f"time unit must be {HOURS!r} or {WORKING_DAYS!r}, got {sorted(bad)!r}")
    if (limit < 0).any():
        raise ValueError("time limit must not be negative")
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[us]")

    by_hours = (unit == HOURS) & start.notna() & limit.notna()
    out[by_hours] = start[by_hours] + pd.to_timedelta(limit[by_hours], unit="h")

    by_days = (unit == WORKING_DAYS) & start.notna() & limit.notna()
    if by_days.any():
        cal = LIBRARY if calendar is None else calendar
        local = (start[by_days].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None))
        lim = limit[by_days].to_numpy()
        whole = np.floor(lim).astype("int64")
        rest = lim - whole
        day = local.dt.normalize().to_numpy().astype("datetime64[D]")
        workdays = _enough_working_days(cal, day.min(), day.max(), int(whole.max()))
        # the first working day on or after the start; a start on a day off begins there
        # at 08:30
        at = np.searchsorted(workdays, day, side="left")
        off = workdays[at] != day
        clock = (local - local.dt.normalize()).to_numpy().copy()
        clock[off] = np.timedelta64(WORKDAY_START.hour * 60 + WORKDAY_START.minute, "m")
        moved = workdays[at + whole]
        local = pd.Series(moved.astype("datetime64[us]") + clock, index=local.index) \
            + pd.to_timedelta(rest, unit="D")
        # a fractional day that lands on a day off rolls on to the next working day,
        # clock time kept
        for _ in range(400):
            resting = ~np.isin(local.dt.normalize().to_numpy().astype("datetime64[D]"),
                               workdays)
            if not resting.any():
                break
            local = local.where(~resting, local + pd.Timedelta(days=1))
        cal.warn_uncovered(_as_day(day.min()), local.max().date())
        utc = (local.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
               .dt.tz_convert("UTC").dt.tz_localize(None))
        out[by_days] = utc.astype("datetime64[us]")
    return out


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
