"""Who may do what, enforced on the server: the issue's proof.

Callback requests are POSTed to ``/_dash-update-component`` directly with Flask's test
client, exactly as a browser (or anyone with curl) would send them, signed out, as a
viewer, as a commander of another town and with a wall's display token; each refusal is
a 403 and leaves the store as it was.
"""

from __future__ import annotations

import json

import plotly
import pytest
from dash import Input, Output, State
from sqlalchemy import select

from dashboard import auth, throttle
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store, users
from data.models import Region
from layouts import ids
from tests import tiny_store
from tests.auth_helpers import (
    acting_as, make_user, make_wall_token, post_callback, router_body, sign_in,
)

ACTION_OUT, ACTION_BUTTON, ACTION_REGION = "test-action-out", "test-action-button", "test-region"


def act(n_clicks, region_code):
    """A stand-in for the console's action callbacks (written in parallel): it writes to
    the store only after :func:`dashboard.auth.require_commander` agreed."""
    from dashboard import services

    engine = services.engine()
    with engine.connect() as conn:
        region_id = conn.scalar(select(Region.id).where(Region.code == region_code))
    principal = auth.require_commander([region_id])
    with store.transaction(engine) as conn:
        store.set_meta(conn, "acted", f"{principal.name}:{region_code}")
        store.bump_data_version(conn)
    return "done"


@pytest.fixture
def app(engine):
    """The app on the tiny county (both stores), with one stand-in action callback."""
    tiny_store.build(engine)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    app.callback(Output(ACTION_OUT, "children"), Input(ACTION_BUTTON, "n_clicks"),
                 State(ACTION_REGION, "data"), prevent_initial_call=True)(act)
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.server.test_client()


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _action_body(region_code: str) -> dict:
    return {"output": f"{ACTION_OUT}.children",
            "outputs": {"id": ACTION_OUT, "property": "children"},
            "inputs": [{"id": ACTION_BUTTON, "property": "n_clicks", "value": 1}],
            "state": [{"id": ACTION_REGION, "property": "data", "value": region_code}],
            "changedPropIds": [f"{ACTION_BUTTON}.n_clicks"]}


def _wall_body(region: str | None, **extra) -> dict:
    outputs = [(ids.WALL_TILES, "children"), (ids.WALL_TICKER, "children"),
               (ids.WALL_MAP, "figure"), (ids.WALL_TREND, "figure"),
               (ids.WALL_SOURCES, "figure"), (ids.WALL_TOP, "figure"),
               (ids.WALL_RANKING, "children"), (ids.WALL_STATE, "data"), (ids.WALL_OK, "data"),
               (ids.WALL_ALERT_COUNT, "children"), (ids.WALL_ALERTS, "children"),
               (ids.WALL_RANKING_TITLE, "children")]
    state = {"version": -1, "region": region, "map_region": region, "metric": "open",
             "token": "test-page", "lang": "zh", "timezone": "UTC", "refresh": 10,
             "words": {"stale": "", "as_of": ""}, **extra}
    return {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": ids.WALL_REQUEST, "property": "data", "value": 1}],
            "state": [{"id": ids.WALL_STATE, "property": "data", "value": state}],
            "changedPropIds": [f"{ids.WALL_REQUEST}.data"]}


def _meta(app, key):
    with _engine(app).connect() as conn:
        return store.get_meta(conn, key)


def _page(app, pathname: str, search: str = "") -> dict:
    """The router's request body for an address, as the browser sends it."""
    return router_body(pathname, search, app=app)


def _text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def _refused(response, key: str) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["key"] == key
    assert error["message"]["zh"] and error["message"]["en"]
    assert "Traceback" not in response.get_data(as_text=True)


# --- the proof: every refusal on the server ---------------------------------------------

