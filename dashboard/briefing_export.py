"""Printing the weekly briefing: Debian's headless Chromium (Playwright) opens ``/briefing``
on a running app, or on one started here for the run, and saves a PDF (one A4 landscape
page per page block) or one PNG per page (16:9 slides, 1600×900 at device scale 2).

So the pictures are exactly what the dashboard shows: the same page, the same figures.
The browser gets in with a display token made for the run, limited to the briefing's
region and revoked afterwards (a display token may open only the wall and the briefing,
both read-only). Files are written next to their target and renamed into place at the
end, so a failed run leaves nothing half-written.

Used by ``python -m dashboard briefing`` and by the server's ``/briefing.pdf`` route.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from sqlalchemy import Engine

from data import users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
#: The browser window: wide enough for a print page (297 mm ≈ 1123 px) or a slide.
VIEWPORTS = {"pdf": {"width": 1280, "height": 900}, "png": {"width": 1700, "height": 1000}}
SLIDE_SCALE = 2
READY = ".briefing[data-ready=true]"


class BriefingExportFailed(Exception):
    """The briefing could not be printed: ``key`` (``page_error`` with the page's own
    message, ``timeout``, ``no_browser``, ``refused``) and a sentence saying why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


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
def serving(settings) -> Iterator[str]:
    """An app on ``settings``' store, served on a free local port for as long as the
    block runs; yields its base URL."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
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


def capture(base_url: str, request: BriefingRequest, out: Path, token: str,
            timeout_s: float = 90.0) -> list[Path]:
    """Open the briefing at ``base_url`` with ``token`` and write it to ``out`` (a PDF
    file, or a directory for PNGs ``briefing-01.png`` ...). Returns the files written."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url = base_url.rstrip("/") + request.path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            context = browser.new_context(
                viewport=VIEWPORTS[request.kind], locale="zh-CN",
                device_scale_factor=SLIDE_SCALE if request.kind == "png" else 1,
                extra_http_headers={"X-Display-Token": token})
            page = context.new_page()
            page.goto(url)
            try:
                page.wait_for_selector(READY, timeout=timeout_s * 1000, state="attached")
            except PlaywrightError:
                refused = page.query_selector(".auth-overlay")
                if refused is not None:
                    raise BriefingExportFailed("refused", refused.inner_text().strip()) \
                        from None
                raise BriefingExportFailed(
                    "timeout", f"the briefing page at {url} was not drawn within "
                               f"{timeout_s:.0f} s") from None
            error = page.query_selector(".briefing[data-error]")
            if error is not None:
                raise BriefingExportFailed("page_error",
                                           error.query_selector("p").inner_text().strip())
            page.emulate_media(media="print" if request.kind == "pdf" else "screen")
            if request.kind == "pdf":
                return [_write_pdf(page, out)]
            return _write_pngs(page, out)
        finally:
            browser.close()


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


def _write_pngs(page, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".briefing-", dir=out))
    try:
        blocks = page.query_selector_all(".briefing-page")
        names = []
        for number, block in enumerate(blocks, start=1):
            name = f"briefing-{number:02d}.png"
            block.screenshot(path=str(temp / name), animations="disabled")
            names.append(name)
        written = []
        for name in names:
            os.replace(temp / name, out / name)
            written.append(out / name)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def export_briefing(settings, request: BriefingRequest, out: Path, *,
                    url: str | None = None, engine: Engine | None = None,
                    timeout_s: float = 90.0) -> list[Path]:
    """The whole run: a one-off token in ``settings``' store, the app at ``url`` (it must
    read the same store) or one served here, Chromium, the files. Returns them."""
    from data import store

    own_engine = engine is None
    engine = store.make_engine(settings.database_url) if own_engine else engine
    try:
        with one_off_token(engine, request.region) as token:
            if url:
                return capture(url, request, out, token, timeout_s)
            with serving(settings) as base:
                return capture(base, request, out, token, timeout_s)
    finally:
        if own_engine:
            engine.dispose()


# --- the server's download: /briefing.pdf -------------------------------------------------------

#: One PDF at a time per server process: Chromium is heavy, and command-centre servers small.
_ONE_AT_A_TIME = threading.Semaphore(1)


def pdf_download():
    """``GET /briefing.pdf?week=2026-W47&region=CODE[&lang=en]``: the same PDF as the
    CLI's, made by Chromium against this very server (a one-off token, revoked after).
    The guard has let only signed-in users through; the region must lie in their scope."""
    from flask import Response, request

    from dashboard import auth, services
    from data import briefing, wall
    from data.regions import UnknownRegion
    from layouts.text import t

    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else \
        services.settings().language

    def plain(text: str, status: int) -> Response:
        return Response(text, status=status, mimetype="text/plain; charset=utf-8")

    try:
        week = briefing.parse_week(request.args.get("week") or "")
    except briefing.BriefingError as exc:
        return plain(t(f"brief_{exc.key}", lang, **exc.values), 400)
    engine = services.engine()
    try:
        with engine.connect() as conn:
            region = wall.root_region(conn, request.args.get("region") or None)
    except UnknownRegion as exc:
        return plain(t("brief_unknown_region", lang, code=exc.code), 404)
    code = None if region is None else region.code
    auth.require_viewer_code(code)
    if not _ONE_AT_A_TIME.acquire(timeout=5):
        return plain(t("brief_busy", lang), 503)
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "briefing.pdf"
            with one_off_token(engine, code) as token:
                capture(request.host_url, BriefingRequest(str(week), code, lang, "pdf"), out,
                        token)
            body = out.read_bytes()
    except BriefingExportFailed as exc:
        return plain(str(exc), 500)
    finally:
        _ONE_AT_A_TIME.release()
    name = f"briefing-{code or 'all'}-{week}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def init_app(app) -> None:
    """Serve ``/briefing.pdf`` from ``app``'s server."""
    app.server.add_url_rule("/briefing.pdf", "briefing_pdf", pdf_download, methods=["GET"])
