"""The patrol feed's routes (dashboard/patrol_api.py) through Flask's test client, with
hand-made bodies and headers: an officer's key starts, feeds and stops their own patrol;
everything else is refused with the Open311 door's error format, writes nothing and
never answers 500. The store is tests/workflow_store.py's (officers W1 in G1, W2 in G2,
W4 with no home grid; Asia/Shanghai)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from dashboard.app import create_app
from dashboard.settings import Settings
from data import audit, store
from data.intake import keys
from data.models import AuditEntry, OfficerRoster, Patrol, PatrolPoint
from tests import workflow_store as ws

SHANGHAI = timezone(timedelta(hours=8))
BATCH_MAX = 5


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _world(engine: Engine, **settings) -> dict:
    ws.build(engine)
    made = {name: keys.add_key(engine, name, officer_code=code)[0]
            for name, code in (("phone-w1", "W1"), ("phone-w2", "W2"), ("phone-w4", "W4"),
                               ("phone-w3", "W3"))}
    made["hotline"] = keys.add_key(engine, "hotline")[0]
    made["revoked"] = keys.add_key(engine, "old-phone", officer_code="W1")[0]
    keys.revoke_key(engine, "old-phone")
    made["slow"] = keys.add_key(engine, "slow-phone", officer_code="W1", rate_per_minute=2)[0]
    with store.transaction(engine) as conn:
        conn.execute(insert(OfficerRoster).values(
            officer_id=ws.O3, role="part_time", active=False, joined_at=ws.NOW,
            left_at=ws.NOW, updated_at=ws.NOW))
    app = create_app(Settings(database_url=_url(engine), patrol_batch_max=BATCH_MAX,
                              **settings))
    return {"app": app, "client": app.server.test_client(), "keys": made, "engine": engine}


@pytest.fixture
def world(engine: Engine) -> dict:
    """Both stores, a fresh store each test."""
    found = _world(engine)
    yield found
    found["app"].server.extensions["grid_dashboard"]["engine"].dispose()


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict:
    """One SQLite store for the refusals, which write nothing."""
    engine = store.make_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'p.sqlite3'}")
    store.init_db(engine)
    found = _world(engine)
    yield found
    found["app"].server.extensions["grid_dashboard"]["engine"].dispose()
    engine.dispose()


def phone(minutes_ago: float) -> str:
    """A time a phone sends: ``minutes_ago`` before the real clock, Shanghai time."""
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def stored(text: str) -> datetime:
    """A phone's time as the store keeps it (naive UTC)."""
    return datetime.fromisoformat(text).astimezone(timezone.utc).replace(tzinfo=None)


def post(w: dict, path: str, body=None, *, key: str | None = "phone-w1", raw: bytes | None = None,
         content_type: str = "application/json", headers: dict | None = None):
    sent = dict(headers or {})
    if key is not None:
        sent["X-Api-Key"] = w["keys"][key]
    data = raw if raw is not None else json.dumps(body).encode()
    return w["client"].post(path, data=data, content_type=content_type, headers=sent)


def errors(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    found = response.get_json()
    assert isinstance(found, list) and all(e["code"] == status for e in found)
    return found


def counts(w: dict) -> tuple[int, int, int]:
    """Patrols, fixes, and audit rows other than refusals."""
    with w["engine"].connect() as conn:
        return (conn.scalar(select(func.count()).select_from(Patrol)),
                conn.scalar(select(func.count()).select_from(PatrolPoint)),
                conn.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.event != audit.REFUSED)))


def start(w: dict, key: str = "phone-w1", **body):
    return post(w, "/api/patrols", {"action": "start", **body}, key=key)


# --- the officer's own patrol ------------------------------------------------------------------

