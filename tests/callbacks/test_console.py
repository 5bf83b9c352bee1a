"""The console's callbacks, called directly in a request of the app, on a hand-built store.

The principal of the request is set as :mod:`dashboard.auth` keeps it (``g._principal``),
so the real scope checks run. Expected numbers come from :func:`data.report.summarize`
or are counted by hand from :mod:`tests.tiny_store`.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from dash import no_update
from flask import g
from shapely import box, to_wkb
from sqlalchemy import insert, select

from callbacks import console as cb
from dashboard import console_cache
from dashboard.app import create_app
from dashboard.settings import Settings
from data import report, store
from data.console_state import ConsoleState, region_of_path
from data.models import Case, CaseEvent, Region
from data.users import Principal
from layouts import ids
from layouts.console_panels import PANEL_KEYS
from layouts.format import format_value
from tests import tiny_store

PERIOD = "?period=custom&from=2026-03-01&to=2026-03-10"


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    tiny_store.build(app.server.extensions["grid_dashboard"]["engine"])
    return app


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


@contextmanager
def _as(app, role: str = "admin", region: str | None = None, name: str = "tester"):
    """A request of ``app`` made by a principal of ``role`` scoped to ``region``."""
    engine = _engine(app)
    region_id = None
    if region is not None:
        region_id = dict((c, i) for i, c, *_ in tiny_store.REGIONS)[region]
    with app.server.test_request_context("/"):
        g._principal = Principal(name, role, region_id, region, engine=engine)
        yield


def _state(path: str = "/region/C", search: str = PERIOD) -> dict:
    """The console's state for an address, as the page's store holds it."""
    return ConsoleState.parse(path, search).to_store()


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


def _tile_values(tiles) -> dict[str, str]:
    out = {}
    for tile in tiles:
        value = tile.children[1]
        out[getattr(value, "data-metric")] = value.children
    return out


# --- navigation -------------------------------------------------------------------------------

def _navigate(state, trigger, *, click=None, bar=None, period=None, start=None, end=None,
              cats=None, srcs=None, stats=None, hide=("hide",), text="", path="/region/C",
              search=""):
    return cb.navigate(click, bar, period or state["period"], start, end,
                       cats if cats is not None else state["categories"],
                       srcs if srcs is not None else state["sources"],
                       stats if stats is not None else state["statuses"],
                       list(hide), text, state, path, search, trigger=trigger)


def test_a_click_on_a_child_drills_and_keeps_the_filters():
    state = _state("/region/C", "?period=7d&src=patrol")
    click = {"points": [{"location": "T1", "z": 3}]}
    assert _navigate(state, ids.CONSOLE_MAP, click=click, search="?period=7d&src=patrol") == (
        "/region/T1", no_update)
    assert _navigate(state, ids.CONSOLE_MAP, click=click, search="") == (
        "/region/T1", "?period=7d&src=patrol")
    bar = {"points": [{"x": "青山镇", "customdata": "T2"}]}
    assert _navigate(state, ids.CONSOLE_COMPARE_BARS, bar=bar)[0] == "/region/T2"
    # a case point or the region itself: no drill
    point = {"points": [{"customdata": 42, "lon": 1, "lat": 2}]}
    assert _navigate(state, ids.CONSOLE_MAP, click=point) == (no_update, no_update)
    itself = {"points": [{"location": "C"}]}
    assert _navigate(state, ids.CONSOLE_MAP, click=itself) == (no_update, no_update)


def test_controls_change_the_query_string_only_when_it_changes():
    state = _state("/region/C", "")
    assert _navigate(state, ids.CONSOLE_PERIOD, period="today") == (no_update, "?period=today")
    assert _navigate(state, ids.CONSOLE_STATUS, stats=["overdue"]) == (no_update,
                                                                       "?status=overdue")
    assert _navigate(state, ids.CONSOLE_HIDE_CLOSED, hide=()) == (no_update, "?closed=show")
    # the same state as the address: nothing to do (no loop between address and controls)
    assert _navigate(state, ids.CONSOLE_PERIOD) == (no_update, no_update)
    # custom needs both dates; picking dates makes the period custom
    assert _navigate(state, ids.CONSOLE_PERIOD, period="custom") == (no_update, no_update)
    assert _navigate(state, ids.CONSOLE_DATES, start="2026-03-01", end="2026-03-10") == (
        no_update, "?period=custom&from=2026-03-01&to=2026-03-10")


def test_sync_state_sets_the_controls_from_the_address(app):
    with _as(app):
        out = cb.sync_state("/region/T1", "?status=closed&closed=show", None)
        assert out[0]["region"] == "T1"
        assert out[1:] == ("30d", None, None, [], [], ["closed"], [], "")
        assert cb.sync_state("/region/T1", "?status=closed&closed=show", out[0]) == (
            (no_update,) * 9)
        assert cb.sync_state("/wall", "", out[0]) == (no_update,) * 9


# --- the panels -------------------------------------------------------------------------------

def test_the_panels_equal_the_summary(app):
    with _as(app):
        out = cb.update_panels(_state("/region/C"), 0)
    shown = dict(zip(PANEL_KEYS, out))
    expected = report.summarize(_engine(app), "C", date(2026, 3, 1), date(2026, 3, 10))
    values = _tile_values(shown["tiles"])
    for key in ("reported", "closed", "open", "overdue", "closure_rate",
                "on_time_closure_rate"):
        kind = "rate" if key.endswith("rate") else "count"
        assert values[key] == format_value(expected["metrics"][key], kind), key
    # by hand: 4 reported (K1..K4), 2 closed, K2 open and overdue
    assert (values["reported"], values["closed"], values["open"], values["overdue"]) == (
        "4", "2", "1", "1")
    # the map: the two towns, coloured by open cases (T1 holds K2)
    choropleth = shown["map"].data[0]
    assert list(choropleth.locations) == ["T1", "T2"]
    assert list(choropleth.z) == [1, 0]
    # the comparison and the crumbs
    assert "城关镇" in _texts(shown["compare_table"]) and "青山镇" in _texts(shown["compare_table"])
    assert _texts(shown["breadcrumb"]) == ["清源县"]
    assert shown["message"] == ""


def test_a_grid_shows_its_cases_as_points(app):
    with _as(app):
        out = cb.update_panels(_state("/region/G2", PERIOD + "&closed=show"), 0)
    figure = dict(zip(PANEL_KEYS, out))["map"]
    assert list(figure.data[0].locations) == ["G2"]
    # tiny_store's cases have no coordinates: no points to draw, and no error
    assert list(figure.data[3].lon) == []
    crumbs = _texts(dict(zip(PANEL_KEYS, out))["breadcrumb"])
    assert [c for c in crumbs if c != "›"] == ["清源县", "城关镇", "城关镇第2网格"]


def test_a_region_outside_the_scope_is_refused_in_words(app):
    with _as(app, "commander", region="T2"):
        out = cb.update_panels(_state("/region/T1"), 0)
        rows = cb.grid_rows({"startRow": 0, "endRow": 100}, _state("/region/T1"))
    assert out[:-1] == (no_update,) * (len(PANEL_KEYS) - 1)
    assert "T1" in out[-1] and "无权" in out[-1]
    assert rows[0] == {"rowData": [], "rowCount": 0}


def test_an_unknown_region_is_a_message(app):
    with _as(app):
        out = cb.update_panels(_state("/region/ZZZ", "?lang=en"), 0)
    assert out[-1] == "No region has the code ZZZ"


def _crumbs(out) -> list[tuple[str, str | None]]:
    """(text, link) of each crumb the panels' breadcrumb shows (the current one: no link)."""
    crumbs = []
    for part in dict(zip(PANEL_KEYS, out))["breadcrumb"]:
        if "crumb" in part.className.split():
            link = part.children if not isinstance(part.children, str) else None
            crumbs.append((_texts(part)[0], None if link is None else link.href))
    return crumbs


