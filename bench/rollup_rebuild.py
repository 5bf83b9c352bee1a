"""Benchmark of :func:`data.rollups.rebuild` (issue 15): counting every case and counted
event of a store into the rollups, column by column (:mod:`data.rollup_rebuild`).

    .venv/bin/python bench/rollup_rebuild.py [--sqlite URL] [--postgres URL] [--repeat 3]

On the county demo (``python -m dashboard demo --scale county`` into each store; default
``/work/benchdata/rebuild/county.sqlite3``), each run rebuilds in a transaction that is
rolled back (the store is left as it was): ``count`` is the reading and counting
(:func:`data.rollup_rebuild.tree_rows`), ``rebuild`` the whole of
:func:`data.rollups.rebuild` (counting, emptying and writing the rows); with ``--per-case`` also
the one-case-at-a-time count it replaced (``per_case_count``). Median and p95 of the wall
time, and the median of this process's CPU time (less moved by other processes), over
``--repeat`` runs after one warm-up. Target: a county's rebuild in at most 5 s. The
machine is shared: the load average is written beside the figures. Results go to
``bench/results/rollup_rebuild.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402

from data import rollup_rebuild, rollups, store  # noqa: E402
from data.models import Case  # noqa: E402

DEFAULT_SQLITE = "sqlite:////work/benchdata/rebuild/county.sqlite3"
RESULTS = ROOT / "bench" / "results" / "rollup_rebuild.json"


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_s": round(statistics.median(ordered), 3), "p95_s": round(p95, 3),
            "runs": len(ordered)}


def _rolled_back(engine, work) -> tuple[float, float]:
    """(wall, this process's CPU) seconds of ``work`` in a transaction rolled back."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            started, cpu = time.perf_counter(), time.process_time()
            work(conn)
            return time.perf_counter() - started, time.process_time() - cpu
        finally:
            transaction.rollback()


def bench_store(url: str, repeat: int, per_case: bool = False) -> dict[str, object]:
    engine = create_engine(url)
    with engine.connect() as conn:
        cases = conn.scalar(select(func.count()).select_from(Case))
        tz = store.deployment_timezone(conn)
    out: dict[str, object] = {"cases": cases}
    ways = [("count", lambda conn: rollup_rebuild.tree_rows(conn, tz)),
            ("rebuild", rollups.rebuild)]
    if per_case:  # the one-case-at-a-time count it replaced (the tests' reference)
        from tests.data.test_rollup_rebuild import _per_case_rows
        ways.append(("per_case_count", _per_case_rows))
    for name, work in ways:
        _rolled_back(engine, work)  # warm-up
        samples = [_rolled_back(engine, work) for _ in range(repeat)]
        out[name] = {**_stats([wall for wall, _ in samples]),
                     "cpu_median_s": round(statistics.median(c for _, c in samples), 3)}
    out["load_average"] = os.getloadavg()[0]
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=DEFAULT_SQLITE)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-case", action="store_true",
                        help="also time the per-case count it replaced (for the ratio)")
    args = parser.parse_args()
    results = {"sqlite": bench_store(args.sqlite, args.repeat, args.per_case)}
    if args.postgres:
        results["postgresql"] = bench_store(args.postgres, args.repeat, args.per_case)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
