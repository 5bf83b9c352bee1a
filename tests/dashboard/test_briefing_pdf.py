"""``/briefing.pdf`` on the server, without a browser: where it prints from (never where a
request points), the hosts it answers to, its download name, its one-at-a-time lock, and
its failures as one short line. The printing itself is faked here (``capture`` writes a
stand-in file); real Chromium runs are in ``tests/browser/test_briefing_pdf_route.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from shapely import box, to_wkb
from sqlalchemy import insert
from werkzeug.http import parse_options_header

from dashboard import briefing_export, own_address, shared_state
from dashboard.app import create_app
from dashboard.briefing_export import BriefingExportFailed
from dashboard.shared_state import PrintLock
from dashboard.settings import Settings
from dashboard.cli import main
from data import store, users
from data.models import Region
from tests import tiny_store
from tests.auth_helpers import make_user, sign_in

FAKE_PDF = b"%PDF-1.4 stand-in\n"
#: Imported region codes that broke the download's name: a quote, a line break, Chinese.
ODD_CODES = {"Q\"1": 7, "N\n1": 8, "城关镇一网格": 9}


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'pdf.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    with store.transaction(engine) as conn:  # grids of T1 with codes as an import made them
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": f"网格{i}", "level": tiny_store.LEVELS[2],
             "depth": 2, "parent_id": 2, "geometry": to_wkb(box(i, 0, i + 1, 1))}
            for code, i in ODD_CODES.items()])
        store.rebuild_region_ancestors(conn)
        store.bump_data_version(conn)
    engine.dispose()
    return url


def _app(tmp_path: Path, **settings):
    return create_app(Settings(database_url=_store(tmp_path), **settings))


def _signed_in(app, role: str = "admin", region: str | None = None):
    engine = app.server.extensions["grid_dashboard"]["engine"]
    name = "u-" + uuid.uuid4().hex[:8]
    password = make_user(engine, name, role, region)
    client = app.server.test_client()
    sign_in(client, name, password)
    return client


@pytest.fixture
def prints(monkeypatch):
    """``capture`` replaced: each call is recorded (base URL, region, timeout, token),
    writes the stand-in PDF, or raises what ``prints.fail`` holds."""
    class Prints(list):
        fail: Exception | None = None

    calls = Prints()

    def fake(base_url, request, out, token, timeout_s=45.0):
        calls.append({"base": base_url, "region": request.region, "timeout": timeout_s,
                      "token": token})
        if calls.fail is not None:
            raise calls.fail
        out.write_bytes(FAKE_PDF)
        return [out]

    monkeypatch.setattr(briefing_export, "capture", fake)
    return calls


# --- where the printer goes -------------------------------------------------------------------

HOSTILE = {"Host": "10.9.8.7:9", "X-Forwarded-Host": "evil.example:9",
           "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example;proto=https"}


def _get(client, path: str, headers: dict[str, str] = HOSTILE, **kwargs):
    """GET ``path`` with ``headers`` (a ``Host`` of their own) and ``client``'s session,
    which its cookie jar would send to localhost only."""
    session = client.get_cookie("dashboard_session")
    raw = client.application.test_client(use_cookies=False)
    return raw.get(path, headers={**headers, "Cookie": f"dashboard_session={session.value}"},
                   **kwargs)


def test_the_pdf_is_printed_at_the_servers_own_address_whatever_the_request_says(
        tmp_path, prints):
    app = _app(tmp_path)
    own_address.record(app, "0.0.0.0", 8050)  # as `serve --host 0.0.0.0` does
    client = _signed_in(app)
    response = _get(client, "/briefing.pdf?week=2026-W10&region=T1")
    assert response.status_code == 200 and response.data == FAKE_PDF
    assert [c["base"] for c in prints] == ["http://127.0.0.1:8050"]
    response = _get(client, "/briefing.pdf?week=2026-W10&region=T1",  # absolute request line
                    base_url="http://evil.example:9")
    assert response.status_code == 200
    assert prints[-1]["base"] == "http://127.0.0.1:8050"


def test_a_configured_internal_url_wins(tmp_path, prints):
    app = _app(tmp_path, internal_url="http://10.1.2.3:9000")
    own_address.record(app, "0.0.0.0", 8050)
    client = _signed_in(app)
    response = _get(client, "/briefing.pdf?week=2026-W10")
    assert response.status_code == 200
    assert prints[0]["base"] == "http://10.1.2.3:9000"


def test_a_server_that_does_not_say_its_port_gets_no_print(tmp_path, prints):
    """The test client is such a server (as gunicorn is: its SERVER_PORT comes from Host)."""
    app = _app(tmp_path)
    client = _signed_in(app)
    response = _get(client, "/briefing.pdf?week=2026-W10&lang=en")
    assert response.status_code == 503 and prints == []
    text = response.get_data(as_text=True)
    assert "DASHBOARD_INTERNAL_URL" in text and "\n" not in text.strip()


@pytest.mark.parametrize("config, environ, expected", [
    ({}, {"werkzeug.socket": object(), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5123",
          "HTTP_HOST": "evil.example:80"}, "http://127.0.0.1:5123"),
    ({}, {"werkzeug.socket": object(), "SERVER_NAME": "0.0.0.0", "SERVER_PORT": "5123"},
     "http://127.0.0.1:5123"),
    ({}, {"waitress.client_disconnected": object(), "SERVER_NAME": "waitress.invalid",
          "SERVER_PORT": "8050", "HTTP_X_FORWARDED_HOST": "evil.example"},
     "http://127.0.0.1:8050"),
    ({own_address.CONFIG_KEY: ("::", 8050)}, {}, "http://localhost:8050"),
    ({own_address.CONFIG_KEY: ("10.0.0.5", 8050)}, {"werkzeug.socket": object(),
                                                     "SERVER_NAME": "1.2.3.4",
                                                     "SERVER_PORT": "1"},
     "http://10.0.0.5:8050"),
])
def test_own_address_comes_from_the_listening_socket(config, environ, expected):
    assert own_address.base_url(Settings(), config, environ) == expected


def test_own_address_never_trusts_an_unknown_servers_port():
    gunicorn_like = {"gunicorn.socket": object(), "SERVER_NAME": "evil.example",
                     "SERVER_PORT": "9", "HTTP_HOST": "evil.example:9"}
    with pytest.raises(own_address.NoOwnAddress, match="DASHBOARD_INTERNAL_URL"):
        own_address.base_url(Settings(), {}, gunicorn_like)


# --- the hosts the server answers to ----------------------------------------------------------

def test_trusted_hosts_refuse_a_foreign_host_before_anything_else(tmp_path, prints):
    app = _app(tmp_path, trusted_hosts=("dash.example.org", ".corp.example"))
    own_address.record(app, "0.0.0.0", 8050)
    client = _signed_in(app)  # the test client's own Host, localhost, is trusted
    for host in ("dash.example.org", "wall.corp.example:8050", "127.0.0.1:8050"):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    for path in ("/briefing.pdf?week=2026-W10", "/login", "/", "/wall"):
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400, path
        assert _get(client, path, {"Host": "evil.example"}).status_code == 400, path
    assert prints == []
    # the printer's own host is trusted, so the print itself is let in
    assert _get(client, "/briefing.pdf?week=2026-W10",
                {"Host": "127.0.0.1:8050"}).status_code == 200


def test_no_trusted_hosts_means_any(tmp_path):
    app = _app(tmp_path)
    assert app.server.config["TRUSTED_HOSTS"] is None
    assert app.server.test_client().get(
        "/login", headers={"Host": "whatever.example"}).status_code == 200


def test_recording_a_bound_host_trusts_it(tmp_path):
    app = _app(tmp_path, trusted_hosts=("dash.example.org",),
               internal_url="http://printer.local:8050")
    assert app.server.config["TRUSTED_HOSTS"] == ["dash.example.org", "127.0.0.1",
                                                  "localhost", "printer.local"]
    own_address.record(app, "10.0.0.5", 8050)
    assert "10.0.0.5" in app.server.config["TRUSTED_HOSTS"]
    assert app.server.test_client().get(
        "/login", headers={"Host": "10.0.0.5:8050"}).status_code == 200


# --- the download's name ----------------------------------------------------------------------

@pytest.mark.parametrize("code", list(ODD_CODES))
def test_any_region_code_makes_a_whole_download_name(tmp_path, prints, code):
    app = _app(tmp_path)
    own_address.record(app, "127.0.0.1", 8050)
    response = _signed_in(app).get("/briefing.pdf", query_string={"week": "2026-W10",
                                                                  "region": code})
    assert response.status_code == 200 and response.data == FAKE_PDF
    assert prints[0]["region"] == code
    header = response.headers["Content-Disposition"]
    assert header.isascii() and "\n" not in header and "\r" not in header
    kind, options = parse_options_header(header)
    assert kind == "attachment"
    # the name, decoded from filename*, is the code's own (a line break made harmless)
    assert options["filename"] == f"briefing-{code.replace(chr(10), '_')}-2026-W10.pdf"
    # and the plain ASCII name for old clients holds nothing that could end it early
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    assert plain.startswith("briefing-") and plain.endswith("-2026-W10.pdf")
    assert plain.replace("-", "").replace("_", "").replace(".", "").isalnum()


# --- one print at a time, and never stuck -----------------------------------------------------

def test_a_failed_or_timed_out_print_gives_the_printer_back(tmp_path, prints):
    app = _app(tmp_path, print_timeout_seconds=30)
    own_address.record(app, "127.0.0.1", 8050)
    client = _signed_in(app)
    for failure, status, words in (
            (BriefingExportFailed("timeout", "late", seconds="30"), 503, "30 秒内未能完成"),
            (BriefingExportFailed("page_error", "bad", detail="数据\n出错"), 500,
             "周报页面出错：数据 出错"),
            (BriefingExportFailed("browser", "crash", detail="Target closed"), 500,
             "浏览器出错：Target closed")):
        prints.fail = failure
        response = client.get("/briefing.pdf?week=2026-W10")
        text = response.get_data(as_text=True)
        assert response.status_code == status and words in text, text
        assert "\n" not in text and "Traceback" not in text
    prints.fail = None
    started = time.monotonic()
    assert client.get("/briefing.pdf?week=2026-W10").status_code == 200
    assert time.monotonic() - started < briefing_export.LOCK_WAIT_S  # nobody waited
    assert [c["timeout"] for c in prints] == [30.0] * 4  # the setting bounds each print
    # every print's token was revoked, the failed ones too
    engine = app.server.extensions["grid_dashboard"]["engine"]
    assert all(t.revoked_at is not None for t in users.list_display_tokens(engine))


def test_a_busy_printer_says_so_quickly(tmp_path, prints, monkeypatch):
    lock = PrintLock()
    monkeypatch.setattr(shared_state, "_PRINTER", lock)
    monkeypatch.setattr(briefing_export, "LOCK_WAIT_S", 0.2)
    app = _app(tmp_path)
    own_address.record(app, "127.0.0.1", 8050)
    client = _signed_in(app)
    held = lock.acquire(0, 60)
    response = client.get("/briefing.pdf?week=2026-W10&lang=en")
    assert response.status_code == 503 and "Another briefing" in response.get_data(as_text=True)
    assert prints == []
    lock.release(held)
    assert client.get("/briefing.pdf?week=2026-W10").status_code == 200


def test_a_print_stuck_past_its_lease_loses_the_lock():
    now = [1000.0]
    lock = PrintLock(clock=lambda: now[0])
    stuck = lock.acquire(0, lease_s=62)
    assert stuck is not None
    assert lock.acquire(0, lease_s=62) is None  # held, and the lease still runs
    now[0] += 63
    taken = lock.acquire(0, lease_s=62)
    assert taken is not None and taken is not stuck
    lock.release(stuck)  # the stuck print finally ends: it no longer holds anything
    assert lock.acquire(0, lease_s=62) is None
    lock.release(taken)
    assert lock.acquire(0, lease_s=62) is not None


def test_the_watchdog_kills_the_process_that_carries_the_marker():
    marker = f"--briefing-run={uuid.uuid4().hex}"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stuck = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", marker])
    try:
        time.sleep(0.2)
        assert briefing_export.kill_marked(marker) == 1
        assert stuck.wait(timeout=10) == -9
        assert other.poll() is None  # nothing else touched
    finally:
        for process in (other, stuck):
            process.kill()
            process.wait()


# --- failures are one clear line --------------------------------------------------------------

def test_without_playwright_the_print_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    request = briefing_export.BriefingRequest("2026-W10")
    with pytest.raises(BriefingExportFailed) as failed:
        briefing_export.capture("http://127.0.0.1:1", request, tmp_path / "x.pdf", "token")
    assert failed.value.key == "no_playwright"
    settings = Settings(database_url=_store(tmp_path))
    status = main(["briefing", "--week", "2026-W10", "--out", str(tmp_path / "b.pdf")],
                  settings)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Playwright is not installed" in err, err
    assert not (tmp_path / "b.pdf").exists()


def test_the_route_says_what_the_server_lacks(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    app = _app(tmp_path)
    own_address.record(app, "127.0.0.1", 8050)
    client = _signed_in(app)
    response = client.get("/briefing.pdf?week=2026-W10&lang=en")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and text.startswith("Cannot make the PDF: Playwright")
    monkeypatch.delitem(sys.modules, "playwright.sync_api")
    monkeypatch.setattr(briefing_export.shutil, "which", lambda name: None)
    monkeypatch.setattr(briefing_export, "CHROMIUM", str(tmp_path / "no-chromium"))
    response = client.get("/briefing.pdf?week=2026-W10")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == ("无法生成PDF：服务器未安装 Chromium"
                                                "（apt-get install chromium）")


def test_a_browser_that_will_not_start_is_one_line(tmp_path, monkeypatch, capsys):
    """Playwright's own failure (here: a "browser" that exits at once), from the CLI."""
    monkeypatch.setattr(briefing_export, "chromium_path", lambda: "/bin/false")
    settings = Settings(database_url=_store(tmp_path), print_timeout_seconds=60)
    status = main(["briefing", "--week", "2026-W10", "--out", str(tmp_path / "b.pdf")],
                  settings)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("error: briefing 2026-W10: the browser failed: ")
    assert not (tmp_path / "b.pdf").exists()


def test_the_printer_needs_an_address_or_an_app_to_serve(tmp_path):
    """``export_briefing`` builds no app of its own (the CLI builds one and passes it): with
    neither a running dashboard's address nor an app it refuses, before making a token."""
    settings = Settings(database_url=_store(tmp_path))
    with pytest.raises(ValueError, match="url of a running dashboard or an app"):
        briefing_export.export_briefing(settings, briefing_export.BriefingRequest("2026-W10"),
                                        tmp_path / "b.pdf")
    engine = store.make_engine(settings.database_url)
    assert users.list_display_tokens(engine) == []
    engine.dispose()
    assert not (tmp_path / "b.pdf").exists()
