"""The demo county: a deterministic synthetic deployment that looks and behaves like a real one.

``build_demo(engine, scale="county", seed=42)`` empties the store and fills it with:

* irregular nested polygons: a county outline, ~10 towns, ~100 communities and ~1,000 grids
  (``county``); a city of 10 districts and ~10,000 grids (``city``); a tiny county for tests
  (``small``). Each level is a Voronoi partition of its parent (seeds relaxed twice by Lloyd's
  algorithm, denser near the county seat), so children tile their parent exactly;
* Chinese place names, hierarchical codes in the style of the administrative division codes,
  departments, the 部件/事件/矛盾纠纷 category table with time limits, one officer per grid
  and the officers' roster (roles; each serves their grid: :mod:`data.demo.roster`);
* 13 months of cases with daily, weekly and seasonal rhythms, hot spots, sources in realistic
  shares, the standard workflow with its timestamps (returns, postponements, rework,
  suspensions), a share closed late and a backlog still overdue, disputes with mediation
  outcomes, satisfaction ratings, and the matching case history; the mediations and return
  visits as records (:mod:`data.demo.followup`);
* daily patrols of each grid by its officer for 90 days, GPS tracks for the last 7, and
  where they went (patrol_visits: from the track, else the patrol's own grid and day);
* planted anomalies for the early-warning rules (surges, repeat locations:
  :mod:`data.demo.anomalies`), made by moving some cases; the list is returned in the
  report (``DemoReport.planted``), never written to the store.

Everything derives from ``seed`` and ``as_of``: the same pair gives the same store.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from data import rollups, schema, store
from data.demo.bulk import foreign_keys_checked_after, insert_frame, reset_sequences
from data.importer import Progress, tell
from data.demo.anomalies import Planted, plant
from data.demo.cases import cases_and_history
from data.demo.catalogue import CATEGORIES, CONDITIONS, DEPARTMENTS
from data.demo.followup import followup_records
from data.demo.patrols import patrol_visits, patrols_and_tracks
from data.demo.places import Namer, region_tree
from data.demo.roster import roster_rows
from data.demo.world import CASE_DAYS, CENTRE_NAME, SCALES, TIMEZONE, Scale
from data.models import (
    Case, CaseEvent, Category, Department, Mediation, Officer, OfficerRegion, OfficerRoster,
    Patrol, PatrolPoint, PatrolVisit, Region, ReturnVisit,
)


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
    planted: Planted = field(default_factory=Planted, compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        out["planted"] = self.planted.as_dict()
        return out


def build_demo(engine: Engine, scale: str = "county", seed: int = 42,
               as_of: datetime | None = None, cases: int | None = None,
               progress: Progress | None = None) -> DemoReport:
    """Empty the store and build the demo deployment of ``scale`` from ``seed``.

    ``as_of`` (naive UTC, default now) is the demo world's present: cases run up to it.
    ``cases`` overrides the scale's number of cases (over the demo's 400 days), for
    benchmarks that want, say, a million cases on a county's 1,000 grids.
    ``progress`` hears the stages generate (steps), write (rows) and index (indexes).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    began = time.perf_counter()
    as_of = (store.utcnow() if as_of is None else as_of).replace(second=0, microsecond=0)
    spec = _spec(scale, cases)
    tz = ZoneInfo(TIMEZONE)
    rng = np.random.default_rng(seed)

    steps = 6
    towns = max(spec.districts, 1) * spec.towns
    tell(progress, "regions", 0, towns)
    tree = region_tree(spec, rng, lambda done, total: tell(progress, "regions", done, total))
    tell(progress, "regions", towns, towns)
    tell(progress, "generate", 0, steps)
    regions, leaf_depth = _regions_with_leaves(tree)
    departments, categories = _catalogue()
    leaf = regions[regions["is_leaf"]].reset_index(drop=True)
    officers = _officers(leaf, rng)
    tell(progress, "generate", 1, steps)
    cases, events = cases_and_history(regions, officers, categories, spec, rng, as_of, tz)
    cases, planted = plant(cases, regions, officers, scale, seed, tz)
    tell(progress, "generate", 2, steps)
    cases, events, mediations, return_visits = followup_records(cases, events, pd.Timestamp(as_of))
    tell(progress, "generate", 3, steps)
    patrols, points = patrols_and_tracks(leaf, officers, rng, as_of, tz)
    tell(progress, "generate", 4, steps)
    roster, served = roster_rows(officers, leaf, as_of)
    patrols, visits = patrol_visits(patrols, points, leaf, tz)
    tell(progress, "generate", 5, steps)
    region_rows = _region_rows(regions)
    tell(progress, "generate", steps, steps)

    meta = {"timezone": TIMEZONE, "centre_name": CENTRE_NAME[scale], "source": "demo",
            "demo": f"scale={scale} seed={seed} as_of={as_of.isoformat()}"}
    levels = regions.attrs.get("levels") or _level_names(leaf_depth)
    _write(engine, meta, levels, region_rows, [
        (Department, departments),
        (Category, categories.drop(columns=["department", "weight"])),
        (Officer, officers),
        (OfficerRoster, roster),
        (OfficerRegion, served),
        (Case, cases.loc[:, [c for c in cases.columns if not c.startswith("_")]]),
        (CaseEvent, events),
        (Mediation, mediations),
        (ReturnVisit, return_visits),
        (Patrol, patrols),
        (PatrolPoint, points),
        (PatrolVisit, visits),
    ], progress)
    return DemoReport(
        scale=scale, seed=seed, as_of=as_of, regions=len(region_rows), grids=len(leaf),
        cases=len(cases), events=len(events), officers=len(officers), patrols=len(patrols),
        patrol_points=len(points), departments=len(departments), categories=len(categories),
        seconds=time.perf_counter() - began, planted=planted,
    )


