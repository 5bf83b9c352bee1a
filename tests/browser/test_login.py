"""Signing in, and walls opened with a display token, in real headless Chromium."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import insert, select

from dashboard.app import create_app
from data import store, users
from data.models import Case, Region, RegionAncestor
from tests.browser.conftest import ACCESS, plain_page

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = ("data:", "blob:")
#: How long the restart test keeps a wall refreshing (1 s apart). The suite's run is short;
#: ``bench/wall_token_soak.py`` runs the same test for minutes (WALL_SOAK_SECONDS=600).
SOAK_SECONDS = int(os.environ.get("WALL_SOAK_SECONDS", "15"))

# Records, from the moment the page starts, anything that looks like a sign-in form or a
# refusal, and every address the page was at: a wall must never show any of them.
WATCH_JS = """
window.authSeen = [];
new MutationObserver(() => {
    const bad = document.querySelector('form, input[type=password], .login-card, .auth-overlay');
    if (bad) { window.authSeen.push(bad.className || bad.tagName); }
}).observe(document, {childList: true, subtree: true});
"""


def _plain_page(browser):
    """A page with no session and no token header: what a wall's browser has."""
    return plain_page(browser)


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


def _tile(page, key: str) -> int:
    return int(page.inner_text(f"[data-key={key}] .wall-tile-value").replace(",", ""))


def _add_case(url: str, code: str) -> None:
    engine = store.make_engine(url)
    with store.transaction(engine) as conn:
        root = conn.scalar(select(Region.id).where(Region.parent_id.is_(None)))
        grid = conn.scalar(select(Region.id)
                           .join(RegionAncestor, RegionAncestor.descendant_id == Region.id)
                           .where(RegionAncestor.ancestor_id == root, Region.depth == 3)
                           .order_by(Region.code).limit(1))
        conn.execute(insert(Case).values(
            code=code, status="reported", location_method="point", region_id=grid,
            reported_at=store.utcnow(), subcategory="暴露垃圾", category="市容环境",
            case_class="incident", source="patrol", version=1))
        store.bump_data_version(conn)
    engine.dispose()


def _towns(url: str) -> list[str]:
    engine = store.make_engine(url)
    with engine.connect() as conn:
        root = conn.scalar(select(Region.id).where(Region.parent_id.is_(None)))
        codes = conn.execute(select(Region.code).where(Region.parent_id == root)
                             .order_by(Region.code)).scalars().all()
    engine.dispose()
    return codes


def test_sign_in_through_the_form_reaches_the_console(browser, live_server, artifacts_dir):
    context, page, log = _plain_page(browser)
    page.goto(f"{live_server.url}/?lang=en")
    page.wait_for_selector(".login-card")
    assert page.url == f"{live_server.url}/login?next=%2F%3Flang%3Den&lang=en"
    assert "Password" in page.inner_text(".login-card")
    page.fill("#login-name", ACCESS["admin"])
    page.fill("#login-password", ACCESS["admin_password"])
    page.screenshot(path=str(artifacts_dir / "login.png"))
    page.click(".login-submit")
    page.wait_for_selector(".tile-value")
    assert page.url == f"{live_server.url}/?lang=en"
    assert ACCESS["admin"] in page.inner_text(".auth-badge")
    # and out again: the console's callbacks are refused from then on
    page.click(".auth-badge-logout")
    page.wait_for_selector(".login-card")
    context.close()
    _assert_clean(log, live_server.host)


def test_a_wrong_password_shows_the_message(browser, live_server):
    context, page, log = _plain_page(browser)
    page.goto(f"{live_server.url}/login")
    page.fill("#login-name", ACCESS["admin"])
    page.fill("#login-password", "not-the-password")
    page.click(".login-submit")
    page.wait_for_selector(".login-error")
    assert page.inner_text(".login-error") == "账号或密码不正确"
    assert page.input_value("#login-name") == ACCESS["admin"]
    context.close()
    # the 401 of the refused form is the only console error a browser logs here
    assert all("401" in e for e in log.console_errors), log.console_errors
    assert log.page_errors == []


