"""The overview page in real headless Chromium, on the small demo county."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data import metrics, store
from data.models import Region
from layouts.format import format_value

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = ("data:", "blob:")


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


def _root_code(url: str) -> str:
    engine = store.make_engine(url)
    with engine.connect() as conn:
        code = conn.scalar(select(Region.code).where(Region.parent_id.is_(None)))
    engine.dispose()
    return code


def test_overview_shows_the_same_numbers_as_the_summary(live_server, page_with_log,
                                                         artifacts_dir):
    page, log = page_with_log
    code = _root_code(live_server.settings.database_url)
    page.goto(f"{live_server.url}/?region={code}")
    page.wait_for_selector("[data-metric=reported]")
    page.screenshot(path=str(artifacts_dir / "overview-zh.png"))

    engine = store.make_engine(live_server.settings.database_url)
    expected = metrics.summarize(engine, code)["metrics"]
    engine.dispose()
    for key in ("reported", "closed", "overdue", "closure_rate", "on_time_closure_rate"):
        shown = page.inner_text(f"[data-metric={key}]")
        kind = "rate" if key.endswith("rate") else "count"
        assert shown == format_value(expected[key], kind), key
    assert expected["reported"] > 0, "the demo county should have cases in the last 30 days"
    # Chinese labels rendered with a real CJK font, not empty boxes.
    assert "上报数" in page.inner_text("body")
    assert page.evaluate("document.fonts.check('20px \"Noto Sans CJK SC\"', '上报数')")
    _assert_clean(log, live_server.host)


def test_clicking_a_child_in_the_tree_drills_down(live_server, page_with_log):
    page, log = page_with_log
    code = _root_code(live_server.settings.database_url)
    page.goto(f"{live_server.url}/?region={code}")
    first_child = page.locator("table.compare tbody tr td a").first
    child_name = first_child.inner_text()
    first_child.click()
    page.wait_for_function(
        "name => document.querySelector('.subtitle').innerText.startsWith(name)", arg=child_name)
    assert "region=" in page.url and code in page.url
    _assert_clean(log, live_server.host)


def test_english_and_unknown_region(live_server, page_with_log, artifacts_dir):
    page, log = page_with_log
    page.goto(f"{live_server.url}/?lang=en")
    page.wait_for_selector("[data-metric=reported]")
    assert "Reported" in page.inner_text("body")
    page.screenshot(path=str(artifacts_dir / "overview-en.png"))
    page.goto(f"{live_server.url}/?region=NO-SUCH-REGION")
    page.wait_for_selector(".message")
    assert "NO-SUCH-REGION" in page.inner_text(".message")
    _assert_clean(log, live_server.host)
