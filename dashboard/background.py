"""Background work that runs once per deployment, not once per worker.

:class:`Background` runs jobs (the demo feed, the console's cache warming) while this
process leads: a leader lock (:meth:`dashboard.shared_state.SharedState.leader_lock`: a
Redis key with a lifetime the leader renews; without Redis a PostgreSQL session advisory
lock; on SQLite the process itself) is tried by every worker, held by one, renewed every
few seconds, and taken over by another when the leader stops (it lets go at once) or dies
(its Redis key runs out, or its PostgreSQL session ends with it).

Each change of leadership is one line on stderr (``background work: ...``), so an
operator (and a test) can see which process leads.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable

from dashboard.shared_state import LeaderLock, holder_id


def _say(line: str) -> None:
    print(f"background work: {line}", file=sys.stderr, flush=True)


class Background:
    """Jobs run every few seconds by the one process holding ``lock``.

    ``add(name, every, job)`` before :meth:`start`; each job runs in its own thread,
    ``every`` seconds apart, only while this process leads (a job already running when
    leadership is lost finishes its round)."""

    def __init__(self, lock: LeaderLock) -> None:
        self.lock = lock
        self.leading = threading.Event()
        self.stopping = threading.Event()
        self._jobs: list[tuple[str, float, Callable[[], None], bool]] = []
        self._threads: list[threading.Thread] = []

    def add(self, name: str, every: float, job: Callable[[], None],
            at_once: bool = False) -> None:
        """Run ``job`` every ``every`` seconds while leading (``at_once``: also as soon as
        leadership is taken)."""
        self._jobs.append((name, every, job, at_once))

    def start(self) -> "Background":
        if not self._jobs:
            return self  # nothing to lead
        self._threads = [threading.Thread(target=self._lead, name="leader", daemon=True)]
        self._threads += [threading.Thread(target=self._run, args=job, name=job[0],
                                           daemon=True) for job in self._jobs]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop the jobs and let another process take over at once."""
        self.stopping.set()
        if self.leading.is_set():
            self.leading.clear()
            self.lock.release()
            _say(f"{holder_id()} stopped leading")

    def _lead(self) -> None:
        while not self.stopping.is_set():
            try:
                held = self.lock.renew() if self.leading.is_set() else self.lock.acquire()
            except Exception as exc:  # noqa: BLE001 - Redis or the store down: try again
                held = False
                if self.leading.is_set():
                    _say(f"{holder_id()} cannot renew its lead ({exc})")
            if held and not self.leading.is_set() and not self.stopping.is_set():
                self.leading.set()
                _say(f"{holder_id()} leads ({', '.join(j[0] for j in self._jobs)})")
            elif not held and self.leading.is_set():
                self.leading.clear()
                _say(f"{holder_id()} lost the lead")
            self.stopping.wait(self.lock.renew_every)

    def _run(self, name: str, every: float, job: Callable[[], None], at_once: bool) -> None:
        while not self.stopping.is_set():
            self.leading.wait()
            if self.stopping.is_set():
                return
            if not at_once and self.stopping.wait(every):
                return
            if self.leading.is_set():
                try:
                    job()
                except Exception as exc:  # noqa: BLE001 - a failed round only costs a round
                    print(f"{name}: {exc}", file=sys.stderr, flush=True)
            if at_once and self.stopping.wait(every):
                return
