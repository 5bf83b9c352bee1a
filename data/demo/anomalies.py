"""The demo's planted anomalies: known trouble the early-warning rules should find
(issue 16), and the ground truth ``bench/alerts.py`` scores them against.

Two kinds, planted into the generated cases by *moving* cases the generator already made
(never adding any), so the demo keeps its size, its rhythms and every case's history, and
the rest of the demo is exactly what it was:

* **surges** (突增): a (region, subcategory, two consecutive working days) whose count is
  about three times its baseline (the mean of the same weekday over the 8 weeks before,
  as the generator made it) on both days. The demo's grids are small: no (grid,
  subcategory) averages more than about 0.5 cases a day, so a grid's "three times" is
  one or two cases, the "1 -> 3 is not a surge" the rule must stay quiet about. Surges are
  therefore planted in regions one or two levels above the grids (communities, towns)
  whose expected count that day is at least ``min_expected``; the extra cases (twice the
  expected count, rounded) are spread over the region's grids by each grid's share of that
  subcategory, and taken from the same subcategory's cases of the same local day reported
  outside the region and outside every other surge of that subcategory and day (a region
  that gave cases of that subcategory in the surge's days or the 8 weeks before gets no
  surge of it), never voided, not by a patrol, not disputes (those carry the grid's
  officer or a mediation): a case of that day moves into the region (grid, officer, point,
  address);
* **repeat locations** (重复投诉): 3 to 5 cases (never voided) of one grid and one
  subcategory (the grid's most frequent in the span) reported within 25 days, moved to
  within 20 m of one point of that grid (same address): one problem that keeps coming
  back. The grid, officer and history of each case stay as they were.

Everything draws from its own generator, ``np.random.default_rng([seed, 16])``: the
generator of the rest of the demo draws exactly what it drew before. The planted list is
not written to the store (the detectors never see it): :func:`data.demo.county.build_demo`
returns it in its report (``DemoReport.planted``) and ``bench/alerts.py`` writes it to a
JSON file next to its bench store (:meth:`Planted.as_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data import schema
from data.demo.geometry import points_in
from data.holidays import LIBRARY

#: How many anomalies of each kind a scale plants, the least expected count of a surge's
#: (region, subcategory) on its days, and whether a surge may be smaller than three times
#: when its day has too few cases to take from (the small county has no region that busy:
#: its surges test the planting, not the detector).
PLAN = {"small": (4, 6, 0.2, True), "county": (30, 30, 3.0, False),
        "city": (60, 60, 3.0, False)}
BASELINE_WEEKS = 8
SURGE_DAYS = 2
SURGE_FACTOR = 3.0
REPEAT_SPAN_DAYS = 25
REPEAT_RADIUS_M = 20.0
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class PlantedSurge:
    """A surge planted in ``region_id`` (``distance`` levels above the grids) for
    ``subcategory`` on the local days ``days``: ``expected`` per day from the same weekday
    of the 8 weeks before, ``count`` per day after planting, ``case_ids`` the moved cases."""

    region_id: int
    region_code: str
    distance: int
    subcategory: str
    days: tuple[date, ...]
    expected: tuple[float, ...]
    count: tuple[int, ...]
    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class PlantedRepeat:
    """Cases of grid ``region_id`` and of ``subcategory`` moved within ``REPEAT_RADIUS_M``
    of (lon, lat), all reported from ``first_day`` to ``last_day`` (local)."""

    region_id: int
    lon: float
    lat: float
    first_day: date
    last_day: date
    case_ids: tuple[int, ...]
    subcategory: str = ""


@dataclass(frozen=True)
class Planted:
    """The ground truth of a demo store: what :func:`plant` moved where."""

    surges: tuple[PlantedSurge, ...] = ()
    repeats: tuple[PlantedRepeat, ...] = ()
    seed: int = 0
    extra: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        def surge(s: PlantedSurge) -> dict:
            return {"region_id": s.region_id, "region_code": s.region_code,
                    "distance": s.distance, "subcategory": s.subcategory,
                    "days": [d.isoformat() for d in s.days],
                    "expected": [round(e, 3) for e in s.expected], "count": list(s.count),
                    "case_ids": list(s.case_ids)}

        def repeat(r: PlantedRepeat) -> dict:
            return {"region_id": r.region_id, "lon": r.lon, "lat": r.lat,
                    "first_day": r.first_day.isoformat(), "last_day": r.last_day.isoformat(),
                    "case_ids": list(r.case_ids), "subcategory": r.subcategory}

        return {"seed": self.seed, "surges": [surge(s) for s in self.surges],
                "repeats": [repeat(r) for r in self.repeats]}


def plant(cases: pd.DataFrame, regions: pd.DataFrame, officers: pd.DataFrame, scale: str,
          seed: int, tz: ZoneInfo) -> tuple[pd.DataFrame, Planted]:
    """``cases`` (the generator's frame) with the anomalies planted, and what was planted.

    ``regions`` is the region tree with ``is_leaf``, ``geom`` and the grids'
    ``community_name``/``town_name``; ``officers`` one per grid (``region_id``)."""
    n_surges, n_repeats, min_expected, partial = PLAN.get(scale, PLAN["county"])
    rng = np.random.default_rng([seed, 16])
    cases = cases.copy()
    day = (cases["reported_at"].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
           .dt.normalize())
    cases["_day"] = day.dt.date
    cases["_ordinal"] = (day - pd.Timestamp("0001-01-01")).dt.days + 1  # date.toordinal()
    world = _World(regions, officers)
    surges = _plant_surges(cases, world, rng, n_surges, min_expected, partial)
    repeats = _plant_repeats(cases, world, rng, n_repeats)
    return cases.drop(columns=["_day", "_ordinal"]), Planted(tuple(surges), tuple(repeats), seed)


class _World:
    """The region tree as lookups: each grid's ancestors, names, officer and polygon."""

    def __init__(self, regions: pd.DataFrame, officers: pd.DataFrame) -> None:
        self.parent = dict(zip(regions["id"], regions["parent_id"]))
        self.code = dict(zip(regions["id"], regions["code"]))
        leaf = regions[regions["is_leaf"]]
        self.grids = leaf["id"].to_numpy()
        self.geom = dict(zip(leaf["id"], leaf["geom"]))
        self.prefix = dict(zip(leaf["id"], leaf["town_name"].fillna("")
                               + leaf["community_name"].fillna("")))
        self.officer = dict(zip(officers["region_id"], officers["id"]))

    def ancestor(self, grid: int, distance: int) -> int | None:
        region = grid
        for _ in range(distance):
            region = self.parent.get(region)
            if region is None or pd.isna(region):
                return None
            region = int(region)
        return region


def _plant_surges(cases: pd.DataFrame, world: _World, rng: np.random.Generator, wanted: int,
                  min_expected: float, partial: bool) -> list[PlantedSurge]:
    days = sorted(set(cases["_day"]))
    if len(days) < 7 * BASELINE_WEEKS + 14 or wanted <= 0:
        return []
    eligible = [d for d in days[7 * BASELINE_WEEKS + 7:-3]
                if all(d + timedelta(i) in set(days) and (d + timedelta(i)).weekday() < 5
                       and LIBRARY.is_working_day(d + timedelta(i)) for i in range(SURGE_DAYS))]
    grid = cases["region_id"].to_numpy()
    sub = cases["subcategory"].to_numpy()
    parent = pd.Series(world.parent, dtype="float64")
    up1 = pd.Series(grid).map(parent)
    ancestors = {1: up1.fillna(-1).astype(int).to_numpy(),
                 2: up1.map(parent).fillna(-1).astype(int).to_numpy()}
    counts = {k: pd.Series(1, index=pd.MultiIndex.from_arrays(
        [ancestors[k], sub, cases["_day"].to_numpy()])).groupby(level=[0, 1, 2]).sum()
        for k in (1, 2)}
    movable = ((cases["source"] != "patrol") & (cases["case_class"] != schema.DISPUTE)
               & cases["voided_at"].isna()).to_numpy()
    # a surge's region never gives cases to another, nor gets one where it gave some
    state = _Taking(movable, partial)
    planted: list[PlantedSurge] = []
    taken: set[tuple[int, str]] = set()
    busy_on: dict[tuple[int, date], list] = {}
    for _ in range(wanted * 40):
        if len(planted) >= wanted:
            break
        first = eligible[int(rng.integers(len(eligible)))]
        span = [first + timedelta(i) for i in range(SURGE_DAYS)]
        distance = int(rng.integers(1, 3))
        table = counts[distance]
        if (distance, first) not in busy_on:
            on_day = table.xs(first, level=2)
            busy_on[distance, first] = on_day[on_day >= min_expected].index.tolist()
        busy = busy_on[distance, first]
        busy = [pair for pair in busy if pair[0] != -1 and pair not in taken]
        if not busy:
            continue
        region, subcategory = busy[int(rng.integers(len(busy)))]
        expected = [_baseline(table, region, subcategory, d) for d in span]
        if min(expected) < min_expected:
            continue
        got = _move_into(cases, world, rng, region, distance, subcategory, span, expected,
                         ancestors, state)
        if got is None:
            continue
        ids, count = got
        taken.add((region, subcategory))
        planted.append(PlantedSurge(int(region), world.code[region], distance, subcategory,
                                    tuple(span), tuple(expected), tuple(count), tuple(ids)))
    return sorted(planted, key=lambda s: (s.days[0], s.region_id))


def _baseline(table: pd.Series, region: int, subcategory: str, day: date) -> float:
    """The mean count of the same weekday over the weeks before ``day``."""
    total = 0
    for week in range(1, BASELINE_WEEKS + 1):
        total += int(table.get((region, subcategory, day - timedelta(weeks=week)), 0))
    return total / BASELINE_WEEKS


class _Taking:
    """What the surges planted so far took and gave: the cases moved, the (grid,
    subcategory, day) of their regions and days (never donors), and those that gave."""

    def __init__(self, movable: np.ndarray, partial: bool) -> None:
        self.movable = movable
        self.partial = partial
        self.moved: set[int] = set()
        self.protected: set[tuple[int, str, date]] = set()
        self.gave: set[tuple[int, str, date]] = set()


def _move_into(cases: pd.DataFrame, world: _World, rng: np.random.Generator, region: int,
               distance: int, subcategory: str, span: list[date], expected: list[float],
               ancestors: dict, state: _Taking) -> tuple[list[int], list[int]] | None:
    """Move twice each day's expected count of ``subcategory`` into ``region``'s grids;
    None (nothing moved) when a day has too few cases to take from (in a ``partial``
    plan: as many as it has, at least one), or when the region gave cases of it in the
    span or the baseline weeks before."""
    region_grids = [int(g) for g in world.grids if world.ancestor(int(g), distance) == region]
    since = span[0] - timedelta(weeks=BASELINE_WEEKS)
    mine = set(region_grids)
    if any(g in mine and sub == subcategory and since <= day <= span[-1]
           for g, sub, day in state.gave):
        return None
    inside = ancestors[distance] == region
    same_sub = (cases["subcategory"] == subcategory).to_numpy()
    grids_here = cases["region_id"].to_numpy()[inside & same_sub]
    if len(grids_here) == 0:
        return None
    share = pd.Series(grids_here).value_counts()
    plan = []
    for d, e in zip(span, expected):
        keep_out = np.isin(cases["region_id"].to_numpy(), region_grids + [
            g for g, sub, day in state.protected if sub == subcategory and day == d])
        extra = int(round((SURGE_FACTOR - 1) * e))
        donors = np.flatnonzero(same_sub & state.movable & ~keep_out
                                & (cases["_ordinal"].to_numpy() == d.toordinal()))
        donors = np.array([i for i in donors if int(cases.at[i, "id"]) not in state.moved])
        if extra < 1 or len(donors) == 0 or (len(donors) < extra and not state.partial):
            return None
        plan.append(rng.choice(donors, min(extra, len(donors)), replace=False))
    state.protected.update((g, subcategory, d) for g in region_grids for d in span)
    ids, count = [], []
    for d, rows in zip(span, plan):
        targets = rng.choice(share.index.to_numpy(), len(rows),
                             p=(share / share.sum()).to_numpy())
        for row, grid in zip(rows, targets):
            state.gave.add((int(cases.at[row, "region_id"]), subcategory, d))
            _relocate(cases, world, rng, int(row), int(grid))
            state.moved.add(int(cases.at[row, "id"]))
            ids.append(int(cases.at[row, "id"]))
        in_region = np.isin(cases["region_id"].to_numpy(), region_grids)
        on_day = cases["_ordinal"].to_numpy() == d.toordinal()
        count.append(int((on_day & same_sub & in_region).sum()))
    return ids, count


def _relocate(cases: pd.DataFrame, world: _World, rng: np.random.Generator, row: int,
              grid: int) -> None:
    """Case ``row`` now happened in ``grid``: its region, officer, point and address."""
    old = int(cases.at[row, "region_id"])
    point = points_in(world.geom[grid], 1, rng)[0]
    address = str(cases.at[row, "address"])
    old_prefix = world.prefix.get(old, "")
    rest = address[len(old_prefix):] if address.startswith(old_prefix) else address
    cases.at[row, "region_id"] = grid
    cases.at[row, "officer_id"] = world.officer[grid]
    cases.at[row, "lon"], cases.at[row, "lat"] = round(point[0], 6), round(point[1], 6)
    cases.at[row, "address"] = world.prefix[grid] + rest


def _plant_repeats(cases: pd.DataFrame, world: _World, rng: np.random.Generator,
                   wanted: int) -> list[PlantedRepeat]:
    days = sorted(set(cases["_day"]))
    if len(days) < REPEAT_SPAN_DAYS + 7 or wanted <= 0:
        return []
    by_grid = cases.groupby("region_id").indices
    grids = np.array(sorted(by_grid))
    planted: list[PlantedRepeat] = []
    used_grids: set[int] = set()
    for _ in range(wanted * 20):
        if len(planted) >= wanted:
            break
        grid = int(grids[int(rng.integers(len(grids)))])
        if grid in used_grids:
            continue
        first = days[int(rng.integers(7, len(days) - REPEAT_SPAN_DAYS))]
        last = first + timedelta(days=REPEAT_SPAN_DAYS - 1)
        rows = by_grid[grid]
        in_span = rows[(cases["_day"].to_numpy()[rows] >= first)
                       & (cases["_day"].to_numpy()[rows] <= last)
                       & cases["voided_at"].isna().to_numpy()[rows]]
        # one problem coming back: cases of the span's most frequent subcategory there
        subs = cases["subcategory"].to_numpy()[in_span]
        values, counts = np.unique(subs.astype(str), return_counts=True)
        if len(values) == 0 or counts.max() < 3:
            continue
        same = in_span[subs == values[int(np.argmax(counts))]]
        k = min(int(rng.integers(3, 6)), len(same))
        chosen = np.sort(rng.choice(same, k, replace=False))
        geom = world.geom[grid]
        # a centre at least ~30 m inside the grid, so every moved point stays in it
        core = geom.buffer(-1.5 * REPEAT_RADIUS_M / _METRES_PER_DEGREE)
        centre = points_in(geom if core.is_empty else core, 1, rng)[0]
        address = str(cases.at[int(chosen[0]), "address"])
        for row in chosen:
            metres = rng.uniform(0, REPEAT_RADIUS_M)
            angle = rng.uniform(0, 2 * np.pi)
            lat = centre[1] + metres * np.sin(angle) / _METRES_PER_DEGREE
            lon = centre[0] + metres * np.cos(angle) / (_METRES_PER_DEGREE
                                                        * np.cos(np.radians(centre[1])))
            cases.at[int(row), "lon"], cases.at[int(row), "lat"] = round(lon, 6), round(lat, 6)
            cases.at[int(row), "address"] = address
        used_grids.add(grid)
        days_of = cases["_day"].to_numpy()[chosen]
        planted.append(PlantedRepeat(grid, round(float(centre[0]), 6), round(float(centre[1]), 6),
                                     min(days_of), max(days_of),
                                     tuple(int(cases.at[int(r), "id"]) for r in chosen),
                                     str(cases.at[int(chosen[0]), "subcategory"])))
    return sorted(planted, key=lambda r: (r.first_day, r.region_id))


__all__ = ["PLAN", "Planted", "PlantedRepeat", "PlantedSurge", "plant"]