def test_a_scoped_user_opens_on_their_own_region(app):
    # the first crumb is their region: the county above it is no link they could follow
    with _as(app, "viewer", region="T2"):
        out = cb.update_panels(_state("/"), 0)
        below = cb.update_panels(_state("/region/G3"), 0)
    assert _crumbs(out) == [("青山镇", None)]
    assert _crumbs(below) == [("青山镇", "/region/T2?period=custom&from=2026-03-01"
                                         "&to=2026-03-10"), ("青山镇第1网格", None)]


def test_several_top_regions_get_a_crumb_for_the_whole_deployment(app):
    with _as(app):  # one top region: it is the whole deployment, no crumb above it
        assert _crumbs(cb.update_panels(_state("/region/T1", ""), 0))[0] == ("清源县", "/region/C")
    with store.transaction(_engine(app)) as conn:  # a second county beside 清源县
        conn.execute(insert(Region).values(id=7, code="C2", name="白石县", level="区县", depth=0,
                                           parent_id=None, geometry=to_wkb(box(9, 0, 10, 1))))
        store.rebuild_region_ancestors(conn)
        store.bump_data_version(conn)
    with _as(app):
        drilled = cb.update_panels(_state("/region/T1", ""), 0)
        top = cb.update_panels(_state("/", ""), 0)
    assert _crumbs(drilled) == [("全部区域", "/"), ("清源县", "/region/C"), ("城关镇", None)]
    assert _crumbs(top) == [("全部区域", None)]
    with _as(app, "viewer", region="T1"):  # not for a scoped user: they may not read it
        assert _crumbs(cb.update_panels(_state("/region/G1", ""), 0)) == [
            ("城关镇", "/region/T1"), ("城关镇第1网格", None)]


