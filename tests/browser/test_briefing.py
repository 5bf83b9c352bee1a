"""The weekly briefing in real headless Chromium, and the CLI's PDF and PNG outputs.

The expected figures come from ``python -m dashboard summary --json`` over the week's
dates (the registry's route), never from the briefing's own code. The PDF and the PNGs
are made once per module, by the CLI in a process of its own (as a user runs it).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from data import store
from data.metric_registry import BY_KEY
from data.models import Region
from layouts.format import format_value
from layouts.text import metric_label
from tests.browser.conftest import DEMO_AS_OF

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["summary", "map", "problems", "rankings", "cases", "disputes", "officers", "alerts"]
LOCAL_SCHEMES = ("data:", "blob:")


def _last_full_week() -> tuple[str, date, date]:
    """The ISO week before the demo's present (local dates: the demo is Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    today = DEMO_AS_OF.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai"))
    monday = today.date() - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)


WEEK, MONDAY, SUNDAY = _last_full_week()


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def county(demo_database: str) -> dict:
    """The demo county's code and ``dashboard summary --json`` of the week."""
    engine = store.make_engine(demo_database)
    with engine.connect() as conn:
        from sqlalchemy import select

        code = conn.scalar(select(Region.code).where(Region.parent_id.is_(None)))
        grid = conn.scalar(select(Region.code).where(Region.depth == 3).order_by(Region.code))
    engine.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "summary", "--region", code, "--from",
         MONDAY.isoformat(), "--to", SUNDAY.isoformat(), "--json"],
        env=_env(demo_database), cwd=ROOT, capture_output=True, text=True, check=True)
    officers = subprocess.run(
        [sys.executable, "-m", "dashboard", "officers", "--region", code, "--from",
         MONDAY.isoformat(), "--to", SUNDAY.isoformat(), "--json"],
        env=_env(demo_database), cwd=ROOT, capture_output=True, text=True, check=True)
    return {"code": code, "grid": grid, "summary": json.loads(done.stdout),
            "officers": json.loads(officers.stdout)}


@pytest.fixture(scope="module")
def outputs(demo_database: str, county: dict, tmp_path_factory) -> dict:
    """The CLI's PDF and PNG pages of the county's last full week, made once."""
    folder = tmp_path_factory.mktemp("briefing")
    pdf = folder / "briefing.pdf"
    pngs = folder / "slides"
    runs = {}
    for name, extra in (("pdf", ["--out", str(pdf)]),
                        ("png", ["--out", str(pngs), "--format", "png"])):
        done = subprocess.run(
            [sys.executable, "-m", "dashboard", "briefing", "--week", WEEK, "--region",
             county["code"], *extra], env=_env(demo_database), cwd=ROOT,
            capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        runs[name] = done.stdout
    return {"pdf": pdf, "pngs": pngs, "stdout": runs}


# --- the page -----------------------------------------------------------------------------

def test_the_page_draws_every_section_with_the_summary_figures(page_with_log, live_server,
                                                              county, artifacts_dir):
    page, log = page_with_log
    page.goto(f"{live_server.url}/briefing?week={WEEK}&region={county['code']}")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    assert page.eval_on_selector_all(".briefing-page", "els => els.map(e => e.dataset.page)") \
        == PAGES
    assert page.eval_on_selector(".briefing", "e => e.dataset.graphs") == "3"
    assert page.locator(".briefing .js-plotly-plot .main-svg").count() >= 3
    assert page.locator(".briefing-page-map .geo").count() == 1  # the map drew its shapes
    expected = county["summary"]["metrics"]
    for key in ("reported", "closed", "closure_rate", "on_time_closure_rate", "overdue"):
        shown = page.inner_text(f"[data-metric={key}]")
        assert shown == format_value(expected[key], BY_KEY[key].kind), key
    assert f"本周共受理事件{expected['reported']:,}件" in page.inner_text(".briefing-sentences")
    # page 7, 网格员考核: the week's top officers as `dashboard officers` ranks them
    officers = county["officers"]["officers"]
    counts = [sum(o["standing"] == s for o in officers)
              for s in ("ranked", "too_little_data", "inactive")]
    assert page.get_attribute(".briefing-page-officers [data-counts]", "data-counts") \
        == ",".join(map(str, counts))
    top = [o["code"] for o in officers if o["standing"] == "ranked"][:5]
    assert page.eval_on_selector_all(".briefing-officers-top tr[data-officer]",
                                     "els => els.map(e => e.dataset.officer)") == top
    # every page block is one A4 landscape sheet (297 x 210 mm at 96 px per inch)
    sizes = page.eval_on_selector_all(
        ".briefing-page", "els => els.map(e => [e.offsetWidth, e.offsetHeight])")
    assert all(abs(w - 1122.5) <= 1 and abs(h - 793.7) <= 1 for w, h in sizes), sizes
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '周报')")
    page.screenshot(path=str(artifacts_dir / "briefing-page.png"), full_page=True)
    _assert_clean(log, live_server.host)


