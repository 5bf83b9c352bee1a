"""The demo county: a deterministic synthetic deployment that looks and behaves like a real one.

``build_demo(engine, scale="county", seed=42)`` empties the store and fills it with:

* irregular nested polygons: a county outline, ~10 towns, ~100 communities and ~1,000 grids
  (``county``); a city of 10 districts and ~10,000 grids (``city``); a tiny county for tests
  (``small``). Each level is a Voronoi partition of its parent (seeds relaxed twice by Lloyd's
  algorithm, denser near the county seat), so children tile their parent exactly;
* Chinese place names, hierarchical codes in the style of the administrative division codes,
  departments, the 部件/事件/矛盾纠纷 category table with time limits, one officer per grid;
* 13 months of cases with daily, weekly and seasonal rhythms, hot spots, sources in realistic
  shares, the standard workflow with its timestamps (returns, postponements, rework,
  suspensions), a share closed late and a backlog still overdue, disputes with mediation
  outcomes, satisfaction ratings, and the matching case history;
* daily patrols of each grid by its officer for 90 days, GPS tracks for the last 7.

Everything derives from ``seed`` and ``as_of``: the same pair gives the same store.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Polygon
from sqlalchemy import Connection, Engine, insert, text

from data import schema, store
from data.deadlines import deadlines
from data.demo_catalogue import (
    CATEGORIES, COMMUNITY_WORDS, CONDITIONS, DEPARTMENTS, DIRECTIONS, DISTRICT_NAMES, GIVEN,
    STREETS, SURNAMES, TOWN_NAMES, VILLAGE_PARTS,
)
from data.models import (
    Case, CaseEvent, Category, Department, Officer, Patrol, PatrolPoint, Region,
)

TIMEZONE = "Asia/Shanghai"
COUNTY_NAME = "清源县"
CITY_NAME = "清源市"
CENTRE_NAME = {"county": "清源县社会治理综合指挥中心", "small": "清源县社会治理综合指挥中心",
               "city": "清源市社会治理综合指挥中心"}
CENTRE = (117.02, 36.65)  # a fictional county on the North China plain (lon, lat)
#: Days of cases before ``as_of``: a whole year plus the month before it, for comparisons.
CASE_DAYS = 400
PATROL_DAYS = 90
TRACK_DAYS = 7


@dataclass(frozen=True)
class Scale:
    """How big a demo deployment is."""

    districts: int  # 0: the root is the county itself
    towns: int  # per district (or in the county)
    communities: int  # per town, on average
    grids: int  # per community, on average
    cases_per_year: int
    radius_deg: float


SCALES: dict[str, Scale] = {
    "small": Scale(0, 3, 4, 5, 9_000, 0.08),
    "county": Scale(0, 10, 10, 10, 220_000, 0.22),
    "city": Scale(10, 10, 10, 10, 2_000_000, 0.75),
}

SOURCE_SHARES = {"patrol": 0.52, "hotline": 0.16, "app": 0.12, "video": 0.11,
                 "referral": 0.04, "online": 0.03, "other": 0.02}
CLASS_SHARES = {schema.FACILITY: 0.28, schema.INCIDENT: 0.64, schema.DISPUTE: 0.08}


@dataclass(frozen=True)
class DemoReport:
    """What :func:`build_demo` wrote."""

    scale: str
    seed: int
    as_of: datetime
    regions: int
    grids: int
    cases: int
    events: int
    officers: int
    patrols: int
    patrol_points: int
    departments: int
    categories: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


# --- geometry -----------------------------------------------------------------------------

def _outline(rng: np.random.Generator, radius: float) -> Polygon:
    """An irregular county outline: a blob whose radius wanders with the angle."""
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    r = np.ones_like(angles)
    for k in range(2, 9):
        r += rng.normal(0, 0.28 / k) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.55, 1.6) * radius
    lon_scale = 1 / np.cos(np.radians(CENTRE[1]))  # keep it round on the ground
    xs = CENTRE[0] + r * np.cos(angles) * lon_scale
    ys = CENTRE[1] + r * np.sin(angles)
    return Polygon(np.column_stack([xs, ys])).buffer(0)


def _points_in(geom, n: int, rng: np.random.Generator, around=None, spread=None) -> np.ndarray:
    """``n`` random points inside ``geom`` (uniform, or normal around a point), as an (n, 2) array."""
    if n <= 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    got: list[np.ndarray] = []
    have, tries = 0, 0
    while have < n:
        tries += 1
        m = max(16, int((n - have) * 2.5))
        if around is not None and tries < 20:
            xy = rng.normal(around, spread, size=(m, 2))
        else:
            xy = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        keep = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        got.append(keep)
        have += len(keep)
        if tries > 200:  # a sliver: fall back to its representative point
            got.append(np.repeat([[geom.representative_point().x,
                                   geom.representative_point().y]], n, axis=0))
            break
    return np.concatenate(got)[:n]


def _polygonal(geom):
    """Only the polygon parts of an intersection result."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def _partition(parent, k: int, rng: np.random.Generator, pull: float = 0.0) -> list:
    """Split ``parent`` into ``k`` irregular cells that tile it exactly.

    Seeds are relaxed twice (Lloyd), so cells are compact; ``pull`` > 0 crowds them
    toward the parent's representative point, making cells smaller there (the town seat).
    """
    if k <= 1:
        return [parent]
    centre = np.array(parent.representative_point().coords[0])
    seeds = _points_in(parent, k, rng)
    if pull > 0:
        crowd = rng.random(k) < pull
        seeds[crowd] = centre + (seeds[crowd] - centre) * rng.uniform(0.15, 0.5, (crowd.sum(), 1))
    frame = parent.envelope.buffer(1.0)
    cells: list = []
    for iteration in range(3):
        vor = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame, ordered=True)
        cells = [_polygonal(shapely.intersection(cell, parent)) for cell in vor.geoms]
        if iteration == 2 or pull > 0:
            break
        seeds = np.array([(c.centroid.x, c.centroid.y) if not c.is_empty else s
                          for c, s in zip(cells, seeds)])
    cells = [c for c in cells if not c.is_empty and c.area > 0]
    return cells


