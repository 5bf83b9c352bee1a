"""The console's patrol layer and 巡查 panel (callbacks/patrolmap.py), called directly in a
request of the app on the hand-built patrol store (tests/patrol_store.py), with the real
scope checks. Expected values are counted by hand from the store's docstring."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from dash import no_update
from flask import g

from callbacks import console as console_cb
from callbacks import patrolmap as cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data.console_state import ConsoleState
from data.field import coverage
from data.users import Principal
from layouts.figures import PATROL_TRACE_PREFIX, TRACE_FIRST_PATROL, TRACE_POSITIONS
from tests import patrol_store

REGION_IDS = {code: rid for rid, code, *_ in patrol_store.REGIONS}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("patrolmap") / "app.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    patrol_store.build(app.server.extensions["grid_dashboard"]["engine"])
    return app


@contextmanager
def _as(app, role: str = "admin", region: str | None = None):
    engine = app.server.extensions["grid_dashboard"]["engine"]
    with app.server.test_request_context("/"):
        g._principal = Principal("tester", role, REGION_IDS.get(region), region, engine=engine)
        yield


def _state(path: str, search: str = "") -> dict:
    return ConsoleState.parse(path, search).to_store()


def _patrol_traces(figure) -> dict[str, int]:
    """Patrol line name → how many fixes it draws."""
    return {trace.name: len(trace.lon) for trace in figure.data
            if (trace.name or "").startswith(PATROL_TRACE_PREFIX)}


def test_a_grid_s_tracks_on_a_day_are_drawn_after_the_map_s_own_traces(app):
    with _as(app):
        shown = console_cb.panels(ConsoleState.from_store(_state("/region/G1",
                                                                 "?day=2026-03-10")))
    figure = shown["map"]
    assert figure.data[TRACE_POSITIONS].name == "positions"
    assert figure.data[TRACE_FIRST_PATROL].name == "patrol-1"
    assert _patrol_traces(figure) == {"patrol-1": 2}  # P1 after midnight: 16:10, 16:30
    assert list(figure.data[TRACE_FIRST_PATROL].text) == ["Officer A 00:10", "Officer A 00:30"]
    # a point of the layer names the map's region it lies in: the grid itself here
    assert list(figure.data[TRACE_FIRST_PATROL].customdata) == ["G1", None]  # 2nd in G2


def test_a_click_on_the_layer_drills_where_it_lies_and_opens_no_case(app):
    with _as(app):
        shown = console_cb.panels(ConsoleState.from_store(_state(
            "/region/T1", "?day=2026-03-10&officer=OA")))
    line = shown["map"].data[TRACE_FIRST_PATROL]
    assert list(line.customdata) == ["G1", "G2"]  # 116.006 and 116.012
    click = {"points": [{"lon": line.lon[1], "lat": line.lat[1],
                         "customdata": line.customdata[1]}]}
    store = _state("/region/T1", "?day=2026-03-10&officer=OA")
    assert console_cb.navigate(click, None, None, None, None, None, None, None, None, None,
                               store, "/region/T1", "?day=2026-03-10&officer=OA",
                               trigger="console-map") == ("/region/G2", no_update)
    assert console_cb.open_case(None, click, trigger="console-map") is no_update
    with _as(app):
        day_before = console_cb.panels(ConsoleState.from_store(_state("/region/G1",
                                                                      "?day=2026-03-09")))
    assert _patrol_traces(day_before["map"]) == {"patrol-1": 2}
    assert list(day_before["map"].data[TRACE_FIRST_PATROL].text) == [
        "Officer A 23:30", "Officer A 23:50"]


def test_no_tracks_query_unless_a_day_is_asked_for(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tracks were read")

    monkeypatch.setattr(coverage, "tracks", refuse)
    for path, search in (("/region/G1", ""), ("/region/T1", "?day=2026-03-10"),
                         ("/region/C", "")):
        with _as(app):
            shown = console_cb.panels(ConsoleState.from_store(_state(path, search)))
        assert _patrol_traces(shown["map"]) == {}
        assert shown["map"].data[TRACE_POSITIONS].name == "positions"


def test_an_officer_s_tracks_and_who_may_see_them(app):
    # Officer B serves G2 (in T1) and G3 (in T2): a viewer of either town sees their day
    for region in ("T1", "T2", None):
        with _as(app, "viewer", region):
            shown = console_cb.panels(ConsoleState.from_store(_state(
                f"/region/{region or 'C'}", "?day=2026-03-05&officer=OB")))
        assert _patrol_traces(shown["map"]) == {"patrol-2": 3}, region
    # Officer A serves G1 only: refused to T2 exactly as an officer no one is
    for code in ("OA", "NOBODY"):
        with _as(app, "viewer", "T2"):
            shown = console_cb.panels(ConsoleState.from_store(_state(
                "/region/T2", f"?day=2026-03-10&officer={code}")))
            panel = cb.show_patrols(_state("/region/T2", f"?day=2026-03-10&officer={code}"),
                                    0, 3)
        assert _patrol_traces(shown["map"]) == {}
        assert panel[3] == "无法查看此网格员的巡查：网格员不存在，或不在您的辖区内"
        assert "Officer A" not in json.dumps(panel, default=str)
    # Officer C serves no region: the whole deployment's, for an unscoped user only
    with _as(app, "viewer", "T1"):
        assert "不在您的辖区内" in cb.show_patrols(_state("/region/T1", "?officer=OC"), 0, 3)[3]
    with _as(app):
        assert "不在您的辖区内" not in cb.show_patrols(_state("/", "?officer=OC"), 0, 3)[3]


def test_the_panel_offers_the_region_s_officers_and_lists_its_blind_spots(app):
    with _as(app, "viewer", "T1"):
        day, options, value, hint, cover, blind = cb.show_patrols(
            _state("/region/T1", "?day=2026-03-05&officer=OB"), 0, 7)
    assert (day, value) == ("2026-03-05", "OB")
    assert options == [{"label": "Officer A (OA)", "value": "OA"},
                       {"label": "Officer B (OB)", "value": "OB"}]
    assert hint == "2026-03-05 巡查轨迹 1 条（Officer B）：圆点为起点，方块为终点"
    assert cover == "0.0%"  # nobody patrols today (the store is in March 2026)
    text = json.dumps(blind, default=str, ensure_ascii=False)
    # T1's grids, both last patrolled 2026-03-10 local: G1 at 00:10, G2 at 00:30
    assert text.index("城关一网格") < text.index("城关二网格")
    assert "/region/G1?day=2026-03-05&amp;officer=OB" in text or \
        "/region/G1?day=2026-03-05&officer=OB" in text
    assert "青山" not in text  # T2's grids are not T1's
    with _as(app):
        blind = cb.show_patrols(_state("/"), 0, 30)[5]
    text = json.dumps(blind, default=str, ensure_ascii=False)
    # never patrolled first, then the longest unpatrolled: G4, G3, G1, G2
    order = [text.index(name) for name in ("青山二网格", "青山一网格", "城关一网格",
                                           "城关二网格")]
    assert order == sorted(order)
    assert "从未巡查" in text and "无网格员" in text and "在办 1" in text


def test_the_grid_hint_and_a_day_without_tracks(app):
    with _as(app):
        assert cb.show_patrols(_state("/region/T1", "?day=2026-03-10"), 0, 3)[3] == \
            "选择网格员，或下钻到一个网格，即可画出 2026-03-10 的巡查轨迹"
        assert cb.show_patrols(_state("/region/G4", "?day=2026-03-10"), 0, 3)[3] == \
            "2026-03-10 没有本网格的巡查轨迹"
        assert cb.show_patrols(_state("/region/G1"), 0, 3)[3].startswith("选择日期和网格员")


def test_the_pickers_change_the_address(app):
    store = _state("/region/G1", "?period=7d")
    assert cb.choose_patrol("2026-03-09", "OA", store, "/region/G1", "?period=7d") == (
        no_update, "?period=7d&day=2026-03-09&officer=OA")
    store = _state("/region/G1", "?day=2026-03-09&officer=OA")
    assert cb.choose_patrol(None, None, store, "/region/G1", "?day=2026-03-09&officer=OA") \
        == (no_update, "")
    assert cb.choose_patrol("2026-03-09", "OA", store, "/region/G1",
                            "?day=2026-03-09&officer=OA") == (no_update, no_update)
    for bad_day, bad_officer in (("not a day", "OA"), ("2026-03-09", ["OA"]),
                                 ("2026-03-09", " OA")):
        assert cb.choose_patrol(bad_day, bad_officer, store, "/region/G1", "") == \
            (no_update, no_update)


def test_a_long_patrol_day_is_thinned_on_the_map(app, monkeypatch):
    monkeypatch.setattr(coverage, "MAX_TRACK_POINTS", 1)
    with _as(app):
        shown = console_cb.panels(ConsoleState.from_store(_state(
            "/region/G3", "?day=2026-03-05")))
        hint = cb.show_patrols(_state("/region/G3", "?day=2026-03-05"), 0, 3)[3]
    # 3 fixes over a cap of 1: the patrol's first and last stay (02:00 and 03:00 UTC)
    assert _patrol_traces(shown["map"]) == {"patrol-2": 2}
    assert list(shown["map"].data[TRACE_FIRST_PATROL].text) == ["Officer B 10:00",
                                                                "Officer B 11:00"]
    assert hint.endswith("；轨迹点较多，已抽稀显示")


def test_a_bad_day_or_officer_in_the_store_is_said_in_words(app):
    with _as(app):
        for bad, said in (({"day": "2026-02-30"}, "tracks day"), ({"officer": " x"}, "officer")):
            panel = cb.show_patrols({**_state("/region/G1", "?lang=en"), **bad}, 0, 3)
            assert panel[1:3] == ([], None) and said in panel[3]
