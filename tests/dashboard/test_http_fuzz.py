"""Fuzzing the server (hypothesis): no request, however hostile, gets a 500 or writes a
traceback to the log.

* every server callback of the app's real callback map, with well-formed bodies carrying
  hostile values (wrong types, huge and negative numbers, NaN, NUL, other regions' codes,
  nested junk), on SQLite and PostgreSQL;
* malformed envelopes (a valid body spoiled one way or another);
* every route of ``app.server.url_map`` with hostile paths, methods, queries and bodies.

Each as an admin, as a town's viewer, with only a wall's token of that town, and signed
out. The examples are bounded and derandomized, so a run is quick and CI repeatable.
``/briefing.pdf`` is fuzzed only with weeks it refuses: it never starts Chromium here.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dashboard import briefing_export
from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.http_guard import DISPATCH_PATH
from data import briefing
from tests import tiny_store
from tests.auth_helpers import make_user, make_wall_token, sign_in

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
PRINCIPALS = ("admin", "viewer", "wall", "anonymous")

# --- hostile values ---------------------------------------------------------------------------

WORDS = ["", " ", "C", "T1", "T2", "G1", "G2", "G3", "K1", "K2", "K4", "*", "null", "None",
         "open", "overdue", "closed", "dispatch", "close", "void", "reopen", "today", "7d",
         "30d", "custom", "zh", "en", "fr", "2026-03-01", "2026-02-30", "9999-12-31",
         "0001-01-01", "2026-W47", "2026-W99", "-1", "1e400", "NaN", "../../etc/passwd",
         "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "a\x00b", "\ud7ff\ue000",
         "城关镇", "/region/T2", "/wall", "?region=T2&period=custom&from=2026-03-09&to=2026-03-01",
         "x" * 300, "{}", "[]", "市容环境", "ALL", "MATCH"]
KEYS = ["region", "map_region", "playlist", "period", "first", "last", "categories",
        "sources", "statuses", "text", "hide_closed", "version", "metric", "lang", "timezone",
        "refresh", "words", "token", "id", "code", "status", "points", "customdata",
        "location", "startRow", "endRow", "sortModel", "filterModel", "colId", "sort",
        "filterType", "type", "filter", "data", "rowIndex", "value", "action", "cases",
        "department", "officer", "due", "reason", "note", "level", "week", "rotate", "index"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 6),
    st.sampled_from([2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS),
    st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner,
                        max_size=5)),
    max_leaves=14)


def _server_callbacks(app) -> list[str]:
    return sorted(k for k, entry in app.callback_map.items() if "callback" in entry)


def _component_id(text: str) -> str | dict:
    return json.loads(text) if text.startswith("{") else text


def _parts(key: str) -> list[tuple[str, str]]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    return [tuple(part.rsplit(".", 1)) for part in parts]  # type: ignore[misc]


@st.composite
def _entries(draw, specs: list[dict], values) -> list:
    """Entries for declared inputs or state, with values from ``values``; an ALL wildcard
    gets a list of concrete components."""
    entries: list = []
    for spec in specs:
        if '["ALL"]' in spec["id"]:
            pattern = json.loads(spec["id"])
            entries.append([
                {"id": {k: (draw(st.one_of(st.sampled_from(WORDS), scalars))
                            if v == ["ALL"] else v) for k, v in pattern.items()},
                 "property": spec["property"], "value": draw(values)}
                for _ in range(draw(st.integers(0, 3)))])
        else:
            entries.append({"id": _component_id(spec["id"]), "property": spec["property"],
                            "value": draw(values)})
    return entries


@st.composite
def callback_bodies(draw, app, values=json_values) -> dict:
    """A well-formed body for one of ``app``'s server callbacks, its values from ``values``."""
    key = draw(st.sampled_from(_server_callbacks(app)))
    entry = app.callback_map[key]
    outputs = [{"id": _component_id(i), "property": p} for i, p in _parts(key)]
    inputs = draw(_entries(entry["inputs"], values))
    declared = [f"{i['id']}.{i['property']}" for i in entry["inputs"]]
    changed = draw(st.lists(st.one_of(st.sampled_from(declared), st.text(max_size=10)),
                            min_size=1, max_size=3))
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": inputs, "state": draw(_entries(entry["state"], values)),
            "changedPropIds": changed}


