"""The console's server-side caches, and the job that keeps them warm.

A service of the running app (kept on its ``server.extensions``, :mod:`dashboard.services`):
the region view's counts (:func:`region_view`, kept a minute, forgotten after an action on
cases by :func:`forget_counts`) and the map's shapes (:func:`shapes`, kept per regions
version). :func:`prewarm_once` counts every region's default view; ``serve`` runs it every
:data:`PREWARM_SECONDS` as background work of the deployment's leader
(:mod:`dashboard.background`), never on import or in ``create_app``, and skips the rounds
after which commanders' actions forgot the counts (:class:`PacedPrewarm`).

Several workers: the counts live where :mod:`dashboard.shared_state` keeps things. With
Redis they are shared: what one worker counted (or the leader warmed) serves every worker,
and :func:`forget_counts` moves a counter in Redis that every worker's keys carry, so a
commander's action shows at once whichever worker answers next. Without Redis each worker
keeps its own (the leader's warming helps the leader only), and an action forgets the
counts of the worker that ran it; the others' show it within :data:`RESULTS_SECONDS`.

It imports neither the app factory nor callbacks.
"""

from __future__ import annotations

from datetime import datetime

from dash import Dash

from dashboard import services, shared_state
from data import region_view as views
from data.store import regions_version, utcnow

RESULTS_CACHE = "console_results"
RESULTS_SECONDS = 60
PREWARM_SECONDS = 30
SHAPES_CACHE = "console_shapes"
#: the counter :func:`forget_counts` moves (shared by the workers with Redis)
FORGOTTEN = "console_counts_forgotten"


def region_view(conn, code: str | None, flt, now: datetime) -> dict:
    """:func:`data.region_view.region_view` with the server's one
    :class:`data.metrics.ResultCache`: every region's cases are counted once per period,
    filter and minute, and later views (a drill down, the back button, another commander)
    only add up what is kept.

    The counts are kept for :data:`RESULTS_SECONDS` whatever comes in meanwhile (as the
    wall's 30-day panels): a centre's intake changes the store every few seconds, and
    counts keyed by its version would never be reused. A commander's own action forgets
    them (:func:`forget_counts`), so its effect shows at once."""
    return views.region_view(conn, code, flt, now, cache=results_cache())


def results_cache() -> "_Forgettable":
    """The running app's cache of the region view's counts (in Redis when shared)."""
    kept = services.extension().get(RESULTS_CACHE)
    if kept is None:
        state = shared_state.of(services.settings())
        kept = _Forgettable(state.results_cache(size=96, max_age=RESULTS_SECONDS), state)
        services.extension()[RESULTS_CACHE] = kept
    return kept


class _Forgettable:
    """A results cache whose keys carry :data:`FORGOTTEN`'s count: moving it on
    (:func:`forget_counts`) makes every later key new, in every worker that shares it."""

    def __init__(self, cache, state: shared_state.SharedState) -> None:
        self.cache = cache
        self.state = state
        self.max_age = cache.max_age

    def key(self, conn, *parts) -> tuple:
        try:
            forgotten = self.state.counter(FORGOTTEN)
        except shared_state.SharedUnavailable:
            forgotten = -1  # Redis down: nothing is found, the counts are made
        return (*self.cache.key(conn, *parts), forgotten)

    def get(self, key: tuple):
        return None if key[-1] == -1 else self.cache.get(key)

    def get_or_compute(self, key: tuple, make):
        return make() if key[-1] == -1 else self.cache.get_or_compute(key, make)

    def __len__(self) -> int:
        return len(self.cache)


def prewarm_once(app: Dash, now: datetime | None = None) -> None:
    """Count every region's figures of the default view into the server's cache, so
    the next click on any region only adds up (:func:`data.region_view.prewarm`)."""
    with app.server.app_context():
        with services.engine().connect() as conn:
            views.prewarm(conn, results_cache(), utcnow() if now is None else now)


class PacedPrewarm:
    """:func:`prewarm_once` as background work (``serve``, every :data:`PREWARM_SECONDS`),
    skipping the rounds that would be wasted: while commanders act, every action forgets
    the counts (:func:`forget_counts`), and a city's warming (seconds of work) was
    forgotten within seconds of being made, every round. A round warms only when no
    action forgot the counts since the previous round; the first round always warms."""

    def __init__(self, app: Dash) -> None:
        self.app = app
        self.seen: int | None = None  # the forgetting counter after the last round

    def _forgotten(self) -> int | None:
        with self.app.server.app_context():
            try:
                return shared_state.of(services.settings()).counter(FORGOTTEN)
            except shared_state.SharedUnavailable:
                return None

    def __call__(self) -> bool:
        """One round; True when it warmed."""
        now = self._forgotten()
        if self.seen is not None and now != self.seen:
            self.seen = now  # acted on since: the next calm round warms
            return False
        prewarm_once(self.app)
        self.seen = self._forgotten()
        return True


def forget_counts() -> None:
    """Forget the kept counts: the next view counts afresh (after an action on cases),
    in every worker that shares them. Redis down: this worker's own are dropped."""
    try:
        shared_state.of(services.settings()).bump(FORGOTTEN)
    except shared_state.SharedUnavailable:
        pass
    services.extension().pop(RESULTS_CACHE, None)


def shapes(conn, code: str | None) -> dict:
    """The map's shapes of region ``code``, made once per region and regions version
    (:func:`data.store.regions_version`, moved on by every import of regions): the next
    click after an import draws the new boundaries. Older versions' shapes are let go."""
    version = regions_version(conn)
    kept = services.extension().setdefault(SHAPES_CACHE, {})
    if kept.get("version") != version:  # replaced whole: a reader holds the old dict
        kept = {"version": version, "shapes": {}}
        services.extension()[SHAPES_CACHE] = kept
    cache = kept["shapes"]
    if code not in cache:
        cache[code] = views.region_shapes(conn, code)
    return cache[code]
