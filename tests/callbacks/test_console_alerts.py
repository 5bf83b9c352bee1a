"""The console's 预警 panel (callbacks/console_alerts.py, layouts/console_alerts.py), called
directly in a request of the app as someone, on SQLite and PostgreSQL.

The store is :mod:`tests.alert_store`'s tiny county (town T1: grids G1, G2; town T2: grid
G3), with a category for supervision cases and these alerts, written as the rules' findings
are (:func:`data.alerts.book.apply_findings`):

=====  ===================  ======  ======  =============================================
name   rule                 level   region  cases
=====  ===================  ======  ======  =============================================
g1     repeat_location      red     G1      A1, A2 (G1, with points), A3 (G1, no point)
g2     stuck_case           orange  G2      B1 (G2)
g3     surge                yellow  G3      C1 (G3)
edge   repeat_location      yellow  G2      D1 (G2), D2 (G3: another town's)
none   recurring_dispute    orange  —       N1 (unlocated)
=====  ===================  ======  ======  =============================================
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timedelta

import plotly
import pytest
from dash import no_update
from flask import g
from sqlalchemy import func, insert, select, update

from callbacks import console as console_cb
from callbacks import console_alerts as cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.alerts import actions, book
from data.alerts.finding import Finding
from data.console_state import ConsoleState
from data.models import Alert, AuditEntry, Case, CaseEvent, Category, Department
from data.users import Principal
from layouts import console_alerts as layout
from layouts import ids
from tests import alert_store as s

NOW = datetime(2026, 3, 10, 12, 0)
CODES = {1: "C", 2: "T1", 3: "T2", 4: "G1", 5: "G2", 6: "G3"}
T2 = 3
REFUSED = "无法查看或操作此预警：预警不存在，或不在您的辖区内"


@pytest.fixture
def app(engine):
    s.build(engine)
    cases = s.add(engine,
                  s.case("A1", NOW - timedelta(days=3), lon=s.LON, lat=s.LAT),
                  s.case("A2", NOW - timedelta(days=2), lon=s.LON, lat=s.north(10)),
                  s.case("A3", NOW - timedelta(days=1)),
                  s.case("B1", NOW - timedelta(days=20), region_id=s.G2),
                  s.case("C1", NOW - timedelta(days=1), region_id=s.G3, lon=116.5, lat=39.9),
                  s.case("D1", NOW - timedelta(days=4), region_id=s.G2, lon=116.3, lat=39.9),
                  s.case("D2", NOW - timedelta(days=4), region_id=s.G3, lon=116.3,
                         lat=s.north(5)),
                  s.case("N1", NOW - timedelta(days=5), region_id=None,
                         case_class=schema.DISPUTE))
    with store.transaction(engine) as conn:
        conn.execute(insert(Department).values(id=1, code="D1", name="城管"))
        conn.execute(insert(Category).values(
            code="C01", case_class=schema.INCIDENT, category="市容", subcategory="占道经营",
            department_id=1, time_limit=2.0, time_unit=schema.HOURS))
        findings = {
            "repeat_location": [
                Finding("repeat_location", "repeat_location:g1", "red", s.G1,
                        NOW - timedelta(days=3), (cases["A1"], cases["A2"], cases["A3"]),
                        {"days": 30, "radius_m": 50, "cases": ["A1", "A2", "A3"]}),
                Finding("repeat_location", "repeat_location:edge", "yellow", s.G2,
                        NOW - timedelta(days=4), (cases["D1"], cases["D2"]),
                        {"days": 30, "radius_m": 50, "cases": ["D1", "D2"]})],
            "stuck_case": [Finding("stuck_case", "stuck_case:g2", "orange", s.G2,
                                   NOW - timedelta(days=10), (cases["B1"],),
                                   {"reason": "overdue", "overdue_days": 10})],
            "surge": [Finding("surge", "surge:g3", "yellow", s.G3, NOW - timedelta(days=1),
                              (cases["C1"],), {"count": 23, "expected": 4.1, "p": 0.0004,
                                               "days": 7, "category": "占道经营"})],
            "recurring_dispute": [Finding("recurring_dispute", "recurring_dispute:none",
                                          "orange", None, NOW - timedelta(days=5),
                                          (cases["N1"],), {"party": "张三",
                                                           "mediated_at": "2026-02-01",
                                                           "earlier_case_id": 1})]}
        book.apply_findings(conn, NOW, findings)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    app.alerts = _alert_ids(engine)
    app.cases = cases
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _alert_ids(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {key.split(":")[1]: alert_id for key, alert_id in
                conn.execute(select(Alert.key, Alert.id)).all()}


def _alert(app, name: str):
    with _engine(app).connect() as conn:
        return book.get_alert(conn, app.alerts[name])


@contextmanager
def _as(app, role: str = "admin", region: int | None = None, name: str = "张指挥"):
    with app.server.test_request_context("/"):
        g._principal = Principal(name, role, region, CODES.get(region), engine=_engine(app))
        yield


def _store(path: str = "/", search: str = "") -> dict:
    return ConsoleState.parse(path, search).to_store()


def _text(value) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def _listed(result) -> list[str]:
    """The alert ids (as the rows carry them) of show_alerts' list, in order."""
    rows = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if "data-alert" in props and "alert-row" in str(props.get("className")):
                rows.append(props["data-alert"])
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(json.loads(_text(result[0])))
    return rows


