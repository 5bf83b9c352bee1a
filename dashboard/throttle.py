"""Slowing down password guessing at ``/login``: failures per account name and per client.

Two limits, checked and counted in one step under one lock:

* per account name (:data:`NAME_ATTEMPTS` failures in :data:`NAME_WINDOW` seconds), so one
  account cannot be guessed at quickly from anywhere;
* per client address (:data:`CLIENT_ATTEMPTS` in :data:`CLIENT_WINDOW`), so one machine
  cannot spray a password or two across many names.

An attempt is counted *before* the password is checked (:meth:`LoginThrottle.begin`), and
given back if it was right (:meth:`LoginThrottle.succeeded`): a burst of parallel wrong
passwords gets at most the limit through, not the limit times the number of threads.

Memory is bounded: each key keeps at most its limit's number of times, a key falls away
once its newest failure is older than its window, and at most :data:`MAX_KEYS` keys are
kept (the least recently failed go first). It is per server process (README: signing in);
:class:`RedisLoginThrottle` keeps the same limits in Redis for several workers
(:mod:`dashboard.shared_state`), where they hold in total.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

#: Failed sign-ins allowed per account name in :data:`NAME_WINDOW` seconds.
NAME_ATTEMPTS = 5
NAME_WINDOW = 60.0
#: Failed sign-ins allowed per client address (any names) in :data:`CLIENT_WINDOW` seconds.
CLIENT_ATTEMPTS = 20
CLIENT_WINDOW = 300.0
#: Most keys (names and addresses) remembered at once: about 200 bytes each.
MAX_KEYS = 20_000
_KEY_LENGTH = 100  # names over 64 characters are refused anyway; addresses are shorter


@dataclass(frozen=True)
class Attempt:
    """The throttle's answer to one sign-in: ``wait`` 0 lets it go ahead (and counts it as
    a failure until :meth:`LoginThrottle.succeeded`); else the seconds to wait, and
    ``limited_by`` which limit was reached (``"name"`` or ``"client"``)."""

    wait: int
    limited_by: str | None = None
    keys: tuple[tuple[str, str], ...] = ()
    at: float = 0.0
    token: str = ""  # Redis: this attempt's entry in the client's window


class LoginThrottle:
    """Failed sign-ins per account name and per client address, in sliding windows."""

    def __init__(self, attempts: int = NAME_ATTEMPTS, window: float = NAME_WINDOW,
                 client_attempts: int = CLIENT_ATTEMPTS, client_window: float = CLIENT_WINDOW,
                 max_keys: int = MAX_KEYS) -> None:
        if min(attempts, client_attempts, max_keys) < 1 or min(window, client_window) <= 0:
            raise ValueError("a throttle needs positive limits, windows and room")
        self.limits = {"name": (attempts, window), "client": (client_attempts, client_window)}
        self.max_keys = max_keys
        # key -> the times of its latest failures, oldest first (at most its limit's count);
        # ordered by the latest failure, so the stalest keys are at the front
        self._failures: OrderedDict[tuple[str, str], tuple[float, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    @staticmethod
    def _keys(name: str, client: str | None) -> tuple[tuple[str, str], ...]:
        keys = [("name", (name or "").strip().lower()[:_KEY_LENGTH])]
        if client:
            keys.append(("client", client[:_KEY_LENGTH]))
        return tuple(keys)

    def _wait(self, key: tuple[str, str], now: float) -> int:
        limit, window = self.limits[key[0]]
        times = self._failures.get(key, ())
        if len(times) < limit or now - times[-limit] >= window:
            return 0
        return max(1, math.ceil(times[-limit] + window - now))

    def _forget_stale(self, now: float) -> None:
        while self._failures:
            key, times = next(iter(self._failures.items()))
            if now - times[-1] < self.limits[key[0]][1]:
                return
            del self._failures[key]

    def begin(self, name: str, client: str | None = None,
              now: float | None = None) -> Attempt:
        """Check both limits and, if neither is reached, count this attempt as a failure
        (atomically: parallel callers cannot all pass the check before any is counted)."""
        now = time.monotonic() if now is None else now
        keys = self._keys(name, client)
        with self._lock:
            self._forget_stale(now)
            for key in keys:
                wait = self._wait(key, now)
                if wait:
                    return Attempt(wait=wait, limited_by=key[0])
            for key in keys:
                limit = self.limits[key[0]][0]
                self._failures[key] = (*self._failures.pop(key, ()), now)[-limit:]
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        return Attempt(wait=0, keys=keys, at=now)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the name's failures are forgotten, and this attempt no
        longer counts against the client (its other failures still do)."""
        with self._lock:
            for key in attempt.keys:
                times = self._failures.get(key)
                if times is None:
                    continue
                if key[0] == "name":
                    del self._failures[key]
                elif attempt.at in times:
                    index = times.index(attempt.at)
                    rest = times[:index] + times[index + 1:]
                    if rest:
                        self._failures[key] = rest
                    else:
                        del self._failures[key]


# Each key's failures as a sorted set of Redis' own clock: one check-and-count, atomic across
# every worker. ARGV: limit and window per key, then this attempt's member.
_BEGIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS
for i = 1, n do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], -limit, -limit, 'WITHSCORES')
    return {math.max(1, math.ceil(tonumber(oldest[2]) + window - now)), i}
  end
end
for i = 1, n do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('ZADD', KEYS[i], now, ARGV[2 * n + 1])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -limit - 1)
  redis.call('PEXPIRE', KEYS[i], math.ceil(window * 1000))
end
return {0, 0}
"""


class RedisLoginThrottle(LoginThrottle):
    """:class:`LoginThrottle`'s limits kept in Redis (``state``, a
    :class:`dashboard.shared_state.RedisState`): every worker counts into the same windows,
    so wrong passwords spread over workers are limited at the limit in total. Redis
    unreachable: :class:`dashboard.shared_state.SharedUnavailable` (sign-in answers 503:
    no guessing goes unthrottled)."""

    def __init__(self, state, **limits) -> None:
        super().__init__(**limits)
        self.state = state
        self._begin = state.script(_BEGIN)

    def _name(self, key: tuple[str, str]) -> str:
        return f"{self.state.prefix}throttle:{key[0]}:{key[1]}"

    def __len__(self) -> int:
        return 0  # Redis keeps (and expires) the windows

    def begin(self, name: str, client: str | None = None,
              now: float | None = None) -> Attempt:
        keys = self._keys(name, client)
        token = secrets.token_hex(8)
        args = [v for key in keys for v in self.limits[key[0]]] + [token]
        wait, which = self.state.call(lambda: self._begin(
            keys=[self._name(key) for key in keys], args=args))
        if wait:
            return Attempt(wait=int(wait), limited_by=keys[int(which) - 1][0])
        return Attempt(wait=0, keys=keys, token=token)

    def succeeded(self, attempt: Attempt) -> None:
        def forget() -> None:
            with self.state.client.pipeline() as pipe:
                for key in attempt.keys:
                    if key[0] == "name":
                        pipe.delete(self._name(key))
                    else:
                        pipe.zrem(self._name(key), attempt.token)
                pipe.execute()
        self.state.call(forget)
