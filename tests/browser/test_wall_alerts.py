"""The wall's early warnings in real headless Chromium: an alert appears on the wall (its
row on /wall?panel=alerts, its marker on the map) within one refresh of the alerts'
background recompute after the cases that trigger it, its red row pulses once and never
again, and the panel fits its rows at 1920×1080."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from dashboard import serving
from data import store
from data.alerts import book
from data.models import Case, Region, RegionAncestor
from layouts.wall_alerts import ALERT_ROWS, TRACE_ALERTS
from tests.alert_store import M_PER_DEGREE
from tests.browser.conftest import open_page
from tests.browser.test_wall import _assert_clean

pytestmark = pytest.mark.browser

#: How long the page's animations of a row are looked at (three pulses of 0.9 s).
PULSE_SECONDS = 2.7


def _grid(url: str, nth: int) -> tuple[int, str, float, float]:
    """The ``nth`` grid of the demo county: id, name, centroid."""
    engine = store.make_engine(url)
    with engine.connect() as conn:
        root = conn.scalar(select(Region.id).where(Region.parent_id.is_(None)))
        row = conn.execute(
            select(Region.id, Region.name, Region.centroid_lon, Region.centroid_lat)
            .join(RegionAncestor, RegionAncestor.descendant_id == Region.id)
            .where(RegionAncestor.ancestor_id == root, Region.depth == 3)
            .order_by(Region.code).offset(nth).limit(1)).one()
    engine.dispose()
    return tuple(row)


def _repeat_cases(url: str, prefix: str, grid: int, lon: float, lat: float) -> None:
    """Six cases within 20 m of each other over the last 20 days (a few a week: no
    surge): a red repeat location."""
    engine = store.make_engine(url)
    now = store.utcnow()
    with store.transaction(engine) as conn:
        conn.execute(insert(Case), [
            {"code": f"{prefix}-{i}", "status": "reported", "location_method": "point",
             "region_id": grid, "reported_at": now - timedelta(days=4 * i, hours=1),
             "lon": lon, "lat": lat + 3 * i / M_PER_DEGREE, "subcategory": "暴露垃圾",
             "category": "市容环境", "case_class": "incident", "source": "patrol",
             "version": 1} for i in range(6)])
        store.bump_data_version(conn)
    engine.dispose()


def _open_alerts(url: str) -> set[int]:
    engine = store.make_engine(url)
    with engine.connect() as conn:
        found = {row.id for row in book.list_alerts(conn, state="open")}
    engine.dispose()
    return found


def _new_alert(url: str, grid: int, known: set[int], deadline: float
               ) -> tuple[int, float, float]:
    """The red repeat-location alert of ``grid`` not among ``known`` once the background
    job has found it: its id and its point."""
    engine = store.make_engine(url)
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                rows = [row for row in book.list_alerts(conn, grid, state="open", level="red",
                                                        rule="repeat_location")
                        if row.id not in known]
            if rows:
                return rows[0].id, rows[0].facts["lon"], rows[0].facts["lat"]
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise AssertionError("the background job found no new repeat location")


def _wait_current(server, deadline: float) -> None:
    engine = store.make_engine(server.settings.database_url)
    params = server.app.server.extensions["grid_dashboard"]["alert_params"]
    try:
        while not book.is_current(engine, store.utcnow(), params):
            assert time.monotonic() < deadline, "the alerts were never computed"
            time.sleep(0.05)
    finally:
        engine.dispose()


ROW = ".wall-alerts-rows [data-alert='{}']"
ANIMATIONS = "id => document.querySelector(`.wall-alerts-rows [data-alert='${id}']`)" \
             ".getAnimations().length"
MARKERS = f"() => {{ const t = document.querySelector('.wall-map .js-plotly-plot')" \
          f".data[{TRACE_ALERTS}]; return t.lon.map((x, i) => [x, t.lat[i], t.marker.color[i]]); }}"


def test_an_alert_appears_on_the_wall_within_one_refresh_and_pulses_once(
        browser, wall_server, monkeypatch, artifacts_dir):
    monkeypatch.setattr(serving, "ALERTS_SECONDS", 0.2)
    running = serving.start_background(wall_server.app, wall_server.settings, with_feed=False)
    url = wall_server.settings.database_url
    refresh = wall_server.settings.wall_refresh_seconds
    try:
        _wait_current(wall_server, time.monotonic() + 60)
        context, page, log = open_page(browser, 1920, 1080)
        page.goto(f"{wall_server.url}/wall?panel=alerts")
        page.wait_for_selector(".wall-map .geo")
        page.wait_for_selector(".wall-alerts-rows > div")
        page.wait_for_timeout(PULSE_SECONDS * 1000 + 300)  # the first picture's pulses end
        before = page.evaluate(MARKERS)

        grid, name, lon, lat = _grid(url, 0)
        known = _open_alerts(url)
        _repeat_cases(url, "WALL-ALERT-A", grid, lon + 0.0004, lat)
        alert_id, at_lon, at_lat = _new_alert(url, grid, known, time.monotonic() + 30)
        found = time.monotonic()
        page.wait_for_selector(ROW.format(alert_id), timeout=10_000)
        assert time.monotonic() - found <= refresh + 1.5  # within one refresh (and a bit)
        row = page.locator(ROW.format(alert_id))
        assert "pulse" in row.get_attribute("class") and "red" in row.get_attribute("class")
        assert page.evaluate(ANIMATIONS, alert_id) == 1  # it draws the eye...
        text = row.inner_text()
        assert "重复投诉" in text and name in text and "6件" in text
        # its marker: a red ring at the cases' point, with the ones there were before
        point = [round(at_lon, 6), round(at_lat, 6)]
        assert point not in [[round(x, 6), round(y, 6)] for x, y, _ in before]
        assert point + ["#ff3b3b"] in \
            [[round(x, 6), round(y, 6), c] for x, y, c in page.evaluate(MARKERS)]
        # ...once: over, it stays still through later refreshes
        page.wait_for_timeout(PULSE_SECONDS * 1000 + 300)
        assert page.evaluate(ANIMATIONS, alert_id) == 0

        # another red alert: it pulses, the first's row (sent again) stays still
        grid_b, _, lon_b, lat_b = _grid(url, 1)
        known = _open_alerts(url)
        _repeat_cases(url, "WALL-ALERT-B", grid_b, lon_b + 0.0004, lat_b)
        second, _, _ = _new_alert(url, grid_b, known, time.monotonic() + 30)
        page.wait_for_selector(ROW.format(second), timeout=10_000)
        assert page.evaluate(ANIMATIONS, second) == 1
        assert page.evaluate(ANIMATIONS, alert_id) == 0
        assert "pulse" not in page.locator(ROW.format(alert_id)).get_attribute("class")
        page.wait_for_timeout(3 * refresh * 1000)  # refreshes go on: nothing pulses again
        assert page.evaluate("() => document.getAnimations().filter("
                             "a => a.animationName === 'wall-alert-pulse').length") == 0

        # the panel fits its rows at 1920×1080: none cut, "+N" under them
        fit = page.evaluate("""() => {
            const box = document.querySelector('.wall-alerts-rows').getBoundingClientRect();
            return Array.from(document.querySelectorAll('.wall-alerts-rows > div')).map(e => {
                const r = e.getBoundingClientRect();
                return [e.className, r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5];
            });
        }""")
        rows = [f for f in fit if f[0].startswith("wall-alert-row")]
        assert len(rows) == ALERT_ROWS and all(inside for _, inside in fit), fit
        assert fit[-1][0] == "wall-alerts-more"
        count = page.inner_text(".wall-alert-count")
        assert "红" in count and "橙" in count
        page.screenshot(path=str(artifacts_dir / "wall-alerts.png"))
        context.close()
        _assert_clean(log, wall_server.host)
    finally:
        serving.stop_background(running)
