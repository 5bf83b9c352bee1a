"""The console's 预警 panel in real headless Chromium, on a copy of the small demo county
with the deployment's real background job recomputing the alerts (every 0.2 s here):

* three cases reported at one spot raise a repeat-location alert that appears in the
  console's list within one refresh, without reloading the page;
* the commander acknowledges it, then assigns it as a supervision case (the case exists
  in the store and is filed; its code shows on the alert, and opens the case);
* a stuck-case alert closes itself once its case is resolved and closed: it leaves the
  open list and shows the system's words under 已关闭;

and the panel at 1920×1080 on the county is looked at (a screenshot in test-artifacts/).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard import serving
from data import schema, store, workflow
from data.alerts import book
from data.models import Alert, AlertCase, Case, CaseEvent, Category, Region
from tests import alert_store
from tests.browser.conftest import open_console

pytestmark = pytest.mark.browser


@pytest.fixture
def live(console_server, monkeypatch):
    """The console's server on its own demo copy, with the leader's background work."""
    monkeypatch.setattr(serving, "ALERTS_SECONDS", 0.2)
    running = serving.start_background(console_server.app, console_server.settings,
                                       with_feed=False)
    engine = console_server.app.server.extensions["grid_dashboard"]["engine"]
    _wait(lambda: book.is_current(engine, store.utcnow(), console_server.app.server.extensions[
        "grid_dashboard"]["alert_params"]), "the first computation of the alerts")
    yield console_server, engine
    serving.stop_background(running)


def _wait(condition, what: str, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts
               if h != host and not h.startswith(("data:", "blob:"))}
    assert outside == set(), f"requests left the machine: {outside}"


def _quiet_grid(engine) -> tuple[str, int, float, float, str]:
    """A leaf grid (code, id, its label point) and a subcategory of the category table."""
    with engine.connect() as conn:
        parents = select(Region.parent_id).where(Region.parent_id.is_not(None))
        code, region_id, lon, lat = conn.execute(
            select(Region.code, Region.id, Region.centroid_lon, Region.centroid_lat)
            .where(Region.id.not_in(parents)).order_by(Region.code)).first()
        subcategory = conn.scalar(select(Category.subcategory).order_by(Category.code))
    return code, region_id, lon, lat, subcategory


def test_an_alert_appears_within_one_refresh_and_is_acknowledged_then_assigned(
        browser, live, artifacts_dir):
    server, engine = live
    grid, region_id, lon, lat, subcategory = _quiet_grid(engine)
    context, page, log = open_console(browser, server, f"/region/{grid}?period=7d")
    try:
        page.wait_for_selector("#alerts-count:has-text('共')")
        now = store.utcnow()
        made = alert_store.add(engine, *[alert_store.case(
            # on three days: one spot reporting again (min_days), not one event
            f"ALERT-TEST-{i}", now - timedelta(days=i, hours=1), region_id=region_id,
            subcategory=subcategory, lon=lon + 0.00003 * i, lat=lat) for i in range(3)])
        ours = {made[f"ALERT-TEST-{i}"] for i in range(3)}

        def raised():
            with engine.connect() as conn:
                return conn.scalar(select(AlertCase.alert_id).where(
                    AlertCase.case_id.in_(ours)).group_by(AlertCase.alert_id))
        alert_id = _wait(raised, "the background to raise the alert")
        started = time.monotonic()
        row = page.locator(f".alert-row[data-alert='{alert_id}']")
        row.wait_for(timeout=10_000)  # the list polls every second (wall_refresh_seconds)
        assert time.monotonic() - started < 5
        assert "重复投诉" in row.inner_text() and "反复上报3件" in row.inner_text()
        assert row.get_attribute("data-state") == "new"

        # selected: its cases listed (and the address keeps it), marked on the map
        row.locator(".alert-body").click()
        page.wait_for_selector(f".alert-selected-title[data-alert='{alert_id}']")
        assert f"alert={alert_id}" in page.url
        for i in range(3):
            page.wait_for_selector(f".alert-case [data-case='ALERT-TEST-{i}']")
        _wait(lambda: page.evaluate("""() => {
            const fig = document.querySelector('#console-map .js-plotly-plot');
            const t = fig && fig.data && fig.data.find(d => d.name === 'alert-cases');
            return t ? t.customdata.length : 0; }""") == 3, "the map's alert markers")

        row.locator("[data-action='acknowledge']").click()
        page.wait_for_selector(f".alert-row[data-alert='{alert_id}'][data-state='acknowledged']")
        assert page.locator("#alerts-feedback").inner_text() == f"已确认预警 #{alert_id}"
        assert "于" in row.locator(".alert-state").inner_text()

        row.locator("[data-action='assign']").click()
        page.wait_for_selector("#alert-form", state="visible")
        assert page.locator("#alert-description").input_value().startswith("【预警督办】重复投诉")
        page.locator("#alert-description").fill("【预警督办】同一地点反复上报，请三日内核查反馈。")
        page.screenshot(path=str(artifacts_dir / "console-alerts-assign.png"))
        page.locator("#alert-submit").click()
        page.wait_for_selector(f".alert-row[data-alert='{alert_id}'][data-state='assigned']")
        with engine.connect() as conn:
            case_id = conn.scalar(select(Alert.assigned_case_id).where(Alert.id == alert_id))
            code, status, description = conn.execute(
                select(Case.code, Case.status, Case.description).where(Case.id == case_id)).one()
            filed = conn.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case_id,
                                                           CaseEvent.action == "file"))
        assert status == schema.FILED and filed is not None
        assert description == "【预警督办】同一地点反复上报，请三日内核查反馈。"
        assert page.locator("#alerts-feedback").inner_text() == \
            f"预警 #{alert_id} 已转办督办，督办案件 {code} 已立案"
        link = row.locator(f".alert-state [data-case='{code}']")
        assert link.inner_text() == code
        detail = page.locator(f"#console-detail:has-text('{code}')")
        for _ in range(5):  # the filed case moved the data: the list may redraw under a click
            link.click()  # opens the supervision case in the detail
            try:
                detail.wait_for(timeout=3000)
                break
            except Exception:  # noqa: BLE001 - the click fell on a row being replaced
                continue
        detail.wait_for(timeout=1000)
        _clean(log, server.host)
    finally:
        context.close()


def _stuck_dispatched(engine) -> tuple[int, int, str, int]:
    """An open stuck-case alert whose case is dispatched: (alert, case, grid, version)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(Alert.id, Case.id, Region.code, Case.version)
            .join(AlertCase, AlertCase.alert_id == Alert.id)
            .join(Case, Case.id == AlertCase.case_id).join(Region, Region.id == Alert.region_id)
            .where(Alert.rule == "stuck_case", Alert.state.in_(book.OPEN_STATES),
                   Case.status == schema.DISPATCHED).order_by(Alert.id)).first()
    assert row is not None, "the demo holds no stuck case alert of a dispatched case"
    return tuple(row)


def test_an_alert_closes_itself_when_its_case_is_resolved_and_closed(browser, live):
    server, engine = live
    alert_id, case_id, grid, version = _stuck_dispatched(engine)
    context, page, log = open_console(browser, server, f"/region/{grid}")
    try:
        row = page.locator(f".alert-row[data-alert='{alert_id}']")
        row.wait_for()
        assert "久拖未决" in row.inner_text()
        done = workflow.apply(engine, case_id, "resolve", actor="测试", expected_version=version,
                              resolved_level="grid")
        workflow.apply(engine, case_id, "close", actor="测试", expected_version=done.version)
        row.wait_for(state="detached", timeout=10_000)  # gone from the open list
        page.locator("#alerts-state label", has_text="已关闭").click()
        row.wait_for()
        assert row.get_attribute("data-state") == "closed"
        assert "系统自动关闭：预警条件已不再成立" in row.locator(".alert-state").inner_text()
        assert row.locator("[data-action]").count() == 0
        _clean(log, server.host)
    finally:
        context.close()
