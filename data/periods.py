"""Periods of local days: the inclusive local dates a metric counts over and the
half-open naive-UTC interval they cover, in the deployment's time zone. Shared by
:mod:`data.metrics` and :mod:`data.rollup_read`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlalchemy.sql.expression import ColumnElement

__all__ = ["Period", "local_date", "local_midnight_utc", "period_for", "same_span", "within"]


@dataclass(frozen=True)
class Period:
    """Inclusive local dates and the half-open naive-UTC interval they cover.

    ``whole`` is False for a period cut short of its last day's end (:func:`same_span`:
    the part of a comparison period that equals the elapsed part of a running one); its
    ``end`` is then the cut, and ``last`` the local day the cut falls in."""

    first: date
    last: date
    start: datetime
    end: datetime
    whole: bool = True

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


def same_span(other: Period, period: Period, as_of: datetime, tz: ZoneInfo) -> Period:
    """``other`` (a comparison period: the one before, or the year before) as compared
    with ``period`` as of ``as_of``: the whole of it when ``period`` has ended by then;
    while ``period`` is still running, only its first part of the same elapsed local time
    (like with like: Monday to Wednesday 18:40 against Monday to Wednesday 18:40 of the
    week before, today until now against yesterday until the same hour), cut at the same
    local clock time. A running period's days still to come are never compared.

    The elapsed time is local clock time, so a daylight-saving change in either period
    moves the cut by the change, not by an hour of the other period."""
    # the period's last moment (an old export's wall shows that, data.metrics.data_now)
    # leaves nothing of it to come: timestamps are whole microseconds
    if as_of >= period.end - timedelta(microseconds=1):
        return other
    if as_of <= period.start:  # nothing of it has run: nothing of the other to compare
        return Period(other.first, other.first, other.start, other.start, whole=False)
    local_start = datetime.combine(period.first, time(0, 0))
    elapsed = _local_naive(as_of, tz) - local_start
    cut_local = datetime.combine(other.first, time(0, 0)) + elapsed
    cut = cut_local.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)
    cut = max(other.start, min(cut, other.end))
    if cut >= other.end:
        return other
    last = local_date(cut - timedelta(microseconds=1), tz) if cut > other.start else other.first
    return Period(other.first, last, other.start, cut, whole=False)


def _local_naive(moment_utc: datetime, tz: ZoneInfo) -> datetime:
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def local_date(moment_utc: datetime, tz: ZoneInfo) -> date:
    """The local date of a naive-UTC moment."""
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(tz).date()


def within(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    """``column`` falls in the period (its start included, its end not)."""
    return and_(column >= period.start, column < period.end)
