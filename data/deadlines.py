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
