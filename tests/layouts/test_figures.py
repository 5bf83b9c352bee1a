"""Where the maps put region names: readable, inside the frame, never on top of each other;
where each wall figure puts the traces a refresh patches."""

from __future__ import annotations

import colorsys
import itertools

from shapely import Point, box

from data import maps
from layouts import figures
from layouts.figures import placed_labels
from layouts.map_names import LINE_HEIGHT, _text_width
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
    assert placed_labels(labels, None, **MAP) == [
        {"lon": 1.0, "lat": 2.0, "text": "甲", "size": 16, "index": 0},
        {"lon": 1.0, "lat": 2.0, "text": "乙", "size": 16, "index": 1}]


def _label(name: str, polygon) -> dict:
    """A region's label as data/panels.py makes it: its places inside it, best first,
    and its area as its weight."""
    spots = maps.label_spots(polygon)
    return {"name": name, "lon": spots[0][0], "lat": spots[0][1], "spots": spots,
            "weight": polygon.area}


def _box(label: dict) -> tuple[float, float, float, float]:
    """A placed name's box in pixels at its own size (as :func:`_boxes` frames the map)."""
    left, top, right, bottom, _, _ = _boxes([label], font_px=label["size"])[0]
    grow = (LINE_HEIGHT - 1.25) * label["size"] * len(label["text"].split("<br>")) / 2
    return left, top - grow, right, bottom + grow


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_two_small_neighbours_and_a_large_region_are_all_named_apart():
    # 600 × 400 px on BOUNDS: a degree of longitude is 533 px. The large square is 0.5°
    # (266 px) a side; the two small ones 0.065° (34.6 px) side by side, so their middles
    # are 34.6 px apart, less than "东村" is wide at 16 px (2 × 16 + 4 = 36 px): at their
    # middles both would not fit, and the second was left out. A speck where they meet,
    # 0.004° × 0.01° (2 × 6 px), has no room for its name at any size.
    large = box(118.05, 30.05, 118.55, 30.55)
    east, west = box(118.70, 30.25, 118.765, 30.315), box(118.765, 30.25, 118.83, 30.315)
    sliver = box(118.763, 30.2775, 118.767, 30.2875)
    labels = [_label("城关镇", large), _label("东村", east), _label("西村", west),
              _label("夹缝村", sliver)]
    placed = {p["text"]: p for p in placed_labels(labels, BOUNDS, **MAP)}
    assert sorted(placed) == ["东村", "城关镇", "西村"]  # the speck's name is left out
    # the large region's name at the map's size, in its middle
    assert placed["城关镇"]["size"] == 16
    assert abs(placed["城关镇"]["lon"] - 118.30) < 1e-6
    assert abs(placed["城关镇"]["lat"] - 30.30) < 1e-6
    # each small one's name inside its own square, and no two names overlap
    for name, square in (("东村", east), ("西村", west)):
        assert square.contains(Point(placed[name]["lon"], placed[name]["lat"])), name
    for a, b in itertools.combinations(placed.values(), 2):
        assert _apart(_box(a), _box(b)), (a, b)


def test_a_small_region_s_name_is_written_smaller_than_a_large_one_s():
    # "REGION 7 -" / "EAST" is 5.4 em wide (6 capitals of 0.62, "7" 0.62, "-" 0.52, two
    # spaces of 0.28). In a 0.03° square (16 × 18.5 px, its area's side 17.2 px) it may be
    # 17.2 × 1.3 / 5.4 = 4 px: the smallest allowed, 11 (0.7 of 16). In a 0.4° square it
    # is the map's 16.
    small = _label("REGION 7 - EAST", box(118.80, 30.40, 118.83, 30.43))
    big = _label("REGION 8 - EAST", box(118.10, 30.05, 118.50, 30.45))
    placed = {p["text"]: p["size"] for p in placed_labels([small, big], BOUNDS, **MAP)}
    assert placed == {"REGION 7 -<br>EAST": 11, "REGION 8 -<br>EAST": 16}


# --- the maps' colour scale: light to red, no grey in it --------------------------------------

def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _blended(scale: list, at: float) -> tuple[float, float, float]:
    """The colour plotly draws for ``at`` (0-1) of ``scale``: a straight blend in RGB of
    the two stops around it."""
    for (a, ca), (b, cb) in zip(scale, scale[1:]):
        if a <= at <= b:
            share = 0.0 if b == a else (at - a) / (b - a)
            return tuple(x + (y - x) * share for x, y in zip(_rgb(ca), _rgb(cb)))
    raise AssertionError(at)


