"""Where a new case lands: the region its point lies in, or the region its code names.

The rule is the importer's (:func:`data.case_import._locate`): a point goes to the
*deepest* region whose boundary covers it (a point on the edge between two grids is in
both), and where regions of that depth overlap, to the one with the smallest code. A live
door adds two refusals the importer does not have: a point outside every region is refused
(``outside_regions``), where the importer stores the case unlocated, and so is a region code
no region has (``unknown_region``).

Placing must cost far less than a millisecond on a county of 10,000 grids (the intake
serves hundreds of cases a second), so the boundaries are read once into a shapely
``STRtree`` kept per store and regions fingerprint (:func:`data.store.regions_version`
and the highest region id, read in one small query): every writer of regions moves the
version on, and the next case placed reads the new boundaries.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from data import schema, store
from data.intake.fields import LIMITS, IntakeRefused, Problem, bad_characters
from data.models import Case, Meta, Region

#: How far back :func:`search_places` looks for cases with the same address.
ADDRESS_MEMORY = timedelta(days=180)


@dataclass(frozen=True)
class Placement:
    """The region a case lands in: its id, code and name, the names from the top of the
    hierarchy down to it (``names``), how it was found (``method``:
    :data:`data.schema.LOCATED_BY_POINT` or :data:`~data.schema.LOCATED_BY_CODE`) and the
    point (``lon``, ``lat``; None for a case placed by code)."""

    region_id: int
    region_code: str
    region_name: str
    names: tuple[str, ...]
    method: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class _Region:
    code: str
    name: str
    depth: int
    parent_id: int | None


class _Locator:
    """Every region of one store (its hierarchy, and a search tree of its boundaries)."""

    def __init__(self, rows: list) -> None:
        self.regions: dict[int, _Region] = {
            row.id: _Region(row.code, row.name, row.depth, row.parent_id) for row in rows}
        self.by_code: dict[str, int] = {row.code: row.id for row in rows}
        shaped = [row for row in rows if row.geometry is not None]
        self.ids = np.array([row.id for row in shaped], dtype=np.int64)
        self.tree = shapely.STRtree(shapely.from_wkb([bytes(row.geometry) for row in shaped]))
        # the ranking of the placement rule, precomputed: deepest first, then smallest code
        order = sorted(range(len(shaped)), key=lambda i: (-shaped[i].depth, shaped[i].code))
        self.rank = np.empty(len(shaped), dtype=np.int64)
        self.rank[order] = np.arange(len(shaped))

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the region a point lands in, None outside every boundary."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return int(self.ids[hits[np.argmin(self.rank[hits])]])

    def names(self, region_id: int) -> tuple[str, ...]:
        """The names from the top of the hierarchy down to ``region_id``."""
        chain: list[str] = []
        node: int | None = region_id
        while node is not None and node in self.regions and len(chain) <= len(self.regions):
            chain.append(self.regions[node].name)
            node = self.regions[node].parent_id
        return tuple(reversed(chain))

    def within(self, region_id: int, ancestor_id: int) -> bool:
        """Whether ``region_id`` is ``ancestor_id`` or lies under it."""
        node: int | None = region_id
        for _ in range(len(self.regions) + 1):
            if node is None or node not in self.regions:
                return False
            if node == ancestor_id:
                return True
            node = self.regions[node].parent_id
        return False

    def placement(self, region_id: int, method: str, lon: float | None = None,
                  lat: float | None = None) -> Placement:
        region = self.regions[region_id]
        return Placement(region_id, region.code, region.name, self.names(region_id), method,
                         lon, lat)


_LOCATORS: dict[str, tuple[tuple, _Locator]] = {}
#: What says the regions changed, in one round trip: the regions version every writer of
#: regions moves on, and the highest region id (a writer that added regions without it).
_FINGERPRINT = select(
    select(Meta.value).where(Meta.key == store.REGIONS_VERSION).scalar_subquery(),
    select(func.max(Region.id)).scalar_subquery())
_BUILDING = threading.Lock()


def locator(conn: Connection) -> _Locator:
    """The store's regions, read once per regions fingerprint and kept (one per store)."""
    url = str(conn.engine.url)
    fingerprint = tuple(conn.execute(_FINGERPRINT).one())
    kept = _LOCATORS.get(url)
    if kept is not None and kept[0] == fingerprint:
        return kept[1]
    with _BUILDING:
        kept = _LOCATORS.get(url)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
        rows = conn.execute(select(Region.id, Region.code, Region.name, Region.depth,
                                   Region.parent_id, Region.geometry)).all()
        made = _Locator(rows)
        _LOCATORS[url] = (fingerprint, made)
        return made


