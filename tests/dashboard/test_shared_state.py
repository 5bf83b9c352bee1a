"""The shared state's Redis backend (:mod:`dashboard.shared_state`) against a real Redis:
two :class:`RedisState` objects on one store stand for two workers. And what happens when
Redis is down: sign-in and the intake fail closed with 503, a print is "busy"."""

from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy import select

from dashboard import console_cache, shared_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.intake import keys as api_keys
from data.models import Category
from layouts.text import t
from tests import tiny_store
from tests.auth_helpers import make_user, sign_in


@pytest.fixture
def settings(redis_url, tmp_path) -> Settings:
    """A store of its own (so its keys' namespace is new) and the test Redis."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}", redis_url=redis_url)


@pytest.fixture
def workers(settings):
    """Two workers' shared states on one store and Redis (each its own connections)."""
    one, two = shared_state.RedisState(settings), shared_state.RedisState(settings)
    yield one, two
    for key in one.client.scan_iter(one.prefix + "*"):
        one.client.delete(key)
    one.client.close()
    two.client.close()


def test_the_sign_in_limits_hold_in_total_across_workers(workers):
    one, two = (state.login_throttle() for state in workers)
    limit = one.limits["name"][0]
    answers = [(one, two)[i % 2].begin("Guessed", f"10.0.0.{i}") for i in range(limit + 1)]
    assert [a.wait for a in answers[:limit]] == [0] * limit
    assert answers[limit].wait > 0 and answers[limit].limited_by == "name"
    # a right password on one worker forgets the name's failures on both
    two.succeeded(answers[0])
    assert one.begin("guessed", "10.0.0.99").wait == 0


def test_the_client_limit_forgets_only_the_attempt_that_succeeded(workers):
    one, two = (state.login_throttle() for state in workers)
    limit = one.limits["client"][0]
    attempts = [(one, two)[i % 2].begin(f"name{i}", "10.9.9.9") for i in range(limit)]
    assert all(a.wait == 0 for a in attempts)
    refused = one.begin("another", "10.9.9.9")
    assert refused.wait > 0 and refused.limited_by == "client"
    two.succeeded(attempts[-1])  # one success gives back one place, not the whole window
    assert one.begin("another", "10.9.9.9").wait == 0
    assert two.begin("yet-another", "10.9.9.9").wait > 0


def test_an_intake_key_gets_its_rate_in_total_across_workers(workers):
    one, two = (state.key_limiter() for state in workers)
    waits = [(one, two)[i % 2].check(7, 4) for i in range(5)]
    assert waits[:4] == [0, 0, 0, 0] and waits[4] >= 1  # a burst of 4, then 15 s apart
    assert 1 <= waits[4] <= 15
    two.forget(7)  # a revoked key's bucket goes, in every worker
    assert one.check(7, 4) == 0


def test_one_print_at_a_time_in_the_deployment(workers):
    one, two = (state.print_lock() for state in workers)
    held = one.acquire(0, 30)
    assert held is not None
    started = time.monotonic()
    assert two.acquire(0.3, 30) is None  # busy: the other worker's print holds it
    assert time.monotonic() - started >= 0.3
    two.release("not-its-lease")  # only the holder's lease lets it go
    assert two.acquire(0, 30) is None
    one.release(held)
    assert two.acquire(0, 30) is not None


def test_a_print_lease_runs_out(workers):
    one, two = (state.print_lock() for state in workers)
    assert one.acquire(0, 0.2) is not None  # a print that hung past its lease
    assert two.acquire(1.0, 30) is not None


def test_one_leader_and_a_takeover_when_it_stops_or_dies(workers):
    first = shared_state.RedisLeaderLock(workers[0], ttl_s=0.5)
    second = shared_state.RedisLeaderLock(workers[1], ttl_s=0.5)
    second.me = "other-host:1"  # another process
    assert first.acquire() and not second.acquire()
    assert first.renew() and first.holder() == first.me
    first.release()  # a graceful stop: the other takes over at once
    assert second.acquire() and not first.acquire() and not first.renew()
    time.sleep(0.7)  # the leader dies (no renewal): its key runs out
    assert first.acquire() and not second.renew()


def test_counts_forgotten_by_one_worker_are_forgotten_by_all(workers):
    one, two = workers
    cache_one = console_cache._Forgettable(one.results_cache(96, 60), one)
    cache_two = console_cache._Forgettable(two.results_cache(96, 60), two)
    engine = store.make_engine(one.settings.database_url)
    store.init_db(engine)
    with engine.connect() as conn:
        key = cache_one.key(conn, "counts", 1)
        assert cache_two.key(conn, "counts", 1) == key
        assert cache_one.get_or_compute(key, lambda: {"open": 3}) == {"open": 3}
        assert cache_two.get(key) == {"open": 3}  # counted by one, served to the other
        one.bump(console_cache.FORGOTTEN)  # an action on a case, through worker one
        fresh = cache_two.key(conn, "counts", 1)
        assert fresh != key and cache_two.get(fresh) is None
    engine.dispose()


def test_postgres_advisory_lock_leads_one_process(postgres_engine):
    other = store.make_engine(postgres_engine.url.render_as_string(hide_password=False))
    first = shared_state.AdvisoryLeaderLock(postgres_engine)
    second = shared_state.AdvisoryLeaderLock(other)
    try:
        assert first.acquire() and not second.acquire()
        assert first.renew()
        first.release()
        assert second.acquire() and not first.acquire()
        second._conn.invalidate()  # the leader's session dies with its process
        second._conn.close()
        second._conn = None
        deadline = time.monotonic() + 10  # the server ends the session a moment later
        while not first.acquire():
            assert time.monotonic() < deadline, "the dead leader's lock was not let go"
            time.sleep(0.1)
    finally:
        first.release()
        second.release()
        other.dispose()


# --- Redis down -------------------------------------------------------------------------------

def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_without_redis(tmp_path):
    url = f"sqlite:///{tmp_path / 'down.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    app = create_app(Settings(database_url=url,
                              redis_url=f"redis://127.0.0.1:{_closed_port()}/0"))
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def test_sign_in_fails_closed_with_a_503_when_redis_is_down(app_without_redis):
    engine = app_without_redis.server.extensions["grid_dashboard"]["engine"]
    password = make_user(engine, "boss", "commander")
    client = app_without_redis.server.test_client()
    answer = sign_in(client, "boss", password)  # even the right password: nothing is counted
    assert answer.status_code == 503
    assert t("login_shared_unavailable", "zh") in answer.get_data(as_text=True)
    assert client.get("/", follow_redirects=False).status_code in (302, 401, 403)


def test_the_intake_fails_closed_with_a_503_when_redis_is_down(app_without_redis):
    engine = app_without_redis.server.extensions["grid_dashboard"]["engine"]
    key, _ = api_keys.add_key(engine, "hotline")
    with engine.connect() as conn:
        service = conn.scalar(select(Category.code).limit(1))
    answer = app_without_redis.server.test_client().post(
        "/open311/v2/requests.json", headers={"X-Api-Key": key},
        data={"service_code": service, "lat": "39.9", "long": "116.4", "description": "x" * 12})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert "limits" in answer.get_data(as_text=True)


def test_a_print_lock_is_busy_when_redis_is_down(tmp_path):
    state = shared_state.RedisState(Settings(
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        redis_url=f"redis://127.0.0.1:{_closed_port()}/0"))
    assert state.print_lock().acquire(0.2, 30) is None
    with pytest.raises(shared_state.SharedUnavailable, match="cannot be reached"):
        state.bump("anything")
    assert isinstance(state.errors[0](), redis.RedisError)
