"""The server's log (dashboard/logs.py): one line per request with method, path, status
and milliseconds; no wall token, API key or password in it, whoever logs; silent for
requests at WARNING; :func:`logs.configure` called twice keeps one handler."""

from __future__ import annotations

import io
import logging
import re

import pytest
from flask.testing import FlaskClient

from dashboard import logs
from dashboard.app import create_app
from dashboard.settings import Settings
from tests import tiny_store
from tests.auth_helpers import make_user, make_wall_token, sign_in

LINE = re.compile(r"^(GET|POST|HEAD) (\S+) (\d{3}) (\d+\.\d) ms$")


@pytest.fixture
def root_logging():
    """Put the root logger and werkzeug's back as they were after the test."""
    root = logging.getLogger()
    werkzeug = logging.getLogger("werkzeug")
    saved = (root.level, list(root.handlers), werkzeug.level)
    yield
    for handler in root.handlers:
        if handler not in saved[1]:
            root.removeHandler(handler)
    root.setLevel(saved[0])
    werkzeug.setLevel(saved[2])


@pytest.fixture
def app(sqlite_engine):
    tiny_store.build(sqlite_engine)
    app = create_app(Settings(
        database_url=sqlite_engine.url.render_as_string(hide_password=False)))
    # a WSGI server closes each response's body once sent (the line is written then):
    # the test client does so when it reads the body at once
    app.server.test_client_class = _Buffered
    return app


class _Buffered(FlaskClient):
    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def _request_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logs.REQUEST_LOGGER]


def test_a_request_is_one_line_with_method_path_status_and_ms(app, caplog):
    client = app.server.test_client()
    with caplog.at_level(logging.INFO, logger=logs.REQUEST_LOGGER):
        client.get("/healthz")
    (line,) = _request_lines(caplog)
    method, path, status, ms = LINE.match(line).groups()
    assert (method, path, status) == ("GET", "/healthz", "200") and float(ms) >= 0
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=logs.REQUEST_LOGGER):
        client.get("/region/T1")  # refused by the sign-in guard: still one line
        client.post("/no-such-place", data={"a": "b"})
    assert [LINE.match(line).group(1, 2, 3) for line in _request_lines(caplog)] == [
        ("GET", "/region/T1", "302"), ("POST", "/no-such-place", "403")]


def test_a_streamed_response_is_logged_when_its_body_is_done(caplog):
    events: list[str] = []

    def streaming_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])
        for chunk in (b"a", b"b"):
            events.append("chunk")
            yield chunk

    wrapped = logs.RequestLog(streaming_app)
    with caplog.at_level(logging.INFO, logger=logs.REQUEST_LOGGER):
        body = wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/export/cases.csv",
                        "QUERY_STRING": "token=SECRET"}, lambda status, headers, exc=None: None)
        assert _request_lines(caplog) == []  # nothing sent yet
        assert b"".join(body) == b"ab"
        body.close()  # what a WSGI server does once the body is sent
    (line,) = _request_lines(caplog)
    assert LINE.match(line).group(1, 2, 3) == ("GET", "/export/cases.csv", "200")
    assert events == ["chunk", "chunk"]


def test_no_secret_reaches_the_log(app, sqlite_engine, caplog, root_logging):
    out = io.StringIO()
    logs.configure(Settings(log_level="DEBUG"), stream=out)
    token = make_wall_token(sqlite_engine, "T1")
    password = make_user(sqlite_engine, "alice", "commander", region="T1")
    client = app.server.test_client()
    with caplog.at_level(logging.DEBUG):
        client.get(f"/wall?token={token}")
        client.get("/healthz?token=" + token)
        client.post("/open311/v2/requests.json?api_key=KEY-IN-QUERY-123",
                    data={"api_key": "KEY-IN-BODY-456", "service_code": "x"})
        sign_in(client, "alice", password)
        client.get("/", headers={"Authorization": "Bearer BEARER-789"})
        # anyone else's record: blanked by the handler's filter
        logging.getLogger("waitress").warning("bad request GET /wall?token=%s", token)
    written = out.getvalue() + caplog.text
    assert "GET /wall 200" in out.getvalue() and "POST /login 302" in out.getvalue()
    for secret in (token, "KEY-IN-QUERY-123", "KEY-IN-BODY-456", password, "BEARER-789"):
        assert secret not in out.getvalue(), secret
    for secret in (token, "KEY-IN-QUERY-123", "KEY-IN-BODY-456", password, "BEARER-789"):
        assert secret not in "\n".join(_request_lines(caplog)), secret
    assert "token=***" in out.getvalue()
    assert "dashboard_session" not in written  # the cookie's name, let alone its value


def test_warning_is_silent_for_requests(app, caplog, root_logging):
    out = io.StringIO()
    logs.configure(Settings(log_level="WARNING"), stream=out)
    app.server.test_client().get("/healthz")
    assert out.getvalue() == "" and _request_lines(caplog) == []
    logs.configure(Settings(log_level="INFO"), stream=out)
    app.server.test_client().get("/healthz")
    assert re.search(r"INFO pid=\d+ dashboard\.requests: GET /healthz 200 ", out.getvalue())


def test_configure_twice_keeps_one_handler(root_logging):
    before = len(logging.getLogger().handlers)
    logs.configure(Settings(log_level="INFO"), stream=io.StringIO())
    logs.configure(Settings(log_level="ERROR"), stream=io.StringIO())
    assert len(logging.getLogger().handlers) == before + 1
    assert logging.getLogger().level == logging.ERROR
    assert logging.getLogger("werkzeug").level == logging.ERROR


def test_a_path_cannot_forge_a_line():
    environ = {"PATH_INFO": "/a\nGET /admin 200 1.0 ms", "SCRIPT_NAME": ""}
    assert "\n" not in logs.shown_path(environ)
    assert logs.shown_path({"PATH_INFO": "/region/城关".encode().decode("latin-1")}) \
        == "/region/城关"
    assert logs.shown_path({"PATH_INFO": "/" + "x" * 500}).endswith("...(cut)")
