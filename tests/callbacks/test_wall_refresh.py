"""A running wall's refreshes after a new case, as the browser makes them (each answer's
state applied: its version and page token): only what moved is sent, and a panel that did
not move is never sent again."""

from __future__ import annotations

import dataclasses
import math
import time

from dash import no_update
from sqlalchemy import insert

from callbacks import wall as wall_cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.models import Case
from data.regions import root_region
from layouts import ids
from tests.auth_helpers import acting_as, make_wall_token
from tests.callbacks.test_new_boundaries import _find
from tests.data.test_metrics import build


def _apply(state: dict, patch) -> dict:
    """The page's state after an answer's ``Patch``, as the browser applies it."""
    state = dict(state)
    for op in patch.to_plotly_json()["operations"]:
        if op["operation"] == "Assign" and len(op["location"]) == 1:
            state[op["location"][0]] = op["params"]["value"]
    return state


def _new_case(engine, n: int) -> None:
    with store.transaction(engine) as conn:
        conn.execute(insert(Case).values(
            id=1000 + n, code=f"NEW{n}", region_id=6, status="reported",
            reported_at=store.utcnow(), location_method="point", version=1))
        store.bump_data_version(conn)


def test_a_ranking_holding_a_rate_of_no_cases_is_not_sent_again_on_each_refresh(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    build(engine)  # the hand store: old cases, so no grid closed any in the last 30 days
    token = make_wall_token(engine)
    with acting_as(app, token=token):
        page = wall_cb.render_wall("?region=C")
        state = _find(page, ids.WALL_STATE).data
        for _ in range(100):  # the 30-day panels are counted in the background
            if not state.get("pending"):
                break
            time.sleep(0.05)
            state = _apply(state, wall_cb.refresh_wall(1, state)[7])
        assert not state.get("pending")
        answers = []
        for n in range(2):
            _new_case(engine, n)
            answer = wall_cb.refresh_wall(2 + n, state)
            state = _apply(state, answer[7])
            answers.append(answer)
    # the new case moves the counts of now: tiles and map; the ranking did not move
    assert all(a[0] is not no_update and a[2] is not no_update for a in answers)
    assert answers[1][6] is no_update
    assert answers[1][1] is not no_update  # the ticker: the newest case is another one


def test_a_rate_of_no_cases_in_the_ranking_shows_the_same_twice(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    build(engine)
    with acting_as(app, token=make_wall_token(engine)), engine.connect() as conn:
        snap = wall_cb._snapshot(conn, "C", store.utcnow(), wait=10)
        shapes = wall_cb._shapes(conn, root_region(conn, "C"))
    assert not snap["pending"]
    rows = snap["ranking"].rows.copy()
    rows.loc[len(rows) - 1, "value"] = math.nan  # a town that closed no case
    snap = {**snap, "ranking": dataclasses.replace(snap["ranking"], rows=rows)}
    first = wall_cb.shown_values(snap, shapes, "open", "zh")
    again = wall_cb.shown_values(snap, shapes, "open", "zh")
    assert first["ranking"] == again["ranking"]  # so a refresh does not send it again
    assert first["ranking"][-1][-1][1] is None
