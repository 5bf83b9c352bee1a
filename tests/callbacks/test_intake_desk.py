"""The hotline desk's callbacks (新建事件), called directly in a request of the app, on
SQLite and PostgreSQL.

The store is :mod:`tests.workflow_store` (town T1 with grids G1-G3, departments, the
category table) plus a second town T2 with one grid G4 east of T1:

    G1 [116.00, 116.01]  G2 [116.01, 116.02]  G3 [116.02, 116.03]  (T1)
    G4 [116.03, 116.04]                                              (T2)
    all × [39.90, 39.91]

The principal of each request is set as :mod:`dashboard.auth` keeps it (``g._principal``),
so the real scope checks run; "nothing written" is checked on the cases, their history,
the intake rows and the data version.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from dash import no_update
from flask import g
from shapely import box, to_wkb
from sqlalchemy import func, insert, select

from callbacks import intake_desk as cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import audit, schema, store
from data.console_state import ConsoleState
from data.models import Case, CaseEvent, CaseIntake, Region
from data.users import Principal
from layouts import ids
from layouts import intake_desk as layout
from tests import workflow_store as ws

T2, G4 = 6, 7
REGION_IDS = {"C": ws.C, "T1": ws.T1, "G1": ws.G1, "G2": ws.G2, "G3": ws.G3, "T2": T2,
              "G4": G4}
IN_G2 = (116.015, 39.905)
IN_G4 = (116.035, 39.905)
PROBLEMS = len(layout.PROBLEM_LINES)


def _add_second_town(engine) -> None:
    with store.transaction(engine) as conn:
        rows = []
        for rid, code, name, depth, parent in ((T2, "T2", "青山镇", 1, ws.C),
                                               (G4, "G4", "青山镇第1网格", 2, T2)):
            rows.append({"id": rid, "code": code, "name": name, "level": ws.LEVELS[depth],
                         "depth": depth, "parent_id": parent,
                         "geometry": to_wkb(box(116.03, 39.90, 116.04, 39.91)),
                         "centroid_lon": 116.035, "centroid_lat": 39.905, "min_lon": 116.03,
                         "min_lat": 39.90, "max_lon": 116.04, "max_lat": 39.91})
        conn.execute(insert(Region), rows)
        # the county covers both towns
        conn.execute(Region.__table__.update().where(Region.id == ws.C).values(
            geometry=to_wkb(box(116.00, 39.90, 116.04, 39.91)), max_lon=116.04))
        store.rebuild_region_ancestors(conn)
        store.bump_data_version(conn)


@pytest.fixture
def app(engine):
    ws.build(engine)
    _add_second_town(engine)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


@contextmanager
def _as(app, role: str = "operator", region: str | None = "T1", name: str = "接线员甲",
        kind: str = "user"):
    """A request of ``app`` made by a principal of ``role`` scoped to ``region``."""
    region_id = None if region is None else REGION_IDS[region]
    with app.server.test_request_context("/"):
        g._principal = Principal(name, role, region_id, region, kind=kind,
                                 engine=_engine(app))
        yield


@contextmanager
def _signed_out(app):
    with app.server.test_request_context("/"):
        g._principal = None
        yield


def _state(region: str | None = "T1", lang: str = "zh") -> dict:
    path = "/" if region is None else f"/region/{region}"
    return ConsoleState.parse(path, "" if lang == "zh" else "?lang=en").to_store()


def _written(app) -> tuple:
    """What a refused save must leave untouched."""
    with _engine(app).connect() as conn:
        return (conn.scalar(select(func.count()).select_from(Case)),
                conn.scalar(select(func.count()).select_from(CaseEvent)),
                conn.scalar(select(func.count()).select_from(CaseIntake)),
                store.data_version(conn))


def _save(app, *, key="k" * 32, description="井盖缺失，行人容易踩空", category="C01",
          urgent=None, name="王先生", phone="138 0000 1111", address="人民路12号",
          place=None, state=None, clicks=1):
    place = {"lon": IN_G2[0], "lat": IN_G2[1]} if place is None else place
    return cb.save_case(clicks, key, description, category, urgent or [], name, phone,
                        address, place, 0, _state() if state is None else state)


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


# --- filing ------------------------------------------------------------------------------------

def test_an_operator_files_a_case_placed_by_its_point(app):
    with _as(app):
        out = _save(app, urgent=["urgent"])
    feedback, disabled, again, case_id, refresh, *lines = out
    assert disabled is True and again == {"display": "inline-block"} and refresh == 1
    assert lines == [""] * PROBLEMS
    with _engine(app).connect() as conn:
        case = conn.execute(select(Case.__table__).where(Case.id == case_id)).one()
        intake = conn.execute(select(CaseIntake.__table__)
                              .where(CaseIntake.case_id == case_id)).one()
        events = conn.execute(select(CaseEvent.action, CaseEvent.actor)
                              .where(CaseEvent.case_id == case_id)).all()
    assert case.code in _texts(feedback)
    assert (case.region_id, case.source, case.subcategory) == (ws.G2, "hotline", ws.HOURLY)
    assert (case.lon, case.lat) == IN_G2 and case.reporter == "王先生" and case.urgent
    assert case.address == "人民路12号"
    assert (intake.door, intake.user_name, intake.reporter_phone) == (
        schema.DESK, "接线员甲", "138 0000 1111")
    assert events == [("report", "接线员甲")]
    rows = audit.query(_engine(app), kinds=[audit.CASE_ACTION]).rows
    assert [(r.actor, r.actor_kind, r.target, r.detail["door"]) for r in rows] == [
        ("接线员甲", audit.USER, case.code, schema.DESK)]


def test_a_double_click_files_one_case(app):
    with _as(app):
        first = _save(app, key="a" * 32)
        again = _save(app, key="a" * 32, clicks=2)
    assert first[3] == again[3]
    with _engine(app).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == 1


def test_a_county_commander_files_anywhere_in_the_county(app):
    with _as(app, role="commander", region="C"):
        out = _save(app, place={"lon": IN_G4[0], "lat": IN_G4[1]}, state=_state("C"))
    with _engine(app).connect() as conn:
        assert conn.scalar(select(Case.region_id).where(Case.id == out[3])) == G4


# --- refusals: nothing is written ----------------------------------------------------------------

@pytest.mark.parametrize("who", ["viewer", "display", "signed_out", "operator_of_t2"])
def test_who_may_not_file_here_is_refused(app, who):
    before = _written(app)
    if who == "signed_out":
        context = _signed_out(app)
    elif who == "display":
        context = _as(app, role="display", region=None, name="wall", kind="display")
    elif who == "viewer":
        context = _as(app, role="viewer", region="T1")
    else:  # the console of T1 is not theirs
        context = _as(app, region="T2")
    with context:
        out = _save(app)
        assert cb.show_button(_state()) == cb.HIDDEN
        opened = cb.open_desk(1, None, None, _state(), trigger=ids.DESK_OPEN)
    assert out[1:5] == (no_update,) * 4 and out[0]
    assert opened[1] is None and opened[2] == []  # no key, no categories
    assert _written(app) == before


def test_an_operator_of_another_town_cannot_place_a_case_in_town_one(app):
    before = _written(app)
    with _as(app, region="T2"):
        # their own console, a point in T1's grid G2: the placed region decides
        out = _save(app, state=_state("T2"))
        # a region code of T1, with no point
        by_code = _save(app, place={"region_code": "G1"}, state=_state("T2"))
    for refused in (out, by_code):
        assert refused[3] is no_update and refused[4] is no_update
        place_line = refused[5 + layout.PROBLEM_LINES.index("place")]
        assert "不在您负责的区域内" in place_line
    assert _written(app) == before


def test_the_same_operator_files_in_their_own_town(app):
    with _as(app, region="T2"):
        out = _save(app, place={"lon": IN_G4[0], "lat": IN_G4[1]}, state=_state("T2"))
    with _engine(app).connect() as conn:
        assert conn.scalar(select(Case.region_id).where(Case.id == out[3])) == G4


HOSTILE = [
    {"place": "116.015,39.905"},
    {"place": [116.015, 39.905]},
    {"place": {"lon": "east", "lat": None}},
    {"place": {"lon": float("nan"), "lat": 39.905}},
    {"place": {"lon": 200, "lat": 39.905}},
    {"category": ["C01", "C02"]},
    {"category": {"code": "C01"}},
    {"description": {"text": "x"}},
    {"description": "x" * 100_000},
    {"description": "井盖\x00缺失"},
    {"urgent": "yes please"},
    {"phone": "<script>alert(1)</script>"},
    {"key": {"k": 1}},
    {"key": None},
    {"key": "short"},
    {"state": "T1"},
    {"state": {"region": ["T1"]}},
    {"state": {**_state(), "region": "G4"}},
    {"state": {**_state(), "region": "NOPE"}},
]


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: next(iter(h)))
def test_hand_made_values_are_refused_and_nothing_is_written(app, hostile):
    before = _written(app)
    with _as(app):
        out = _save(app, **hostile)
    assert out[3] is no_update and out[4] is no_update  # no case opened, nothing refreshed
    assert out[0]  # and the operator is told why
    if hostile.get("state") == {**_state(), "region": "G4"}:
        return  # another town's console: refused to this operator, an admin's to open
    with _as(app, role="admin", region=None):  # an unscoped admin: refused the same way
        admin = _save(app, **hostile)
        placed = cb.choose_place({"points": [{"lon": "x"}]}, None, None, None, None,
                                 hostile.get("state", _state()), trigger=ids.DESK_MAP)
    assert admin[3] is no_update and placed == (no_update,) * 4
    assert _written(app) == before


# --- problems, per field ---------------------------------------------------------------------------

def test_each_problem_is_shown_under_its_field(app):
    with _as(app):  # what the fields say is checked first ...
        out = _save(app, description="", category=None, phone="call me")
        # ... then where it goes and what it is (the form's dropdown offers known codes)
        placed = _save(app, category="NOPE", place={"lon": 117.5, "lat": 39.905})
    lines = dict(zip(layout.PROBLEM_LINES, out[5:]))
    assert "来电内容：必须填写" in lines["description"]
    assert "问题类别：必须填写" in lines["service_code"]
    assert "联系电话：含有不允许的字符" in lines["reporter_phone"]
    assert lines["reporter_name"] == lines["address"] == lines["place"] == ""
    assert "未保存" in out[0]
    lines = dict(zip(layout.PROBLEM_LINES, placed[5:]))
    assert "问题类别：没有这个问题类别" in lines["service_code"]
    assert "事发地点：该地点不在任何网格内" in lines["place"]
    assert lines["description"] == ""
    with _as(app):
        english = _save(app, description="", state=_state(lang="en"))
    lines = dict(zip(layout.PROBLEM_LINES, english[5:]))
    assert lines["description"] == "Description: required"
    assert english[0].startswith("Not saved")


def test_every_problem_code_has_words():
    from data.intake.fields import PROBLEM_CODES
    from layouts.text import TEXT
    for lang in ("zh", "en"):
        assert all(f"intake_problem_{code}" in TEXT[lang] for code in PROBLEM_CODES)


# --- the form: button, opening, places, preview --------------------------------------------------

def test_the_button_shows_to_reporters_of_the_region_on_screen(app):
    with _as(app):
        assert cb.show_button(_state("T1")) == {"display": "inline-block"}
        assert cb.show_button(_state("G2")) == {"display": "inline-block"}
        assert cb.show_button(_state("C")) == cb.HIDDEN  # the county is not theirs
    with _as(app, role="commander", region=None):
        assert cb.show_button(_state(None)) == {"display": "inline-block"}


def test_opening_gives_a_fresh_key_the_categories_and_the_map(app):
    with _as(app):
        first = cb.open_desk(1, None, None, _state(), trigger=ids.DESK_OPEN)
        second = cb.open_desk(2, None, None, _state(), trigger=ids.DESK_OPEN)
        closed = cb.open_desk(2, None, 1, _state(), trigger=ids.DESK_CLOSE)
    assert first[0] == cb.SHOWN and closed[0] == cb.HIDDEN
    assert first[1] and second[1] and first[1] != second[1]
    labels = {o["value"]: o["label"] for o in first[2]}
    assert labels["C01"] == "市容环境 / 占道经营 (C01)"
    assert set(labels) == {code for code, *_ in ws.CATEGORIES}
    lattice = first[3].data[layout.TRACE_LATTICE]
    assert min(lattice.lon) == pytest.approx(116.00) and max(lattice.lon) == pytest.approx(116.03)
    assert len(lattice.lon) >= layout.LATTICE_STEPS * 2  # a click lands within 1/80 of it
    with _as(app):  # the console drilled to a grid: the map is that grid
        grid = cb.open_desk(1, None, None, _state("G2"), trigger=ids.DESK_OPEN)
    lattice = grid[3].data[layout.TRACE_LATTICE]
    assert (min(lattice.lon), max(lattice.lon)) == pytest.approx((116.01, 116.02))


def test_a_map_click_places_the_point_and_marks_it(app):
    click = {"points": [{"lon": 116.0125, "lat": 39.9075, "curveNumber": 3}]}
    with _as(app):
        chosen, lon, lat, patch = cb.choose_place(click, None, None, None, [], _state(),
                                                  trigger=ids.DESK_MAP)
        shown = cb.preview_case(chosen, "C01", "", [], "", "", "", _state())
    assert (lon, lat) == (116.0125, 39.9075)
    marker = patch.to_plotly_json()["operations"][0]["params"]["value"]
    assert marker["lon"] == [116.0125] and marker["lat"] == [39.9075]
    words = " ".join(_texts(shown[0]))
    assert "清源县 › 城关镇 › 第2网格" in words and "县城市管理局" in words
    assert "（2 " in words  # the deadline and its time limit


def test_an_address_finds_places_inside_the_operators_area_only(app):
    with _as(app):
        options, found, problem = cb.find_places("第3网格", _state())
        chosen, lon, lat, _patch = cb.choose_place(None, 0, None, None, found, _state(),
                                                   trigger=ids.DESK_MATCHES)
    assert "清源县 › 城关镇 › 第3网格" in options[0]["label"] and problem == ""
    assert chosen["region_code"] == "G3"
    with _as(app, region="T2"):
        options, found, problem = cb.find_places("第3网格", _state("T2"))
    assert options == [] and found == [] and problem


def test_the_preview_names_suspected_duplicates(app):
    with store.transaction(_engine(app)) as conn:
        other = ws.add_case(conn, region_id=ws.G2, lon=IN_G2[0], lat=IN_G2[1],
                            reported_at=store.utcnow() - timedelta(hours=1))
        code = conn.scalar(select(Case.code).where(Case.id == other))
        store.bump_data_version(conn)
    with _as(app):
        shown = cb.preview_case({"lon": IN_G2[0], "lat": IN_G2[1]}, "C01", "", [], "", "", "",
                                _state())
    assert any("疑似重复" in s for s in _texts(shown[0]))
    assert any(code in s for s in _texts(shown[0]))


def test_the_preview_never_names_a_suspect_across_the_town_edge(app):
    """A case 20 m away, but in the next town: a T1 operator is not told its code (a T2
    operator filing on their side sees it, so the test can fail)."""
    east_of_edge = (116.0302, 39.905)  # in G4 (T2), 17 m from the T1 point below
    with store.transaction(_engine(app)) as conn:
        other = ws.add_case(conn, region_id=G4, lon=east_of_edge[0], lat=east_of_edge[1],
                            reported_at=store.utcnow() - timedelta(hours=1))
        code = conn.scalar(select(Case.code).where(Case.id == other))
        store.bump_data_version(conn)
    with _as(app):
        ours = cb.preview_case({"lon": 116.0298, "lat": 39.905}, "C01", "", [], "", "", "",
                               _state())
    with _as(app, region="T2"):
        theirs = cb.preview_case({"lon": 116.0303, "lat": 39.905}, "C01", "", [], "", "",
                                 "", _state("T2"))
    assert any(code in s for s in _texts(theirs[0]))
    assert not any(code in s for s in _texts(ours[0]))
    assert any("城关镇" in s for s in _texts(ours[0]))  # the preview itself was shown


def test_the_preview_of_a_place_outside_the_area_says_so(app):
    with _as(app, region="T2"):
        shown = cb.preview_case({"lon": IN_G2[0], "lat": IN_G2[1]}, "C01", "", [], "", "", "",
                                _state("T2"))
    assert "不在您负责的区域内" in shown[1 + layout.PROBLEM_LINES.index("place")]


# --- through the real request path: sessions, display tokens, Dash's binding by position -----------

def _save_body(app, state: dict, place: dict | None = None, key: str = "h" * 32) -> dict:
    from tests.auth_helpers import callback_body

    return callback_body(app, f"{ids.DESK_FEEDBACK}.children", {
        f"{ids.DESK_SAVE}.n_clicks": 1, f"{ids.DESK_KEY}.data": key,
        f"{ids.DESK_DESCRIPTION}.value": "路灯不亮", f"{ids.DESK_CATEGORY}.value": "C01",
        f"{ids.DESK_URGENT}.value": [], f"{ids.DESK_REPORTER_NAME}.value": "赵先生",
        f"{ids.DESK_REPORTER_PHONE}.value": "13900000000",
        f"{ids.DESK_ADDRESS}.value": "", f"{ids.DESK_PLACE}.data":
            place or {"lon": IN_G2[0], "lat": IN_G2[1]},
        f"{ids.CONSOLE_REFRESH}.data": 0, f"{ids.CONSOLE_STATE}.data": state,
    }, trigger=f"{ids.DESK_SAVE}.n_clicks")


def test_posted_saves_file_for_an_operator_and_nothing_for_anyone_else(app):
    from tests.auth_helpers import make_user, make_wall_token, post_callback, sign_in

    engine = _engine(app)
    passwords = {name: make_user(engine, name, role, region) for name, role, region in (
        ("op1", "operator", "T1"), ("op2", "operator", "T2"), ("view1", "viewer", "T1"))}
    token = make_wall_token(engine)
    before = _written(app)
    # a display token: refused before the callback runs
    client = app.server.test_client()
    assert post_callback(client, _save_body(app, _state()), token=token).status_code == 403
    # a viewer of T1; an operator of T2 on T1's console, or on their own with T1's point
    for name, state in (("view1", _state()), ("op2", _state()), ("op2", _state("T2"))):
        client = app.server.test_client()
        sign_in(client, name, passwords[name])
        answer = post_callback(client, _save_body(app, state))
        assert answer.status_code in (200, 400, 403), answer.status_code
        assert ids.CONSOLE_CASE not in answer.get_data(as_text=True)  # nothing opened
    assert _written(app) == before
    client = app.server.test_client()
    sign_in(client, "op1", passwords["op1"])
    answer = post_callback(client, _save_body(app, _state()))
    assert answer.status_code == 200 and ids.CONSOLE_CASE in answer.get_data(as_text=True)
    again = post_callback(client, _save_body(app, _state()))  # the same form sent twice
    assert again.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(Case.region_id, Case.reporter)).all() == [(ws.G2, "赵先生")]
        assert conn.scalar(select(CaseIntake.user_name)) == "op1"


def test_zooming_the_map_moves_the_click_lattice_onto_the_part_on_screen(app):
    with _as(app):
        patch, view = cb.refine_lattice({"geo.projection.scale": 4}, None, _state())
        lons = patch.to_plotly_json()["operations"][0]["params"]["value"]
        panned, view = cb.refine_lattice({"geo.center.lon": 116.005, "geo.center.lat": 39.905},
                                         view, _state())
        hostile = [cb.refine_lattice(r, v, _state()) for r, v in (
            ("zoom", None), ({"geo.projection.scale": "x"}, None),
            ({"geo.projection.scale": float("nan")}, None), ({"autosize": True}, None))]
    # the whole map is 0.03° wide: a quarter of it (with the frame's margin) on screen
    assert max(lons) - min(lons) < 0.03 / 4 * 1.2
    assert view == {"scale": 4, "lon": 116.005, "lat": 39.905}
    moved = panned.to_plotly_json()["operations"][0]["params"]["value"]
    assert 116.00 <= min(moved) < 116.002 and 116.008 < max(moved) < 116.01  # around G1
    assert all(h[0] is no_update for h in hostile)
    with _as(app, role="viewer"):
        assert cb.refine_lattice({"geo.projection.scale": 4}, None, _state()) == (
            no_update, no_update)
