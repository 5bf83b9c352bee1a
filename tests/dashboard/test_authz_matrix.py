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
until it is listed here with what it may show to whom.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import pytest
from shapely import box, to_wkb
from sqlalchemy import Engine, func, insert, select

from dashboard import Settings, auth, create_app
from data import schema, store
from data.models import (
    Case, CaseEvent, Category, Department, Officer, Patrol, PatrolPoint, Region,
)
from data.store import utcnow
from layouts import ids
from tests.auth_helpers import make_user, make_wall_token, post_callback, sign_in

# --- the store: a county, two towns, three grids; every name is a marker ----------------------

LEVELS = ["区县", "乡镇街道", "网格"]
REGIONS = [  # id, code, name, depth, parent, lon range
    (1, "C", "County-Root", 0, None, (116.00, 116.03)),
    (2, "T1", "Town-One", 1, 1, (116.00, 116.02)),
    (3, "T2", "Town-Two", 1, 1, (116.02, 116.03)),
    (4, "G1", "Grid-One-A", 2, 2, (116.00, 116.01)),
    (5, "G2", "Grid-One-B", 2, 2, (116.01, 116.02)),
    (6, "G3", "Grid-Two-A", 2, 3, (116.02, 116.03)),
]
REGION_ID = {code: rid for rid, code, *_ in REGIONS}
OFFICERS = [(1, "O-T1", "Officer-of-T1", 4), (2, "O-T2", "Officer-of-T2", 6),
            (3, "O-FL", "Officer-floating", None)]
# case code, region, lon/lat, status, officer
CASES = [
    ("CASE-T1-DISPATCHED", "G1", (116.005, 39.905), schema.DISPATCHED, 1),
    ("CASE-T1-FILED", "G2", (116.015, 39.905), schema.FILED, None),
    ("CASE-T2-DISPATCHED", "G3", (116.025, 39.905), schema.DISPATCHED, 2),
    ("CASE-T2-FILED", "G3", (116.026, 39.906), schema.FILED, None),
    ("CASE-NOWHERE", None, None, schema.DISPATCHED, None),
]
#: What each scope may see; everything else is hidden from it.
MARKERS = {
    "T1": ("Town-One", "Grid-One-A", "Grid-One-B", "CASE-T1-", "Officer-of-T1"),
    "T2": ("Town-Two", "Grid-Two-A", "CASE-T2-", "Officer-of-T2"),
    "*": ("CASE-NOWHERE", "Officer-floating"),  # the whole deployment's own
}
TARGET_CASE = {"T1": "CASE-T1-DISPATCHED", "T2": "CASE-T2-DISPATCHED",
               "*": "CASE-NOWHERE"}
UNKNOWN_CASE = 987654


def build(engine: Engine) -> None:
    now = utcnow()
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "UTC")
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": rid, "code": code, "name": name, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(x0, 39.90, x1, 39.91)),
             "centroid_lon": (x0 + x1) / 2, "centroid_lat": 39.905, "min_lon": x0,
             "min_lat": 39.90, "max_lon": x1, "max_lat": 39.91}
            for rid, code, name, depth, parent, (x0, x1) in REGIONS])
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Department), [{"id": 1, "code": "D1", "name": "Dept-Shared"}])
        conn.execute(insert(Category), [{
            "code": "C01", "case_class": schema.INCIDENT, "category": "Cat-A",
            "subcategory": "Sub-A", "department_id": 1, "time_limit": 2.0,
            "time_unit": schema.HOURS}])
        conn.execute(insert(Officer), [{"id": i, "code": c, "name": n, "region_id": r}
                                       for i, c, n, r in OFFICERS])
        # T2's officer patrols T2 but was last seen inside T1; the floater patrols the
        # county: both are "nearest" to T1's cases, and neither is T1's to dispatch
        for officer, region, (lon, lat) in ((2, "G3", (116.015, 39.905)),
                                            (3, "C", (116.006, 39.905))):
            patrol = conn.execute(insert(Patrol).values(
                officer_id=officer, region_id=REGION_ID[region],
                started_at=now - timedelta(hours=1))).inserted_primary_key[0]
            conn.execute(insert(PatrolPoint).values(
                patrol_id=patrol, at=now - timedelta(minutes=10), lon=lon, lat=lat))
        for n, (code, region, point, status, officer) in enumerate(CASES):
            reported = now - timedelta(days=2, hours=n)
            row = {"code": code, "status": status, "subcategory": "Sub-A",
                   "category": "Cat-A", "source": schema.SOURCES[0],
                   "region_id": None if region is None else REGION_ID[region],
                   "location_method": schema.UNLOCATED if point is None else "point",
                   "lon": None if point is None else point[0],
                   "lat": None if point is None else point[1],
                   "reported_at": reported, "filed_at": reported + timedelta(hours=1),
                   "version": 1, "updated_at": reported}
            if status == schema.DISPATCHED:
                row.update(dispatched_at=reported + timedelta(hours=2), department_id=1,
                           officer_id=officer, due_at=now + timedelta(days=2))
            case_id = conn.execute(insert(Case).values(**row)).inserted_primary_key[0]
            conn.execute(insert(CaseEvent), [{
                "case_id": case_id, "action": "report", "from_status": None,
                "to_status": schema.REPORTED, "actor": "test", "at": reported}])
        store.bump_data_version(conn)


