"""The commander console in real headless Chromium, on the small demo county.

Every expected number is computed here, independently of the page: the metrics by
:func:`data.report.summarize`, list lengths and exports by direct SQL.
"""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from data import report, schema, store
from data.metrics import local_date, period_for
from data.models import Case, CaseEvent, Department, Region, RegionAncestor
from layouts.format import format_value
from tests.auth_helpers import make_user
from tests.browser.conftest import open_console

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = ("data:", "blob:")
CHECKED = ("reported", "closed", "open", "overdue", "closure_rate", "on_time_closure_rate")


def _assert_clean(log, host: str) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    outside = {h for h in log.request_hosts if h != host and not h.startswith(LOCAL_SCHEMES)}
    assert outside == set(), f"requests left the machine: {outside}"


def _engine(server):
    return store.make_engine(server.settings.database_url)


def _summary(server, code: str) -> dict:
    engine = _engine(server)
    try:
        return report.summarize(engine, code)
    finally:
        engine.dispose()


def _wait_region(page, code: str) -> None:
    """Until the address and every panel show region ``code``."""
    page.wait_for_function("code => location.pathname === '/region/' + code", arg=code)
    page.wait_for_selector(f"#console-breadcrumb .crumb.current[data-code='{code}']")


def _assert_tiles(page, summary: dict) -> None:
    for key in CHECKED:
        kind = "rate" if key.endswith("rate") else "count"
        shown = page.inner_text(f"#console-tiles [data-metric={key}]")
        assert shown == format_value(summary["metrics"][key], kind), (summary["region"], key)


def _click_map_area(page, code: str) -> None:
    """Click the map inside child ``code``'s area, at the point of it farthest from every
    case marker (a click near a marker picks the case, not the area: where the demo's
    cases lie depends on the hour the store was built)."""
    page.locator("#console-map .choroplethlocation").first.wait_for()
    point = page.evaluate("""code => {
        const area = [...document.querySelectorAll('#console-map .choroplethlocation')]
            .find(p => p.__data__ && p.__data__.loc === code);
        if (!area) return null;
        const marks = [...document.querySelectorAll('#console-map .scattergeo path.point')]
            .map(m => m.getBoundingClientRect())
            .map(r => [r.x + r.width / 2, r.y + r.height / 2]);
        const box = area.getBoundingClientRect();
        const toLocal = area.getScreenCTM().inverse();
        const svg = area.ownerSVGElement;
        let best = null;
        for (let i = 1; i < 24; i++) for (let j = 1; j < 24; j++) {
            const x = box.x + box.width * i / 24, y = box.y + box.height * j / 24;
            const local = new DOMPoint(x, y).matrixTransform(toLocal);
            const inside = area.isPointInFill(svg.createSVGPoint ? Object.assign(
                svg.createSVGPoint(), {x: local.x, y: local.y}) : local);
            if (!inside) continue;
            const room = Math.min(1e9, ...marks.map(([mx, my]) => Math.hypot(mx - x, my - y)));
            if (best === null || room > best[2]) best = [x, y, room];
        }
        return best;
    }""", code)
    assert point is not None, f"no area of {code} on the map"
    page.mouse.click(point[0], point[1])


def _assert_map_fits(page, level: str) -> None:
    """The region's areas are drawn whole and fill the map: their outer box lies inside the
    map's frame with a margin on every side (an area zoomed past the frame is clipped to it
    and touches all four sides) and spans most of the frame on its fitted side."""
    page.wait_for_timeout(300)  # let the map settle after a redraw
    box = page.evaluate("""() => {
        const f = document.querySelector('#console-map .geo > .bg').getBoundingClientRect();
        const paths = [...document.querySelectorAll('#console-map .choroplethlocation')]
            .map(p => p.getBoundingClientRect());
        return {frame: [f.left, f.top, f.right, f.bottom],
                drawn: [Math.min(...paths.map(r => r.left)), Math.min(...paths.map(r => r.top)),
                        Math.max(...paths.map(r => r.right)),
                        Math.max(...paths.map(r => r.bottom))]};
    }""")
    (left, top, right, bottom), (x0, y0, x1, y1) = box["frame"], box["drawn"]
    margin_x, margin_y = (right - left) / 100, (bottom - top) / 100
    assert (x0 - left > margin_x and right - x1 > margin_x and y0 - top > margin_y
            and bottom - y1 > margin_y), \
        f"{level}: the map cuts its areas: drawn {box['drawn']} in the frame {box['frame']}"
    fill = max((x1 - x0) / (right - left), (y1 - y0) / (bottom - top))
    assert fill > 0.8, f"{level}: the areas fill {fill:.0%} of the map"


