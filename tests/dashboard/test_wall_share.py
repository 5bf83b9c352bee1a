"""The wall's snapshots shared by every wall of a region (:mod:`dashboard.wall_share`):
in one process without Redis, across workers with it (two apps on one store and Redis
stand for two workers), and what happens when Redis is down (each worker makes its own)."""

from __future__ import annotations

import threading
import time

import pytest
from callbacks import wall as wall_cb
from dashboard import shared_state, wall_share
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store, wall
from layouts import ids
from tests.auth_helpers import acting_as, make_wall_token
from tests.callbacks.test_new_boundaries import _find
from tests.callbacks.test_wall_refresh import _new_case
from tests.data.test_metrics import build

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def _head(version: int, made: float, pending: bool = False, regions: int = 3) -> dict:
    return {"version": version, "regions": regions, "made": made, "pending": pending,
            "id": "x"}


def test_a_snapshot_serves_while_current_and_never_steps_a_wall_back():
    now = 1000.0
    old = now - wall_share.WINDOW_SECONDS - 0.5  # past the window, within the age
    # of the version asked about (or later), its panels counted, not too old: serves
    assert wall_share.serves(_head(7, old), 7, 3, now)
    assert wall_share.serves(_head(8, old), 7, 3, now)
    assert not wall_share.serves(_head(6, old), 7, 3, now)  # the store moved on since
    assert not wall_share.serves(_head(7, now - wall_share.MAX_AGE_SECONDS - 1), 7, 3, now)
    assert not wall_share.serves(_head(7, old, pending=True), 7, 3, now)
    # within the window: an older version serves too (made at most that often) ...
    assert wall_share.serves(_head(6, now - 0.1), 7, 3, now)
    assert wall_share.serves(_head(6, now - 0.1, pending=True), 7, 3, now)
    # ... but never one the wall shows already, or an older one
    assert not wall_share.serves(_head(6, now - 0.1), 7, 3, now, seen=6)
    assert not wall_share.serves(_head(7, now - 0.1), 7, 3, now, seen=8)
    assert wall_share.serves(_head(7, now - 0.1), 7, 3, now, seen=6)
    # a wall still without its 30-day panels: one of its version serves only with them
    assert not wall_share.serves(_head(6, now - 0.1, pending=True), 7, 3, now, seen=6,
                                 seen_pending=True)
    assert wall_share.serves(_head(6, now - 0.1), 7, 3, now, seen=6, seen_pending=True)
    # other regions (an import since), or none: never
    assert not wall_share.serves(_head(7, now - 0.1, regions=2), 7, 3, now)
    assert not wall_share.serves(None, 7, 3, now)


def _app(tmp_path, redis_url: str = "", name: str = "app.sqlite3"):
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / name}",
                               redis_url=redis_url))


@pytest.fixture
def redis_workers(tmp_path, redis_url):
    """Two apps (two workers) on one built store and the test Redis."""
    one = _app(tmp_path, redis_url)
    build(one.server.extensions["grid_dashboard"]["engine"])
    two = _app(tmp_path, redis_url)
    yield one, two
    state = shared_state.of(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}",
                                     redis_url=redis_url))
    for key in state.client.scan_iter(state.prefix + "*"):
        state.client.delete(key)


def _counted(made: list, version: int, pause: float = 0.0):
    def make() -> dict:
        time.sleep(pause)
        made.append(threading.get_ident())
        return {"version": version, "pending": False, "n": len(made)}
    return make


def _ask(app, code, version, make, seen=None) -> dict:
    with app.server.app_context():
        engine = app.server.extensions["grid_dashboard"]["engine"]
        with engine.connect() as conn:
            return wall_share.snapshot(conn, code, version, make, seen=seen)


def test_the_walls_of_a_region_in_one_process_share_one_snapshot(tmp_path):
    app = _app(tmp_path)
    build(app.server.extensions["grid_dashboard"]["engine"])
    made: list = []
    answers: list = []
    walls = [threading.Thread(target=lambda: answers.append(
        _ask(app, "C", 5, _counted(made, 5, pause=0.2)))) for _ in range(6)]
    for thread in walls:
        thread.start()
    for thread in walls:
        thread.join()
    assert len(made) == 1  # one made it, five waited for it
    assert len(answers) == 6 and all(answer is answers[0] for answer in answers)
    # another region is another snapshot; the same region's serves a later wall
    assert _ask(app, None, 5, _counted(made, 5))["n"] == 2
    assert _ask(app, "C", 5, _counted(made, 5)) is answers[0]
    assert len(made) == 2


def test_a_wall_showing_the_kept_version_gets_a_new_snapshot(tmp_path, monkeypatch):
    app = _app(tmp_path)
    build(app.server.extensions["grid_dashboard"]["engine"])
    made: list = []
    first = _ask(app, "C", 5, _counted(made, 5))
    # the wall shows version 5 and the store is at 6: within the window or not, the kept
    # one tells it nothing new, so one is made
    second = _ask(app, "C", 6, _counted(made, 6), seen=5)
    assert (first["n"], second["n"]) == (1, 2)
    # past the window, a wall asking at a newer version than kept gets a new one too
    monkeypatch.setattr(wall_share, "WINDOW_SECONDS", 0.0)
    assert _ask(app, "C", 7, _counted(made, 7))["n"] == 3
    assert _ask(app, "C", 7, _counted(made, 7))["n"] == 3  # and that one serves