def test_an_action_is_refused_signed_out_as_viewer_as_another_town_and_as_a_wall(app, client):
    viewer = make_user(_engine(app), "viewer1", "viewer", "T1")
    other = make_user(_engine(app), "t2boss", "commander", "T2")
    token = make_wall_token(_engine(app), None)
    version = _meta(app, "data_version")

    _refused(post_callback(client, _action_body("T1")), "auth_signed_out")
    _refused(post_callback(client, _action_body("T1"), token=token), "auth_display_only")
    sign_in(client, "viewer1", viewer)
    _refused(post_callback(client, _action_body("T1")), "auth_role")
    client.get("/logout")
    sign_in(client, "t2boss", other)
    refused = post_callback(client, _action_body("T1"))
    _refused(refused, "auth_out_of_scope")
    assert refused.get_json()["error"]["message"]["en"] == "Region T1 is outside your area"
    assert _meta(app, "acted") is None and _meta(app, "data_version") == version

    # the same request from the commander of its own town goes through (the test can fail)
    assert post_callback(client, _action_body("T2")).status_code == 200
    assert _meta(app, "acted") == "t2boss:T2"


def test_a_commander_of_the_county_may_act_in_any_of_its_towns(app, client):
    password = make_user(_engine(app), "chief", "commander", "C")
    sign_in(client, "chief", password)
    assert post_callback(client, _action_body("T1")).status_code == 200
    assert _meta(app, "acted") == "chief:T1"


def test_signed_out_callbacks_are_refused_router_and_wall_alike(app, client):
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")
    _refused(post_callback(client, _page(app, "/wall", "")), "auth_signed_out")
    _refused(post_callback(client, _wall_body("C")), "auth_signed_out")
    assert app.server.extensions["grid_dashboard"].get("wall_pages", {}) == {}


def test_a_viewer_sees_only_their_town_in_the_console_and_on_the_wall(app, client):
    password = make_user(_engine(app), "viewer1", "viewer", "T1")
    sign_in(client, "viewer1", password)
    assert post_callback(client, _page(app, "/", "")).status_code == 200
    wall = post_callback(client, _page(app, "/wall", ""))
    assert wall.status_code == 200  # opens on T1, not on the whole county
    assert "城关镇" in _text(wall) and "青山镇" not in _text(wall)
    # (what the console shows for ?region=OTHER is refused by the console's own callbacks)
    _refused(post_callback(client, _page(app, "/wall", "?region=T2")), "auth_out_of_scope")
    _refused(post_callback(client, _page(app, "/region/G3", "")), "auth_out_of_scope")
    assert post_callback(client, _page(app, "/region/G1", "")).status_code == 200
    _refused(post_callback(client, _wall_body("T2")), "auth_out_of_scope")
    assert post_callback(client, _wall_body("T1")).status_code == 200


def test_a_wall_token_runs_only_the_walls_callbacks_in_its_region(app, client):
    token = make_wall_token(_engine(app), "T1")
    wall = post_callback(client, _page(app, "/wall", ""), token=token)
    assert wall.status_code == 200 and "城关镇" in _text(wall)
    _refused(post_callback(client, _page(app, "/", ""), token=token), "auth_display_only")
    _refused(post_callback(client, _page(app, "/wall", "?region=T2"), token=token),
             "auth_out_of_scope")
    _refused(post_callback(client, _page(app, "/wall", "?region=C"), token=token),
             "auth_out_of_scope")
    _refused(post_callback(client, _page(app, "/wall", "?region=T1&rotate=5&show=T2"),
                           token=token), "auth_out_of_scope")
    # the ranking's metric chosen by address: the same guard on the region
    _refused(post_callback(client, _page(app, "/wall", "?region=T2&rank=median_hours"),
                           token=token), "auth_out_of_scope")
    ranked = post_callback(client, _page(app, "/wall", "?rank=median_hours"), token=token)
    assert ranked.status_code == 200 and "结案用时中位数排名" in _text(ranked)
    pages = app.server.extensions["grid_dashboard"].setdefault("wall_pages", {})
    remembered = dict(pages)
    forged = post_callback(client, _wall_body("T1", rank="slowest"), token=token)
    assert forged.status_code == 400 and forged.get_json()["error"]["key"] == "auth_bad_state"
    # a forged page state asking the refresh for another town, or a playlist through it
    _refused(post_callback(client, _wall_body("T2"), token=token), "auth_out_of_scope")
    _refused(post_callback(client, _wall_body("T1", playlist=["T1", "T2"]), token=token),
             "auth_out_of_scope")
    _refused(post_callback(client, _wall_body(None), token=token), "auth_out_of_scope")
    assert dict(pages) == remembered  # the refused refreshes computed nothing
    refresh = post_callback(client, _wall_body("T1"), token=token)
    assert refresh.status_code == 200 and "wall-tiles" in refresh.get_data(as_text=True)