def test_a_wall_with_a_token_keeps_refreshing_through_a_restart_never_to_a_login_page(
        browser, wall_server, artifacts_dir):
    """A wall opened with a token refreshes every second for ``SOAK_SECONDS`` (15 s in
    the suite), through a server restart (a new app on the same store), and never shows
    a sign-in form or a refusal: every refresh is answered 200 and a case added before
    and one after the restart both reach the tile. The minutes-long soak of the same
    test is ``bench/wall_token_soak.py``."""
    url = wall_server.settings.database_url
    engine = store.make_engine(url)
    token = users.create_display_token(engine, None, label="soak")
    engine.dispose()
    context, page, log = _plain_page(browser)
    page.add_init_script(WATCH_JS)
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    refreshes: list[int] = []
    page.on("response", lambda r: refreshes.append(r.status)
            if "_dash-update-component" in r.url else None)
    page.goto(f"{wall_server.url}/wall?token={token}")
    page.wait_for_selector(".wall-map .geo")
    began = time.monotonic()
    before = _tile(page, "reported_today")
    _add_case(url, "SOAK-1")
    page.wait_for_function(
        "n => document.querySelector('[data-key=reported_today] .wall-tile-value')"
        ".innerText.replace(/,/g, '') == n", arg=str(before + 1), timeout=10_000)

    page.wait_for_timeout(SOAK_SECONDS * 1000 // 3)
    # a restart: a new app (empty memory, as a new process would be) on the same store
    wall_server.stop()
    page.wait_for_selector("#wall-as-of.stale", timeout=15_000)
    wall_server.app = create_app(wall_server.settings)
    wall_server.start()
    page.wait_for_selector("#wall-as-of:not(.stale)", timeout=15_000)
    _add_case(url, "SOAK-2")
    page.wait_for_function(
        "n => document.querySelector('[data-key=reported_today] .wall-tile-value')"
        ".innerText.replace(/,/g, '') == n", arg=str(before + 2), timeout=10_000)
    rest = SOAK_SECONDS - (time.monotonic() - began)
    if rest > 0:
        page.wait_for_timeout(rest * 1000)
    page.screenshot(path=str(artifacts_dir / "wall-token-after-restart.png"))

    assert page.evaluate("window.authSeen") == []
    assert all("/login" not in address for address in addresses), addresses
    assert page.locator(".wall-tile").count() == 12
    assert refreshes.count(200) >= SOAK_SECONDS // 2  # it kept refreshing (1 s apart)
    assert 403 not in refreshes and 401 not in refreshes
    assert "stale" not in page.get_attribute("#wall-as-of", "class")
    context.close()
    assert log.page_errors == []


def test_a_revoked_token_turns_the_wall_into_a_notice_not_a_login_page(browser, wall_server):
    url = wall_server.settings.database_url
    engine = store.make_engine(url)
    token = users.create_display_token(engine, None, label="to revoke")
    token_id = users.list_display_tokens(engine)[-1].id
    context, page, log = _plain_page(browser)
    page.goto(f"{wall_server.url}/wall?token={token}")
    page.wait_for_selector(".wall-tile")
    users.revoke_display_token(engine, token_id)
    page.wait_for_selector(".auth-overlay", timeout=15_000)
    assert "显示令牌无效或已被撤销" in page.inner_text(".auth-overlay")
    assert page.locator(".auth-overlay a, form, input").count() == 0  # no sign-in offered
    assert "/login" not in page.url
    # reloading the bookmark gives the same plain notice, from the server itself
    page.goto(f"{wall_server.url}/wall?token={token}")
    assert "显示令牌无效或已被撤销" in page.inner_text(".notice-message")
    assert page.locator("form, input").count() == 0
    engine.dispose()
    context.close()
    assert log.page_errors == []


def test_a_town_token_shows_its_town_and_refuses_another(browser, wall_server):
    url = wall_server.settings.database_url
    first, second = _towns(url)[:2]
    engine = store.make_engine(url)
    token = users.create_display_token(engine, first, label="town wall")
    with engine.connect() as conn:
        name = conn.scalar(select(Region.name).where(Region.code == first))
    engine.dispose()
    context, page, log = _plain_page(browser)
    page.goto(f"{wall_server.url}/wall?token={token}")
    page.wait_for_selector(".wall-tile")
    assert page.inner_text(".wall-region") == name
    page.goto(f"{wall_server.url}/wall?token={token}&region={second}&lang=en")
    page.wait_for_selector(".auth-overlay")
    assert page.inner_text(".auth-overlay") == f"Region {second} is outside your area"
    context.close()
    assert log.page_errors == []
