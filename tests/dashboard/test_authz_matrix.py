"""The authorization matrix: every server callback and every route of the app, asked by
everyone who can ask, with honest request bodies and hostile ones, over HTTP.

Who asks: signed out, a wall's display token of another town (T2) and of the town asked
about (T1), a viewer of T1, a commander of T2, a commander of T1, an admin.

What they ask: each callback with bodies built from the app's own callback map, aimed at
T1, at T2, at the whole county, at a region no one has, and (for the case callbacks) at a
case of T1, of T2, an unlocated case and an id no case has. Each honest body is also sent
with its entries renamed (Dash binds values by position and never reads the ids) and
moved from state to inputs; the T2 bodies also reordered, with an entry missing, with an
extra one, and with ``outputs`` naming the wall's components while ``output`` names the
callback.

What must hold: whoever may see the target gets it (so the test can fail); nobody else
gets a single name of a region, case or officer outside their scope (the store's names
are unique markers: ``Town-Two``, ``CASE-T2-...``, ``Officer-of-T2``...), and nothing is
written unless the asker is a commander of the case's area. A callback or route added
to the app fails :func:`test_every_server_callback_is_in_the_matrix` (or the route test)
until it is listed here with what it may show to whom. The store, the askers and the
bodies are in tests/authz_world.py; the routes' matrix is test_authz_routes.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import select

from dashboard import auth
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.models import Case, Patrol, PatrolVisit
from layouts import ids
from tests.auth_helpers import make_user, make_wall_token, post_callback, sign_in
from data.alerts import book as alert_book
from data.alerts.finding import Finding
from data.models import Alert
from tests.authz_world import (
    MARKERS, PRINCIPALS, REGION_ID, STATE, TARGET_CASE, UNKNOWN_CASE, Who, World, body, build,
    callback_name, case_id_of, console_state, extra, make_world, missing, moved,
    principal_named, renamed, reordered, response_text, version_of, wall_outputs, wall_state,
)
from tests.authz_world import fingerprint as cases_fingerprint


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    world = make_world(f"sqlite:///{tmp_path_factory.mktemp('authz') / 'matrix.sqlite3'}")
    _add_alerts(world)
    yield world
    world.engine.dispose()




# Each callback: how it is asked about a target, what it needs of the asker ("none": it
# reads nothing of the store; "read": a user who sees the target; "act": a commander or
# admin who sees it; "wall": anyone, a wall's token too, who sees it), and the marker
# that proves an allowed asker got the target's data.

@dataclass(frozen=True)
class Spec:
    needs: str
    targets: tuple[str, ...]
    bodies: Callable[[World, str], list[dict]]
    marker: Callable[[str], str | None] = lambda target: None
    changes_store: bool = False


def _region_marker(target: str) -> str | None:
    return {"T1": "Town-One", "T2": "Town-Two", "*": "County-Root"}.get(target)


def _code(target: str) -> str | None:
    return {"*": None, "NOPE": "NOPE"}.get(target, target)


REGION_TARGETS = ("T1", "T2", "*", "NOPE")
CASE_TARGETS = ("T1", "T2", "*", "UNKNOWN")


def _rows_request(world, target):
    return [body(world, "grid_rows", {f"{ids.CONSOLE_GRID}.getRowsRequest":
                                      {"startRow": 0, "endRow": 100},
                                      STATE: console_state(_code(target))})]


def _dispatch_form(world, target):
    case_id = case_id_of(world, target)
    button = {"id": ids.action_button("dispatch"), "property": "n_clicks", "value": 1}
    trigger = json.dumps(ids.action_button("dispatch"), separators=(",", ":"),
                         sort_keys=True) + ".n_clicks"
    return [body(world, "open_form", {
        "ALL.n_clicks": [button],
        f"{ids.CONSOLE_TARGETS}.data": [{"id": case_id, "version": 1}],
        STATE: console_state(None)}, trigger=trigger)]


def _urge(world, target):
    case_id = case_id_of(world, target)
    return [body(world, "submit_action", {
        f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": "urge",
        f"{ids.CONSOLE_TARGETS}.data": [{"id": case_id, "version": version_of(world, case_id)}],
        f"{ids.ACTION_NOTE}.value": "hurry", STATE: console_state(None)},
        trigger=f"{ids.ACTION_SUBMIT}.n_clicks")]


def _merge_into_itself(world, target):
    """A 合并 click naming the target case on both sides: whoever may act on it is told a
    case cannot be merged into itself (nothing written either way), everyone else is
    refused before that."""
    case_id = case_id_of(world, target)
    version = version_of(world, case_id)
    pattern = ids.duplicate_button("merge", case_id, case_id, version, version)
    button = {"id": pattern, "property": "n_clicks", "value": 1}
    trigger = json.dumps(pattern, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return [body(world, "decide_duplicate", {
        "ALL.n_clicks": [button], f"{ids.CONSOLE_REFRESH}.data": 0,
        STATE: console_state(None)}, trigger=trigger)]


def _open_linked(world, target):
    pattern = ids.linked_case(case_id_of(world, target))
    trigger = json.dumps(pattern, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return [body(world, "open_linked", {
        "ALL.n_clicks": [{"id": pattern, "property": "n_clicks", "value": 1}]},
        trigger=trigger)]


#: A point inside each target's area.
_DESK_POINT = {"T1": (116.005, 39.905), "T2": (116.025, 39.905), "*": (116.015, 39.905),
               "NOPE": (116.005, 39.905)}
#: A name the desk shows only to someone who may file in the target (its map, its matches).
_DESK_MARKER = {"T1": "Grid-One-A", "T2": "Grid-Two-A", "*": "Town-Two"}


def _desk_place(target):
    """The form's place: a point in the target's grid; the county's own is its code (every
    point of it lies in a town, whose commander's console may also show "the county": it
    lands on their own town, where they may file)."""
    if target == "*":
        return {"lon": None, "lat": None, "region_code": "C", "address": None}
    lon, lat = _DESK_POINT[target]
    return {"lon": lon, "lat": lat, "region_code": None, "address": None}


def _desk(world, name, target, values, trigger=None):
    """A desk callback's body, the console showing the target (the form's region)."""
    return body(world, name, {**values, STATE: console_state(_code(target))}, trigger=trigger)


def _desk_open(world, target):
    return [_desk(world, "open_desk", target, {f"{ids.DESK_OPEN}.n_clicks": 1},
                  trigger=f"{ids.DESK_OPEN}.n_clicks")]


def _desk_form(target) -> dict:
    return {f"{ids.DESK_DESCRIPTION}.value": "Hole in the road", f"{ids.DESK_CATEGORY}.value":
            "C01", f"{ids.DESK_URGENT}.value": [], f"{ids.DESK_REPORTER_NAME}.value": "Caller",
            f"{ids.DESK_REPORTER_PHONE}.value": "12345678", f"{ids.DESK_ADDRESS}.value": "",
            f"{ids.DESK_PLACE}.data": _desk_place(target)}


def _desk_save(world, target):
    """保存 with a fresh form key (each body files anew when allowed)."""
    return [_desk(world, "save_case", target, {
        f"{ids.DESK_SAVE}.n_clicks": 1, f"{ids.DESK_KEY}.data": uuid.uuid4().hex,
        f"{ids.CONSOLE_REFRESH}.data": 0, **_desk_form(target)},
        trigger=f"{ids.DESK_SAVE}.n_clicks")]


def _followup_open(world, target):
    """A 调解 click on the target case (the matrix's cases are no disputes: whoever may act
    on it is told so, naming the case; everyone else is refused before that)."""
    pattern = ids.followup_button("mediate")
    trigger = json.dumps(pattern, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return [body(world, "open_followup", {
        "ALL.n_clicks": [{"id": pattern, "property": "n_clicks", "value": 1}],
        f"{ids.FOLLOWUP_CASE}.data": {"id": case_id_of(world, target), "version": 1},
        STATE: console_state(None)}, trigger=trigger)]


def _followup_submit(world, target):
    """A mediation recorded on the target case: refused by the store's rules for those who
    may act (not a dispute, nothing written), by the area check for everyone else."""
    case_id = case_id_of(world, target)
    return [body(world, "submit_followup", {
        f"{ids.FOLLOWUP_SUBMIT}.n_clicks": 1, f"{ids.FOLLOWUP_KIND}.data": "mediate",
        f"{ids.FOLLOWUP_CASE}.data": {"id": case_id, "version": version_of(world, case_id)},
        f"{ids.MEDIATE_OUTCOME}.value": "success", f"{ids.MEDIATE_NAME}.value": "Mediator",
        STATE: console_state(None)}, trigger=f"{ids.FOLLOWUP_SUBMIT}.n_clicks")]


FOLLOWUP_CALLBACKS: dict[str, Spec] = {
    "followup_buttons": Spec("read", CASE_TARGETS, lambda w, t: [body(w, "followup_buttons", {
        f"{ids.CONSOLE_CASE}.data": case_id_of(w, t), f"{ids.CONSOLE_REFRESH}.data": 0,
        STATE: console_state(None)})]),
    "open_followup": Spec("act", CASE_TARGETS, _followup_open,
                          marker=lambda t: TARGET_CASE.get(t)),
    "show_reopen": Spec("none", ("T2",), lambda w, t: [body(w, "show_reopen", {
        f"{ids.VISIT_SATISFACTION}.value": "dissatisfied"})]),
    "submit_followup": Spec("act", CASE_TARGETS, _followup_submit,
                            marker=lambda t: TARGET_CASE.get(t)),
}


DESK_CALLBACKS: dict[str, Spec] = {
    # the desk's button shows or not: it carries no data of any region
    "show_button": Spec("none", ("T2",), lambda w, t: [_desk(w, "show_button", t, {
        f"{ids.CONSOLE_REFRESH}.data": 0})]),
    "open_desk": Spec("act", REGION_TARGETS, _desk_open, marker=_DESK_MARKER.get),
    "find_places": Spec("act", REGION_TARGETS, lambda w, t: [_desk(w, "find_places", t, {
        f"{ids.DESK_ADDRESS}.value": _DESK_MARKER.get(t, "Grid-Two-A")})],
        marker=_DESK_MARKER.get),
    "choose_place": Spec("act", REGION_TARGETS, lambda w, t: [_desk(w, "choose_place", t, {
        f"{ids.DESK_MAP}.clickData": {"points": [dict(zip(("lon", "lat"), _DESK_POINT[t]))]}},
        trigger=f"{ids.DESK_MAP}.clickData")]),
    "refine_lattice": Spec("act", REGION_TARGETS, lambda w, t: [_desk(w, "refine_lattice", t, {
        f"{ids.DESK_MAP}.relayoutData": {"geo.projection.scale": 2.0}})]),
    "preview_case": Spec("act", REGION_TARGETS, lambda w, t: [_desk(
        w, "preview_case", t, _desk_form(t))],
        marker=lambda t: {"T1": "Grid-One-A", "T2": "Grid-Two-A", "*": "County-Root"}.get(t)),
    "save_case": Spec("act", REGION_TARGETS, _desk_save, changes_store=True),
}


#: The officer of each target (the floater serves no region: the whole deployment's).
_OFFICER_OF = {"T1": "O-T1", "T2": "O-T2", "*": "O-FL", "NOPE": "O-T1"}
_OFFICER_MARKER = {"T1": "Officer-of-T1", "T2": "Officer-of-T2", "*": "Officer-floating"}


def _patrol_state(target: str, officer: str | None = None, day: str = "2026-03-05") -> dict:
    """The console's state on the target with a patrol day and (default: the target's own)
    officer."""
    return {**console_state(_code(target)), "day": day,
            "officer": officer or _OFFICER_OF[target]}


def _show_patrols(world, target, state=None):
    return [body(world, "show_patrols", {
        STATE: state or _patrol_state(target), f"{ids.CONSOLE_REFRESH}.data": 0,
        f"{ids.PATROL_BLIND_DAYS}.value": 3})]


PATROL_CALLBACKS: dict[str, Spec] = {
    "show_patrols": Spec("read", REGION_TARGETS, _show_patrols, marker=_OFFICER_MARKER.get),
    # the pickers only change the address: nothing of the store is read
    "choose_patrol": Spec("none", ("T2",), lambda w, t: [body(w, "choose_patrol", {
        f"{ids.PATROL_DAY}.date": "2026-03-05", f"{ids.PATROL_OFFICER}.value": "O-T2",
        STATE: console_state(t), f"{ids.URL}.pathname": f"/region/{t}",
        f"{ids.URL}.search": ""}, trigger=f"{ids.PATROL_OFFICER}.value")]),
}


#: The officers a click in the officers view names, by target (999: no officer).
_OFFICER = {"T1": 1, "T2": 2, "*": 3, "NOPE": 999}


def _officers_path(target):
    return "/officers" if _code(target) is None else f"/officers/{_code(target)}"


OFFICERS_CALLBACKS: dict[str, Spec] = {
    # the officers view (issue 14): its table from the address, checked on the server
    "fill_officers": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "fill_officers", {
        f"{ids.URL}.pathname": _officers_path(t), f"{ids.URL}.search": "?lang=en"})],
        marker=_region_marker),
    "navigate_officers": Spec("none", ("T2",), lambda w, t: [body(w, "navigate_officers", {
        f"{ids.OFFICERS_PERIOD}.value": "7d", f"{ids.URL}.pathname": "/officers/T2",
        f"{ids.URL}.search": ""}, trigger=f"{ids.OFFICERS_PERIOD}.value")]),
    "open_officer": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "open_officer", {
        f"{ids.OFFICERS_GRID}.cellClicked": {"colId": "name", "rowId": str(_OFFICER[t])},
        f"{ids.URL}.pathname": "/officers", f"{ids.URL}.search": "?lang=en"},
        trigger=f"{ids.OFFICERS_GRID}.cellClicked")],
        marker=lambda t: {"T1": "officer=O-T1", "T2": "officer=O-T2",
                          "*": "officer=O-FL"}.get(t)),
    "officers_link": Spec("none", ("T2",), lambda w, t: [body(w, "officers_link", {
        f"{ids.URL}.pathname": "/region/T2", f"{ids.URL}.search": ""})]),
    "refresh_wall_officers": Spec("wall", REGION_TARGETS, lambda w, t: [
        body(w, "refresh_wall_officers", {
            f"{ids.WALL_STATE}.data": {**wall_state(_code(t)), "panel": "officers"}})],
        marker=lambda t: {"T1": "Officer-of-T1", "T2": "Officer-of-T2",
                          "*": "Officer-of-T2"}.get(t)),
}


# --- the console's 预警 panel (issue 16, callbacks/console_alerts.py) --------------------------
#: One alert per target: in T1's grid, in T2's grid, of the whole deployment (no region);
#: UNKNOWN: an id no alert has.
_ALERT_REGION = {"T1": "G1", "T2": "G3", "*": None}
UNKNOWN_ALERT = 987654


def _add_alerts(world: World) -> None:
    """The targets' alerts, each behind its target's case (as the rules write them)."""
    now = store.utcnow()
    findings = [Finding("repeat_location", f"repeat_location:{target}", "red",
                        None if region is None else REGION_ID[region], now,
                        (world.case_ids[TARGET_CASE[target]],), {"days": 30, "radius_m": 50})
                for target, region in _ALERT_REGION.items()]
    with store.transaction(world.engine) as conn:
        alert_book.apply_findings(conn, now, {"repeat_location": findings})
        world.alert_ids = dict(conn.execute(select(Alert.key, Alert.id)).all())


def _alert_id(world, target) -> int:
    return world.alert_ids.get(f"repeat_location:{target}", UNKNOWN_ALERT)


def _fresh_alert(world, target) -> tuple[int, int]:
    """The target's alert set back to new (so each honest action has something to do),
    and its version now."""
    alert_id = _alert_id(world, target)
    with store.transaction(world.engine) as conn:
        conn.execute(Alert.__table__.update().where(Alert.id == alert_id).values(
            state="new", acknowledged_by=None, acknowledged_at=None, closed_at=None,
            closed_by=None, close_note=None, assigned_case_id=None,
            version=Alert.version + 1))
        version = conn.scalar(select(Alert.version).where(Alert.id == alert_id))
    return alert_id, version or 1


def fingerprint(engine) -> tuple:
    """The cases' fingerprint and every alert's state and version: an alert action
    writes no case."""
    with engine.connect() as conn:
        alerts = tuple(conn.execute(select(Alert.id, Alert.state, Alert.version)
                                    .order_by(Alert.id)).all())
    return cases_fingerprint(engine), alerts


def _alert_click(world, name, action, target, extra_values=None):
    alert_id, version = _fresh_alert(world, target)
    pattern = ids.alert_button(action, alert_id, version)
    trigger = json.dumps(pattern, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return [body(world, name, {"ALL.n_clicks": [{"id": pattern, "property": "n_clicks",
                                                 "value": 1}],
                               STATE: console_state(None), **(extra_values or {})},
                 trigger=trigger)]


def _alert_submit(world, target):
    alert_id, version = _fresh_alert(world, target)
    return [body(world, "submit_alert_form", {
        f"{ids.ALERT_SUBMIT}.n_clicks": 1,
        f"{ids.ALERT_TARGET}.data": {"id": alert_id, "version": version, "action": "close"},
        f"{ids.ALERT_NOTE}.value": "checked on site", f"{ids.CONSOLE_REFRESH}.data": 0,
        STATE: console_state(None)}, trigger=f"{ids.ALERT_SUBMIT}.n_clicks")]


def _alert_list(world, target):
    return [body(world, "show_alerts", {
        STATE: console_state(_code(target)), f"{ids.CONSOLE_REFRESH}.data": 0,
        f"{ids.ALERTS_STATE}.value": "all", f"{ids.ALERTS_PAGE}.data": 0})]


ALERT_TARGETS = ("T1", "T2", "*", "UNKNOWN")
ALERT_CALLBACKS: dict[str, Spec] = {
    "show_alerts": Spec("read", REGION_TARGETS, _alert_list, marker=lambda t: {
        "T1": "Grid-One-A", "T2": "Grid-Two-A", "*": "Grid-Two-A"}.get(t)),
    "poll_alerts": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "poll_alerts", {
        f"{ids.ALERTS_TICK}.n_intervals": 1, STATE: console_state(_code(t))})]),
    # the pager and the row's click only change the page or the address: nothing is read
    "turn_page": Spec("none", ("T2",), lambda w, t: [body(w, "turn_page", {
        f"{ids.ALERTS_NEXT}.n_clicks": 1, f"{ids.ALERTS_PAGE}.data": 0},
        trigger=f"{ids.ALERTS_NEXT}.n_clicks")]),
    "select_alert": Spec("none", ("T2",), lambda w, t: [body(w, "select_alert", {
        "ALL.n_clicks": [{"id": ids.alert_pick(_alert_id(w, t)), "property": "n_clicks",
                          "value": 1}],
        STATE: console_state(t), f"{ids.URL}.pathname": f"/region/{t}", f"{ids.URL}.search": ""},
        trigger=json.dumps(ids.alert_pick(_alert_id(w, t)), separators=(",", ":"),
                           sort_keys=True) + ".n_clicks")]),
    "open_alert_case": Spec("none", ("T2",), lambda w, t: [body(w, "open_alert_case", {
        "ALL.n_clicks": [{"id": ids.alert_case(case_id_of(w, t), "row"), "property": "n_clicks",
                          "value": 1}]}, trigger=json.dumps(
        ids.alert_case(case_id_of(w, t), "row"), separators=(",", ":"), sort_keys=True)
        + ".n_clicks")]),
    "show_selected": Spec("read", ALERT_TARGETS, lambda w, t: [body(w, "show_selected", {
        STATE: {**console_state(None), "alert": _alert_id(w, t)},
        f"{ids.CONSOLE_REFRESH}.data": 0})], marker=lambda t: TARGET_CASE.get(t)),
    "acknowledge_alert": Spec("act", ALERT_TARGETS, lambda w, t: _alert_click(
        w, "acknowledge_alert", "acknowledge", t), marker=lambda t: "acknowledged",
        changes_store=True),
    "open_alert_form": Spec("act", ALERT_TARGETS, lambda w, t: _alert_click(
        w, "open_alert_form", "assign", t), marker=lambda t: TARGET_CASE.get(t)),
    "submit_alert_form": Spec("act", ALERT_TARGETS, _alert_submit,
                              marker=lambda t: "closed", changes_store=True),
}


CALLBACKS: dict[str, Spec] = {
    **ALERT_CALLBACKS,
    **DESK_CALLBACKS,
    **FOLLOWUP_CALLBACKS,
    **PATROL_CALLBACKS,
    **OFFICERS_CALLBACKS,
    "decide_duplicate": Spec("act", CASE_TARGETS, _merge_into_itself,
                             marker=lambda t: "merged into itself"),
    "open_linked": Spec("none", ("T2",), _open_linked),
    "clear_feedback": Spec("none", ("T2",), lambda w, t: [body(w, "clear_feedback", {
        f"{ids.CONSOLE_CASE}.data": case_id_of(w, t)})]),
    "sync_state": Spec("none", ("T2",), lambda w, t: [body(w, "sync_state", {
        f"{ids.URL}.pathname": f"/region/{t}", f"{ids.URL}.search": ""})]),
    "navigate": Spec("none", ("T2",), lambda w, t: [body(w, "navigate", {
        f"{ids.CONSOLE_PERIOD}.value": "7d", STATE: console_state(t),
        f"{ids.URL}.pathname": f"/region/{t}", f"{ids.URL}.search": ""},
        trigger=f"{ids.CONSOLE_PERIOD}.value")]),
    "open_case": Spec("none", ("T2",), lambda w, t: [body(w, "open_case", {
        f"{ids.CONSOLE_GRID}.cellClicked": {"rowId": str(case_id_of(w, t))}},
        trigger=f"{ids.CONSOLE_GRID}.cellClicked")]),
    "update_panels": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "update_panels", {
        STATE: console_state(_code(t)), f"{ids.CONSOLE_REFRESH}.data": 0})],
        marker=_region_marker),
    "grid_rows": Spec("read", REGION_TARGETS, _rows_request,
                      marker=lambda t: {"T1": "CASE-T1-", "T2": "CASE-T2-"}.get(t)),
    "export_list": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "export_list", {
        f"{ids.CONSOLE_EXPORT_CSV}.n_clicks": 1, STATE: console_state(_code(t)),
        f"{ids.CONSOLE_GRID}.getRowsRequest": {}}, trigger=f"{ids.CONSOLE_EXPORT_CSV}.n_clicks")],
        # the CSV's address (the route streams it and checks again: test_export_route.py)
        marker=lambda t: {"T1": "region=T1", "T2": "region=T2", "*": "region=C"}.get(t)),
    "briefing_link": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "briefing_link", {
        f"{ids.URL}.pathname": "/" if _code(t) is None else f"/region/{_code(t)}",
        f"{ids.URL}.search": ""})], marker=lambda t: "/briefing?week="),
    "show_case": Spec("read", CASE_TARGETS, lambda w, t: [body(w, "show_case", {
        f"{ids.CONSOLE_CASE}.data": case_id_of(w, t), STATE: console_state(None)})],
        marker=lambda t: TARGET_CASE.get(t)),
    "choose_targets": Spec("read", CASE_TARGETS, lambda w, t: [body(w, "choose_targets", {
        f"{ids.CONSOLE_GRID}.selectedRows": [{"id": case_id_of(w, t)}],
        STATE: console_state(None)}, trigger=f"{ids.CONSOLE_GRID}.selectedRows")],
        marker=lambda t: TARGET_CASE.get(t)),
    "open_form": Spec("act", CASE_TARGETS, _dispatch_form,
                      marker=lambda t: {"T1": "Officer-of-T1", "T2": "Officer-of-T2"}.get(t)),
    "submit_action": Spec("act", CASE_TARGETS, _urge, changes_store=True),
    "render_page": Spec("page", REGION_TARGETS, lambda w, t: [
        body(w, "render_page", {f"{ids.URL}.pathname": path, f"{ids.URL}.search": search})
        for path, search in (
            ("/wall", "?lang=en" + ("" if _code(t) is None else f"&region={_code(t)}")),
            ("/" if _code(t) is None else f"/region/{_code(t)}", "?lang=en"),
            ("/briefing", "?lang=en" + ("" if _code(t) is None else f"&region={_code(t)}")))],
        marker=_region_marker),
    "refresh_wall": Spec("wall", REGION_TARGETS, lambda w, t: [
        body(w, "refresh_wall", {f"{ids.WALL_REQUEST}.data": 1,
                                 f"{ids.WALL_STATE}.data": wall_state(_code(t))})],
        marker=lambda t: {"T1": "CASE-T1-", "T2": "CASE-T2-", "*": "CASE-T"}.get(t)),
    "rotate_wall": Spec("wall", REGION_TARGETS, lambda w, t: [
        body(w, "rotate_wall", {f"{ids.WALL_ROTATE}.n_intervals": 1,
                                f"{ids.WALL_STATE}.data": wall_state(_code(t), [_code(t)])})],
        marker=_region_marker),
}


def allowed(who: Who, spec: Spec, target: str, body: dict) -> bool:
    """Whether ``who`` may run this honest body and get the target's data."""
    if who.scope is None:
        return False
    page_kind = None
    if spec.needs == "page":
        path = body["inputs"][0]["value"]
        page_kind = "wall" if path == "/wall" else "briefing" if path == "/briefing" else "console"
    display_ok = spec.needs == "wall" or page_kind in ("wall", "briefing")
    if who.display and not display_ok:
        return False
    if spec.needs == "none":
        return True
    if spec.needs == "act" and not who.acts:
        return False
    if target in ("NOPE", "UNKNOWN"):
        return False
    if page_kind in ("wall", "briefing") and target == "*" and who.scope != "*":
        return False
    return who.sees(target) if target != "*" else who.scope == "*"


