"""Behind a reverse proxy (issue 15): ``DASHBOARD_PROXY_HOPS`` says how many stand in front,
and only then are ``X-Forwarded-For`` and ``X-Forwarded-Proto`` read.

The requests come from the proxy's address (``REMOTE_ADDR`` 127.0.0.1, as nginx on the same
machine connects); the browser's address is in the header nginx appends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, request

from dashboard import auth, own_address, throttle
from dashboard.app import create_app
from dashboard.settings import Settings, SettingsError
from data import audit
from tests import tiny_store
from tests.auth_helpers import make_user, sign_in

PROXY = "127.0.0.1"


def _app(engine, tmp_path: Path, hops: int):
    tiny_store.build(engine)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, proxy_hops=hops,
                              secret_key_file=str(tmp_path / "key" / "secret_key")))
    # a per-client limit of 3 instead of 20 keeps the test short
    app.server.extensions[auth.EXTENSION]["throttle"] = throttle.LoginThrottle(client_attempts=3)
    return app


def _client(app, forwarded_for: str | None):
    """A browser seen through the proxy: its connection comes from the proxy's address,
    and ``forwarded_for`` is the ``X-Forwarded-For`` that reaches the server."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    if forwarded_for is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def _fail(client, name: str) -> int:
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    return client.post("/login", data={"name": name, "password": "Summer2026!",
                                       "csrf": csrf}).status_code


def test_with_one_proxy_the_throttle_keys_on_the_forwarded_address(sqlite_engine, tmp_path):
    app = _app(sqlite_engine, tmp_path, hops=1)
    password = make_user(sqlite_engine, "clerk", "viewer")
    sprayer = _client(app, "203.0.113.7")
    assert [_fail(sprayer, f"user{n}") for n in range(3)] == [401, 401, 401]
    assert sign_in(sprayer, "clerk", password).status_code == 429  # that machine waits
    # another browser behind the same proxy is not held up by the first one's failures
    assert sign_in(_client(app, "198.51.100.1"), "clerk", password).status_code == 302
    # what the sprayer wrote itself before nginx appended its address changes nothing
    forged = _client(app, "10.9.9.9, 203.0.113.7")
    assert sign_in(forged, "clerk", password).status_code == 429
    # the audit log names the browser, not the proxy
    failed = audit.query(sqlite_engine, kinds=[audit.SIGN_IN_FAILED], limit=100).rows
    assert {row.source for row in failed} == {"203.0.113.7"}


def test_without_a_proxy_setting_a_forged_header_changes_nothing(sqlite_engine, tmp_path):
    app = _app(sqlite_engine, tmp_path, hops=0)
    password = make_user(sqlite_engine, "clerk", "viewer")
    answers = [_fail(_client(app, f"192.0.2.{n}"), f"user{n}") for n in range(3)]
    assert answers == [401, 401, 401]
    # a fresh forged address each time: still the one connection's address that counts
    assert sign_in(_client(app, "192.0.2.99"), "clerk", password).status_code == 429
    failed = audit.query(sqlite_engine, kinds=[audit.SIGN_IN_FAILED], limit=100).rows
    assert {row.source for row in failed} == {PROXY}


def _probe(hops: int) -> Flask:
    """A bare server with the proxy setting, answering what it believes of the request."""
    server = Flask(__name__)
    server.add_url_rule("/probe", "probe", lambda: f"{request.remote_addr} {request.scheme} "
                                                   f"{request.host}")
    own_address.trust_proxies(server, hops)
    return server


@pytest.mark.parametrize("hops, expected", [
    (0, "127.0.0.1 http wall.centre.lan"),
    (1, "203.0.113.7 https wall.centre.lan"),
    (2, "10.0.0.1 https wall.centre.lan"),
])
def test_address_and_scheme_come_from_as_many_entries_as_there_are_proxies(hops, expected):
    answer = _probe(hops).test_client().get("/probe", headers={
        "Host": "wall.centre.lan", "X-Forwarded-For": "10.0.0.1, 203.0.113.7",
        "X-Forwarded-Proto": "https, https", "X-Forwarded-Host": "evil.example"},
        environ_base={"REMOTE_ADDR": PROXY})
    # X-Forwarded-Host is never read: the proxy passes the browser's Host as it is
    assert answer.get_data(as_text=True) == expected


def test_a_request_over_https_at_the_proxy_gets_a_secure_session_cookie(sqlite_engine,
                                                                         tmp_path):
    tiny_store.build(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    settings = Settings.from_env({"DATABASE_URL": url, "DASHBOARD_PROXY_HOPS": "1",
                                  "DASHBOARD_SECURE_COOKIES": "1",
                                  "SECRET_KEY_FILE": str(tmp_path / "key")})
    client = create_app(settings).server.test_client()
    response = client.get("/login", headers={"X-Forwarded-For": "203.0.113.7",
                                             "X-Forwarded-Proto": "https"})
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie


@pytest.mark.parametrize("value, words", [
    ("one", "DASHBOARD_PROXY_HOPS='one': expected a whole number"),
    ("-1", "DASHBOARD_PROXY_HOPS='-1': must be at least 0"),
    ("9", "DASHBOARD_PROXY_HOPS=9: at most 5"),
])
def test_a_bad_proxy_count_is_refused_naming_it(value, words):
    with pytest.raises(SettingsError, match=words):
        Settings.from_env({"DASHBOARD_PROXY_HOPS": value})
    assert Settings.from_env({"DASHBOARD_PROXY_HOPS": "1"}).proxy_hops == 1
    assert Settings.from_env({}).proxy_hops == 0


def test_behind_a_proxy_the_app_does_not_cap_the_proxy_s_connections(sqlite_engine, tmp_path):
    """Every connection comes from the proxy: a cap per address would cap them all."""
    from dashboard import http_guard

    tiny_store.build(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    for hops, capped in ((0, True), (1, False)):
        settings = Settings(database_url=url, proxy_hops=hops, connections_per_client=20,
                            secret_key_file=str(tmp_path / "key"))
        server = http_guard.make_server(create_app(settings), "127.0.0.1", 0, settings)
        try:
            # the capped maker is a function; the plain one is waitress' channel class
            assert (not isinstance(server.channel_class, type)) is capped
            assert server.adj.clear_untrusted_proxy_headers is capped
        finally:
            server.close()