def _first_code(page) -> str:
    """The code in the list's first row, once its block has arrived from the server."""
    page.wait_for_function(
        "() => { const c = document.querySelector(\"#console-grid .ag-row[row-index='0'] "
        "[col-id='code']\"); return c && c.innerText.trim().length > 0; }")
    return page.inner_text("#console-grid .ag-row[row-index='0'] [col-id='code']").strip()


def _count_shown(page) -> int:
    """The list's length as the page states it (waiting until it states one: the count
    may land a moment after the first rows)."""
    page.wait_for_function("() => /\\d/.test(document.querySelector('#console-count')"
                           "?.innerText || '')")
    text = page.inner_text("#console-count")
    return int("".join(ch for ch in text if ch.isdigit()))


def _list_query(conn, region_code: str, days: int = 30):
    """The ids of the console's list by hand: cases under the region reported in the
    last ``days`` local days up to today."""
    tz = store.deployment_timezone(conn)
    today = local_date(store.utcnow(), tz)
    period = period_for(today - timedelta(days=days - 1), today, tz)
    region_id = conn.scalar(select(Region.id).where(Region.code == region_code))
    under = select(RegionAncestor.descendant_id).where(RegionAncestor.ancestor_id == region_id)
    return (select(Case.id, Case.code).where(Case.region_id.in_(under),
                                              Case.reported_at >= period.start,
                                              Case.reported_at < period.end))


def _county(server) -> str:
    engine = _engine(server)
    with engine.connect() as conn:
        code = conn.scalar(select(Region.code).where(Region.parent_id.is_(None)))
    engine.dispose()
    return code


def test_drill_down_by_clicking_the_map_and_back(browser, live_server, artifacts_dir):
    county = _county(live_server)
    context, page, log = open_console(browser, live_server, "/")
    page.wait_for_selector(f"#console-breadcrumb .crumb.current[data-code='{county}']")
    _assert_tiles(page, _summary(live_server, county))
    page.wait_for_selector("#console-map .choroplethlocation")
    page.screenshot(path=str(artifacts_dir / "console-county.png"), full_page=True)
    _assert_map_fits(page, "county")

    path = [county]
    for level in range(3):  # county → town → community → grid
        summary = _summary(live_server, path[-1])
        assert summary["children"], f"{path[-1]} should have children"
        child = summary["children"][0]
        page.wait_for_timeout(300)  # let the map settle after a redraw
        _click_map_area(page, child["code"])
        _wait_region(page, child["code"])
        # the hover label of the level above does not float over the new map (issue 18)
        page.wait_for_function("() => !document.querySelector("
                               "'#console-map .hoverlayer .hovertext')")
        if level == 0:
            page.screenshot(path=str(artifacts_dir / "console-after-drill.png"))
        path.append(child["code"])
        _assert_tiles(page, _summary(live_server, child["code"]))
        crumbs = page.locator("#console-breadcrumb .crumb").evaluate_all(
            "els => els.map(e => e.dataset.code)")
        assert crumbs == path
        _assert_map_fits(page, ("town", "community", "grid")[level])
    # the grid's cases as points: closed ones too (the grid may have none open this hour)
    page.click("#console-hide-closed input")
    page.wait_for_selector("#console-map .scattergeo path.point", state="attached")
    page.screenshot(path=str(artifacts_dir / "console-grid.png"), full_page=True)

    # up by the breadcrumb: the town
    page.click(f"#console-breadcrumb .crumb[data-code='{path[1]}'] a")
    _wait_region(page, path[1])
    _assert_tiles(page, _summary(live_server, path[1]))
    # and the browser's back button: the grid again (closed cases shown, then hidden as
    # before the click: the map's filter is a step of the history), then its community
    for hidden in (False, True):
        page.go_back()
        _wait_region(page, path[3])
        _assert_tiles(page, _summary(live_server, path[3]))
        page.wait_for_function("hidden => document.querySelector("
                               "'#console-hide-closed input').checked === hidden", arg=hidden)
    page.go_back()
    _wait_region(page, path[2])
    _assert_tiles(page, _summary(live_server, path[2]))
    context.close()
    _assert_clean(log, live_server.host)