SAME_AS_HONEST = (renamed, moved)
GARBLED = (reordered, missing, extra, wall_outputs)


def check(world: World, who: Who, spec: Spec, target: str, sent: dict, honest_ok: bool,
          exact: bool, label: str, guard: bool = True) -> None:
    before = fingerprint(world.engine)
    response = world.post(who, sent)
    text = response_text(response)
    where = f"{label} as {who.name} on {target}: HTTP {response.status_code} {text[:300]}"
    hidden = who.hidden() + ([] if honest_ok else [
        m for scope in (target,) if scope in MARKERS for m in MARKERS[scope]])
    leaked = [m for m in hidden if m in text]
    assert not leaked, f"{leaked} leaked to {where}"
    assert "Traceback" not in text, where
    after = fingerprint(world.engine)
    if exact and honest_ok:
        assert response.status_code == 200, where
        marker = spec.marker(target)
        assert marker is None or marker in text, f"{marker!r} missing from {where}"
        if spec.changes_store:
            assert after != before, f"nothing written by {where}"
    elif not (honest_ok and spec.changes_store):
        assert after == before, f"the store changed after {where}"
    if who.scope is None or (guard and who.display and spec.needs not in ("wall", "page")):
        assert response.status_code == 403, where  # the guard's first filter


# --- the matrix ---------------------------------------------------------------------------

