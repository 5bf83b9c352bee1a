"""Printing the weekly briefing: Debian's headless Chromium (Playwright) opens ``/briefing``
on a running app, or on one started here for the run, and saves a PDF (one A4 landscape
page per page block) or one PNG per page (16:9 slides, 1600×900 at device scale 2).

So the pictures are exactly what the dashboard shows: the same page, the same figures.
The browser gets in with a display token made for the run, limited to the briefing's
region and revoked afterwards (a display token may open only the wall and the briefing,
both read-only). Files are written next to their target and renamed into place at the
end, so a failed run leaves nothing half-written.

The browser is confined to the one origin it prints from: every request elsewhere is
aborted, and the token is sent there only. A print has one time budget (45 s unless
``DASHBOARD_PRINT_TIMEOUT`` says otherwise), and a Chromium stuck past it is killed.
The server prints from its own address (:mod:`dashboard.own_address`), never from one
a request names.

Used by ``python -m dashboard briefing`` and by the server's ``/briefing.pdf`` route.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlencode, urlsplit

from dash import Dash
from flask import Response, current_app, request
from sqlalchemy import Engine
from werkzeug.serving import make_server

from dashboard import auth, own_address, services, shared_state
from data import briefing, store, users
from data.regions import UnknownRegion, root_region
from layouts.text import t

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
#: The browser window: wide enough for a print page (297 mm ≈ 1123 px) or a slide.
VIEWPORTS = {"pdf": {"width": 1280, "height": 900}, "png": {"width": 1700, "height": 1000}}
SLIDE_SCALE = 2
READY = ".briefing[data-ready=true]"
TOKEN_HEADER = "X-Display-Token"  # as dashboard.auth reads it
#: A print's whole time when the caller names none (``Settings.print_timeout_seconds``).
DEFAULT_TIMEOUT_S = 45.0
#: How long past its time a print's Chromium is left before it is killed.
WATCHDOG_GRACE_S = 2.0


class BriefingExportFailed(Exception):
    """The briefing could not be printed: ``key`` (``no_playwright``, ``no_browser``,
    ``timeout``, ``browser``, ``refused``, ``page_error``), a sentence saying why, and
    ``values`` for the interface's words (``seconds``, ``detail``)."""

    def __init__(self, key: str, message: str, **values: str) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class BriefingRequest:
    """What to print: an ISO week text, a region code (None: the default region), the
    language and the output kind (``pdf`` or ``png``)."""

    week: str
    region: str | None = None
    lang: str = "zh"
    kind: str = "pdf"

    def path(self) -> str:
        query = {"week": self.week, "lang": self.lang,
                 "format": "print" if self.kind == "pdf" else "slides"}
        if self.region:
            query["region"] = self.region
        return "/briefing?" + urlencode(query)


def chromium_path() -> str:
    """Debian's Chromium (never a browser Playwright would download)."""
    found = shutil.which("chromium") or CHROMIUM
    if not Path(found).exists():
        raise BriefingExportFailed("no_browser", "Debian's chromium is not installed "
                                                 "(apt-get install chromium)")
    return found


@contextmanager
def serving(app: Dash) -> Iterator[str]:
    """``app`` served on a free local port for as long as the block runs; yields its base
    URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    own_address.record(app, "127.0.0.1", server.server_port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def one_off_token(engine: Engine, region: str | None) -> Iterator[str]:
    """A display token for ``region`` made for one run, revoked when the block ends."""
    token = users.create_display_token(engine, region, label="briefing export (one run)")
    try:
        yield token
    finally:
        info = users.check_display_token(engine, token)
        if info is not None:
            users.revoke_display_token(engine, info.id)


class _Deadline:
    """One print's time budget: every browser step gets what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def ms(self) -> float:
        """The milliseconds left (at least 1: Playwright reads 0 as "no limit"); raises
        the timeout when none are."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self.failure()
        return max(1.0, left * 1000)

    def failure(self, url: str = "") -> BriefingExportFailed:
        where = f" at {url}" if url else ""
        return BriefingExportFailed("timeout", f"the briefing{where} was not printed within "
                                               f"{self.seconds:.0f} s",
                                    seconds=f"{self.seconds:.0f}")


def kill_marked(marker: str) -> int:
    """SIGKILL every process of ours whose command line holds ``marker`` (a print's own
    Chromium, launched with it); returns how many. Linux's ``/proc``; elsewhere none."""
    killed = 0
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() not in (entry / "cmdline").read_bytes().split(b"\0"):
                continue
            os.kill(int(entry.name), signal.SIGKILL)
            killed += 1
        except OSError:  # gone already, or not ours
            continue
    return killed


