"""The weekly briefing's alerts page (本周预警) in real headless Chromium, and in the PDF the
server prints: on a copy of the demo store whose alerts are replayed over its last 14 days
(``data.alerts.backfill``, as ``dashboard alerts --backfill 14`` does).

The expected count of the week's new alerts is read from the alerts listing
(:func:`data.alerts.book.list_alerts`: every alert, first seen within the week's local
Monday..Sunday), not from the page's own module.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from data import store
from data.alerts import book
from data.alerts.backfill import backfill
from data.models import Alert, AlertCase, Meta, Region
from tests.browser.conftest import open_console, server_on_copy
from tests.browser.test_briefing import MONDAY, SUNDAY, WEEK

pytestmark = pytest.mark.browser

RULE_NAMES = {"突增", "重复投诉", "矛盾反复", "久拖未决", "巡查盲区"}
TZ = ZoneInfo("Asia/Shanghai")


def _utc(day, tz=TZ) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc).replace(
        tzinfo=None)


@pytest.fixture(scope="module")
def replayed(demo_database: str, tmp_path_factory) -> dict:
    """A server on a copy of the demo store whose alerts the rules raised day by day over
    its last 14 days; the county's code and the week's new alerts per level."""
    copy = tmp_path_factory.mktemp("briefing-alerts") / "alerts.sqlite3"
    server = server_on_copy(demo_database, copy)
    engine = store.make_engine(server.settings.database_url)
    with store.transaction(engine) as conn:  # another test may have computed alerts now
        conn.execute(delete(AlertCase))
        conn.execute(delete(Alert))
        conn.execute(delete(Meta).where(Meta.key.like("alerts%")))
    backfill(engine, 14)
    start, end = _utc(MONDAY), _utc(SUNDAY + timedelta(days=1))
    with engine.connect() as conn:
        code = conn.scalar(select(Region.code).where(Region.parent_id.is_(None)))
        raised = [a for a in book.list_alerts(conn, state="all")
                  if start <= a.first_seen_at < end]
    engine.dispose()
    yield {"server": server, "code": code, "raised": raised}
    server.stop()


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [] and log.console_errors == [], (log.page_errors,
                                                                 log.console_errors)
    outside = {h for h in log.request_hosts if h != host and not h.startswith(("data:",
                                                                                "blob:"))}
    assert outside == set(), outside


def test_the_alerts_page_counts_the_weeks_alerts_in_chinese(browser, replayed, artifacts_dir):
    server, n = replayed["server"], len(replayed["raised"])
    context, page, log = open_console(
        browser, server, f"/briefing?week={WEEK}&region={replayed['code']}")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    alerts = page.locator(".briefing-page-alerts")
    assert alerts.locator(".briefing-h2").inner_text() == "本周预警"
    assert alerts.locator("[data-coverage]").get_attribute("data-coverage") == "full"
    assert f"本周新增预警{n}条" in alerts.locator(".briefing-alerts-summary").inner_text()
    names = alerts.locator(".briefing-alerts-rules tbody tr td:first-child").all_inner_texts()
    assert names[-1] == "合计" and set(names[:-1]) <= RULE_NAMES and names[:-1], names
    total = alerts.locator(".briefing-alerts-rules tr[data-rule=total] td").all_inner_texts()
    # rule, red, orange, yellow, new: the levels of the week's new alerts, and their sum
    levels = [sum(a.level == lv for a in replayed["raised"]) for lv in ("red", "orange",
                                                                         "yellow")]
    assert total[1:5] == [f"{v:,}" for v in (*levels, n)]
    # the page is one A4 sheet: the list ends above the footer
    bottom = page.evaluate("""() => {
        const p = document.querySelector('.briefing-page-alerts');
        const rows = p.querySelectorAll('.briefing-alerts-list tr');
        const last = rows[rows.length - 1];
        return [last ? last.getBoundingClientRect().bottom : 0,
                p.querySelector('.briefing-foot').getBoundingClientRect().top];
    }""")
    assert bottom[0] <= bottom[1], bottom
    alerts.screenshot(path=str(artifacts_dir / "briefing-alerts-page.png"))
    _assert_clean(log, server.host)

    page.goto(f"{server.url}/briefing?week={WEEK}&region={replayed['code']}&lang=en")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    text = page.locator(".briefing-page-alerts").inner_text()
    assert "Alerts of the week" in text and f"{n} alerts were raised this week" in text
    context.close()


def test_a_week_before_the_alerts_were_recorded_says_so(browser, replayed):
    server = replayed["server"]
    earlier = (MONDAY - timedelta(days=28)).isocalendar()
    context, page, log = open_console(
        browser, server, f"/briefing?week={earlier.year}-W{earlier.week:02d}"
                         f"&region={replayed['code']}")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    alerts = page.locator(".briefing-page-alerts")
    assert alerts.locator("[data-coverage]").get_attribute("data-coverage") == "before"
    assert "预警自" in alerts.inner_text() and "起记录" in alerts.inner_text()
    assert alerts.locator(".briefing-alerts-rules").count() == 0
    _assert_clean(log, server.host)
    context.close()


def test_the_served_pdf_has_the_alerts_page(browser, replayed, tmp_path: Path):
    server = replayed["server"]
    context, page, _ = open_console(browser, server, "/briefing")
    response = page.context.request.get(
        f"{server.url}/briefing.pdf?week={WEEK}&region={replayed['code']}", timeout=120_000)
    assert response.status == 200, response.text()
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(response.body())
    context.close()
    last = subprocess.run(["pdftotext", "-f", "8", "-l", "8", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = last.replace("\n", "").replace(" ", "")
    assert "本周预警" in last and "第8/8页" in flat
    assert f"本周新增预警{len(replayed['raised'])}条" in flat
    subprocess.run(["pdftoppm", "-f", "8", "-l", "8", "-r", "60", "-png", str(pdf),
                    str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png")), "the eighth page did not render"