def forget_locators() -> None:
    """Drop every kept locator (a test that rewrote regions without moving the version)."""
    _LOCATORS.clear()


def place(conn: Connection, *, lon: float | None = None, lat: float | None = None,
          region_code: str | None = None) -> Placement:
    """The region a new case lands in.

    A point (``lon``, ``lat``, WGS-84) goes to the deepest region whose boundary covers it
    (the smallest code where regions of that depth overlap). A ``region_code`` alone places
    the case in that region (by code: the case has no point). Given both, the point decides,
    and it must lie within the named region (in it or in a region under it).

    Raises
    ------
    IntakeRefused
        ``outside_regions`` on ``lat`` (a point outside every region, or outside the named
        one), ``unknown_region`` on ``region_code``, ``missing`` on ``lat`` (neither given).
    """
    found = locator(conn)
    problems: list[Problem] = []
    named = None
    if region_code is not None:
        named = found.by_code.get(region_code)
        if named is None:
            problems.append(Problem("region_code", "unknown_region",
                                    f"no region has the code {region_code!r}"))
    if lon is None or lat is None:
        if region_code is None:
            problems.append(Problem("lat", "missing",
                                    "a location is required: lon and lat, or region_code"))
        if problems:
            raise IntakeRefused(problems)
        return found.placement(named, schema.LOCATED_BY_CODE)
    region_id = found.locate(lon, lat)
    if region_id is None:
        problems.append(Problem("lat", "outside_regions",
                                f"the point ({lon:g}, {lat:g}) lies outside every region"))
    elif named is not None and not found.within(region_id, named):
        problems.append(Problem("lat", "outside_regions",
                                f"the point ({lon:g}, {lat:g}) lies outside region "
                                f"{region_code!r}"))
    if problems:
        raise IntakeRefused(problems)
    return found.placement(region_id, schema.LOCATED_BY_POINT, lon, lat)


def search_places(conn: Connection, text: str, limit: int = 10) -> list[Placement]:
    """Where an address typed at the desk may be, offline (no geocoder), best first.

    The rule, in order:

    1. regions whose name occurs in ``text`` (the address names its town or grid) or
       contains it (the operator typed part of a name): the deepest first, then the longest
       name, then the smallest code; each placed by code (no point);
    2. then the points of recent cases (reported in the last :data:`ADDRESS_MEMORY`) whose
       address equals ``text``, then those whose address contains it, newest first, each
       placed again by its point (the region it lies in today); one per distinct point.

    Blank text, text over ``LIMITS["address"]`` characters or with control characters find
    nothing. Never raises for any text.
    """
    if not isinstance(text, str) or limit < 1:
        return []
    text = text.strip()
    if not text or len(text) > LIMITS["address"] or bad_characters(text) is not None:
        return []
    found = locator(conn)
    matches = [(rid, region) for rid, region in found.regions.items()
               if region.name and (region.name in text or text in region.name)]
    matches.sort(key=lambda m: (-m[1].depth, -len(m[1].name), m[1].code))
    places = [found.placement(rid, schema.LOCATED_BY_CODE) for rid, _ in matches[:limit]]
    if len(places) < limit:
        places += _places_of_cases(conn, found, text, limit - len(places))
    return places


def _places_of_cases(conn: Connection, found: _Locator, text: str, limit: int
                     ) -> list[Placement]:
    """Points of recent cases with this address (exact first, then containing it)."""
    since = store.utcnow() - ADDRESS_MEMORY
    recent = select(Case.lon, Case.lat).where(
        Case.reported_at >= since, Case.lon.is_not(None), Case.lat.is_not(None))
    seen: set[tuple[float, float]] = set()
    places: list[Placement] = []
    for condition in (Case.address == text, Case.address.contains(text, autoescape=True)):
        rows = conn.execute(recent.where(condition).order_by(Case.reported_at.desc())
                            .limit(limit * 4)).all()
        for lon, lat in rows:
            if (lon, lat) in seen or len(places) >= limit:
                continue
            seen.add((lon, lat))
            region_id = found.locate(lon, lat)
            if region_id is not None:
                places.append(found.placement(region_id, schema.LOCATED_BY_POINT, lon, lat))
        if len(places) >= limit:
            break
    return places
