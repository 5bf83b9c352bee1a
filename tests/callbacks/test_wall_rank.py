"""The wall's ranking board by address (``/wall?rank=NAME``) and across refreshes: the
name is checked when the page is made and in every state a refresh reads; the board's
title follows the metric it ranks by when that changes (on-time figures appear once cases
have deadlines)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from dash import no_update
from sqlalchemy import insert

from callbacks import wall as wall_cb
from dashboard import auth
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data import wall as wall_data
from data.models import Case
from layouts import ids
from tests.auth_helpers import acting_as, make_wall_token
from tests.callbacks.test_new_boundaries import _find
from tests.callbacks.test_wall_refresh import _apply
from tests.tiny_store import build_regions


def _case(code: str, region_id: int, closed, due=None) -> dict:
    return {"code": code, "status": "closed", "location_method": "point",
            "region_id": region_id, "reported_at": closed - timedelta(hours=5),
            "closed_at": closed, "due_at": due, "version": 1}


@pytest.fixture
def app(tmp_path):
    """A county of two towns whose cases of the last days were closed without a deadline
    (no category table yet)."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    now = store.utcnow()
    with store.transaction(engine) as conn:
        build_regions(conn)
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Case), [_case("K1", 4, now - timedelta(days=2)),
                                    _case("K2", 6, now - timedelta(days=1))])
        store.bump_data_version(conn)
    app.engine = engine
    app.token = make_wall_token(engine)
    return app


def _settled(state: dict) -> dict:
    """The page's state once its 30-day panels are counted (in the background)."""
    for _ in range(100):
        if not state.get("pending"):
            return state
        time.sleep(0.05)
        state = _apply(state, wall_cb.refresh_wall(1, state)[7])
    raise AssertionError("the 30-day panels were never counted")


def test_the_address_chooses_the_metric_and_a_bad_name_is_refused(app):
    with acting_as(app, token=app.token):
        page = wall_cb.render_wall("?region=C&rank=median_hours")
        state = _find(page, ids.WALL_STATE).data
        assert state["rank"] == "median_hours_to_close"  # the registry's key, not the alias
        assert _find(page, ids.WALL_RANKING_TITLE).children == "结案用时中位数排名·近30日"
        default = _find(wall_cb.render_wall("?region=C"), ids.WALL_STATE).data
        assert "rank" not in default
        refused = wall_cb.render_wall("?region=C&rank=slowest")
        assert _find(refused, ids.WALL_STATE) is None  # no wall: a notice naming why
        notice = refused.children.children
        assert "rank=slowest" in notice and "median_hours" in notice
        # a state the server did not make: refused as a garbled state, nothing read
        for forged in ("slowest", "median_hours", 7):
            with pytest.raises(auth.Malformed):
                wall_cb.refresh_wall(1, {**state, "rank": forged})
            with pytest.raises(auth.Malformed):
                wall_cb.rotate_wall(1, {**state, "rank": forged, "playlist": ["C", "T1"]})


def test_the_title_follows_the_metric_when_deadlines_appear(app, monkeypatch):
    monkeypatch.setattr(wall_data, "SLOW_SECONDS", 0)  # the 30-day panels recounted at once
    with acting_as(app, token=app.token):
        _settled(_find(wall_cb.render_wall("?region=C"), ids.WALL_STATE).data)
        page = wall_cb.render_wall("?region=C")  # the panels counted: no refresh needed
        state = _find(page, ids.WALL_STATE).data
        assert not state.get("pending")
        # no on-time rate anywhere: it fell back, and says why
        assert _find(page, ids.WALL_RANKING_TITLE).children.endswith(" · 无处置时限")
        # a case with a deadline, closed on time in T2 (G3): T2 has an on-time rate now
        now = store.utcnow()
        with store.transaction(app.engine) as conn:
            conn.execute(insert(Case), [_case("K3", 6, now - timedelta(hours=1),
                                              due=now + timedelta(days=1))])
            store.bump_data_version(conn)
        for n in range(100):
            answer = wall_cb.refresh_wall(3 + n, state)
            state = _apply(state, answer[7])
            if answer[11] is not no_update:
                break
            time.sleep(0.05)
        assert answer[11] == "按期结案率排名·近30日"
        codes = [getattr(row, "data-code") for row in answer[6]]
        assert codes == ["T2", "T1"]  # T1 has no on-time rate: last
        # nothing changed since: neither the board nor its title is sent again
        quiet = wall_cb.refresh_wall(200, state)
        assert quiet[6] is no_update and quiet[11] is no_update