def test_workers_share_a_region_snapshot_through_redis(redis_workers):
    one, two = redis_workers
    made: list = []
    first = _ask(one, "C", 5, _counted(made, 5))
    second = _ask(two, "C", 5, _counted(made, 5))
    assert len(made) == 1  # worker two read what worker one made
    assert second == first and second is not first
    # worker two making a newer one (the store moved on): worker one reads it
    newer = _ask(two, "C", 6, _counted(made, 6), seen=5)
    assert newer["n"] == 2 and _ask(one, "C", 6, _counted(made, 6), seen=5) == newer
    assert len(made) == 2


def test_a_worker_waits_for_the_one_making_the_snapshot(redis_workers):
    one, two = redis_workers
    made: list = []
    slow = threading.Thread(target=_ask, args=(one, "C", 5, _counted(made, 5, pause=0.5)))
    slow.start()
    time.sleep(0.2)  # worker one is making it
    answer = _ask(two, "C", 5, _counted(made, 5))
    slow.join()
    assert len(made) == 1 and answer["n"] == 1


def test_with_redis_down_every_worker_makes_its_own(tmp_path):
    app = _app(tmp_path, DOWN)
    build(app.server.extensions["grid_dashboard"]["engine"])
    made: list = []
    started = time.monotonic()
    assert _ask(app, "C", 5, _counted(made, 5))["n"] == 1
    assert _ask(app, "C", 5, _counted(made, 5))["n"] == 1  # this process' still serves
    assert time.monotonic() - started < 2 * shared_state.REDIS_TIMEOUT_S + 1
    with app.server.app_context():
        panels = wall_share.panels_cache()
        panels[("slow", 3)] = {"at": 1}  # kept in the worker
        assert panels.get(("slow", 3)) == {"at": 1} and ("counting", 3) not in panels


def test_the_30_day_panels_and_their_recount_claim_are_shared(redis_workers):
    one, two = redis_workers
    with one.server.app_context():
        mine = wall_share.panels_cache()
    with two.server.app_context():
        theirs = wall_share.panels_cache()
    assert isinstance(mine, wall_share.SharedPanels)
    assert theirs.get(("slow", 3)) is None and ("slow", 3) not in theirs
    mine[("slow", 3)] = {"day": "d", "at": 1, "panels": [1, 2]}
    assert theirs.get(("slow", 3)) == {"day": "d", "at": 1, "panels": [1, 2]}
    # worker one recounts region 3: worker two sees it and waits for it, never counts
    mine[("counting", 3)] = threading.Event()
    assert ("counting", 3) in theirs
    elsewhere = theirs.get(("counting", 3))
    assert elsewhere is not None and not elsewhere.wait(0.1)
    mine.pop(("counting", 3), None)  # its count is done
    assert ("counting", 3) not in theirs and theirs.get(("counting", 3)) is None
    assert elsewhere.wait(0.1)
    # everything else stays in its worker
    mine[("tree", 3)] = "a subtree"
    assert ("tree", 3) in mine and ("tree", 3) not in theirs


def _settled(app, token: str, search: str) -> dict:
    """A wall's state once its 30-day panels are counted."""
    with acting_as(app, token=token):
        state = _find(wall_cb.render_wall(search), ids.WALL_STATE).data
        for tick in range(200):
            if not state.get("pending"):
                return state
            time.sleep(0.05)
            answer = wall_cb.refresh_wall(tick, state)
            if answer[7] is not wall_cb.no_update:
                state = {**state, **_assigned(answer[7])}
    raise AssertionError("the 30-day panels were never counted")


def _assigned(patch) -> dict:
    return {op["location"][0]: op["params"]["value"]
            for op in patch.to_plotly_json()["operations"]
            if op["operation"] == "Assign" and len(op["location"]) == 1}


def test_a_refresh_on_another_worker_uses_the_snapshot_made_on_the_first(
        redis_workers, monkeypatch):
    one, two = redis_workers
    engine = one.server.extensions["grid_dashboard"]["engine"]
    token = make_wall_token(engine, "C")
    state_one = _settled(one, token, "?region=C")
    state_two = _settled(two, token, "?region=C")
    _new_case(engine, 1)
    with acting_as(one, token=token):
        answer_one = wall_cb.refresh_wall(1, state_one)
    made = []
    real = wall.snapshot
    monkeypatch.setattr(wall, "snapshot", lambda *a, **k: made.append(1) or real(*a, **k))
    with acting_as(two, token=token):
        answer_two = wall_cb.refresh_wall(1, state_two)
    assert made == []  # worker two counted nothing: worker one's snapshot served
    new_version = _assigned(answer_one[7])["version"]
    assert _assigned(answer_two[7])["version"] == new_version
    with engine.connect() as conn:
        assert new_version == store.data_version(conn)
    # the new case shows on both: the ticker's newest row names it
    assert "NEW1" in str(answer_one[1].to_plotly_json())
    assert "NEW1" in str(answer_two[1].to_plotly_json())
