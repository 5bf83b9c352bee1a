"""Benchmark of the case list's exports: time and peak memory of a long period.

    .venv/bin/python bench/export.py [--store /work/benchdata/county-ops.sqlite3]
                                     [--days 365] [--small-days 75] [--repeat 1]
                                     [--label before|after]

On the county demo (``DATABASE_URL=sqlite:////work/benchdata/county-ops.sqlite3 python -m
dashboard demo --scale county``; opened read-only, never written), each way of exporting
the county's list runs in a fresh Python process (so its peak memory is its own: the
process's peak resident set, ``ru_maxrss``, less what it held after its imports):

* ``csv_bytes``/``xlsx_bytes``: :func:`data.cases.export.export_cases`, the whole file
  built in memory as the console's download callback did before the streaming route
  (XLSX over the cap: refused, so its time is the time to say so);
* ``csv_stream``: :func:`data.cases.export.csv_chunks`, what ``/export/cases.csv``
  sends, consumed chunk by chunk (written nowhere);
* each over ``--days`` (365: ~224k rows) and ``--small-days`` (a period under the XLSX
  cap of 50,000 rows).

Wall-clock and CPU seconds (on a shared machine the wall-clock time is the CPU time
stretched by the other processes). Median of ``--repeat`` runs. Results go to ``bench/results/export-<label>.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
WAYS = ("csv_stream", "csv_bytes", "xlsx_bytes")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(store: str, way: str, days: int) -> dict:
    """Run one export in this process: seconds, rows, bytes and peak memory."""
    from functools import partial

    from sqlalchemy import create_engine

    from data.cases import export
    from data.cases.filter import CaseFilter
    from data.regions import children_of
    from layouts.text import word

    engine = create_engine(f"sqlite:///file:{store}?mode=ro&uri=true")
    label = partial(word, lang="zh")
    with engine.connect() as conn:
        county = children_of(conn, None)[0].code
        from data.store import utcnow
        now = utcnow()
    flt = CaseFilter(region_code=county, days=days)
    baseline = _rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    refused = None
    if way == "csv_stream":
        for chunk in export.csv_chunks(engine, flt, now, label):
            size += len(chunk)
    else:
        kwargs = {}
        if way == "xlsx_bytes" and hasattr(export, "XLSX_MAX_ROWS"):
            kwargs["max_rows"] = export.XLSX_MAX_ROWS
        try:
            with engine.connect() as conn:
                size = len(export.export_cases(conn, flt, now, way.split("_")[0], label,
                                               **kwargs))
        except Exception as error:  # the cap's refusal (after), named in the result
            refused = f"{type(error).__name__}: {error}"
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with engine.connect() as conn:
        from data.cases.listing import case_count
        rows = case_count(conn, flt, now)
    return {"way": way, "days": days, "rows": rows, "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "bytes": size, "peak_mb": round(_rss_mb(), 1),
            "peak_over_baseline_mb": round(_rss_mb() - baseline, 1), "refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default="/work/benchdata/county-ops.sqlite3")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--small-days", type=int, default=75)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ways", nargs="*", default=list(WAYS))
    parser.add_argument("--label", default="after")
    parser.add_argument("--one", nargs=2, metavar=("WAY", "DAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.store, args.one[0], int(args.one[1]))))
        return
    results = []
    for days in (args.days, args.small_days):
        for way in args.ways:
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, __file__, "--store", args.store,
                                      "--one", way, str(days)],
                                     capture_output=True, text=True, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            summary = {**runs[-1],
                       "seconds": statistics.median(r["seconds"] for r in runs),
                       "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                       "peak_mb": statistics.median(r["peak_mb"] for r in runs),
                       "runs": len(runs)}
            results.append(summary)
            print(f"{way:<11} {days:>4} days {summary['rows']:>8,} rows "
                  f"{summary['seconds']:>7.2f} s (cpu {summary['cpu_seconds']:>6.2f} s) peak {summary['peak_mb']:>7.1f} MB "
                  f"(+{summary['peak_over_baseline_mb']:.1f}) {summary['bytes']:>12,} B"
                  + (f"  refused: {summary['refused']}" if summary["refused"] else ""),
                  flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"export-{args.label}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
