"""The wall's early warnings (/wall?panel=alerts, the header's count, the map's alert
markers), its callbacks called directly by a wall's display token, on the tiny county of
tests/alert_store.py (C: towns T1 with grids G1, G2, and T2 with grid G3) holding alerts
written by the book's own writer (:func:`data.alerts.book.apply_findings`), at hand-set
moments so that "newest" is known: on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import plotly
import pytest
from dash import Patch, no_update
from sqlalchemy import update

from callbacks import wall as wall_cb
from callbacks import wall_alerts as alerts_cb
from dashboard import auth, wall_share
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.alerts import book
from data.alerts.finding import Finding
from data.models import Region
from layouts import ids
from layouts.wall_alerts import ALERT_ROWS, LEVEL_COLOURS, TRACE_ALERTS
from tests import alert_store
from tests.alert_store import G1, G2, G3
from tests.auth_helpers import acting_as, make_wall_token
from tests.callbacks.test_new_boundaries import _find

T0 = datetime(2026, 11, 20, 8, 0)
#: Each grid's centroid, set by the fixture (the tiny county's regions have none).
CENTROIDS = {G1: (116.1, 39.1), G2: (116.2, 39.2), G3: (116.3, 39.3)}
REPEAT_POINT = (116.123456, 39.654321)


def finding(name: str, level: str, region_id: int | None, *, rule: str = "blind_spot",
            **facts) -> Finding:
    """A finding named ``name`` (its key's tail), of ``rule``, started a week before T0."""
    facts = facts or {"days_without_patrol": 12, "cases": 2, "days": 7, "last_visit_at": None}
    return Finding(rule, f"{rule}:{name}", level, region_id, T0 - timedelta(days=7), (),
                   facts)


def write(engine, moment: datetime, *findings: Finding) -> None:
    """Bring the alerts to ``findings`` at ``moment`` (every open alert of their rules not
    among them closes by itself): the store's alerts version moves when anything changed."""
    by_rule: dict[str, list[Finding]] = {"blind_spot": [], "repeat_location": [],
                                         "stuck_case": []}
    for f in findings:
        by_rule[f.rule].append(f)
    with store.transaction(engine) as conn:
        book.apply_findings(conn, moment, by_rule)


#: The county's alerts: red first, a case's alert after the others of its level, then newest
#: first; yellow and closed ones never shown.
#: name: (level, region, written at T0 + minutes)
COUNTY = [
    finding("g1-red-old", "red", G1),
    finding("g3-orange", "orange", G3),
    finding("g2-red-new", "red", G2, rule="repeat_location", cases=3, radius_m=50, days=30,
            category=None, lon=REPEAT_POINT[0], lat=REPEAT_POINT[1]),
    finding("g1-yellow", "yellow", G1),
    # a case's alert: after the other red ones, however new, and no ring on the map
    finding("g3-red", "red", G3, rule="stuck_case", reason="overdue", overdue_days=12),
]


@pytest.fixture
def app(engine):
    alert_store.build(engine)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    store_engine = app.server.extensions["grid_dashboard"]["engine"]
    with store.transaction(store_engine) as conn:
        for rid, (lon, lat) in CENTROIDS.items():
            conn.execute(update(Region).where(Region.id == rid).values(
                centroid_lon=lon, centroid_lat=lat))
    app.county_wall = make_wall_token(store_engine)
    app.t1_wall = make_wall_token(store_engine, "T1")
    app.store_engine = store_engine
    yield app
    store_engine.dispose()


def county(app) -> None:
    """The county's alerts written one by one (each newer than the one before)."""
    for i in range(len(COUNTY)):
        write(app.store_engine, T0 + timedelta(minutes=i), *COUNTY[:i + 1])


def _ids_of(rows) -> list[str]:
    return [row.id["alert"] for row in rows if isinstance(getattr(row, "id", None), dict)]


def _names(app, *names: str) -> list[int]:
    """The ids of the alerts of :func:`finding` ``names``."""
    with app.store_engine.connect() as conn:
        by_name = {row.key.split(":", 1)[1]: row.id for row in book.list_alerts(conn,
                                                                                state="all")}
    return [by_name[name] for name in names]


def _text(value) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def _page(app, token: str, search: str):
    with acting_as(app, token=token):
        page = wall_cb.render_wall(search)
    return page, _find(page, ids.WALL_STATE).data


def _marks(page) -> dict:
    figure = _find(page, ids.WALL_MAP).figure
    trace = figure.data[TRACE_ALERTS]
    return {"lon": list(trace.lon), "lat": list(trace.lat),
            "color": list(trace.marker.color), "symbol": trace.marker.symbol}


def _apply(state: dict, patch) -> dict:
    """The page's state after an answer's ``Patch``, as the browser applies it."""
    state = dict(state)
    if isinstance(patch, Patch):
        for op in patch.to_plotly_json()["operations"]:
            if op["operation"] == "Assign" and len(op["location"]) == 1:
                state[op["location"][0]] = op["params"]["value"]
    return state


def _settled(state: dict) -> dict:
    """``state`` once the page has its 30-day panels (counted in the background: the page
    asks till it has them, and the answer that brings them moves other panels too)."""
    deadline = time.monotonic() + 120
    while state.get("pending") and time.monotonic() < deadline:
        state = _apply(state, wall_cb.refresh_wall(1, state)[7])
        time.sleep(0.05)
    assert not state.get("pending")
    return state


def test_the_panel_lists_the_open_red_and_orange_alerts_red_first_then_newest(app):
    county(app)
    page, state = _page(app, app.county_wall, "?panel=alerts&lang=en")
    rows = _find(page, ids.WALL_ALERTS).children
    assert _ids_of(rows) == _names(app, "g2-red-new", "g1-red-old", "g3-red", "g3-orange")
    text = _text(rows)
    assert "Stuck case" in text and "Repeat location" in text
    assert "Open 12 days past its deadline" in text  # the rule's own sentence
    assert "3 cases reported within 50 m of each other in 30 days" in text
    assert "青山镇第1网格" in text and "since 11-13 08:00" in text
    assert "more" not in text  # four: all fit
    assert state["panel"] == "alerts"
    # the header: calm counts of red and orange
    count = _text(_find(page, ids.WALL_ALERT_COUNT).children)
    assert "Red 3" in count and "Orange 1" in count and "Yellow" not in count


def test_a_town_s_wall_never_sees_another_town_s_alerts(app):
    county(app)
    page, state = _page(app, app.t1_wall, "?region=T1&panel=alerts")
    rows = _find(page, ids.WALL_ALERTS).children
    assert _ids_of(rows) == _names(app, "g2-red-new", "g1-red-old")  # G3 is in T2
    assert "青山镇" not in _text(rows)
    assert "红 2" in _text(_find(page, ids.WALL_ALERT_COUNT).children)
    assert len(_marks(page)["lon"]) == 2
    # its refresh after a change still shows its own only
    write(app.store_engine, T0 + timedelta(hours=1), *COUNTY,
          finding("g3-red-2", "red", G3), finding("g1-orange", "orange", G1))
    with acting_as(app, token=app.t1_wall):
        answer = wall_cb.refresh_wall(1, state)
    assert _ids_of(answer[10]) == _names(app, "g2-red-new", "g1-red-old", "g1-orange")
    # and a state naming the other town, or the county, is refused by the server
    for other in ("T2", "C"):
        with acting_as(app, token=app.t1_wall), pytest.raises(auth.Forbidden):
            wall_cb.refresh_wall(2, {**state, "region": other})


def test_more_alerts_than_the_panel_holds_end_in_a_count_of_the_rest(app):
    extra = [finding(f"extra-{i}", "orange", G3) for i in range(ALERT_ROWS + 2)]
    write(app.store_engine, T0, *extra)
    page, _ = _page(app, app.county_wall, "?panel=alerts")
    rows = _find(page, ids.WALL_ALERTS).children
    assert len(_ids_of(rows)) == ALERT_ROWS
    assert rows[-1].className == "wall-alerts-more"
    assert rows[-1].children == "另有 2 条红色、橙色预警"


def test_no_alert_is_one_calm_line_not_an_empty_box(app):
    write(app.store_engine, T0, finding("yellow-only", "yellow", G1))
    page, _ = _page(app, app.county_wall, "?panel=alerts")
    rows = _find(page, ids.WALL_ALERTS).children
    assert [row.className for row in rows] == ["wall-alerts-none"]
    assert rows[0].children == "当前没有红色、橙色预警"
    assert _text(_find(page, ids.WALL_ALERT_COUNT).children).count("无红橙预警") == 1
    assert _marks(page)["lon"] == []


def test_markers_stand_at_the_alert_s_point_else_at_its_region_s_centroid(app):
    county(app)
    # town T2 has no centroid, and the alert no point: counted, not on the map
    write(app.store_engine, T0 + timedelta(hours=1), *COUNTY, finding("nowhere", "red", 3))
    page, _ = _page(app, app.county_wall, "")
    marks = _marks(page)
    points = dict(zip(zip(marks["lon"], marks["lat"]), marks["color"]))
    assert points == {REPEAT_POINT: LEVEL_COLOURS["red"],  # the facts' point, not G2's
                      CENTROIDS[G1]: LEVEL_COLOURS["red"],
                      # G3's red alert is a stuck case's: no ring; its orange one has one
                      CENTROIDS[G3]: LEVEL_COLOURS["orange"]}
    assert len(marks["lon"]) == 3 and marks["symbol"] == "circle-open"
    # a place's red alert and orange alert share one ring, red
    write(app.store_engine, T0 + timedelta(hours=2), *COUNTY, finding("g3-red-2", "red", G3))
    marks = _marks(_page(app, app.county_wall, "")[0])
    points = dict(zip(zip(marks["lon"], marks["lat"]), marks["color"]))
    assert points[CENTROIDS[G3]] == LEVEL_COLOURS["red"] and len(marks["lon"]) == 3
    # the default wall: no panel, its rows' element empty and hidden for the refresh
    hidden = _find(page, ids.WALL_ALERTS)
    assert hidden.hidden is True and not hidden.children
    assert "红 4" in _text(_find(page, ids.WALL_ALERT_COUNT).children)


def test_an_orange_marker_sits_under_the_red_ones(app):
    write(app.store_engine, T0, finding("red-g1", "red", G1), finding("orange-g2", "orange", G2))
    marks = _marks(_page(app, app.county_wall, "")[0])
    assert marks["color"] == [LEVEL_COLOURS["orange"], LEVEL_COLOURS["red"]]  # drawn last
    assert (marks["lon"][0], marks["lat"][0]) == CENTROIDS[G2]


def test_the_refresh_reads_the_alerts_only_when_their_version_moved(app, monkeypatch):
    county(app)
    reads: list[str | None] = []
    real = alerts_cb.wall_alerts

    def counted(conn, region_code):
        reads.append(region_code)
        return real(conn, region_code)

    monkeypatch.setattr(alerts_cb, "wall_alerts", counted)
    page, state = _page(app, app.county_wall, "?panel=alerts")
    assert reads == ["C"]
    with acting_as(app, token=app.county_wall):
        state = _settled(state)
        # nothing moved: "alive" alone, nothing read
        quiet = wall_cb.refresh_wall(2, state)
        assert quiet[:8] == tuple([no_update] * 8) and quiet[9:11] == (no_update, no_update)
        assert reads == ["C"]
        # the data moved, the alerts did not: nothing of the alerts read or sent
        alert_store.add(app.store_engine, alert_store.case("NEW1", T0, region_id=G3))
        answer = wall_cb.refresh_wall(3, state)
        assert answer[0] is not no_update and answer[9:11] == (no_update, no_update)
        assert reads == ["C"]
        state = _apply(state, answer[7])
        # an alert changed: read once, the panel, count and markers sent, the state moved
        write(app.store_engine, T0 + timedelta(hours=1), *COUNTY,
              finding("g1-red-newest", "red", G1))
        answer = wall_cb.refresh_wall(4, state)
        assert reads == ["C", "C"]
        assert answer[:2] == (no_update, no_update) and answer[3:7] == (no_update,) * 4
        assert isinstance(answer[2], Patch)
        assert {op["location"][1] for op in answer[2].to_plotly_json()["operations"]} == \
            {TRACE_ALERTS}
        assert _ids_of(answer[10])[0] == _names(app, "g1-red-newest")[0]
        assert "红 4" in _text(answer[9])
        state = _apply(state, answer[7])
        with app.store_engine.connect() as conn:
            assert state["alerts"] == book.alerts_version(conn)
        assert wall_cb.refresh_wall(5, state)[9:11] == (no_update, no_update)
        # a second wall of the county shows the same alerts without reading them again
        other = wall_cb.render_wall("?panel=alerts")
    assert reads == ["C", "C"]
    assert _ids_of(_find(other, ids.WALL_ALERTS).children) == _ids_of(answer[10])


def test_an_alert_change_in_another_town_sends_a_town_s_wall_nothing(app):
    county(app)
    page, state = _page(app, app.t1_wall, "?region=T1&panel=alerts")
    with acting_as(app, token=app.t1_wall):
        state = _settled(state)
    write(app.store_engine, T0 + timedelta(hours=1), *COUNTY, finding("t2-new", "red", G3))
    with acting_as(app, token=app.t1_wall):
        answer = wall_cb.refresh_wall(1, state)
    # the version moved (read again), nothing of T1's moved: only the state's version
    assert answer[:7] == tuple([no_update] * 7) and answer[9:11] == (no_update, no_update)
    with app.store_engine.connect() as conn:
        assert _apply(state, answer[7])["alerts"] == book.alerts_version(conn)


def _classes(rows) -> dict[int, str]:
    return {row.id["alert"]: row.className for row in rows
            if isinstance(getattr(row, "id", None), dict)}


def test_a_red_alert_new_to_the_wall_pulses_once_and_never_again(app):
    a, b = finding("a", "red", G1), finding("b", "red", G2)
    orange = finding("o", "orange", G3)
    write(app.store_engine, T0, a, orange)
    page, state = _page(app, app.county_wall, "?panel=alerts")
    [id_a], [id_o] = _names(app, "a"), _names(app, "o")
    assert _classes(_find(page, ids.WALL_ALERTS).children) == {
        id_a: "wall-alert-row red pulse", id_o: "wall-alert-row orange"}
    assert state["seen"] == [id_a]
    with acting_as(app, token=app.county_wall):
        # a new red one pulses; the first, seen, is sent plain (the browser makes the
        # rows anew: a class kept would play its pulse again)
        write(app.store_engine, T0 + timedelta(minutes=1), a, b, orange)
        answer = wall_cb.refresh_wall(1, state)
        [id_b] = _names(app, "b")
        assert _classes(answer[10]) == {id_b: "wall-alert-row red pulse",
                                        id_a: "wall-alert-row red",
                                        id_o: "wall-alert-row orange"}
        state = _apply(state, answer[7])
        assert state["seen"] == sorted([id_a, id_b])
        # an alert change that moves none of the rows sends none (nor a pulse's end)
        write(app.store_engine, T0 + timedelta(minutes=2), a, b, orange,
              finding("y", "yellow", G3))
        quiet = wall_cb.refresh_wall(2, state)
        assert quiet[9:11] == (no_update, no_update)
        state = _apply(state, quiet[7])
        # the first leaves the panel (its condition no longer holds) and comes back: seen
        # before, so it comes back still
        write(app.store_engine, T0 + timedelta(minutes=3), b, orange)
        state = _apply(state, (answer := wall_cb.refresh_wall(3, state))[7])
        assert id_a not in _classes(answer[10])
        write(app.store_engine, T0 + timedelta(minutes=4), a, b, orange)
        answer = wall_cb.refresh_wall(4, state)
    assert _classes(answer[10]) == {id_a: "wall-alert-row red", id_b: "wall-alert-row red",
                                    id_o: "wall-alert-row orange"}
    # an orange alert turned red draws the eye: a red alert the wall has not seen
    write(app.store_engine, T0 + timedelta(minutes=5), a, b, finding("o", "red", G3))
    with acting_as(app, token=app.county_wall):
        answer = wall_cb.refresh_wall(5, _apply(state, answer[7]))
    assert _classes(answer[10])[id_o] == "wall-alert-row red pulse"


def test_a_state_s_seen_ids_are_only_whole_numbers_and_a_wall_without_the_panel_keeps_none(
        app):
    write(app.store_engine, T0, finding("a", "red", G1))
    [id_a] = _names(app, "a")
    page, state = _page(app, app.county_wall, "")
    assert "seen" not in state
    _, state = _page(app, app.county_wall, "?panel=alerts")
    write(app.store_engine, T0 + timedelta(minutes=1), finding("a", "red", G1),
          finding("b", "red", G2))
    with acting_as(app, token=app.county_wall):
        answer = wall_cb.refresh_wall(1, {**state, "seen": ["x", True, 2.5, id_a, None]})
        garbled = wall_cb.refresh_wall(2, {**state, "seen": "nonsense"})
    classes = _classes(answer[10])
    assert classes[id_a] == "wall-alert-row red"  # seen (the whole number)
    assert classes[_names(app, "b")[0]] == "wall-alert-row red pulse"
    assert set(_classes(garbled[10]).values()) == {"wall-alert-row red pulse"}


def test_a_rotating_wall_shows_each_town_s_alerts(app):
    county(app)
    page, state = _page(app, app.county_wall, "?panel=alerts&rotate=5")
    with acting_as(app, token=app.county_wall):
        answer = wall_cb.rotate_wall(1, state)  # on to T1
    assert answer[7]["region"] == "T1"
    assert _ids_of(answer[11]) == _names(app, "g2-red-new", "g1-red-old")
    assert "红 2" in _text(answer[10])
    marks = [op for op in answer[2].to_plotly_json()["operations"]
             if op["location"][:2] == ["data", TRACE_ALERTS]]
    lons = next(op["params"]["value"] for op in marks if op["location"][2] == "lon")
    assert sorted(lons) == sorted([REPEAT_POINT[0], CENTROIDS[G1][0]])


def test_the_kept_alerts_are_read_again_when_the_alerts_or_the_regions_version_moves(app):
    made: list[tuple] = []

    def make(key):
        return lambda: made.append(key) or [key]

    with app.server.app_context():
        for key in [(1, 1), (1, 1), (2, 1), (2, 1), (2, 2), (1, 1)]:
            assert wall_share.alerts("C", key, make(key)) == [key]
        assert wall_share.alerts("T1", (2, 2), make(("T1",))) == [("T1",)]
    assert made == [(1, 1), (2, 1), (2, 2), (1, 1), ("T1",)]
