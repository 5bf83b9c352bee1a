"""Where the field force went, for the console's map: the grids no one patrolled lately
(巡查盲区), the GPS tracks of a grid or an officer on one day, and which officers serve a
region.

Everything is read from ``patrol_visits`` (one row per patrol, leaf region and local day
its fixes fell in: :class:`data.models.PatrolVisit`) and, for the tracks, the fixes
themselves (``patrol_points``). An officer serves the regions of their
``officer_regions`` rows, else their ``officers.region_id`` alone (the roster's rule).

Plain Python and SQL, like the rest of :mod:`data`.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, and_, func, select, union_all

from data import schema
from data.metrics import local_date, period_for
from data.models import (
    Case, Officer, OfficerRegion, OfficerRoster, Patrol, PatrolPoint, PatrolVisit, Region,
    RegionAncestor,
)
from data.store import deployment_timezone

#: The most GPS fixes :func:`tracks` returns. A longer day is thinned evenly: every
#: k-th fix of each patrol is kept (k the smallest step that brings the day under the
#: cap), and each patrol's first and last fix always, so every line still starts and
#: ends where the patrol did.
MAX_TRACK_POINTS = 5000

#: Region ids asked about in one ``IN (...)`` (well under SQLite's bound-parameter limit).
CHUNK = 5000
BLIND_SPOT_COLUMNS = ["region_id", "code", "name", "parent", "last_patrolled", "days_since",
                      "officers", "open_cases"]
TRACK_COLUMNS = ["patrol_id", "officer_id", "officer", "at", "lon", "lat"]


def _leaves(region_id: int | None):
    """Leaf regions under ``region_id`` (itself, if it is one; all leaves for None):
    id, code, name and the parent's name."""
    child = Region.__table__.alias("child")
    parent = Region.__table__.alias("parent")
    leaf = ~select(child.c.id).where(child.c.parent_id == Region.id).exists()
    query = (select(Region.id, Region.code, Region.name, parent.c.name.label("parent"))
             .join(parent, parent.c.id == Region.parent_id, isouter=True).where(leaf))
    if region_id is not None:
        query = query.join(RegionAncestor, RegionAncestor.descendant_id == Region.id).where(
            RegionAncestor.ancestor_id == region_id)
    return query


def served_pairs():
    """(officer_id, region_id) of every officer and region they serve: their
    ``officer_regions`` rows, else their ``officers.region_id`` (None: no region)."""
    listed = select(OfficerRegion.officer_id, OfficerRegion.region_id)
    unlisted = select(Officer.id.label("officer_id"), Officer.region_id).where(
        ~select(OfficerRegion.officer_id).where(OfficerRegion.officer_id == Officer.id)
        .exists())
    return union_all(listed, unlisted).subquery("served")


def served_regions_of(conn: Connection, officer_ids: Iterable[int]) -> dict[int, list]:
    """officer id → the ids of the regions they serve (``[None]`` for an officer who
    serves none), for the officers that exist among ``officer_ids``."""
    wanted = sorted({int(i) for i in officer_ids})
    if not wanted:
        return {}
    served = served_pairs()
    out: dict[int, list] = {}
    for officer_id, region_id in conn.execute(
            select(served.c.officer_id, served.c.region_id)
            .where(served.c.officer_id.in_(wanted))):
        out.setdefault(int(officer_id), []).append(
            None if region_id is None else int(region_id))
    return out


def officer_of_code(conn: Connection, code: str) -> int | None:
    """The id of the officer whose external id (``officers.code``) is ``code``."""
    return conn.scalar(select(Officer.id).where(Officer.code == code))


def officers_serving(conn: Connection, region_id: int | None, *,
                     unassigned: bool = False) -> pd.DataFrame:
    """The officers serving ``region_id`` or a region under it (every officer for None),
    and, with ``unassigned``, those serving no region (the whole deployment's): columns
    officer_id, code, name, sorted by name then code."""
    served = served_pairs()
    query = select(Officer.id, Officer.code, Officer.name).distinct()
    if region_id is not None:
        inside = served.c.region_id.in_(select(RegionAncestor.descendant_id).where(
            RegionAncestor.ancestor_id == region_id))
        if unassigned:
            inside = inside | served.c.region_id.is_(None)
        query = query.join(served, served.c.officer_id == Officer.id).where(inside)
    frame = pd.DataFrame(conn.execute(query).all(), columns=["officer_id", "code", "name"])
    return frame.sort_values(["name", "code"], kind="stable").reset_index(drop=True)


