"""Suspected duplicates (疑似重复): a new case near an open case of the same kind.

A resident and a grid officer often report the same broken manhole. A new case is
suspected to repeat an older one when the older one

* has the same subcategory,
* is open (:data:`data.schema.OPEN_STATUSES`: not closed, not voided),
* was reported within ``hours`` before the new one (the boundary included), and
* lies within ``radius_m`` metres of it, on the great circle (haversine, mean Earth radius).

Only points are compared: a case placed by its region code has no point, so it is never
suspected and never makes another case suspected (a grid is far wider than 50 m; calling
every same-kind case in it a duplicate would drown the hint). The nearest
:data:`MOST_SUSPECTS` older cases are kept, so a hot spot reported fifty times does not
link every case to every other.

The hint is a :class:`data.models.CaseLink` (kind ``duplicate``, state ``suspected``);
merging or dismissing it is the commander's (:mod:`data.intake.merge`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import Connection, bindparam, insert, select

from data import schema
from data.models import Case, CaseLink

#: Mean Earth radius in metres (IUGG), the haversine's.
EARTH_RADIUS_M = 6_371_008.8
#: At most this many suspects are kept for one new case, the nearest.
MOST_SUSPECTS = 5


#: Open cases of one subcategory reported in a window, in a box (built once: the intake
#: runs it for every case).
_NEAR = (select(Case.id, Case.code, Case.lon, Case.lat, Case.reported_at, Case.status,
                Case.region_id)
         .where(Case.subcategory == bindparam("subcategory"),
                Case.reported_at >= bindparam("since"), Case.reported_at <= bindparam("now"),
                Case.status.in_(schema.OPEN_STATUSES),
                Case.lat.between(bindparam("south"), bindparam("north")),
                Case.lon.between(bindparam("west"), bindparam("east"))))


@dataclass(frozen=True)
class Suspect:
    """An older open case a new one may repeat, ``distance_m`` away, in ``region_id``
    (a suspect across a town's edge may lie outside the asker's area: a screen shows
    only those its principal may see)."""

    case_id: int
    code: str
    distance_m: float
    reported_at: datetime
    status: str
    region_id: int | None = None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance between two WGS-84 points, in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def find_suspects(conn: Connection, *, subcategory: str | None, lon: float | None,
                  lat: float | None, region_id: int | None, now: datetime, radius_m: float,
                  hours: float, exclude: int | Iterable[int] | None = None) -> list[Suspect]:
    """The older open cases a new case at (``lon``, ``lat``) may repeat, nearest first.

    Parameters
    ----------
    subcategory
        The new case's subcategory; None finds nothing.
    lon, lat
        Its point; a case without one (placed by code) finds nothing (see the module).
    region_id
        Its region. Not a condition: a duplicate across a grid's edge is still one.
    now
        When it was reported (naive UTC); cases reported after it are not older.
    radius_m, hours
        How near and how recent an older case must be (both boundaries included).
    exclude
        A case id (or ids) to leave out: the new case itself, once written.

    Returns
    -------
    list of Suspect
        At most :data:`MOST_SUSPECTS`, nearest first (the newer first at equal distance).
    """
    if subcategory is None or lon is None or lat is None or radius_m <= 0 or hours <= 0:
        return []
    excluded = {exclude} if isinstance(exclude, int) else set(exclude or ())
    # a bounding box the index-found rows are cut to in SQL, a little wider than the circle
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    shrink = math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    dlon = min(180.0, dlat / shrink)
    suspects = []
    for row in conn.execute(_NEAR, {
            "subcategory": subcategory, "since": now - timedelta(hours=hours), "now": now,
            "south": lat - dlat, "north": lat + dlat, "west": lon - dlon, "east": lon + dlon}):
        if row.id in excluded:
            continue
        far = distance_m(lon, lat, row.lon, row.lat)
        if far <= radius_m:
            suspects.append(Suspect(row.id, row.code, far, row.reported_at, row.status,
                                    row.region_id))
    suspects.sort(key=lambda s: (s.distance_m, -s.reported_at.timestamp(), s.case_id))
    return suspects[:MOST_SUSPECTS]


def flag(conn: Connection, case_id: int, suspects: Sequence[Suspect], now: datetime) -> int:
    """Record that case ``case_id`` may repeat each of ``suspects`` (a ``suspected``
    duplicate link from the newer to the older); returns how many links were written."""
    rows = [{"case_id": case_id, "other_id": s.case_id, "kind": schema.DUPLICATE,
             "state": schema.SUSPECTED, "distance_m": round(s.distance_m, 1),
             "created_at": now} for s in suspects if s.case_id != case_id]
    if rows:
        conn.execute(insert(CaseLink), rows)
    return len(rows)
