"""The briefing's page and download on the server: who may open them, and for which region.

Called as the browser calls them (the router through ``/_dash-update-component``, the PDF
by its address), on the hand-built tiny store; Chromium itself is in tests/browser/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callbacks.briefing import briefing_link, render_briefing
from callbacks.pages import render_page
from dashboard import auth
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from tests import tiny_store
from layouts import ids
from tests.auth_helpers import (
    acting_as, callback_body, make_user, make_wall_token, post_callback, router_body, sign_in,
)


@pytest.fixture
def app(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'brief.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    return create_app(Settings(database_url=url))


@pytest.fixture
def engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _text(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _text(children)


def test_signed_out_visitors_are_sent_to_sign_in(app):
    client = app.server.test_client()
    for path in ("/briefing?week=2026-W10", "/briefing.pdf?week=2026-W10"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_display_token_sees_the_briefing_of_its_own_region_only(app, engine):
    token = make_wall_token(engine, "T1")
    with acting_as(app, token=token):
        page, kind = render_page("/briefing", "?week=2026-W10")
        assert kind == "briefing"
        assert page.className == "briefing briefing-print"
        assert "城关镇" in _text(page)  # its own region by default
        with pytest.raises(auth.Forbidden):
            render_page("/briefing", "?week=2026-W10&region=C")
        with pytest.raises(auth.Forbidden):  # and still nothing of the console
            render_page("/", "")


def test_the_pdf_download_checks_the_scope_and_the_week(app, engine):
    password = make_user(engine, "town", "commander", region="T1")
    client = app.server.test_client()
    sign_in(client, "town", password)
    outside = client.get("/briefing.pdf?week=2026-W10&region=C")
    assert outside.status_code == 403
    assert outside.get_json()["error"]["key"] == "auth_out_of_scope"
    bad = client.get("/briefing.pdf?week=2026-10&region=T1")
    assert bad.status_code == 400
    assert "2026-10" in bad.get_data(as_text=True) and "2026-W47" in bad.get_data(as_text=True)
    # a town user learns nothing from a guess: an unknown code is refused like another's
    unknown = client.get("/briefing.pdf?week=2026-W10&region=NOPE&lang=en")
    assert unknown.status_code == 403
    assert unknown.get_json()["error"]["key"] == "auth_out_of_scope"
    # the whole deployment's admin is told that no region has the code
    admin = app.server.test_client()
    sign_in(admin, "boss", make_user(engine, "boss", "admin"))
    unknown = admin.get("/briefing.pdf?week=2026-W10&region=NOPE&lang=en")
    assert unknown.status_code == 404 and "NOPE" in unknown.get_data(as_text=True)


def test_bad_addresses_give_a_message_page(app, engine):
    make_user(engine, "boss", "admin")
    with acting_as(app, "boss"):
        for search, key in (("?week=2026-W99", "no_such_week"), ("?week=x", "bad_week"),
                            ("?week=2026-W10&region=NOPE", "unknown_region"),
                            ("?week=2026-W10&format=a3", "bad_format")):
            page = render_briefing(search)
            assert page.to_plotly_json()["props"]["data-error"] == key, search


def test_the_console_link_follows_the_console_address(app, engine):
    make_user(engine, "boss", "admin")
    with acting_as(app, "boss"):
        # a custom period ending on Tuesday 2026-03-10 lies in ISO week 2026-W11
        assert briefing_link("/region/T1", "?period=custom&from=2026-03-01&to=2026-03-10"
                             "&lang=en") == "/briefing?week=2026-W11&region=T1&lang=en"
        # the default period of an old store ends on its newest case's day (2026-03-04,
        # a Wednesday in W10)
        assert briefing_link("/", "") == "/briefing?week=2026-W10"
        # a console on a code no region has (it says so) links to the current briefing
        assert briefing_link("/region/NO-SUCH", "") == "/briefing"


def test_a_scoped_user_lands_on_their_region_whose_briefing_link_works(app, engine):
    """Issue 18: a town's commander opening the console's top lands on their town, with
    the period they asked for; the 导出周报 link there names the town and the week of
    that period, and the briefing it opens is allowed. Another town stays refused."""
    password = make_user(engine, "town", "commander", region="T1")
    client = app.server.test_client()
    sign_in(client, "town", password)
    period = "period=custom&from=2026-03-01&to=2026-03-10"
    landing = client.get(f"/?{period}")
    assert landing.status_code == 302
    assert landing.headers["Location"] == f"/region/T1?{period}"
    assert client.get("/").headers["Location"] == "/region/T1"
    assert client.get(f"/region/T1?{period}").status_code == 200  # no loop
    link = post_callback(client, callback_body(app, f"{ids.CONSOLE_BRIEFING}.href", {
        f"{ids.URL}.pathname": "/region/T1", f"{ids.URL}.search": f"?{period}"}))
    # the period ends on Tuesday 2026-03-10: ISO week 2026-W11
    href = link.get_json()["response"][ids.CONSOLE_BRIEFING]["href"]
    assert href == "/briefing?week=2026-W11&region=T1"
    opened = post_callback(client, router_body("/briefing", href[len("/briefing"):], app=app))
    assert opened.status_code == 200
    assert "城关镇" in json.dumps(opened.get_json(), ensure_ascii=False)
    other = post_callback(client, router_body("/briefing", "?week=2026-W11&region=T2",
                                              app=app))
    assert other.status_code == 403
    # an unscoped user keeps the whole deployment's top
    admin = app.server.test_client()
    sign_in(admin, "boss", make_user(engine, "boss", "admin"))
    assert admin.get(f"/?{period}").status_code == 200


def test_a_weights_file_that_cannot_be_used_is_a_plain_message(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'weights.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    weights = tmp_path / "weights.toml"
    weights.write_text("[weights]\npatrol_days = -1\n", encoding="utf-8")
    app = create_app(Settings(database_url=url, assessment_weights=str(weights)))
    with acting_as(app):
        page = render_briefing("?week=2026-W10")
    assert page.className == "briefing briefing-error"
    assert getattr(page, "data-error") == "bad_weights"
    assert "考核权重文件无法使用" in _text(page) and "patrol_days = -1" in _text(page)