def blind_spots(conn: Connection, region_id: int | None, days: int,
                now: datetime) -> pd.DataFrame:
    """The leaf regions under ``region_id`` (None: all) that no patrol visited in the last
    ``days`` local days up to ``now`` (today included): 巡查盲区.

    Columns: region_id, code, name, parent (the parent region's name, None at the top),
    last_patrolled (the last fix of the latest visit on or before today, naive UTC; None:
    never patrolled), days_since (local days from that visit's day to today; None: never),
    officers (a list of the names of the active officers serving the grid), open_cases (cases in
    an open status there now). Sorted longest unpatrolled first: never-patrolled grids,
    then by last_patrolled, then by code."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days={days!r}: a whole number of days, at least 1")
    tz = deployment_timezone(conn)
    today = local_date(now, tz)
    since = today - timedelta(days=days - 1)
    window = period_for(since, today, tz)
    leaves = _leaves(region_id).subquery("leaves")
    leaf_ids = select(leaves.c.id)
    # a visit of a day began that day: first_at reads an index range, day says it exactly
    recent = set(conn.scalars(select(PatrolVisit.region_id).distinct().where(
        PatrolVisit.first_at >= window.start, PatrolVisit.first_at < window.end,
        PatrolVisit.day >= since, PatrolVisit.day <= today,
        PatrolVisit.region_id.in_(leaf_ids))))
    rows = [row for row in conn.execute(select(leaves)) if row[0] not in recent]
    if not rows:
        return pd.DataFrame(columns=BLIND_SPOT_COLUMNS)
    last: dict[int, tuple] = {}
    blind = [row[0] for row in rows]
    for at in range(0, len(blind), CHUNK):  # the blind grids' history alone
        last.update({rid: (day, last_at) for rid, day, last_at in conn.execute(
            select(PatrolVisit.region_id, func.max(PatrolVisit.day),
                   func.max(PatrolVisit.last_at))
            .where(PatrolVisit.region_id.in_(blind[at:at + CHUNK]),
                   PatrolVisit.first_at < window.start, PatrolVisit.day < since)
            .group_by(PatrolVisit.region_id))})
    names = _officer_names(conn, leaf_ids)
    open_cases = dict(conn.execute(
        select(Case.region_id, func.count()).where(
            Case.region_id.in_(leaf_ids), Case.status.in_(schema.OPEN_STATUSES))
        .group_by(Case.region_id)).all())
    rows = [(*row, *last.get(row[0], (None, None))) for row in rows]
    records = []
    for rid, code, name, parent, day, last_at in rows:
        day = _as_date(day)
        records.append({
            "region_id": int(rid), "code": code, "name": name, "parent": parent,
            "last_patrolled": last_at, "days_since": None if day is None else (today - day).days,
            "officers": names.get(int(rid), []), "open_cases": int(open_cases.get(rid, 0))})
    records.sort(key=lambda r: (r["last_patrolled"] is not None,
                                r["last_patrolled"] or datetime.min, r["code"]))
    frame = pd.DataFrame(records, columns=BLIND_SPOT_COLUMNS)
    for column in ("last_patrolled", "days_since"):  # None for never, not NaN or NaT
        frame[column] = pd.Series([r[column] for r in records], dtype=object)
    return frame


def _as_date(value) -> date | None:
    """A ``Date`` column's value (SQLite may hand back text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _officer_names(conn: Connection, region_ids) -> dict[int, list[str]]:
    """region id → the names of the active officers serving it (an officer who left
    serves no more; one with no roster row counts as active), sorted, for the regions of
    ``region_ids`` (a subquery of ids)."""
    served = served_pairs()
    out: dict[int, list[str]] = {}
    for region_id, name in conn.execute(
            select(served.c.region_id, Officer.name)
            .join(Officer, Officer.id == served.c.officer_id)
            .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id)
            .where(served.c.region_id.in_(region_ids),
                   OfficerRoster.active.is_not(False))
            .order_by(served.c.region_id, Officer.name)):
        out.setdefault(int(region_id), []).append(name)
    return out


