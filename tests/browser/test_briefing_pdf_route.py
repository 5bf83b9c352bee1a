"""``/briefing.pdf`` with real Chromium: the server prints from its own address, whatever
host a request names, and its browser reaches nothing but that address.

Three Chromium runs in all (a print takes seconds): one real PDF through a real server,
one page that tries to reach elsewhere and never gets ready, one print stuck in the
browser until the watchdog ends it.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.briefing_export import BriefingExportFailed, BriefingRequest, capture
from data import store, users
from tests import tiny_store
from tests.auth_helpers import make_user

pytestmark = pytest.mark.browser
#: Generous: the test machine is shared, and a slow print is not what is tested here.
PRINT_SECONDS = 120


class Listener:
    """A TCP socket on the loopback that counts who connects to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


def _sign_in(base: str, name: str, password: str) -> requests.Session:
    import re

    session = requests.Session()
    form = session.get(f"{base}/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = session.post(f"{base}/login", data={"name": name, "password": password,
                                                 "csrf": csrf, "next": "/"},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    return session


def test_the_pdf_route_never_contacts_a_host_the_request_names(tmp_path, listener):
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    password = make_user(engine, "boss", "admin")
    app = create_app(Settings(database_url=url, print_timeout_seconds=PRINT_SECONDS))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)  # as tests/browser do
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        session = _sign_in(base, "boss", password)
        elsewhere = f"127.0.0.1:{listener.port}"
        response = session.get(f"{base}/briefing.pdf?week=2026-W10&region=T1", headers={
            "Host": elsewhere, "X-Forwarded-Host": elsewhere, "X-Forwarded-Proto": "http",
            "Forwarded": f"host={elsewhere}"}, timeout=PRINT_SECONDS + 30)
    finally:
        server.shutdown()
        server.server_close()
    time.sleep(0.5)  # let a late connection show
    assert listener.connections == 0
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    # the PDF was made against the real server: its one-off token was made and revoked
    tokens = users.list_display_tokens(engine)
    engine.dispose()
    assert [t.label for t in tokens] == ["briefing export (one run)"]
    assert tokens[0].revoked_at is not None


class _Page(BaseHTTPRequestHandler):
    """The origin the browser is let into: a page that reaches for other hosts and never
    says it is ready, and an address that records the token headers it receives."""

    seen: list[tuple[str, str | None]] = []
    others = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("X-Display-Token")))
        if self.path.startswith("/briefing"):
            body = (f'<html><body><div class="briefing">waiting</div>'
                    f'<img src="http://{self.others}/img.png">'
                    f'<script src="/own.js"></script>'
                    f'<script>fetch("http://{self.others}/x").catch(() => 0);'
                    f'new WebSocket("ws://{self.others}/ws");'
                    f'fetch("http://localhost:{self.others.rsplit(":", 1)[1]}/y")'
                    f'.catch(() => 0);</script></body></html>').encode()
            kind = "text/html"
        else:
            body, kind = b"window.own = 1;", "text/javascript"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _capture(*args, **kwargs):
    """``capture`` in a thread of its own, as the server and the CLI run it: the browser
    fixtures of other tests keep Playwright's event loop on this thread, and Playwright's
    sync API refuses to start inside a running loop."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = capture(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_the_printer_reaches_its_own_origin_only_and_gives_up_in_time(tmp_path, listener):
    _Page.seen, _Page.others = [], f"127.0.0.1:{listener.port}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "never.pdf"
    started = time.monotonic()
    try:
        with pytest.raises(BriefingExportFailed) as failed:
            _capture(f"http://127.0.0.1:{server.server_port}", BriefingRequest("2026-W10"),
                    out, "the-token", timeout_s=10)
    finally:
        server.shutdown()
        server.server_close()
    took = time.monotonic() - started
    assert failed.value.key == "timeout" and "10 s" in str(failed.value)
    assert took < 10 + 8, took  # the budget, and the browser's closing
    time.sleep(0.5)
    assert listener.connections == 0  # the image, the fetches and the socket were stopped
    paths = [path for path, _ in _Page.seen]
    assert any(p.startswith("/briefing?") for p in paths) and "/own.js" in paths
    assert {token for _, token in _Page.seen} == {"the-token"}  # on every own request
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_print_stuck_in_the_browser_is_killed_at_its_time(tmp_path, monkeypatch):
    """A browser call with no limit of its own that never returns (as a hung print would)
    is ended by the watchdog: Chromium is killed, and the print fails as out of time."""
    from dashboard import briefing_export

    def stuck(browser, base_url, request, out, token, deadline):
        page = browser.new_context().new_page()
        page.evaluate("new Promise(() => {})")  # never settles; evaluate has no timeout
        raise AssertionError("the promise settled")

    monkeypatch.setattr(briefing_export, "_print", stuck)
    started = time.monotonic()
    with pytest.raises(BriefingExportFailed) as failed:
        _capture("http://127.0.0.1:9", BriefingRequest("2026-W10"), tmp_path / "x.pdf",
                "token", timeout_s=4)
    took = time.monotonic() - started
    assert failed.value.key == "timeout", failed.value
    assert 4 <= took < 4 + briefing_export.WATCHDOG_GRACE_S + 8, took
