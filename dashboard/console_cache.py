"""The console's server-side caches, and the thread that keeps them warm.

A service of the running app (kept on its ``server.extensions``, :mod:`dashboard.services`):
the region view's counts (:func:`region_view`, kept a minute, forgotten after an action on
cases by :func:`forget_counts`) and the map's shapes (:func:`shapes`, kept per regions
version). :func:`start_prewarm` counts every region's default view in a background thread
while the server runs (``serve`` starts it, never an import or ``create_app``).

It imports neither the app factory nor callbacks.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime

from dash import Dash

from dashboard import services
from data import console, metrics
from data.store import regions_version, utcnow

RESULTS_CACHE = "console_results"
RESULTS_SECONDS = 60
PREWARM_SECONDS = 30
SHAPES_CACHE = "console_shapes"


def region_view(conn, code: str | None, flt, now: datetime, lang: str) -> dict:
    """:func:`data.console.region_view` with the server's one
    :class:`data.metrics.ResultCache`: every region's cases are counted once per period,
    filter and minute, and later views (a drill down, the back button, another commander)
    only add up what is kept.

    The counts are kept for :data:`RESULTS_SECONDS` whatever comes in meanwhile (as the
    wall's 30-day panels): a centre's intake changes the store every few seconds, and
    counts keyed by its version would never be reused. A commander's own action forgets
    them (:func:`forget_counts`), so its effect shows at once."""
    return console.region_view(conn, code, flt, now, lang=lang, cache=results_cache())


def results_cache() -> "metrics.ResultCache":
    """The running app's cache of the region view's counts."""
    return services.extension().setdefault(
        RESULTS_CACHE, metrics.ResultCache(size=96, max_age=RESULTS_SECONDS))


def prewarm_once(app: Dash, now: datetime | None = None) -> None:
    """Count every region's figures of the default view into the server's cache, so
    the next click on any region only adds up (:func:`data.console.prewarm`)."""
    with app.server.app_context():
        with services.engine().connect() as conn:
            console.prewarm(conn, results_cache(), utcnow() if now is None else now)


def start_prewarm(app: Dash, every: float = PREWARM_SECONDS) -> threading.Thread:
    """Keep the default view's counts warm while the server runs: :func:`prewarm_once`
    now and every ``every`` seconds, in a background thread (started by ``serve``, never
    on import or by ``create_app``)."""
    pause = threading.Event()  # never set: its wait is the thread's sleep

    def run() -> None:
        while True:
            try:
                prewarm_once(app)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs speed
                print(f"console prewarm: {exc}", file=sys.stderr, flush=True)
            pause.wait(every)

    thread = threading.Thread(target=run, name="console-prewarm", daemon=True)
    thread.start()
    return thread


def forget_counts() -> None:
    """Drop the kept counts: the next view counts afresh (after an action on cases)."""
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
        cache[code] = console.region_shapes(conn, code)
    return cache[code]
