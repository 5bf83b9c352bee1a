"""The Los Angeles example in a real browser, before and after its category table (issue 17).

Imported without a category table its cases have no deadlines: the wall and the console must
not read closure rate 100.0% (closed / closed) nor 0 overdue of thousands of open cases, but
"—" and why. After ``import categories`` the same pages show real on-time figures and the
wall's ranking goes back to on-time closure.
"""

from __future__ import annotations

import re

import pytest

from dashboard import console_cache
from data import category_import, store
from data import wall as wall_data
from tests.auth_helpers import make_user, make_wall_token
from tests.browser.conftest import RestartableServer, logged_page, open_console
from tests.conftest import LA311, load_la311

DEADLINE_TILES = ("closure_rate", "on_time_closure_rate", "overdue")
PERCENT = re.compile(r"[<>]?\d{1,3}\.\d%")


@pytest.fixture
def la_server(tmp_path, monkeypatch):
    """A server of its own on the LA example imported without its category table, the wall's
    30-day panels and the console's counts kept a second (not a minute) so that the import
    shows at once."""
    monkeypatch.setattr(wall_data, "SLOW_SECONDS", 1)
    monkeypatch.setattr(console_cache, "RESULTS_SECONDS", 1)
    url = f"sqlite:///{tmp_path / 'la.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    load_la311(engine)
    access = {"admin": ("la-admin", make_user(engine, "la-admin", "admin")),
              "token": make_wall_token(engine)}
    server = RestartableServer(url)
    yield server, engine, access
    server.stop()
    engine.dispose()


def _tile(page, key: str) -> tuple[str, str]:
    """A wall tile's value and second line."""
    tile = page.locator(f".wall-tile[data-key={key}]")
    return (tile.locator(".wall-tile-value").inner_text(),
            tile.locator(".wall-tile-change").inner_text())


def _assert_apart(page, selector: str, least: int) -> None:
    """At least ``least`` texts match ``selector`` and no two of their boxes overlap."""
    boxes = page.evaluate(f"""() => [...document.querySelectorAll({selector!r})]
        .map(e => {{ const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom, e.textContent]; }})""")
    assert len(boxes) >= least, boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert (a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5 or a[3] <= b[1] + 0.5
                    or b[3] <= a[1] + 0.5), (a, b)