# --- who asks -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Who:
    name: str
    scope: str | None  # "T1", "T2", "*" (everything); None: signed out
    display: bool = False
    acts: bool = False

    def sees(self, scope: str) -> bool:
        return self.scope == "*" or (self.scope is not None and self.scope == scope)

    def hidden(self) -> list[str]:
        """The markers this principal must never receive."""
        if self.scope == "*":
            return []
        hidden = [m for scope, names in MARKERS.items() if scope != self.scope for m in names]
        return hidden + (["County-Root"] if self.scope is None else [])


PRINCIPALS = [
    Who("signed-out", None),
    Who("wall-T2", "T2", display=True),
    Who("wall-T1", "T1", display=True),
    Who("viewer-T1", "T1"),
    Who("commander-T2", "T2", acts=True),
    Who("commander-T1", "T1", acts=True),
    Who("admin", "*", acts=True),
]
ROLES = {"viewer-T1": ("viewer", "T1"), "commander-T2": ("commander", "T2"),
         "commander-T1": ("commander", "T1"), "admin": ("admin", None)}


@dataclass
class World:
    app: object
    engine: Engine
    clients: dict = field(default_factory=dict)  # name -> (client, token)
    case_ids: dict = field(default_factory=dict)  # code -> id
    keys: dict = field(default_factory=dict)  # callback name -> callback map key

    def post(self, who: Who, body: dict):
        client, token = self.clients[who.name]
        return post_callback(client, body, token=token)

    def get(self, who: Who, path: str):
        client, token = self.clients[who.name]
        return client.get(path, headers={auth.TOKEN_HEADER: token} if token else {})


def _callback_name(entry: dict) -> str | None:
    function = entry.get("callback")
    return None if function is None else getattr(function, "__wrapped__", function).__name__


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    url = f"sqlite:///{tmp_path_factory.mktemp('authz') / 'matrix.sqlite3'}"
    app = create_app(Settings(database_url=url))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    build(engine)
    world = World(app, engine)
    for who in PRINCIPALS:
        client = app.server.test_client()
        token = None
        if who.display:
            token = make_wall_token(engine, who.scope)
        elif who.name in ROLES:
            role, region = ROLES[who.name]
            sign_in(client, who.name, make_user(engine, who.name, role, region))
        world.clients[who.name] = (client, token)
    with engine.connect() as conn:
        world.case_ids = dict(conn.execute(select(Case.code, Case.id)).all())
    world.keys = {_callback_name(entry): key for key, entry in app.callback_map.items()
                  if _callback_name(entry)}
    yield world
    engine.dispose()


# --- request bodies, from the app's own callback map -----------------------------------------

def body(world: World, name: str, values: dict[str, object], trigger: str | None = None) -> dict:
    """What the browser sends to run callback ``name`` with ``values`` by "id.property"
    (a pattern-matching input, ``"ALL.property"``, takes the list of
    ``{"id", "property", "value"}`` the browser would send)."""
    key = world.keys[name]
    entry = world.app.callback_map[key]
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": json.loads(component) if component.startswith("{") else component,
                        "property": prop})

    def filled(items):
        out = []
        for item in items:
            if item["id"].startswith("{"):  # ALL: the browser sends the matching list
                out.append(values.get(f"ALL.{item['property']}") or [])
                continue
            out.append({**item, "value": values.get(f"{item['id']}.{item['property']}")})
        return out

    inputs = filled(entry["inputs"])
    first = entry["inputs"][0]
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": inputs, "state": filled(entry["state"]),
            "changedPropIds": [trigger or f"{first['id']}.{first['property']}"]}


