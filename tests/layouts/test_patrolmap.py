"""The console's patrol layer (layouts/figures.add_patrol_layer) and 巡查 panel builders
(layouts/patrolmap.py), from plain data."""

from __future__ import annotations

import json

from layouts import figures
from layouts import patrolmap as layout
from tests.layouts.test_plot_text import HOSTILE, _shows


def _map():
    feature = {"type": "Feature", "id": "G1", "properties": {"name": "G1"},
               "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1],
                                                                [0, 1], [0, 0]]]}}
    return figures.region_map([feature], {}, [], [], [], title="", revision="r",
                              bounds=(0.0, 0.0, 1.0, 1.0))


def test_the_layer_follows_the_map_s_traces_one_line_per_patrol():
    fig = figures.add_patrol_layer(_map(), [
        {"lon": 0.5, "lat": 0.5, "hover": "A 09:00", "region": "G1"}], [
        {"id": 7, "lons": [0.1, 0.2, 3.0], "lats": [0.1, 0.2, 0.5],
         "hovers": ["A 08:00", "A 08:10", "A 08:20"], "regions": ["G1", "G1", None]},
        {"id": 9, "lons": [0.4], "lats": [0.4], "hovers": ["B 10:00"], "regions": ["G1"]}])
    assert len(fig.data) == figures.TRACE_FIRST_PATROL + 2
    positions = fig.data[figures.TRACE_POSITIONS]
    assert positions.name == "positions" and list(positions.customdata) == ["G1"]
    first, second = fig.data[figures.TRACE_FIRST_PATROL:]
    assert (first.name, second.name) == ("patrol-7", "patrol-9")
    assert list(first.marker.symbol) == ["circle", "circle", "square"]  # start, end
    assert list(first.marker.size) == [11, 4, 11]
    assert list(second.marker.symbol) == ["circle"]  # a single fix: a start alone
    assert first.line.color != second.line.color
    # the frame grows to draw the line that leaves the region whole (east to 3.0)
    assert fig.layout.geo.lonaxis.range[1] > 3.0
    assert fig.layout.geo.lonaxis.range[0] < 0.0


def test_a_county_s_hundreds_of_officers_are_small_stars_a_grid_s_few_large():
    def star(count):
        fig = figures.add_patrol_layer(_map(), [
            {"lon": 0.5, "lat": 0.5, "hover": "A", "region": "G1"}] * count, [])
        return fig.data[figures.TRACE_POSITIONS].marker.size
    few, many = star(3), star(400)
    assert many < few and many <= 8  # hundreds at full size hide the regions' names
    assert star(40) == few


def test_no_patrols_leave_the_map_as_it_was_framed():
    before = _map()
    ranges = list(before.layout.geo.lonaxis.range)
    fig = figures.add_patrol_layer(before, [], [])
    assert len(fig.data) == figures.TRACE_FIRST_PATROL
    assert list(fig.layout.geo.lonaxis.range) == ranges


def test_names_in_the_layer_are_shown_as_text():
    fig = figures.add_patrol_layer(_map(), [
        {"lon": 0.5, "lat": 0.5, "hover": name, "region": None} for name in HOSTILE], [
        {"id": 1, "lons": [0.1] * len(HOSTILE), "lats": [0.1] * len(HOSTILE),
         "hovers": HOSTILE, "regions": None}])
    assert [_shows(t) for t in fig.data[figures.TRACE_POSITIONS].text] == HOSTILE
    assert [_shows(t) for t in fig.data[figures.TRACE_FIRST_PATROL].text] == HOSTILE


def test_the_panel_s_words_and_blind_spots():
    assert layout.blind_day_choices(3) == [3, 7, 14, 30]
    assert layout.blind_day_choices(5) == [3, 5, 7, 14, 30]
    assert layout.coverage_text(None) == "—"
    assert layout.coverage_text(0.25) == "25.0%"
    assert layout.tracks_hint("en", day="2026-03-05", who="B", patrols=2) == \
        "2 patrol tracks on 2026-03-05 (B): a circle starts, a square ends"
    assert layout.tracks_hint("en", day="2026-03-05", who=None, patrols=0) == \
        "No patrol tracks of this grid on 2026-03-05"
    assert layout.officer_options([{"code": "OA", "name": "A"}], "ZZ", "zh") == [
        {"label": "A (OA)", "value": "OA"}, {"label": "ZZ", "value": "ZZ"}]
    many = [{"code": f"O{i:04d}", "name": f"N{i:04d}"} for i in range(layout.OFFICER_ROWS + 5)]
    offered = layout.officer_options(many, "O0302", "en")
    assert len(offered) == layout.OFFICER_ROWS + 2
    assert offered[-2] == {"label": "5 more officers: drill down to choose", "value": "",
                           "disabled": True}
    assert offered[-1] == {"label": "N0302 (O0302)", "value": "O0302"}
    spots = [{"code": f"G{i}", "name": f"网格{i}", "parent": "镇", "days_since": None,
              "last_local": None, "officers": [], "open_cases": 0} for i in range(52)]
    spots[1].update(days_since=4, last_local="2026-03-05 11:00", officers=["甲", "乙"])
    shown = json.dumps(layout.build_blind_spots(spots, 7, {"period": "7d"}, "zh"),
                       default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert shown.count('"blind-row"') == layout.BLIND_ROWS
    assert "另有 2 个网格未列出" in shown
    assert "4天未巡查（最近 2026-03-05 11:00）" in shown and "网格员：甲、乙" in shown
    assert "/region/G0?period=7d" in shown
    assert "近7日每个网格都有人巡查" in json.dumps(
        layout.build_blind_spots([], 7, {}, "zh"), default=lambda c: c.to_plotly_json(),
        ensure_ascii=False)
