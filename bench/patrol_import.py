"""Benchmark of ``import patrols``: 1,000,000 GPS fixes of the demo county's 1,000 officers.

    .venv/bin/python bench/patrol_import.py [--fixes 1000000] [--repeat 3]
                                            [--data DIR] [--postgres URL]

It builds (once, kept in ``--data``, by default a folder in the system's temp dir, never in
the repository) the demo county store and a CSV of generated fixes: each officer walks
their grid (a fix every 30 seconds, two-hour patrols on successive days, a few fixes
wandering out of the grid), times local and naive. Then, each run in a fresh process on a
fresh copy of the store, it imports the file and reports the wall seconds (median of
``--repeat``) and the process's peak memory (``ru_maxrss``), and once more the same file
again (the idempotent re-import: every fix already there). ``--postgres URL`` repeats the
first import on that database (the demo county is built into it first: it is emptied).

Target: under 60 s on SQLite on this machine. Results: bench/results/patrol_import.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from sqlalchemy import select  # noqa: E402

from data import store  # noqa: E402
from data.demo import county  # noqa: E402
from data.models import Officer, Region  # noqa: E402

RESULTS = ROOT / "bench" / "results"
AS_OF = datetime(2026, 11, 22, 8, 0)
MAPPING = """[source]
timezone = "Asia/Shanghai"

[columns]
officer = "officer"
at = "at"
lon = "lon"
lat = "lat"
"""


def county_store(data: Path, url: str | None = None) -> str:
    """The demo county: a SQLite file kept in ``data`` (or built into ``url``)."""
    if url is not None:
        county.build_demo(store.make_engine(url), scale="county", seed=42, as_of=AS_OF)
        return url
    kept = data / "county.sqlite3"
    if not kept.exists():
        engine = store.make_engine(f"sqlite:///{kept}.tmp")
        county.build_demo(engine, scale="county", seed=42, as_of=AS_OF)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        Path(f"{kept}.tmp").rename(kept)
    return f"sqlite:///{kept}"


def fixes_file(data: Path, url: str, n: int) -> Path:
    """``n`` fixes of every officer of the store, as a CSV (made once per size)."""
    path = data / f"fixes-{n}.csv"
    if path.exists():
        return path
    engine = store.make_engine(url)
    with engine.connect() as conn:
        officers = conn.execute(select(Officer.code, Region.geometry)
                                .join(Region, Region.id == Officer.region_id)).all()
    rng = np.random.default_rng(7)
    per = n // len(officers)
    every, length = 30, 240  # a fix every 30 s, 240 fixes (two hours) a patrol
    step = np.arange(per)
    day, slot = step // length, step % length
    frames = []
    for i, (code, wkb) in enumerate(officers):
        grid = shapely.from_wkb(bytes(wkb))
        x0, y0, x1, y1 = grid.bounds
        cx, cy = shapely.get_coordinates(shapely.point_on_surface(grid))[0]
        walk_x = np.cumsum(rng.normal(0, (x1 - x0) / 60, per))
        walk_y = np.cumsum(rng.normal(0, (y1 - y0) / 60, per))
        # pull the walk back towards the centre so most fixes stay in the grid
        lon = cx + (walk_x - pd.Series(walk_x).rolling(40, min_periods=1).mean()).to_numpy()
        lat = cy + (walk_y - pd.Series(walk_y).rolling(40, min_periods=1).mean()).to_numpy()
        start = np.datetime64("2026-11-23T08:00:00") + np.timedelta64(i % 90, "m")
        at = start + day * np.timedelta64(1, "D") + slot * np.timedelta64(every, "s")
        frames.append(pd.DataFrame({"officer": code, "at": at, "lon": lon.round(6),
                                    "lat": lat.round(6)}))
    frame = pd.concat(frames, ignore_index=True)
    frame["at"] = frame["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    frame.to_csv(path, index=False)
    return path


def one_run(url: str, csv: Path, mapping: Path, gap: int) -> dict[str, object]:
    """Import ``csv`` into ``url`` in this process; seconds, peak memory and the report."""
    from data.field.patrol_import import import_patrols

    engine = store.make_engine(url)
    began = time.perf_counter()
    report = import_patrols(engine, csv, mapping, gap_minutes=gap)
    seconds = time.perf_counter() - began
    return {"seconds": round(seconds, 2),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "imported": report.imported, "unchanged": report.unchanged,
            "patrols_new": report.patrols_new, "patrols_extended": report.patrols_extended,
            "outside": report.outside}


def _in_child(url: str, csv: Path, mapping: Path, gap: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--one", url, str(csv), str(mapping),
                          str(gap)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gap", type=int, default=30)
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "dashboard-bench")
    parser.add_argument("--postgres", help="also import into this PostgreSQL database "
                                           "(emptied first)")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        url, csv, mapping, gap = args.one
        print(json.dumps(one_run(url, Path(csv), Path(mapping), int(gap))))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    kept = county_store(args.data)
    csv = fixes_file(args.data, kept, args.fixes)
    mapping = args.data / "patrols.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    source = Path(kept.removeprefix("sqlite:///"))
    target = args.data / "import-run.sqlite3"
    runs = []
    for _ in range(args.repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        runs.append(_in_child(f"sqlite:///{target}", csv, mapping, args.gap))
        print(f"  sqlite import: {runs[-1]}", flush=True)
    again = _in_child(f"sqlite:///{target}", csv, mapping, args.gap)
    print(f"  sqlite re-import of the same file: {again}", flush=True)
    result = {"fixes": args.fixes, "officers": 1000, "file_mb": round(csv.stat().st_size / 2**20, 1),
              "sqlite": {"median_s": statistics.median(r["seconds"] for r in runs),
                         "peak_mb": max(r["peak_mb"] for r in runs), "runs": runs,
                         "reimport": again}}
    if args.postgres:
        county_store(args.data, args.postgres)
        result["postgresql"] = _in_child(args.postgres, csv, mapping, args.gap)
        print(f"  postgresql import: {result['postgresql']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "patrol_import.json").write_text(json.dumps(result, indent=2))
    s = result["sqlite"]
    print(f"import patrols, {args.fixes:,} fixes of 1,000 officers ({result['file_mb']} MB "
          f"CSV), SQLite: median {s['median_s']} s of {len(runs)}, peak memory "
          f"{s['peak_mb']} MB; re-import of the same file {again['seconds']} s"
          + (f"; PostgreSQL {result['postgresql']['seconds']} s, peak "
             f"{result['postgresql']['peak_mb']} MB" if args.postgres else ""))


if __name__ == "__main__":
    main()
