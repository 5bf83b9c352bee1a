"""Dispatch suggestions: which department, which grid officer, and by when.

When a commander dispatches a case (派遣) the console proposes:

* **department** – the responsible department of the case's subcategory in the category
  table (the routing table of GB/T 30428.2). ``department_reason`` is ``category``, or why
  there is none: ``no_subcategory`` (the case has none), ``no_category`` (the subcategory is
  not in the table), ``category_has_no_department`` (the row names none).
* **officer** – who can be on the spot soonest, by the first rule that finds someone
  (``officer_reason`` names it):

  1. ``on_duty``: an officer on patrol in the case's grid now, i.e. with a patrol of that
     grid started in the last :data:`ON_DUTY_HOURS` hours and not ended by now. The grid's
     own officers come first, then anyone covering it (a vacant grid is often patrolled by
     a neighbour), each group nearest first by their last GPS fix.
  2. ``assigned``: an officer who serves the grid even though not on patrol: they know the
     grid and answer for it. Those whose home grid it is (``officers.region_id``) come
     first, then those who serve it through the roster's ``officer_regions``; lowest id first
     within each.
  3. ``nearest_fix``: the officer whose latest GPS fix of the last :data:`ON_DUTY_HOURS`
     hours lies nearest the case (great-circle distance). The case's point is its lon/lat,
     or its region's centroid when it has none.

  When nobody is found, ``officer_id`` is None and ``officer_reason`` says why:
  ``no_location`` (no grid officer, and the case has neither a point nor a region with a
  centroid to measure from) or ``no_officer_seen`` (no officer sent a fix in the window).
  A fix older than the window says nothing about where someone is now, so it is ignored
  (fixes are read from patrols started in the last day: no patrol lasts longer); officers
  who sent no fix are only suggested through rules 1 and 2.
* **deadline** – the subcategory's time limit (hours, or working days skipping weekends in
  the deployment's time zone) counted from now via :func:`data.deadlines.deadline`, exactly
  as :func:`data.workflow.apply` dates a dispatch without a given deadline. ``due_reason`` is
  ``category``, ``no_subcategory`` or ``no_category``.

Only active officers are suggested or offered (an officer the roster no longer lists is
inactive: :mod:`data.field.roster`; :func:`data.workflow.apply` refuses to dispatch to one).

The demo county has one officer per grid who patrols most mornings for about two hours
with a fix every two minutes, so at 10:00 most grids have an officer ``on_duty``, in the
afternoon the ``assigned`` rule answers, and ``nearest_fix`` covers unlocated-by-grid cases.

:func:`suggest_many` reads everything it needs in a fixed number of queries, whatever the
number of cases, so a selection of a few hundred cases is suggested in one go.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import numpy as np
from sqlalchemy import Connection, Engine, func, or_, select

from data import store
from data.deadlines import LIMIT_COLUMNS, deadline, limit_for
from data.field.roster import served_regions
from data.holidays import work_calendar
from data.models import (
    Case, Category, Department, Officer, OfficerRoster, Patrol, PatrolPoint, Region,
)
from data.workflow import CaseNotFound

#: How long a patrol counts as under way, and a GPS fix as telling where someone is.
ON_DUTY_HOURS = 12
EARTH_RADIUS_M = 6_371_008.8
_CHUNK = 500  # ids per IN list

ON_DUTY, ASSIGNED, NEAREST_FIX = "on_duty", "assigned", "nearest_fix"


@dataclass(frozen=True)
class Suggestion:
    """What to dispatch a case to, and why each part was chosen or is missing."""

    case_id: int
    department_id: int | None
    department_reason: str
    officer_id: int | None
    officer_reason: str
    officer_distance_m: float | None
    due_at: datetime | None
    due_reason: str


@dataclass(frozen=True)
class DepartmentOption:
    """A department for the console's pick list."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class OfficerOption:
    """An officer for the console's pick list, with why they are on it.

    ``reason`` is ``on_duty``, ``assigned`` or ``nearest_fix`` (see the module docstring);
    ``distance_m`` and ``last_seen_at`` come from their latest fix in the window (None
    without one).
    """

    id: int
    code: str
    name: str
    region_id: int | None
    reason: str
    distance_m: float | None
    last_seen_at: datetime | None


# --- what the store says about officers right now -------------------------------------------

@dataclass
class _World:
    officers: dict[int, tuple[str, str, int | None]]  # id -> code, name, region_id
    assigned: dict[int, list[int]]  # region id -> officer ids (home first, then serving)
    patrolling: dict[int, list[tuple[int, datetime]]]  # region id -> (officer, started_at)
    fix_ids: np.ndarray
    fix_lon: np.ndarray
    fix_lat: np.ndarray
    fix_at: list[datetime]


