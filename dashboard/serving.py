"""``serve``: one process with waitress, or ``--workers N`` gunicorn worker processes.

:func:`serve` does, once, in the process that was started: open the store (refused when a SQLite
file does not exist or the store holds no regions, unless ``--demo-if-empty`` asks for the
demo county there), make the signing key, print the demo's accounts and wall address, or
the commands that make the first admin and a wall address on a store with no accounts.
Then:

* ``--workers 1`` (the default): the app in this process, served by waitress
  (:func:`dashboard.http_guard.make_server`);
* ``--workers N`` (N > 1, PostgreSQL only): gunicorn's ``gthread`` workers, each with
  ``Settings.server_threads`` threads, bound to ``--host``:``--port``. Each worker makes its
  own app after the fork (:class:`WorkerApp`): engines and Redis connections are never
  shared across a fork.

Every process serving runs :func:`start_background`: the deployment's background work (the
demo feed, the console's cache warming) runs in the one process that leads
(:mod:`dashboard.background`). ``dashboard/wsgi.py`` serves the same app to a gunicorn
started by hand.
"""

from __future__ import annotations

import atexit
import signal
import socket
import sys
import time
from typing import Callable

from dash import Dash
from sqlalchemy import Engine, make_url

from dashboard import (
    console_cache, heap, logs, own_address, progress, shared_state, signing_key,
)
from dashboard.app import create_app
from dashboard.cli_common import DEMO_COMMAND, missing_sqlite_file, store_address
from dashboard.background import Background
from dashboard.settings import Settings
from data import store
from data.alerts import book as alert_book
from data.alerts import params as alert_params
from data.demo import feed
from layouts.text import t

#: Seconds between two steps of the demo feed.
FEED_SECONDS = 10.0
#: Seconds between two looks at whether the alerts need recomputing (one read of ``meta``
#: when nothing changed; a recompute, ~1.2 s on the county demo, when the data did): an
#: alert is in the store within this plus one recompute of the cases that raise it,
#: inside one wall refresh (10 s) while the data changes no more often than that.
ALERTS_SECONDS = 2.0
#: A recompute of ``t`` seconds is followed by none for ``ALERTS_PACE * t`` seconds.
ALERTS_PACE = 5.0


