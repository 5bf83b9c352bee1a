"""Where the maps put region names: readable, inside the frame, never on top of each other;
where each wall figure puts the traces a refresh patches."""

from __future__ import annotations

import itertools

from layouts import figures
from layouts.figures import _text_width, placed_labels
from layouts.wall import TILE_CHANGE, TILE_LABEL, TILE_VALUE, TILES, build_tiles

MAP = {"width": 600, "height": 400, "font_px": 16}
BOUNDS = (118.0, 30.0, 119.0, 30.6)  # about 96 km × 67 km


def _boxes(placed, font_px=16, width=600):
    """Each placed name's box in pixels, measured independently of the placement: the
    frame is the bounds' Mercator rectangle scaled to fit the map (see view_ranges)."""
    import math

    west, south, east, north = BOUNDS
    pad_x, pad_y = (east - west) * 0.04, (north - south) * 0.04
    merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    x0, x1 = math.radians(west - pad_x), math.radians(east + pad_x)
    y0, y1 = merc(south - pad_y), merc(north + pad_y)
    scale = min(width / (x1 - x0), 400 / (y1 - y0))
    out = []
    for label in placed:
        lines = label["text"].split("<br>")
        w = max(_text_width(line, font_px) for line in lines)
        h = 1.25 * font_px * len(lines)
        x = (math.radians(label["lon"]) - x0) * scale
        y = (y1 - merc(label["lat"])) * scale
        out.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2, (x1 - x0) * scale,
                    (y1 - y0) * scale))
    return out


def test_names_that_fit_are_all_shown_where_they_are():
    labels = [{"name": "城关镇", "lon": 118.2, "lat": 30.2}, {"name": "柳河镇", "lon": 118.8,
                                                             "lat": 30.4}]
    placed = placed_labels(labels, BOUNDS, **MAP)
    assert [p["text"] for p in placed] == ["城关镇", "柳河镇"]
    for given, got in zip(labels, placed):
        assert abs(given["lon"] - got["lon"]) < 1e-9 and abs(given["lat"] - got["lat"]) < 1e-9


def test_a_name_at_the_edge_moves_inside_the_frame_instead_of_being_cut():
    labels = [{"name": "REGION 2 - NORTH WEST VALLEY", "lon": 118.0, "lat": 30.3}]
    placed = placed_labels(labels, BOUNDS, **MAP)
    assert len(placed) == 1 and placed[0]["lon"] > 118.0
    left, top, right, bottom, frame_w, frame_h = _boxes(placed)[0]
    assert left >= 0 and right <= frame_w and top >= 0 and bottom <= frame_h