def _world(conn: Connection, now: datetime) -> _World:
    since = now - timedelta(hours=ON_DUTY_HOURS)
    officers = {r.id: (r.code, r.name, r.region_id) for r in conn.execute(
        select(Officer.id, Officer.code, Officer.name, Officer.region_id)
        .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id)
        .where(or_(OfficerRoster.active.is_(None), OfficerRoster.active.is_(True)))
        .order_by(Officer.id))}
    assigned: dict[int, list[int]] = {}
    for officer_id, (_, _, region_id) in officers.items():
        if region_id is not None:
            assigned.setdefault(region_id, []).append(officer_id)
    for officer_id, region_id in served_regions(conn).itertuples(index=False):
        if officer_id in officers and officer_id not in assigned.get(region_id, ()):
            assigned.setdefault(int(region_id), []).append(int(officer_id))
    patrolling: dict[int, list[tuple[int, datetime]]] = {}
    for r in conn.execute(
            select(Patrol.region_id, Patrol.officer_id, Patrol.started_at)
            .where(Patrol.started_at >= since, Patrol.started_at <= now,
                   or_(Patrol.ended_at.is_(None), Patrol.ended_at > now))
            .order_by(Patrol.started_at.desc(), Patrol.id)):
        patrolling.setdefault(r.region_id, []).append((r.officer_id, r.started_at))

    # fixes of the window come from patrols started in the day before now (no patrol lasts
    # a day): the patrol_id index then reads those patrols' tracks, not every track kept
    recent = select(Patrol.id).where(Patrol.started_at >= now - timedelta(hours=24),
                                     Patrol.started_at <= now)
    in_window = ((PatrolPoint.at >= since) & (PatrolPoint.at <= now)
                 & PatrolPoint.patrol_id.in_(recent))
    latest = (select(Patrol.officer_id, func.max(PatrolPoint.at).label("at"))
              .join(Patrol, Patrol.id == PatrolPoint.patrol_id)
              .where(in_window).group_by(Patrol.officer_id).subquery())
    rows = conn.execute(
        select(Patrol.officer_id, PatrolPoint.lon, PatrolPoint.lat, PatrolPoint.at)
        .join(Patrol, Patrol.id == PatrolPoint.patrol_id)
        .join(latest, (latest.c.officer_id == Patrol.officer_id) & (latest.c.at == PatrolPoint.at))
        .where(in_window)
        .order_by(Patrol.officer_id, PatrolPoint.id)).all()
    seen: set[int] = set()
    fixes = []
    for officer_id, lon, lat, at in rows:  # two fixes at one instant: the first recorded
        if officer_id not in seen:
            seen.add(officer_id)
            fixes.append((officer_id, lon, lat, at))
    return _World(
        officers=officers, assigned=assigned, patrolling=patrolling,
        fix_ids=np.array([f[0] for f in fixes], dtype="int64"),
        fix_lon=np.array([f[1] for f in fixes], dtype="float64"),
        fix_lat=np.array([f[2] for f in fixes], dtype="float64"),
        fix_at=[f[3] for f in fixes])


def _distances_m(world: _World, lon: float, lat: float) -> np.ndarray:
    """Great-circle distance (haversine) from the point to each officer's latest fix."""
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = np.radians(world.fix_lon), np.radians(world.fix_lat)
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _ranked(world: _World, region_id: int | None, point: tuple[float, float] | None,
            limit: int | None) -> tuple[list[OfficerOption], str | None]:
    """Officers in the order of the rules; with none, why (``no_location``/``no_officer_seen``)."""
    distance: dict[int, float] = {}
    last_seen: dict[int, datetime] = {}
    if point is not None and len(world.fix_ids):
        for officer_id, metres in zip(world.fix_ids.tolist(),
                                      _distances_m(world, *point).tolist()):
            distance[officer_id] = metres
    for officer_id, at in zip(world.fix_ids.tolist(), world.fix_at):
        last_seen[officer_id] = at
    far = float("inf")

    out: list[OfficerOption] = []
    taken: set[int] = set()

    def add(officer_id: int, reason: str) -> None:
        code, name, home = world.officers[officer_id]
        out.append(OfficerOption(officer_id, code, name, home, reason,
                                 distance.get(officer_id), last_seen.get(officer_id)))
        taken.add(officer_id)

    if region_id is not None:
        own = set(world.assigned.get(region_id, ()))
        on_patrol, seen = [], set()
        for officer_id, started in world.patrolling.get(region_id, ()):
            if officer_id not in seen and officer_id in world.officers:
                seen.add(officer_id)
                on_patrol.append((officer_id not in own, distance.get(officer_id, far),
                                  -started.timestamp(), officer_id))
        for *_, officer_id in sorted(on_patrol):
            add(officer_id, ON_DUTY)
        for officer_id in world.assigned.get(region_id, ()):
            if officer_id not in taken:
                add(officer_id, ASSIGNED)
    if point is not None:
        for officer_id, _ in sorted(distance.items(), key=lambda kv: (kv[1], kv[0])):
            if officer_id not in taken and officer_id in world.officers:
                add(officer_id, NEAREST_FIX)
    if limit is not None:
        out = out[:limit]
    if out:
        return out, None
    return out, ("no_location" if point is None else "no_officer_seen")


