"""The wall's early warnings, as plain data: the open red and orange alerts of a region,
each with the place its map marker goes, and the counters that say when to read them again.

The alerts themselves are :mod:`data.alerts.book`'s, in the order of
:func:`~data.alerts.book.list_alerts` (most urgent first, then newest); this module only
picks the two levels a wall shows, puts the alerts of one case (:data:`PER_CASE_RULES`)
after the others of their level, and places each alert: at the point its facts name
(``lon``/``lat``, as a repeat location's have), else at its region's centroid, except a
case's alert, which has no marker. A wall reads
them again only when :func:`~data.alerts.book.alerts_version` moved
(:func:`wall_versions` reads it with the data and regions versions in one statement).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime

from sqlalchemy import Connection, Integer, bindparam, case, select

from data import store
from data.alerts import book
from data.alerts.finding import ORANGE, RED
from data.models import Alert, Meta, Region, RegionAncestor, RegionLevel
from data.regions import root_region

#: The levels a wall shows, most urgent first (yellow ones stay in the console).
WALL_LEVELS: tuple[str, ...] = (RED, ORANGE)
#: Rules with one alert per case (a stuck case): a county holds hundreds of them (221 red
#: on the demo county), which would bury the few alerts about places and cover the map
#: in rings. On a wall they come after the other alerts of their level and have no ring:
#: the overdue counter counts them, and the console lists each.
PER_CASE_RULES: tuple[str, ...] = ("stuck_case",)
_VERSION_KEYS = (store.DATA_VERSION, book.ALERTS_VERSION, store.REGIONS_VERSION)
_VERSIONS = select(Meta.key, Meta.value).where(Meta.key.in_(_VERSION_KEYS))


@dataclass(frozen=True)
class Versions:
    """The store's counters a wall's refresh compares with what its page shows."""

    data: int
    alerts: int
    regions: int


def wall_versions(conn: Connection) -> Versions:
    """The data version, the alerts version and the regions version (0 where the store
    has none yet), in one read of ``meta``: what a wall's refresh asks first."""
    found = dict(conn.execute(_VERSIONS).all())
    return Versions(*(int(found.get(key) or 0) for key in _VERSION_KEYS))


@dataclass
class WallAlert:
    """One open red or orange alert as a wall shows it: its rule and level, its region's
    name and level (``level_name``/``level_name_en``: 网格 / grid, for "this grid"), when
    it started, its facts (for :func:`layouts.alert_words.explain`; kept as the stored
    JSON text and read when asked: a wall words only the few on its panel), and where its
    marker goes (None: nowhere, an alert of no located region). Shared by the walls of a
    region: read it, never change it (not frozen: a county's hundreds are made faster)."""

    id: int
    rule: str
    level: str
    region_name: str | None
    level_name: str | None
    level_name_en: str | None
    started_at: datetime
    first_seen_at: datetime
    facts_json: str = field(default="{}", repr=False)
    lon: float | None = None
    lat: float | None = None

    @cached_property
    def facts(self) -> dict:
        """The alert's facts (the rule's numbers)."""
        return json.loads(self.facts_json or "{}")


def wall_alerts(conn: Connection, region_code: str | None) -> list[WallAlert]:
    """The open red and orange alerts of the region ``region_code`` and the regions under
    it (None: the single top-level region, or the whole deployment when there are
    several, as :func:`data.regions.root_region` says), red first, the alerts of one case
    (:data:`PER_CASE_RULES`) after the others of their level, then newest first (else
    :func:`data.alerts.book.list_alerts`' order), in one statement that reads neither the
    yellow ones nor the alerts' cases (a county holds hundreds of open alerts, and a wall
    reads them again whenever one changed).

    Raises :class:`data.regions.UnknownRegion` for a code no region has."""
    region = root_region(conn, region_code)
    if region is None:
        rows = conn.execute(_WALL_ALERTS).all()
    else:
        rows = conn.execute(_WALL_ALERTS_UNDER, {"region_id": region.id}).all()
    if not rows:
        return []
    levels = {name: (name, name_en or None) for name, name_en in
              conn.execute(select(RegionLevel.name, RegionLevel.name_en)).all()}
    alerts = []
    for row in rows:
        text = row.facts or "{}"
        # only facts that name a point are read here (a repeat location's)
        point = _point(json.loads(text)) if '"lon"' in text else None
        lon, lat = point or (row.centroid_lon, row.centroid_lat)
        if row.rule in PER_CASE_RULES:
            lon = lat = None
        names = levels.get(row.region_level or "", (None, None))
        alerts.append(WallAlert(row.id, row.rule, row.level, row.region_name, names[0],
                                names[1], row.started_at, row.first_seen_at, text,
                                lon, lat))
    return alerts


# made once: a refresh after an alert changed reads it
_LEVEL_RANK = case({level: rank for rank, level in enumerate(WALL_LEVELS)},
                   value=Alert.level, else_=len(WALL_LEVELS))
_WALL_ALERTS = (
    select(Alert.id, Alert.rule, Alert.level, Alert.started_at, Alert.first_seen_at,
           Alert.facts, Region.name.label("region_name"), Region.level.label("region_level"),
           Region.centroid_lon, Region.centroid_lat)
    .outerjoin(Region, Region.id == Alert.region_id)
    .where(Alert.state.in_(book.OPEN_STATES), Alert.level.in_(WALL_LEVELS))
    .order_by(_LEVEL_RANK, case((Alert.rule.in_(PER_CASE_RULES), 1), else_=0),
              Alert.first_seen_at.desc(), Alert.id.desc()))
_WALL_ALERTS_UNDER = _WALL_ALERTS.join(
    RegionAncestor, (RegionAncestor.descendant_id == Alert.region_id)
    & (RegionAncestor.ancestor_id == bindparam("region_id", type_=Integer)))


def _point(facts: dict) -> tuple[float, float] | None:
    """The point an alert's facts name (``lon``, ``lat``), None when they name none."""
    lon, lat = facts.get("lon"), facts.get("lat")
    if isinstance(lon, (int, float)) and isinstance(lat, (int, float)) \
            and not isinstance(lon, bool) and not isinstance(lat, bool) \
            and -180 <= lon <= 180 and -90 <= lat <= 90:
        return float(lon), float(lat)
    return None