def test_a_revoked_token_is_refused_from_its_next_request(app, client):
    token = make_wall_token(_engine(app), None)
    assert post_callback(client, _wall_body("C"), token=token).status_code == 200
    users.revoke_display_token(_engine(app), users.list_display_tokens(_engine(app))[0].id)
    _refused(post_callback(client, _wall_body("C"), token=token), "auth_token_invalid")
    _refused(post_callback(client, _page(app, "/wall", ""), token="made-up"),
             "auth_token_invalid")


def test_a_revoked_token_is_refused_even_with_a_signed_in_session(app, client):
    """A token, when presented, decides: a wall never runs on someone's session."""
    password = make_user(_engine(app), "boss", "admin")
    sign_in(client, "boss", password)
    _refused(post_callback(client, _page(app, "/wall", ""), token="made-up"),
             "auth_token_invalid")


# --- pages --------------------------------------------------------------------------------------

def test_signed_out_console_pages_redirect_to_login_with_next(client):
    for path, target in (("/", "/login?next=%2F"),
                         ("/?region=T1&lang=en",
                          "/login?next=%2F%3Fregion%3DT1%26lang%3Den&lang=en"),
                         ("/region/T1", "/login?next=%2Fregion%2FT1")):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == target


def test_the_wall_page_never_becomes_a_login_page(app, client):
    token = make_wall_token(_engine(app), "T1")
    assert client.get(f"/wall?token={token}").status_code == 200
    for address in ("/wall", "/wall?token=made-up", "/wall?region=C"):
        response = client.get(address)
        page = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "<form" not in page and "password" not in page and "login" not in page.lower()
        assert 'class="notice-message"' in page and 'http-equiv="refresh"' in page
    assert "显示令牌无效" in client.get("/wall?token=made-up").get_data(as_text=True)
    assert "display token is unknown" in client.get(
        "/wall?token=made-up&lang=en").get_data(as_text=True)


def test_a_wall_token_on_the_console_address_goes_to_the_wall(app, client):
    token = make_wall_token(_engine(app), None)
    response = client.get(f"/?token={token}")
    assert response.status_code == 302 and response.headers["Location"] == f"/wall?token={token}"


def test_what_holds_no_data_is_served_to_anyone(client):
    for path in ("/login", "/login?lang=en", "/healthz", "/_dash-layout", "/_dash-dependencies",
                 "/assets/auth.css", "/assets/auth.js"):
        assert client.get(path).status_code == 200, path


def test_the_login_page_is_chinese_with_english_and_loads_nothing_from_outside(client):
    zh = client.get("/login").get_data(as_text=True)
    en = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "密码" in zh and "登录" in zh
    assert 'lang="en"' in en and "Password" in en and "Sign in" in en
    for page in (zh, en):
        assert "http://" not in page and "https://" not in page and "//cdn" not in page


# --- signing in -----------------------------------------------------------------------------------

def test_sign_in_sets_a_safe_session_cookie_and_goes_to_next(app, client):
    password = make_user(_engine(app), "boss", "admin")
    form = client.get("/login?next=/%3Fregion%3DT1").get_data(as_text=True)
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"name": "boss", "password": password, "csrf": csrf,
                                           "next": "/?region=T1"})
    assert response.status_code == 302 and response.headers["Location"] == "/?region=T1"
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("dashboard_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert password not in cookie
    assert client.get("/").status_code == 200
    assert post_callback(client, _page(app, "/", "")).status_code == 200
    client.get("/logout")
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "evil"])
def test_next_never_leads_off_the_server(app, client, target):
    password = make_user(_engine(app), "boss", "admin")
    form = client.get("/login").get_data(as_text=True)
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"name": "boss", "password": password, "csrf": csrf,
                                           "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_wrong_password_says_so_and_signs_nobody_in(app, client):
    make_user(_engine(app), "boss", "admin")
    response = sign_in(client, "boss", "not-the-password")
    assert response.status_code == 401
    assert "账号或密码不正确" in response.get_data(as_text=True)
    unknown = sign_in(client, "nobody", "not-the-password")
    assert unknown.get_data(as_text=True).count("账号或密码不正确") == 1  # the same words
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")


