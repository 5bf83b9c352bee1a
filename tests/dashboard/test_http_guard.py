"""The HTTP server's own defences (dashboard/http_guard.py): malformed callback requests
are a 4xx with a short reason and one log line, a callback failing on hostile values is a
400, unknown component files are a 404, every response carries the security headers, a
large body is a 413, and the session cookie can be marked Secure."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets

import pytest
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import auth, http_guard
from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.settings import SettingsError
from data import store, users
from tests import tiny_store
from tests.auth_helpers import (
    callback_body, make_user, make_wall_token, post_callback, router_body, sign_in,
)

PROBE_OUT, PROBE_IN, PROBE_STATE = "probe-out", "probe-in", "probe-state"
ADMIN_PASSWORD = "pw-" + secrets.token_urlsafe(12)


def probe(value, extra):
    """A stand-in callback that fails the way callbacks do on values they cannot use."""
    if value == "type":
        return len(5)  # TypeError
    if value == "key":
        return {}["missing"]
    if value == "prevent":
        raise PreventUpdate
    if value == "forbidden":
        raise auth.Forbidden("auth_role")
    if value == "bug":
        raise RuntimeError("a genuine bug stays a 500")
    return f"ok {value} {extra}"


def _app(url: str, **settings) -> object:
    app = create_app(Settings(database_url=url, **settings))
    app.callback(Output(PROBE_OUT, "children"), Input(PROBE_IN, "value"),
                 State(PROBE_STATE, "data"), prevent_initial_call=True)(probe)
    return app


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    """The tiny county in a SQLite file, shared by this module's tests (they read it, and
    add an account or a token under names of their own)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('http') / 'tiny.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    users.add_user(engine, "boss", ADMIN_PASSWORD, "admin")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def app(url):
    app = _app(url)
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


@pytest.fixture
def admin(app):
    client = app.server.test_client()
    sign_in(client, "boss", ADMIN_PASSWORD)
    return client


def _probe_body(value, extra=None) -> dict:
    return {"output": f"{PROBE_OUT}.children",
            "outputs": {"id": PROBE_OUT, "property": "children"},
            "inputs": [{"id": PROBE_IN, "property": "value", "value": value}],
            "state": [{"id": PROBE_STATE, "property": "data", "value": extra}],
            "changedPropIds": [f"{PROBE_IN}.value"]}