def test_start_feed_and_stop_a_patrol(world):
    at = phone(20)
    started = start(world, at=at)
    assert started.status_code == 201, started.get_data(as_text=True)
    assert started.mimetype == "application/json"
    answer = started.get_json()
    patrol_id = answer["patrol_id"]
    assert answer == {"patrol_id": patrol_id, "result": "started", "state": "open",
                      "region": "G1", "started_at": at, "ended_at": None, "fixes": 0,
                      "closed_patrol_id": None}
    again = start(world)  # open and fed within the gap: the same patrol
    assert (again.status_code, again.get_json()["patrol_id"],
            again.get_json()["result"]) == (200, patrol_id, "already_open")
    # sent 12, 17, 14, 17 again and 5 minutes ago: 17 and 14 come after 12 (out of order)
    times = [phone(12), phone(17), phone(14), phone(17), phone(5)]
    fixes = [{"at": t, "lon": 116.005, "lat": 39.905, "accuracy_m": 6} for t in times]
    fed = post(world, f"/api/patrols/{patrol_id}/points", {"points": fixes})
    assert fed.status_code == 200, fed.get_data(as_text=True)
    assert fed.get_json() == {"patrol_id": patrol_id, "received": 5, "added": 4,
                              "duplicates": 1, "out_of_order": 2, "fixes": 4,
                              "first_at": times[1], "last_at": times[4]}
    stopped = post(world, "/api/patrols", {"action": "stop", "patrol_id": patrol_id,
                                           "at": phone(3)})
    assert stopped.status_code == 200
    assert (stopped.get_json()["result"], stopped.get_json()["state"]) == ("stopped",
                                                                           "stopped")
    late_at = phone(4)  # after the stop was sent, before its time: taken
    late = post(world, f"/api/patrols/{patrol_id}/points",
                {"points": [{"at": late_at, "lon": 116.006, "lat": 39.906}]})
    assert late.get_json()["added"] == 1
    with world["engine"].connect() as conn:
        rows = conn.execute(select(AuditEntry.event, AuditEntry.actor, AuditEntry.actor_kind)
                            .where(AuditEntry.event.like("patrol%"))
                            .order_by(AuditEntry.id)).all()
        track = list(conn.execute(select(PatrolPoint.at).order_by(PatrolPoint.at)).scalars())
    assert [tuple(r) for r in rows] == [
        ("patrol_started", "key:phone-w1", "api_key"),
        ("patrol_points", "key:phone-w1", "api_key"),
        ("patrol_stopped", "key:phone-w1", "api_key"),
        ("patrol_points", "key:phone-w1", "api_key")]
    assert track == sorted(stored(t) for t in {*times, late_at})


def test_a_retried_start_with_its_idempotency_key_is_the_same_patrol(world):
    first = post(world, "/api/patrols", {"action": "start"},
                 headers={"Idempotency-Key": "w1-2026-11-18-a"})
    patrol_id = first.get_json()["patrol_id"]
    post(world, "/api/patrols", {"action": "stop", "patrol_id": patrol_id})
    retried = post(world, "/api/patrols", {"action": "start"},
                   headers={"Idempotency-Key": "w1-2026-11-18-a"})
    assert (retried.status_code, retried.get_json()["patrol_id"],
            retried.get_json()["result"], retried.get_json()["state"]) == (
        200, patrol_id, "replayed", "stopped")
    bad = post(world, "/api/patrols", {"action": "start"}, headers={"Idempotency-Key": "x" * 129})
    assert errors(bad, 400)[0]["field"] == "Idempotency-Key"


def test_an_officer_with_no_home_grid_starts_where_they_are(world):
    nowhere = start(world, key="phone-w4")
    assert [(e["field"], e["problem"]) for e in errors(nowhere, 400)] == [("lon", "no_region")]
    there = start(world, key="phone-w4", lon=116.015, lat=39.905)
    assert (there.status_code, there.get_json()["region"], there.get_json()["fixes"]) == (
        201, "G2", 1)


def test_another_officers_patrol_is_not_found(world):
    mine = start(world).get_json()["patrol_id"]
    before = counts(world)
    theirs = post(world, f"/api/patrols/{mine}/points",
                  {"points": [{"at": phone(1), "lon": 116.0, "lat": 39.9}]}, key="phone-w2")
    missing = post(world, f"/api/patrols/{mine + 100}/points",
                   {"points": [{"at": phone(1), "lon": 116.0, "lat": 39.9}]}, key="phone-w2")
    assert errors(theirs, 404)[0]["description"] == f"patrol_id: no patrol {mine} of yours"
    assert errors(missing, 404)[0]["description"] == f"patrol_id: no patrol {mine + 100} of yours"
    stop = post(world, "/api/patrols", {"action": "stop", "patrol_id": mine}, key="phone-w2")
    assert errors(stop, 404)[0]["description"] == f"patrol_id: no patrol {mine} of yours"
    assert counts(world) == before