# --- cases --------------------------------------------------------------------------------

def _cases(conn: Connection, case_ids: list[int]) -> dict[int, object]:
    found: dict[int, object] = {}
    for i in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[i:i + _CHUNK]
        for row in conn.execute(
                select(Case.id, Case.subcategory, Case.urgent, Case.lon, Case.lat,
                       Case.region_id,
                       Region.centroid_lon, Region.centroid_lat)
                .outerjoin(Region, Region.id == Case.region_id)
                .where(Case.id.in_(chunk))):
            found[row.id] = row
    missing = [cid for cid in case_ids if cid not in found]
    if missing:
        raise CaseNotFound(f"no case has id {', '.join(map(str, missing))}",
                           case_id=missing[0], case_ids=missing)
    return found


def _point(row) -> tuple[float, float] | None:
    if row.lon is not None and row.lat is not None:
        return float(row.lon), float(row.lat)
    if row.centroid_lon is not None and row.centroid_lat is not None:
        return float(row.centroid_lon), float(row.centroid_lat)
    return None


def _connection(conn_or_engine: Connection | Engine):
    """A connection to use in a ``with``: a new one for an engine, the caller's as it is."""
    if isinstance(conn_or_engine, Engine):
        return conn_or_engine.connect()
    return nullcontext(conn_or_engine)


def suggest(conn: Connection | Engine, case_id: int, now: datetime) -> Suggestion:
    """The department, officer and deadline to dispatch one case with (see the module).

    Raises :class:`data.workflow.CaseNotFound` for an id no case has.
    """
    return suggest_many(conn, [case_id], now)[case_id]


def suggest_many(conn: Connection | Engine, case_ids: Iterable[int],
                 now: datetime) -> dict[int, Suggestion]:
    """:func:`suggest` for a selection of cases, keyed by case id, in a fixed number of
    queries (the officers' whereabouts are read once for all the cases).

    Raises :class:`data.workflow.CaseNotFound` naming every id no case has.
    """
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    with _connection(conn) as conn:
        cases = _cases(conn, ids)
        categories = {r.subcategory: r for r in conn.execute(
            select(Category.subcategory, Category.department_id, *LIMIT_COLUMNS))}
        tz = store.deployment_timezone(conn)
        calendar = work_calendar(conn)
        world = _world(conn, now)
    out: dict[int, Suggestion] = {}
    for case_id in ids:
        row = cases[case_id]
        category = categories.get(row.subcategory) if row.subcategory else None
        if not row.subcategory:
            department_id, department_reason = None, "no_subcategory"
            due_at, due_reason = None, "no_subcategory"
        elif category is None:
            department_id, department_reason = None, "no_category"
            due_at, due_reason = None, "no_category"
        else:
            department_id = category.department_id
            department_reason = ("category" if department_id is not None
                                 else "category_has_no_department")
            due_at = deadline(now, *limit_for(category, row.urgent), tz, calendar)
            due_reason = "category"
        ranked, why_none = _ranked(world, row.region_id, _point(row), limit=1)
        best = ranked[0] if ranked else None
        out[case_id] = Suggestion(
            case_id=case_id, department_id=department_id, department_reason=department_reason,
            officer_id=best.id if best else None,
            officer_reason=best.reason if best else why_none,
            officer_distance_m=best.distance_m if best else None,
            due_at=due_at, due_reason=due_reason)
    return out


def departments(conn: Connection | Engine) -> list[DepartmentOption]:
    """Every department, by code, for the console's pick list."""
    with _connection(conn) as conn:
        return [DepartmentOption(r.id, r.code, r.name) for r in conn.execute(
            select(Department.id, Department.code, Department.name).order_by(Department.code))]


def officers_near(conn: Connection | Engine, case_id: int, now: datetime,
                  limit: int = 5) -> list[OfficerOption]:
    """Up to ``limit`` officers for a case, best first, ranked by the rules of
    :func:`suggest` (its officer is the first of this list): on patrol in the grid, assigned
    to it, then by distance of their latest fix.

    Raises :class:`data.workflow.CaseNotFound` for an id no case has.
    """
    with _connection(conn) as conn:
        row = _cases(conn, [case_id])[case_id]
        world = _world(conn, now)
    return _ranked(world, row.region_id, _point(row), limit)[0]
