"""Alerts for the days before the rules first ran (opt-in: ``dashboard alerts --backfill``).

Alerts exist only from when the rules ran, so a store's past weeks have none. A backfill
replays the last ``days`` local days: :func:`data.alerts.book.refresh` at the last second
of each local day (the deployment's time zone), oldest first, then at ``now``. The rules
read nothing after their ``as_of``, so each pass sees what was known then; an alert that
stops holding is closed by the system at that day's time, one that starts is first seen
then. The history is therefore as the rules would have written it, had they run once a
day (an alert that held for a few hours within one day is not seen).

Only a store whose alerts were never computed after the first replayed moment can be
backfilled: replaying days under alerts already computed later would write their history
out of order (an alert closed before it was first seen). :class:`BackfillRefused` says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import Engine

from data import store
from data.alerts import book
from data.alerts.registry import Rule
from data.periods import local_date, local_midnight_utc

#: The most days a backfill replays (a year; each day costs the rules' full run).
MAX_DAYS = 366


class BackfillRefused(ValueError):
    """The store's alerts were computed already at ``computed_at``, after the first moment
    the backfill would replay (``first``)."""

    def __init__(self, computed_at: datetime, first: datetime) -> None:
        self.computed_at, self.first = computed_at, first
        super().__init__(
            f"the alerts were computed already at {computed_at:%Y-%m-%d %H:%M} UTC, after "
            f"the backfill's first moment {first:%Y-%m-%d %H:%M} UTC: replaying days under "
            "them would write their history out of order; backfill a store whose alerts "
            "were never computed (e.g. right after `dashboard demo`)")


@dataclass(frozen=True)
class Pass:
    """One replayed moment: its local day (None for ``now``), the moment, what the
    refresh did, and its seconds."""

    day: Any
    at: datetime
    result: book.RefreshResult
    seconds: float


@dataclass(frozen=True)
class BackfillResult:
    """Every pass of a backfill, oldest first, and the whole time."""

    passes: tuple[Pass, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return sum(p.result.created for p in self.passes)

    @property
    def closed(self) -> int:
        return sum(p.result.closed for p in self.passes)

    @property
    def reopened(self) -> int:
        return sum(p.result.reopened for p in self.passes)


def moments(days: int, now: datetime, tz) -> list[tuple[Any, datetime]]:
    """The moments a backfill of ``days`` replays: (local day, the last second of it in
    naive UTC) for each of the ``days`` local days before today, oldest first, then
    (None, ``now``)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"--backfill {days!r}: expected a number of days from 1 to "
                         f"{MAX_DAYS}")
    today = local_date(now, tz)
    out = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        out.append((day, local_midnight_utc(day + timedelta(days=1), tz)
                    - timedelta(seconds=1)))
    return [*out, (None, now)]


def backfill(engine: Engine, days: int, now: datetime | None = None,
             rule_params: Mapping[str, Mapping[str, Any]] | None = None,
             rules: Sequence[Rule] | None = None,
             told: Callable[[Pass], None] | None = None) -> BackfillResult:
    """Replay the last ``days`` local days and now (see the module); ``told`` hears each
    pass as it ends. Raises :class:`BackfillRefused` when the alerts were computed after
    the first moment already, :class:`ValueError` for a number of days out of range."""
    now = store.naive_utc(now)
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        computed = store.get_meta(conn, book.COMPUTED_AT)
    plan = moments(days, now, tz)
    if computed is not None and datetime.fromisoformat(computed) >= plan[0][1]:
        raise BackfillRefused(datetime.fromisoformat(computed), plan[0][1])
    began = time.perf_counter()
    passes = []
    for day, at in plan:
        started = time.perf_counter()
        result = book.refresh(engine, at, rule_params, rules)
        done = Pass(day, at, result, time.perf_counter() - started)
        passes.append(done)
        if told is not None:
            told(done)
    return BackfillResult(tuple(passes), time.perf_counter() - began)