# --- refusals ---------------------------------------------------------------------------------

def test_keys_that_may_not_record_patrols(shared):
    before = counts(shared)
    body = {"action": "start"}
    assert "required" in errors(post(shared, "/api/patrols", body, key=None), 403)[0][
        "description"]
    for key, words in (("revoked", "unknown or revoked"), ("hotline", "names no officer"),
                       ("phone-w3", "not active")):
        assert words in errors(post(shared, "/api/patrols", body, key=key), 403)[0][
            "description"], key
    bogus = {"X-Api-Key": keys.PREFIX + "A" * 43}
    errors(post(shared, "/api/patrols", body, key=None, headers=bogus), 403)
    assert counts(shared) == before
    with shared["engine"].connect() as conn:
        refused = conn.execute(select(AuditEntry.actor, AuditEntry.detail)
                               .where(AuditEntry.event == audit.REFUSED)).all()
    assert {a for a, _d in refused} >= {"-", "key:hotline", "key:phone-w3"}
    assert not [d for _a, d in refused if shared["keys"]["revoked"] in (d or "")]


def test_the_key_may_come_as_a_bearer_token_in_the_address_or_the_body(world):
    token = world["keys"]["phone-w1"]
    by_bearer = post(world, "/api/patrols", {"action": "start"}, key=None,
                     headers={"Authorization": f"Bearer {token}"})
    assert by_bearer.status_code == 201
    patrol_id = by_bearer.get_json()["patrol_id"]
    by_address = post(world, f"/api/patrols?api_key={token}", {"action": "start"}, key=None)
    by_body = post(world, "/api/patrols", {"action": "start", "api_key": token}, key=None)
    assert [r.get_json()["patrol_id"] for r in (by_address, by_body)] == [patrol_id] * 2
    basic = post(world, "/api/patrols", {"action": "start"}, key=None,
                 headers={"Authorization": f"Basic {token}"})
    errors(basic, 403)


def test_only_json_bodies_of_the_right_shape(shared):
    before = counts(shared)
    for raw, kind in ((b"action=start", "application/x-www-form-urlencoded"),
                      (b'{"action": "start"}', "text/plain"), (b"", "")):
        errors(post(shared, "/api/patrols", raw=raw, content_type=kind), 415)
    for raw in (b'{"action": "start"', b"[1, 2]", b"\xff\xfe", b"[" * 100000 + b"]" * 100000):
        errors(post(shared, "/api/patrols", raw=raw), 400 if len(raw) < 65536 else 413)
    assert "action" in errors(post(shared, "/api/patrols", {"action": "run"}), 400)[0][
        "description"]
    for patrol_id in (None, "1", True, 1.5):
        errors(post(shared, "/api/patrols", {"action": "stop", "patrol_id": patrol_id}), 400)
    errors(post(shared, "/api/patrols/1/points", {"fixes": []}), 400)
    assert counts(shared) == before


def test_a_batch_with_bad_fixes_names_every_problem(shared):
    patrol_id = start(shared, at=phone(60)).get_json()["patrol_id"]
    before = counts(shared)
    batch = [{"at": phone(3), "lon": 116.0, "lat": 39.9},
             {"at": "2026-11-18T10:00:00", "lon": 116.0, "lat": 39.9},
             {"at": phone(2), "lon": "116.0", "lat": 91},
             "not a fix"]
    found = errors(post(shared, f"/api/patrols/{patrol_id}/points", {"points": batch}), 400)
    assert [(e["field"], e["problem"]) for e in found] == [
        ("points[1].at", "no_offset"), ("points[2].lon", "not_a_number"),
        ("points[2].lat", "out_of_range"), ("points[3].fix", "not_an_object")]
    assert found[0]["description"].startswith("points[1].at: ")
    assert counts(shared) == before