def _confine(context, base_url: str, token: str) -> None:
    """Let ``context`` reach ``base_url``'s origin only, and send the token there only:
    every other request is aborted, every web socket elsewhere closed unopened. (A
    redirect is followed without asking again; this server's own are all relative.)"""
    origin = _origin(base_url)

    def route(handle) -> None:
        request = handle.request
        if _origin(request.url) != origin:
            handle.abort("blockedbyclient")
            return
        handle.continue_(headers={**request.headers, TOKEN_HEADER: token})

    def web_socket(ws) -> None:
        if _origin(ws.url.replace("ws", "http", 1)) == origin:  # ws: http, wss: https
            ws.connect_to_server()
        else:
            ws.close()

    context.route("**/*", route)
    context.route_web_socket("**/*", web_socket)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def capture(base_url: str, request: BriefingRequest, out: Path, token: str,
            timeout_s: float = DEFAULT_TIMEOUT_S) -> list[Path]:
    """Open the briefing at ``base_url`` with ``token`` and write it to ``out`` (a PDF
    file, or a directory for PNGs ``briefing-01.png`` ...). Returns the files written.

    The browser reaches ``base_url``'s origin and nothing else, and the whole run takes
    at most ``timeout_s`` (a Chromium stuck past it is killed). Every failure is a
    :class:`BriefingExportFailed` with one line saying why."""
    try:  # Playwright is heavy and optional: loaded by a print only, refused when missing
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BriefingExportFailed("no_playwright", "Playwright is not installed "
                                   "(pip install -r requirements.txt)") from None
    executable = chromium_path()
    deadline = _Deadline(timeout_s)
    marker = f"--briefing-run={uuid.uuid4().hex}"  # Chromium ignores a switch it does not know
    watchdog = threading.Timer(timeout_s + WATCHDOG_GRACE_S, kill_marked, args=(marker,))
    watchdog.daemon = True
    watchdog.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable,
                                         args=[*CHROMIUM_ARGS, marker], headless=True,
                                         timeout=deadline.ms())
            try:
                return _print(browser, base_url, request, out, token, deadline)
            finally:
                browser.close()
    except PlaywrightError as exc:
        if isinstance(exc, PlaywrightTimeout) or watchdog.finished.is_set() or \
                time.monotonic() >= deadline.ends:
            raise deadline.failure(base_url) from None
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BriefingExportFailed("browser", f"the browser failed: {first}",
                                   detail=first) from None
    finally:
        watchdog.cancel()


def _print(browser, base_url: str, request: BriefingRequest, out: Path, token: str,
           deadline: _Deadline) -> list[Path]:
    """The page of ``request`` opened in a new context of ``browser``, then written."""
    # Playwright is heavy and optional: loaded by a print only (capture has checked it)
    from playwright.sync_api import Error as PlaywrightError

    url = base_url.rstrip("/") + request.path()
    context = browser.new_context(
        viewport=VIEWPORTS[request.kind], locale="zh-CN", service_workers="block",
        device_scale_factor=SLIDE_SCALE if request.kind == "png" else 1)
    _confine(context, base_url, token)
    page = context.new_page()
    page.goto(url, timeout=deadline.ms())
    try:
        page.wait_for_selector(READY, timeout=deadline.ms(), state="attached")
    except PlaywrightError:  # it never got ready: say why
        refused = page.query_selector(".auth-overlay")
        if refused is not None:
            text = refused.inner_text().strip()
            raise BriefingExportFailed("refused", text, detail=text) from None
        raise deadline.failure(url) from None
    error = page.query_selector(".briefing[data-error]")
    if error is not None:
        text = error.query_selector("p").inner_text().strip()
        raise BriefingExportFailed("page_error", text, detail=text)
    page.emulate_media(media="print" if request.kind == "pdf" else "screen")
    deadline.ms()  # no print started once the time is up
    if request.kind == "pdf":
        return [_write_pdf(page, out)]
    return _write_pngs(page, out, deadline)


def _write_pdf(page, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".briefing-", suffix=".pdf", dir=out.parent)
    os.close(handle)
    try:
        page.pdf(path=temp, prefer_css_page_size=True, print_background=True)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return out


