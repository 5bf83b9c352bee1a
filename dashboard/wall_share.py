"""The wall's answers, shared by every wall showing the same region, and with Redis by
every worker of the deployment.

A wall's snapshot (:func:`data.wall.snapshot`: what a refresh draws) depends on the region,
the store's data version and the moment; fifty walls on ten regions asked each for its own
every refresh, and with several workers each worker counted the same again. Here:

* :func:`snapshot`: one snapshot of a region serves every wall that asks for it while it
  is current: made for the data version the wall asks about (or a later one) less than
  :data:`MAX_AGE_SECONDS` ago, or made less than :data:`WINDOW_SECONDS` ago whatever the
  version (under a stream of changes a region's snapshot is made at most that often; the
  wall's state records the version it shows, so a change after it shows with the next
  refresh). One wall (one worker) makes it while the others asking meanwhile wait for it,
  at most :data:`WAIT_SECONDS`, then make their own: nothing depends on another worker
  answering. A snapshot whose 30-day panels are still being counted (``pending``) serves
  only within the window.
* :func:`panels_cache`: the dict the wall's data functions keep their 30-day panels in
  (:func:`data.wall.held_panels`). With Redis the panels themselves, and the claim of the
  one worker recounting them, live in Redis (:class:`SharedPanels`): a region's panels are
  counted once per :data:`data.wall.SLOW_SECONDS` in the deployment, not once per worker.
  Everything else in it (subtrees, shapes) stays in the worker.
* :func:`alerts`: the open red and orange alerts of a region a wall shows, kept by the
  alerts version and the regions version they were read at (not in the snapshot, which
  the data version keys), so no wall shows alerts older than the counter it read.

Each process keeps the last snapshot of each region it showed (:class:`_LocalShelf`), so
its walls share it; with Redis the deployment's (:class:`_RedisShelf`) is looked up when
the process' does not serve. Redis unreachable: the snapshot is made here and kept in
this process only (slower, never wrong).

Keys are per store (:func:`dashboard.shared_state.namespace`) and per region code; a
snapshot carries the regions version it was made on and serves only while that holds.
It imports neither the app factory nor callbacks.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from typing import Callable

from dashboard import services, shared_state
from data.store import data_version, regions_version

#: A region's snapshot is made at most this often while the data keeps changing.
WINDOW_SECONDS = 2.0
#: A snapshot of the version a wall asks about serves it for this long (the counts of
#: "now", overdue among them, move with time too).
MAX_AGE_SECONDS = 10.0
#: How long a wall waits for the snapshot another one is making before making its own.
WAIT_SECONDS = 2.0
#: Seconds between two looks at Redis while waiting there.
POLL_SECONDS = 0.05
#: Regions whose last snapshot a process keeps (the newest used).
MAX_REGIONS = 64
SHARE = "wall_share"
PANELS = "wall_cache"  # the extension key callbacks/wall.py and callbacks/officers.py use


def _region_key(region_code: str | None) -> str:
    return "*" if region_code is None else str(region_code)


def serves(head: dict | None, version: int, regions: int, clock: float,
           seen: int | None = None, seen_pending: bool = False) -> bool:
    """Whether the snapshot described by ``head`` may answer a wall asking at data version
    ``version`` on regions version ``regions`` at ``clock`` (:func:`time.time`), the wall
    showing version ``seen`` now (None: nothing yet; ``seen_pending``: without its 30-day
    panels): one of that version or a later one made less than :data:`MAX_AGE_SECONDS`
    ago, its panels counted; or any made less than :data:`WINDOW_SECONDS` ago that shows
    the wall something it does not show yet (a later version, or the panels it lacks)."""
    if head is None or head["regions"] != regions:
        return False
    age = clock - head["made"]
    if age < 0:
        return False
    if seen is not None and (head["version"] < seen or head["version"] == seen and not (
            seen_pending and not head["pending"])):
        return False  # nothing the wall does not show already: never a step back
    if age < WINDOW_SECONDS:
        return True
    return head["version"] >= version and not head["pending"] and age < MAX_AGE_SECONDS


class _LocalShelf:
    """The last snapshot of each region, in this process: walls answered by its threads
    share them."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[dict, dict]] = OrderedDict()
        self._making: set[str] = set()
        self._changed = threading.Condition()

    def served(self, region: str, ready: Callable[[dict | None], bool]) -> dict | None:
        """The kept snapshot of ``region`` if it is ``ready`` (by its head)."""
        with self._changed:
            held = self._kept.get(region)
            return held[1] if held is not None and ready(held[0]) else None

    def body(self, region: str, head: dict) -> dict | None:
        with self._changed:
            held = self._kept.get(region)
            return held[1] if held is not None and held[0]["id"] == head["id"] else None

    def put(self, region: str, head: dict, snap: dict) -> None:
        with self._changed:
            self._kept[region] = (head, snap)
            self._kept.move_to_end(region)
            while len(self._kept) > MAX_REGIONS:
                self._kept.popitem(last=False)
            self._changed.notify_all()

    def claim(self, region: str) -> bool:
        with self._changed:
            if region in self._making:
                return False
            self._making.add(region)
            return True

    def release(self, region: str) -> None:
        with self._changed:
            self._making.discard(region)
            self._changed.notify_all()

    def wait(self, region: str, until: float, ready: Callable[[dict | None], bool]
             ) -> dict | None:
        """The head of a snapshot that is ``ready``, waiting until ``until``
        (:func:`time.monotonic`) or until nobody makes one any more; None then."""
        with self._changed:
            while True:
                held = self._kept.get(region)
                if held is not None and ready(held[0]):
                    return held[0]
                left = until - time.monotonic()
                if left <= 0 or region not in self._making:
                    return None
                self._changed.wait(left)


