"""The week's alerts and what became of them (the weekly briefing's 本周预警 page).

For a region (its own alerts and its descendants'; None: the whole deployment, alerts with
no region too) and a period ``[start, end)`` (the briefing's ISO week,
:meth:`data.briefing.IsoWeek.period`), the alerts *of the week* are

* those **raised** in it (``first_seen_at`` in the period), and
* those **carried over**: raised before it and still open at its start (not closed, or
  closed at or after the start).

What became of each is told **as of the week's end** (or now, for a week still running),
from the timestamps, never from the current ``state`` alone: an alert acknowledged after
the week ended was unacknowledged that week. The alerts table keeps the current state;
``acknowledged_at``, ``closed_at`` (with ``closed_by`` and the note) and the supervision
case's own times (it is made at the moment of assigning, its ``case_events`` say how it
went on) say when each change happened. In order:

* ``closed_by_person`` / ``closed_by_system``: ``closed_at`` before the cut-off;
* ``assigned``: its supervision case reported before the cut-off (with the case's status
  then: the last of its events before the cut-off);
* ``acknowledged``: ``acknowledged_at`` before the cut-off;
* ``new``: none of these.

(An alert the system closed and then reopened keeps no trace of that closing: it reads as
open all along.)

Honest numbers: alerts exist only since the rules first ran (:data:`book.FIRST_COMPUTED`,
or the earliest ``first_seen_at`` of a store that predates that key). A week that ended
before then has no figures (``coverage`` ``before``), not zeros; a week in which recording
began is ``partial``; a store whose alerts were never computed is ``none``.

No Dash here: :mod:`layouts.briefing_alerts` words and draws it.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from data import store
from data.alerts import book
from data.alerts.finding import LEVELS, ORANGE, RED
from data.alerts.registry import RULES
from data.models import Alert, Case, CaseEvent, Region, RegionAncestor, RegionLevel
from data.periods import Period
from data.regions import RegionInfo
from data.sql import id_chunks

__all__ = ["OUTCOMES", "WeekAlert", "WeekAlerts", "recorded_since", "week_alerts"]

#: What became of an alert by the week's end, in the order the briefing lists them.
OUTCOMES: tuple[str, ...] = ("new", "acknowledged", "assigned", "closed_by_person",
                             "closed_by_system")
OPEN_OUTCOMES: tuple[str, ...] = ("new", "acknowledged", "assigned")
#: The levels the briefing lists alert by alert.
LISTED_LEVELS: tuple[str, ...] = (RED, ORANGE)


@dataclass(frozen=True)
class WeekAlert:
    """One alert of the week and its outcome at the cut-off (see the module)."""

    id: int
    rule: str
    level: str
    region_code: str | None
    region_name: str | None
    region_level: str | None
    started_at: datetime
    first_seen_at: datetime
    carried: bool
    outcome: str
    facts: dict = field(compare=False)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_note: str | None = None
    case_code: str | None = None
    case_status: str | None = None

    @property
    def hours_to_acknowledge(self) -> float | None:
        """Hours from first seen to acknowledged, when acknowledged by the cut-off."""
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.first_seen_at).total_seconds() / 3600


@dataclass(frozen=True)
class WeekAlerts:
    """The alerts of one region's week, and how far the record of alerts reaches.

    ``cutoff`` is when the outcomes are told (the week's end, or ``now`` while it runs);
    ``recorded_since`` the first moment alerts were computed (None: never);
    ``computed_at`` the last; ``coverage`` ``full``, ``partial`` (recording began in
    the week), ``before`` (the week ended before it began) or ``none`` (never computed).
    """

    start: datetime
    end: datetime
    cutoff: datetime
    running: bool
    future: bool
    recorded_since: datetime | None
    computed_at: datetime | None
    alerts: tuple[WeekAlert, ...]
    #: Region level → its English name (the explanations' "this grid").
    level_names_en: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def coverage(self) -> str:
        if self.recorded_since is None:
            return "none"
        if self.recorded_since >= self.end:
            return "before"
        return "partial" if self.recorded_since > self.start else "full"

    @property
    def stale(self) -> bool:
        """The alerts were last computed longer than :data:`book.RECOMPUTE_AFTER` before
        the cut-off (no server ran the rules since): what they say stops at
        :attr:`computed_at`."""
        return self.computed_at is not None and not self.future \
            and self.computed_at < self.cutoff - book.RECOMPUTE_AFTER

    def raised(self) -> list[WeekAlert]:
        return [a for a in self.alerts if not a.carried]

    def counts(self) -> dict[str, Any]:
        """The week in figures: ``raised`` and ``carried`` counts, ``raised_by_level``,
        ``outcomes`` (each of :data:`OUTCOMES`, over all the week's alerts), ``open``,
        ``closed`` and ``median_hours_to_acknowledge`` / ``acknowledged`` (of the alerts
        raised in the week that were acknowledged by the cut-off; None without one)."""
        raised = self.raised()
        outcomes = {o: sum(a.outcome == o for a in self.alerts) for o in OUTCOMES}
        hours = [h for h in (a.hours_to_acknowledge for a in raised) if h is not None]
        return {
            "raised": len(raised), "carried": len(self.alerts) - len(raised),
            "raised_by_level": {lv: sum(a.level == lv for a in raised) for lv in LEVELS},
            "outcomes": outcomes,
            "open": sum(outcomes[o] for o in OPEN_OUTCOMES),
            "closed": outcomes["closed_by_person"] + outcomes["closed_by_system"],
            "acknowledged": len(hours),
            "median_hours_to_acknowledge": statistics.median(hours) if hours else None,
        }

    def by_rule(self) -> list[dict[str, Any]]:
        """One row per rule that has an alert this week (the registry's order): ``rule``,
        the raised alerts per level (``red``/``orange``/``yellow``), ``raised``,
        ``carried``, ``closed_by_person``, ``closed_by_system`` and ``open``."""
        rows = []
        order = [r.key for r in RULES] + sorted({a.rule for a in self.alerts}
                                                - {r.key for r in RULES})
        for rule in order:
            mine = [a for a in self.alerts if a.rule == rule]
            if not mine:
                continue
            raised = [a for a in mine if not a.carried]
            rows.append({"rule": rule, **{lv: sum(a.level == lv for a in raised)
                                          for lv in LEVELS},
                         "raised": len(raised), "carried": len(mine) - len(raised),
                         "closed_by_person": sum(a.outcome == "closed_by_person" for a in mine),
                         "closed_by_system": sum(a.outcome == "closed_by_system" for a in mine),
                         "open": sum(a.outcome in OPEN_OUTCOMES for a in mine)})
        return rows

    def listed(self) -> list[WeekAlert]:
        """The week's red and orange alerts: red first, then orange; newest first."""
        chosen = [a for a in self.alerts if a.level in LISTED_LEVELS]
        return sorted(chosen, key=lambda a: (LEVELS.index(a.level), -a.first_seen_at.timestamp(),
                                             -a.id))


def recorded_since(conn: Connection) -> datetime | None:
    """When the alerts were first computed: :data:`book.FIRST_COMPUTED`, or the earliest
    ``first_seen_at`` when that is earlier or the key is missing (a store computed
    before the key existed); None when the rules never ran."""
    first = store.get_meta(conn, book.FIRST_COMPUTED)
    earliest = conn.scalar(select(func.min(Alert.first_seen_at)))
    known = [datetime.fromisoformat(first)] if first else []
    if earliest is not None:
        known.append(earliest)
    computed = None if known else store.get_meta(conn, book.COMPUTED_AT)
    if computed:
        known.append(datetime.fromisoformat(computed))
    return min(known) if known else None


_COLUMNS = (Alert.id, Alert.rule, Alert.level, Region.code.label("region_code"),
            Region.name.label("region_name"), Region.level.label("region_level"),
            Alert.started_at, Alert.first_seen_at, Alert.acknowledged_by,
            Alert.acknowledged_at, Alert.assigned_case_id, Alert.closed_at, Alert.closed_by,
            Alert.close_note, Alert.facts, Case.code.label("case_code"),
            Case.reported_at.label("case_reported_at"), Case.status.label("case_status"))


def week_alerts(conn: Connection, region: RegionInfo | None, period: Period,
                now: datetime) -> WeekAlerts:
    """The alerts of ``region``'s week ``period`` with their outcomes at the week's end
    (or ``now``, naive UTC, while the week runs): see the module."""
    now = store.naive_utc(now)
    start, end = period.start, period.end
    cutoff = min(end, now)
    query = (select(*_COLUMNS).outerjoin(Region, Region.id == Alert.region_id)
             .outerjoin(Case, Case.id == Alert.assigned_case_id)
             .where(Alert.first_seen_at < cutoff,
                    or_(Alert.first_seen_at >= start, Alert.closed_at.is_(None),
                        Alert.closed_at >= start)))
    if region is not None:
        query = query.join(RegionAncestor, and_(RegionAncestor.descendant_id == Alert.region_id,
                                                RegionAncestor.ancestor_id == region.id))
    rows = conn.execute(query.order_by(Alert.first_seen_at, Alert.id)).all()
    statuses = _case_statuses(conn, [r.assigned_case_id for r in rows
                                     if r.assigned_case_id is not None
                                     and _before(r.case_reported_at, cutoff)],
                              cutoff)
    alerts = tuple(_week_alert(row, start, cutoff, statuses, json.loads(row.facts or "{}"))
                   for row in rows)
    computed = store.get_meta(conn, book.COMPUTED_AT)
    return WeekAlerts(start, end, cutoff, start <= now < end, now < start,
                      recorded_since(conn),
                      datetime.fromisoformat(computed) if computed else None, alerts,
                      {name: (en or name).lower() for name, en in
                       conn.execute(select(RegionLevel.name, RegionLevel.name_en)).all()})


def _before(moment: datetime | None, cutoff: datetime) -> bool:
    return moment is not None and moment < cutoff


def _week_alert(row: Any, start: datetime, cutoff: datetime, statuses: dict[int, str],
                facts: dict) -> WeekAlert:
    closed = _before(row.closed_at, cutoff)
    assigned = row.assigned_case_id is not None and _before(row.case_reported_at, cutoff)
    acknowledged = _before(row.acknowledged_at, cutoff)
    if closed:
        outcome = "closed_by_system" if row.closed_by == book.SYSTEM else "closed_by_person"
    elif assigned:
        outcome = "assigned"
    elif acknowledged:
        outcome = "acknowledged"
    else:
        outcome = "new"
    return WeekAlert(
        id=row.id, rule=row.rule, level=row.level, region_code=row.region_code,
        region_name=row.region_name, region_level=row.region_level, started_at=row.started_at,
        first_seen_at=row.first_seen_at, carried=row.first_seen_at < start, outcome=outcome,
        facts=facts,
        acknowledged_by=row.acknowledged_by if acknowledged else None,
        acknowledged_at=row.acknowledged_at if acknowledged else None,
        closed_at=row.closed_at if closed else None,
        closed_by=row.closed_by if closed else None,
        close_note=row.close_note if closed else None,
        case_code=row.case_code if assigned else None,
        case_status=statuses.get(row.assigned_case_id, row.case_status) if assigned else None)


def _case_statuses(conn: Connection, case_ids: list[int], cutoff: datetime) -> dict[int, str]:
    """Each case's status just before ``cutoff``: the ``to_status`` of its last event
    before then that names one."""
    found: dict[int, tuple[datetime, int, str]] = {}
    for condition in id_chunks(conn, CaseEvent.case_id, case_ids):
        for case_id, at, event_id, status in conn.execute(
                select(CaseEvent.case_id, CaseEvent.at, CaseEvent.id, CaseEvent.to_status)
                .where(condition, CaseEvent.at < cutoff, CaseEvent.to_status.is_not(None))):
            if case_id not in found or (at, event_id) > found[case_id][:2]:
                found[case_id] = (at, event_id, status)
    return {case_id: status for case_id, (_, _, status) in found.items()}