def _ids(app, *names) -> list[str]:
    return [str(app.alerts[n]) for n in names]


def _snapshot(app) -> tuple:
    with _engine(app).connect() as conn:
        return (tuple(conn.execute(select(Alert.id, Alert.state, Alert.version)
                                   .order_by(Alert.id)).all()),
                conn.scalar(select(func.count()).select_from(Case)))


# --- the list -------------------------------------------------------------------------------

def test_the_list_is_the_region_s_most_urgent_first_and_filtered(app):
    with _as(app):
        shown = cb.show_alerts(_store(), 0, None, "open", None, None, 0)
        assert _listed(shown) == _ids(app, "g1", "none", "g2", "g3", "edge")  # then newest
        assert shown[1] == "共 5 条，显示第 1–5 条" and shown[2:] == (True, True)
        assert _listed(cb.show_alerts(_store(), 0, None, "open", "repeat_location", None,
                                      0)) == _ids(app, "g1", "edge")
        assert _listed(cb.show_alerts(_store(), 0, None, "open", None, "orange", 0)) == \
            _ids(app, "none", "g2")
        # T1 and below: its grids' alerts (the edge alert lies in G2), not T2's or none's
        assert _listed(cb.show_alerts(_store("/region/T1"), 0, None, "open", None, None,
                                      0)) == _ids(app, "g1", "g2", "edge")
        # a filter the data layer does not know reads as none (never an error)
        assert _listed(cb.show_alerts(_store("/region/G3"), 0, None, "bogus", ["x"], 7,
                                      0)) == _ids(app, "g3")
        text = _text(shown)
    assert "本网格近7日“占道经营”上报23件，同期均值4.1件，概率<0.001" in text
    assert "近30日内50米范围内反复上报3件" in text and "案件超期10日仍未办结" in text
    assert "自 2026-03-07 12:00" in text  # since: the deployment's local time (UTC here)


def test_closed_and_new_filters_and_the_state_in_words(app):
    engine = _engine(app)
    g1, g2 = _alert(app, "g1"), _alert(app, "g2")
    actions.close(engine, g1.id, actor="李主任", expected_version=g1.version, note="已现场核实",
                  now=NOW)
    actions.acknowledge(engine, g2.id, actor="王指挥", expected_version=g2.version, now=NOW)
    with store.transaction(engine) as conn:  # the system closes the surge
        book.apply_findings(conn, NOW + timedelta(hours=1), {"surge": []})
    with _as(app):
        closed = cb.show_alerts(_store(), 0, None, "closed", None, None, 0)
        new = cb.show_alerts(_store(), 0, None, "new", None, None, 0)
        everything = cb.show_alerts(_store(), 0, None, "all", None, None, 0)
        acknowledged = _text(cb.show_alerts(_store(), 0, None, "open", "stuck_case", None, 0))
    assert _listed(closed) == _ids(app, "g1", "g3")
    assert _listed(new) == _ids(app, "none", "edge")
    assert len(_listed(everything)) == 5
    text = _text(closed)
    assert "李主任 于 2026-03-10 12:00 关闭：已现场核实" in text
    assert "2026-03-10 13:00 系统自动关闭：预警条件已不再成立" in text
    assert "王指挥 于 2026-03-10 12:00 确认" in acknowledged
    assert '"data-action": "acknowledge"' not in acknowledged  # only assign and close left