@st.composite
def malformed_bodies(draw, app) -> object:
    """A body for one of ``app``'s callbacks, spoiled one way or another."""
    body = draw(callback_bodies(app, values=st.one_of(st.none(), scalars)))
    how = draw(st.sampled_from(["replace", "drop", "field", "entry", "add", "remove",
                                "rename", "property", "other_output"]))
    field = draw(st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds"]))
    if how == "replace":
        return draw(json_values)
    if how == "drop":
        body.pop(field, None)
    elif how == "field":
        body[field] = draw(json_values)
    elif how == "other_output":
        body["output"] = draw(st.one_of(st.sampled_from(sorted(app.callback_map)),
                                        st.text(max_size=20)))
    else:
        items = body["inputs"] if field in ("output", "changedPropIds") else body[field]
        items = items if isinstance(items, list) else [items]
        index = draw(st.integers(0, max(0, len(items) - 1)))
        if how == "add":
            items.append(draw(json_values))
        elif how == "remove" and items:
            items.pop(index)
        elif items and isinstance(items[index], dict):
            key = "id" if how == "rename" else "property" if how == "property" else "value"
            items[index][key] = draw(json_values) if how != "rename" else draw(
                st.one_of(st.sampled_from(["wall-state", "not-wall-state", "url", "page"]),
                          json_values))
        elif items:
            items[index] = draw(json_values)
    return body


# --- the app and who asks ---------------------------------------------------------------------------

class World:
    """The app on the tiny county, and a client for each kind of principal."""

    def __init__(self, engine) -> None:
        tiny_store.build(engine)
        self.app = create_app(Settings(
            database_url=engine.url.render_as_string(hide_password=False)))
        self.engine = self.app.server.extensions["grid_dashboard"]["engine"]
        self.cookies: dict[str, str] = {}
        for name, role, region in (("fuzz-admin", "admin", None),
                                   ("fuzz-viewer", "viewer", "T1")):
            client = self.app.server.test_client()
            sign_in(client, name, make_user(self.engine, name, role, region))
            self.cookies[name] = client.get_cookie("dashboard_session").value
        self.token = make_wall_token(self.engine, "T1")

    def client(self, principal: str):
        """A fresh client as ``principal`` (a saved session cookie, or the wall's token)."""
        client = self.app.server.test_client()
        if principal in ("admin", "viewer"):
            client.set_cookie("dashboard_session", self.cookies[f"fuzz-{principal}"])
        return client

    def headers(self, principal: str) -> dict[str, str]:
        return {"X-Display-Token": self.token} if principal == "wall" else {}


def _world(engine):
    world = World(engine)
    yield world
    world.engine.dispose()


@pytest.fixture
def world(engine):
    """On SQLite and PostgreSQL (where values the database refuses are DataErrors)."""
    yield from _world(engine)


@pytest.fixture
def sqlite_world(sqlite_engine):
    yield from _world(sqlite_engine)


def _no_500(response, caplog, what: object) -> None:
    """Not a server error, and nothing logged but short lines (no traceback)."""
    assert response.status_code < 500, (response.status_code, what,
                                        response.get_data(as_text=True)[:300])
    for record in caplog.records:
        assert record.exc_info is None and record.levelno < logging.ERROR, (
            what, record.getMessage()[:300])
        assert "\n" not in record.getMessage() and len(record.getMessage()) < 400
    caplog.clear()


# --- the fuzz ---------------------------------------------------------------------------------------

def test_callbacks_with_hostile_values_never_500(world, caplog):
    caplog.set_level(logging.INFO)

    @FUZZ
    @given(body=callback_bodies(world.app), principal=st.sampled_from(PRINCIPALS))
    def run(body, principal):
        response = world.client(principal).post(DISPATCH_PATH, json=body,
                                                headers=world.headers(principal))
        _no_500(response, caplog, body)

    run()


def test_malformed_callback_envelopes_are_4xx_never_500(sqlite_world, caplog):
    world = sqlite_world
    caplog.set_level(logging.INFO)

    @FUZZ
    @given(body=malformed_bodies(world.app), principal=st.sampled_from(PRINCIPALS),
           raw=st.one_of(st.none(), st.binary(max_size=40)),
           content_type=st.sampled_from(["application/json", "application/json",
                                         "text/plain", "application/x-www-form-urlencoded"]))
    def run(body, principal, raw, content_type):
        data = raw if raw is not None else json.dumps(body)
        response = world.client(principal).post(DISPATCH_PATH, data=data,
                                                content_type=content_type,
                                                headers=world.headers(principal))
        _no_500(response, caplog, data)

    run()


PARAMS = ["region", "period", "from", "to", "cat", "src", "status", "q", "closed", "lang",
          "token", "week", "format", "next", "metric", "rotate", "reload", "show", "name",
          "password", "csrf"]
METHODS = ["GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
_ARGUMENT = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")


def _is_refused_week(text: str) -> bool:
    try:
        briefing.parse_week(text)
    except briefing.BriefingError:
        return True
    return False


@st.composite
def route_requests(draw, rules) -> dict:
    """A request for one of ``rules`` (Flask url rules) with a hostile path, method, query
    and body."""
    rule = draw(st.sampled_from(rules))
    segment = st.one_of(st.sampled_from(WORDS + ["dash", "plotly", "x.js", "..", "%00"]),
                        st.text(min_size=1, max_size=16))
    path = _ARGUMENT.sub(lambda m: quote(draw(segment), safe="/" if m.group(1) == "path"
                                         else ""), rule.rule)
    query = draw(st.dictionaries(st.one_of(st.sampled_from(PARAMS), st.text(max_size=5)),
                                 st.one_of(st.sampled_from(WORDS), st.text(max_size=20)),
                                 max_size=5))
    method = draw(st.sampled_from(METHODS))
    if rule.rule == "/briefing.pdf":  # only what the route refuses: never a real PDF
        method = "GET"
        query["week"] = draw(st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
                             .filter(_is_refused_week))
    body = draw(st.one_of(st.none(), st.binary(max_size=60),
                          st.dictionaries(st.sampled_from(PARAMS), st.sampled_from(WORDS),
                                          max_size=4)))
    raw_query = draw(st.one_of(st.none(), st.binary(max_size=30)))
    return {"path": path, "method": method,
            "query_string": (raw_query.decode("latin-1") if raw_query is not None
                             else urlencode(query)),
            "data": body}


def test_every_route_with_hostile_requests_never_500(sqlite_world, caplog, monkeypatch):
    world = sqlite_world
    caplog.set_level(logging.INFO)

    def no_printing(*args, **kwargs):
        raise AssertionError("the fuzz must never print a briefing")

    monkeypatch.setattr(briefing_export, "capture", no_printing, raising=False)
    rules = [r for r in world.app.server.url_map.iter_rules() if r.endpoint != DISPATCH_PATH]
    assert {"/briefing.pdf", "/login", "/<path:path>", "/"} <= {r.rule for r in rules}

    @settings(FUZZ, max_examples=250)
    @given(request=route_requests(rules), principal=st.sampled_from(PRINCIPALS))
    def run(request, principal):
        if request["path"] == "/logout" and principal in ("admin", "viewer"):
            principal = "anonymous"  # signing out would end the saved session for the rest
        response = world.client(principal).open(headers=world.headers(principal), **request)
        _no_500(response, caplog, request)
        if request["path"] == "/briefing.pdf":
            assert response.mimetype != "application/pdf"

    run()
