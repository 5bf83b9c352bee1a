"""Map geometry shared by the wall and the console: simplified, rounded shapes as GeoJSON.

Both views draw our own polygons (no tiles: command centres are offline), so what goes to
the browser must be small: each shape is simplified to ``tolerance`` degrees (0.0001° is
about 10 m) and its coordinates rounded to 5 decimals (about 1 m), which together cut a
map's payload by most of its size without a visible change.
"""

from __future__ import annotations

from typing import Iterator

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