# --- the case list ----------------------------------------------------------------------------

def test_the_list_pages_from_the_server(app):
    with _as(app):
        response, count = cb.grid_rows({"startRow": 0, "endRow": 100}, _state())
        closed, _ = cb.grid_rows({"startRow": 0, "endRow": 100},
                                 _state("/region/C", PERIOD + "&status=closed"))
        town, _ = cb.grid_rows({"startRow": 0, "endRow": 100, "sortModel":
                                [{"colId": "code", "sort": "asc"}]}, _state("/region/T2"))
        bad, said = cb.grid_rows({"startRow": 0, "endRow": 100, "sortModel":
                                  [{"colId": "1; drop table cases", "sort": "asc"}]}, _state())
    assert response["rowCount"] == 4 and count == "共 4 件"
    assert sorted(r["code"] for r in response["rowData"]) == ["K1", "K2", "K3", "K4"]
    assert {r["code"] for r in closed["rowData"]} == {"K1", "K3"}
    assert [r["code"] for r in town["rowData"]] == ["K3", "K4"]
    row = next(r for r in response["rowData"] if r["code"] == "K2")
    assert row["status_label"] == "已派遣" and row["row_id"] == str(row["id"])
    assert bad == {"rowData": [], "rowCount": 0} and "drop table" in said


def test_open_case_reads_the_row_or_the_map_point():
    assert cb.open_case({"rowId": "7", "colId": "code"}, None, trigger=ids.CONSOLE_GRID) == 7
    assert cb.open_case({"rowId": "undefined"}, None, trigger=ids.CONSOLE_GRID) is no_update
    point = {"points": [{"customdata": 9}]}
    assert cb.open_case(None, point, trigger=ids.CONSOLE_MAP) == 9
    region = {"points": [{"location": "T1"}]}
    assert cb.open_case(None, region, trigger=ids.CONSOLE_MAP) is no_update


# --- acting on cases --------------------------------------------------------------------------

def _case(app, code: str) -> tuple[int, int, str]:
    with _engine(app).connect() as conn:
        return tuple(conn.execute(select(Case.id, Case.version, Case.status)
                                  .where(Case.code == code)).one())


def _submit(app, action, targets, lang="zh", **fields):
    state = _state("/region/C", PERIOD + ("&lang=en" if lang == "en" else ""))
    return cb.submit_action(1, action, targets, fields.get("reason"), fields.get("department"),
                            fields.get("officer"), fields.get("due"), fields.get("level"),
                            fields.get("note"), 3, state)


def test_actions_offered_are_those_allowed_on_every_selected_case(app):
    k1, k2 = _case(app, "K1"), _case(app, "K2")
    with _as(app):
        targets, buttons = cb.choose_targets(
            [{"id": k2[0], "version": k2[1], "status": k2[2], "code": "K2"}], None, 0,
            _state())
        offered = [b.action for b in _find_buttons(buttons)]
        none, words = cb.choose_targets(
            [{"id": k1[0], "version": k1[1], "status": k1[2], "code": "K1"},
             {"id": k2[0], "version": k2[1], "status": k2[2], "code": "K2"}], None, 0, _state())
    assert targets == [{"id": k2[0], "version": k2[1], "status": "dispatched", "code": "K2"}]
    # DOMAIN.md: a dispatched case can be returned, postponed, resolved, suspended, urged
    assert set(offered) == {"return", "postpone", "resolve", "suspend", "urge"}
    # a closed case allows nothing, so a selection holding one offers nothing
    assert _find_buttons(words) == [] and "没有可执行的操作" in " ".join(_texts(words))