def test_every_server_callback_is_in_the_matrix(world):
    assert set(world.keys) == set(CALLBACKS)


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_callback_matrix(world, name):
    spec = CALLBACKS[name]
    for target in spec.targets:
        for who in PRINCIPALS:
            for n, honest in enumerate(spec.bodies(world, target)):
                ok = allowed(who, spec, target, honest)
                check(world, who, spec, target, honest, ok, True, f"{name} honest")
                if target != "T2" or n:  # T2: inside the scope of some, outside of others
                    continue  # (and of the router's three pages, the wall's: it takes tokens)
                for variant in SAME_AS_HONEST:  # afresh: a case's new version, a new wall page
                    fresh = spec.bodies(world, target)[n]
                    check(world, who, spec, target, variant(fresh), ok, True,
                          f"{name} {variant.__name__}")
                for variant in GARBLED:
                    check(world, who, spec, target, variant(honest), ok, False,
                          f"{name} {variant.__name__}")


def test_callbacks_hold_by_themselves_without_the_guard_s_filter(world, monkeypatch):
    """The guard's "a display token runs only the wall's callbacks" is a first filter:
    with it switched off, every callback still refuses a wall what is not the wall's."""
    monkeypatch.setattr(auth, "display_may_run", lambda output: True)
    walls = [who for who in PRINCIPALS if who.display]
    for name, spec in sorted(CALLBACKS.items()):
        for target in spec.targets:
            for who in walls:
                for honest in spec.bodies(world, target):
                    ok = allowed(who, spec, target, honest)
                    check(world, who, spec, target, renamed(honest), ok, spec.needs != "none",
                          f"{name} unguarded", guard=False)


