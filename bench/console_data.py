"""Benchmark of the console's data layer: server time of a click on a region.

    .venv/bin/python bench/console_data.py [--grids 1000 10000] [--cases 1000000]
                                           [--repeat 7] [--data DIR]

A click on the map or the breadcrumb redraws every panel: :func:`click` calls what the
console's callbacks call for it (``region_view`` + the first page of ``case_page`` +
``open_case_points`` + ``region_shapes``) for the county, a town and a grid, on the
stores ``bench/wall.py`` builds (``wall-<grids>-<cases>.sqlite3`` under ``--data``,
default ``bench/data``; opened read-only, never written). Three ways are timed:

* ``fresh``: no cache, every figure counted afresh as of now;
* ``first``: with an empty :class:`data.metrics.ResultCache` (the first click after the
  data changed: every region's counts are read once);
* ``warm``: with the server's cache already holding the period's counts (the next
  clicks in the same minute and data version: only adding up);
* ``warm_by_age``: the same with ``ResultCache(max_age=60)``, which keeps counts for a
  minute even while the data changes (a live feed bumps the version every few seconds).

Median and p95 over ``--repeat`` runs, per part and in total, and the process's CPU time
of a click (on a shared, busy machine the wall-clock time is the CPU time stretched by
the other processes; the CPU time is close to what an idle server takes, less waits for
the disk). Results go to ``bench/results/console_data.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from data import console, metrics  # noqa: E402
from data.cases.filter import CaseFilter  # noqa: E402
from data.cases.listing import case_page  # noqa: E402
from data.cases.points import open_case_points  # noqa: E402
from data.regions import children_of  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PARTS = ("region_view", "case_page", "open_case_points", "region_shapes")


def click(conn, code: str | None, now: datetime,
          cache: metrics.ResultCache | None = None) -> dict[str, float]:
    """Seconds each part of one click on region ``code`` takes, and their ``total``."""
    flt = CaseFilter(region_code=code)
    took: dict[str, float] = {}
    cpu = time.process_time()
    start = time.perf_counter()
    console.region_view(conn, code, flt, now, cache=cache)
    took["region_view"] = time.perf_counter() - start
    mark = time.perf_counter()
    case_page(conn, flt, now, start_row=0, end_row=100)
    took["case_page"] = time.perf_counter() - mark
    mark = time.perf_counter()
    open_case_points(conn, code, now, flt)
    took["open_case_points"] = time.perf_counter() - mark
    mark = time.perf_counter()
    console.region_shapes(conn, code)
    took["region_shapes"] = time.perf_counter() - mark
    took["total"] = time.perf_counter() - start
    took["cpu"] = time.process_time() - cpu
    return took


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "runs": len(ordered)}


def _summary(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {part: _stats([r[part] for r in runs]) for part in (*PARTS, "total", "cpu")}


def read_only_engine(path: Path):
    """A SQLite engine that cannot write the benchmark store."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def bench_store(path: Path, repeat: int) -> dict[str, object]:
    engine = read_only_engine(path)
    out: dict[str, object] = {"store": path.name}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.connect() as conn:
        county = children_of(conn, None)[0]
        town = children_of(conn, county)[0]
        grid = town
        while children_of(conn, grid):
            grid = children_of(conn, grid)[0]
        for label, region in (("county", county), ("town", town), ("grid", grid)):
            fresh = [click(conn, region.code, now) for _ in range(repeat)]
            first = [click(conn, region.code, now, metrics.ResultCache())
                     for _ in range(repeat)]
            cache = metrics.ResultCache()
            click(conn, county.code, now, cache)  # the page opened on the county
            warm = [click(conn, region.code, now, cache) for _ in range(repeat)]
            aged = metrics.ResultCache(max_age=60)
            click(conn, county.code, now, aged)
            warm_by_age = [click(conn, region.code, now, aged) for _ in range(repeat)]
            out[label] = {"code": region.code, "fresh": _summary(fresh),
                          "first": _summary(first), "warm": _summary(warm),
                          "warm_by_age": _summary(warm_by_age)}
            print(f"{path.name} {label:6} median/p95 ms (cpu median): " + ", ".join(
                f"{way} {out[label][way]['total']['median_ms']}/"
                f"{out[label][way]['total']['p95_ms']} ({out[label][way]['cpu']['median_ms']})"
                for way in ("fresh", "first", "warm", "warm_by_age")), flush=True)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    results = {}
    for grids in args.grids:
        path = args.data / f"wall-{grids}-{args.cases}.sqlite3"
        if not path.exists():
            print(f"{path} does not exist: run bench/wall.py first to build it")
            continue
        results[str(grids)] = bench_store(path, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "console_data.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
