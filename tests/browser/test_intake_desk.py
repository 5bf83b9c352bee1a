"""The hotline desk (新建事件) in real headless Chromium: an operator files a case placed by
a click on the map and one placed by an address, and a wall open in another page shows
each within one refresh.

Each test runs its own server on a copy of the demo store (walls refresh every second),
with an ``operator`` account of the county's first town.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from data import schema, store
from data.models import Case, CaseIntake, Region
from layouts.intake_desk import TRACE_LATTICE
from tests.auth_helpers import make_user
from tests.browser.conftest import open_console, open_dropdown, open_page

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = ("data:", "blob:")


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


@pytest.fixture
def desk(console_server):
    """The server, the operator's (name, password) and the first town's code and name."""
    engine = store.make_engine(console_server.settings.database_url)
    with engine.connect() as conn:
        root = conn.scalar(select(Region.id).where(Region.parent_id.is_(None)))
        town, name = conn.execute(select(Region.code, Region.name)
                                  .where(Region.parent_id == root)
                                  .order_by(Region.code).limit(1)).one()
    password = make_user(engine, "desk-op", "operator", town)
    engine.dispose()
    return console_server, ("desk-op", password), town, name


def _reported_today(page) -> int:
    return int(page.inner_text("[data-key=reported_today] .wall-tile-value").replace(",", ""))


def _open_wall(browser, server):
    context, page, log = open_page(browser, 1920, 1080)
    page.goto(f"{server.url}/wall")
    page.wait_for_selector(".wall-tile")
    page.wait_for_selector(".wall-ticker .tick-row")
    return context, page, log


def _open_form(page) -> None:
    page.wait_for_selector("#desk-open", state="visible", timeout=30000)
    page.click("#desk-open")
    page.wait_for_selector("#desk-panel .desk-dialog", state="visible")
    page.wait_for_selector("#desk-map .geo", timeout=20000)


def _fill(page, description: str, search: str, name: str, phone: str) -> str:
    """What the caller said, the category found by typing ``search``, the reporter; the
    category label picked."""
    page.fill("#desk-description", description)
    open_dropdown(page, "#desk-category")
    page.keyboard.type(search)
    option = page.locator(".dash-dropdown-option").first
    option.wait_for()
    picked = option.inner_text()
    option.click()
    page.fill("#desk-reporter-name", name)
    page.fill("#desk-reporter-phone", phone)
    return picked


def _save(page, double: bool = False) -> str:
    if double:  # an impatient operator: both clicks reach the server with the same form
        page.dblclick("#desk-save")
    else:
        page.click("#desk-save")
    page.wait_for_selector("#desk-feedback .desk-code", timeout=15000)
    return page.get_attribute("#desk-feedback .desk-code", "data-code")


def _case(server, code: str):
    engine = store.make_engine(server.settings.database_url)
    with engine.connect() as conn:
        row = conn.execute(select(Case.id, Case.region_id, Case.lon, Case.lat, Case.source,
                                  Case.reporter, Case.location_method, Case.subcategory,
                                  CaseIntake.door, CaseIntake.reporter_phone)
                           .join(CaseIntake, CaseIntake.case_id == Case.id)
                           .where(Case.code == code)).one()
        names = dict(conn.execute(select(Region.id, Region.name)).all())
    engine.dispose()
    return row, names


def _wall_shows(wall, code: str, before: int, server) -> float:
    """Seconds until the wall's ticker shows ``code`` and today's count is one more."""
    saved = time.monotonic()
    wall.wait_for_selector(f".wall-ticker [data-code='{code}']", timeout=10000)
    wall.wait_for_function(
        "n => document.querySelector('[data-key=reported_today] .wall-tile-value')"
        ".innerText.replace(/,/g, '') == n", arg=str(before + 1), timeout=10000)
    return time.monotonic() - saved


def test_the_desk_files_a_case_placed_by_a_map_click(browser, desk, artifacts_dir):
    server, user, town, town_name = desk
    wall_context, wall, wall_log = _open_wall(browser, server)
    before = _reported_today(wall)
    context, page, log = open_console(browser, server, "/", user=user)
    _open_form(page)
    picked = _fill(page, "路口井盖缺失，晚上看不见", "井盖", "李女士", "138 0000 1111")
    # zoom in: the click lattice follows onto the part on screen, with a finer step
    step = ("() => { const d = document.querySelector('#desk-map .js-plotly-plot')"
            f".data[{TRACE_LATTICE}]; return d.lon[1] - d.lon[0]; }}")
    first_step = page.evaluate(step)
    frame = page.locator("#desk-map .js-plotly-plot").bounding_box()
    page.mouse.move(frame["x"] + frame["width"] * 0.5, frame["y"] + frame["height"] * 0.6)
    for _ in range(5):
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(150)
    page.wait_for_function(f"() => ({step})() < {first_step / 2}")
    # a click inside the town's outline: the lattice point under it gives the coordinates
    page.mouse.click(frame["x"] + frame["width"] * 0.5, frame["y"] + frame["height"] * 0.6)
    page.wait_for_function("() => document.querySelector('#desk-lon').value !== ''")
    lon, lat = float(page.input_value("#desk-lon")), float(page.input_value("#desk-lat"))
    page.wait_for_selector("#desk-preview .desk-facts")
    preview = page.inner_text("#desk-preview")
    assert town_name in preview and "›" in preview
    assert page.locator("#desk-map .scattergeo .point").count() > 0  # the pin
    page.screenshot(path=str(artifacts_dir / "desk-form.png"))
    code = _save(page)
    took = _wall_shows(wall, code, before, server)
    assert took <= 2 * server.settings.wall_refresh_seconds + 3
    row, names = _case(server, code)
    assert (row.lon, row.lat) == pytest.approx((lon, lat))
    assert row.location_method == schema.LOCATED_BY_POINT and row.source == "hotline"
    assert row.door == schema.DESK and row.reporter == "李女士"
    assert row.reporter_phone == "138 0000 1111"
    assert f"/ {row.subcategory} (" in picked
    assert names[row.region_id] in preview  # the grid the preview named
    # the console opened the new case
    page.wait_for_function(
        "code => document.querySelector('#console-detail') &&"
        " document.querySelector('#console-detail').innerText.includes(code)", arg=code)
    context.close()
    wall_context.close()
    _assert_clean(log, server.host)
    _assert_clean(wall_log, server.host)


def test_the_desk_files_a_case_placed_by_an_address(browser, desk):
    server, user, town, town_name = desk
    engine = store.make_engine(server.settings.database_url)
    with engine.connect() as conn:
        town_id = conn.scalar(select(Region.id).where(Region.code == town))
        community = conn.scalar(select(Region.id).where(Region.parent_id == town_id)
                                .order_by(Region.code).limit(1))
        grid_id, grid_name = conn.execute(select(Region.id, Region.name)
                                          .where(Region.parent_id == community)
                                          .order_by(Region.code).limit(1)).one()
    engine.dispose()
    wall_context, wall, wall_log = _open_wall(browser, server)
    before = _reported_today(wall)
    context, page, log = open_console(browser, server, "/", user=user)
    _open_form(page)
    _fill(page, "小区门口垃圾堆了三天", "垃圾", "", "")
    page.fill("#desk-address", grid_name)
    match = page.locator("#desk-matches label").first
    match.wait_for()
    assert grid_name in match.inner_text()
    match.click()
    page.wait_for_function(
        "name => document.querySelector('#desk-preview').innerText.includes(name)",
        arg=grid_name)
    code = _save(page, double=True)
    _wall_shows(wall, code, before, server)
    row, _names = _case(server, code)
    assert row.region_id == grid_id and row.location_method == schema.LOCATED_BY_CODE
    engine = store.make_engine(server.settings.database_url)
    with engine.connect() as conn:  # one case, whatever the double click sent
        assert conn.scalar(select(func.count()).select_from(Case)
                           .where(Case.description == "小区门口垃圾堆了三天")) == 1
    engine.dispose()
    for _call in range(2):  # Escape closes the saved form, and a new one opened for the
        page.keyboard.press("Escape")  # next call too
        page.wait_for_selector("#desk-panel .desk-dialog", state="hidden", timeout=10000)
        if not _call:
            _open_form(page)
    context.close()
    wall_context.close()
    _assert_clean(log, server.host)
    _assert_clean(wall_log, server.host)
