"""The demo's shapes: an irregular outline, random points inside a shape, and Voronoi cells
that tile their parent exactly (seeds relaxed by Lloyd's algorithm)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

from data.demo.world import CENTRE


def outline(rng: np.random.Generator, radius: float) -> Polygon:
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


def points_in(geom, n: int, rng: np.random.Generator, around=None, spread=None) -> np.ndarray:
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


def partition(parent, k: int, rng: np.random.Generator, pull: float = 0.0) -> list:
    """Split ``parent`` into ``k`` irregular cells that tile it exactly.

    Seeds are relaxed twice (Lloyd), so cells are compact; ``pull`` > 0 crowds them
    toward the parent's representative point, making cells smaller there (the town seat).
    """
    if k <= 1:
        return [parent]
    centre = np.array(parent.representative_point().coords[0])
    seeds = points_in(parent, k, rng)
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