def _spec(scale: str, cases: int | None) -> Scale:
    """The scale's sizes, with ``cases`` (over the demo's days) in place of its own if given."""
    spec = SCALES[scale]
    if cases is not None:
        spec = replace(spec, cases_per_year=int(cases * 365 / CASE_DAYS))
    return spec


def _regions_with_leaves(regions: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The region tree with ``is_leaf``, and each grid's community and town names (its
    cases' addresses); and the depth of the deepest level."""
    parents = set(regions["parent_id"].dropna().astype(int))
    regions["is_leaf"] = ~regions["id"].isin(parents)
    name_of = dict(zip(regions["id"], regions["name"]))
    parent_of = dict(zip(regions["id"], regions["parent_id"]))
    leaf_depth = int(regions["depth"].max())
    grids = regions[regions["is_leaf"]].copy()
    grids["community_name"] = grids["parent_id"].map(name_of)
    grids["town_name"] = grids["parent_id"].map(parent_of).map(name_of)
    regions = regions.merge(grids[["id", "community_name", "town_name"]], on="id", how="left")
    return regions, leaf_depth


def _catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The departments and the category table, as frames with ids."""
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
    return departments, categories


def _officers(leaf: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One officer per grid, with a name and a masked phone number."""
    namer = Namer(rng)
    return pd.DataFrame({
        "id": np.arange(1, len(leaf) + 1),
        "code": "WGY" + leaf["code"],
        "name": [namer.person() for _ in range(len(leaf))],
        "region_id": leaf["id"].to_numpy(),
        "phone": [f"13{rng.integers(0, 10)}****{rng.integers(0, 10000):04d}"
                  for _ in range(len(leaf))],
    })


def _region_rows(regions: pd.DataFrame) -> pd.DataFrame:
    """The regions as rows of the ``regions`` table: boundary, centroid and bounds."""
    geoms = regions["geom"].to_numpy()
    centroids = shapely.centroid(geoms)
    bounds = shapely.bounds(geoms)
    return pd.DataFrame({
        "id": regions["id"], "code": regions["code"], "name": regions["name"],
        "level": regions["level"], "depth": regions["depth"],
        "parent_id": regions["parent_id"].astype("Int64"),
        "geometry": shapely.to_wkb(shapely.set_precision(geoms, 1e-6)),
        "centroid_lon": shapely.get_x(centroids).round(6),
        "centroid_lat": shapely.get_y(centroids).round(6),
        "min_lon": bounds[:, 0], "min_lat": bounds[:, 1],
        "max_lon": bounds[:, 2], "max_lat": bounds[:, 3],
    })


def _write(engine: Engine, meta: dict[str, str], levels: list[str], region_rows: pd.DataFrame,
           frames: list[tuple[type, pd.DataFrame]], progress: Progress | None = None) -> None:
    """Replace the store's data with the demo's, in one transaction: the meta values, the
    levels, the regions (parents before children) and then ``frames`` in their order;
    ``progress`` hears the rows written and the indexes built."""
    # a running server keeps maps and counts by these numbers: they must move on, never
    # start again at 1 and meet a number an older store had
    previous = store.versions(engine)
    store.drop_all(engine)
    store.init_db(engine)
    bulky = [Case.__table__, CaseEvent.__table__, PatrolPoint.__table__, Patrol.__table__,
             PatrolVisit.__table__]
    with store.transaction(engine) as conn:
        # indexes are built once after the load, not row by row during it
        for table in bulky:
            for index in table.indexes:
                index.drop(conn)
        rollups.drop_capture(conn)  # counted once at the end (rebuild), not row by row
        for key, value in meta.items():
            store.set_meta(conn, key, value)
        for depth, name in enumerate(levels):
            store.ensure_level(conn, name, depth, "City" if name == "市" else "")
        total = len(region_rows) + sum(len(frame) for _, frame in frames)
        done = [0]

        def written(rows: int) -> None:
            done[0] += rows
            tell(progress, "write", done[0], total)

        tell(progress, "write", 0, total)
        # parents before children, so the foreign key holds row by row
        insert_frame(conn, Region, region_rows.sort_values(["depth", "id"]), written=written)
        store.rebuild_region_ancestors(conn)
        with foreign_keys_checked_after(conn, [model.__tablename__ for model, _ in frames],
                                        lambda done, keys: tell(progress, "keys", done, keys)):
            for model, frame in frames:
                insert_frame(conn, model, frame, written=written)
            indexes = [index for table in bulky for index in table.indexes]
            tell(progress, "index", 0, len(indexes))
            for built, index in enumerate(indexes, start=1):
                index.create(conn)
                tell(progress, "index", built, len(indexes))
        reset_sequences(conn, ["regions", "departments", "categories", "officers", "cases",
                               "case_events", "patrols", "patrol_points", "mediations",
                               "return_visits"])
        store.carry_versions(conn, previous)  # data and regions both changed
        tell(progress, "rollups", 0, 1)
        rollups.rebuild(conn)  # the day counts, and the capture triggers made again
        tell(progress, "rollups", 1, 1)


def _level_names(leaf_depth: int) -> list[str]:
    names = [name for name, _ in schema.DEFAULT_LEVELS]
    return (["市"] + names) if leaf_depth == 4 else names


__all__ = ["DemoReport", "build_demo"]