def console_state(region: str | None, lang: str = "en") -> dict:
    from callbacks.console import parse_address

    path = "/" if region is None else f"/region/{region}"
    return parse_address(path, f"?lang={lang}")


def wall_state(region: str | None, playlist: list | None = None) -> dict:
    state = {"version": -1, "region": region, "map_region": region, "metric": "open",
             "token": uuid.uuid4().hex, "lang": "en", "timezone": "UTC", "refresh": 10,
             "words": {"stale": "", "as_of": ""}}
    if playlist is not None:
        state["playlist"] = playlist
    return state


def _case_id(world: World, target: str) -> int:
    return world.case_ids[TARGET_CASE[target]] if target in TARGET_CASE else UNKNOWN_CASE


def _version(world: World, case_id: int) -> int:
    with world.engine.connect() as conn:
        return conn.scalar(select(Case.version).where(Case.id == case_id)) or 1


STATE = f"{ids.CONSOLE_STATE}.data"


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
    case_id = _case_id(world, target)
    button = {"id": ids.action_button("dispatch"), "property": "n_clicks", "value": 1}
    trigger = json.dumps(ids.action_button("dispatch"), separators=(",", ":"),
                         sort_keys=True) + ".n_clicks"
    return [body(world, "open_form", {
        "ALL.n_clicks": [button],
        f"{ids.CONSOLE_TARGETS}.data": [{"id": case_id, "version": 1}],
        STATE: console_state(None)}, trigger=trigger)]


def _urge(world, target):
    case_id = _case_id(world, target)
    return [body(world, "submit_action", {
        f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": "urge",
        f"{ids.CONSOLE_TARGETS}.data": [{"id": case_id, "version": _version(world, case_id)}],
        f"{ids.ACTION_NOTE}.value": "hurry", STATE: console_state(None)},
        trigger=f"{ids.ACTION_SUBMIT}.n_clicks")]


