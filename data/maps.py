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


def feature(feature_id: object, geom: BaseGeometry, properties: dict) -> dict:
    """One GeoJSON Feature."""
    return {"type": "Feature", "id": feature_id, "properties": properties,
            "geometry": shapely.geometry.mapping(geom)}


def view_bounds(geoms: list, share: float = 0.99, reach: float = 0.25
                ) -> tuple[float, float, float, float] | None:
    """The box a map should show for ``geoms``: west, south, east, north.

    Real boundaries carry stray far-flung slivers (one of LA's councils reaches 70 km into
    the desert with a speck); fitting the map to them shrinks the city to a stamp. The box
    is that of the largest parts making up ``share`` of the area, grown to take in every
    other part lying within ``reach`` (a fraction of the box's size) of it, so near islands
    stay in view and only far specks fall outside."""
    parts = [part for geom in geoms if geom is not None and not geom.is_empty
             for part in getattr(geom, "geoms", [geom]) if part.area > 0]
    if not parts:
        return None
    parts.sort(key=lambda part: part.area, reverse=True)
    areas = np.cumsum([part.area for part in parts])
    main = parts[:int(np.searchsorted(areas, share * areas[-1])) + 1]
    west, south, east, north = shapely.total_bounds(main)
    dx, dy = (east - west) * reach, (north - south) * reach
    near = [part for part in parts
            if shapely.intersects(part, shapely.box(west - dx, south - dy, east + dx, north + dy))]
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