class _RedisShelf:
    """The last snapshot of each region in Redis: a small head (version, regions version,
    when made, pending, id) and the pickled snapshot under its id."""

    def __init__(self, state: shared_state.RedisState) -> None:
        self.state = state
        self.prefix = state.prefix + "wall:"
        self._release = state.script(shared_state._RELEASE)
        self.me = f"{shared_state.holder_id()}:{uuid.uuid4().hex[:8]}"

    def head(self, region: str) -> dict | None:
        held = self.state.call(lambda: self.state.client.get(self.prefix + "head:" + region))
        return None if held is None else json.loads(held)

    def body(self, head: dict) -> dict | None:
        held = self.state.call(lambda: self.state.client.get(self.prefix + "body:" + head["id"]))
        return None if held is None else pickle.loads(held)  # this server's own values

    def put(self, region: str, head: dict, snap: dict) -> None:
        life = int(MAX_AGE_SECONDS * 3000)
        pipe = self.state.client.pipeline(transaction=False)
        pipe.set(self.prefix + "body:" + head["id"], pickle.dumps(snap), px=life)
        pipe.set(self.prefix + "head:" + region, json.dumps(head), px=life)
        self.state.call(pipe.execute)

    def claim(self, region: str) -> bool:
        return bool(self.state.call(lambda: self.state.client.set(
            self.prefix + "making:" + region, self.me, nx=True,
            px=int((WAIT_SECONDS + 30) * 1000))))

    def release(self, region: str) -> None:
        try:
            self.state.call(lambda: self._release(keys=[self.prefix + "making:" + region],
                                                  args=[self.me]))
        except shared_state.SharedUnavailable:
            pass  # the claim runs out by itself

    def wait(self, region: str, until: float, ready: Callable[[dict | None], bool]
             ) -> dict | None:
        """The head of a snapshot that is ``ready``, looking every :data:`POLL_SECONDS`
        until ``until`` (:func:`time.monotonic`) or until nobody makes one any more."""
        names = [self.prefix + "head:" + region, self.prefix + "making:" + region]
        while True:
            head, making = self.state.call(lambda: self.state.client.mget(names))
            head = None if head is None else json.loads(head)
            if head is not None and ready(head):
                return head
            if time.monotonic() >= until or making is None:
                return None
            time.sleep(POLL_SECONDS)


def shelves() -> tuple[_LocalShelf, _RedisShelf | None]:
    """The running app's shelves of wall snapshots: this process' and, when the
    deployment has Redis, the deployment's."""
    kept = services.extension().get(SHARE)
    if kept is None:
        state = shared_state.of(services.settings())
        kept = (_LocalShelf(), _RedisShelf(state) if state.kind == "redis" else None)
        services.extension()[SHARE] = kept
    return kept


