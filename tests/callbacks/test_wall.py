"""The wall's daily reload time: read from the address, else the deployment's setting (the
browser side is tested in tests/browser/test_wall.py); what a refresh patches."""

from __future__ import annotations

import pytest
from dash import Patch, no_update

from callbacks.wall import TILE_KEYS, _chart_updates, _map_update, _reload_at, _tiles_update
from dashboard.settings import time_of_day


@pytest.mark.parametrize("given, read", [
    ("4:00", "04:00:00"), ("23:59:59", "23:59:59"), ("00:00", "00:00:00"), (" 7:05 ", "07:05:00"),
    ("１２：３０", "12:30:00"), ("off", ""), ("OFF", ""), ("0", ""),
])
def test_a_time_of_day_is_read(given, read):
    assert time_of_day(given) == read


@pytest.mark.parametrize("nonsense", ["24:00", "12:60", "4", "4:00:00:00", "noon", "", "-1:00",
                                      "1:2:3:"])
def test_nonsense_is_not_a_time_of_day(nonsense):
    assert time_of_day(nonsense) is None


@pytest.mark.parametrize("search, expected", [
    ("?reload=5:30", "05:30:00"), ("?region=X&reload=off", ""), ("?region=X", "03:15:00"),
    ("?reload=25:00", "03:15:00"), ("?reload=", "03:15:00"), ("", "03:15:00"), (None, "03:15:00"),
])
def test_the_address_chooses_the_reload_time_and_a_typo_keeps_the_deployment_s(search,
                                                                              expected):
    assert _reload_at(search, "03:15:00") == expected


# --- what a refresh sends: the version-gated Patch, operation by operation -------------------
# The locations are written out as the browser receives them (trace positions included), so
# naming the traces in the code cannot change a byte of what is sent.

def _ops(patch) -> list[tuple[str, list, object]]:
    return [(op["operation"], op["location"], op["params"].get("value"))
            for op in patch.to_plotly_json()["operations"]]


def _shown(**values):
    base = {"shapes": 7, "map": [1, 0, None], "flagged": [(116.1, 39.1, 2)],
            "officers": [(116.2, 39.2, "张三")], "tiles": [["1"], ["50.0%", "较上期 +1.0"]],
            "alert": False, "trend": (["2026-03-01", "2026-03-02"], [3, 4], [1, 2]),
            "sources": (["网格员巡查"], [5]), "top": (["暴露垃圾", "占道经营"], [4, 2]),
            "alert_marks": []}
    return {**base, **values}


def test_a_refresh_patches_only_the_map_layers_that_moved():
    old = _shown()
    new = _shown(map=[2, 0, None], flagged=[(116.1, 39.1, 3), (116.3, 39.3, 8)],
                 officers=[(116.4, 39.4, "李四")])
    figure = _map_update(old, new, {}, {}, {"regions": 7})
    assert isinstance(figure, Patch)
    assert _ops(figure) == [
        ("Assign", ["data", 0, "z"], [2, 0, None]),
        ("Assign", ["data", 0, "zmax"], 2),
        ("Assign", ["data", 2, "lon"], [116.1, 116.3]),
        ("Assign", ["data", 2, "lat"], [39.1, 39.3]),
        ("Assign", ["data", 2, "text"], ["3", "8"]),
        ("Assign", ["data", 2, "marker", "size"], [12, 18]),
        ("Assign", ["data", 3, "lon"], [116.4]),
        ("Assign", ["data", 3, "lat"], [39.4]),
        ("Assign", ["data", 3, "text"], ["李四"]),
    ]
    only_officers = _map_update(old, _shown(officers=[]), {}, {}, {"regions": 7})
    assert _ops(only_officers) == [("Assign", ["data", 3, "lon"], []),
                                   ("Assign", ["data", 3, "lat"], []),
                                   ("Assign", ["data", 3, "text"], [])]
    assert _map_update(old, _shown(), {}, {}, {"regions": 7}) is no_update
    view = _map_update(old, _shown(), {}, {}, {"regions": 7}, view={"center": {"lon": 1}})
    assert _ops(view) == [("Assign", ["layout", "geo", "center"], {"lon": 1})]


def test_a_refresh_patches_only_the_chart_values_that_moved():
    old = _shown()
    trend, pie, bars = _chart_updates(old, _shown(trend=(["2026-03-01", "2026-03-02"],
                                                         [3, 6], [2, 2])))
    assert _ops(trend) == [("Assign", ["data", 0, "y", 1], 6), ("Assign", ["data", 1, "y", 0], 2)]
    assert pie is no_update and bars is no_update
    days = ["2026-03-02", "2026-03-03"]
    trend, pie, bars = _chart_updates(old, _shown(trend=(days, [4, 0], [2, 0]),
                                                  sources=(["12345热线"], [1]),
                                                  top=(["a", "b"], [9, 1])))
    assert _ops(trend) == [("Assign", ["data", 0, "x"], days),
                           ("Assign", ["data", 0, "y"], [4, 0]),
                           ("Assign", ["data", 1, "x"], days),
                           ("Assign", ["data", 1, "y"], [2, 0])]
    assert _ops(pie) == [("Assign", ["data", 0, "labels"], ["12345热线"]),
                         ("Assign", ["data", 0, "values"], [1])]
    assert _ops(bars) == [("Assign", ["data", 0, "x"], [1, 9]),
                          ("Assign", ["data", 0, "y"], ["b", "a"]),
                          ("Assign", ["data", 0, "text"], [1, 9])]
    assert _chart_updates(old, _shown()) == (no_update, no_update, no_update)


def test_a_refresh_patches_the_tile_texts_that_moved_and_the_alert():
    old = _shown()
    tiles = _tiles_update(old, _shown(tiles=[["2"], ["50.0%", "较上期 +1.0"]], alert=True))
    assert _ops(tiles) == [
        ("Assign", [0, "props", "children", 1, "props", "children"], "2"),
        ("Assign", [TILE_KEYS.index("overdue"), "props", "className"], "wall-tile alert"),
    ]
    first = _tiles_update({}, _shown())  # a page the server does not remember: every text
    assert _ops(first)[:3] == [
        ("Assign", [0, "props", "children", 1, "props", "children"], "1"),
        ("Assign", [1, "props", "children", 1, "props", "children"], "50.0%"),
        ("Assign", [1, "props", "children", 2, "props", "children"], "较上期 +1.0"),
    ]
    assert _tiles_update(old, _shown()) is no_update