def test_a_form_without_its_csrf_field_is_refused(app, client):
    password = make_user(_engine(app), "boss", "admin")
    client.get("/login")
    response = client.post("/login", data={"name": "boss", "password": password})
    assert response.status_code == 400
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")


def test_failed_sign_ins_are_rate_limited_per_name(app, client):
    password = make_user(_engine(app), "boss", "admin")
    other = make_user(_engine(app), "clerk", "viewer")
    for _ in range(throttle.NAME_ATTEMPTS):
        assert sign_in(client, "boss", "wrong-password").status_code == 401
    blocked = sign_in(client, "boss", password)  # even the right password waits
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.get_data(as_text=True)
    assert sign_in(client, "clerk", other).status_code == 302  # other names are not blocked


def test_a_disabled_account_or_a_changed_password_ends_the_session(app, client):
    password = make_user(_engine(app), "boss", "admin")
    sign_in(client, "boss", password)
    assert post_callback(client, _page(app, "/", "")).status_code == 200
    users.set_password(_engine(app), "boss", "a-brand-new-one")
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")
    sign_in(client, "boss", "a-brand-new-one")
    assert post_callback(client, _page(app, "/", "")).status_code == 200
    users.disable(_engine(app), "boss")
    _refused(post_callback(client, _page(app, "/", "")), "auth_signed_out")


def test_a_session_survives_a_restart_and_works_on_another_process(app, engine):
    """The signing key lives in the key file beside the store: a new app on it (a
    restart, or a second server process) accepts the cookie the first one set."""
    password = make_user(_engine(app), "boss", "admin")
    first = app.server.test_client()
    sign_in(first, "boss", password)
    cookie = first.get_cookie("dashboard_session")
    again = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    assert again.server.secret_key == app.server.secret_key
    second = again.server.test_client()
    second.set_cookie("dashboard_session", cookie.value)
    assert post_callback(second, _page(app, "/", "")).status_code == 200
    _engine(again).dispose()


def test_settings_secret_key_wins(engine):
    tiny_store.build(engine)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key="from-the-environment-123"))
    assert app.server.secret_key == "from-the-environment-123"
    _engine(app).dispose()


# --- the pieces -----------------------------------------------------------------------------------

def test_require_functions_inside_a_request(app):
    engine = _engine(app)
    make_user(engine, "viewer1", "viewer", "T1")
    token = make_wall_token(engine, "T1")
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        with pytest.raises(auth.Forbidden) as refused:
            auth.require_viewer(4)
        assert refused.value.key == "auth_signed_out"
    with app.server.test_request_context("/", headers={auth.TOKEN_HEADER: token}):
        with pytest.raises(auth.Forbidden) as refused:  # only where a wall may read
            auth.require_viewer(4)
        assert refused.value.key == "auth_display_only"
        principal = auth.require_viewer(4, display=True)  # G1 is in T1
        assert principal.is_display and principal.region_code == "T1"
        with pytest.raises(auth.Forbidden) as refused:
            auth.require_viewer(6, display=True)
        assert refused.value.key == "auth_out_of_scope" and refused.value.values == {
            "region": "G3"}
        assert refused.value.message("en") == "Region G3 is outside your area"
        with pytest.raises(auth.Forbidden) as refused:
            auth.require_commander([4])
        assert refused.value.key == "auth_role"
        with pytest.raises(auth.Forbidden) as refused:
            auth.require_admin()
        assert refused.value.key == "auth_admin"
    with app.server.test_request_context("/"):
        assert auth.current_user() is None


def test_what_a_display_may_run_is_decided_by_the_callback_dash_runs(app):
    """The body's ``output`` picks the callback (Dash looks it up there); the ids of its
    ``outputs`` and inputs decide nothing."""
    wall_key = _wall_body("C")["output"]
    router_key = router_body("/wall", "", app=app)["output"]
    with app.server.test_request_context("/"):
        assert auth.display_may_run(wall_key) and auth.display_may_run(router_key)
        assert not auth.display_may_run(_action_body("T1")["output"])
        assert not auth.display_may_run(f"{ids.CONSOLE_GRID}.getRowsResponse")  # clientside
        for nonsense in (None, 3, ["a"], {"id": ids.WALL_TILES}, "", wall_key + "x"):
            assert not auth.display_may_run(nonsense)


