"""Keeps a demo store alive: new cases arrive, open ones move along, patrols end.

A wall left on the demo county for days should look like a working centre, not a photograph
of the moment the demo was built. :func:`step` does a few seconds' worth of work: it reports
new cases in busy grids, files, dispatches, resolves and closes some open ones in the
standard order (each step with its history row and, on dispatch, its deadline from the
category table), and ends patrols that have run their two hours. Everything it writes obeys
the same rules as the demo generator, so the metrics stay meaningful.

Only stores built by :func:`data.demo.county.build_demo` (``meta.source = demo``) are touched.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, bindparam, func, insert, select, update

from data import schema, store, workflow
from data.field.tracks import rebuild_visits
from data.models import Case, CaseEvent, Category, Officer, Patrol, PatrolPoint, Region

#: Mean new cases per minute in a county (about 700 a day, busiest in office hours): times
#: BUSY between the local hours BUSY_HOURS, times QUIET otherwise.
CASES_PER_MINUTE = 0.5
BUSY, QUIET, BUSY_HOURS = 1.6, 0.3, (8, 18)
PATROL_MINUTES = 125


class NotADemo(RuntimeError):
    """The store holds real data: the feed never writes into it."""


def step(engine: Engine, now: datetime | None = None, seconds: float = 10.0,
         rng: random.Random | None = None) -> dict[str, int]:
    """Advance the demo world by ``seconds`` up to ``now``; returns what it did."""
    rng = rng or random.Random()
    now = store.utcnow() if now is None else now
    done = {"reported": 0, "advanced": 0, "patrols_ended": 0, "patrols_started": 0, "fixes": 0}
    with store.transaction(engine) as conn:
        if store.get_meta(conn, "source") != "demo":
            raise NotADemo("the store does not hold the demo county; the feed leaves it alone")
        tz = store.deployment_timezone(conn)
        local_hour = now.replace(tzinfo=timezone.utc).astimezone(tz).hour
        busy = BUSY if BUSY_HOURS[0] <= local_hour < BUSY_HOURS[1] else QUIET
        expected = CASES_PER_MINUTE * busy * seconds / 60
        n_new = int(expected) + (rng.random() < expected - int(expected))
        if n_new:
            done["reported"] = _report(conn, n_new, now, rng)
        done["advanced"] = _advance(conn, now, rng, seconds)
        started = _start_patrols(conn, now, rng, seconds, local_hour, tz)
        walked = _walk_patrols(conn, now, rng)
        done["patrols_started"], done["fixes"] = len(started), len(walked)
        rebuild_visits(conn, started + walked)  # where the patrols went, for coverage
        overdue_patrols = conn.execute(
            select(Patrol.id, Patrol.started_at)
            .where(Patrol.ended_at.is_(None),
                   Patrol.started_at < now - timedelta(minutes=PATROL_MINUTES))).all()
        if overdue_patrols:  # dates computed here: SQLite cannot add intervals to text
            conn.execute(update(Patrol).where(Patrol.id == bindparam("b_id")), [
                {"b_id": pid, "ended_at": started + timedelta(minutes=PATROL_MINUTES)}
                for pid, started in overdue_patrols])
        done["patrols_ended"] = len(overdue_patrols)
        if any(v for k, v in done.items() if k != "fixes") or done["fixes"]:
            store.bump_data_version(conn)
    return done


def _report(conn, n: int, now: datetime, rng: random.Random) -> int:
    leaf_depth = conn.scalar(select(func.max(Region.depth)))
    grids = conn.execute(select(Region.id, Region.name, Region.centroid_lon, Region.centroid_lat,
                                Region.min_lon, Region.min_lat, Region.max_lon, Region.max_lat)
                         .where(Region.depth == leaf_depth)).all()
    categories = conn.execute(select(Category.case_class, Category.category,
                                     Category.subcategory, Category.department_id)).all()
    count = conn.scalar(select(func.count()).select_from(Case))
    rows = []
    for i in range(n):
        grid = rng.choice(grids)
        klass, category, subcategory, department = rng.choice(categories)
        # near the grid's centre: inside it for the compact cells the demo draws
        lon = grid.centroid_lon + (rng.random() - 0.5) * (grid.max_lon - grid.min_lon) * 0.2
        lat = grid.centroid_lat + (rng.random() - 0.5) * (grid.max_lat - grid.min_lat) * 0.2
        rows.append({"code": f"SJ{now:%Y%m%d%H%M%S}{count + i:06d}", "case_class": klass,
                     "category": category, "subcategory": subcategory,
                     "source": rng.choice(["patrol", "patrol", "hotline", "app", "video"]),
                     "status": schema.REPORTED, "urgent": False,
                     "description": f"发现{subcategory}，请及时处置", "address": grid.name,
                     "lon": round(lon, 6), "lat": round(lat, 6), "region_id": grid.id,
                     "location_method": schema.LOCATED_BY_POINT, "department_id": department,
                     "reported_at": now, "version": 1, "updated_at": now})
    conn.execute(insert(Case), rows)
    codes = [r["code"] for r in rows]
    ids = conn.execute(select(Case.id).where(Case.code.in_(codes))).scalars().all()
    conn.execute(insert(CaseEvent), [
        {"case_id": cid, "action": "report", "from_status": None, "to_status": schema.REPORTED,
         "actor": "demo", "note": None, "at": now} for cid in ids])
    return len(rows)


#: When a case reached the status it waits in.
_SINCE = {schema.REPORTED: Case.reported_at, schema.FILED: Case.filed_at,
          schema.DISPATCHED: Case.dispatched_at, schema.RESOLVED: Case.resolved_at}
_NEXT = {schema.REPORTED: (schema.FILED, "file", "filed_at"),
         schema.FILED: (schema.DISPATCHED, "dispatch", "dispatched_at"),
         schema.DISPATCHED: (schema.RESOLVED, "resolve", "resolved_at"),
         schema.RESOLVED: (schema.CLOSED, "close", "closed_at")}


def _advance(conn, now: datetime, rng: random.Random, seconds: float) -> int:
    """Move a few of the oldest open cases one step on (a case waits at least 10 minutes
    at each step); suspended cases wait for their season.

    Each move goes through :func:`data.workflow.apply`, the one code path for workflow
    writes: dispatch dates the deadline from the category table, and a case the workflow
    refuses (no department or time limit, changed meanwhile) simply waits."""
    quota = max(1, int(seconds / 10))
    moved = 0
    for status, (_, action, _) in _NEXT.items():
        previous = _SINCE[status]
        candidates = conn.execute(
            select(Case.id, Case.version, Case.department_id)
            .where(Case.status == status, previous <= now - timedelta(minutes=10))
            .order_by(previous).limit(quota)).all()
        for case_id, version, department_id in candidates:
            if rng.random() < 0.3:
                continue
            params: dict[str, object] = {}
            if action == "dispatch":
                params["department_id"] = department_id
            if action == "resolve":
                params["resolved_level"] = rng.choice(["grid", "grid", "grid", "community"])
            try:
                workflow.apply(conn, case_id, action, actor="demo", expected_version=version,
                               now=now, **params)
            except workflow.WorkflowError:
                continue
            moved += 1
    return moved


def _start_patrols(conn, now: datetime, rng: random.Random, seconds: float, local_hour: int,
                   tz) -> list[int]:
    """Between 08:00 and 11:00 local, officers who have not patrolled today set out; the
    ids of the patrols started."""
    if not 8 <= local_hour < 11:
        return []
    local_midnight = now.replace(tzinfo=timezone.utc).astimezone(tz).replace(
        hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc).replace(tzinfo=None)
    out_today = select(Patrol.officer_id).where(Patrol.started_at >= local_midnight)
    waiting = conn.execute(select(Officer.id, Officer.region_id, Region.centroid_lon,
                                  Region.centroid_lat)
                           .join(Region, Region.id == Officer.region_id)
                           .where(Officer.id.not_in(out_today))).all()
    chance = min(1.0, seconds / (3 * 3600) * 2.5)  # most are out within the three hours
    leaving = [w for w in waiting if rng.random() < chance]
    started: list[int] = []
    for officer_id, region_id, lon, lat in leaving:
        patrol_id = conn.execute(insert(Patrol).values(
            officer_id=officer_id, region_id=region_id, started_at=now, ended_at=None,
            distance_m=None)).inserted_primary_key[0]
        conn.execute(insert(PatrolPoint).values(patrol_id=patrol_id, at=now, lon=lon, lat=lat))
        started.append(patrol_id)
    return started


def _walk_patrols(conn, now: datetime, rng: random.Random) -> list[int]:
    """Each patrol under way sends a GPS fix a few metres on from its last one; the ids of
    the patrols that moved."""
    last = (select(PatrolPoint.patrol_id, func.max(PatrolPoint.at).label("at"))
            .join(Patrol, Patrol.id == PatrolPoint.patrol_id)
            .where(Patrol.ended_at.is_(None), Patrol.started_at >= now - timedelta(hours=12))
            .group_by(PatrolPoint.patrol_id).subquery())
    fixes = conn.execute(select(PatrolPoint.patrol_id, PatrolPoint.lon, PatrolPoint.lat)
                         .join(last, (last.c.patrol_id == PatrolPoint.patrol_id)
                               & (last.c.at == PatrolPoint.at))
                         .where(last.c.at < now)).all()
    if fixes:
        conn.execute(insert(PatrolPoint), [
            {"patrol_id": pid, "at": now, "lon": round(lon + rng.uniform(-4e-4, 4e-4), 6),
             "lat": round(lat + rng.uniform(-3e-4, 3e-4), 6)} for pid, lon, lat in fixes])
    return [pid for pid, _, _ in fixes]
