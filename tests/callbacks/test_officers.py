"""The officers view's callbacks and the wall's officers panel, called directly with
someone asking (and the router over HTTP), on the assessment's hand-counted store
(tests/data/field/assessment_store.py): the week 03-02..03-08 ranks W1 张伟 first (77.1),
W5 刘洋 and W2 李娜 tied second (66.7), W7 杨帆 fourth (0.0); W4 赵强 joined on 03-07 (too
little data), W3 王芳 left on 03-05 (inactive). T1 holds G1 and G2 (W1, W2); T2 holds G3
(W3, W4, W5, W7's own grids)."""

from __future__ import annotations

import json

import plotly
import pytest
from dash import no_update

from callbacks import officers, pages, wall as wall_callbacks
from dashboard import auth
from dashboard.app import create_app
from dashboard.settings import Settings
from layouts import ids
from tests.auth_helpers import acting_as, make_user, make_wall_token, post_callback, \
    router_body, sign_in
from tests.data.field import assessment_store as county_store

WEEK = "?period=custom&from=2026-03-02&to=2026-03-08&lang=en"


@pytest.fixture
def app(engine):
    county_store.build(engine)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    store_engine = app.server.extensions["grid_dashboard"]["engine"]
    for name, role, region in (("admin", "admin", None), ("viewer-t1", "viewer", "T1"),
                               ("boss-t2", "commander", "T2")):
        app.passwords = getattr(app, "passwords", {})
        app.passwords[name] = make_user(store_engine, name, role, region)
    app.wall_t1 = make_wall_token(store_engine, "T1")
    yield app
    store_engine.dispose()


def _filled(result) -> dict:
    return dict(zip(officers.FILLED, result))


def _text(value) -> str:
    # as Dash sends it (plotly's encoder: components, figures and their arrays)
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_the_county_s_officers_ranked_with_ties_and_the_unranked_said_so(app):
    with acting_as(app, "admin"):
        shown = _filled(officers.fill_officers("/officers", WEEK))
    rows = shown["rows"]
    assert [r["name"] for r in rows] == ["张伟", "刘洋", "李娜", "杨帆", "赵强", "王芳"]
    assert [r["rank_label"] for r in rows] == [
        "1", "=2", "=2", "4", "Too little data", "Left"]
    assert [r["score"] for r in rows] == [77.1, 66.7, 66.7, 0.0, None, None]
    assert [r["rank_sort"] for r in rows[:4]] == [1, 2, 2, 4]
    assert rows[4]["rank_sort"] == rows[5]["rank_sort"] > 4  # the unranked sort last
    # W1: 3 patrol days (03-02, 03-03, 03-05), 2 cases found; W7 found nothing on patrol
    assert (rows[0]["patrol_days"], rows[0]["cases_found"]) == (3.0, 2.0)
    assert rows[0]["row_id"] == "1" and rows[0]["home"] and rows[0]["role"] == \
        "Full-time grid officer"
    assert shown["message"] == ""
    assert "4 ranked of 6" in _text(shown["subtitle"])
    assert "2026-03-02 to 2026-03-08" in _text(shown["subtitle"])
    assert shown["console"] == "/region/C?period=custom&from=2026-03-02&to=2026-03-08&lang=en"
    assert (shown["period"], shown["start"], shown["end"]) == ("custom", "2026-03-02",
                                                                "2026-03-08")
    children = _text(shown["children"])
    assert "/officers/T1?period=custom&from=2026-03-02&to=2026-03-08&lang=en" in children
    assert "/officers/T2?" in children


def test_a_town_is_ranked_within_itself_with_its_breadcrumb(app):
    with acting_as(app, "viewer-t1"):
        shown = _filled(officers.fill_officers("/officers/T1", WEEK))
        own = _filled(officers.fill_officers("/officers", WEEK))  # the user's own region
    assert {r["name"] for r in shown["rows"]} == {"张伟", "李娜"}
    assert [r["name"] for r in own["rows"]] == [r["name"] for r in shown["rows"]]
    crumbs = _text(shown["crumbs"])
    assert "/officers/C?period=custom" in crumbs and '"data-code": "T1"' in crumbs
    assert "/officers/G1?" in _text(shown["children"])


@pytest.mark.parametrize("who, path, said", [
    ("viewer-t1", "/officers/T2", "Region T2 is outside your area"),
    ("viewer-t1", "/officers/NOPE", "Region NOPE is outside your area"),
    ("boss-t2", "/officers/T1", "Region T1 is outside your area"),
    (None, "/officers/T1", "sign in"),
])
def test_a_region_outside_the_scope_is_refused_and_shows_nobody(app, who, path, said):
    with acting_as(app, who):
        shown = _filled(officers.fill_officers(path, WEEK))
    assert said in shown["message"]
    assert shown["rows"] == [] and shown["crumbs"] == [] and shown["children"] == []
    for name in ("张伟", "李娜", "刘洋", "杨帆", "Town"):
        assert name not in _text(list(shown.values()))


def test_a_wall_s_token_gets_no_officers_view(app):
    with acting_as(app, token=app.wall_t1):
        shown = _filled(officers.fill_officers("/officers/T1", WEEK))
    assert shown["rows"] == [] and "wall" in shown["message"].lower()


def test_an_unknown_region_and_a_bad_period_are_said(app):
    with acting_as(app, "admin"):
        unknown = _filled(officers.fill_officers("/officers/NOPE", WEEK))
        bad = _filled(officers.fill_officers("/officers/T1", "?period=week&lang=en"))
        other = officers.fill_officers("/region/T1", WEEK)
    assert "NOPE" in unknown["message"] and unknown["rows"] == []
    assert "period" in bad["message"] and bad["rows"] == []
    assert other == (no_update,) * len(officers.FILLED)