def test_a_deep_link_with_filters_lists_what_sql_counts(browser, live_server):
    engine = _engine(live_server)
    with engine.connect() as conn:
        town = conn.scalar(select(Region.code).where(Region.depth == 1).order_by(Region.code))
        wanted = (Case.status == schema.DISPATCHED, Case.source == "patrol")
        expected = len(conn.execute(_list_query(conn, town).where(*wanted)).all())
        today = len(conn.execute(_list_query(conn, town, days=1).where(*wanted)).all())
    engine.dispose()
    assert expected > today, "the demo should hold such cases before today too"
    context, page, log = open_console(browser, live_server,
                                      f"/region/{town}?src=patrol&status=dispatched")
    _wait_region(page, town)
    page.wait_for_function(
        "n => document.querySelector('#console-count').innerText.replace(/\\D/g, '') == n",
        arg=str(expected))
    # the controls show the address's filters
    assert "网格员巡查" in page.inner_text("#console-source")
    assert "已派遣" in page.inner_text("#console-status")
    # a period button changes the address (the filters stay) and the list
    page.click("#console-period label:has-text('今日')")
    page.wait_for_function("() => location.search.includes('period=today')")
    assert "src=patrol" in page.url and "status=dispatched" in page.url
    page.wait_for_function(
        "n => document.querySelector('#console-count').innerText.replace(/\\D/g, '') == n",
        arg=str(today))
    context.close()
    _assert_clean(log, live_server.host)
    _a_scoped_user_lands_on_their_town(browser, live_server, town)


def _a_scoped_user_lands_on_their_town(browser, server, town: str) -> None:
    """Issue 18: a commander of ``town`` opening the console's top lands on the town with
    the period asked for; their first crumb is the town, and 导出周报 there names the town
    and a whole week (7 days ending today end in a running week: the last complete one) and
    opens that briefing."""
    engine = _engine(server)
    password = make_user(engine, "town-landing", "commander", region=town)
    with engine.connect() as conn:
        name = conn.scalar(select(Region.name).where(Region.code == town))
        today = local_date(store.utcnow(), store.deployment_timezone(conn))
        year, week, _ = (today - timedelta(days=7)).isocalendar()
    engine.dispose()
    context, page, log = open_console(browser, server, "/?period=7d",
                                      user=("town-landing", password))
    page.wait_for_function("t => location.pathname === '/region/' + t"
                           " && location.search === '?period=7d'", arg=town)
    page.wait_for_selector(f"#console-breadcrumb .crumb.current[data-code='{town}']")
    assert page.locator("#console-breadcrumb .crumb").count() == 1
    expected = f"/briefing?week={year}-W{week:02d}&region={town}"
    page.wait_for_function("href => document.querySelector('#console-briefing')"
                           ".getAttribute('href') === href", arg=expected)
    page.goto(f"{server.url}{expected}")
    page.wait_for_selector(".briefing-print")
    assert name in page.inner_text(".briefing-print")
    context.close()
    _assert_clean(log, server.host)