def test_a_long_list_is_paged_with_a_count(app, monkeypatch):
    monkeypatch.setattr(layout, "PAGE_ROWS", 2)
    with _as(app):
        first = cb.show_alerts(_store(), 0, None, "open", None, None, 0)
        second = cb.show_alerts(_store(), 0, None, "open", None, None, 1)
        past = cb.show_alerts(_store(), 0, None, "open", None, None, 9)
    assert _listed(first) == _ids(app, "g1", "none") and first[1:] == (
        "共 5 条，显示第 1–2 条", True, False)
    assert _listed(second) == _ids(app, "g2", "g3") and second[1:] == (
        "共 5 条，显示第 3–4 条", False, False)
    assert _listed(past) == _ids(app, "edge") and past[1:] == ("共 5 条，显示第 5–5 条", False, True)
    assert cb.turn_page(1, 2, "open", None, None, 1, trigger=ids.ALERTS_NEXT) == 2
    assert cb.turn_page(1, 2, "open", None, None, 0, trigger=ids.ALERTS_PREV) == 0
    assert cb.turn_page(1, 2, "new", None, None, 3, trigger=ids.ALERTS_STATE) == 0


def test_who_sees_which_alerts_and_buttons(app):
    with _as(app, "viewer", s.T1):
        mine = cb.show_alerts(_store(), 0, None, "open", None, None, 0)
        other = cb.show_alerts(_store("/region/T2"), 0, None, "open", None, None, 0)
    assert _listed(mine) == _ids(app, "g1", "g2", "edge")
    assert "alert-action" not in _text(mine)  # a viewer sees, and has no button
    assert _listed(other) == [] and other[0] == ["无权查看或操作区域 T2"]
    assert "surge" not in _text(other) and "C1" not in _text(other)
    with _as(app, "commander", s.T1):
        buttons = _text(cb.show_alerts(_store(), 0, None, "open", None, None, 0))
    assert buttons.count('"data-action": "acknowledge"') == 3
    with app.server.test_request_context("/"):  # signed out
        g._principal = None
        assert _listed(cb.show_alerts(_store(), 0, None, "open", None, None, 0)) == []


def test_the_list_is_reread_when_the_alerts_version_moves(app):
    with _as(app):
        seen = cb.poll_alerts(1, _store(), None)
        assert isinstance(seen, int) and seen > 0
        assert cb.poll_alerts(2, _store(), seen) is no_update
        g2 = _alert(app, "g2")
        actions.acknowledge(_engine(app), g2.id, actor="x", expected_version=g2.version)
        assert cb.poll_alerts(3, _store(), seen) == seen + 1
    with _as(app, "viewer", s.T1):
        assert cb.poll_alerts(1, _store("/region/T2"), None) is no_update


# --- selecting: the address, the cases listed and drawn ---------------------------------------

def _alert_trace(figure):
    return next((trace for trace in figure.data if trace.name == layout.ALERT_TRACE), None)


def test_a_click_selects_the_alert_in_the_address_and_its_cases_are_marked(app):
    g1 = app.alerts["g1"]
    pick = ids.alert_pick(g1)
    assert cb.select_alert([1], None, _store("/region/T1", "?period=7d"), "/region/T1",
                           "?period=7d", trigger=pick) == (no_update, f"?period=7d&alert={g1}")
    assert cb.select_alert([0], None, _store(), "/", "", trigger=pick) == (no_update, no_update)
    assert cb.select_alert([1], None, _store(), "/", "", trigger=ids.alert_pick("1 or 1")) == \
        (no_update, no_update)
    selected = _store("/region/T1", f"?alert={g1}")
    assert cb.select_alert([], 1, selected, "/region/T1", f"?alert={g1}",
                           trigger=ids.ALERT_CLEAR) == (no_update, "")
    with _as(app, "viewer", s.T1):
        shown = console_cb.panels(ConsoleState.from_store(selected))
        listed = _text(cb.show_selected(selected, 0, None))
        rows = _text(cb.show_alerts(selected, 0, None, "open", None, None, 0))
    trace = _alert_trace(shown["map"])
    assert sorted(trace.customdata) == sorted([app.cases["A1"], app.cases["A2"]])
    assert list(trace.lat) == [s.LAT, s.north(10)]
    for code in ("A1", "A2", "A3"):
        assert f'"data-case": "{code}"' in listed
    assert "地图上标出 2 件；1 件无坐标，仅列出" in listed
    assert "您的账号只能查看预警，不能操作" in listed
    assert "alert-row level-red state-new selected" in rows
    assert rows.count("selected") == 1
    assert cb.open_alert_case([1], trigger=ids.alert_case(app.cases["A1"], "selected")) == \
        app.cases["A1"]
    assert cb.open_alert_case([1], trigger=ids.alert_case("1", "row")) is no_update


