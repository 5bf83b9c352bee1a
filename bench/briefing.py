"""Benchmark of the weekly briefing: the CLI end to end on the demo county.

    .venv/bin/python bench/briefing.py [--repeat 3] [--week 2026-W47] [--store PATH]

Builds (once, kept under bench/data/) the demo county (1,000 grids, ~240,000 cases) with
its present at the Tuesday after ``--week`` unless ``--store`` names one, then times
``python -m dashboard briefing`` as a user runs it (a new process: Python start, the app
started for the run, Chromium, the page, the PDF or the PNGs), and separately the data
layer alone (:func:`data.briefing.briefing_data`). The target: a county's briefing in
under 30 s. Results: bench/results/briefing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from data import briefing, store  # noqa: E402
from data.demo import county  # noqa: E402
from data.models import Case  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"


def _store(week: briefing.IsoWeek) -> str:
    path = DATA / f"briefing-county-{week}.sqlite3"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        as_of = datetime.combine(week.sunday + timedelta(days=2), datetime.min.time())
        engine = store.make_engine(f"sqlite:///{path}.tmp")
        report = county.build_demo(engine, scale="county", seed=42, as_of=as_of)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        os.replace(f"{path}.tmp", path)
        print(f"built {path.name}: {report.cases} cases in {report.seconds:.0f} s", flush=True)
    return f"sqlite:///{path}"


def _cli(url: str, args: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dashboard", "briefing", *args], check=True,
                   cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--week", default="2026-W47")
    parser.add_argument("--store", help="an existing store's URL (default: build one)")
    args = parser.parse_args(argv)
    week = briefing.parse_week(args.week)
    url = args.store or _store(week)
    engine = store.make_engine(url)
    with engine.connect() as conn:
        cases = conn.scalar(select(func.count()).select_from(Case))
        now = conn.scalar(select(func.max(Case.reported_at)))
        data_times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            briefing.briefing_data(conn, None, week, now)
            data_times.append(time.perf_counter() - began)
    engine.dispose()
    results: dict[str, object] = {"week": str(week), "cases": cases,
                                  "data_layer_s": round(statistics.median(data_times), 2)}
    with tempfile.TemporaryDirectory() as folder:
        for kind, extra in (("pdf", ["--out", f"{folder}/b.pdf"]),
                            ("png", ["--out", f"{folder}/png", "--format", "png"])):
            times = [_cli(url, ["--week", str(week), *extra]) for _ in range(args.repeat)]
            results[f"cli_{kind}_s"] = {"median": round(statistics.median(times), 2),
                                        "max": round(max(times), 2), "runs": len(times)}
            print(f"{kind}: median {statistics.median(times):.1f} s, max {max(times):.1f} s",
                  flush=True)
    print(f"data layer alone: {results['data_layer_s']} s ({cases} cases)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "briefing.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
