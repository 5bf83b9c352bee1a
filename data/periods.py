"""Periods of local days: the inclusive local dates a metric counts over and the
half-open naive-UTC interval they cover, in the deployment's time zone. Shared by
:mod:`data.metrics` and :mod:`data.rollup_read`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlalchemy.sql.expression import ColumnElement

__all__ = ["Period", "local_date", "local_midnight_utc", "period_for", "within"]


@dataclass(frozen=True)
class Period:
    """Inclusive local dates and the half-open naive-UTC interval they cover."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self, tz: ZoneInfo) -> "Period":
        """The period of equal length immediately before this one."""
        return period_for(self.first - timedelta(days=self.days), self.first - timedelta(days=1), tz)


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """The naive-UTC moment local ``day`` starts at."""
    local = datetime.combine(day, time(0, 0), tzinfo=tz)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def period_for(first: date, last: date, tz: ZoneInfo) -> Period:
    """The period from local date ``first`` to ``last`` inclusive."""
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    return Period(first, last, local_midnight_utc(first, tz),
                  local_midnight_utc(last + timedelta(days=1), tz))


def local_date(moment_utc: datetime, tz: ZoneInfo) -> date:
    """The local date of a naive-UTC moment."""
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(tz).date()


def within(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    """``column`` falls in the period (its start included, its end not)."""
    return and_(column >= period.start, column < period.end)