def test_only_the_cases_the_reader_may_see_are_listed_and_drawn(app):
    edge = app.alerts["edge"]
    state = _store("/region/T1", f"?alert={edge}")
    with _as(app, "viewer", s.T1):
        listed = _text(cb.show_selected(state, 0, None))
        trace = _alert_trace(console_cb.panels(ConsoleState.from_store(state))["map"])
    assert '"data-case": "D1"' in listed and "D2" not in listed
    assert "另有 1 件不在您的辖区内，未显示" in listed
    assert list(trace.customdata) == [app.cases["D1"]]
    with _as(app):
        everything = _text(cb.show_selected(_store("/", f"?alert={edge}"), 0, None))
    assert '"data-case": "D2"' in everything and "不在您的辖区内" not in everything


def test_an_alert_of_another_town_none_and_a_missing_one_are_refused_alike(app):
    words = set()
    for alert in (app.alerts["g3"], app.alerts["none"], 987654):
        state = _store("/region/T1", f"?alert={alert}")
        with _as(app, "commander", s.T1):
            said = cb.show_selected(state, 0, None)
            figure = console_cb.panels(ConsoleState.from_store(state))["map"]
        words.add(said)
        assert _alert_trace(figure) is None
        assert "C1" not in _text(said) and "N1" not in _text(said)
    assert words == {REFUSED}


# --- the actions ------------------------------------------------------------------------------

def _ack(app, name: str, version: int | None = None, alert: object = None):
    row = _alert(app, name)
    button = ids.alert_button("acknowledge", row.id if alert is None else alert,
                              row.version if version is None else version)
    return cb.acknowledge_alert([1], _store(), trigger=button)


def test_a_commander_acknowledges_with_the_version_seen(app):
    with _as(app, "commander", s.T1, name="张指挥"):
        said, version = _ack(app, "g1")
        assert said == f"已确认预警 #{app.alerts['g1']}" and isinstance(version, int)
        row = _alert(app, "g1")
        assert (row.state, row.acknowledged_by, row.version) == ("acknowledged", "张指挥", 2)
        # the same click again, on the row as it was: the view is stale
        stale, _ = _ack(app, "g1", version=1)
    assert stale == "预警已被他人处理（当前：已确认，版本 2），请刷新后重试"
    with _engine(app).connect() as conn:
        audit = conn.execute(select(AuditEntry.actor, AuditEntry.result)
                             .where(AuditEntry.event == "alert_action")
                             .order_by(AuditEntry.id)).all()
    assert audit == [("张指挥", "ok"), ("张指挥", "failed")]


def test_acknowledging_is_refused_to_a_viewer_another_town_and_hand_made_ids(app):
    before = _snapshot(app)
    with _as(app, "viewer", s.T1):
        assert _ack(app, "g1") == ("此操作需要指挥员或管理员权限", no_update)
    words = set()
    with _as(app, "commander", s.T1):
        for alert in (app.alerts["g3"], app.alerts["none"], 987654, "abc", "", True, 1.5,
                      [app.alerts["g1"]], f"{app.alerts['g3']} ", str(app.alerts["g3"])):
            said, version = _ack(app, "g1", alert=alert)
            words.add(said)
            assert version is no_update
        assert _ack(app, "g1", version="1") == (
            "预警版本号应为整数，收到的是 '1'，请刷新页面", no_update)
    with _as(app, "commander", T2):
        words.add(_ack(app, "g1")[0])
    assert words == {REFUSED}
    assert _snapshot(app) == before
    with _as(app, "admin"):  # the whole deployment's alert: an unscoped commander
        assert _ack(app, "none")[0] == f"已确认预警 #{app.alerts['none']}"


def _form(app, action: str, name: str):
    row = _alert(app, name)
    return cb.open_alert_form([1], None, _store(),
                              trigger=ids.alert_button(action, row.id, row.version))


def _submit(app, target, category=None, description=None, note=None):
    return cb.submit_alert_form(1, target, category, description, note, 4, _store())


def test_assign_makes_and_files_a_supervision_case(app):
    with _as(app, "commander", s.T1, name="张指挥"):
        form = _form(app, "assign", "g1")
        style, title, assign_fields, close_fields, options, category, description, note, \
            target, said = form
        assert (style, assign_fields, close_fields) == (layout.SHOWN, layout.SHOWN,
                                                        layout.HIDDEN)
        assert options == [{"label": "市容 / 占道经营 (C01)", "value": "C01"}]
        assert category == "C01"  # the category of its cases
        assert description.startswith("【预警督办】重复投诉：近30日内50米范围内反复上报3件")
        assert "相关案件：A1、A2、A3。" in description
        result = _submit(app, target, category, description + "请三日内反馈。")
    said, version, refresh, style, target_after = result
    row = _alert(app, "g1")
    assert row.state == "assigned" and row.assigned_case_id is not None
    with _engine(app).connect() as conn:
        case = conn.execute(select(Case.code, Case.status, Case.region_id, Case.description)
                            .where(Case.id == row.assigned_case_id)).one()
        filed = conn.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == row.assigned_case_id, CaseEvent.action == "file"))
    assert said == f"预警 #{row.id} 已转办督办，督办案件 {case.code} 已立案"
    assert (case.status, case.region_id, filed) == (schema.FILED, s.G1, 1)
    assert case.description.endswith("请三日内反馈。")
    assert (refresh, style, target_after) == (5, layout.HIDDEN, None)  # the case list re-reads
    with _as(app, "commander", s.T1):
        listed = _text(cb.show_alerts(_store(), 0, version, "open", None, None, 0))
    assert f'"data-case": "{case.code}"' in listed and "已转办督办：" in listed


