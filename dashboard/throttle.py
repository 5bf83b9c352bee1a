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
kept (the least recently failed go first). It is per server process (README: signing in).
"""

from __future__ import annotations

import math
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