def test_the_router_refuses_another_town_as_the_console_does(app):
    client = app.server.test_client()
    sign_in(client, "viewer-t1", app.passwords["viewer-t1"])
    for path in ("/officers/T2", "/region/T2"):
        response = post_callback(client, router_body(path, "?lang=en", app=app))
        assert response.status_code == 403, path
        assert response.get_json()["error"]["key"] == "auth_out_of_scope"
    mine = post_callback(client, router_body("/officers/T1", "?lang=en", app=app))
    assert mine.status_code == 200 and ids.OFFICERS_GRID in mine.get_data(as_text=True)
    with acting_as(app, "admin"):
        assert pages.page_kind("/officers/T1", "?lang=en") == "officers:en"
        assert pages.page_kind("/officers", "") == "officers:zh"
    # a wall's token opens no officers view, not even its own region's
    wall = app.server.test_client()
    refused = post_callback(wall, router_body("/officers/T1", "", app=app), token=app.wall_t1)
    assert refused.status_code == 403
    assert client.get("/officers/T1").status_code == 200  # the page's shell
    assert app.server.test_client().get("/officers").status_code == 302  # to sign in


def test_a_click_on_a_name_opens_the_console_on_the_officer_s_home_grid(app):
    def click(row_id, col="name"):
        return officers.open_officer({"colId": col, "rowId": row_id, "value": "x"},
                                     "/officers/T1", WEEK)

    with acting_as(app, "viewer-t1"):
        assert click("1") == ("/region/G1", "?officer=W1&day=2026-03-08&lang=en", "")
        assert click("1", col="score") == (no_update,) * 3
        refused = [click(row) for row in ("5", "999")]  # T2's W5, and nobody
        malformed = click("1; drop")
    assert refused[0] == refused[1] == (no_update, no_update, "You may not see this officer")
    assert malformed[:2] == (no_update, no_update) and "whole number" in malformed[2]
    with acting_as(app, "admin"):  # W7 serves the town T2 itself: its console
        assert officers.open_officer({"colId": "name", "rowId": "7"}, "/officers",
                                     "?period=7d")[0] == "/region/T2"


def test_the_period_controls_change_the_address(app):
    def navigate(period, start, end, search, trigger=ids.OFFICERS_PERIOD):
        with acting_as(app, "admin"):
            return officers.navigate_officers(period, start, end, "/officers/T1", search,
                                              trigger=trigger)

    assert navigate("7d", None, None, "?lang=en") == "?period=7d&lang=en"
    assert navigate("30d", None, None, "?lang=en") == no_update  # the same address
    assert navigate("7d", "2026-03-01", "2026-03-04", "?period=7d",
                    trigger=ids.OFFICERS_DATES) == "?period=custom&from=2026-03-01&to=2026-03-04"
    assert navigate("custom", "2026-03-01", None, "?period=7d") == no_update
    with acting_as(app, "admin"):
        assert officers.navigate_officers("7d", None, None, "/region/T1", "") == no_update


def test_the_console_links_to_the_officers_view_of_its_region(app):
    with acting_as(app, "admin"):
        assert officers.officers_link("/region/T1", "?period=7d&lang=en&src=patrol") == \
            "/officers/T1?period=7d&lang=en"
        assert officers.officers_link("/", "") == "/officers"
        assert officers.officers_link("/region/REGION%202", "?period=bad") == "/officers"
        assert officers.officers_link("/region/REGION%202", "") == "/officers/REGION%202"


def _wall_state(region, panel="officers"):
    return {"version": -1, "region": region, "map_region": region, "metric": "open",
            "token": "t", "lang": "en", "timezone": "Asia/Shanghai", "refresh": 10,
            "panel": panel}


@pytest.fixture
def week_end(monkeypatch):
    """The wall's clock at local 03-08 23:59: its 7 days are the store's week."""
    monkeypatch.setattr(officers, "utcnow", lambda: county_store.AS_OF)


def test_the_wall_shows_the_officers_in_place_of_the_top_problems(app, week_end):
    with acting_as(app, "admin"):
        page = _text(wall_callbacks.render_wall("?panel=officers&lang=en"))
        plain = _text(wall_callbacks.render_wall("?panel=alarms&lang=en"))  # unknown: ignored
    assert ids.WALL_OFFICERS in page and "Officers · last 7 days" in page
    for name in ("张伟", "刘洋", "李娜", "杨帆"):
        assert name in page
    assert "赵强" not in page and "王芳" not in page  # too little data, inactive
    assert "1 with too little data not ranked" in page
    assert '"panel": "officers"' in page
    assert ids.WALL_OFFICERS not in plain and "张伟" not in plain
    assert '"panel"' not in plain


def test_the_wall_s_panel_refreshes_for_its_own_region_only(app, week_end):
    with acting_as(app, token=app.wall_t1):
        mine = _text(officers.refresh_wall_officers(_wall_state("T1")))
        with pytest.raises(auth.Forbidden):
            officers.refresh_wall_officers(_wall_state("T2"))
        with pytest.raises(auth.Forbidden):
            officers.refresh_wall_officers(_wall_state(None))
        assert officers.refresh_wall_officers(_wall_state("T1", panel=None)) is no_update
    assert "张伟" in mine and "李娜" in mine and "刘洋" not in mine
    with acting_as(app):
        with pytest.raises(auth.Forbidden):
            officers.refresh_wall_officers(_wall_state("T1"))