def snapshot(conn, region_code: str | None, version: int | None,
             make: Callable[[], dict], seen: int | None = None,
             seen_pending: bool = False) -> dict:
    """The wall snapshot of ``region_code`` for data version ``version`` (read here when
    None) to a wall showing version ``seen`` (None: a first picture; ``seen_pending``:
    without its 30-day panels): a kept one that serves (:func:`serves`), this process'
    or the deployment's, else one made by ``make()`` and kept. One thread of a process makes or fetches a region's snapshot
    while the process' others asking for it wait (at most :data:`WAIT_SECONDS`, then
    make their own); with Redis, one worker makes it while the others wait likewise.
    ``make`` returns the snapshot (a dict with ``version`` and ``pending``); the
    snapshot returned is shared: read it, never change it."""
    version = data_version(conn) if version is None else version
    regions = regions_version(conn)
    region = _region_key(region_code)
    local, shared = shelves()

    def ready(head: dict | None) -> bool:
        return serves(head, version, regions, time.time(), seen, seen_pending)

    found = local.served(region, ready)
    if found is not None:
        return found
    if not local.claim(region):
        head = local.wait(region, time.monotonic() + WAIT_SECONDS, ready)
        found = None if head is None else local.body(region, head)
        if found is not None:
            return found
        if not local.claim(region):
            return make()  # the other thread is slow: no waiting on it any longer
    try:
        head, snap = _made(make, version, regions) if shared is None else \
            _deployment(shared, region, ready, make, version, regions)
        local.put(region, head, snap)
        return snap
    finally:
        local.release(region)


def _made(make: Callable[[], dict], version: int, regions: int) -> tuple[dict, dict]:
    made = time.time()
    snap = make()
    return {"version": int(snap.get("version", version)), "regions": regions, "made": made,
            "pending": bool(snap.get("pending")), "id": uuid.uuid4().hex}, snap


def _deployment(shared: _RedisShelf, region: str, ready: Callable[[dict | None], bool],
                make: Callable[[], dict], version: int, regions: int) -> tuple[dict, dict]:
    """The snapshot (and its head) from Redis when one there serves, or made by the
    worker making it (waited for), else made here and put there. Redis unreachable:
    made here."""
    try:
        head = shared.head(region)
        if not ready(head) and not shared.claim(region):
            head = shared.wait(region, time.monotonic() + WAIT_SECONDS, ready)
            if head is None and not shared.claim(region):
                return _made(make, version, regions)  # the other worker is slow
        if head is not None and ready(head):
            snap = shared.body(head)
            if snap is not None:
                return head, snap
    except shared_state.SharedUnavailable:
        return _made(make, version, regions)
    try:
        head, snap = _made(make, version, regions)
        try:
            shared.put(region, head, snap)
        except shared_state.SharedUnavailable:
            pass
        return head, snap
    finally:
        shared.release(region)


# --- the 30-day panels ----------------------------------------------------------------------

def panels_cache() -> dict:
    """The dict the wall's data functions keep their 30-day panels and subtrees in
    (:func:`data.wall.snapshot`'s ``cache``): :class:`SharedPanels` with Redis, a plain
    dict of this process without."""
    kept = services.extension().get(PANELS)
    state = shared_state.of(services.settings())
    wanted = SharedPanels if state.kind == "redis" else dict
    if type(kept) is not wanted:
        kept = SharedPanels(state, kept or {}) if wanted is SharedPanels else dict(kept or {})
        services.extension()[PANELS] = kept
    return kept


class _CountedElsewhere:
    """The count another worker runs, as :func:`data.wall.held_panels` waits for one of
    its own (``wait``): done when that worker's claim is gone."""

    def __init__(self, panels: "SharedPanels", rid) -> None:
        self.panels, self.rid = panels, rid

    def wait(self, timeout: float | None = None) -> bool:
        until = time.monotonic() + (60.0 if timeout is None else timeout)
        while self.panels._claimed_elsewhere(self.rid):
            if time.monotonic() >= until:
                return False
            time.sleep(POLL_SECONDS * 2)
        return True

    def set(self) -> None:
        """Nothing: the other worker's count ends by itself."""


