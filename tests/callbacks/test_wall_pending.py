"""A wall whose 30-day panels nobody has counted yet today (a city's take seconds) shows
everything else at once, says so in its state, and its refreshes bring the panels as
soon as they are counted; then it is back to "alive" answers."""

from __future__ import annotations

import threading
import time

import pytest
from dash import no_update

from callbacks import wall as wall_cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import wall
from layouts import ids
from tests.auth_helpers import acting_as, make_wall_token
from tests.callbacks.test_new_boundaries import _find
from tests.data.test_metrics import build


@pytest.fixture
def slow_count(tmp_path, monkeypatch):
    """An app on the hand-counted store whose 30-day panels take until ``release``."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    build(engine)
    release = threading.Event()
    real = wall.slow_panels

    def slow(conn, region, now):
        release.wait(10)
        return real(conn, region, now)

    monkeypatch.setattr(wall, "slow_panels", slow)
    monkeypatch.setattr(wall_cb, "FIRST_LOAD_WAIT", 0.05)
    return app, make_wall_token(engine), release


def _assigned(patch) -> dict:
    """What a ``Patch`` assigns, by location."""
    return {tuple(op["location"]): op["params"].get("value")
            for op in patch.to_plotly_json()["operations"] if op["operation"] == "Assign"}


def _tile_text(page, key: str) -> str:
    tile = next(t for t in _find(page, ids.WALL_TILES).children
                if t.to_plotly_json()["props"].get("data-key") == key)
    return tile.children[1].children


def test_a_wall_shows_at_once_and_its_refresh_brings_the_30_day_panels(slow_count):
    app, token, release = slow_count
    with acting_as(app, token=token):
        page = wall_cb.render_wall("")
        state = _find(page, ids.WALL_STATE).data
        assert state["pending"] is True
        assert _tile_text(page, "closure_rate") == "—"
        assert _tile_text(page, "open") != "—"  # the counts of now are there at once
        # the uncounted charts say 加载中… on no axes (issue 18), their traces kept for
        # the refresh's patches
        for chart in (ids.WALL_TREND, ids.WALL_SOURCES, ids.WALL_TOP):
            figure = _find(page, chart).figure
            assert [a.text for a in figure.layout.annotations] == ["加载中…"], chart
            assert figure.data, chart
        for chart in (ids.WALL_TREND, ids.WALL_TOP):
            layout = _find(page, chart).figure.layout
            assert layout.xaxis.visible is False and layout.yaxis.visible is False
        # nothing changed, but the page waits for its panels: the refresh looks again
        still = wall_cb.refresh_wall(1, state)
        assert still[0] is no_update and "pending" not in str(still[7].to_plotly_json())
        release.set()
        for _ in range(200):
            answer = wall_cb.refresh_wall(2, state)
            if _assigned(answer[7]).get(("pending",)) is False:
                break
            time.sleep(0.05)
        assert _assigned(answer[7])[("pending",)] is False
        closure = wall_cb.TILE_KEYS.index("closure_rate")
        value = _assigned(answer[0])[(closure, "props", "children", wall_cb.TILE_VALUE,
                                      "props", "children")]
        assert value.endswith("%")
        assert answer[3] is not no_update and answer[6] is not no_update  # trend, ranking
        # the counted charts lose the word and get their axes back
        for chart in (answer[3], answer[5]):  # trend, top problems
            assert _assigned(chart)[("layout", "annotations")] == []
            assert _assigned(chart)[("layout", "xaxis", "visible")] is True
        assert _assigned(answer[4])[("layout", "annotations")] == []  # sources (no axes)
        # the page has its panels: an unchanged store is "alive" again
        state = {**state, "pending": False}
        assert wall_cb.refresh_wall(3, state)[:8] == tuple([no_update] * 8)