def _find_buttons(component) -> list:
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += _find_buttons(c)
        return found
    if isinstance(getattr(component, "id", None), dict):
        component.action = component.id["action"]
        found.append(component)
    children = getattr(component, "children", None)
    if children is not None:
        found += _find_buttons(children)
    return found


def test_the_form_shows_the_fields_of_the_action(app):
    k2 = _case(app, "K2")
    targets = [{"id": k2[0], "version": k2[1], "status": k2[2], "code": "K2"}]
    with _as(app):
        out = cb.open_form([1], None, targets, _state(),
                           trigger={"type": "console-action-button", "action": "postpone"})
        closed = cb.open_form([1], 1, targets, _state(), trigger=ids.ACTION_CANCEL)
    assert out[0] == "postpone" and out[1] == {"display": "block"}
    rows = dict(zip(("department", "officer", "due", "level", "reason", "note"), out[2:8]))
    assert {f for f, style in rows.items() if style["display"] == "block"} == {
        "due", "reason", "note"}
    assert closed[0] is None and closed[1] == {"display": "none"}


def test_an_action_is_applied_and_recorded_with_the_actor(app):
    case_id, version, _ = _case(app, "K2")
    with _as(app, name="张指挥"):
        said, refresh, deselect, *form = _submit(
            app, "urge", [{"id": case_id, "version": version, "code": "K2"}], note="请尽快处理")
    assert "已完成" in said and refresh == 4 and deselect is True
    # done: the form closes and empties (style, action, reason, note)
    assert form == [{"display": "none"}, None, None, None]
    with _engine(app).connect() as conn:
        events = conn.execute(select(CaseEvent.action, CaseEvent.actor, CaseEvent.note)
                              .where(CaseEvent.case_id == case_id)).all()
    assert events == [("urge", "张指挥", "请尽快处理")]
    assert _case(app, "K2")[1] == version + 1


def test_workflow_refusals_are_worded_and_nothing_is_written(app):
    case_id, version, _ = _case(app, "K2")
    target = [{"id": case_id, "version": version, "code": "K2"}]
    with _as(app):
        illegal, refresh, _, *form = _submit(app, "close", target)
        missing, *_ = _submit(app, "return", target, lang="en")
        stale, stale_refresh, *_ = _submit(app, "urge", [{**target[0], "version": version - 1}],
                                           note="x")
    assert "K2" in illegal and "不能执行" in illegal and "已派遣" in illegal
    assert refresh is no_update
    assert form == [no_update] * 4  # refused: the form stays open as filled
    assert "Reason" in missing and "required" in missing
    assert "案件已被他人修改" in stale and stale_refresh == 4  # redraw: show the case as it is
    assert _case(app, "K2")[1] == version
    with _engine(app).connect() as conn:
        assert conn.execute(select(CaseEvent.id)).all() == []


def test_a_viewer_may_not_act(app):
    case_id, version, _ = _case(app, "K2")
    with _as(app, "viewer"):
        said, refresh, *_ = _submit(app, "urge", [{"id": case_id, "version": version}], note="x")
    assert "指挥员" in said and refresh is no_update
    assert _case(app, "K2")[1] == version


def test_a_commander_of_another_town_may_not_act(app):
    case_id, version, _ = _case(app, "K2")  # K2 lies in G2, under T1
    with _as(app, "commander", region="T2"):
        said, refresh, *_ = _submit(app, "urge", [{"id": case_id, "version": version}], note="x")
    # refused in words that name neither the case's grid nor whether the case exists
    assert "G2" not in said and "辖区" in said and refresh is no_update
    with _as(app, "commander", region="T2"):
        unknown, *_ = _submit(app, "urge", [{"id": 99999, "version": 1}], note="x")
    assert unknown == said
    assert _case(app, "K2")[1] == version