def test_assign_refusals_are_worded_and_write_nothing(app):
    before = _snapshot(app)
    with _as(app, "commander", s.T1):
        target = _form(app, "assign", "g2")[8]
        said = _submit(app, target, "NOPE", "x")[0]
        assert said == "“督办案件类别”的值“NOPE”无效：没有此类别代码"
        assert _submit(app, target, "C01", "x" * 2001)[0] == \
            "督办说明过长：最多 2000 字，现为 2001 字"
        # someone acknowledged it meanwhile: the form's version is stale
        g2 = _alert(app, "g2")
        actions.acknowledge(_engine(app), g2.id, actor="other", expected_version=g2.version)
        stale = _submit(app, target, "C01", "x")
        assert stale[0].startswith("预警已被他人处理（当前：已确认，版本 2）")
        assert stale[3] == layout.HIDDEN and isinstance(stale[1], int)
    with _as(app, "commander", T2):
        assert _submit(app, {**target, "version": 2}, "C01", "x")[0] == REFUSED
    with _as(app, "viewer", s.T1):
        assert _form(app, "assign", "g2")[9] == "此操作需要指挥员或管理员权限"
    after = _snapshot(app)
    assert after[1] == before[1]  # no case made
    with _as(app, "admin"):  # an alert with no region cannot be filed anywhere
        target = _form(app, "assign", "none")[8]
        assert _submit(app, target, "C01", "x")[0] == \
            "“所在区域”的值“”无效：预警没有所在区域，无法立案"


def test_close_needs_a_note(app):
    with _as(app, "commander", s.T1, name="张指挥"):
        form = _form(app, "close", "edge")
        assert form[0] == layout.SHOWN and form[2:4] == (layout.HIDDEN, layout.SHOWN)
        target = form[8]
        before = _snapshot(app)
        for note in (None, "", "   "):
            assert _submit(app, target, note=note)[:2] == ("请填写关闭说明：关闭预警须说明原因",
                                                           no_update)
        assert _snapshot(app) == before
        said, version, refresh, style, _ = _submit(app, target, note="  已整改  ")
    assert said == f"已关闭预警 #{app.alerts['edge']}" and refresh is no_update
    row = _alert(app, "edge")
    assert (row.state, row.closed_by, row.close_note) == ("closed", "张指挥", "已整改")
    with _as(app, "commander", s.T1):  # a hand-made target: an action the form has not
        assert _submit(app, {**target, "action": "acknowledge"}, note="x") == (no_update,) * 5
        assert _submit(app, "nonsense", note="x") == (no_update,) * 5
        assert _submit(app, {"id": "987654", "version": 1, "action": "close"}, note="x")[0] \
            == REFUSED


def test_cancel_closes_the_form(app):
    with _as(app, "commander", s.T1):
        closed = cb.open_alert_form([1], 1, _store(), trigger=ids.ALERT_CANCEL)
    assert closed[0] == layout.HIDDEN and closed[8] is None
    with _as(app, "commander", s.T1):  # an acknowledge button does not open the form
        row = _alert(app, "g1")
        assert cb.open_alert_form([1], None, _store(), trigger=ids.alert_button(
            "acknowledge", row.id, row.version)) == (no_update,) * cb.FORM_OUTPUTS


def test_an_alert_action_leaves_the_version_check_to_the_store(app):
    """The button's version is the one the commander saw; an alert re-levelled by the
    system since (its version moved) is refused as changed, nothing written."""
    g3 = _alert(app, "g3")
    with store.transaction(_engine(app)) as conn:
        conn.execute(update(Alert).where(Alert.id == g3.id).values(version=Alert.version + 1))
    with _as(app, "commander", T2):
        said, _ = cb.acknowledge_alert([1], _store(), trigger=ids.alert_button(
            "acknowledge", g3.id, g3.version))
    assert said.startswith("预警已被他人处理（当前：新预警，版本 2）")
    assert _alert(app, "g3").state == "new"
