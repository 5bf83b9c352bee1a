"""The console's patrol layer and 巡查 panel in real headless Chromium, on the hand-built
patrol store (tests/patrol_store.py): a grid's tracks of a day drawn on the map, an
officer's picked in the panel, the blind spots listing the grid no one ever patrolled,
and a click on a grid still drilling with the tracks on the map."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from layouts.figures import TRACK_COLOURS
from tests import patrol_store
from tests.auth_helpers import make_user
from tests.browser.conftest import open_console, open_dropdown

pytestmark = pytest.mark.browser


@dataclass
class Server:
    url: str
    host: str
    password: str


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('patrolmap') / 'patrols.sqlite3'}"
    settings = Settings(database_url=url, wall_reload_at="")
    app = create_app(settings)
    engine = app.server.extensions["grid_dashboard"]["engine"]
    patrol_store.build(engine)
    password = make_user(engine, "patrol-admin", "admin")
    http = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield Server(f"http://127.0.0.1:{http.server_port}", f"127.0.0.1:{http.server_port}",
                 password)
    http.shutdown()


def _open(browser, server: Server, path: str):
    return open_console(browser, server, path, user=("patrol-admin", server.password))


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts
               if h != host and not h.startswith(("data:", "blob:"))}
    assert outside == set(), f"requests left the machine: {outside}"


def _patrol_traces(page) -> dict:
    """Patrol line name → its number of fixes, as plotly holds the drawn figure."""
    return page.evaluate("""() => Object.fromEntries(
        ((document.querySelector('#console-map .js-plotly-plot') || {}).data || [])
        .filter(t => (t.name || '').startsWith('patrol-')).map(t => [t.name, t.lon.length]))""")


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def _wait_tracks(page, count: int) -> None:
    page.wait_for_function("""n => {
        const gd = document.querySelector('#console-map .js-plotly-plot');
        return gd && gd.data && gd.data.filter(t => (t.name || '').startsWith('patrol-'))
            .length === n;
    }""", arg=count, timeout=15000)


def test_a_grid_s_tracks_of_a_day_are_drawn(browser, server):
    context, page, log = _open(browser, server, "/region/G1?day=2026-03-10")
    try:
        _wait_tracks(page, 1)
        assert _patrol_traces(page) == {"patrol-1": 2}
        # the line itself is an SVG path in the first track colour
        colour = _rgb(TRACK_COLOURS[0])
        page.wait_for_function("""c => [...document.querySelectorAll(
            '#console-map .scattergeo path.js-line')].some(p => p.style.stroke === c)""",
            arg=colour)
        assert "巡查轨迹 1 条" in page.inner_text("#patrol-hint")
        assert page.input_value("#patrol-day") == "2026-03-10"
        # the day before: P1's part before midnight
        page.goto(f"{server.url}/region/G1?day=2026-03-09")
        _wait_tracks(page, 1)
        assert _patrol_traces(page) == {"patrol-1": 2}
        _assert_clean(log, server.host)
    finally:
        context.close()


def test_the_blind_spots_list_the_grid_no_one_patrolled_and_drill(browser, server):
    context, page, log = _open(browser, server, "/region/T2")
    try:
        page.wait_for_selector("#patrol-blind .blind-row[data-code='G4']")
        row = page.inner_text("#patrol-blind .blind-row[data-code='G4']")
        assert "青山二网格" in row and "从未巡查" in row and "无网格员" in row
        codes = page.eval_on_selector_all("#patrol-blind .blind-row",
                                          "rows => rows.map(r => r.dataset.code)")
        assert codes == ["G4", "G3"]  # never first, then the longest unpatrolled
        page.click("#patrol-blind .blind-row[data-code='G4'] a")
        page.wait_for_function("() => location.pathname === '/region/G4'")
        page.wait_for_selector("#console-breadcrumb .crumb.current[data-code='G4']")
        _assert_clean(log, server.host)
    finally:
        context.close()


def test_an_officer_picked_draws_their_day_and_a_click_on_it_still_drills(browser, server):
    context, page, log = _open(browser, server, "/region/T1?day=2026-03-10")
    try:
        page.wait_for_selector("#patrol-hint >> text=选择网格员")
        assert _patrol_traces(page) == {}
        open_dropdown(page, "#patrol-officer")
        page.get_by_role("option", name="Officer A (OA)").click()
        page.wait_for_function("() => location.search.includes('officer=OA')")
        _wait_tracks(page, 1)
        assert _patrol_traces(page) == {"patrol-1": 2}
        # click the track's end, a square in G2: the console drills there, tracks and all
        end = page.locator("#console-map .scattergeo .point").last
        # the patrol panel sits below the case list (issue 18): picking the officer there
        # scrolled the map out of sight, as a user would scroll back to it
        page.locator("#console-map").scroll_into_view_if_needed()
        box = end.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("() => location.pathname === '/region/G2'")
        assert "officer=OA" in page.evaluate("location.search")
        page.wait_for_selector("#console-breadcrumb .crumb.current[data-code='G2']")
        _assert_clean(log, server.host)
    finally:
        context.close()
