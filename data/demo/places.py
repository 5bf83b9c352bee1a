"""The demo's places: the region tree (county or city, towns, communities, grids), each level
a partition of its parent, with unique Chinese names drawn from the seed."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from data import schema
from data.demo.catalogue import (
    COMMUNITY_WORDS, DIRECTIONS, DISTRICT_NAMES, GIVEN, SURNAMES, TOWN_NAMES, VILLAGE_PARTS,
)
from data.demo import geometry
from data.demo.world import CITY_NAME, COUNTY_NAME, Scale


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


class Namer:
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


def region_tree(scale: Scale, rng: np.random.Generator,
                towns_done: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every region with id, code, name, level, depth, parent id, geometry and an urban weight;
    ``towns_done(done, total)`` hears each town (or district's town) finished."""
    namer = Namer(rng)
    rows: list[dict] = []

    def add(code, name, level, depth, parent, geom, urban):
        rows.append({"id": len(rows) + 1, "code": code, "name": name, "level": level,
                     "depth": depth, "parent_id": parent, "geom": geom, "urban": urban})
        return len(rows)

    outline = geometry.outline(rng, scale.radius_deg)
    level_names = [name for name, _ in schema.DEFAULT_LEVELS]
    if scale.districts:
        level_names = ["市"] + level_names
        root = add("379900", CITY_NAME, "市", 0, None, outline, 1.0)
        districts = []
        for i, cell in enumerate(geometry.partition(outline, scale.districts, rng, pull=0.5)):
            code = f"3799{i + 1:02d}"
            districts.append((add(code, DISTRICT_NAMES[i % len(DISTRICT_NAMES)], "区县", 1,
                                  root, cell, 1.0 if i < 4 else 0.6), code, cell, 1))
    else:
        districts = [(add("370199", COUNTY_NAME, "区县", 0, None, outline, 1.0), "370199",
                      outline, 0)]

    town_index = 0
    for district_id, district_code, district_geom, depth in districts:
        town_cells = geometry.partition(district_geom, scale.towns, rng, pull=0.5)
        # the cell nearest the seat is the urban core: more communities, more grids
        seat = district_geom.representative_point()
        order = np.argsort([cell.distance(seat.centroid) for cell in town_cells], kind="stable")
        town_cells = [town_cells[i] for i in order]  # 001 is the seat: 城关镇
        urban = np.linspace(1.0, 0.25, len(town_cells)) ** 1.5
        n_comm = _counts(scale.communities * len(town_cells), 0.4 + urban, 2)
        for t, town_geom in enumerate(town_cells):
            name = namer.town(town_index if scale.districts == 0 else 99)
            town_index += 1
            if towns_done is not None:
                towns_done(town_index, len(districts) * scale.towns)
            town_code = f"{district_code}{t + 1:03d}"
            town_id = add(town_code, name, level_names[depth + 1], depth + 1, district_id,
                          town_geom, float(urban[t]))
            comm_cells = geometry.partition(town_geom, int(n_comm[t]), rng, pull=0.6 * urban[t])
            comm_urban = np.clip(urban[t] * rng.uniform(0.6, 1.3, len(comm_cells)), 0.05, 1.5)
            n_grid = _counts(scale.grids * len(comm_cells), 0.3 + comm_urban, 2)
            for c, comm_geom in enumerate(comm_cells):
                is_urban = comm_urban[c] > 0.45
                comm_name = namer.community() if is_urban else namer.village()
                comm_code = f"{town_code}{c + 1:03d}"
                comm_id = add(comm_code, comm_name, level_names[depth + 2], depth + 2, town_id,
                              comm_geom, float(comm_urban[c]))
                for g, grid_geom in enumerate(geometry.partition(comm_geom, int(n_grid[c]), rng)):
                    add(f"{comm_code}{g + 1:03d}", f"{comm_name}第{g + 1}网格",
                        level_names[depth + 3], depth + 3, comm_id, grid_geom,
                        float(comm_urban[c]))
    frame = pd.DataFrame(rows)
    frame.attrs["levels"] = level_names
    return frame
