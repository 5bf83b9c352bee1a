"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Every page test also records the console and every request, so it can assert that the page
logged no error and that nothing left the machine.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.demo import county
from tests.auth_helpers import make_user, make_wall_token, sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
#: The demo world's "now": this hour, so "the last 30 days" on the page are full of cases.
DEMO_AS_OF = store.utcnow().replace(minute=0, second=0, microsecond=0)
#: The browser tests' admin account and whole-deployment wall token (set by demo_database).
ACCESS: dict[str, str] = {"admin": "test-admin"}


@dataclass
class LiveServer:
    url: str
    settings: Settings
    host: str


@dataclass
class PageLog:
    """What a page did: console errors, and the hosts it asked for."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    request_hosts: set[str] = field(default_factory=set)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo county in a SQLite file, built once for the browser tests."""
    path = tmp_path_factory.mktemp("browser") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    engine = store.make_engine(url)
    county.build_demo(engine, scale="small", seed=7, as_of=DEMO_AS_OF)
    # who the pages are opened as: an admin for the console, a display token for walls
    ACCESS["admin_password"] = make_user(engine, ACCESS["admin"], "admin")
    ACCESS["wall_token"] = make_wall_token(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def live_server(demo_database: str) -> LiveServer:
    # no nightly reload in the middle of a test run (the reload test asks for its own)
    settings = Settings(database_url=demo_database, wall_reload_at="")
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", settings,
                     f"127.0.0.1:{server.server_port}")
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page_with_log(browser, live_server):
    """A fresh 1920×1080 page, signed in as the admin, and the log of what it did."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    sign_in(context, ACCESS["admin"], ACCESS["admin_password"], base_url=live_server.url)
    page, log = logged_page(context)
    yield page, log
    context.close()


class RestartableServer:
    """The app on its own copy of the demo store, refreshing every second; it can be
    stopped and started again on the same port, as when a server is restarted."""

    def __init__(self, database_url: str, refresh_seconds: int = 1) -> None:
        self.settings = Settings(database_url=database_url, wall_reload_at="",
                                 wall_refresh_seconds=refresh_seconds)
        self.app = create_app(self.settings)
        self.port = 0
        self._server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app.server, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def server_on_copy(demo_database: str, copy: Path) -> "RestartableServer":
    """A server of its own on a copy (at ``copy``) of the demo store."""
    engine = store.make_engine(demo_database)
    with engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copyfile(Path(demo_database.removeprefix("sqlite:///")), copy)
    return RestartableServer(f"sqlite:///{copy}")


@pytest.fixture
def wall_server(demo_database: str, tmp_path: Path):
    """A server of its own on a copy of the demo store, for tests that change data or
    stop the server."""
    server = server_on_copy(demo_database, tmp_path / "wall.sqlite3")
    yield server
    server.stop()


def logged_page(context) -> tuple[object, PageLog]:
    """A new page of ``context`` and the log of what it does (errors, hosts asked)."""
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("request", lambda r: log.request_hosts.add(urlparse(r.url).netloc or r.url))
    return page, log


def plain_page(browser, width: int = 1920, height: int = 1080):
    """A page with no session and no token header, as a wall's browser has before its
    bookmarked address is opened: (context, page, log)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page, log = logged_page(context)
    return context, page, log


def open_page(browser, width: int, height: int):
    """A page of the given size, carrying the wall's display token (as ``assets/auth.js``
    sends it for ``/wall?token=...``), and the log of what it did."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="zh-CN",
                                  extra_http_headers={"X-Display-Token": ACCESS["wall_token"]})
    page, log = logged_page(context)
    return context, page, log


def open_console(browser, server, path: str = "/", user: tuple[str, str] | None = None,
                 width: int = 1920, height: int = 1080):
    """Open a console address as ``user`` ((name, password); default the tests' admin)
    on ``server`` (anything with ``url``): (context, page, log). Every console test opens
    its pages here, so signing in happens in one place."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  accept_downloads=True)
    name, password = user or (ACCESS["admin"], ACCESS["admin_password"])
    sign_in(context, name, password, base_url=server.url)
    page, log = logged_page(context)
    page.goto(f"{server.url}{path}")
    return context, page, log


@pytest.fixture
def console_server(demo_database: str, tmp_path: Path):
    """A server of its own on a copy of the demo store, for console tests that change
    cases (dispatching)."""
    server = server_on_copy(demo_database, tmp_path / "console.sqlite3")
    yield server
    server.stop()


def open_dropdown(page, selector: str, tries: int = 6) -> None:
    """Open the Dash dropdown at ``selector``: click until its list is shown. Dash loads
    the dropdown's component lazily, so under load a first click can land before it is
    drawn and open nothing (the suite's two workers on two cores)."""
    shown = page.locator(".dash-dropdown-search:visible, .dash-dropdown-option:visible")
    for attempt in range(tries):
        page.click(selector)
        try:
            shown.first.wait_for(state="visible", timeout=5000)
            return
        except Exception:  # noqa: BLE001 - playwright's timeout: click again
            if attempt == tries - 1:
                raise
