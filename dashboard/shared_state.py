"""What several worker processes must share, behind one interface with two backends.

:func:`of` gives the :class:`SharedState` of a deployment's settings:

* :class:`SharedState` (no ``REDIS_URL``): everything kept in this process, as one
  process needs: the sign-in throttle (:class:`dashboard.throttle.LoginThrottle`), the
  intake API's per-key buckets (:class:`dashboard.intake_limits.KeyRateLimiter`), the
  one-print-at-a-time lock (:class:`PrintLock`), the console's
  counts (:class:`data.metrics.ResultCache`) and a counter that forgets them, and the
  leader lock of background work (a PostgreSQL session advisory lock on PostgreSQL, this
  process itself on SQLite, which one process serves).
* :class:`RedisState` (``REDIS_URL`` set): the same things in Redis, shared by every
  worker of every server on the store: limits hold in total, one print runs at a time
  in the deployment, the counts one worker made serve the others, and one worker leads.

Redis unreachable: every operation raises :class:`SharedUnavailable`, and its caller
fails closed (sign-in and the intake answer 503; a print answers "busy"); the console's
counts are then counted in the request (slower, never wrong); a leader that cannot renew
stops its background work (README "Several workers").

Keys are namespaced per store (:func:`namespace`), so one Redis can serve several
deployments, or the test suite's many stores, without one's throttle counting another's.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import secrets
import socket
import threading
import time
from typing import Any, Callable

from sqlalchemy import Engine, text

from dashboard.settings import Settings

#: Seconds a Redis call may take before it counts as Redis being down.
REDIS_TIMEOUT_S = 2.0
#: The leader lock's lifetime in Redis: a leader renews it every third of it; a dead
#: leader's lock runs out after it, and another worker takes over.
LEADER_TTL_S = 15.0


class SharedUnavailable(Exception):
    """The shared state (Redis) cannot be reached: the caller fails closed."""


def namespace(settings: Settings) -> str:
    """The prefix of this store's keys in Redis: a digest of its database URL."""
    digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    return f"dashboard:{digest}:"


def holder_id() -> str:
    """Who holds a lock: this host and process, readable in ``redis-cli`` and the log."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SharedState:
    """The in-process backend: one process shares everything with itself."""

    kind = "process"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def login_throttle(self):
        from dashboard.throttle import LoginThrottle
        return LoginThrottle()

    def key_limiter(self):
        from dashboard.intake_limits import KeyRateLimiter
        return KeyRateLimiter()

    def print_lock(self) -> "PrintLock":
        return _PRINTER  # one per process, whatever the app

    def results_cache(self, size: int, max_age: float):
        from data.metrics import ResultCache
        return ResultCache(size=size, max_age=max_age)

    def counter(self, name: str) -> int:
        """A number that only goes up (:meth:`bump`); 0 before the first bump."""
        with self._lock:
            return self._counters.get(name, 0)

    def bump(self, name: str) -> int:
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + 1
            return self._counters[name]

    def leader_lock(self, engine: Engine) -> "LeaderLock":
        """The lock one process of the deployment holds to run background work."""
        if engine.dialect.name == "postgresql":
            return AdvisoryLeaderLock(engine)
        return LeaderLock()


class RedisState(SharedState):
    """The Redis backend (``REDIS_URL``): shared by every worker on the store."""

    kind = "redis"

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        super().__init__(settings)
        import redis  # only a deployment with REDIS_URL needs it loaded

        self.errors = (redis.RedisError, OSError)
        self.client = client or redis.Redis.from_url(
            settings.redis_url, socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S, health_check_interval=30)
        self.prefix = namespace(settings)

    def call(self, run: Callable[[], Any]) -> Any:
        """``run()``, with Redis' failures as :class:`SharedUnavailable`."""
        try:
            return run()
        except self.errors as exc:
            raise SharedUnavailable(f"Redis ({self.settings.redis_url}) cannot be reached: "
                                    f"{exc}") from exc

    def script(self, source: str):
        return self.client.register_script(source)

    def login_throttle(self):
        from dashboard.throttle import RedisLoginThrottle
        return RedisLoginThrottle(self)

    def key_limiter(self):
        from dashboard.intake_limits import RedisKeyRateLimiter
        return RedisKeyRateLimiter(self)

    def print_lock(self):
        return RedisLock(self, "print")

    def results_cache(self, size: int, max_age: float):
        return RedisResultCache(self, max_age)

    def counter(self, name: str) -> int:
        return int(self.call(lambda: self.client.get(self.prefix + "n:" + name)) or 0)

    def bump(self, name: str) -> int:
        return int(self.call(lambda: self.client.incr(self.prefix + "n:" + name)))

    def leader_lock(self, engine: Engine) -> "LeaderLock":
        return RedisLeaderLock(self)


_STATES: dict[tuple[str, str], SharedState] = {}
_STATES_LOCK = threading.Lock()


def of(settings: Settings) -> SharedState:
    """The shared state of ``settings``' deployment, one per process (and Redis URL and
    store): every app of the process made on the same settings shares it."""
    key = (settings.redis_url, settings.database_url)
    with _STATES_LOCK:
        if key not in _STATES:
            _STATES[key] = (RedisState(settings) if settings.redis_url
                            else SharedState(settings))
        return _STATES[key]


# --- locks ----------------------------------------------------------------------------------

