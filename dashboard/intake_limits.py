"""How many requests a minute each intake API key may send (429 and ``Retry-After`` past it).

A token bucket per key: it holds up to N requests (N: the key's ``rate_per_minute``, else
``Settings.intake_rate_per_minute``) and fills again at N a minute, so a key may send a burst
of N and then N a minute for as long as it likes. One float pair per key, no list of past
requests.

:class:`KeyRateLimiter` keeps the buckets in this process; :class:`RedisKeyRateLimiter`
keeps them in Redis, shared by every worker (:mod:`dashboard.shared_state`), so several
workers allow each key its rate in total, not once per worker. No Flask here: the route asks
:meth:`KeyRateLimiter.check` and turns a wait into a 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

#: Keys remembered at most; past it the least recently used bucket is forgotten (which
#: gives that key a full bucket again: memory stays bounded whatever the traffic).
MAX_KEYS = 10_000
#: Rounding slack: 3 s at 20 a minute is one whole request, not 0.9999999.
_EPSILON = 1e-9


class KeyRateLimiter:
    """Per-key token buckets of ``per_minute`` requests a minute, thread-safe.

    :meth:`check` answers 0 and counts the request when the key may go ahead, else the
    whole seconds until it may (at least 1), counting nothing. Times are seconds of a
    monotonic clock (:func:`time.monotonic` unless ``now`` is given, as tests do)."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys {max_keys!r}: expected 1 or more")
        self.max_keys = max_keys
        # key id -> (requests left in its bucket, when that was worked out)
        self._buckets: OrderedDict[object, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key_id: object, per_minute: int, now: float | None = None) -> int:
        """0: go ahead (the request is counted); else the seconds to wait before asking
        again, for a ``Retry-After`` header.

        ``per_minute`` is the key's rate (1 or more); a key whose rate changed keeps the
        requests it has left, at most the new rate."""
        if isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1:
            raise ValueError(f"per_minute {per_minute!r}: expected a whole number, 1 or more")
        now = time.monotonic() if now is None else now
        refill = per_minute / 60.0  # requests a second
        with self._lock:
            left, then = self._buckets.pop(key_id, (float(per_minute), now))
            left = min(float(per_minute), left + max(0.0, now - then) * refill)
            if left >= 1.0 - _EPSILON:
                self._buckets[key_id] = (max(0.0, left - 1.0), now)
                wait = 0
            else:
                self._buckets[key_id] = (left, now)
                wait = max(1, math.ceil((1.0 - left) / refill - _EPSILON))
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait

    def forget(self, key_id: object) -> None:
        """Drop a key's bucket (a revoked key's, say): its next request starts full."""
        with self._lock:
            self._buckets.pop(key_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)


# One bucket as a Redis hash on Redis' own clock, checked and counted atomically.
_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local refill = rate / 60
local held = redis.call('HMGET', KEYS[1], 'left', 'at')
local left = tonumber(held[1]) or rate
local at = tonumber(held[2]) or now
left = math.min(rate, left + math.max(0, now - at) * refill)
local wait = 0
if left >= 1 - 1e-9 then
  left = math.max(0, left - 1)
else
  wait = math.max(1, math.ceil((1 - left) / refill - 1e-9))
end
redis.call('HSET', KEYS[1], 'left', tostring(left), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 61000)
return wait
"""


class RedisKeyRateLimiter(KeyRateLimiter):
    """:class:`KeyRateLimiter`'s buckets in Redis (``state``, a
    :class:`dashboard.shared_state.RedisState`): a bucket refills within a minute, so each
    expires a minute after its last request. Redis unreachable:
    :class:`dashboard.shared_state.SharedUnavailable` (the intake answers 503)."""

    def __init__(self, state) -> None:
        super().__init__()
        self.state = state
        self._check = state.script(_CHECK)

    def _name(self, key_id: object) -> str:
        return f"{self.state.prefix}intake:{key_id}"

    def check(self, key_id: object, per_minute: int, now: float | None = None) -> int:
        if isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1:
            raise ValueError(f"per_minute {per_minute!r}: expected a whole number, 1 or more")
        return int(self.state.call(lambda: self._check(keys=[self._name(key_id)],
                                                       args=[per_minute])))

    def forget(self, key_id: object) -> None:
        self.state.call(lambda: self.state.client.delete(self._name(key_id)))

    def __len__(self) -> int:
        return 0