def _write_pngs(page, out: Path, deadline: _Deadline) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".briefing-", dir=out))
    try:
        blocks = page.query_selector_all(".briefing-page")
        names = []
        for number, block in enumerate(blocks, start=1):
            name = f"briefing-{number:02d}.png"
            block.screenshot(path=str(temp / name), animations="disabled",
                             timeout=deadline.ms())
            names.append(name)
        written = []
        for name in names:
            os.replace(temp / name, out / name)
            written.append(out / name)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def export_briefing(settings, request: BriefingRequest, out: Path, *,
                    url: str | None = None, app: Dash | None = None,
                    engine: Engine | None = None,
                    timeout_s: float | None = None) -> list[Path]:
    """The whole run: a one-off token in ``settings``' store, the app at ``url`` (it must
    read the same store) or ``app`` (on that store) served here, Chromium, the files.
    Returns them. The print takes at most ``timeout_s`` (default
    ``settings.print_timeout_seconds``)."""
    if not url and app is None:
        raise ValueError("export_briefing needs the url of a running dashboard or an app "
                         f"to serve; got url={url!r} and no app")
    timeout_s = settings.print_timeout_seconds if timeout_s is None else timeout_s

    own_engine = engine is None
    engine = store.make_engine(settings.database_url) if own_engine else engine
    try:
        with one_off_token(engine, request.region) as token:
            if url:
                return capture(url, request, out, token, timeout_s)
            with serving(app) as base:
                return capture(base, request, out, token, timeout_s)
    finally:
        if own_engine:
            engine.dispose()


# --- the server's download: /briefing.pdf -------------------------------------------------------

#: How long a request waits for the printer before it hears "busy".
LOCK_WAIT_S = 3.0
#: Past its print's time, how long the printer stays held (token, file, browser closing).
LEASE_GRACE_S = 15.0
#: Failures that are the server's state, not the page's: 503 (try again, or fix the install).
UNAVAILABLE = frozenset({"no_playwright", "no_browser", "no_address", "timeout"})




def download_name(code: str | None, week: object) -> str:
    """The PDF's file name: ``briefing-CODE-WEEK.pdf`` (``all`` for the whole deployment),
    with control characters and path separators of an imported code as ``_``."""
    return re.sub(r"[\x00-\x1f\x7f/\\]", "_", f"briefing-{code or 'all'}-{week}.pdf")


def attachment(name: str) -> str:
    """``Content-Disposition`` for downloading ``name`` (RFC 6266): an ASCII ``filename``
    for old clients, and the name itself, UTF-8 and percent-encoded, in ``filename*``
    (RFC 5987), so any region code, quotes and Chinese included, reads back whole."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _failure(exc: BriefingExportFailed, lang: str):
    """A failed print as one short line in the user's language: 503 for what the server
    lacks or a print that ran out of time, 500 for a page or browser that failed."""
    current_app.logger.warning("/briefing.pdf not printed (%s): %s", exc.key, exc)
    values = {"seconds": "", "detail": ""} | exc.values
    values["detail"] = " ".join(values["detail"].split())[:200]
    return Response(t(f"brief_pdf_{exc.key}", lang, **values),
                    status=503 if exc.key in UNAVAILABLE else 500,
                    mimetype="text/plain; charset=utf-8")


def pdf_download():
    """``GET /briefing.pdf?week=2026-W47&region=CODE[&lang=en]``: the same PDF as the
    CLI's, made by Chromium against this very server, at its own address (never one a
    request names), with a one-off token revoked after. The guard has let only signed-in
    users through; the region must lie in their scope."""
    settings = services.settings()
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else \
        settings.language

    def plain(text: str, status: int) -> Response:
        return Response(text, status=status, mimetype="text/plain; charset=utf-8")

    try:
        week = briefing.parse_week(request.args.get("week") or "")
    except briefing.BriefingError as exc:
        return plain(t(f"brief_{exc.key}", lang, **exc.values), 400)
    engine = services.engine()
    requested = request.args.get("region") or None
    auth.require_viewer_code(requested)  # before the lookup: an unknown code is refused alike
    try:
        with engine.connect() as conn:
            region = root_region(conn, requested)
    except UnknownRegion as exc:
        return plain(t("brief_unknown_region", lang, code=exc.code), 404)
    code = None if region is None else region.code
    auth.require_viewer_code(code)
    try:
        base = own_address.base_url(settings, current_app.config, request.environ)
    except own_address.NoOwnAddress as exc:
        return _failure(BriefingExportFailed("no_address", str(exc)), lang)
    timeout_s = float(settings.print_timeout_seconds)
    printer = shared_state.of(settings).print_lock()  # Redis: one print in the deployment
    lease = printer.acquire(LOCK_WAIT_S, timeout_s + WATCHDOG_GRACE_S + LEASE_GRACE_S)
    if lease is None:
        return plain(t("brief_busy", lang), 503)
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "briefing.pdf"
            with one_off_token(engine, code) as token:
                capture(base, BriefingRequest(str(week), code, lang, "pdf"), out, token,
                        timeout_s)
            body = out.read_bytes()
    except BriefingExportFailed as exc:
        return _failure(exc, lang)
    finally:
        printer.release(lease)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": attachment(download_name(code, week))})


def init_app(app) -> None:
    """Serve ``/briefing.pdf`` from ``app``'s server."""
    app.server.add_url_rule("/briefing.pdf", "briefing_pdf", pdf_download, methods=["GET"])
