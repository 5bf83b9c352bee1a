"""The intake API's per-key rate limit: N requests a minute, then a wait."""

from __future__ import annotations

import threading

import pytest

from dashboard.intake_limits import KeyRateLimiter


def test_the_limit_is_reached_then_released_as_the_minute_passes():
    limiter = KeyRateLimiter()
    assert [limiter.check(7, 20, now=100.0) for _ in range(20)] == [0] * 20
    assert limiter.check(7, 20, now=100.0) == 3  # one request comes back every 3 s
    assert limiter.check(7, 20, now=101.5) == 2  # a refusal counts nothing
    assert limiter.check(7, 20, now=103.0) == 0
    assert limiter.check(7, 20, now=103.0) == 3
    # a whole minute later the bucket is full again: 20, and not one more
    assert [limiter.check(7, 20, now=170.0) for _ in range(21)] == [0] * 20 + [3]


def test_a_slow_rate_asks_for_a_long_wait():
    limiter = KeyRateLimiter()
    assert limiter.check(1, 1, now=0.0) == 0
    assert limiter.check(1, 1, now=0.0) == 60
    assert limiter.check(1, 1, now=59.5) == 1
    assert limiter.check(1, 1, now=60.0) == 0


def test_keys_are_limited_each_on_its_own():
    limiter = KeyRateLimiter()
    assert all(limiter.check("a", 5, now=0.0) == 0 for _ in range(5))
    assert limiter.check("a", 5, now=0.0) > 0
    assert [limiter.check("b", 5, now=0.0) for _ in range(6)] == [0] * 5 + [12]
    assert limiter.check(3, 600, now=0.0) == 0


def test_a_lower_rate_caps_what_a_key_has_left():
    limiter = KeyRateLimiter()
    limiter.check(1, 600, now=0.0)
    assert [limiter.check(1, 2, now=0.0) for _ in range(3)] == [0, 0, 30]


def test_a_threaded_burst_of_100_on_a_limit_of_20_lets_exactly_20_through():
    limiter = KeyRateLimiter()
    start = threading.Barrier(100)
    answers: list[int] = []
    lock = threading.Lock()

    def ask() -> None:
        start.wait()
        wait = limiter.check(42, 20, now=1000.0)
        with lock:
            answers.append(wait)

    threads = [threading.Thread(target=ask) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 100 and answers.count(0) == 20
    assert set(answers) - {0} == {3}


def test_a_real_clock_burst_lets_the_limit_through_and_no_more():
    limiter = KeyRateLimiter()
    answers = [limiter.check("k", 20) for _ in range(100)]
    assert answers.count(0) == 20 and answers[:20] == [0] * 20


def test_memory_stays_bounded_and_the_oldest_key_is_forgotten():
    limiter = KeyRateLimiter(max_keys=100)
    limiter.check("first", 1, now=0.0)
    assert limiter.check("first", 1, now=0.0) == 60
    for key in range(1000):
        limiter.check(key, 10, now=1.0)
    assert len(limiter) == 100
    assert limiter.check("first", 1, now=2.0) == 0  # forgotten: a full bucket again
    # a key in use is the most recent, so it is not the one forgotten
    limiter.check("busy", 1, now=3.0)
    for key in range(1000, 1050):
        limiter.check(key, 10, now=3.0)
        limiter.check("busy", 1, now=3.0)
    assert limiter.check("busy", 1, now=3.0) > 0


def test_forget_gives_a_key_a_full_bucket():
    limiter = KeyRateLimiter()
    limiter.check(1, 1, now=0.0)
    limiter.forget(1)
    assert limiter.check(1, 1, now=0.0) == 0 and len(limiter) == 1


@pytest.mark.parametrize("per_minute", [0, -5, 2.5, True, None, "10"])
def test_a_rate_that_is_not_a_whole_number_from_1_is_refused(per_minute):
    with pytest.raises(ValueError, match="per_minute"):
        KeyRateLimiter().check(1, per_minute, now=0.0)


def test_max_keys_must_be_positive():
    with pytest.raises(ValueError, match="max_keys"):
        KeyRateLimiter(max_keys=0)
