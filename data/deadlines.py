"""Deadlines from the category table's time limits (hours, or working days)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from data.schema import HOURS, WORKING_DAYS


def deadline(start_utc: datetime, limit: float, unit: str, tz: ZoneInfo) -> datetime:
    """When a case that started at ``start_utc`` (naive UTC) is due.

    ``hours`` count the clock; ``working_days`` skip Saturdays and Sundays in the
    deployment's time zone (public holidays are not modelled). The result is naive UTC.
    """
    if limit < 0:
        raise ValueError(f"time limit must not be negative, got {limit!r}")
    if unit == HOURS:
        return start_utc + timedelta(hours=limit)
    if unit != WORKING_DAYS:
        raise ValueError(f"time unit must be {HOURS!r} or {WORKING_DAYS!r}, got {unit!r}")
    local = start_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    whole = int(limit)
    rest = limit - whole
    # A case reported on a weekend starts its clock on Monday morning's working time.
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=8, minute=30, second=0, microsecond=0)
    added = 0
    while added < whole:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    local += timedelta(days=rest)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def deadlines(start_utc: "pd.Series", limits: "pd.Series", units: "pd.Series",
              tz: ZoneInfo) -> "pd.Series":
    """:func:`deadline` for whole columns at once (naive UTC ``datetime64`` in and out).

    Gives the same answer as calling :func:`deadline` row by row; the demo generator and
    the importer use it to date hundreds of thousands of cases in a blink. Missing starts
    or limits give ``NaT``.
    """
    import numpy as np
    import pandas as pd

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
        local = (start[by_days].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None))
        lim = limit[by_days]
        # weekend start: Monday 08:30 local
        weekend = local.dt.day_of_week >= 5
        monday = (local.dt.normalize()
                  + pd.to_timedelta(7 - local.dt.day_of_week, unit="D")
                  + pd.Timedelta(hours=8, minutes=30))
        local = local.where(~weekend, monday)
        whole = np.floor(lim.to_numpy()).astype("int64")
        rest = lim.to_numpy() - whole
        day = local.dt.normalize().to_numpy().astype("datetime64[D]")
        moved = np.busday_offset(day, whole, roll="forward")
        local = (pd.Series(moved.astype("datetime64[us]"), index=local.index)
                 + (local - local.dt.normalize())
                 + pd.to_timedelta(rest, unit="D"))
        # a fractional day that lands on a weekend rolls on to Monday, clock time kept
        while (local.dt.day_of_week >= 5).any():
            local = local.where(local.dt.day_of_week < 5, local + pd.Timedelta(days=1))
        utc = (local.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
               .dt.tz_convert("UTC").dt.tz_localize(None))
        out[by_days] = utc.astype("datetime64[us]")
    return out
