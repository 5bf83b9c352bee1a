"""The officers view (/officers) and the wall's officers panel in real headless Chromium, on
a small store of its own: the tiny county (tests/tiny_store.py: 清源县 > 城关镇 (G1, G2),
青山镇 (G3)) with eight officers and their patrols of the last days.

Officer k (1..7) patrolled their home grid on the k days before today (at most 6), for
k×10 minutes and k×0.5 km each day; so each has more of every patrol figure than the one
before, and the ranking is 郑七 (7), 吴六 (6), ... 赵一 (1). 王八 joined an hour ago: too
little data, not ranked.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.models import Case, Officer, OfficerRoster, Patrol, PatrolVisit
from tests import tiny_store
from tests.auth_helpers import make_user, make_wall_token, sign_in
from tests.browser.conftest import logged_page

pytestmark = pytest.mark.browser

G1, G2, G3 = 4, 5, 6
NAMES = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七"]
HOMES = [G1, G1, G1, G2, G2, G3, G3]
NEWCOMER = "王八"
LOCAL = ("data:", "blob:")


def _build(url: str) -> dict:
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)  # time zone UTC
    now = store.utcnow()
    today = now.date()
    joined = now - timedelta(days=90)
    with store.transaction(engine) as conn:
        conn.execute(delete(Case))  # no cases: the default period ends today
        conn.execute(insert(Officer), [
            {"id": k, "code": f"W{k}", "name": name, "region_id": home}
            for k, (name, home) in enumerate(zip(NAMES, HOMES), start=1)]
            + [{"id": 8, "code": "W8", "name": NEWCOMER, "region_id": G1}])
        conn.execute(insert(OfficerRoster), [
            {"officer_id": k, "role": "full_time", "active": True,
             "joined_at": joined if k < 8 else now - timedelta(hours=1), "left_at": None,
             "updated_at": joined} for k in range(1, 9)])
        patrols, visits = [], []
        for k, home in enumerate(HOMES, start=1):
            for back in range(1, min(k, 6) + 1):
                day = today - timedelta(days=back)
                start = store.naive_utc(now) - timedelta(days=back)
                start = start.replace(hour=9, minute=0, second=0, microsecond=0)
                pid = len(patrols) + 1
                patrols.append({"id": pid, "officer_id": k, "region_id": home,
                                "started_at": start,
                                "ended_at": start + timedelta(minutes=10 * k),
                                "distance_m": 500.0 * k})
                visits.append({"patrol_id": pid, "officer_id": k, "region_id": home,
                               "day": day, "first_at": start,
                               "last_at": start + timedelta(minutes=10 * k), "fixes": 5,
                               "seconds": 600.0 * k, "distance_m": 500.0 * k})
        conn.execute(insert(Patrol), patrols)
        conn.execute(insert(PatrolVisit), visits)
        store.bump_data_version(conn)
    access = {"password": make_user(engine, "officers-admin", "admin"),
              "token": make_wall_token(engine)}
    engine.dispose()
    return access


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('officers') / 'officers.sqlite3'}"
    access = _build(url)
    app = create_app(Settings(database_url=url, wall_reload_at=""))
    http = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_port}"
    yield {"url": base, "host": base.removeprefix("http://"), **access}
    http.shutdown()
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL)}
    assert outside == set(), f"requests left the machine: {outside}"


def _names(page) -> list[str]:
    """The names of the table's rows, top to bottom as shown."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
            '.officer-grid .ag-pinned-left-cols-container .ag-row'))
        .sort((a, b) => +a.getAttribute('row-index') - +b.getAttribute('row-index'))
        .map(r => r.querySelector('[col-id="name"]').innerText.trim())""")


def _wait_rows(page, n: int) -> None:
    page.wait_for_function(
        """n => document.querySelectorAll(
            '.officer-grid .ag-pinned-left-cols-container .ag-row').length === n""", arg=n)


def test_the_view_sorts_by_a_column_drills_and_opens_the_console(browser, server,
                                                                artifacts_dir):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    sign_in(context, "officers-admin", server["password"], base_url=server["url"])
    page, log = logged_page(context)
    page.goto(f"{server['url']}/officers")
    _wait_rows(page, 8)
    assert _names(page) == ["郑七", "吴六", "周五", "李四", "孙三", "钱二", "赵一", NEWCOMER]
    rank = page.locator('.ag-pinned-left-cols-container .ag-row[row-index="7"] [col-id="rank"]')
    assert rank.inner_text().strip() == "数据不足"
    # the score's definition on hover (the header's title)
    score_head = page.locator('.ag-header-cell[col-id="score"]')
    assert "加权" in (score_head.get_attribute("title") or "")
    hours_head = page.locator('.ag-header-cell[col-id="patrol_hours"]')
    assert "停留时长" in (hours_head.get_attribute("title") or "")
    # 巡查时长 ascending: the newcomer (no patrol) first, then 赵一 (10 minutes)
    hours = page.locator('.ag-header-cell[col-id="patrol_hours"] .ag-header-cell-label')
    hours.click()
    page.wait_for_function("() => document.querySelector('.officer-grid "
                           ".ag-pinned-left-cols-container .ag-row[row-index=\"0\"] "
                           "[col-id=\"name\"]').innerText.trim() !== '郑七'")
    assert _names(page)[:2] == [NEWCOMER, "赵一"]
    hours.click()  # descending: 郑七 (7 × 70 minutes), 吴六 (6 × 60)
    page.wait_for_function("() => document.querySelector('.officer-grid "
                           ".ag-pinned-left-cols-container .ag-row[row-index=\"0\"] "
                           "[col-id=\"name\"]').innerText.trim() === '郑七'")
    assert _names(page)[:2] == ["郑七", "吴六"]
    # drill into 青山镇: its two officers, ranked within it
    page.locator('.officer-child[data-code="T2"] a').click()
    page.wait_for_url("**/officers/T2")
    _wait_rows(page, 2)
    assert _names(page) == ["郑七", "吴六"]
    crumbs = page.inner_text(".officers .breadcrumb")
    assert "清源县" in crumbs and "青山镇" in crumbs
    page.screenshot(path=str(artifacts_dir / "officers-view.png"))
    # a name opens the console on the officer's home grid, with their tracks of the day
    page.locator('.ag-pinned-left-cols-container .ag-row[row-index="0"] [col-id="name"]').click()
    page.wait_for_url("**/region/G3?officer=W7&day=*")
    page.wait_for_selector(".officers-link")  # the console is mounted
    # and the console links back to the officers view of the region it shows
    link = page.locator(".officers-link")
    page.wait_for_function("() => document.querySelector('.officers-link')"
                           ".getAttribute('href').startsWith('/officers/G3')")
    assert link.get_attribute("href") == "/officers/G3"
    page.screenshot(path=str(artifacts_dir / "officers-console-link.png"))
    link.click()  # to the officers serving 青山镇第1网格
    page.wait_for_url("**/officers/G3")
    _wait_rows(page, 2)
    assert _names(page) == ["郑七", "吴六"]
    context.close()
    _clean(log, server["host"])


def test_the_wall_shows_the_top_and_bottom_five(browser, server, artifacts_dir):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                  extra_http_headers={"X-Display-Token": server["token"]})
    page, log = logged_page(context)
    page.goto(f"{server['url']}/wall?token={server['token']}&panel=officers")
    page.wait_for_selector("#wall-officers .officer-row")
    top = page.locator(".wall-officers-top .rank-name").all_inner_texts()
    bottom = page.locator(".wall-officers-bottom .rank-name").all_inner_texts()
    assert top == ["郑七", "吴六", "周五", "李四", "孙三"]
    assert bottom == ["钱二", "赵一"]
    assert page.inner_text(".wall-officers-left-out") == "1 人数据不足，未列入排名"
    assert NEWCOMER not in page.inner_text("#wall-officers")
    assert page.locator(".wall-officers h2").inner_text() == "网格员考核·近7日"
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "officers-wall.png"))
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('.wall-panel'))
        .filter(e => e.scrollHeight > e.clientHeight + 4).map(e => e.className)""")
    assert cut == []
    # every row and the line below them inside the panel, none clipped
    hidden = page.evaluate("""() => {
        const box = document.querySelector('#wall-officers').getBoundingClientRect();
        return Array.from(document.querySelectorAll(
                '#wall-officers .officer-row, #wall-officers .wall-officers-left-out'))
            .filter(e => e.getBoundingClientRect().bottom > box.bottom + 1)
            .map(e => e.innerText); }""")
    assert hidden == []
    context.close()
    _clean(log, server["host"])