def test_colliding_names_never_overlap_and_the_larger_region_keeps_its_name():
    labels = [{"name": "REGION 1 - NORTH EAST VALLEY", "lon": 118.50, "lat": 30.30, "weight": 1},
              {"name": "REGION 2 - NORTH WEST VALLEY", "lon": 118.52, "lat": 30.30, "weight": 5},
              {"name": "REGION 3 - SOUTH VALLEY", "lon": 118.51, "lat": 30.31, "weight": 2}]
    placed = placed_labels(labels, BOUNDS, **MAP)
    assert placed[0]["text"].replace("<br>", " ") == "REGION 2 - NORTH WEST VALLEY"
    assert "<br>" in placed[0]["text"]  # a long name is stacked
    assert 1 <= len(placed) < 3
    for a, b in itertools.combinations(_boxes(placed), 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_a_long_name_is_stacked_on_two_lines_and_a_short_one_only_to_make_room():
    labels = [{"name": "NORTH WEST VALLEY", "lon": 118.40, "lat": 30.3, "weight": 2},
              {"name": "EAST VALLEY", "lon": 118.57, "lat": 30.3, "weight": 1}]
    one_line = _boxes([{**x, "text": x["name"]} for x in labels])
    assert one_line[0][2] > one_line[1][0]  # on one line each they would overlap
    placed = placed_labels(labels, BOUNDS, **MAP)
    assert [p["text"] for p in placed] == ["NORTH WEST<br>VALLEY", "EAST<br>VALLEY"]
    for a, b in itertools.combinations(_boxes(placed), 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_a_name_is_stacked_after_its_separator():
    labels = [{"name": "REGION 11 - WEST LA", "lon": 118.5, "lat": 30.3},
              {"name": "NORTH WEST VALLEY OF THE HILLS", "lon": 118.5, "lat": 30.1}]
    assert [p["text"] for p in placed_labels(labels, BOUNDS, **MAP)] == [
        "REGION 11 -<br>WEST LA", "NORTH WEST VALLEY<br>OF THE HILLS"]


def test_without_a_frame_names_are_left_as_they_are():
    labels = [{"name": "甲", "lon": 1.0, "lat": 2.0}, {"name": "乙", "lon": 1.0, "lat": 2.0}]
    assert placed_labels(labels, None, **MAP) == [{"lon": 1.0, "lat": 2.0, "text": "甲"},
                                                   {"lon": 1.0, "lat": 2.0, "text": "乙"}]


# --- trace handles: the refresh patches traces by these names, so they must say where each is --

def test_the_wall_map_s_traces_are_where_their_handles_say():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    shapes = {"grids": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 5, "properties": {"name": "一网格"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]},
        "outlines": [square], "labels": [{"name": "城关镇", "lon": 0.5, "lat": 0.5}],
        "view": (0.0, 0.0, 1.0, 1.0)}
    fig = figures.grid_map(shapes, [3], [{"lon": 0.5, "lat": 0.5, "n": 2}],
                           [{"name": "张三", "lon": 0.2, "lat": 0.3}],
                           width=400, height=300, title="t")
    assert fig.data[figures.TRACE_GRIDS].type == "choropleth"
    assert list(fig.data[figures.TRACE_GRIDS].z) == [3]
    assert fig.data[figures.TRACE_OUTLINES].mode == "lines"
    assert fig.data[figures.TRACE_FLAGGED].marker.symbol == "diamond"
    assert list(fig.data[figures.TRACE_OFFICERS].text) == ["张三"]
    assert fig.data[figures.TRACE_LABELS].mode == "text"
    assert len(fig.data) == 5


def test_the_wall_charts_traces_are_where_their_handles_say():
    trend = figures.trend(["03-01"], [4], [2], names=("r", "c"), width=400, height=200)
    assert trend.data[figures.TRACE_REPORTED].type == "bar"
    assert list(trend.data[figures.TRACE_REPORTED].y) == [4]
    assert list(trend.data[figures.TRACE_CLOSED].y) == [2]
    ring = figures.source_split(["a"], [1], width=200, height=200)
    assert ring.data[figures.TRACE_RING].type == "pie" and len(ring.data) == 1
    bars = figures.top_bars(["a"], [1], width=200, height=200)
    assert bars.data[figures.TRACE_BARS].type == "bar" and len(bars.data) == 1


def test_a_wall_tile_s_parts_are_where_their_handles_say():
    counters = {"closure_rate": 0.5, "closure_rate_previous": 0.4}
    tiles = {tile.to_plotly_json()["props"]["data-key"]: tile.children
             for tile in build_tiles(counters, "zh")}
    rate = tiles["closure_rate"]
    assert rate[TILE_LABEL].className == "wall-tile-label"
    assert rate[TILE_VALUE].className == "wall-tile-value" and rate[TILE_VALUE].children == "50.0%"
    assert rate[TILE_CHANGE].className == "wall-tile-change"
    assert len(tiles) == len(TILES)


def test_the_wall_map_shares_its_geometry_and_sends_it_whole():
    import copy
    import json

    import plotly

    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    grids = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 5, "properties": {"name": "一网格"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}
    shapes = {"grids": grids, "outlines": [], "labels": [], "view": None}
    fig = figures.grid_map(shapes, [3], [], [], width=400, height=300, title="t")
    shared = fig.data[figures.TRACE_GRIDS].geojson
    assert shared["features"] is grids["features"]  # not a copy of a city's polygons
    assert copy.deepcopy(shared) is shared
    # what goes to the browser is the whole geometry, as it was made
    sent = json.loads(json.dumps(fig.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder))
    assert sent["data"][figures.TRACE_GRIDS]["geojson"] == grids