@pytest.mark.parametrize("target, expected", [
    ("/", "/"), ("/?region=T1", "/?region=T1"), ("/region/T1/x", "/region/T1/x"),
    (None, "/"), ("", "/"), ("https://evil.example", "/"), ("//evil.example", "/"),
    ("/\\evil", "/"), ("/login?next=/", "/"), ("/\nx", "/"),
])
def test_safe_next(target, expected):
    assert auth.safe_next(target) == expected


def test_the_demo_login_page_offers_its_accounts_and_wall_and_no_other_store_does(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "qy-" not in page and "/wall?token=" not in page
    with store.transaction(_engine(app)) as conn:
        store.set_meta(conn, "source", "demo")
    made = users.ensure_demo_accounts(_engine(app))
    token = users.demo_wall_token(_engine(app), app.server.secret_key)
    page = client.get("/login").get_data(as_text=True)
    for account in made:
        assert f"<td>{account.name}</td><td>{account.password}</td>" in page
    assert f'href="/wall?token={token}"' in page
    assert client.get(f"/wall?token={token}").status_code == 200


def test_acting_as_lets_tests_call_callbacks_directly_as_someone(app):
    from callbacks.pages import render_page

    make_user(_engine(app), "viewer1", "viewer", "T1")
    token = make_wall_token(_engine(app), "T2")
    with acting_as(app, "viewer1"):
        assert auth.current_user().name == "viewer1"
        # as Dash sends it (plotly's encoder: components, figures and their arrays)
        wall = json.dumps(render_page("/wall", ""), ensure_ascii=False,
                          cls=plotly.utils.PlotlyJSONEncoder)
        assert "城关镇" in wall and "青山镇" not in wall
        with pytest.raises(auth.Forbidden):
            render_page("/wall", "?region=T2")
    with acting_as(app, token=token):
        assert auth.current_user().is_display
        with pytest.raises(auth.Forbidden) as refused:
            render_page("/", "")
        assert refused.value.key == "auth_display_only"
    with acting_as(app):
        assert auth.current_user() is None
        with pytest.raises(auth.Forbidden):
            render_page("/wall", "")


def test_the_router_opens_a_scoped_principal_on_its_region_and_checks_every_named_one(app):
    from callbacks.pages import _scoped

    engine = _engine(app)
    make_user(engine, "viewer1", "viewer", "T1")
    make_user(engine, "boss", "admin")
    with acting_as(app, "viewer1"):
        me = auth.current_user()
        assert _scoped(me, {"lang": "en"}, ("region",)) == {"lang": "en", "region": "T1"}
        assert _scoped(me, {"region": "G2"}, ("region",)) == {"region": "G2"}
        with pytest.raises(auth.Forbidden):
            _scoped(me, {"region": "T1", "show": "T2"}, ("region", "show"))
    with acting_as(app, "boss"):
        assert _scoped(auth.current_user(), {}, ("region",)) == {}  # the whole deployment


def test_with_the_store_down_pages_say_so_and_walls_are_told_to_retry(app, client, monkeypatch):
    """A wall whose store is unreachable goes stale and retries (503), it is not refused
    (403) or sent to a login page; the sign-in page says so plainly."""
    from sqlalchemy.exc import OperationalError

    token = make_wall_token(_engine(app), None)

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(users, "check_display_token", down)
    monkeypatch.setattr(users, "get_user_by_id", down)
    monkeypatch.setattr(users, "demo_sign_in_hints", down)
    response = post_callback(client, _wall_body("C"), token=token)
    assert response.status_code == 503
    assert response.get_json()["error"]["key"] == "auth_unavailable"
    page = client.get(f"/wall?token={token}")
    assert page.status_code == 503 and "<form" not in page.get_data(as_text=True)
    login = client.get("/login")
    assert login.status_code == 503 and "暂时无法核验身份" in login.get_data(as_text=True)