def test_sorting_and_scrolling_load_rows_from_the_server(browser, live_server):
    county = _county(live_server)
    engine = _engine(live_server)
    with engine.connect() as conn:
        codes = sorted(code for _, code in conn.execute(_list_query(conn, county)))
    engine.dispose()
    assert len(codes) > 300, "the demo county's 30 days should fill several blocks"
    context, page, log = open_console(browser, live_server, "/")
    page.wait_for_selector("#console-grid .ag-row[row-index='0'] [col-id='code']")
    assert _count_shown(page) == len(codes)
    # sort by code: ascending, then descending (the server sorts)
    page.click("#console-grid .ag-header-cell[col-id='code'] .ag-header-cell-label")
    page.wait_for_function(
        "code => document.querySelector(\"#console-grid .ag-row[row-index='0'] [col-id='code']\")"
        ".innerText === code", arg=codes[0])
    page.click("#console-grid .ag-header-cell[col-id='code'] .ag-header-cell-label")
    page.wait_for_function(
        "code => document.querySelector(\"#console-grid .ag-row[row-index='0'] [col-id='code']\")"
        ".innerText === code", arg=codes[-1])
    # scroll far down: the rows there come from a later block
    page.evaluate("""() => { const v = document.querySelector('#console-grid .ag-body-viewport');
                             v.scrollTop = 250 * 30; }""")
    row = page.locator("#console-grid .ag-row[row-index='250'] [col-id='code']")
    row.wait_for()
    page.wait_for_function(
        "() => { const c = document.querySelector(\"#console-grid .ag-row[row-index='250'] "
        "[col-id='code']\"); return c && c.innerText.length > 0; }")
    assert row.inner_text() == codes[::-1][250]
    rendered = page.locator("#console-grid .ag-center-cols-container .ag-row").count()
    assert rendered < len(codes), "the browser holds a window of rows, not the whole list"
    context.close()
    _assert_clean(log, live_server.host)


def test_a_case_click_shows_its_details_and_timeline(browser, live_server):
    context, page, log = open_console(browser, live_server, "/")
    code = _first_code(page)
    page.click("#console-grid .ag-row[row-index='0'] [col-id='code']")
    page.wait_for_selector("#console-detail .detail-table")
    engine = _engine(live_server)
    with engine.connect() as conn:
        case_id = conn.scalar(select(Case.id).where(Case.code == code))
        events = conn.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.at, CaseEvent.id)).scalars().all()
    engine.dispose()
    assert case_id is not None
    assert code in page.inner_text("#console-detail .detail-table")
    assert page.locator("#console-detail .timeline .tl-item").count() == len(events) > 0
    context.close()
    _assert_clean(log, live_server.host)


