"""调解 and 回访 in real headless Chromium: a commander records a mediation on a dispute and a
return visit on a closed case in the console, and the wall's 30-day tiles move.

The expected tiles are the registry's, counted by :func:`data.report.summarize` on the store
after the steps, independently of the page. The wall recounts its 30-day panels at most
every :data:`data.wall.SLOW_SECONDS` (60 s); the test sets that to 0 for its own server, so
the wall's next refresh (every second on this server) counts afresh.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data import report, schema, store
from data import wall as wall_data
from data.models import Case, Mediation, Region, ReturnVisit
from layouts.format import format_value
from tests.auth_helpers import make_user
from tests.browser.conftest import open_console, open_dropdown, open_page

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = ("data:", "blob:")


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


def _tile(page, key: str) -> str:
    return page.inner_text(f"[data-key={key}] .wall-tile-value")


def _cases(url: str) -> tuple[str, str, str]:
    """A dispute of the last three weeks not mediated yet, and a case closed in them that
    nobody rated (the demo holds both at any hour); and the county's code."""
    engine = store.make_engine(url)
    since = store.utcnow() - timedelta(days=21)
    with engine.connect() as conn:
        dispute = conn.scalar(
            select(Case.code).where(Case.case_class == schema.DISPUTE,
                                    Case.status.in_([schema.DISPATCHED, schema.RESOLVED]),
                                    Case.mediation_outcome.is_(None),
                                    Case.reported_at >= since)
            .order_by(Case.reported_at.desc()))
        closed = conn.scalar(
            select(Case.code).where(Case.status == schema.CLOSED,
                                    Case.satisfaction.is_(None), Case.closed_at >= since,
                                    Case.reported_at >= since)
            .order_by(Case.closed_at.desc()))
        root = conn.scalar(select(Region.code).where(Region.parent_id.is_(None)))
    engine.dispose()
    assert dispute and closed, "the demo should hold an open dispute and an unrated case"
    return dispute, closed, root


def _open_case(page, code: str) -> None:
    cell = page.locator(f"#console-grid .ag-row [col-id='code']:has-text('{code}')").first
    cell.wait_for()
    cell.click()
    page.wait_for_function(
        "code => (document.querySelector('#console-detail .detail-table') || {}).innerText"
        "?.includes(code)", arg=code)


def _feedback(page, words: str) -> None:
    page.wait_for_function(
        "w => document.querySelector('#followup-feedback').innerText.includes(w)", arg=words)


def test_a_mediation_and_a_visit_move_the_wall(browser, console_server, monkeypatch,
                                               artifacts_dir):
    monkeypatch.setattr(wall_data, "SLOW_SECONDS", 0)
    url = console_server.settings.database_url
    dispute, closed, root = _cases(url)
    engine = store.make_engine(url)
    commander = ("cmd-followup", make_user(engine, "cmd-followup", "commander"))
    engine.dispose()

    wall_context, wall, wall_log = open_page(browser, 1920, 1080)
    wall.goto(f"{console_server.url}/wall")
    wall.wait_for_selector("[data-key=satisfaction_rate] .wall-tile-value")
    before = {key: _tile(wall, key) for key in ("mediation_success_rate", "satisfaction_rate")}

    context, page, log = open_console(browser, console_server, f"/?q={dispute}", user=commander)
    _open_case(page, dispute)
    page.click("#followup-actions [data-step=mediate]")
    page.wait_for_selector("#mediate-fields", state="visible")
    page.click("#mediate-outcome label:has-text('调解失败')")
    open_dropdown(page, "#mediate-officer")
    option = page.locator(".dash-dropdown-option").first
    option.wait_for()
    officer = option.inner_text()
    option.click()
    page.fill("#mediate-note", "双方分歧较大，未达成协议")
    page.screenshot(path=str(artifacts_dir / "console-mediate.png"))
    page.click("#followup-submit")
    _feedback(page, f"已记录 {dispute} 的调解")
    # the detail lists the mediation, with its mediator
    page.wait_for_selector("#console-detail .fu-mediation")
    assert officer.split(" (")[0] in page.inner_text("#console-detail .fu-mediation")

    page.goto(f"{console_server.url}/?q={closed}")
    _open_case(page, closed)
    page.click("#followup-actions [data-step=visit]")
    page.wait_for_selector("#visit-fields", state="visible")
    assert not page.is_visible("#visit-reopen-row")
    page.click("#visit-satisfaction label:has-text('不满意')")
    page.wait_for_selector("#visit-reopen-row", state="visible")  # offered, not taken
    page.click("#visit-channel label:has-text('电话')")
    page.fill("#visit-note", "群众认为处置不彻底")
    page.click("#followup-submit")
    _feedback(page, f"已记录 {closed} 的回访")
    page.wait_for_selector("#console-detail .fu-visit")

    engine = store.make_engine(url)
    with engine.connect() as conn:
        outcome, version = conn.execute(select(Case.mediation_outcome, Case.version)
                                        .where(Case.code == dispute)).one()
        satisfaction, status = conn.execute(select(Case.satisfaction, Case.status)
                                            .where(Case.code == closed)).one()
        actors = set(conn.scalars(select(Mediation.actor)).all()) | set(
            conn.scalars(select(ReturnVisit.actor).where(ReturnVisit.origin == "console")))
    month = report.summarize(engine, root)["metrics"]
    engine.dispose()
    assert (outcome, satisfaction, status) == ("failure", "dissatisfied", schema.CLOSED)
    assert "cmd-followup" in actors
    after = {key: format_value(month[key], "rate") for key in before}
    assert after != before, "one more failed mediation and one more 不满意 must show"
    for key, shown in after.items():
        wall.wait_for_function(
            "([key, text]) => document.querySelector(`[data-key=${key}] .wall-tile-value`)"
            ".innerText === text", arg=[key, shown], timeout=30000)
    wall.screenshot(path=str(artifacts_dir / "wall-after-followup.png"))
    context.close()
    wall_context.close()
    _assert_clean(log, console_server.host)
    _assert_clean(wall_log, console_server.host)
