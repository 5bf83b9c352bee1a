"""Benchmark of the wall's early warnings (callbacks/wall_alerts.py, data/wall_alerts.py):
what they add to a wall's refresh, on the demo county with its alerts computed.

    cp /work/benchdata/county.sqlite3 /tmp/wall.sqlite3
    DATABASE_URL=sqlite:////tmp/wall.sqlite3 .venv/bin/python -m dashboard alerts --refresh
    .venv/bin/python bench/wall_alerts.py --url sqlite:////tmp/wall.sqlite3 [--repeat 41]

Changes the store it is given (``BENCH-`` cases, the alerts counter moved): use a copy.
Times, median and p95 of ``--repeat`` runs each, for the county's wall with the alert
panel (``?panel=alerts``: every open red and orange alert of the county) and a town's:

* the versions a refresh reads first: the data version alone (before) and the data,
  alerts and regions versions in one statement (now): the cost added when nothing
  changed;
* a refresh when nothing changed ("alive");
* a refresh when only the alerts changed (the counter moved: the wall cannot tell what
  changed, so this is its cost for any change): the alerts read again, the markers, the
  count and the rows compared and sent; and its parts: the read alone
  (:func:`data.wall_alerts.wall_alerts`) and the values (:func:`alert_values`);
* the same for two walls of the region, one after the other: the second finds them kept;
* a refresh when only the data changed (a new case): the alerts are not read (counted);
* a refresh when both changed.

The machine is shared and noisy: read medians. Results: printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wall import CaseFeed, _apply_state, walk_components  # noqa: E402
from callbacks import wall as wall_callbacks  # noqa: E402
from callbacks import wall_alerts as alerts_callbacks  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import store, users  # noqa: E402
from data.alerts import book  # noqa: E402
from data.regions import children_of, root_region  # noqa: E402
from data.wall_alerts import wall_alerts, wall_versions  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
                            * 1000, 2), "n": len(ordered)}


def _timed(work, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return _stats(times)


class _Counted:
    """Counts the wall's reads of the alerts (the refresh must skip them when only the
    data moved)."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, conn, region_code):
        self.reads += 1
        return wall_alerts(conn, region_code)


def _bump_alerts(engine) -> None:
    with store.transaction(engine) as conn:
        store.next_serial(conn, book.ALERTS_VERSION)


def bench_wall(app, engine, token: str, search: str, repeat: int, feed: CaseFeed,
               counted: _Counted) -> dict[str, object]:
    out: dict[str, object] = {"address": f"/wall{search}"}
    with app.server.test_request_context(headers={"X-Display-Token": token}):
        page = wall_callbacks.render_wall(search)
        state = next(c.data for c in walk_components(page)
                     if getattr(c, "id", None) == "wall-state")
        started = time.perf_counter()
        while state.get("pending") and time.perf_counter() - started < 600:
            time.sleep(0.1)
            _apply_state(state, wall_callbacks.refresh_wall(1, state)[7])
        with engine.connect() as conn:
            region = state.get("region")
            out["alerts_shown"] = len(wall_alerts(conn, region))
            out["read_versions_before"] = _timed(lambda: store.data_version(conn), repeat * 5)
            out["read_versions_now"] = _timed(lambda: wall_versions(conn), repeat * 5)
            out["read_alerts"] = _timed(lambda: wall_alerts(conn, region), repeat)
            alerts = wall_alerts(conn, region)
        out["alert_values"] = _timed(
            lambda: alerts_callbacks.alert_values(alerts, state, state["lang"]), repeat)

        def refresh():
            _apply_state(state, wall_callbacks.refresh_wall(1, state)[7])

        out["refresh_unchanged"] = _timed(refresh, repeat)

        def series(change) -> dict[str, float]:
            times = []
            for _ in range(repeat):
                change()
                start = time.perf_counter()
                refresh()
                times.append(time.perf_counter() - start)
            return _stats(times)

        reads = counted.reads
        out["refresh_alerts_changed"] = series(lambda: _bump_alerts(engine))
        out["alerts_reads_when_alerts_changed"] = counted.reads - reads
        # a second wall of the region after the first: the alerts are kept, not read
        other = next(c.data for c in walk_components(wall_callbacks.render_wall(search))
                     if getattr(c, "id", None) == "wall-state")
        firsts, seconds = [], []
        for _ in range(repeat):
            _bump_alerts(engine)
            for asking, times in ((state, firsts), (other, seconds)):
                start = time.perf_counter()
                _apply_state(asking, wall_callbacks.refresh_wall(1, asking)[7])
                times.append(time.perf_counter() - start)
        out["refresh_alerts_changed_first_wall"] = _stats(firsts)
        out["refresh_alerts_changed_second_wall"] = _stats(seconds)
        reads = counted.reads
        out["refresh_data_changed"] = series(feed.add)
        out["alerts_reads_when_data_changed"] = counted.reads - reads
        out["refresh_both_changed"] = series(lambda: (feed.add(), _bump_alerts(engine)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a copy of a store with its alerts")
    parser.add_argument("--repeat", type=int, default=41)
    args = parser.parse_args()
    app = create_app(Settings(database_url=args.url, wall_refresh_seconds=1))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    counted = _Counted()
    alerts_callbacks.wall_alerts = counted  # the refresh's reads, counted
    feed = CaseFeed(args.url)
    token = users.create_display_token(engine, None, label="bench")
    with engine.connect() as conn:
        town = children_of(conn, root_region(conn, None))[0].code
    results = []
    try:
        for search in ("?panel=alerts", f"?region={town}&panel=alerts", ""):
            results.append(bench_wall(app, engine, token, search, args.repeat, feed, counted))
    finally:
        users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