def test_la_reads_unknown_without_deadlines_and_real_figures_with_them(browser, la_server):
    server, engine, access = la_server
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                  extra_http_headers={"X-Display-Token": access["token"]})
    wall, log = logged_page(context)
    wall.goto(f"{server.url}/wall?token={access['token']}")
    wall.wait_for_selector(".wall-tile[data-key=closure_rate] .wall-tile-value")
    # the 30-day tiles are counted in the background after the first answer: until then
    # they read "—" with no reason; the next refreshes bring the counted ones
    wall.wait_for_function("() => document.querySelector("
                           "'.wall-tile[data-key=on_time_closure_rate] .wall-tile-change')"
                           ".innerText !== '较上期 —'", timeout=30_000)
    for key in DEADLINE_TILES:
        assert _tile(wall, key) == ("—", "无处置时限"), key
        assert "分类表" in wall.locator(f".wall-tile[data-key={key}]").get_attribute("title")
    assert "100.0%" not in wall.locator(".wall-tiles").inner_text()
    # the ranking falls back to a figure it knows, and says why
    assert "无处置时限" in wall.locator(".wall-ranking h2").inner_text()
    # issue 18: its first ten rows are whole in its window (before any drift); the map's
    # region names overlap none of each other
    board = wall.evaluate("""() => {
        const win = document.querySelector('.wall-ranking-window');
        return {height: win.clientHeight, bottoms: [...win.querySelectorAll('.rank-row')]
                .map(r => r.offsetTop + r.offsetHeight)}; }""")
    assert len(board["bottoms"]) == 12 and board["bottoms"][9] <= board["height"], board
    _assert_apart(wall, ".wall-map .scattergeo text[data-unformatted]", least=10)

    console, page, console_log = open_console(browser, server, "/", user=access["admin"])
    value = page.locator(".tile-value[data-metric=closure_rate]")
    value.wait_for()
    page.wait_for_function("() => document.querySelector("
                           "'.tile-value[data-metric=closure_rate]').innerText !== ''")
    for key in DEADLINE_TILES:
        assert page.locator(f".tile-value[data-metric={key}]").inner_text() == "—", key
    assert page.locator(".tile-note").first.inner_text() == "无处置时限"
    # issue 18: the twelve regions' ranking and comparison table whole, with no box
    # scrolling inside the page; the comparison chart's names and the map's apart
    page.wait_for_selector(".compare tbody tr >> nth=11")
    boxes = page.evaluate("""() => ['.ranking', '.compare-wrap'].map(s => {
        const e = document.querySelector(s);
        return [e.querySelectorAll('.rank-row, tbody tr').length, e.scrollHeight,
                e.clientHeight]; })""")
    assert [n for n, _, _ in boxes] == [12, 12]
    assert all(scrolled <= shown for _, scrolled, shown in boxes), boxes
    _assert_apart(page, "#console-compare-bars .ytick text", least=12)
    _assert_apart(page, "#console-map .scattergeo text[data-unformatted]", least=9)

    _a_long_region_badge_leaves_the_header_links_alone(browser, server, engine)

    report = category_import.import_categories(engine, LA311 / "categories.csv",
                                               LA311 / "categories.toml")
    assert report.deadlines_derived > 9000

    # the wall's next refreshes: on-time closure and overdue are figures now
    wall.wait_for_function(
        "() => /\\d%$/.test(document.querySelector("
        "'.wall-tile[data-key=on_time_closure_rate] .wall-tile-value').innerText)",
        timeout=30_000)
    on_time, note = _tile(wall, "on_time_closure_rate")
    assert PERCENT.fullmatch(on_time) and on_time != "100.0%" and "无处置时限" not in note
    overdue, _ = _tile(wall, "overdue")
    assert re.fullmatch(r"[\d,]+", overdue)
    wall.wait_for_function("() => !document.querySelector('.wall-ranking h2')"
                           ".innerText.includes('无处置时限')", timeout=30_000)
    assert "按期结案率" in wall.locator(".wall-ranking h2").inner_text()

    page.reload()
    page.wait_for_function("() => /\\d%$/.test(document.querySelector("
                           "'.tile-value[data-metric=on_time_closure_rate]')?.innerText)",
                           timeout=30_000)
    assert PERCENT.fullmatch(page.locator(".tile-value[data-metric=closure_rate]").inner_text())
    assert re.fullmatch(r"[\d,]+",
                        page.locator(".tile-value[data-metric=overdue]").inner_text())
    for seen in (log, console_log):
        assert seen.page_errors == [] and seen.console_errors == []
        assert seen.request_hosts <= {server.host}
    context.close()
    console.close()


def _a_long_region_badge_leaves_the_header_links_alone(browser, server, engine) -> None:
    """A commander of the service region with the longest name (LA's are 20-odd letters):
    the badge naming it stays clear of every link and button on the console's header."""
    from sqlalchemy import func, select

    from data.models import Region

    with engine.connect() as conn:
        code = conn.scalar(select(Region.code).where(Region.depth == 0)
                           .order_by(func.length(Region.name).desc(), Region.code))
    user = ("la-regional", make_user(engine, "la-regional", "commander", region=code))
    context, page, log = open_console(browser, server, "/", user=user)
    page.wait_for_function("c => decodeURIComponent(location.pathname) === '/region/' + c",
                           arg=code)
    page.wait_for_selector(".auth-badge .auth-badge-region")
    boxes = page.evaluate("""() => [...document.querySelectorAll(
            '.auth-badge, .console-header a, .console-header button')]
        .map(e => { const r = e.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom, e.className]; })""")
    badge, others = boxes[0], boxes[1:]
    assert len(others) >= 3, others
    for b in others:
        assert (badge[2] <= b[0] + 0.5 or b[2] <= badge[0] + 0.5 or badge[3] <= b[1] + 0.5
                or b[3] <= badge[1] + 0.5), (badge, b)
    context.close()
    assert log.page_errors == [] and log.console_errors == []