class PrintLock:
    """One print at a time per server process (Chromium is heavy, command-centre servers
    small); with Redis, :class:`RedisLock` holds it for the whole deployment. A print holds the lock for a lease; one stuck past its lease loses it to the
    next request, so a hung print cannot keep every other out."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._free = threading.Condition()
        self._holder: object | None = None
        self._expires = 0.0

    def acquire(self, wait_s: float, lease_s: float) -> object | None:
        """A lease for ``lease_s`` seconds, waiting at most ``wait_s`` for it; None if
        another print still holds the lock."""
        gives_up = self._clock() + wait_s
        with self._free:
            while self._holder is not None and self._clock() < self._expires:
                left = gives_up - self._clock()
                if left <= 0:
                    return None
                self._free.wait(min(left, self._expires - self._clock()))
            self._holder = object()
            self._expires = self._clock() + lease_s
            return self._holder

    def release(self, lease: object) -> None:
        """Give the lock back, if ``lease`` still holds it (not once it was taken over)."""
        with self._free:
            if self._holder is lease:
                self._holder = None
                self._free.notify()


_PRINTER = PrintLock()  # this process' (SharedState.print_lock)


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class RedisLock:
    """:class:`PrintLock`'s interface in Redis: one holder in
    the whole deployment, for a lease; Redis unreachable: nobody gets it (None)."""

    def __init__(self, state: RedisState, name: str, poll_s: float = 0.1) -> None:
        self.state = state
        self.key = state.prefix + "lock:" + name
        self.poll_s = poll_s
        self._release = state.script(_RELEASE)

    def acquire(self, wait_s: float, lease_s: float) -> str | None:
        gives_up = time.monotonic() + wait_s
        token = secrets.token_hex(8)
        while True:
            try:
                if self.state.call(lambda: self.state.client.set(
                        self.key, token, nx=True, px=max(1, int(lease_s * 1000)))):
                    return token
            except SharedUnavailable:
                return None
            if time.monotonic() >= gives_up:
                return None
            time.sleep(self.poll_s)

    def release(self, lease: str) -> None:
        try:
            self.state.call(lambda: self._release(keys=[self.key], args=[lease]))
        except SharedUnavailable:
            pass  # the lease runs out by itself


class LeaderLock:
    """Who runs the deployment's background work. This base: the process itself (SQLite:
    one process serves the store)."""

    #: seconds between a holder's renewals, and between a follower's tries
    renew_every = 2.0

    def acquire(self) -> bool:
        """True when this process holds (or now took) the lock."""
        return True

    def renew(self) -> bool:
        """True while this process still holds the lock."""
        return True

    def release(self) -> None:
        """Let another process take over now (on a graceful stop)."""

    def holder(self) -> str | None:
        return holder_id()


class AdvisoryLeaderLock(LeaderLock):
    """A PostgreSQL session advisory lock on a connection of its own: held while that
    connection lives, so a dead process' lock is gone with its connection."""

    KEY = 0x6772_6964_6C65  # "gridle": the dashboard's leader, one per database

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return self.renew()
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.KEY}).scalar()
            conn.commit()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    def renew(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 - the connection died: so did the lock
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.KEY})
                self._conn.commit()
            except Exception:  # noqa: BLE001 - closing the session ends the lock anyway
                pass
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        try:
            conn.invalidate()  # never back to the pool: the session (and lock) must end
            conn.close()
        except Exception:  # noqa: BLE001
            pass


class RedisLeaderLock(LeaderLock):
    """A Redis key holding this process' id for :data:`LEADER_TTL_S`, renewed every
    third of it; a leader that died stops renewing, and another takes over once it ran out."""

    renew_every = LEADER_TTL_S / 3

    def __init__(self, state: RedisState, ttl_s: float = LEADER_TTL_S) -> None:
        self.state = state
        self.key = state.prefix + "leader"
        self.ttl_ms = int(ttl_s * 1000)
        self.me = holder_id()
        self._renew = state.script(_RENEW)
        self._release = state.script(_RELEASE)

    def acquire(self) -> bool:
        return bool(self.state.call(lambda: self.state.client.set(
            self.key, self.me, nx=True, px=self.ttl_ms))) or self.renew()

    def renew(self) -> bool:
        return bool(self.state.call(lambda: self._renew(keys=[self.key],
                                                        args=[self.me, self.ttl_ms])))

    def release(self) -> None:
        try:
            self.state.call(lambda: self._release(keys=[self.key], args=[self.me]))
        except SharedUnavailable:
            pass  # it runs out by itself

    def holder(self) -> str | None:
        value = self.state.call(lambda: self.state.client.get(self.key))
        return None if value is None else value.decode()


# --- the console's counts -------------------------------------------------------------------

class RedisResultCache:
    """:class:`data.metrics.ResultCache`'s interface (``key``, ``get``,
    ``get_or_compute``) in Redis: values pickled under the key's digest for ``max_age``
    seconds, so counts one worker made (or the leader warmed) serve every worker. Only
    this server's own values are ever unpickled (a Redis reachable by others is as
    trusted as the database). Redis unreachable: nothing kept, the counts are made."""

    def __init__(self, state: RedisState, max_age: float) -> None:
        self.state = state
        self.max_age = max_age

    def key(self, conn, *parts) -> tuple:
        from data.store import regions_version
        return ("regions", regions_version(conn), *parts)

    def _name(self, key: tuple) -> str:
        return self.state.prefix + "counts:" + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple):
        try:
            held = self.state.call(lambda: self.state.client.get(self._name(key)))
        except SharedUnavailable:
            return None
        return None if held is None else pickle.loads(held)

    def get_or_compute(self, key: tuple, make):
        held = self.get(key)
        if held is not None:
            return held
        value = make()
        try:
            self.state.call(lambda: self.state.client.set(
                self._name(key), pickle.dumps(value), px=int(self.max_age * 1000)))
        except SharedUnavailable:
            pass
        return value

    def __len__(self) -> int:
        return 0
