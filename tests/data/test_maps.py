"""The shared map geometry (data/maps.py) and the wall's shapes built from it."""

from __future__ import annotations

import shapely
import shapely.geometry
from shapely import MultiPolygon, Polygon, box, to_wkb

from data import maps, panels
from data.regions import root_region
from tests.data.test_metrics import build


def test_simplified_drops_needless_points_and_rounds():
    # a square with a point in the middle of its bottom edge, off by far less than 10 m
    square = Polygon([(0, 0), (0.5, 0.000001), (1, 0), (1, 1), (0, 1)])
    geom = maps.simplified(to_wkb(square))
    assert len(geom.exterior.coords) == 5  # the middle point is gone
    fine = Polygon([(0.1234567, 0), (1, 0), (1, 1), (0, 1)])
    xs = [x for x, _ in maps.simplified(to_wkb(fine)).exterior.coords]
    assert 0.12346 in xs  # five decimals


def test_outline_and_label_point():
    two = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    rings = maps.outline(two)
    assert len(rings) == 2 and rings[0][0] == rings[0][-1]
    u_shape = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    lon, lat = maps.label_point(u_shape)
    assert u_shape.contains(shapely.Point(lon, lat))  # the centroid (1.5, 1.3) is not


def test_wall_grid_shapes(engine):
    build(engine)
    with engine.connect() as conn:
        county = root_region(conn, "C")
        shapes = panels.grid_shapes(conn, county)
    features = {f["id"]: f["properties"]["code"] for f in shapes["grids"]["features"]}
    assert features == {4: "G1", 5: "G2", 6: "G3"}  # in no particular order
    assert len(shapes["outlines"]) == 2  # T1 and T2
    assert sorted(label["code"] for label in shapes["labels"]) == ["T1", "T2"]
    assert shapes["points"][4] == [4.5, 0.5]  # G1 is box(4, 0, 5, 1)
    # each grid knows the town it lies in (its hover names it): G1, G2 in T1, G3 in T2
    within = {f["properties"]["code"]: f["properties"]["within"]
              for f in shapes["grids"]["features"]}
    assert within == {"G1": "T1", "G2": "T1", "G3": "T2"}
    # T1 is box(2, 0, 3, 1): its name's first place is its middle, every place inside it
    t1 = next(label for label in shapes["labels"] if label["code"] == "T1")
    assert t1["spots"][0] == [2.5, 0.5] and [t1["lon"], t1["lat"]] == [2.5, 0.5]
    assert all(2 < x < 3 and 0 < y < 1 for x, y in t1["spots"])


def test_a_name_s_places_are_inside_its_region_the_most_inward_first():
    # an L: a 3 × 1 bar along the bottom and a 1 × 3 bar up the left side; its centroid
    # (1.1, 1.1) lies outside it, in the notch
    ell = Polygon([(0, 0), (3, 0), (3, 1), (1, 1), (1, 3), (0, 3)])
    spots = maps.label_spots(ell)
    assert 1 < len(spots) <= 6
    assert all(ell.contains(shapely.Point(x, y)) for x, y in spots)
    depth = [ell.boundary.distance(shapely.Point(x, y)) for x, y in spots]
    # the first is the point farthest from the edge: in the corner, the centre (x, x) of
    # the circle touching both outer sides and the inner corner (1, 1):
    # x = √2·(1 − x), x = √2 / (1 + √2) ≈ 0.586; the others no farther from the edge
    assert abs(depth[0] - 2 ** 0.5 / (1 + 2 ** 0.5)) < 0.02
    assert max(depth[1:]) <= depth[0] + 1e-9
    assert depth[1:] == sorted(depth[1:], reverse=True)
    # of islands, the name goes on the largest
    islands = MultiPolygon([box(0, 0, 1, 1), box(5, 0, 9, 4)])
    assert all(5 < x < 9 and 0 < y < 4 for x, y in maps.label_spots(islands))


def test_which_region_a_marker_lies_in():
    features = [{"type": "Feature", "id": code, "properties": {},
                 "geometry": shapely.geometry.mapping(shapely.box(x, 0, x + 1, 1))}
                for code, x in (("A", 0), ("B", 1))]
    # inside A, inside B, on their shared edge (the first listed), outside both
    assert maps.containing(features, [0.5, 1.5, 1.0, 5.0], [0.5, 0.5, 0.5, 0.5]) == \
        ["A", "B", "A", None]
    assert maps.containing(features, [], []) == []
    assert maps.containing([], [0.5], [0.5]) == [None]


def test_the_shapes_of_many_regions_at_once_are_those_of_each_alone():
    # a square with a hole, two islands, a needless point, an empty shape, a collection
    holed = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)],
                    [[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)]])
    islands = MultiPolygon([box(2, 0, 3, 1), box(4, 0, 5.1234567, 1)])
    needless = Polygon([(0, 0), (0.5, 0.000001), (1, 0), (1, 1), (0, 1)])
    shapes = [holed, islands, needless, Polygon(),
              shapely.GeometryCollection([box(6, 0, 7, 1)])]
    ids, props = [7, 8, 9, 10, 11], [{"code": f"G{i}"} for i in range(5)]
    many = maps.features(ids, maps.simplified_many(shapely.from_wkb(
        [to_wkb(s) for s in shapes])), props)
    alone = [maps.feature(i, maps.simplified(to_wkb(s)), p)
             for i, s, p in zip(ids, shapes, props)]
    # the same features, ring for ring (a ring may start at another of its corners)
    assert [f["id"] for f in many] == ids and [f["properties"] for f in many] == props
    for got, expected in zip(many, alone):
        assert got["geometry"]["type"] == expected["geometry"]["type"]
        assert shapely.geometry.shape(got["geometry"]).normalize().equals_exact(
            shapely.geometry.shape(expected["geometry"]).normalize(), 1e-9)
    assert len(many[2]["geometry"]["coordinates"][0]) == 5  # the needless point is gone
    assert 5.12346 in [x for x, _ in many[1]["geometry"]["coordinates"][1][0]]  # 5 decimals
    assert len(many[0]["geometry"]["coordinates"]) == 2  # the hole is kept
    # a point inside each: the middle of a plain one, inside a U whose middle is not
    u_shape = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    polygons = [holed, islands, needless, u_shape]
    points = maps.label_points(shapely.from_wkb([to_wkb(s) for s in polygons]))
    assert all(s.contains(shapely.Point(p)) for s, p in zip(polygons, points))
    assert points[2] == [0.5, 0.5] and points[3] == maps.label_point(u_shape)