def test_export_csv_and_xlsx_hold_exactly_the_filtered_list(browser, live_server):
    county = _county(live_server)
    engine = _engine(live_server)
    with engine.connect() as conn:
        listed = _list_query(conn, county).where(Case.status == schema.CLOSED,
                                                Case.source == "patrol")
        expected = {code for _, code in conn.execute(listed)}
        # the grid's own column filter narrows the export too: grids named "...第1网格"
        first_grids = select(Region.id).where(Region.name.like("%第1网格%"))
        narrowed = sorted(code for _, code in conn.execute(
            listed.where(Case.region_id.in_(first_grids))))
    engine.dispose()
    assert expected and narrowed and len(narrowed) < len(expected)
    context, page, log = open_console(browser, live_server, "/?status=closed&src=patrol")
    page.wait_for_selector("#console-grid .ag-row[row-index='0'] [col-id='code']")
    with page.expect_download() as got:
        page.click("#console-export-csv")
    assert got.value.suggested_filename.endswith(".csv")
    frame = pd.read_csv(io.BytesIO(open(got.value.path(), "rb").read()), encoding="utf-8-sig",
                        dtype=str)
    assert set(frame["案卷编号"]) == expected and len(frame) == len(expected)
    with page.expect_download() as got:
        page.click("#console-export-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(open(got.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("案卷编号")
    assert {r[column] for r in rows[1:]} == expected and len(rows) - 1 == len(expected)
    # filter and sort in the grid itself, as a commander does in its column menus
    page.evaluate("""() => dash_ag_grid.getApiAsync('console-grid').then(api => {
        api.setFilterModel({place: {filterType: 'text', type: 'contains', filter: '第1网格'}});
        api.applyColumnState({state: [{colId: 'code', sort: 'asc'}], defaultState: {sort: null}});
    })""")
    page.wait_for_function(
        "n => document.querySelector('#console-count').innerText.replace(/\\D/g, '') == n",
        arg=str(len(narrowed)))
    with page.expect_download() as got:
        page.click("#console-export-csv")
    frame = pd.read_csv(io.BytesIO(open(got.value.path(), "rb").read()), encoding="utf-8-sig",
                        dtype=str)
    assert list(frame["案卷编号"]) == narrowed  # the same rows, in the grid's order
    context.close()
    _assert_clean(log, live_server.host)


def _filed_case(server) -> tuple[int, str]:
    """The newest filed case of the server's store; when the demo has none at this hour
    (around local midnight it may hold none filed and none waiting), a case reported now
    is written and filed, as an intake and a commander would."""
    from data import workflow

    engine = _engine(server)
    with engine.connect() as conn:
        row = conn.execute(select(Case.id, Case.code).where(Case.status == schema.FILED)
                           .order_by(Case.reported_at.desc())).first()
    if row is None:
        with store.transaction(engine) as conn:
            grid, lon, lat = conn.execute(
                select(Region.id, Region.centroid_lon, Region.centroid_lat)
                .where(Region.depth == 3).order_by(Region.code).limit(1)).one()
            code = f"TEST-{time.time_ns()}"
            case_id = conn.execute(insert(Case).values(
                code=code, status=schema.REPORTED, location_method="point", region_id=grid,
                reported_at=store.utcnow(), lon=lon, lat=lat, subcategory="暴露垃圾",
                category="市容环境", case_class="incident", source="patrol",
                version=1)).inserted_primary_key[0]
            store.bump_data_version(conn)
        workflow.apply(engine, case_id, "file", actor="test", expected_version=1)
        row = (case_id, code)
    engine.dispose()
    return int(row[0]), row[1]


def _open_dispatch_form(page, code: str) -> None:
    cell = page.locator(f"#console-grid .ag-row [col-id='code']:has-text('{code}')").first
    cell.wait_for()
    cell.click()
    page.wait_for_selector("#console-actions [data-action=dispatch]")
    page.click("#console-actions [data-action=dispatch]")
    page.wait_for_selector("#console-form .hint div")


def test_dispatching_a_case_from_the_list(browser, console_server, artifacts_dir):
    case_id, code = _filed_case(console_server)
    context, page, log = open_console(browser, console_server, f"/?q={code}")
    _open_dispatch_form(page, code)
    page.screenshot(path=str(artifacts_dir / "console-dispatch.png"))
    page.click("#action-submit")
    page.wait_for_function(
        "() => document.querySelector('#action-feedback').innerText.includes('已完成')")
    # the form closes, and the case's detail shows what the dispatch did (issue 18)
    page.wait_for_selector("#console-form", state="hidden")
    page.wait_for_function(
        "() => document.querySelector('#console-detail').innerText.includes('已派遣')")
    page.screenshot(path=str(artifacts_dir / "console-dispatched.png"))
    engine = _engine(console_server)
    with engine.connect() as conn:
        status, department, version = conn.execute(
            select(Case.status, Case.department_id, Case.version).where(Case.id == case_id)).one()
        events = conn.execute(select(CaseEvent.action, CaseEvent.actor)
                              .where(CaseEvent.case_id == case_id,
                                     CaseEvent.action == "dispatch")).all()
    engine.dispose()
    assert status == schema.DISPATCHED and department is not None
    assert events == [("dispatch", "test-admin")]
    with _engine(console_server).connect() as conn:
        department_name = conn.scalar(select(Department.name)
                                      .where(Department.id == department))
    assert department_name in page.inner_text("#console-detail")
    # the list shows the new status without a reload
    page.wait_for_function(
        "() => document.querySelector(\"#console-grid .ag-row[row-index='0'] "
        "[col-id='status']\").innerText === '已派遣'")
    context.close()
    _assert_clean(log, console_server.host)


def test_two_commanders_dispatch_the_same_case(browser, console_server, artifacts_dir):
    case_id, code = _filed_case(console_server)
    engine = _engine(console_server)
    first = ("cmd-a", make_user(engine, "cmd-a", "commander"))
    second = ("cmd-b", make_user(engine, "cmd-b", "commander"))
    engine.dispose()
    ctx_a, page_a, log_a = open_console(browser, console_server, f"/?q={code}", user=first)
    ctx_b, page_b, log_b = open_console(browser, console_server, f"/?q={code}", user=second)
    _open_dispatch_form(page_a, code)
    _open_dispatch_form(page_b, code)
    page_a.click("#action-submit", no_wait_after=True)
    page_b.click("#action-submit", no_wait_after=True)
    for page in (page_a, page_b):
        page.wait_for_function(
            "() => document.querySelector('#action-feedback').innerText.length > 0")
    said = [page_a.inner_text("#action-feedback"), page_b.inner_text("#action-feedback")]
    page_b.screenshot(path=str(artifacts_dir / "console-conflict.png"))
    assert sum("已完成" in s for s in said) == 1, said
    assert sum("案件已被他人修改" in s for s in said) == 1, said
    # the one who was refused still has the form open, the one who succeeded does not
    shown = [page.is_visible("#console-form") for page in (page_a, page_b)]
    assert shown == ["案件已被他人修改" in s for s in said], (shown, said)
    engine = _engine(console_server)
    with engine.connect() as conn:
        events = conn.execute(select(CaseEvent.actor).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "dispatch")).scalars().all()
        version = conn.scalar(select(Case.version).where(Case.id == case_id))
    engine.dispose()
    assert len(events) == 1 and events[0] in ("cmd-a", "cmd-b")
    ctx_a.close()
    ctx_b.close()
    _assert_clean(log_a, console_server.host)
    _assert_clean(log_b, console_server.host)


