"""Benchmark of the foundation: building the demo county, importing the LA 311 data, and
computing a summary, on SQLite (and PostgreSQL when BENCH_POSTGRES_URL is set).

Run: ``.venv/bin/python bench/foundation.py [--repeat 5]``. Prints medians; the machine is
shared and noisy, so compare medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import case_import, region_import, report, store  # noqa: E402
from data.demo import county  # noqa: E402
from data.metrics import local_date  # noqa: E402

LA = ROOT / "examples" / "la311"


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_s": round(statistics.median(ordered), 4), "min_s": round(ordered[0], 4),
            "max_s": round(ordered[-1], 4), "runs": len(ordered)}


def bench_store(url: str, repeat: int, scale: str) -> dict[str, object]:
    engine = store.make_engine(url)
    store.init_db(engine)
    out: dict[str, object] = {}
    build = []
    for _ in range(max(1, repeat // 2)):
        built = county.build_demo(engine, scale=scale, seed=42)
        build.append(built.seconds)
    out["demo_build"] = {**_stats(build), "cases": built.cases, "grids": built.grids,
                         "events": built.events}
    with engine.connect() as conn:
        root = conn.exec_driver_sql("SELECT code FROM regions WHERE parent_id IS NULL").scalar()
        town = conn.exec_driver_sql(
            "SELECT code FROM regions WHERE depth = 1 ORDER BY code LIMIT 1").scalar()
    as_of = store.utcnow()
    with engine.connect() as conn:
        last = local_date(as_of, store.deployment_timezone(conn))
    for name, code, days in (("summary_county_30d", root, 30), ("summary_county_365d", root, 365),
                             ("summary_town_30d", town, 30)):
        out[name] = _stats(_timed(
            lambda: report.summarize(engine, code, last - timedelta(days=days - 1), last),
            repeat))

    store.drop_all(engine)
    store.init_db(engine)
    regions_times, cases_times = [], []
    for _ in range(repeat):
        store.drop_all(engine)
        store.init_db(engine)
        regions_times.append(_timed(lambda: region_import.import_regions(
            engine, LA / "data" / "nc-boundary-geojson-2021-01-22.json", LA / "regions.toml"), 1)[0])
        cases_times.append(_timed(lambda: case_import.import_cases(
            engine, LA / "data" / "requests.csv", LA / "cases.toml"), 1)[0])
    reimport = _timed(lambda: case_import.import_cases(
        engine, LA / "data" / "requests.csv", LA / "cases.toml"), repeat)
    out["la_import_regions"] = _stats(regions_times)
    out["la_import_10k_cases"] = _stats(cases_times)
    out["la_reimport_unchanged"] = _stats(reimport)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", default="county")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = bench_store(f"sqlite:///{tmp}/bench.sqlite3", args.repeat, args.scale)
    if os.environ.get("BENCH_POSTGRES_URL"):
        results["postgresql"] = bench_store(os.environ["BENCH_POSTGRES_URL"], args.repeat,
                                            args.scale)
    # peak resident memory of this process (the demo build dominates it)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "foundation.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