class SharedPanels(dict):
    """:func:`data.wall.held_panels`' cache with the panels (``("slow", region id)``) in
    Redis, and its recount's claim (``("counting", region id)``) held there too, so one
    worker recounts a region's panels and the others read them; every other entry is this
    worker's. Redis unreachable: this worker's own, as without Redis."""

    def __init__(self, state: shared_state.RedisState, initial: dict) -> None:
        super().__init__(initial)
        self.state = state
        self.prefix = state.prefix + "wall:"
        self.me = f"{shared_state.holder_id()}:{uuid.uuid4().hex[:8]}"
        self._read: dict = {}  # region -> (the bytes last read, their value)
        self._release = state.script(shared_state._RELEASE)

    @staticmethod
    def _kind(key) -> str | None:
        return key[0] if isinstance(key, tuple) and len(key) == 2 and key[0] in (
            "slow", "counting") else None

    def _name(self, key) -> str:
        return f"{self.prefix}{key[0]}:{key[1]}"

    def get(self, key, default=None):
        kind = self._kind(key)
        if kind == "slow":
            try:
                held = self.state.call(lambda: self.state.client.get(self._name(key)))
            except shared_state.SharedUnavailable:
                return super().get(key, default)
            if held is None:
                return default
            seen = self._read.get(key)
            if seen is None or seen[0] != held:
                seen = (held, pickle.loads(held))
                self._read[key] = seen
            return seen[1]
        if kind == "counting" and not super().__contains__(key) \
                and self._claimed_elsewhere(key[1]):
            return _CountedElsewhere(self, key[1])
        return super().get(key, default)

    def __getitem__(self, key):
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __setitem__(self, key, value) -> None:
        kind = self._kind(key)
        try:
            if kind == "slow":
                data = pickle.dumps(value)
                self.state.call(lambda: self.state.client.set(self._name(key), data,
                                                              px=6 * 3600 * 1000))
                self._read[key] = (data, value)
                return
            if kind == "counting":
                self.state.call(lambda: self.state.client.set(
                    self._name(key), self.me, nx=True, px=90_000))
        except shared_state.SharedUnavailable:
            pass
        super().__setitem__(key, value)

    def __contains__(self, key) -> bool:
        if self._kind(key) == "counting" and not super().__contains__(key):
            return self._claimed_elsewhere(key[1])
        if self._kind(key) == "slow":
            return self.get(key) is not None
        return super().__contains__(key)

    def pop(self, key, *default):
        if self._kind(key) == "counting" and super().__contains__(key):
            try:
                self.state.call(lambda: self._release(keys=[self._name(key)], args=[self.me]))
            except shared_state.SharedUnavailable:
                pass  # the claim runs out by itself
        return super().pop(key, *default)

    def _claimed_elsewhere(self, rid) -> bool:
        try:
            holder = self.state.call(lambda: self.state.client.get(
                self._name(("counting", rid))))
        except shared_state.SharedUnavailable:
            return False
        return holder is not None and holder.decode() != self.me


_MISSING = object()


# --- the alerts ----------------------------------------------------------------------------

ALERTS = "wall_alerts"


def alerts(region_code: str | None, key: tuple, make: Callable[[], list]) -> list:
    """The wall alerts of ``region_code`` (:func:`data.wall_alerts.wall_alerts`) for
    ``key``, the alerts version and the regions version they were read at: kept in this
    process, one entry per region (the newest :data:`MAX_REGIONS`), and read again by
    ``make()`` as soon as either version moved, so no wall shows alerts older than the
    counter it read. They are not in the region's snapshot (:func:`snapshot`), which is
    keyed by the data version alone: the alerts change after the data (the background
    job recomputes them) and with time alone (a case becomes stuck). Reading them again
    costs one statement, so each worker reads its own (no Redis). The list returned is
    shared: read it, never change it."""
    kept = services.extension().get(ALERTS)
    if kept is None:
        kept = services.extension().setdefault(ALERTS, _KeptAlerts())
    return kept.get(_region_key(region_code), key, make)


class _KeptAlerts:
    """The last alerts read per region, by key, in this process."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[tuple, list]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, region: str, key: tuple, make: Callable[[], list]) -> list:
        with self._lock:
            held = self._kept.get(region)
        if held is not None and held[0] == key:
            return held[1]
        found = make()
        with self._lock:
            self._kept[region] = (key, found)
            self._kept.move_to_end(region)
            while len(self._kept) > MAX_REGIONS:
                self._kept.popitem(last=False)
        return found