def test_the_maps_colour_scale_runs_light_to_red_with_no_grey_in_it():
    scale = figures.MAP_COLORSCALE
    samples = [colorsys.rgb_to_hsv(*_blended(scale, i / 200)) for i in range(201)]
    # no grey, no brown-grey: every colour drawn, stops and blends alike, is saturated
    # (HSV saturation: 0 is grey; the palest here, #ffffcc, is 0.2; the old scales'
    # #eef4fb was 0.05, #f5f5f0 0.02) ...
    assert min(s for _, s, _ in samples) >= 0.19
    # ... of one warm family, yellow to crimson (hue -30°..60°, #800026 is 342°: the old
    # wall's ran from blue, 205°, through a grey-olive blend to red) ...
    assert all((h * 360 + 30) % 360 <= 90 for h, _, _ in samples)
    # ... and sequential: more is never lighter
    light = [0.2126 * r + 0.7152 * g + 0.0722 * b
             for r, g, b in (_blended(scale, i / 200) for i in range(201))]
    assert all(after <= before + 1e-9 for before, after in zip(light, light[1:]))
    # every map draws with it
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    feature = {"type": "Feature", "id": "A", "properties": {"name": "甲"},
               "geometry": {"type": "Polygon", "coordinates": [square]}}
    shapes = {"grids": {"type": "FeatureCollection", "features": [feature]}, "outlines": [],
              "labels": [], "view": None}
    drawn = [figures.grid_map(shapes, [1], [], [], width=400, height=300, title="t"),
             figures.region_map([feature], {"A": 1}, [], [], [], title="t", revision="r"),
             figures.print_grid_map(shapes, {}, width=400, height=300, title="t")]
    expected = [(stop, colour) for stop, colour in scale]
    for fig in drawn:
        assert [tuple(x) for x in fig.data[0].colorscale] == expected


def test_a_child_without_a_value_is_grey_off_the_scale_and_says_so():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    features = [{"type": "Feature", "id": code, "properties": {"name": name},
                 "geometry": {"type": "Polygon", "coordinates": [square]}}
                for code, name in (("A", "甲镇"), ("B", "乙镇"))]
    fig = figures.region_map(features, {"A": 4, "B": None}, [], [], [], title="t",
                             revision="r", no_data="无数据")
    assert list(fig.data[0].locations) == ["A"] and list(fig.data[0].z) == [4]
    grey = fig.data[figures.TRACE_NO_DATA]
    assert grey.type == "choropleth" and list(grey.locations) == ["B"]
    assert {c for _, c in grey.colorscale} == {figures.NO_DATA_COLOUR}
    assert "无数据" in grey.hovertemplate and list(grey.text) == ["乙镇"]
    # the grey is neutral and far from every colour of the scale
    nearest = min(sum((x - y) ** 2 for x, y in zip(_rgb(figures.NO_DATA_COLOUR),
                                                  _blended(figures.MAP_COLORSCALE, i / 100)))
                  for i in range(101)) ** 0.5
    assert colorsys.rgb_to_hsv(*_rgb(figures.NO_DATA_COLOUR))[1] < 0.1 and nearest > 0.15
    assert [a.text for a in fig.layout.annotations] == [
        f'<span style="color:{figures.NO_DATA_COLOUR}">■</span> 无数据']
    # every child with a value: the grey trace is there, empty, and nothing is said
    full = figures.region_map(features, {"A": 4, "B": 0}, [], [], [], title="t", revision="r",
                              no_data="无数据")
    assert list(full.data[0].locations) == ["A", "B"] and list(full.data[0].z) == [4, 0]
    assert list(full.data[figures.TRACE_NO_DATA].locations) == []
    assert full.layout.annotations == ()


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


def test_a_name_on_a_dark_red_is_written_white_and_on_a_light_one_dark():
    # values 10 and 1 of a scale up to 10: 甲镇 at its top (≥ 0.6 of it: dark red), 乙镇 at
    # a tenth (pale yellow)
    features, labels = [], []
    for code, west in (("A", 0.0), ("B", 2.0)):
        square = [[west, 0.0], [west + 1, 0.0], [west + 1, 1.0], [west, 1.0], [west, 0.0]]
        features.append({"type": "Feature", "id": code, "properties": {"name": code},
                         "geometry": {"type": "Polygon", "coordinates": [square]}})
        labels.append({"name": {"A": "甲镇", "B": "乙镇"}[code], "code": code,
                       "lon": west + 0.5, "lat": 0.5, "weight": 1.0})
    fig = figures.region_map(features, {"A": 10, "B": 1}, [], labels, [], title="t",
                             revision="r", bounds=(0.0, 0.0, 3.0, 1.0))
    names = next(trace for trace in fig.data if getattr(trace, "mode", None) == "text")
    colours = dict(zip(names.text, names.textfont.color))
    shadows = dict(zip(names.text, names.textfont.shadow))
    assert colours == {"甲镇": figures.DARK_NAME[0], "乙镇": "#1d2733"}
    assert shadows == {"甲镇": figures.DARK_NAME[1], "乙镇": figures.CONSOLE_NAME_SHADOW}