def test_imported_text_is_shown_as_text(browser, console_server):
    engine = _engine(console_server)
    evil = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">"
    with store.transaction(engine) as conn:
        grid = conn.scalar(select(Region.id).where(Region.depth == 3).order_by(Region.id))
        conn.execute(insert(Case).values(
            code="XSS-1", status=schema.REPORTED, location_method="code", region_id=grid,
            reported_at=store.utcnow() - timedelta(hours=1), description=evil,
            address="<b>bold</b>", subcategory="<i>x</i>", version=1))
        store.bump_data_version(conn)
    engine.dispose()
    context, page, log = open_console(browser, console_server, "/?q=XSS-1")
    cell = page.locator("#console-grid .ag-row[row-index='0'] [col-id='code']")
    cell.wait_for()
    cell.click()
    page.wait_for_selector("#console-detail .detail-table")
    assert evil in page.inner_text("#console-detail")
    assert "<i>x</i>" in page.inner_text("#console-grid")
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("#console-detail img, #console-grid i, #console-detail b").count() == 0
    context.close()
    _assert_clean(log, console_server.host)


def test_english_and_unknown_region(browser, live_server, artifacts_dir):
    context, page, log = open_console(browser, live_server, "/?lang=en")
    page.wait_for_selector("#console-tiles [data-metric=reported]")
    body = page.inner_text("body")
    assert "Reported" in body and "Cases" in body and "Command Console" in body
    page.wait_for_selector("#console-grid .ag-row[row-index='0']")
    page.screenshot(path=str(artifacts_dir / "console-en.png"), full_page=True)
    page.goto(f"{live_server.url}/region/NO-SUCH-REGION")
    page.wait_for_function("() => document.body.innerText.includes('NO-SUCH-REGION')")
    assert "没有编码为 NO-SUCH-REGION 的区域" in page.inner_text("body")
    context.close()
    _assert_clean(log, live_server.host)