def _counts(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights``, each at least ``minimum``."""
    weights = np.asarray(weights, dtype=float)
    raw = weights / weights.sum() * total
    out = np.maximum(np.floor(raw).astype(int), minimum)
    order = np.argsort(-(raw - np.floor(raw)))
    i = 0
    while out.sum() < total:
        out[order[i % len(out)]] += 1
        i += 1
    return out


# --- names ----------------------------------------------------------------------------

class _Namer:
    """Unique Chinese place and person names drawn from the seed."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        name = make() + str(len(self.used))
        self.used.add(name)
        return name

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def village(self) -> str:
        def make():
            if self.rng.random() < 0.5:
                return self.pick(SURNAMES) + self.pick(VILLAGE_PARTS) + "村"
            return self.pick(DIRECTIONS) + self.pick(SURNAMES) + self.pick(VILLAGE_PARTS) + "村"
        return self._unique(make)

    def community(self) -> str:
        def make():
            if self.rng.random() < 0.7:
                return self.pick(COMMUNITY_WORDS) + "社区"
            return self.pick(DIRECTIONS) + self.pick(COMMUNITY_WORDS) + "社区"
        return self._unique(make)

    def town(self, i: int) -> str:
        if i < len(TOWN_NAMES) and TOWN_NAMES[i] not in self.used:
            self.used.add(TOWN_NAMES[i])
            return TOWN_NAMES[i]
        return self._unique(lambda: self.pick(DIRECTIONS) + self.pick(COMMUNITY_WORDS)
                            + ("镇" if self.rng.random() < 0.6 else "街道"))

    def person(self) -> str:
        return self.pick(SURNAMES) + self.pick(GIVEN)


# --- the region tree ------------------------------------------------------------------------

def _regions(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    """Every region with id, code, name, level, depth, parent id, geometry and an urban weight."""
    namer = _Namer(rng)
    rows: list[dict] = []

    def add(code, name, level, depth, parent, geom, urban):
        rows.append({"id": len(rows) + 1, "code": code, "name": name, "level": level,
                     "depth": depth, "parent_id": parent, "geom": geom, "urban": urban})
        return len(rows)

    outline = _outline(rng, scale.radius_deg)
    level_names = [name for name, _ in schema.DEFAULT_LEVELS]
    if scale.districts:
        level_names = ["市"] + level_names
        root = add("379900", CITY_NAME, "市", 0, None, outline, 1.0)
        districts = []
        for i, cell in enumerate(_partition(outline, scale.districts, rng, pull=0.5)):
            code = f"3799{i + 1:02d}"
            districts.append((add(code, DISTRICT_NAMES[i % len(DISTRICT_NAMES)], "区县", 1,
                                  root, cell, 1.0 if i < 4 else 0.6), code, cell, 1))
    else:
        districts = [(add("370199", COUNTY_NAME, "区县", 0, None, outline, 1.0), "370199",
                      outline, 0)]

    town_index = 0
    for district_id, district_code, district_geom, depth in districts:
        town_cells = _partition(district_geom, scale.towns, rng, pull=0.5)
        # the cell nearest the seat is the urban core: more communities, more grids
        seat = district_geom.representative_point()
        order = np.argsort([cell.distance(seat.centroid) for cell in town_cells], kind="stable")
        town_cells = [town_cells[i] for i in order]  # 001 is the seat: 城关镇
        urban = np.linspace(1.0, 0.25, len(town_cells)) ** 1.5
        n_comm = _counts(scale.communities * len(town_cells), 0.4 + urban, 2)
        for t, town_geom in enumerate(town_cells):
            name = namer.town(town_index if scale.districts == 0 else 99)
            town_index += 1
            town_code = f"{district_code}{t + 1:03d}"
            town_id = add(town_code, name, level_names[depth + 1], depth + 1, district_id,
                          town_geom, float(urban[t]))
            comm_cells = _partition(town_geom, int(n_comm[t]), rng, pull=0.6 * urban[t])
            comm_urban = np.clip(urban[t] * rng.uniform(0.6, 1.3, len(comm_cells)), 0.05, 1.5)
            n_grid = _counts(scale.grids * len(comm_cells), 0.3 + comm_urban, 2)
            for c, comm_geom in enumerate(comm_cells):
                is_urban = comm_urban[c] > 0.45
                comm_name = namer.community() if is_urban else namer.village()
                comm_code = f"{town_code}{c + 1:03d}"
                comm_id = add(comm_code, comm_name, level_names[depth + 2], depth + 2, town_id,
                              comm_geom, float(comm_urban[c]))
                for g, grid_geom in enumerate(_partition(comm_geom, int(n_grid[c]), rng)):
                    add(f"{comm_code}{g + 1:03d}", f"{comm_name}第{g + 1}网格",
                        level_names[depth + 3], depth + 3, comm_id, grid_geom,
                        float(comm_urban[c]))
    frame = pd.DataFrame(rows)
    frame.attrs["levels"] = level_names
    return frame


# --- cases ----------------------------------------------------------------------------------

def _day_weights(days: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Relative case volume per local day: weekly rhythm, summer peak, slow growth, noise."""
    dow = days.day_of_week.to_numpy()
    weekly = np.where(dow >= 5, 0.62, 1.0) * np.where(dow == 0, 1.08, 1.0)
    doy = days.day_of_year.to_numpy()
    seasonal = 1 + 0.22 * np.sin(2 * np.pi * (doy - 100) / 365.25)
    trend = np.linspace(0.92, 1.08, len(days))
    holiday = np.ones(len(days))
    # Spring Festival lull (roughly late January to mid February)
    holiday[(days.month == 2) & (days.day <= 12)] = 0.55
    noise = rng.lognormal(0, 0.08, len(days))
    return weekly * seasonal * trend * holiday * noise


HOUR_CITIZEN = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.4, 2.2, 2.6, 2.6, 2.3,
                         1.6, 1.8, 2.3, 2.4, 2.2, 1.9, 1.7, 1.6, 1.5, 1.2, 0.8, 0.5])
HOUR_PATROL = np.array([0, 0, 0, 0, 0, 0, 0.1, 0.8, 3.0, 3.6, 3.4, 2.4,
                        0.6, 0.9, 2.8, 3.2, 2.9, 1.6, 0.4, 0.1, 0, 0, 0, 0])


def _lognormal_hours(rng, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _cases(regions: pd.DataFrame, officers: pd.DataFrame, categories: pd.DataFrame,
           scale: Scale, rng: np.random.Generator, as_of: datetime, tz: ZoneInfo
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases and their history, as two frames ready to insert."""
    n = int(round(scale.cases_per_year * CASE_DAYS / 365))

    # when: a local day by the day weights, an hour by the source's daily profile
    local_now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    days = pd.date_range(end=local_now.normalize(), periods=CASE_DAYS, freq="D")
    source_keys = np.array(list(SOURCE_SHARES))
    source = source_keys[rng.choice(len(source_keys), n, p=list(SOURCE_SHARES.values()))]
    patrol = source == "patrol"
    w = _day_weights(days, rng)
    day_i = rng.choice(len(days), n, p=w / w.sum())
    # patrols pause at weekends more than citizens do
    weekend = days.day_of_week.to_numpy()[day_i] >= 5
    redraw = patrol & weekend & (rng.random(n) < 0.35)
    day_i[redraw] = rng.choice(len(days), redraw.sum(), p=w / w.sum())
    hour = np.where(patrol, rng.choice(24, n, p=HOUR_PATROL / HOUR_PATROL.sum()),
                    rng.choice(24, n, p=HOUR_CITIZEN / HOUR_CITIZEN.sum()))
    video = source == "video"
    hour[video] = rng.integers(0, 24, video.sum())
    local = (days.to_numpy()[day_i] + hour.astype("timedelta64[h]")
             + rng.integers(0, 3600, n).astype("timedelta64[s]"))
    reported = (pd.Series(local).dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
                .dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"))
    keep = (reported <= pd.Timestamp(as_of)).to_numpy()
    reported, source, n = reported[keep].reset_index(drop=True), source[keep], int(keep.sum())
    patrol = source == "patrol"

    # where: a grid by its weight (urban, busy, hot spots), a point inside it
    grids = regions[regions["is_leaf"]].reset_index(drop=True)
    gw = (0.35 + grids["urban"].to_numpy()) * rng.lognormal(0, 0.45, len(grids))
    hot = rng.random(len(grids)) < 0.04
    gw[hot] *= 4.0
    grid_i = rng.choice(len(grids), n, p=gw / gw.sum())
    lon = np.empty(n)
    lat = np.empty(n)
    order = np.argsort(grid_i, kind="stable")
    bounds = np.searchsorted(grid_i[order], np.arange(len(grids) + 1))
    for g in range(len(grids)):
        idx = order[bounds[g]:bounds[g + 1]]
        if len(idx) == 0:
            continue
        geom = grids.at[g, "geom"]
        n_hot = int(len(idx) * (0.45 if hot[g] else 0.15))
        spot = np.array(geom.representative_point().coords[0])
        spread = np.sqrt(geom.area) * 0.08
        pts = np.concatenate([_points_in(geom, n_hot, rng, around=spot, spread=spread),
                              _points_in(geom, len(idx) - n_hot, rng)])
        lon[idx], lat[idx] = pts[:, 0], pts[:, 1]

    # what: a class, then a subcategory by its weight within the class
    klass_keys = np.array(list(CLASS_SHARES))
    klass = klass_keys[rng.choice(3, n, p=list(CLASS_SHARES.values()))]
    cat_i = np.empty(n, dtype=int)
    for k in klass_keys:
        rows = np.flatnonzero(categories["case_class"].to_numpy() == k)
        weights = categories["weight"].to_numpy()[rows]
        mask = klass == k
        cat_i[mask] = rows[rng.choice(len(rows), mask.sum(), p=weights / weights.sum())]
    cat = categories.iloc[cat_i].reset_index(drop=True)
    dispute = klass == schema.DISPUTE

    # the workflow's planned times (they happen only if before as_of)
    voided = rng.random(n) < np.where(source == "hotline", 0.09, 0.045)
    filed = reported + _span(_lognormal_hours(rng, 0.35, 0.9, n), unit="h")
    first_dispatch = filed + _span(_lognormal_hours(rng, 0.4, 0.9, n), unit="h")
    returned = (~voided) & (rng.random(n) < 0.07)
    dispatched = first_dispatch.copy()
    dispatched[returned] = first_dispatch[returned] + _span(
        _lognormal_hours(rng, 3, 0.7, returned.sum()), unit="h")
    returned_at = first_dispatch + (dispatched - first_dispatch) * 0.6

    due = deadlines(dispatched, cat["time_limit"], cat["time_unit"], tz)
    span = (due - dispatched).dt.total_seconds().to_numpy() / 3600
    postponed = (~voided) & (rng.random(n) < 0.035)
    postponed_at = dispatched + _span(span * rng.uniform(0.3, 0.9, n), unit="h")
    due[postponed] = due[postponed] + _span(span[postponed] * 0.8 + 24, unit="h")
    span_final = (due - dispatched).dt.total_seconds().to_numpy() / 3600

    # how long handling takes, as a share of the time allowed; a tail runs late, some stall
    share = rng.lognormal(np.log(0.4), 0.5, n)
    late = rng.random(n) < 0.04
    share[late] = rng.uniform(1.02, 2.5, late.sum())
    stalled = (~voided) & (rng.random(n) < 0.008)
    share[stalled] = rng.uniform(4, 40, stalled.sum())
    handle_h = np.maximum(span_final * share, 0.2)
    resolved = dispatched + _span(handle_h, unit="h")
    rework = (~voided) & (rng.random(n) < 0.035)
    first_resolve = resolved.copy()
    resolved[rework] = resolved[rework] + _span(
        span_final[rework] * rng.uniform(0.1, 0.4, rework.sum()) + 2, unit="h")
    rework_at = first_resolve + (resolved - first_resolve) * 0.3
    # verification: quick, and on schedule for a case handled in time
    verify_h = _lognormal_hours(rng, 1.2, 0.8, n)
    in_time = (share < 1) & ~rework
    room = np.maximum(span_final * (1 - share), 0.05) * rng.uniform(0.2, 0.9, n)
    verify_h[in_time] = np.minimum(verify_h, room)[in_time]
    verify_h[late] *= 2
    closed = resolved + _span(verify_h, unit="h")
    suspended = (~voided) & (rng.random(n) < 0.004) & (cat["case_class"] != schema.DISPUTE)
    suspended_at = dispatched + _span(span_final * 0.5, unit="h")
    # a suspended case waits for seasonal or engineering work: months, not days
    long_wait = _span(rng.uniform(60, 200, n), unit="D")
    resolved[suspended] = resolved[suspended] + long_wait[suspended]
    closed[suspended] = closed[suspended] + long_wait[suspended]

    end = pd.Timestamp(as_of)
    voided_at = reported + _span(_lognormal_hours(rng, 1.5, 0.8, n), unit="h")

    def happened(times: pd.Series, mask=None) -> pd.Series:
        ok = times <= end
        if mask is not None:
            ok &= mask
        return times.where(ok)

    voided_at = happened(voided_at, voided)
    is_void = voided_at.notna().to_numpy()
    live = ~voided
    filed_at = happened(filed, live)
    dispatched_at = happened(dispatched, live & filed_at.notna().to_numpy())
    resolved_at = happened(resolved, dispatched_at.notna().to_numpy())
    closed_at = happened(closed, resolved_at.notna().to_numpy())
    suspended_now = suspended & dispatched_at.notna().to_numpy() & resolved_at.isna().to_numpy() \
        & (suspended_at <= end).to_numpy()

    status = np.full(n, schema.REPORTED, dtype=object)
    status[filed_at.notna().to_numpy()] = schema.FILED
    status[dispatched_at.notna().to_numpy()] = schema.DISPATCHED
    status[suspended_now] = schema.SUSPENDED
    status[resolved_at.notna().to_numpy()] = schema.RESOLVED
    status[closed_at.notna().to_numpy()] = schema.CLOSED
    status[is_void] = schema.VOIDED
    # a case to be voided but not yet verified still waits as "reported"
    due_at = due.where(dispatched_at.notna())

    # where it was resolved: patrol finds are mostly fixed in the grid
    levels = np.array(["grid", "community", "town", "district"])
    p_patrol = np.array([0.86, 0.08, 0.04, 0.02])
    p_other = np.array([0.52, 0.20, 0.17, 0.11])
    level_draw = np.where(patrol, _choice_rows(rng, p_patrol, n), _choice_rows(rng, p_other, n))
    resolved_level = pd.Series(levels[level_draw]).where(resolved_at.notna())

    # mediation and satisfaction
    mediated_at = resolved_at.where(dispute)
    outcome = np.where(rng.random(n) < 0.965, schema.MEDIATION_SUCCESS, schema.MEDIATION_FAILURE)
    mediation = pd.Series(outcome).where(mediated_at.notna())
    citizen = np.isin(source, ["hotline", "app", "online"])
    rated_at = closed_at + _span(_lognormal_hours(rng, 6, 0.7, n), unit="h")
    rated = closed_at.notna().to_numpy() & (rng.random(n) < np.where(citizen, 0.75, 0.25)) \
        & (rated_at <= end).to_numpy()
    sat_draw = _choice_rows(rng, np.array([0.87, 0.095, 0.035]), n)
    sat_draw[late & (rng.random(n) < 0.5)] = 2
    satisfaction = pd.Series(np.array(schema.SATISFACTIONS)[sat_draw]).where(rated)

    # who: the grid's officer finds patrol cases; departments from the category table
    grid_ids = grids["id"].to_numpy()[grid_i]
    officer_of = dict(zip(officers["region_id"], officers["id"]))
    officer_name = dict(zip(officers["id"], officers["name"]))
    officer_id = np.array([officer_of[g] for g in grid_ids])
    reporter = np.where(patrol, pd.Series(officer_id).map(officer_name).to_numpy(),
                        pd.Series(source).map(_REPORTER).to_numpy())

    urgent = (cat["time_unit"].to_numpy() == schema.HOURS) & (cat["time_limit"].to_numpy() <= 2) \
        & (rng.random(n) < 0.3)
    town_name = grids["town_name"].to_numpy()[grid_i]
    comm_name = grids["community_name"].to_numpy()[grid_i]
    street = np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    number = rng.integers(1, 400, n).astype(str)
    address = (pd.Series(town_name) + pd.Series(comm_name) + pd.Series(street)
               + pd.Series(number) + "号")
    description = cat["subcategory"].map(_DESCRIPTION_OF).to_numpy()

    # one code for life: date of report + running number of that day (local)
    order = np.argsort(reported.to_numpy(), kind="stable")
    frame = pd.DataFrame({
        "reported_at": reported, "source": source, "case_class": cat["case_class"],
        "category": cat["category"], "subcategory": cat["subcategory"],
        "department_id": cat["department_id"], "status": status, "urgent": urgent,
        "description": description, "address": address, "lon": lon.round(6),
        "lat": lat.round(6), "region_id": grid_ids, "officer_id": officer_id,
        "reporter": reporter, "filed_at": filed_at, "dispatched_at": dispatched_at,
        "resolved_at": resolved_at, "closed_at": closed_at, "voided_at": voided_at,
        "due_at": due_at, "resolved_level": resolved_level, "satisfaction": satisfaction,
        "mediation_outcome": mediation, "mediated_at": mediated_at,
        # the history's extra steps, used for events only
        "_returned": returned, "_returned_at": returned_at, "_first_dispatch": first_dispatch,
        "_postponed": postponed, "_postponed_at": postponed_at, "_rework": rework,
        "_first_resolve": first_resolve, "_rework_at": rework_at,
        "_suspended": suspended_now, "_suspended_at": suspended_at, "_rated_at": rated_at,
        "_rated": rated,
    }).iloc[order].reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, n + 1))
    local_day = (frame["reported_at"].dt.tz_localize("UTC").dt.tz_convert(tz)
                 .dt.strftime("%Y%m%d"))
    seq = frame.groupby(local_day).cumcount() + 1
    frame.insert(1, "code", "SJ" + local_day + seq.map("{:05d}".format))
    frame["location_method"] = schema.LOCATED_BY_POINT
    frame["version"] = 1
    frame["updated_at"] = frame[["reported_at", "filed_at", "dispatched_at", "resolved_at",
                                 "closed_at", "voided_at"]].max(axis=1)
    events = _events(frame, end)
    return frame, events


def _span(values, unit: str = "h") -> np.ndarray:
    """Durations as whole seconds (``timedelta64[s]``), so every time column stays in µs."""
    seconds = {"h": 3600.0, "m": 60.0, "D": 86400.0}[unit]
    return np.round(np.asarray(values, dtype=float) * seconds).astype("timedelta64[s]")


def _choice_rows(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(p), n, p=p / p.sum())


_REPORTER = {"hotline": "12345热线来电", "app": "群众APP上报", "video": "视频智能识别",
             "referral": "上级交办", "online": "大屏在线发现", "other": "其他渠道"}
_DESCRIPTION_OF = {
    sub: (f"{sub}损坏或缺失，影响使用" if klass == schema.FACILITY
          else f"{sub}，当事人申请调解" if klass == schema.DISPUTE
          else f"发现{sub}，请及时处置")
    for _, klass, _, sub, *_ in CATEGORIES
}


def _events(cases: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The append-only history each case's timestamps imply."""
    parts: list[pd.DataFrame] = []

    def add(mask, at, action, from_status, to_status, actor=None, note=None):
        times = cases[at] if isinstance(at, str) else at
        mask = (np.array(mask, dtype=bool) & (times <= end).to_numpy()
                & times.notna().to_numpy())
        if not mask.any():
            return
        parts.append(pd.DataFrame({
            "case_id": cases["id"].to_numpy()[mask], "action": action,
            "from_status": from_status, "to_status": to_status,
            "actor": actor if isinstance(actor, str) or actor is None else actor[mask],
            "note": note, "at": times.to_numpy()[mask],
        }))

    every = np.ones(len(cases), dtype=bool)
    dispatched = cases["dispatched_at"].notna().to_numpy()
    add(every, "reported_at", "report", None, schema.REPORTED, cases["reporter"].to_numpy())
    add(every, "voided_at", "void", schema.REPORTED, schema.VOIDED, "指挥中心", "核实不属实，作废")
    add(every, "filed_at", "file", schema.REPORTED, schema.FILED, "指挥中心")
    returned = cases["_returned"].to_numpy() & dispatched
    add(returned, cases["_first_dispatch"], "dispatch", schema.FILED, schema.DISPATCHED, "指挥中心")
    add(returned, cases["_returned_at"], "return", schema.DISPATCHED, schema.FILED, None,
        "非本单位职责，申请回退")
    add(every, "dispatched_at", "dispatch", schema.FILED, schema.DISPATCHED, "指挥中心")
    add(cases["_postponed"].to_numpy() & dispatched, cases["_postponed_at"], "postpone",
        schema.DISPATCHED, schema.DISPATCHED, None, "申请延期，已批准")
    add(cases["_suspended"].to_numpy(), cases["_suspended_at"], "suspend", schema.DISPATCHED,
        schema.SUSPENDED, "指挥中心", "需季节性或工程性处置，挂账")
    rework = cases["_rework"].to_numpy() & cases["resolved_at"].notna().to_numpy()
    add(rework, cases["_first_resolve"], "resolve", schema.DISPATCHED, schema.RESOLVED)
    add(rework, cases["_rework_at"], "rework", schema.RESOLVED, schema.DISPATCHED, "指挥中心",
        "核查未通过，返工")
    add(every, "resolved_at", "resolve", schema.DISPATCHED, schema.RESOLVED)
    add(cases["mediation_outcome"].notna().to_numpy(), "mediated_at", "mediate",
        schema.RESOLVED, schema.RESOLVED, None, None)
    add(every, "closed_at", "close", schema.RESOLVED, schema.CLOSED, "指挥中心", "核查通过，结案")
    add(cases["_rated"].to_numpy(), cases["_rated_at"], "rate", schema.CLOSED, schema.CLOSED,
        None, None)
    events = pd.concat(parts, ignore_index=True)
    events = events.sort_values(["at", "case_id"], kind="stable").reset_index(drop=True)
    events.insert(0, "id", np.arange(1, len(events) + 1))
    return events


# --- patrols --------------------------------------------------------------------------------

def _patrols(grids: pd.DataFrame, officers: pd.DataFrame, rng: np.random.Generator,
             as_of: datetime, tz: ZoneInfo) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A patrol per officer on most days (a few officers skip many), tracks for the last days."""
    local_now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    days = pd.date_range(end=local_now.normalize(), periods=PATROL_DAYS, freq="D")
    n_off = len(officers)
    diligence = np.where(rng.random(n_off) < 0.06, rng.uniform(0.15, 0.5, n_off),
                         rng.uniform(0.82, 0.98, n_off))
    weekend = np.asarray(days.day_of_week >= 5)
    p = diligence[:, None] * np.where(weekend, 0.5, 1.0)[None, :]
    went = rng.random((n_off, len(days))) < p
    # a few grids have had no officer for weeks (a vacancy the wall must show)
    vacant = rng.random(n_off) < 0.012
    gap = rng.integers(20, 60, n_off)
    went &= ~(vacant[:, None] & (np.arange(len(days))[None, :] >= len(days) - gap[:, None]))
    off_i, day_i = np.nonzero(went)
    start_local = (days.to_numpy()[day_i] + np.timedelta64(8, "h")
                   + (rng.uniform(0, 2.5, len(day_i)) * 3600).astype("timedelta64[s]"))
    minutes = rng.normal(125, 20, len(day_i)).clip(60, 200)
    start = (pd.Series(start_local).dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
             .dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"))
    ended = start + _span(minutes, unit="m")
    end = pd.Timestamp(as_of)
    keep = (start <= end).to_numpy()
    patrols = pd.DataFrame({
        "officer_id": officers["id"].to_numpy()[off_i], "region_id":
        officers["region_id"].to_numpy()[off_i], "started_at": start,
        "ended_at": ended.where(ended <= end), "minutes": minutes,
    })[keep].sort_values(["started_at", "officer_id"]).reset_index(drop=True)
    patrols.insert(0, "id", np.arange(1, len(patrols) + 1))

    # tracks: one GPS fix every two minutes along a loop of waypoints inside the grid
    geom_of = dict(zip(grids["id"], grids["geom"]))
    recent = patrols["started_at"] >= end - pd.Timedelta(days=TRACK_DAYS)
    tracks: list[pd.DataFrame] = []
    speed_m_per_min = 55.0
    distance = np.full(len(patrols), np.nan)
    for row in patrols[recent].itertuples():
        geom = geom_of[row.region_id]
        way = _points_in(geom, 7, rng)
        centre = way.mean(axis=0)
        way = way[np.argsort(np.arctan2(way[:, 1] - centre[1], way[:, 0] - centre[0]))]
        way = np.vstack([way, way[:1]])
        n_fix = max(int(row.minutes // 2), 2)
        t = np.linspace(0, len(way) - 1, n_fix)
        xs = np.interp(t, np.arange(len(way)), way[:, 0]) + rng.normal(0, 0.00004, n_fix)
        ys = np.interp(t, np.arange(len(way)), way[:, 1]) + rng.normal(0, 0.00004, n_fix)
        at = row.started_at + _span(np.arange(n_fix) * 2, unit="m")
        ok = at <= end
        tracks.append(pd.DataFrame({"patrol_id": row.id, "at": at[ok], "lon": xs[ok].round(6),
                                    "lat": ys[ok].round(6)}))
    for row in patrols.itertuples():
        distance[row.id - 1] = row.minutes * speed_m_per_min * rng.uniform(0.8, 1.2)
    patrols["distance_m"] = distance.round(0)
    points = pd.concat(tracks, ignore_index=True) if tracks else pd.DataFrame(
        columns=["patrol_id", "at", "lon", "lat"])
    points.insert(0, "id", np.arange(1, len(points) + 1))
    return patrols.drop(columns=["minutes"]), points


# --- writing ----------------------------------------------------------------------------------

def _columns(frame: pd.DataFrame) -> list[np.ndarray]:
    """The frame's columns as arrays of plain Python values, ``None`` for missing.

    Times become the text SQLAlchemy itself stores in SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``),
    which PostgreSQL's COPY also reads as a timestamp.
    """
    out: list[np.ndarray] = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            text_ = np.datetime_as_string(column.to_numpy().astype("datetime64[us]"), unit="us")
            values = np.char.replace(text_, "T", " ").astype(object)
        elif pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=bool).astype(int).astype(object)
        else:
            values = column.to_numpy(dtype=object, copy=True)
        values[column.isna().to_numpy()] = None
        out.append(values)
    return out


def _bulk(conn: Connection, table, frame: pd.DataFrame, chunk: int = 200_000) -> None:
    """Insert a frame's rows fast: one prepared ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL; a chunk at a time, so a city's millions of rows never exist as Python
    objects all at once. Only for the demo's trusted, freshly made rows."""
    names = list(frame.columns)
    table_name = table.__tablename__
    sql = f"INSERT INTO {table_name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, len(frame), chunk):
        rows = list(zip(*_columns(frame.iloc[start:start + chunk])))
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            conn.exec_driver_sql(sql, rows)


def _reset_sequences(conn: Connection, tables: list[str]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def build_demo(engine: Engine, scale: str = "county", seed: int = 42,
               as_of: datetime | None = None, cases: int | None = None) -> DemoReport:
    """Empty the store and build the demo deployment of ``scale`` from ``seed``.

    ``as_of`` (naive UTC, default now) is the demo world's present: cases run up to it.
    ``cases`` overrides the scale's number of cases (over the demo's 400 days), for
    benchmarks that want, say, a million cases on a county's 1,000 grids.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    began = time.perf_counter()
    as_of = (store.utcnow() if as_of is None else as_of).replace(second=0, microsecond=0)
    spec = SCALES[scale]
    if cases is not None:
        spec = replace(spec, cases_per_year=int(cases * 365 / CASE_DAYS))
    tz = ZoneInfo(TIMEZONE)
    rng = np.random.default_rng(seed)

    regions = _regions(spec, rng)
    parents = set(regions["parent_id"].dropna().astype(int))
    regions["is_leaf"] = ~regions["id"].isin(parents)
    name_of = dict(zip(regions["id"], regions["name"]))
    parent_of = dict(zip(regions["id"], regions["parent_id"]))
    leaf_depth = int(regions["depth"].max())
    grids = regions[regions["is_leaf"]].copy()
    grids["community_name"] = grids["parent_id"].map(name_of)
    grids["town_name"] = grids["parent_id"].map(parent_of).map(name_of)
    regions = regions.merge(grids[["id", "community_name", "town_name"]], on="id", how="left")

    departments = pd.DataFrame(DEPARTMENTS, columns=["code", "name"])
    departments.insert(0, "id", np.arange(1, len(departments) + 1))
    dept_id = dict(zip(departments["code"], departments["id"]))
    categories = pd.DataFrame(CATEGORIES, columns=["code", "case_class", "category", "subcategory",
                                                   "department", "time_limit", "time_unit",
                                                   "weight"])
    categories.insert(0, "id", np.arange(1, len(categories) + 1))
    categories["department_id"] = categories["department"].map(dept_id)
    categories["filing_condition"] = categories["case_class"].map(lambda k: CONDITIONS[k][0])
    categories["closing_condition"] = categories["case_class"].map(lambda k: CONDITIONS[k][1])

    namer = _Namer(rng)
    leaf = regions[regions["is_leaf"]].reset_index(drop=True)
    officers = pd.DataFrame({
        "id": np.arange(1, len(leaf) + 1),
        "code": "WGY" + leaf["code"],
        "name": [namer.person() for _ in range(len(leaf))],
        "region_id": leaf["id"].to_numpy(),
        "phone": [f"13{rng.integers(0, 10)}****{rng.integers(0, 10000):04d}"
                  for _ in range(len(leaf))],
    })

    cases, events = _cases(regions, officers, categories, spec, rng, as_of, tz)
    patrols, points = _patrols(leaf, officers, rng, as_of, tz)

    geoms = regions["geom"].to_numpy()
    centroids = shapely.centroid(geoms)
    bounds = shapely.bounds(geoms)
    region_rows = pd.DataFrame({
        "id": regions["id"], "code": regions["code"], "name": regions["name"],
        "level": regions["level"], "depth": regions["depth"],
        "parent_id": regions["parent_id"].astype("Int64"),
        "geometry": shapely.to_wkb(shapely.set_precision(geoms, 1e-6)),
        "centroid_lon": shapely.get_x(centroids).round(6),
        "centroid_lat": shapely.get_y(centroids).round(6),
        "min_lon": bounds[:, 0], "min_lat": bounds[:, 1],
        "max_lon": bounds[:, 2], "max_lat": bounds[:, 3],
    })

    # a running server keeps maps and counts by these numbers: they must move on, never
    # start again at 1 and meet a number an older store had
    previous = store.versions(engine)
    store.drop_all(engine)
    store.init_db(engine)
    bulky = [Case.__table__, CaseEvent.__table__, PatrolPoint.__table__, Patrol.__table__]
    with store.transaction(engine) as conn:
        # indexes are built once after the load, not row by row during it
        for table in bulky:
            for index in table.indexes:
                index.drop(conn)
        store.set_meta(conn, "timezone", TIMEZONE)
        store.set_meta(conn, "centre_name", CENTRE_NAME[scale])
        store.set_meta(conn, "source", "demo")
        store.set_meta(conn, "demo", f"scale={scale} seed={seed} as_of={as_of.isoformat()}")
        for depth, name in enumerate(regions.attrs.get("levels") or _level_names(leaf_depth)):
            store.ensure_level(conn, name, depth, "City" if name == "市" else "")
        # parents before children, so the foreign key holds row by row
        _bulk(conn, Region, region_rows.sort_values(["depth", "id"]))
        store.rebuild_region_ancestors(conn)
        _bulk(conn, Department, departments)
        _bulk(conn, Category, categories.drop(columns=["department", "weight"]))
        _bulk(conn, Officer, officers)
        _bulk(conn, Case, cases.loc[:, [c for c in cases.columns if not c.startswith("_")]])
        _bulk(conn, CaseEvent, events)
        _bulk(conn, Patrol, patrols)
        _bulk(conn, PatrolPoint, points)
        for table in bulky:
            for index in table.indexes:
                index.create(conn)
        _reset_sequences(conn, ["regions", "departments", "categories", "officers", "cases",
                                "case_events", "patrols", "patrol_points"])
        store.carry_versions(conn, previous)  # data and regions both changed

    return DemoReport(
        scale=scale, seed=seed, as_of=as_of, regions=len(region_rows), grids=len(leaf),
        cases=len(cases), events=len(events), officers=len(officers), patrols=len(patrols),
        patrol_points=len(points), departments=len(departments), categories=len(categories),
        seconds=time.perf_counter() - began,
    )


def _level_names(leaf_depth: int) -> list[str]:
    names = [name for name, _ in schema.DEFAULT_LEVELS]
    return (["市"] + names) if leaf_depth == 4 else names


__all__ = ["DemoReport", "SCALES", "build_demo"]
