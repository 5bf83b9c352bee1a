"""The security headers in a real browser: the Content-Security-Policy lets the wall, the
console and the briefing run whole (Dash's renderer, its clientside callbacks, Plotly,
ag-grid), and the browser reports no violation of it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ACCESS, logged_page, open_console, open_page

pytestmark = pytest.mark.browser

RECORD = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
          "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_no_page_breaks_the_content_security_policy(browser, live_server):
    context, page, log = open_page(browser, 1920, 1080)
    context.add_init_script(RECORD)
    response = page.goto(f"{live_server.url}/wall?token={ACCESS['wall_token']}")
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".wall-map .geo")
    page.wait_for_timeout(1500)  # a refresh or two (the clientside tick) has run
    assert _violations(page) == [] and log.console_errors == [] and log.page_errors == []
    context.close()

    context, page, log = open_console(browser, live_server, "/?period=30d")
    page.close()
    context.add_init_script(RECORD)  # from here on, every page of the signed-in context
    page, log = logged_page(context)
    page.goto(f"{live_server.url}/?period=30d")
    page.wait_for_selector("#console-map .choroplethlocation")
    page.wait_for_selector("#console-grid .ag-row")
    assert _violations(page) == [] and log.console_errors == [] and log.page_errors == []
    page.goto(f"{live_server.url}/briefing?week=2026-W47")
    page.wait_for_selector(".briefing[data-ready=true]", state="attached", timeout=60_000)
    assert _violations(page) == [] and log.console_errors == [] and log.page_errors == []
    context.close()
