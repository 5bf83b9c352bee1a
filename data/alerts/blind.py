"""Blind spots (巡查盲区): a grid nobody has patrolled for days while cases come in there.

Only in a deployment that records patrols: with no patrol started by ``as_of`` (the
``patrols`` table), whether a grid was patrolled is unknown, not an alarm, and nothing
is found.

A leaf region (one without children) is a blind spot at ``as_of`` when no patrol visit
began in it (``patrol_visits.first_at``) in the last ``days`` days, the interval
``(as_of - days, as_of]``, while ``min_cases`` or more cases (not voided by ``as_of``) were
reported in it in those days. The gap starts at the last visit before; a leaf never
visited counts from the deployment's first patrol (the days covered). Red when the gap
is ``red_days`` days or longer, else orange.

Key ``blind_spot:<region id>:<the gap's start as a local date>``: the same gap keeps one
alert, a visit ends it (the alert closes itself), and a later gap is a new one.
``started_at``: the gap's start (the last visit, or the first patrol). ``case_ids``: the
cases reported in the leaf in the window. ``facts``: ``days_without_patrol`` (whole days
since the last visit, or the days covered when none), ``cases``, ``days``,
``last_visit_at`` (ISO, or None when never visited).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import aliased

from data.alerts.finding import ORANGE, RED, Finding
from data.alerts.history import not_voided_at, reports_only
from data.models import Case, Patrol, PatrolVisit, Region
from data.periods import local_date
from data.sql import id_chunks
from data.store import deployment_timezone

RULE = "blind_spot"


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The leaves unpatrolled for ``days`` days with cases at ``as_of`` (naive UTC)."""
    days, red_days = float(params["days"]), float(params["red_days"])
    min_cases = int(params["min_cases"])
    if days <= 0 or min_cases < 1:
        raise ValueError(f"{RULE}: days must be above 0 and min_cases at least 1, got "
                         f"{params['days']!r} and {params['min_cases']!r}")
    first_patrol = conn.execute(select(func.min(Patrol.started_at))
                                .where(Patrol.started_at <= as_of)).scalar()
    if first_patrol is None:
        return []  # no patrols recorded (by then): unknown, not an alarm
    window_start = as_of - timedelta(days=days)
    cases = _cases_of_leaves(conn, window_start, as_of)
    busy = {region: ids for region, ids in cases.items() if len(ids) >= min_cases}
    if not busy:
        return []
    v = PatrolVisit
    last_visits: dict[int, datetime] = {}
    for among in id_chunks(conn, v.region_id, sorted(busy)):
        last_visits.update(conn.execute(
            select(v.region_id, func.max(v.first_at))
            .where(among, v.first_at <= as_of).group_by(v.region_id)).all())
    tz = deployment_timezone(conn)
    findings = []
    for region_id, ids in sorted(busy.items()):
        last = last_visits.get(region_id)
        gap_start = last if last is not None else first_patrol
        if gap_start > window_start:
            continue  # visited within the window (or patrols recorded for less than it)
        gap = as_of - gap_start
        findings.append(Finding(
            rule=RULE, key=f"{RULE}:{region_id}:{local_date(gap_start, tz).isoformat()}",
            level=RED if gap >= timedelta(days=red_days) else ORANGE, region_id=region_id,
            started_at=gap_start, case_ids=tuple(sorted(ids)),
            facts={"days_without_patrol": gap.days, "cases": len(ids), "days": params["days"],
                   "last_visit_at": None if last is None else last.isoformat()}))
    return findings


def _cases_of_leaves(conn: Connection, start: datetime, as_of: datetime) -> dict[int, list]:
    """The ids of the cases reported in ``(start, as_of]`` and not voided by ``as_of``, per
    leaf region they lie in (cases of a region with children are left out)."""
    c = Case
    child = aliased(Region)
    is_leaf = ~select(child.id).where(child.parent_id == c.region_id).exists()
    query = select(c.region_id, c.id).where(c.reported_at > start, c.reported_at <= as_of,
                                            c.region_id.is_not(None), not_voided_at(as_of),
                                            reports_only(), is_leaf)
    held: dict[int, list] = {}
    for region_id, case_id in conn.execute(query):
        held.setdefault(region_id, []).append(case_id)
    return held