def test_postpone_takes_the_end_of_the_chosen_local_day(app):
    params = cb._params("postpone", " 雨季 ", None, None, "2026-03-20", None,
                        __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert params == {"reason": "雨季", "due_at": __import__("datetime").datetime(2026, 3, 20, 10)}


def test_export_sends_the_filtered_list_as_a_file(app):
    """The CSV: an address the browser opens (the route streams it); the XLSX: the file."""
    with _as(app):
        _, target, said = cb.export_list(1, None, _state("/region/C", PERIOD + "&status=closed"),
                                         None, trigger=ids.CONSOLE_EXPORT_CSV)
        xlsx, _, _ = cb.export_list(None, 1, _state("/region/T2"), {
            "sortModel": [{"colId": "code", "sort": "desc"}], "filterModel": {}},
            trigger=ids.CONSOLE_EXPORT_XLSX)
    import base64
    import io

    import openpyxl
    import pandas as pd

    from tests.auth_helpers import make_user, sign_in

    assert target["url"].startswith("/export/cases.csv?") and target["n"] == 1
    assert said == "CSV 正在下载"
    client = app.server.test_client()
    sign_in(client, "exporter", make_user(_engine(app), "exporter", "viewer", region="C"))
    response = client.get(target["url"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert ".csv" in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert sorted(frame["案卷编号"]) == ["K1", "K3"]  # by hand: the two closed cases
    assert xlsx["filename"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[rows[0].index("案卷编号")] for r in rows[1:]] == ["K4", "K3"]  # T2's, sorted


def test_an_xlsx_longer_than_the_cap_is_refused_with_words_offering_the_csv(app):
    settings = app.server.extensions["grid_dashboard"]["settings"]
    app.server.extensions["grid_dashboard"]["settings"] = settings.with_(export_xlsx_max_rows=1)
    with _as(app):
        download, target, said = cb.export_list(None, 1, _state("/region/T2"), None,
                                                trigger=ids.CONSOLE_EXPORT_XLSX)
        _, _, said_en = cb.export_list(None, 2, _state("/region/C", PERIOD + "&lang=en"),
                                       None, trigger=ids.CONSOLE_EXPORT_XLSX)
        one, _, nothing = cb.export_list(None, 3, _state("/region/G1"), None,
                                         trigger=ids.CONSOLE_EXPORT_XLSX)
    assert download is no_update and target is no_update
    # T2 holds K3 and K4 in the period: 2 rows, over a cap of 1
    assert said == ("当前列表共 2 行，超过 Excel 导出上限 1 行。"
                    "请改用“导出 CSV”（不限行数），或缩小时间范围、增加筛选条件。")
    assert said_en.startswith("The list holds 4 rows, more than an Excel export's limit of 1.")
    assert "Export CSV" in said_en
    assert one["filename"].endswith(".xlsx") and nothing == ""  # G1: K1 alone, at the cap


def test_the_detail_of_a_case_and_of_none(app):
    case_id = _case(app, "K2")[0]
    with _as(app):
        shown = cb.show_case(case_id, 0, _state())
        missing = cb.show_case(99999, 0, _state("/region/C", "?lang=en"))
    with _as(app, "viewer", region="T2"):
        outside = cb.show_case(case_id, 0, _state("/region/T2", "?lang=en"))
    texts = _texts(shown)
    assert "K2" in texts and "已派遣" in texts
    assert "清源县 › 城关镇 › 城关镇第2网格" in texts
    # no such case, and a case outside the area, are refused alike, naming neither
    assert missing == outside and "does not exist, or lies outside your area" in missing
    assert "G2" not in outside and "99999" not in missing


def test_prewarm_fills_the_servers_cache(app):
    from dashboard import services

    console_cache.prewarm_once(app)
    with app.server.app_context():
        assert len(services.extension()[console_cache.RESULTS_CACHE]) > 0
    with _as(app):  # and a view from the warm cache still equals the summary
        out = cb.update_panels(_state("/region/T1", ""), 0)
    expected = report.summarize(_engine(app), "T1")
    values = _tile_values(dict(zip(PANEL_KEYS, out))["tiles"])
    assert values["reported"] == format_value(expected["metrics"]["reported"], "count")


def test_region_codes_are_quoted_in_addresses():
    from layouts.console import console_href

    href = console_href("REGION 2/A", {"src": ["patrol"]}, "zh")
    assert href == "/region/REGION%202%2FA?src=patrol"
    path, _, query = href.partition("?")
    assert ConsoleState.parse(path, "?" + query).region == "REGION 2/A"
    assert region_of_path("/wall") is None


def test_the_prewarm_job_keeps_running(app, monkeypatch):
    import threading

    from dashboard import serving

    passes = []
    done = threading.Event()

    def counted(app_, now=None):
        passes.append(1)
        if len(passes) >= 2:
            done.set()

    monkeypatch.setattr(console_cache, "prewarm_once", counted)
    monkeypatch.setattr(console_cache, "PREWARM_SECONDS", 0.01)
    running = serving.start_background(app, services_settings(app), with_feed=False)
    try:
        assert done.wait(5), "the job should warm up again after its pause"
    finally:
        serving.stop_background(running)


def services_settings(app):
    return app.server.extensions["grid_dashboard"]["settings"]
