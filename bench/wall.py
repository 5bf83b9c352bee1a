"""Benchmark of the wall: server time and bytes of a refresh, first render, browser memory.

    .venv/bin/python bench/wall.py [--grids 1000 10000] [--cases 1000000] [--repeat 200]
                                   [--warm-minutes 5] [--soak-minutes 60] [--store PATH]

For each size it builds (once, kept under bench/data/) a demo store with that many grids and
cases, then measures on SQLite:

* server time of a refresh when nothing changed (a version read) and when a case arrived
  (median and p95), calling the refresh callback inside the app as Dash does, the page
  applying each answer's state (its version and page token) as the browser does;
* bytes a changed refresh sends, against the first load (the layout with the map);
* time to the first complete picture in headless Chromium (every grid drawn);
* the page's JS heap (Chromium's ``performance.memory`` after a forced GC) over
  ``--soak-minutes`` of 1-second refreshes with a case arriving every few seconds, from the
  end of a ``--warm-minutes`` warm-up (and from the load, for comparison).

``--store PATH`` measures an existing SQLite store instead (one ``--grids`` size; a copy
upgraded with ``python -m dashboard db upgrade``): the refreshes add cases to it. ``--url``
measures any store by its address, e.g. the city demo on PostgreSQL (``--grids 10000
--no-browser --url postgresql+psycopg://...``), adding ``BENCH-`` cases to it.

The machine is shared and noisy: read medians and ratios. Results: bench/results/wall.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from callbacks import wall as wall_callbacks  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import users  # noqa: E402
from data import store  # noqa: E402
from data.demo import county  # noqa: E402
from data.models import Case, Region  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per refresh

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SCALE_OF = {1000: "county", 10000: "city"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--enable-precise-memory-info", "--js-flags=--expose-gc"]


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "runs": len(ordered)}


def _store(grids: int, cases: int) -> str:
    path = DATA / f"wall-{grids}-{cases}.sqlite3"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        engine = store.make_engine(f"sqlite:///{path}.tmp")
        report = county.build_demo(engine, scale=SCALE_OF[grids], seed=42, cases=cases)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.move(f"{path}.tmp", path)
        print(f"built {path.name}: {report.cases} cases, {report.grids} grids "
              f"in {report.seconds:.0f} s", flush=True)
    return f"sqlite:///{path}"


def _json_size(value) -> int:
    return len(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder).encode())


class CaseFeed:
    """Adds a case to a random grid of the store, as an intake would."""

    def __init__(self, url: str) -> None:
        self.engine = store.make_engine(url)
        with self.engine.connect() as conn:
            self.grids = [row for row in conn.execute(
                select(Region.id, Region.centroid_lon, Region.centroid_lat)
                .where(Region.depth == select(Region.depth).order_by(Region.depth.desc())
                       .limit(1).scalar_subquery()))]
        self.n = 0

    def add(self) -> None:
        grid, lon, lat = random.choice(self.grids)
        self.n += 1
        with store.transaction(self.engine) as conn:
            conn.execute(insert(Case).values(
                code=f"BENCH-{time.time_ns()}-{self.n}", status="reported",
                location_method="point", region_id=grid, reported_at=store.utcnow(),
                lon=lon, lat=lat, subcategory="暴露垃圾", category="市容环境",
                case_class="incident", source="hotline", version=1, urgent=False))
            store.bump_data_version(conn)


def bench_server(url: str, repeat: int) -> dict[str, object]:
    app = create_app(Settings(database_url=url, wall_refresh_seconds=1))
    feed = CaseFeed(url)
    out: dict[str, object] = {}
    engine = app.server.extensions["grid_dashboard"]["engine"]
    token = users.create_display_token(engine, None, label="bench")  # the wall asks as itself
    with app.server.test_request_context(headers={"X-Display-Token": token}):
        start = time.perf_counter()
        page = wall_callbacks.render_wall("")
        out["first_load_server_ms"] = round((time.perf_counter() - start) * 1000, 1)
        encoding = time.perf_counter()  # the JSON Dash sends (the same encoder)
        out["first_load_bytes"] = _json_size(page)
        out["first_load_encode_ms"] = round((time.perf_counter() - encoding) * 1000, 1)
        state = next(c.data for c in walk_components(page)
                     if getattr(c, "id", None) == "wall-state")
        # a wall shown before its 30-day panels were counted (a cold city) gets them with
        # its refreshes: the time until then, as a page refreshing every 0.1 s sees it
        out["first_load_pending"] = bool(state.get("pending"))
        while state.get("pending") and time.perf_counter() - start < 600:
            time.sleep(0.1)
            _apply_state(state, wall_callbacks.refresh_wall(1, state)[7])
        out["complete_picture_server_ms"] = round((time.perf_counter() - start) * 1000, 1)
        # the 30-day panels are counted once a minute, not per refresh: warm them as a
        # running wall has them
        unchanged = []
        for _ in range(repeat):
            start = time.perf_counter()
            wall_callbacks.refresh_wall(1, state)
            unchanged.append(time.perf_counter() - start)
        changed, sizes = [], []
        for _ in range(max(20, repeat // 4)):
            feed.add()
            start = time.perf_counter()
            result = wall_callbacks.refresh_wall(1, state)
            changed.append(time.perf_counter() - start)
            sizes.append(_json_size([r for r in result if r is not wall_callbacks.no_update]))
            _apply_state(state, result[7])
    users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    out["unchanged_refresh"] = _stats(unchanged)
    out["changed_refresh"] = _stats(changed)
    out["changed_refresh_bytes_median"] = int(statistics.median(sizes))
    out["changed_bytes_vs_first_load"] = round(statistics.median(sizes) /
                                               out["first_load_bytes"], 4)
    return out


def _apply_state(state: dict, answer) -> None:
    """Apply a refresh's answer to the page's state as the browser does: its ``Patch``
    (the new version and page token) or a whole new state."""
    if answer is wall_callbacks.no_update:
        return
    if isinstance(answer, dict):
        state.clear()
        state.update(answer)
        return
    for op in answer.to_plotly_json()["operations"]:
        if op["operation"] == "Assign" and len(op["location"]) == 1:
            state[op["location"][0]] = op["params"]["value"]


def walk_components(component):
    """``component`` and every component under it (the wall's page is a tree)."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk_components(child)
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from walk_components(children)


def bench_browser(url: str, grids: int, soak_minutes: float,
                  warm_minutes: float = 5) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    app = create_app(Settings(database_url=url, wall_refresh_seconds=1))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = app.server.extensions["grid_dashboard"]["engine"]
    token = users.create_display_token(engine, None, label="bench")  # a wall's own address
    address = f"http://127.0.0.1:{server.server_port}/wall?token={token}"
    feed = CaseFeed(url)
    out: dict[str, object] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        renders = []
        for _ in range(3):
            start = time.perf_counter()
            page.goto(address)
            page.wait_for_function(
                f"document.querySelectorAll('.wall-map .choroplethlocation').length >= {grids}",
                timeout=180_000)
            renders.append(time.perf_counter() - start)
        out["first_render"] = _stats(renders)
        # the hour runs in a page of its own (its own renderer), so the start reading
        # carries nothing of the three loads above
        page.close()
        page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        page.goto(address)
        page.wait_for_function(
            f"document.querySelectorAll('.wall-map .choroplethlocation').length >= {grids}",
            timeout=180_000)
        heap = "() => { window.gc && window.gc(); return performance.memory.usedJSHeapSize; }"
        nodes = "() => document.getElementsByTagName('*').length"
        refreshes = []
        page.on("response", lambda r: refreshes.append(1)
                if "_dash-update-component" in r.url else None)
        page.wait_for_timeout(5000)
        out["gc_forced"] = page.evaluate("() => typeof window.gc === 'function'")
        load_bytes = page.evaluate(heap)
        out["dom_nodes_start"] = page.evaluate(nodes)
        began = time.monotonic()
        stop = began + (warm_minutes + soak_minutes) * 60
        samples = [(0.0, load_bytes)]
        while time.monotonic() < stop:
            feed.add()
            page.wait_for_timeout(3000)
            samples.append((time.monotonic() - began, page.evaluate(heap)))
        out["warm_minutes"] = warm_minutes
        out["soak_minutes"] = soak_minutes
        out["cases_added"] = feed.n
        out["refreshes_answered"] = len(refreshes)

        def at(minute: float) -> float:
            return next((b for t, b in samples if t >= minute * 60), samples[-1][1])

        # The first minutes are a warm-up the page goes through once: V8 compiling the
        # refresh's hot paths and the browser's bounded timing buffers filling (see
        # bench/wall_heap.py). The hour is measured after it, and from the load as well.
        start_bytes, end_bytes = at(warm_minutes), page.evaluate(heap)
        out["heap_at_load_mb"] = round(load_bytes / 2**20, 2)
        out["heap_start_mb"] = round(start_bytes / 2**20, 2)
        out["heap_end_mb"] = round(end_bytes / 2**20, 2)
        out["heap_growth"] = round(end_bytes / start_bytes - 1, 4)
        out["heap_growth_from_load"] = round(end_bytes / load_bytes - 1, 4)
        out["heap_growth_last_half"] = round(
            end_bytes / at(warm_minutes + soak_minutes / 2) - 1, 4)
        out["heap_max_mb"] = round(max(b for _, b in samples) / 2**20, 2)
        out["heap_by_5_minutes_mb"] = [round(at(m) / 2**20, 2) for m in
                                       range(0, int(warm_minutes + soak_minutes) + 1, 5)]
        out["dom_nodes_end"] = page.evaluate(nodes)
        browser.close()
    server.shutdown()
    users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="+", default=[1000, 10000],
                        choices=sorted(SCALE_OF))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--soak-minutes", type=float, default=60)
    parser.add_argument("--warm-minutes", type=float, default=5,
                        help="refreshes before the heap's start reading")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--store", default=None,
                        help="measure this SQLite file (already built and upgraded) "
                             "instead of bench/data/'s store; one --grids size only")
    parser.add_argument("--url", default=None,
                        help="measure this store, a database URL (the city demo on "
                             "PostgreSQL: its refreshes add BENCH- cases); one --grids size")
    parser.add_argument("--out", default=str(RESULTS / "wall.json"),
                        help="where to write the results (JSON)")
    args = parser.parse_args()
    if (args.store or args.url) and len(args.grids) != 1:
        parser.error("--store and --url measure one store: give one --grids size with it")
    results: dict[str, object] = {}
    for grids in args.grids:
        url = args.url or (f"sqlite:///{Path(args.store).resolve()}" if args.store else
                           _store(grids, args.cases))
        entry = bench_server(url, args.repeat)
        if not args.no_browser:
            entry.update(bench_browser(url, grids, args.soak_minutes, args.warm_minutes))
        results[f"{grids}_grids_{args.cases}_cases"] = entry
        print(json.dumps({f"{grids}": entry}, indent=2), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
