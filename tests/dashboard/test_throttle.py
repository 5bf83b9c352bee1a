"""The sign-in throttle (dashboard/throttle.py): per name, per client, bounded, atomic."""

from __future__ import annotations

import threading
import time
import tracemalloc

import pytest

from dashboard.throttle import LoginThrottle


def test_a_name_waits_after_its_failures_until_the_window_moves_on():
    throttle = LoginThrottle(attempts=2, window=60)
    assert throttle.begin("Zhang", "10.0.0.1", now=0).wait == 0
    assert throttle.begin("zhang ", "10.0.0.2", now=10).wait == 0
    refused = throttle.begin("ZHANG", "10.0.0.3", now=11)  # from anywhere: the name's limit
    assert (refused.wait, refused.limited_by) == (49, "name")  # the first failure ends at 60
    assert throttle.begin("zhang", "10.0.0.3", now=60).wait == 0
    assert throttle.begin("li", "10.0.0.1", now=11).wait == 0  # other names go on


def test_a_right_password_forgets_the_names_failures_but_not_the_clients():
    throttle = LoginThrottle(attempts=2, window=60, client_attempts=3, client_window=300)
    throttle.begin("zhang", "10.0.0.1", now=0)  # a wrong one
    ok = throttle.begin("zhang", "10.0.0.1", now=1)
    throttle.succeeded(ok)
    assert throttle.begin("zhang", "10.0.0.1", now=2).wait == 0  # the name starts afresh
    # the client has 2 failures (0 and 2); the right one at 1 no longer counts against it
    assert throttle.begin("li", "10.0.0.1", now=3).wait == 0
    refused = throttle.begin("wang", "10.0.0.1", now=4)
    assert refused.limited_by == "client" and refused.wait == 296


def test_a_spray_across_names_from_one_client_is_stopped_and_others_are_not():
    throttle = LoginThrottle(attempts=5, window=60, client_attempts=20, client_window=300)
    passed = [throttle.begin(f"user{n}", "203.0.113.7", now=n * 0.1).wait == 0
              for n in range(100)]
    assert sum(passed) == 20 and all(passed[:20])
    assert throttle.begin("user500", "203.0.113.7", now=20).limited_by == "client"
    assert throttle.begin("user500", "198.51.100.1", now=20).wait == 0  # another machine
    assert throttle.begin("user500", "203.0.113.7", now=301).wait == 0  # the window moved


def test_memory_is_bounded_by_the_number_of_keys_and_stale_keys_fall_away():
    throttle = LoginThrottle(attempts=5, window=60, client_attempts=10**9, max_keys=1_000)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(20_000):  # 20 times the room, each name from its own address
        throttle.begin(f"name-{n}", f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", now=1.0)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(throttle) <= 1_000
    assert held < 1_000_000, held  # the old throttle held 88 MB for 100,000 names
    assert throttle.begin("late", "10.9.9.9", now=1.0 + 301).wait == 0
    assert len(throttle) == 2  # everything else was older than its window


def test_the_key_is_bounded_too():
    throttle = LoginThrottle(attempts=1, window=60)
    throttle.begin("x" * 10_000, "y" * 10_000, now=0)
    assert throttle.begin("x" * 100 + "different tail", None, now=1).limited_by == "name"


def test_a_parallel_burst_gets_at_most_the_limit_through():
    """Many threads with wrong passwords at the same instant: the check and the count are
    one step, so at most ``attempts`` of them reach the (slow) password check."""
    throttle = LoginThrottle(attempts=5, window=60)
    threads, start = 40, threading.Barrier(40)
    checked: list[int] = []

    def guess() -> None:
        start.wait()
        attempt = throttle.begin("boss", "10.0.0.1")
        if attempt.wait == 0:
            time.sleep(0.05)  # the password check; the guess is wrong
            checked.append(1)

    workers = [threading.Thread(target=guess) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(checked) == 5


@pytest.mark.parametrize("kwargs", [{"attempts": 0}, {"window": 0}, {"max_keys": 0}])
def test_nonsense_limits_are_refused(kwargs):
    with pytest.raises(ValueError):
        LoginThrottle(**kwargs)
