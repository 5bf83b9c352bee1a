"""Map geometry shared by the wall and the console: simplified, rounded shapes as GeoJSON.

Both views draw our own polygons (no tiles: command centres are offline), so what goes to
the browser must be small: each shape is simplified to ``tolerance`` degrees (0.0001° is
about 10 m) and its coordinates rounded to 5 decimals (about 1 m), which together cut a
map's payload by most of its size without a visible change.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

#: Degrees; about 10 m on the ground.
DEFAULT_TOLERANCE = 0.0001
#: Decimal places kept in coordinates (about 1 m).
DECIMALS = 5


def simplified(wkb: bytes, tolerance: float = DEFAULT_TOLERANCE) -> BaseGeometry:
    """The stored WKB shape simplified (topology kept) and snapped to :data:`DECIMALS`."""
    geom = shapely.simplify(shapely.from_wkb(wkb), tolerance, preserve_topology=True)
    return shapely.set_precision(geom, 10.0 ** -DECIMALS)


def rings(geom: BaseGeometry) -> Iterator:
    """The exterior ring of each polygon of ``geom`` (outlines; holes are not drawn)."""
    for polygon in getattr(geom, "geoms", [geom]):
        if polygon.geom_type == "Polygon":
            yield polygon.exterior


def outline(geom: BaseGeometry) -> list[list[list[float]]]:
    """The exterior rings of ``geom`` as lists of rounded ``[lon, lat]`` pairs."""
    return [[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords]
            for ring in rings(geom)]


def label_point(geom: BaseGeometry) -> list[float]:
    """A point surely inside ``geom`` (unlike the centroid of a concave shape), rounded."""
    point = geom.representative_point()
    return [round(point.x, DECIMALS), round(point.y, DECIMALS)]


def label_spots(geom: BaseGeometry, count: int = 6) -> list[list[float]]:
    """Up to ``count`` points inside ``geom`` where its name may be written, rounded, best
    first: the point of its largest part farthest from its edge (shapely's ``polylabel``,
    the middle a reader expects, unlike the centroid of a concave shape), then points of a
    7 × 7 lattice over that part that lie inside it, the farther from its edge the earlier.
    A map whose names would collide at the first tries the next (:func:`layouts.figures.
    placed_labels`). Empty for an empty shape."""
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"
             and not p.is_empty]
    if not parts:
        return [label_point(geom)] if not geom.is_empty else []
    main = max(parts, key=lambda p: p.area)
    west, south, east, north = main.bounds
    best = polylabel(main, tolerance=max(east - west, north - south) / 100)
    xs = np.linspace(west, east, 9)[1:-1]
    ys = np.linspace(south, north, 9)[1:-1]
    grid_x, grid_y = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(main, grid_x, grid_y)
    lattice = shapely.points(grid_x[inside], grid_y[inside])
    depth = shapely.distance(lattice, main.boundary)
    order = np.argsort(-depth, kind="stable")[:max(count - 1, 0)]
    spots = [(best.x, best.y)] + [(grid_x[inside][i], grid_y[inside][i]) for i in order]
    return [[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in spots]


def feature(feature_id: object, geom: BaseGeometry, properties: dict) -> dict:
    """One GeoJSON Feature."""
    return {"type": "Feature", "id": feature_id, "properties": properties,
            "geometry": shapely.geometry.mapping(geom)}


def view_bounds(geoms, share: float = 0.99, reach: float = 0.25
                ) -> tuple[float, float, float, float] | None:
    """The box a map should show for ``geoms`` (a list or array of shapes, None allowed):
    west, south, east, north.

    Real boundaries carry stray far-flung slivers (one of LA's councils reaches 70 km into
    the desert with a speck); fitting the map to them shrinks the city to a stamp. The box
    is that of the largest parts making up ``share`` of the area, grown to take in every
    other part lying within ``reach`` (a fraction of the box's size) of it, so near islands
    stay in view and only far specks fall outside. Worked on whole arrays (a city's
    10,000 grids at once)."""
    shapes = np.asarray([g for g in geoms if g is not None], dtype=object)
    if not len(shapes):
        return None
    parts = shapely.get_parts(shapes[~shapely.is_empty(shapes)])
    areas = shapely.area(parts)
    parts, areas = parts[areas > 0], areas[areas > 0]
    if not len(parts):
        return None
    order = np.argsort(-areas, kind="stable")  # largest first; ties keep their order
    parts, areas = parts[order], np.cumsum(areas[order])
    main = parts[:int(np.searchsorted(areas, share * areas[-1])) + 1]
    west, south, east, north = shapely.total_bounds(main)
    dx, dy = (east - west) * reach, (north - south) * reach
    near = parts[shapely.intersects(parts, shapely.box(west - dx, south - dy, east + dx,
                                                       north + dy))]
    return tuple(float(v) for v in shapely.total_bounds(near))


def containing(features: list[dict], lons: list[float], lats: list[float]) -> list:
    """The id of the feature (GeoJSON, as :func:`data.region_view.region_shapes` gives
    them) each point (``lons[i]``, ``lats[i]``) lies in or on, None for a point outside
    them all: what a click on a marker drawn over a map of regions means."""
    out: list = [None] * len(lons)
    if not out or not features:
        return out
    tree = shapely.STRtree([shapely.geometry.shape(f["geometry"]) for f in features])
    hits = tree.query(shapely.points(lons, lats), predicate="intersects")
    for point, shape in sorted(zip(*hits)):  # on a shared edge: the first feature listed
        if out[point] is None:
            out[point] = features[shape]["id"]
    return out


def simplified_many(geoms: np.ndarray, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """An array of shapes simplified as :func:`simplified` does (topology kept), all at
    once (GEOS over the whole array: a city's 10,000 grids in a fraction of a second).
    Not yet rounded: :func:`features` rounds their coordinates all at once."""
    return shapely.simplify(geoms, tolerance, preserve_topology=True)


def features(feature_ids: list, geoms: np.ndarray, properties: list[dict]) -> list[dict]:
    """GeoJSON Features of an array of shapes (:func:`simplified_many`'s), as
    :func:`feature` of each :func:`simplified` one gives them, with coordinates rounded to
    :data:`DECIMALS`: made from one array of every coordinate, rounded at once, out of
    which polygons and multipolygons are cut by their ring offsets; any other shape (an
    empty one, a collection) goes through :func:`feature`."""
    out = [None] * len(feature_ids)
    kinds = shapely.get_type_id(geoms)
    areal = np.flatnonzero(np.isin(kinds, (3, 6)) & ~shapely.is_empty(geoms))
    if len(areal):
        _, coords, offsets = shapely.to_ragged_array(geoms[areal])
        # polygons only: (rings, polygons); with multipolygons: (rings, parts, shapes)
        ring_ends, part_ends = offsets[0].tolist(), offsets[1].tolist()
        geom_ends = offsets[2].tolist() if len(offsets) == 3 else list(range(len(areal) + 1))
        points = np.round(coords, DECIMALS).tolist()
        rings = [points[a:b] for a, b in zip(ring_ends[:-1], ring_ends[1:])]
        parts = [rings[a:b] for a, b in zip(part_ends[:-1], part_ends[1:])]
        for i, a, b in zip(areal.tolist(), geom_ends[:-1], geom_ends[1:]):
            geometry = ({"type": "Polygon", "coordinates": parts[a]} if kinds[i] == 3 else
                        {"type": "MultiPolygon", "coordinates": parts[a:b]})
            out[i] = {"type": "Feature", "id": feature_ids[i], "properties": properties[i],
                      "geometry": geometry}
    for i, done in enumerate(out):
        if done is None:
            out[i] = feature(feature_ids[i], shapely.set_precision(geoms[i], 10.0 ** -DECIMALS),
                             properties[i])
    return out


def label_points(geoms: np.ndarray) -> list[list[float]]:
    """A point surely inside each of an array of shapes, rounded, all at once: its
    centroid where that lies inside it (a grid's, nearly always: the middle a marker
    belongs in), else :func:`label_point`'s."""
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    outside = np.flatnonzero(~shapely.contains_xy(geoms, centres[:, 0], centres[:, 1]))
    if len(outside):
        centres[outside] = shapely.get_coordinates(shapely.point_on_surface(geoms[outside]))
    return np.round(centres, DECIMALS).tolist()