def test_a_batch_over_the_limit_and_bodies_over_the_size(shared):
    patrol_id = start(shared, at=phone(60)).get_json()["patrol_id"]
    before = counts(shared)
    fixes = [{"at": phone(10 - m), "lon": 116.0, "lat": 39.9} for m in range(BATCH_MAX + 1)]
    over = errors(post(shared, f"/api/patrols/{patrol_id}/points", {"points": fixes}), 413)
    assert over[0]["description"] == f"points: {BATCH_MAX + 1} fixes; a batch carries at most 5"
    limit = 64 * 1024 + BATCH_MAX * 512
    big = post(shared, f"/api/patrols/{patrol_id}/points", raw=b" " * (limit + 1))
    assert "bytes" in errors(big, 413)[0]["description"]
    chunked = EnvironBuilder(path=f"/api/patrols/{patrol_id}/points", method="POST",
                             data=b'{"points": []}', content_type="application/json",
                             headers={"Transfer-Encoding": "chunked",
                                      "X-Api-Key": shared["keys"]["phone-w1"]}).get_environ()
    del chunked["CONTENT_LENGTH"]
    body, status, _headers = run_wsgi_app(shared["client"].application, chunked,
                                          buffered=True)
    assert status.startswith("411") and json.loads(b"".join(body))[0]["code"] == 411
    assert counts(shared) == before
    fits = post(shared, f"/api/patrols/{patrol_id}/points", {"points": fixes[:BATCH_MAX]})
    assert fits.get_json()["added"] == BATCH_MAX


def test_a_key_past_its_rate_waits(shared):
    answers = [post(shared, "/api/patrols", {"action": "run"}, key="slow") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert "2 requests a minute" in errors(answers[2], 429)[0]["description"]


def test_other_addresses_and_methods(shared):
    assert errors(shared["client"].get("/api/patrols"), 405)[0]["code"] == 405
    assert shared["client"].get("/api/patrols").headers["Allow"] == "POST"
    errors(shared["client"].get("/api/patrols/1/points"), 405)
    for path in ("/api/patrols/abc/points", "/api/patrols/1/other", f"/api/patrols/{2**70}/points",
                 "/api/patrols/1"):
        errors(post(shared, path, {"points": []}), 404)
    # a patrol id past the store's integers is nobody's patrol, not a store error
    errors(post(shared, f"/api/patrols/{2**40}/points",
                {"points": [{"at": phone(1), "lon": 116.0, "lat": 39.9}]}), 404)


def test_a_store_that_is_down_is_503(shared, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from data.field import live

    def down(*_args, **_kwargs):
        raise OperationalError("UPDATE", {}, Exception("connection refused"))

    monkeypatch.setattr(live, "start_patrol", down)
    answer = start(shared)
    assert errors(answer, 503)[0]["description"].startswith("store:")
    assert answer.headers["Retry-After"] == "30"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4), max_leaves=12)
FIX = st.fixed_dictionaries({"at": st.one_of(st.text(max_size=30), st.integers(), st.none(),
                                             st.datetimes().map(lambda d: d.isoformat())),
                             "lon": JSON, "lat": JSON}, optional={"accuracy_m": JSON})


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(JSON, st.fixed_dictionaries({"points": st.lists(FIX, max_size=8)}),
                      st.fixed_dictionaries({"action": st.sampled_from(["start", "stop", 1]),
                                             "patrol_id": JSON, "at": JSON})),
       where=st.sampled_from(["/api/patrols", "/api/patrols/1/points"]))
def test_hostile_bodies_never_500(shared, body, where):
    """Whatever the body, an answer in the error format (or a write that fits the rules),
    never a 500."""
    try:
        raw = json.dumps(body).encode()
    except ValueError:
        raw = b"{"
    response = post(shared, where, raw=raw, key="phone-w2")
    assert response.status_code in (200, 201, 400, 404, 413), response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        assert all(e["code"] == response.status_code for e in response.get_json())