CALLBACKS: dict[str, Spec] = {
    "sync_state": Spec("none", ("T2",), lambda w, t: [body(w, "sync_state", {
        f"{ids.URL}.pathname": f"/region/{t}", f"{ids.URL}.search": ""})]),
    "navigate": Spec("none", ("T2",), lambda w, t: [body(w, "navigate", {
        f"{ids.CONSOLE_PERIOD}.value": "7d", STATE: console_state(t),
        f"{ids.URL}.pathname": f"/region/{t}", f"{ids.URL}.search": ""},
        trigger=f"{ids.CONSOLE_PERIOD}.value")]),
    "open_case": Spec("none", ("T2",), lambda w, t: [body(w, "open_case", {
        f"{ids.CONSOLE_GRID}.cellClicked": {"rowId": str(_case_id(w, t))}},
        trigger=f"{ids.CONSOLE_GRID}.cellClicked")]),
    "update_panels": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "update_panels", {
        STATE: console_state(_code(t)), f"{ids.CONSOLE_REFRESH}.data": 0})],
        marker=_region_marker),
    "grid_rows": Spec("read", REGION_TARGETS, _rows_request,
                      marker=lambda t: {"T1": "CASE-T1-", "T2": "CASE-T2-"}.get(t)),
    "export_list": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "export_list", {
        f"{ids.CONSOLE_EXPORT_CSV}.n_clicks": 1, STATE: console_state(_code(t)),
        f"{ids.CONSOLE_GRID}.getRowsRequest": {}}, trigger=f"{ids.CONSOLE_EXPORT_CSV}.n_clicks")],
        marker=lambda t: {"T1": "CASE-T1-", "T2": "CASE-T2-"}.get(t)),
    "briefing_link": Spec("read", REGION_TARGETS, lambda w, t: [body(w, "briefing_link", {
        f"{ids.URL}.pathname": "/" if _code(t) is None else f"/region/{_code(t)}",
        f"{ids.URL}.search": ""})], marker=lambda t: "/briefing?week="),
    "show_case": Spec("read", CASE_TARGETS, lambda w, t: [body(w, "show_case", {
        f"{ids.CONSOLE_CASE}.data": _case_id(w, t), STATE: console_state(None)})],
        marker=lambda t: TARGET_CASE.get(t)),
    "choose_targets": Spec("read", CASE_TARGETS, lambda w, t: [body(w, "choose_targets", {
        f"{ids.CONSOLE_GRID}.selectedRows": [{"id": _case_id(w, t)}],
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


# --- hostile variants of an honest body -------------------------------------------------------

def renamed(b: dict) -> dict:
    """Every input and state entry under another id: Dash runs the same callback with the
    same values (it binds them by position)."""
    out = copy.deepcopy(b)
    for key in ("inputs", "state"):
        for n, item in enumerate(out[key]):
            if isinstance(item, dict):
                item["id"] = f"not-{item['id']}-{n}"
    return out


def moved(b: dict) -> dict:
    """State entries moved to the end of the inputs: the same values in the same order."""
    out = copy.deepcopy(b)
    out["inputs"], out["state"] = out["inputs"] + out["state"], []
    return out


def reordered(b: dict) -> dict:
    out = copy.deepcopy(b)
    entries = (out["inputs"] + out["state"])[::-1]
    out["inputs"], out["state"] = entries[:len(out["inputs"])], entries[len(out["inputs"]):]
    return out


def missing(b: dict) -> dict:
    out = copy.deepcopy(b)
    (out["state"] or out["inputs"]).pop()
    return out


def extra(b: dict) -> dict:
    out = copy.deepcopy(b)
    out["state"].append({"id": ids.WALL_STATE, "property": "data", "value": wall_state("T2")})
    return out


def wall_outputs(b: dict) -> dict:
    """``outputs`` naming the wall's components while ``output`` names the callback."""
    out = copy.deepcopy(b)
    out["outputs"] = [{"id": ids.WALL_TILES, "property": "children"},
                      {"id": ids.WALL_STATE, "property": "data"}]
    return out


SAME_AS_HONEST = (renamed, moved)
GARBLED = (reordered, missing, extra, wall_outputs)


# --- what a response holds, and what the store holds -------------------------------------------

def response_text(response) -> str:
    """The whole response, with downloads (base64) decoded."""
    text = response.get_data().decode("utf-8", "replace")
    try:
        payload = response.get_json(silent=True)
    except Exception:  # noqa: BLE001 - not JSON: the text is all
        payload = None
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("base64") and isinstance(value.get("content"), str):
                found.append(base64.b64decode(value["content"]).decode("utf-8-sig", "replace"))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(payload)
    decoded = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    return "\n".join([text, decoded, *found])


def fingerprint(engine: Engine) -> tuple:
    with engine.connect() as conn:
        cases = tuple(conn.execute(select(Case.id, Case.status, Case.version, Case.officer_id)
                                   .order_by(Case.id)).all())
        events = conn.scalar(select(func.count()).select_from(CaseEvent))
        return cases, events, store.data_version(conn)


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


# --- the routes -------------------------------------------------------------------------------

def _week() -> str:
    year, week, _ = utcnow().isocalendar()
    return f"{year}-W{week:02d}"


#: Routes that hold no data: the same answer for everyone, and no name from the store.
PUBLIC = {
    "/static/<path:filename>": ["/static/nothing.txt"],
    "/assets/<path:filename>": ["/assets/auth.js"],
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": [
        "/_dash-component-suites/dash/nothing.v1.js"],
    "/_dash-layout": ["/_dash-layout"],
    "/_dash-dependencies": ["/_dash-dependencies"],
    "/_reload-hash": ["/_reload-hash"],
    "/_favicon.ico": ["/_favicon.ico"],
    "/healthz": ["/healthz"],
    "/login": ["/login", "/login?lang=en"],
}
#: Pages: Dash's shell (the data comes through callbacks), which a principal gets, is sent
#: to the login page or is told no: (path, signed out, a wall's token, a user).
PAGES = {
    "/": [("/", 302, 403, 200)],
    "/<path:path>": [("/region/T1", 302, 403, 200), ("/region/T2", 302, 403, 200),
                     ("/wall", 403, 200, 200), ("/wall?region=T2", 403, 200, 200),
                     ("/briefing?region=T2", 302, 200, 200), ("/no-such-page", 302, 403, 200)],
}
#: Routes with their own test below.
OWN_TEST = {"/_dash-update-component": "the callback matrix", "/logout": "test_logout",
            "/briefing.pdf": "test_the_pdf_route"}


def test_every_route_is_in_the_matrix(world):
    rules = {rule.rule for rule in world.app.server.url_map.iter_rules()}
    assert rules == set(PUBLIC) | set(PAGES) | set(OWN_TEST)


def test_routes_that_hold_no_data_answer_everyone_alike(world):
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for rule, paths in PUBLIC.items():
        for path in paths:
            statuses = set()
            for who in PRINCIPALS:
                response = world.get(who, path)
                text = response_text(response)
                assert not [m for m in every if m in text], f"{path} as {who.name}"
                statuses.add(response.status_code)
            assert len(statuses) == 1, f"{path} answers differently by who asks: {statuses}"


def test_pages_are_shells_for_those_who_may_open_them(world):
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for rule, samples in PAGES.items():
        for path, signed_out, wall, user in samples:
            for who in PRINCIPALS:
                response = world.get(who, path)
                expected = signed_out if who.scope is None else wall if who.display else user
                assert response.status_code == expected, f"{path} as {who.name}"
                text = response_text(response)
                assert not [m for m in every if m in text], f"{path} as {who.name}"
                if response.status_code == 302:
                    assert response.headers["Location"].startswith("/login?next=")


def test_callbacks_answer_nothing_but_post(world):
    """A GET of the callbacks' address: refused to a wall and to nobody; a user gets the
    page shell (the catch-all route), with no data."""
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for who in PRINCIPALS:
        response = world.get(who, "/_dash-update-component")
        expected = {403} if who.scope is None or who.display else {200, 405}
        assert response.status_code in expected, who.name
        assert not [m for m in every if m in response_text(response)], who.name


def test_the_pdf_route(world, monkeypatch):
    """``/briefing.pdf`` prints only a region the signed-in user may see (Chromium is
    replaced by a stand-in that records what it was asked to print)."""
    from dashboard import briefing_export

    printed: list = []

    def capture(*args, **kwargs):
        printed.append(next(a for a in args if isinstance(a, briefing_export.BriefingRequest)))
        raise briefing_export.BriefingExportFailed("stand-in: nothing printed")

    monkeypatch.setattr(briefing_export, "capture", capture)
    for region, scope in (("T1", "T1"), ("T2", "T2"), ("", "*"), ("NOPE", "NOPE")):
        for who in PRINCIPALS:
            printed.clear()
            path = f"/briefing.pdf?week={_week()}" + (f"&region={region}" if region else "")
            response = world.get(who, path)
            where = f"{path} as {who.name}: {response.status_code}"
            text = response_text(response)
            assert not [m for m in who.hidden() if m in text], where
            may = (who.scope is not None and not who.display
                   and (who.scope == "*" and scope != "NOPE" or who.scope == scope))
            if may:
                assert [p.region for p in printed] == [region or "C"], where
            else:
                assert printed == [] and response.status_code in (302, 403, 404), where


def test_logout(world):
    """Sign-out ends the session for every kind of asker (fresh accounts: the matrix's
    own sessions stay)."""
    for name, role, region in (("bye-viewer", "viewer", "T1"), ("bye-admin", "admin", None)):
        client = world.app.server.test_client()
        sign_in(client, name, make_user(world.engine, name, role, region))
        assert client.get("/logout").status_code == 302
        refused = post_callback(client, CALLBACKS["update_panels"].bodies(world, "T1")[0])
        assert refused.status_code == 403 and "Town-One" not in response_text(refused)
    for who in (PRINCIPALS[0], PRINCIPALS[1]):  # signed out, a wall: nothing to end
        assert world.get(who, "/logout").status_code == 302


# --- the findings, one by one ---------------------------------------------------------

def _who(name: str) -> Who:
    return next(who for who in PRINCIPALS if who.name == name)


def test_a_renamed_wall_state_still_has_its_regions_checked(world):
    """Finding 1: the state entry renamed, the refresh and the rotation are still refused
    for any region outside the wall's, the county included, with the region named."""
    for callback in ("refresh_wall", "rotate_wall"):
        for region in ("T2", None):
            sent = renamed(CALLBACKS[callback].bodies(world, region or "*")[0])
            assert sent["state"][0]["id"] != ids.WALL_STATE
            for who in ("wall-T1", "viewer-T1", "commander-T1"):
                response = world.post(_who(who), sent)
                assert response.status_code == 403, (callback, region, who)
                error = response.get_json()["error"]
                assert error["key"] == "auth_out_of_scope"
                assert error["message"]["en"] == f"Region {region or '*'} is outside your area"
    # a playlist through another town, and a map of the county under T1's own region
    for state in (wall_state("T1", ["T1", "T2"]), {**wall_state("T1"), "map_region": "C"}):
        sent = renamed(body(world, "rotate_wall", {f"{ids.WALL_ROTATE}.n_intervals": 1,
                                                   f"{ids.WALL_STATE}.data": state}))
        assert world.post(_who("wall-T1"), sent).status_code == 403
    # a state that is not a wall's state at all: a short 400, no traceback
    for bad in ({"region": ["T1"]}, {"region": "T1", "playlist": "T2"}, 7):
        sent = body(world, "refresh_wall", {f"{ids.WALL_REQUEST}.data": 1,
                                            f"{ids.WALL_STATE}.data": bad})
        response = world.post(_who("wall-T1"), sent)
        assert response.status_code == 400 and response.get_json()["error"]["key"] in (
            "auth_bad_state", "auth_bad_region")


def test_a_display_token_cannot_name_a_console_callback_behind_wall_outputs(world):
    """The callback Dash runs is the one the body's ``output`` names: a wall's token is
    refused it, whatever ``outputs`` says (Dash would also refuse the mismatch itself)."""
    sent = wall_outputs(CALLBACKS["grid_rows"].bodies(world, "T1")[0])
    response = world.post(_who("wall-T1"), sent)
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
            f"{ids.CONSOLE_TARGETS}.data": [{"id": i, "version": _version(world, i)}
                                            for i in targets],
            STATE: console_state(None)}, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")
        response = world.post(_who("commander-T1"), sent)
        answers.append(response.get_json()["response"][ids.ACTION_FEEDBACK]["children"])
        assert fingerprint(world.engine) == before
    assert len(set(answers)) == 1 and "outside your area" in answers[0]
    shown = []
    for case_id in (nowhere, UNKNOWN_CASE, world.case_ids["CASE-T2-DISPATCHED"]):
        sent = body(world, "show_case", {f"{ids.CONSOLE_CASE}.data": case_id,
                                         STATE: console_state(None)})
        shown.append(world.post(_who("viewer-T1"), sent).get_json()["response"][
            ids.CONSOLE_DETAIL]["children"])
    assert len(set(shown)) == 1 and "G3" not in shown[0] and "Grid" not in shown[0]


def test_the_targets_are_read_from_the_store_not_from_the_rows_sent(world):
    own = world.case_ids["CASE-T1-DISPATCHED"]
    sent = body(world, "choose_targets", {
        f"{ids.CONSOLE_GRID}.selectedRows": [{"id": own, "version": 99, "status": "filed",
                                              "code": "FORGED"}],
        STATE: console_state(None)}, trigger=f"{ids.CONSOLE_GRID}.selectedRows")
    response = world.post(_who("commander-T1"), sent).get_json()["response"]
    (target,) = response[ids.CONSOLE_TARGETS]["data"]
    assert target == {"id": own, "code": "CASE-T1-DISPATCHED", "status": schema.DISPATCHED,
                      "version": _version(world, own)}
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
    mine = world.post(_who("commander-T1"), form).get_json()["response"]
    everyone = world.post(_who("admin"), form).get_json()["response"]
    assert mine[ids.ACTION_OFFICER]["options"] == []
    assert mine[ids.ACTION_OFFICER]["value"] is None
    assert "the best officer is outside your area" in json.dumps(mine[ids.ACTION_HINT])
    assert {o["label"].split(" (")[0] for o in everyone[ids.ACTION_OFFICER]["options"]} == {
        "Officer-of-T2", "Officer-floating"}

    def dispatch(officer):
        return body(world, "submit_action", {
            f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": "dispatch",
            f"{ids.CONSOLE_TARGETS}.data": [{"id": filed, "version": _version(world, filed)}],
            f"{ids.ACTION_DEPARTMENT}.value": 1, f"{ids.ACTION_OFFICER}.value": officer,
            STATE: console_state(None)}, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")

    before = fingerprint(world.engine)
    said = set()
    for officer in (2, 3, 999):  # T2's, the floater, nobody
        response = world.post(_who("commander-T1"), dispatch(officer)).get_json()
        said.add(response["response"][ids.ACTION_FEEDBACK]["children"])
        assert fingerprint(world.engine) == before
    assert len(said) == 1 and "Officer" not in said.pop()
    bad = world.post(_who("commander-T1"), dispatch("2; drop table"))
    assert bad.status_code == 200 and fingerprint(world.engine) == before
    assert world.post(_who("commander-T1"), dispatch(1)).status_code == 200
    with world.engine.connect() as conn:
        assert conn.execute(select(Case.status, Case.officer_id)
                            .where(Case.id == filed)).one() == (schema.DISPATCHED, 1)


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
        pg.keys = {_callback_name(e): k for k, e in app.callback_map.items() if _callback_name(e)}
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