def test_english_slides_and_a_single_grid(page_with_log, live_server, county):
    page, log = page_with_log
    page.set_viewport_size({"width": 1700, "height": 1000})
    page.goto(f"{live_server.url}/briefing?week={WEEK}&region={county['grid']}&lang=en"
              "&format=slides")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    sizes = page.eval_on_selector_all(
        ".briefing-page", "els => els.map(e => [e.offsetWidth, e.offsetHeight])")
    assert sizes == [[1600, 900]] * len(PAGES)
    text = page.inner_text(".briefing-page-summary")
    assert "The week at a glance" in text and "cases were reported this week" in text
    _assert_clean(log, live_server.host)


def test_a_future_week_is_an_empty_readable_briefing(page_with_log, live_server, county):
    page, log = page_with_log
    year = DEMO_AS_OF.year + 1
    page.goto(f"{live_server.url}/briefing?week={year}-W10&region={county['code']}")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    assert page.locator(".briefing-page").count() == len(PAGES)
    assert "本周尚未到来" in page.inner_text(".briefing-page-summary")
    assert page.inner_text("[data-metric=reported]") == "0"
    _assert_clean(log, live_server.host)


def test_the_running_week_compares_the_same_span_and_draws_no_day_to_come(
        page_with_log, live_server, county, demo_database):
    """Opened with no week, the briefing is the last complete week and offers the running
    one; that one says "截至周X HH:MM，同期对比", its previous-week column counts last week
    only up to the same weekday and minute (counted here in SQL), and its daily chart has
    no bar for a day still to come."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from data.models import Case, RegionAncestor
    from data.store import utcnow

    page, log = page_with_log
    page.goto(f"{live_server.url}/briefing?region={county['code']}")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    assert page.get_attribute(".briefing", "data-week") == WEEK   # the last complete week
    page.click(".briefing-other-week")                             # 查看本周至今
    page.wait_for_selector("[data-note=same-span]", timeout=60_000)
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    shanghai = ZoneInfo("Asia/Shanghai")
    today = utcnow().replace(tzinfo=ZoneInfo("UTC")).astimezone(shanghai)
    note = page.inner_text("[data-note=same-span]")
    clock = re.search(r"截至周.(\d\d):(\d\d)，同期对比", note)
    assert clock, note
    # the minute the page was counted to, a week earlier: last week's cases up to then
    minute = datetime.combine(today.date(), datetime.min.time(), tzinfo=shanghai).replace(
        hour=int(clock[1]), minute=int(clock[2]))
    monday = minute.date() - timedelta(days=minute.weekday() + 7)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=shanghai)

    def utc(moment):
        return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    engine = store.make_engine(demo_database)
    with engine.connect() as conn:
        region_id = conn.scalar(select(Region.id).where(Region.code == county["code"]))

        def reported_before(moment) -> int:
            return conn.scalar(select(func.count()).select_from(Case).join(
                RegionAncestor, RegionAncestor.descendant_id == Case.region_id).where(
                RegionAncestor.ancestor_id == region_id,
                Case.reported_at >= utc(start), Case.reported_at < utc(moment)))
        low = reported_before(minute - timedelta(days=7))
        high = reported_before(minute - timedelta(days=7, minutes=-1))
        whole = reported_before(start + timedelta(days=7))
    engine.dispose()
    shown = page.eval_on_selector("[data-metric=reported]",
                                  "e => e.nextElementSibling.innerText")
    assert low <= int(shown.replace(",", "")) <= high, (shown, low, high, whole)
    assert "上周同期" in page.inner_text(".briefing-headline thead")
    assert "本周截至周" in page.inner_text(".briefing-sentences")
    bars = page.evaluate("document.querySelector('#briefing-graph-trend .js-plotly-plot')"
                         ".data[0].y")
    to_come = 6 - today.weekday()
    assert len(bars) == 7 and bars[7 - to_come:] == [None] * to_come, bars
    assert None not in bars[:7 - to_come], bars
    _assert_clean(log, live_server.host)


@pytest.mark.parametrize("query, key, words", [
    ("week=2026-47", "bad_week", "2026-W47"),
    ("week=2025-W53", "no_such_week", "52"),
    ("week=2026-W47&region=NOPE", "unknown_region", "NOPE"),
])
def test_bad_addresses_say_what_is_wrong(page_with_log, live_server, query, key, words):
    page, log = page_with_log
    page.goto(f"{live_server.url}/briefing?{query}")
    page.wait_for_selector(f".briefing[data-error={key}]", state="attached", timeout=30_000)
    assert words in page.inner_text(".briefing-message")
    _assert_clean(log, live_server.host)


# --- the CLI's files ----------------------------------------------------------------------------

def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_pdf_has_the_designed_pages_and_the_summary_figures(outputs, county):
    info = subprocess.run(["pdfinfo", str(outputs["pdf"])], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+8$", info, re.M), info
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info, re.M)
    assert size, info  # A4 landscape: 297 x 210 mm is 841.9 x 595.3 pt
    assert float(size.group(1)) == pytest.approx(841.9, abs=1)
    assert float(size.group(2)) == pytest.approx(595.3, abs=1)
    assert re.search(r"^Title:\s+.*周报.*" + WEEK, info, re.M), info
    text = _pdf_text(outputs["pdf"])
    expected, before = county["summary"]["metrics"], county["summary"]["previous"]
    assert f"本周共受理事件{expected['reported']:,}件" in text
    # the headline table: each metric's line reads label, this week, the week before
    lines: dict[str, list[str]] = {}
    for line in text.splitlines():  # the first line a label starts (page 1 comes first)
        if line.split():
            lines.setdefault(line.split()[0], line.split())
    for key in ("reported", "filed", "closed", "closure_rate", "on_time_closure_rate",
                "overdue", "satisfaction_rate", "median_hours_to_close"):
        row = lines[metric_label(key, "zh")]
        assert row[1] == format_value(expected[key], BY_KEY[key].kind), (key, row)
        assert row[2] == format_value(before[key], BY_KEY[key].kind), (key, row)
    for town in county["summary"]["children"]:
        assert town["name"] in text
    assert "第 8 / 8 页" in text or "第8/8页" in text.replace(" ", "")


def test_the_pdf_embeds_its_fonts_and_chinese_renders(outputs):
    fonts = subprocess.run(["pdffonts", str(outputs["pdf"])], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts, "the PDF has no fonts"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
    # the page's Chinese font is the machine's Noto CJK (no empty boxes)
    match = subprocess.run(["fc-match", "Noto Sans CJK SC"], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansCJK" in match, match
    assert "社会治理工作周报" in _pdf_text(outputs["pdf"])


def test_the_png_pages_are_16_by_9_and_not_blank(outputs, browser):
    files = sorted(outputs["pngs"].glob("*.png"))
    assert [f.name for f in files] == [f"briefing-{n:02d}.png" for n in range(1, 9)]
    assert not list(outputs["pngs"].glob(".briefing-*")), "a temporary folder was left"
    context = browser.new_context()
    page = context.new_page()
    for file in files:
        data = base64.b64encode(file.read_bytes()).decode()
        stats = page.evaluate("""async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            let n = 0, sum = 0, sq = 0;
            for (let i = 0; i < d.length; i += 4 * 97) {
                const v = (d[i] + d[i + 1] + d[i + 2]) / 3; n += 1; sum += v; sq += v * v; }
            const mean = sum / n;
            return {w: c.width, h: c.height, variance: sq / n - mean * mean};
        }""", f"data:image/png;base64,{data}")
        assert (stats["w"], stats["h"]) == (3200, 1800), (file.name, stats)
        assert stats["variance"] > 50, (file.name, stats)
    context.close()


def test_the_cli_revokes_its_one_off_token(outputs, demo_database):
    from data import users

    engine = store.make_engine(demo_database)
    mine = [t for t in users.list_display_tokens(engine) if t.label.startswith("briefing")]
    engine.dispose()
    assert len(mine) == 2  # one per run, the PDF's and the PNGs'
    assert all(t.revoked_at is not None for t in mine)


# --- from the console --------------------------------------------------------------------------

def test_the_console_links_to_its_briefing_and_the_server_makes_the_pdf(page_with_log,
                                                                       live_server, county,
                                                                       tmp_path):
    from zoneinfo import ZoneInfo

    from data.store import utcnow

    page, log = page_with_log
    page.goto(f"{live_server.url}/region/{county['code']}")
    link = page.locator("#console-briefing")
    # the console's default period ends today (the demo's data runs up to now): its
    # briefing is the last complete week's, compared with whole weeks
    today = utcnow().replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert WEEK != "{}-W{:02d}".format(*today.date().isocalendar()[:2])
    expected = f"/briefing?week={WEEK}&region={county['code']}"
    page.wait_for_function("e => e.getAttribute('href') !== '/briefing'",
                           arg=link.element_handle(), timeout=30_000)
    assert link.get_attribute("href") == expected
    assert link.get_attribute("target") == "_blank"
    assert link.inner_text() == "导出周报"
    response = page.context.request.get(
        f"{live_server.url}/briefing.pdf?week={WEEK}&region={county['code']}", timeout=120_000)
    assert response.status == 200, response.text()
    assert response.headers["content-type"] == "application/pdf"
    assert f"briefing-{county['code']}-{WEEK}.pdf" in response.headers["content-disposition"]
    pdf = tmp_path / "served.pdf"
    pdf.write_bytes(response.body())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+8$", info, re.M), info
    expected_reported = county["summary"]["metrics"]["reported"]
    assert f"本周共受理事件{expected_reported:,}件" in _pdf_text(pdf)
    _assert_clean(log, live_server.host)


def test_the_pdf_route_needs_a_signed_in_user_in_scope(browser, live_server, county):
    context = browser.new_context()
    response = context.request.get(f"{live_server.url}/briefing.pdf?week={WEEK}",
                                   max_redirects=0)
    assert response.status == 302 and "/login" in response.headers["location"]
    page = context.request.get(f"{live_server.url}/briefing?week={WEEK}", max_redirects=0)
    assert page.status == 302 and "/login" in page.headers["location"]
    context.close()