# --- the findings, one by one ---------------------------------------------------------

def test_a_renamed_wall_state_still_has_its_regions_checked(world):
    """Finding 1: the state entry renamed, the refresh and the rotation are still refused
    for any region outside the wall's, the county included, with the region named."""
    for callback in ("refresh_wall", "rotate_wall"):
        for region in ("T2", None):
            sent = renamed(CALLBACKS[callback].bodies(world, region or "*")[0])
            assert sent["state"][0]["id"] != ids.WALL_STATE
            for name in ("wall-T1", "viewer-T1", "commander-T1"):
                response = world.post(principal_named(name), sent)
                assert response.status_code == 403, (callback, region, name)
                error = response.get_json()["error"]
                assert error["key"] == "auth_out_of_scope"
                assert error["message"]["en"] == f"Region {region or '*'} is outside your area"
    # a playlist through another town, and a map of the county under T1's own region
    for state in (wall_state("T1", ["T1", "T2"]), {**wall_state("T1"), "map_region": "C"}):
        sent = renamed(body(world, "rotate_wall", {f"{ids.WALL_ROTATE}.n_intervals": 1,
                                                   f"{ids.WALL_STATE}.data": state}))
        assert world.post(principal_named("wall-T1"), sent).status_code == 403
    # a state that is not a wall's state at all: a short 400, no traceback
    for bad in ({"region": ["T1"]}, {"region": "T1", "playlist": "T2"}, 7):
        sent = body(world, "refresh_wall", {f"{ids.WALL_REQUEST}.data": 1,
                                            f"{ids.WALL_STATE}.data": bad})
        response = world.post(principal_named("wall-T1"), sent)
        assert response.status_code == 400 and response.get_json()["error"]["key"] in (
            "auth_bad_state", "auth_bad_region")