def _patrols_query(day: date, tz: ZoneInfo, region_id: int | None, officer_id: int | None):
    if region_id is None and officer_id is None:
        raise ValueError("tracks of what: give region_id or officer_id")
    period = period_for(day, day, tz)
    # a visit of that day began that day: first_at narrows the index range read
    wanted = select(PatrolVisit.patrol_id).distinct().where(
        PatrolVisit.day == day, PatrolVisit.first_at >= period.start,
        PatrolVisit.first_at < period.end)
    if region_id is not None:
        wanted = wanted.where(PatrolVisit.region_id.in_(
            select(RegionAncestor.descendant_id).where(RegionAncestor.ancestor_id == region_id)))
    if officer_id is not None:
        wanted = wanted.where(PatrolVisit.officer_id == officer_id)
    return wanted


def patrols_on(conn: Connection, *, day: date, tz: ZoneInfo, region_id: int | None = None,
               officer_id: int | None = None) -> list[int]:
    """The ids of the patrols :func:`tracks` draws for the same arguments, in order."""
    return sorted(int(pid) for pid in conn.scalars(
        _patrols_query(day, tz, region_id, officer_id)))


def fix_count(conn: Connection, patrol_ids: list[int], day: date, tz: ZoneInfo) -> int:
    """How many fixes of ``patrol_ids`` fall on local ``day`` (before any thinning)."""
    if not patrol_ids:
        return 0
    period = period_for(day, day, tz)
    return int(conn.scalar(select(func.count()).select_from(PatrolPoint).where(
        PatrolPoint.patrol_id.in_(patrol_ids), PatrolPoint.at >= period.start,
        PatrolPoint.at < period.end)))


def tracks(conn: Connection, *, day: date, tz: ZoneInfo, region_id: int | None = None,
           officer_id: int | None = None) -> pd.DataFrame:
    """The GPS fixes of one local ``day`` (in ``tz``) of the patrols that visited
    ``region_id`` that day (a leaf region, or any leaf under a larger one: the whole
    patrols that touched it, not only their fixes inside it), or of ``officer_id``'s
    patrols that day; both given, the officer's patrols that visited the region.

    A patrol is taken when it has a ``patrol_visits`` row on that day; its fixes are
    clipped to the day (a patrol crossing midnight shows its part of each day on each).
    Columns patrol_id, officer_id, officer (the name), at (naive UTC), lon, lat, ordered by
    patrol and time. At most :data:`MAX_TRACK_POINTS` fixes (see there for the thinning).
    Raises ``ValueError`` when neither region nor officer is given."""
    wanted = _patrols_query(day, tz, region_id, officer_id)
    period = period_for(day, day, tz)
    query = (select(PatrolPoint.patrol_id, Patrol.officer_id, Officer.name, PatrolPoint.at,
                    PatrolPoint.lon, PatrolPoint.lat)
             .join(Patrol, Patrol.id == PatrolPoint.patrol_id)
             .join(Officer, Officer.id == Patrol.officer_id)
             .where(PatrolPoint.patrol_id.in_(wanted),
                    and_(PatrolPoint.at >= period.start, PatrolPoint.at < period.end))
             .order_by(PatrolPoint.patrol_id, PatrolPoint.at, PatrolPoint.id))
    frame = pd.DataFrame(conn.execute(query).all(), columns=TRACK_COLUMNS)
    return thinned(frame, MAX_TRACK_POINTS)


def thinned(frame: pd.DataFrame, cap: int) -> pd.DataFrame:
    """``frame`` (fixes ordered by patrol and time) with at most about ``cap`` rows: every
    k-th fix of each patrol and its last one, for the smallest k that fits (the first and
    last fix of every patrol stay). Unchanged when it already fits."""
    if len(frame) <= cap:
        return frame.reset_index(drop=True)
    patrols = frame["patrol_id"].nunique()
    step = max(2, math.ceil(len(frame) / max(cap - patrols, 1)))
    position = frame.groupby("patrol_id").cumcount()
    last = position == frame.groupby("patrol_id")["patrol_id"].transform("size") - 1
    return frame[(position % step == 0) | last].reset_index(drop=True)
