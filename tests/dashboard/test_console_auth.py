"""The console's own callbacks, POSTed to ``/_dash-update-component`` directly, as a
browser or anyone with curl would: an action on a case and the case list, signed out,
with a wall's display token, as a viewer, and as the commander of another town. Each is
refused and the store is left exactly as it was; the commander of the case's own town
gets through (so the test can fail)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.console_state import ConsoleState
from data.models import Case, CaseEvent
from layouts import ids
from layouts.text import t
from tests import tiny_store
from tests.auth_helpers import callback_body, make_user, make_wall_token, post_callback, sign_in


@pytest.fixture
def app(engine):
    tiny_store.build(engine)  # K2: dispatched, in grid G2 of town T1
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _case(app, code: str) -> tuple[int, int, str, int]:
    """id, version, status, and how many history rows the case has."""
    with _engine(app).connect() as conn:
        cid, version, status = conn.execute(
            select(Case.id, Case.version, Case.status).where(Case.code == code)).one()
        events = conn.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.case_id == cid))
    return cid, version, status, events


def _urge(app, code: str) -> dict:
    """The action form's submit for 督办 (urge) on one case, as the page sends it."""
    cid, version, _, _ = _case(app, code)
    return callback_body(app, f"{ids.CONSOLE_REFRESH}.data", {
        f"{ids.ACTION_SUBMIT}.n_clicks": 1,
        f"{ids.CONSOLE_ACTION}.data": "urge",
        f"{ids.CONSOLE_TARGETS}.data": [{"id": cid, "version": version, "code": code}],
        f"{ids.ACTION_NOTE}.value": "请尽快处置",
        f"{ids.CONSOLE_STATE}.data": ConsoleState.parse("/region/T1", "").to_store(),
    }, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")


def _rows(app, region: str) -> dict:
    return callback_body(app, f"{ids.CONSOLE_GRID}.getRowsResponse", {
        f"{ids.CONSOLE_GRID}.getRowsRequest": {"startRow": 0, "endRow": 100},
        f"{ids.CONSOLE_STATE}.data": ConsoleState.parse(
            f"/region/{region}", "?period=custom&from=2026-03-01&to=2026-03-10").to_store(),
    }, trigger=f"{ids.CONSOLE_GRID}.getRowsRequest")


def _data_version(app) -> int:
    with _engine(app).connect() as conn:
        return store.data_version(conn)


def _text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_an_action_posted_directly_is_refused_unless_a_commander_of_the_case_s_town(app):
    client = app.server.test_client()
    viewer = make_user(_engine(app), "t1viewer", "viewer", "T1")
    other = make_user(_engine(app), "t2boss", "commander", "T2")
    own = make_user(_engine(app), "t1boss", "commander", "T1")
    token = make_wall_token(_engine(app))
    before, version = _case(app, "K2"), _data_version(app)

    assert post_callback(client, _urge(app, "K2")).status_code == 403  # signed out
    assert post_callback(client, _urge(app, "K2"), token=token).status_code == 403  # a wall
    sign_in(client, "t1viewer", viewer)
    answer = post_callback(client, _urge(app, "K2"))
    assert answer.status_code == 403 or t("auth_role") in _text(answer)
    client.get("/logout")
    sign_in(client, "t2boss", other)
    answer = post_callback(client, _urge(app, "K2"))
    # refused, in words that name neither the case's grid nor whether it exists
    said = answer.get_json()["response"][ids.ACTION_FEEDBACK]["children"]
    assert said == t("auth_case_refused") and "G2" not in said
    assert _case(app, "K2") == before and _data_version(app) == version  # nothing written

    client.get("/logout")
    sign_in(client, "t1boss", own)
    assert post_callback(client, _urge(app, "K2")).status_code == 200
    cid, new_version, status, events = _case(app, "K2")
    assert (new_version, status, events) == (before[1] + 1, before[2], before[3] + 1)
    with _engine(app).connect() as conn:
        actor, action = conn.execute(select(CaseEvent.actor, CaseEvent.action)
                                     .where(CaseEvent.case_id == cid)
                                     .order_by(CaseEvent.id.desc()).limit(1)).one()
    assert (actor, action) == ("t1boss", "urge")


def test_the_case_list_posted_directly_shows_only_the_asker_s_area(app):
    client = app.server.test_client()
    viewer = make_user(_engine(app), "t2viewer", "viewer", "T2")
    assert post_callback(client, _rows(app, "T1")).status_code == 403  # signed out
    sign_in(client, "t2viewer", viewer)
    # T1's list is not T2's viewer's to see: no rows, whatever the request says
    refused = post_callback(client, _rows(app, "T1")).get_json()
    assert refused["response"][ids.CONSOLE_GRID]["getRowsResponse"]["rowData"] == []
    # their own town: K3 and K4 (G3), by the tiny store's construction
    mine = post_callback(client, _rows(app, "T2")).get_json()
    codes = sorted(r["code"] for r in mine["response"][ids.CONSOLE_GRID]["getRowsResponse"]
                   ["rowData"])
    assert codes == ["K3", "K4"]