def test_a_display_token_cannot_name_a_console_callback_behind_wall_outputs(world):
    """The callback Dash runs is the one the body's ``output`` names: a wall's token is
    refused it, whatever ``outputs`` says (Dash would also refuse the mismatch itself)."""
    sent = wall_outputs(CALLBACKS["grid_rows"].bodies(world, "T1")[0])
    response = world.post(principal_named("wall-T1"), sent)
    assert response.status_code == 403 and response.get_json()["error"]["key"] == \
        "auth_display_only"


def test_unlocated_and_unknown_cases_are_refused_to_a_town_and_alike(world):
    """Finding 2 and the medium one: a town commander cannot act on an unlocated case,
    alone or beside one of their own; an unknown id gets the very same words."""
    own, nowhere = world.case_ids["CASE-T1-DISPATCHED"], world.case_ids["CASE-NOWHERE"]
    answers = []
    for targets in ([nowhere], [own, nowhere], [UNKNOWN_CASE], [own, UNKNOWN_CASE],
                    [world.case_ids["CASE-T2-DISPATCHED"]]):
        before = fingerprint(world.engine)
        sent = body(world, "submit_action", {
            f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": "urge",
            f"{ids.CONSOLE_TARGETS}.data": [{"id": i, "version": version_of(world, i)}
                                            for i in targets],
            STATE: console_state(None)}, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")
        response = world.post(principal_named("commander-T1"), sent)
        answers.append(response.get_json()["response"][ids.ACTION_FEEDBACK]["children"])
        assert fingerprint(world.engine) == before
    assert len(set(answers)) == 1 and "outside your area" in answers[0]
    shown = []
    for case_id in (nowhere, UNKNOWN_CASE, world.case_ids["CASE-T2-DISPATCHED"]):
        sent = body(world, "show_case", {f"{ids.CONSOLE_CASE}.data": case_id,
                                         STATE: console_state(None)})
        shown.append(world.post(principal_named("viewer-T1"), sent).get_json()["response"][
            ids.CONSOLE_DETAIL]["children"])
    assert len(set(shown)) == 1 and "G3" not in shown[0] and "Grid" not in shown[0]


def test_the_targets_are_read_from_the_store_not_from_the_rows_sent(world):
    own = world.case_ids["CASE-T1-DISPATCHED"]
    sent = body(world, "choose_targets", {
        f"{ids.CONSOLE_GRID}.selectedRows": [{"id": own, "version": 99, "status": "filed",
                                              "code": "FORGED"}],
        STATE: console_state(None)}, trigger=f"{ids.CONSOLE_GRID}.selectedRows")
    response = world.post(principal_named("commander-T1"), sent).get_json()["response"]
    (target,) = response[ids.CONSOLE_TARGETS]["data"]
    assert target == {"id": own, "code": "CASE-T1-DISPATCHED", "status": schema.DISPATCHED,
                      "version": version_of(world, own)}
    buttons = json.dumps(response[ids.CONSOLE_ACTIONS]["children"])
    assert '"urge"' in buttons and '"dispatch"' not in buttons  # a dispatched case's actions


def test_a_town_commander_dispatches_only_to_officers_of_the_town(world):
    """The pick list offers only officers inside the commander's area (T2's officer and
    the floater, though nearest to T1's filed case, are not), and a dispatch naming one
    outside, or an officer no one is, is refused with nothing written; T1's own officer
    is accepted."""
    filed = world.case_ids["CASE-T1-FILED"]
    form = body(world, "open_form", {
        "ALL.n_clicks": [{"id": ids.action_button("dispatch"), "property": "n_clicks",
                          "value": 1}],
        f"{ids.CONSOLE_TARGETS}.data": [{"id": filed, "version": 1}],
        STATE: console_state(None)},
        trigger=json.dumps(ids.action_button("dispatch"), separators=(",", ":"),
                           sort_keys=True) + ".n_clicks")
    mine = world.post(principal_named("commander-T1"), form).get_json()["response"]
    everyone = world.post(principal_named("admin"), form).get_json()["response"]
    assert mine[ids.ACTION_OFFICER]["options"] == []
    assert mine[ids.ACTION_OFFICER]["value"] is None
    assert "the best officer is outside your area" in json.dumps(mine[ids.ACTION_HINT])
    assert {o["label"].split(" (")[0] for o in everyone[ids.ACTION_OFFICER]["options"]} == {
        "Officer-of-T2", "Officer-floating"}

    def dispatch(officer):
        return body(world, "submit_action", {
            f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": "dispatch",
            f"{ids.CONSOLE_TARGETS}.data": [{"id": filed, "version": version_of(world, filed)}],
            f"{ids.ACTION_DEPARTMENT}.value": 1, f"{ids.ACTION_OFFICER}.value": officer,
            STATE: console_state(None)}, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")

    before = fingerprint(world.engine)
    said = set()
    for officer in (2, 3, 999):  # T2's, the floater, nobody
        response = world.post(principal_named("commander-T1"), dispatch(officer)).get_json()
        said.add(response["response"][ids.ACTION_FEEDBACK]["children"])
        assert fingerprint(world.engine) == before
    assert len(said) == 1 and "Officer" not in said.pop()
    bad = world.post(principal_named("commander-T1"), dispatch("2; drop table"))
    assert bad.status_code == 200 and fingerprint(world.engine) == before
    assert world.post(principal_named("commander-T1"), dispatch(1)).status_code == 200
    with world.engine.connect() as conn:
        assert conn.execute(select(Case.status, Case.officer_id)
                            .where(Case.id == filed)).one() == (schema.DISPATCHED, 1)


def test_an_officer_outside_the_scope_is_refused_as_one_no_one_is(world):
    """The console's patrol layer and panel: a T1 viewer naming T2's officer (or the
    floater, who belongs to the whole deployment) gets the words an unknown code gets and
    none of their tracks, even on the viewer's own region and a day they patrolled it;
    the admin gets the tracks. Hand-made states (a list, a number, a control character as
    the officer; a day that is no date) are refused with a short 400."""
    today = store.utcnow()
    with store.transaction(world.engine) as conn:
        patrol = conn.scalar(select(Patrol.id).where(Patrol.officer_id == 2))
        conn.execute(PatrolVisit.__table__.insert().values(
            patrol_id=patrol, region_id=5, day=today.date(), officer_id=2,
            first_at=today - timedelta(minutes=10), last_at=today - timedelta(minutes=10),
            fixes=1, seconds=0.0, distance_m=0.0))
    try:
        viewer, admin = principal_named("viewer-T1"), principal_named("admin")
        words = set()
        for officer in ("O-T2", "O-FL", "NOBODY"):
            state = _patrol_state("T1", officer, today.date().isoformat())
            panel = response_text(world.post(viewer, _show_patrols(world, "T1", state)[0]))
            drawn = response_text(world.post(viewer, body(world, "update_panels", {
                STATE: state, f"{ids.CONSOLE_REFRESH}.data": 0})))
            for text in (panel, drawn):
                assert "Officer-of-T2" not in text and "Officer-floating" not in text
            words.add(json.loads(panel[panel.index("{"):].split("\n")[0])["response"][
                ids.PATROL_HINT]["children"])
        assert words == {"Cannot show this officer's patrols: unknown, or outside your area"}
        state = _patrol_state("T1", "O-T2", today.date().isoformat())
        drawn = response_text(world.post(admin, body(world, "update_panels", {
            STATE: state, f"{ids.CONSOLE_REFRESH}.data": 0})))
        assert "patrol-" in drawn and "Officer-of-T2" in drawn
        for bad in ({"officer": ["O-T1"]}, {"officer": 7}, {"officer": "O\x00"},
                    {"day": "2026-02-30"}, {"day": 20260305}):
            sent = _show_patrols(world, "T1", {**_patrol_state("T1"), **bad})[0]
            response = world.post(viewer, sent)
            assert response.status_code in (200, 400), bad
            assert "Traceback" not in response_text(response)
            drawn = world.post(viewer, body(world, "update_panels", {
                STATE: {**_patrol_state("T1"), **bad}, f"{ids.CONSOLE_REFRESH}.data": 0}))
            assert drawn.status_code == 400 and "Traceback" not in response_text(drawn), bad
    finally:
        with store.transaction(world.engine) as conn:
            conn.execute(PatrolVisit.__table__.delete())


def test_the_findings_hold_on_postgresql_too(postgres_engine):
    """One smoke run of the findings on PostgreSQL (the matrix runs on SQLite)."""
    store.drop_all(postgres_engine)
    store.init_db(postgres_engine)
    build(postgres_engine)
    app = create_app(Settings(database_url=postgres_engine.url.render_as_string(
        hide_password=False)))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    try:
        pg = World(app, engine)
        with engine.connect() as conn:
            pg.case_ids = dict(conn.execute(select(Case.code, Case.id)).all())
        pg.keys = {callback_name(e): k for k, e in app.callback_map.items() if callback_name(e)}
        wall = app.server.test_client()
        token = make_wall_token(engine, "T1")
        commander = app.server.test_client()
        sign_in(commander, "pg-t1", make_user(engine, "pg-t1", "commander", "T1"))
        stolen = renamed(CALLBACKS["refresh_wall"].bodies(pg, "T2")[0])
        assert post_callback(wall, stolen, token=token).status_code == 403
        mine = CALLBACKS["refresh_wall"].bodies(pg, "T1")[0]
        assert "CASE-T1-" in response_text(post_callback(wall, renamed(mine), token=token))
        before = fingerprint(engine)
        said = post_callback(commander, _urge(pg, "*")[0]).get_json()
        assert "outside your area" in said["response"][ids.ACTION_FEEDBACK]["children"]
        assert fingerprint(engine) == before
        assert post_callback(commander, _urge(pg, "T1")[0]).status_code == 200
        assert fingerprint(engine) != before
    finally:
        engine.dispose()