def _refusal(response, status: int, key: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["key"] == key
    assert error["message"]["zh"] and error["message"]["en"]
    assert "Traceback" not in response.get_data(as_text=True)
    return error


def _log_lines(caplog) -> list[logging.LogRecord]:
    """What the server logged: no traceback ever, one short line per refusal."""
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
        assert "\n" not in record.getMessage() and len(record.getMessage()) < 400
    return [r for r in caplog.records if r.name == "dashboard.http"]


# --- malformed envelopes -------------------------------------------------------------------------

def _without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


MALFORMED = [  # (how the good probe body is spoiled, status, key)
    (lambda b: [b], 400, "http_body_not_object"),
    (lambda b: "text", 400, "http_body_not_object"),
    (lambda b: _without(b, "output"), 400, "http_no_output"),
    (lambda b: {**b, "output": ["probe-out.children"]}, 400, "http_no_output"),
    (lambda b: {**b, "output": "nothing.children"}, 400, "http_unknown_callback"),
    # a clientside callback runs in the browser: the server has nothing to run
    (lambda b: {**b, "output": "wall-request.data"}, 400, "http_unknown_callback"),
    (lambda b: {**b, "outputs": {"id": "page", "property": "children"}}, 400,
     "http_outputs_mismatch"),
    (lambda b: {**b, "outputs": {"id": PROBE_OUT}}, 400, "http_outputs_mismatch"),
    (lambda b: {**b, "outputs": [b["outputs"]]}, 400, "http_outputs_mismatch"),
    (lambda b: _without(b, "outputs"), 400, "http_outputs_mismatch"),
    (lambda b: {**b, "inputs": {"id": PROBE_IN}}, 400, "http_not_a_list"),
    (lambda b: {**b, "inputs": []}, 400, "http_count"),
    (lambda b: {**b, "inputs": b["inputs"] * 2}, 400, "http_count"),
    (lambda b: _without(b, "state"), 400, "http_count"),
    (lambda b: {**b, "inputs": b["inputs"] + b["state"] * 2, "state": []}, 400, "http_count"),
    (lambda b: {**b, "inputs": [5]}, 400, "http_entry"),
    (lambda b: {**b, "inputs": [{"id": PROBE_IN, "value": 1}]}, 400, "http_entry"),
    (lambda b: {**b, "inputs": [{"id": [1], "property": "value"}]}, 400, "http_entry"),
    # an id of another kind than declared (text here); which id it names is not checked
    (lambda b: {**b, "inputs": [{"id": {"a": 1}, "property": "value"}]}, 400, "http_entry"),
    (lambda b: {**b, "state": [{"id": PROBE_STATE, "property": 3}]}, 400, "http_entry"),
    (lambda b: {**b, "state": [[b["state"][0]]]}, 400, "http_entry"),
    (lambda b: {**b, "changedPropIds": "probe-in.value"}, 400, "http_changed"),
    (lambda b: {**b, "changedPropIds": [{"id": 1}]}, 400, "http_changed"),
]


@pytest.mark.parametrize("spoil, status, key", MALFORMED)
def test_a_malformed_callback_request_is_refused_with_its_reason_and_one_log_line(
        app, admin, caplog, spoil, status, key):
    caplog.set_level(logging.INFO)
    response = admin.post("/_dash-update-component", json=spoil(_probe_body("fine")))
    _refusal(response, status, key)
    lines = _log_lines(caplog)
    assert len(lines) == 1 and key in lines[0].getMessage()


def test_the_good_probe_body_runs(app, admin):
    """The bodies spoiled above, unspoiled, run: so each refusal is the spoiling's doing.
    State moved to the end of the inputs runs too: Dash passes inputs and state together,
    by position (the callback checks the values it gets)."""
    response = post_callback(admin, _probe_body("fine", {"a": 1}))
    assert response.status_code == 200
    assert "ok fine {'a': 1}" in response.get_data(as_text=True)
    body = _probe_body("fine", {"a": 1})
    moved = post_callback(admin, {**body, "inputs": body["inputs"] + body["state"],
                                  "state": []})
    assert "ok fine {'a': 1}" in moved.get_data(as_text=True)


def test_bodies_that_are_not_json_are_refused(app, admin, caplog):
    bad = admin.post("/_dash-update-component", data=b'{"output": ',
                     content_type="application/json")
    _refusal(bad, 400, "http_bad_json")
    deep = admin.post("/_dash-update-component", data=b"[" * 100_000 + b"]" * 100_000,
                      content_type="application/json")
    _refusal(deep, 400, "http_bad_json")
    latin = admin.post("/_dash-update-component", data=b'{"output": "\xff"}',
                       content_type="application/json")
    _refusal(latin, 400, "http_bad_json")
    form = admin.post("/_dash-update-component", data={"output": "probe-out.children"})
    _refusal(form, 415, "http_not_json")
    assert len(_log_lines(caplog)) == 4


def test_the_sign_in_guard_answers_first_and_only_json_reaches_it(app):
    """Signed out or with a wall's token, a malformed envelope is refused by the sign-in
    guard (403) before anything reads it further; a body that is not JSON, or nested past
    what the parser can follow, is refused before the guard reads it (400): never a 500."""
    client = app.server.test_client()
    engine = app.server.extensions["grid_dashboard"]["engine"]
    token = make_wall_token(engine, "T1")
    spoiled = {**router_body("/", ""), "inputs": [{"id": {"a": 1}, "property": "x"}, 5],
               "state": 7}
    deep = b"[" * 100_000 + b"]" * 100_000
    for headers in ({}, {"X-Display-Token": token}):
        response = client.post("/_dash-update-component", json=spoiled, headers=headers)
        assert response.status_code == 403, response.get_data(as_text=True)[:300]
        response = client.post("/_dash-update-component", data=deep,
                               content_type="application/json", headers=headers)
        _refusal(response, 400, "http_bad_json")


def test_wildcard_inputs_must_be_lists_of_entries(app, admin):
    """The console's action buttons are one ALL input: Dash's browser side sends a list
    (of the buttons on the page); a single entry there is refused."""
    body = callback_body(app, "console-action.data")
    assert body["inputs"][0] == []
    assert post_callback(admin, body).status_code in (200, 204)
    single = {**body, "inputs": [{"id": {"action": "dispatch", "type": "console-action-button"},
                                  "property": "n_clicks", "value": 1}, body["inputs"][1]]}
    _refusal(post_callback(admin, single), 400, "http_entry_list")


def test_dict_ids_of_outputs_must_be_dicts_as_dash_compares_them(app, admin):
    body = callback_body(app, "console-action.data")
    assert isinstance(body["outputs"][2]["id"], dict)
    as_text = json.loads(json.dumps(body))
    as_text["outputs"][2]["id"] = json.dumps(body["outputs"][2]["id"], separators=(",", ":"))
    _refusal(post_callback(admin, as_text), 400, "http_outputs_mismatch")


def test_check_callback_body_accepts_every_callback_as_the_browser_sends_it(app):
    """Every server callback's body as the browser sends it passes the check; a changed
    output of a multi-output callback does not."""
    for key, entry in app.callback_map.items():
        if "callback" not in entry:
            continue
        first = key[2:-2].split("...")[0] if key.startswith("..") else key
        body = callback_body(app, first.split("@")[0],
                             trigger="{id}.{property}".format(**entry["inputs"][0]))
        assert body["output"] == key
        http_guard.check_callback_body(body, app.callback_map)
    wall = callback_body(app, "wall-tiles.children")
    wall["outputs"][2] = {"id": "page", "property": "children"}
    with pytest.raises(http_guard.Refusal, match="http_outputs_mismatch"):
        http_guard.check_callback_body(wall, app.callback_map)


# --- the safety net around dispatch ---------------------------------------------------------------

@pytest.mark.parametrize("value, error", [("type", "TypeError"), ("key", "KeyError")])
def test_a_callback_failing_on_hostile_values_is_a_400_and_one_line(
        app, admin, caplog, value, error):
    caplog.set_level(logging.INFO)
    refused = _refusal(post_callback(admin, _probe_body(value)), 400, "http_value_refused")
    assert error in refused["message"]["en"]
    (line,) = _log_lines(caplog)
    message = line.getMessage()
    assert error in message and "probe-out.children" in message
    assert "tests/dashboard/test_http_guard.py:" in message  # where it failed


def test_the_safety_net_lets_dash_and_the_guard_answer_as_they_do(app, admin, caplog):
    assert post_callback(admin, _probe_body("prevent")).status_code == 204
    _refusal(post_callback(admin, _probe_body("forbidden")), 403, "auth_role")
    assert _log_lines(caplog) == []


def test_a_genuine_bug_is_still_a_500_with_its_traceback(app, admin, caplog):
    """The net is for values a callback cannot use, not for hiding the server's bugs."""
    response = post_callback(admin, _probe_body("bug"))
    assert response.status_code == 500
    assert any(r.exc_info for r in caplog.records)


# --- component files, headers, body limit, cookies -------------------------------------------------

def test_unknown_component_suite_files_are_404(app):
    client = app.server.test_client()
    for path in ("/_dash-component-suites/dash/nothing.js",
                 "/_dash-component-suites/no_such_package/x.js",
                 "/_dash-component-suites/dash/deps/..%2F..%2F__init__.py",
                 "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v9_9_9m1.js",
                 "/_dash-component-suites/os/x.js"):
        response = client.get(path)
        assert response.status_code == 404, path
    # the files the wall's page names are served (so the 404s above are the paths' doing)
    token = make_wall_token(app.server.extensions["grid_dashboard"]["engine"], None)
    html = client.get(f"/wall?token={token}").get_data(as_text=True)
    real = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assert real and all(client.get(path).status_code == 200 for path in real[:3])


def _inline_script_hashes(html: str) -> set[str]:
    """The CSP hash of every inline script the page would run (not JSON data blocks)."""
    found = set()
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # Dash's note for old IE never runs
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        if "src=" in attributes or "application/json" in attributes:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        found.add(f"'sha256-{digest}'")
    return found


def test_every_response_carries_the_security_headers(app, admin):
    client = app.server.test_client()
    token = make_wall_token(app.server.extensions["grid_dashboard"]["engine"], None)
    responses = [
        client.get("/login"), client.get("/"), client.get("/wall"),
        client.get(f"/wall?token={token}"), client.get("/_dash-layout"),
        client.get("/assets/style.css"), client.get("/_dash-component-suites/dash/no.js"),
        client.post("/_dash-update-component", json=router_body("/", "")),
        admin.post("/_dash-update-component", json={"output": 1}),
        admin.get("/region/T1"), admin.get("/healthz"),
    ]
    for response in responses:
        headers = response.headers
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in csp and "default-src 'self'" in csp
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    # the pages' own inline scripts (Dash's renderer start, clientside callbacks) may run
    page = admin.get("/region/T1")
    wanted = _inline_script_hashes(page.get_data(as_text=True))
    allowed = set(re.findall(r"'sha256-[^']+'", page.headers["Content-Security-Policy"]))
    assert wanted and wanted <= allowed


def test_a_body_over_the_limit_is_413_with_a_reason(url):
    app = _app(url, max_request_mb=1)
    client = app.server.test_client()
    big = b"x" * (1024 * 1024 + 1)
    for response in (
        client.post("/_dash-update-component", data=big, content_type="application/json"),
        client.post("/login", data=big, content_type="application/x-www-form-urlencoded"),
    ):
        error = _refusal(response, 413, "http_too_large")
        assert "1 MB" in error["message"]["en"] and "1 MB" in error["message"]["zh"]
    # just under the limit is read (and refused for what it is, not for its size)
    sign_in(client, "boss", ADMIN_PASSWORD)
    under = b'{"output": "' + b"x" * (1024 * 1024 - 100) + b'"}'
    response = client.post("/_dash-update-component", data=under,
                           content_type="application/json")
    _refusal(response, 400, "http_unknown_callback")


def test_the_session_cookie_is_secure_when_asked(url):
    for secure in (False, True):
        app = _app(url, secure_cookies=secure)
        engine = app.server.extensions["grid_dashboard"]["engine"]
        password = make_user(engine, f"u{int(secure)}", "viewer")
        response = sign_in(app.server.test_client(), f"u{int(secure)}", password)
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("dashboard_session=") and "HttpOnly" in cookie
        assert ("; Secure" in cookie) is secure


def test_server_settings_are_read_from_the_environment():
    settings = Settings.from_env({
        "DASHBOARD_THREADS": "16", "DASHBOARD_CONNECTION_LIMIT": "4000",
        "DASHBOARD_IDLE_TIMEOUT": "30", "DASHBOARD_MAX_REQUEST_MB": "8",
        "DASHBOARD_SECURE_COOKIES": "yes", "DASHBOARD_CONNECTIONS_PER_CLIENT": "0"})
    assert (settings.server_threads, settings.connection_limit, settings.idle_timeout,
            settings.max_request_mb, settings.secure_cookies,
            settings.connections_per_client) == (16, 4000, 30, 8, True, 0)
    defaults = Settings.from_env({})
    assert (defaults.server_threads, defaults.connection_limit, defaults.idle_timeout,
            defaults.max_request_mb, defaults.secure_cookies,
            defaults.connections_per_client) == (8, 1000, 15, 4, False, 200)


@pytest.mark.parametrize("env, words", [
    ({"DASHBOARD_CONNECTION_LIMIT": "many"}, "DASHBOARD_CONNECTION_LIMIT='many': expected"),
    ({"DASHBOARD_CONNECTION_LIMIT": "5"}, "at least 10"),
    ({"DASHBOARD_IDLE_TIMEOUT": "0"}, "DASHBOARD_IDLE_TIMEOUT='0': must be at least 1"),
    ({"DASHBOARD_THREADS": "-1"}, "DASHBOARD_THREADS"),
    ({"DASHBOARD_CONNECTIONS_PER_CLIENT": "-1"}, "DASHBOARD_CONNECTIONS_PER_CLIENT='-1'"),
    ({"DASHBOARD_MAX_REQUEST_MB": "0.5"}, "whole number"),
    ({"DASHBOARD_SECURE_COOKIES": "https"}, "DASHBOARD_SECURE_COOKIES='https'"),
])
def test_bad_server_settings_name_the_variable(env, words):
    with pytest.raises(SettingsError, match=re.escape(words)):
        Settings.from_env(env)
    with pytest.raises(SettingsError, match="idle_timeout=0"):
        Settings(idle_timeout=0)


def test_server_options_follow_the_settings_and_the_open_file_limit():
    options = http_guard.server_options(Settings(), open_files=20000)
    assert options["connection_limit"] == 1000 and options["threads"] == 8
    assert options["channel_timeout"] == 15 and options["cleanup_interval"] <= 5
    assert options["asyncore_use_poll"] is True  # select() stops at 1,024 sockets
    assert options["max_request_body_size"] >= 4 * 1024 * 1024
    # a connection limit the process could not open files for is held under it
    assert http_guard.server_options(Settings(connection_limit=5000),
                                     open_files=1024)["connection_limit"] == 1024 - 64
    short = http_guard.server_options(Settings(idle_timeout=2), open_files=20000)
    assert short["channel_timeout"] == 2 and short["cleanup_interval"] == 1