class ServeRefused(Exception):
    """``serve`` cannot run as asked; ``key`` and ``values`` say why and what to do
    instead (``layouts.cli_words``), in the run's language; ``str()`` is English."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(t(key, "en", **values))
        self.key, self.values = key, values


def check_workers(workers: int, settings: Settings) -> None:
    """Refuse ``--workers N`` that cannot work: below 1, or above 1 on SQLite (whose one
    writer lock, data/intake/create.py ``_SQLITE_WRITER``, holds within one process);
    before the store is opened."""
    if workers < 1:
        raise ServeRefused("cli_workers_min", workers=workers)
    url = store_address(settings)
    if workers > 1 and url is not None and url.get_backend_name() == "sqlite":
        raise ServeRefused("cli_workers_sqlite", workers=workers)


def check_store_exists(settings: Settings, demo_if_empty: bool) -> None:
    """Refuse a SQLite store whose file does not exist (a mistyped path would otherwise
    become a new folder with a fresh demo county in it), unless ``--demo-if-empty`` asks
    for the demo there. Before the store is opened, which would make the file."""
    missing = None if demo_if_empty else missing_sqlite_file(settings)
    if missing is None:
        return
    path, url = missing
    raise ServeRefused("cli_store_missing", path=path, demo=DEMO_COMMAND, url=url)


def demo_feed_job(engine: Engine, every: float = FEED_SECONDS) -> Callable[[], None] | None:
    """On the demo county, one step of the world moving (new cases, cases moving along,
    patrols) to run every ``every`` seconds; None on a store of real data, never touched."""
    with engine.connect() as conn:
        if store.get_meta(conn, "source") != "demo":
            return None
    return lambda: feed.step(engine, seconds=every)


class AlertsJob:
    """The early-warning rules brought up to date (:func:`data.alerts.book.ensure_current`),
    once per deployment: the walls, consoles and briefings only read the alerts.

    Called every :data:`ALERTS_SECONDS`; after a recompute that took ``t`` seconds the
    next waits until ``ALERTS_PACE * t`` have passed, so a store whose data changes all
    the time spends at most about a fifth of one core on the rules (~1.2 s of every ~6 s
    on the county demo), not all of it."""

    def __init__(self, engine: Engine, rule_params: dict,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.rule_params, self.clock = engine, rule_params, clock
        self.not_before = 0.0

    def __call__(self) -> None:
        if self.clock() < self.not_before:
            return
        started = self.clock()
        done = alert_book.ensure_current(self.engine, rule_params=self.rule_params)
        if done is not None:
            self.not_before = started + ALERTS_PACE * (self.clock() - started)


def start_background(app: Dash, settings: Settings, with_feed: bool,
                     feed_every: float = FEED_SECONDS) -> list[Background]:
    """The background work of a serving process: the deployment's (the demo feed; the
    alerts' recompute; the console's warming when its counts are shared in Redis) while
    this process leads; the
    process' own (the console's warming of its own counts, without Redis; its free heap
    given back to the OS, :mod:`dashboard.heap`, whose arenas are limited first)."""
    heap.limit_arenas()
    engine = app.server.extensions["grid_dashboard"]["engine"]
    state = shared_state.of(settings)
    deployment = Background(state.leader_lock(engine))
    job = demo_feed_job(engine, feed_every) if with_feed else None
    if job is not None:
        deployment.add("demo-feed", feed_every, job)
    rule_params = app.server.extensions["grid_dashboard"]["alert_params"]
    deployment.add("alerts", ALERTS_SECONDS, AlertsJob(engine, rule_params), at_once=True)
    warm = ("console-prewarm", console_cache.PREWARM_SECONDS, console_cache.PacedPrewarm(app))
    own = Background(shared_state.LeaderLock())  # this process alone: it always leads
    (deployment if state.kind == "redis" else own).add(*warm, at_once=True)
    own.add("heap-trim", heap.TRIM_SECONDS, heap.trim)
    running = [deployment.start(), own.start()]
    atexit.register(stop_background, running)  # a stopping worker lets its lead go at once
    return running


def stop_background(running: list[Background]) -> None:
    for background in running:
        background.stop()


def prepare(engine: Engine, settings: Settings, demo_if_empty: bool = False,
            lang: str = "zh") -> str:
    """What happens once per ``serve``, before any worker: the demo county in a store that
    holds no regions when ``demo_if_empty`` says so (else :class:`ServeRefused`: an empty
    dashboard serves nothing, and nobody gets a demo they did not ask for), and the
    session-signing key (made now, so workers never race to make it)."""
    from data.demo import county  # the builder is big: loaded when serving only

    alert_params.load(settings.alert_rules or None)  # a bad rules file: one line, before any worker
    if store.holds_no_regions(engine):
        if not demo_if_empty:
            url = make_url(settings.database_url).render_as_string(hide_password=True)
            raise ServeRefused("cli_store_empty", url=url, demo=DEMO_COMMAND)
        print(t("cli_serve_building_demo", lang), flush=True)
        with progress.shown(False, lang) as shown:
            report = county.build_demo(engine, progress=shown)
        print(t("cli_serve_demo_ready", lang, grids=report.grids, cases=report.cases),
              flush=True)
    return signing_key.signing_key(settings, engine)


def feed_words(every: float, lang: str) -> str:
    """The line ``serve`` says the demo feed with: a step every ``every`` seconds, and how
    often a new case arrives by day and by night (:mod:`data.demo.feed`'s rates)."""
    def minutes(factor: float) -> str:
        return f"{1 / (feed.CASES_PER_MINUTE * factor):.0f}"

    return t("cli_serve_feed", lang, every=f"{every:g}", busy=minutes(feed.BUSY),
             quiet=minutes(feed.QUIET), busy_from=feed.BUSY_HOURS[0],
             busy_to=feed.BUSY_HOURS[1])


def serve_one(settings: Settings, host: str, port: int, with_feed: bool,
              feed_every: float = FEED_SECONDS) -> None:
    """waitress in this process, until stopped (SIGTERM or Ctrl-C): then the lead (if
    held) is let go at once, for another server on the store to take over."""
    from dashboard.http_guard import make_server

    app = create_app(settings)
    own_address.record(app, host, port)  # where /briefing.pdf's browser opens it
    running = start_background(app, settings, with_feed, feed_every)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    logs.configure(settings)  # the level, one handler, a line per request at INFO
    try:
        make_server(app, host, port, settings).run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop_background(running)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(0)


def gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict:
    """gunicorn's settings for ``serve --workers N``: gthread workers with the server's
    threads, the connection limit, idle connections kept ``idle_timeout`` seconds, a deep
    backlog, a worker timeout past the longest print, the log level."""
    return {
        "bind": [f"{host}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": settings.server_threads,
        "worker_connections": settings.connection_limit,
        "keepalive": settings.idle_timeout,
        "backlog": 2048,
        "timeout": max(60, settings.print_timeout_seconds + 60),
        "graceful_timeout": 10,
        "loglevel": settings.log_level.lower(),
        "proc_name": "dashboard",
        "preload_app": False,  # each worker makes its app after the fork
        "control_socket_disable": True,  # one path per machine: two servers would clash
    }


def serve_workers(settings: Settings, host: str, port: int, workers: int,
                  with_feed: bool, feed_every: float = FEED_SECONDS) -> None:
    """gunicorn's arbiter with ``workers`` worker processes, until stopped."""
    WorkerApp(settings, gunicorn_options(settings, host, port, workers), host, port,
              with_feed, feed_every).run()


def _gunicorn_base():
    from gunicorn.app.base import BaseApplication
    return BaseApplication


class WorkerApp(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn serving the dashboard: the app is made in each worker, after its fork."""

    def __init__(self, settings: Settings, options: dict, host: str, port: int,
                 with_feed: bool, feed_every: float = FEED_SECONDS) -> None:
        self.settings = settings
        self.options = options
        self.host, self.port, self.with_feed = host, port, with_feed
        self.feed_every = feed_every
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        logs.configure(self.settings)  # in the worker, after its fork
        app = create_app(self.settings)
        own_address.record(app, self.host, self.port)
        start_background(app, self.settings, self.with_feed, self.feed_every)
        return app.server


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is no port (listening on ``port % 65536`` while
    printing addresses that do not work) or one another program holds, before anything
    starts."""
    if not 1 <= port <= 65535:
        raise ServeRefused("cli_port_range", port=port)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ServeRefused("cli_host_bad", host=host, reason=exc.strerror) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServeRefused("cli_port_taken", port=port, host=host,
                               reason=exc.strerror) from None


def serve(settings: Settings, host: str, port: int, workers: int, with_feed: bool,
          announce: Callable[[Engine, str, str], None],
          feed_every: float = FEED_SECONDS, demo_if_empty: bool = False,
          lang: str = "zh") -> None:
    """``python -m dashboard serve`` (see the module); ``lang`` words what it prints."""
    if not feed_every > 0:
        raise ServeRefused("cli_feed_every", value=f"{feed_every:g}")
    check_port(host, port)
    check_workers(workers, settings)
    check_store_exists(settings, demo_if_empty)
    logs.configure(settings)
    engine = store.make_engine(settings.database_url)
    store.init_db(engine)
    key = prepare(engine, settings, demo_if_empty, lang)
    announce(engine, f"http://{host}:{port}", key)
    if with_feed and demo_feed_job(engine) is not None:
        print(feed_words(feed_every, lang), flush=True)
    if workers > 1 and not settings.redis_url:
        print(t("cli_serve_no_redis", lang), file=sys.stderr, flush=True)
    engine.dispose()  # nothing of this process' store is carried into a worker
    print(t("cli_serving_workers" if workers > 1 else "cli_serving", lang, host=host,
            port=port, workers=workers), flush=True)
    if workers > 1:
        serve_workers(settings, host, port, workers, with_feed, feed_every)
    else:
        serve_one(settings, host, port, with_feed, feed_every)
