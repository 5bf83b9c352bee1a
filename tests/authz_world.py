"""The store, the askers and the request bodies of the authorization matrix
(tests/dashboard/test_authz_matrix.py and test_authz_routes.py).

A county (C), two towns (T1, T2), three grids, two officers with a grid each and one
with none, cases in each town and one unlocated; every name is unique, so a name in a
response says exactly whose data it is (:data:`MARKERS`). :func:`make_world` builds the
app on it with a signed-in client (or a wall's token) per asker of :data:`PRINCIPALS`;
:func:`body` builds what the browser sends to run a callback, from the app's own
callback map, and the hostile variants below rearrange it.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from shapely import box, to_wkb
from sqlalchemy import Engine, func, insert, select

from dashboard import auth
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.console_state import ConsoleState
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


def callback_name(entry: dict) -> str | None:
    function = entry.get("callback")
    return None if function is None else getattr(function, "__wrapped__", function).__name__


def make_world(url: str) -> World:
    """The app on a new store at ``url``, with a client (or a token) for every asker."""
    # the printer's own address is named: a test client has no listening port to find
    app = create_app(Settings(database_url=url, internal_url="http://127.0.0.1:9"))
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
    world.keys = {callback_name(entry): key for key, entry in app.callback_map.items()
                  if callback_name(entry)}
    return world


def principal_named(name: str) -> Who:
    return next(one for one in PRINCIPALS if one.name == name)


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
    path = "/" if region is None else f"/region/{region}"
    return ConsoleState.parse(path, f"?lang={lang}").to_store()


def wall_state(region: str | None, playlist: list | None = None) -> dict:
    state = {"version": -1, "region": region, "map_region": region, "metric": "open",
             "token": uuid.uuid4().hex, "lang": "en", "timezone": "UTC", "refresh": 10,
             "words": {"stale": "", "as_of": ""}}
    if playlist is not None:
        state["playlist"] = playlist
    return state


def case_id_of(world: World, target: str) -> int:
    return world.case_ids[TARGET_CASE[target]] if target in TARGET_CASE else UNKNOWN_CASE


def version_of(world: World, case_id: int) -> int:
    with world.engine.connect() as conn:
        return conn.scalar(select(Case.version).where(Case.id == case_id)) or 1


STATE = f"{ids.CONSOLE_STATE}.data"


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
