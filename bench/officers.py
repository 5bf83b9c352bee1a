"""Benchmark of the officers' assessment (网格员考核) on a county of 1,000 officers.

    .venv/bin/python bench/officers.py [--repeat 5] [--store PATH] [--url URL]

Builds (once, kept under /work/benchdata, else the temp directory; never in the repo) the
demo county (1,000 grids with an officer each, ~240,000 cases, a year of patrols) unless
``--store`` or ``--url`` names one, then times :func:`data.field.assessment.assess` for the
whole county over the last 7 and 30 days: cold (no cache: what every call costs) and warm
(a :class:`data.metrics.ResultCache` already holding the frame, as a view refreshing
without new data finds it). Median of ``--repeat`` runs each. Target: the officers view
of a county under 500 ms warm. Prints a README line per case.

A store whose patrols have no ``patrol_visits`` rows yet (a demo built before the field
force wrote them) gets one row per patrol from its own region and local start day, as
``db upgrade`` (the baseline revision, ``data/migrations``) backfills them, so the patrol
figures are timed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from data import store  # noqa: E402
from data.demo import county  # noqa: E402
from data.field.assessment import assess  # noqa: E402
from data.metrics import ResultCache, local_date, period_for  # noqa: E402
from data.models import Officer, Patrol, PatrolVisit  # noqa: E402

AS_OF = datetime(2026, 11, 24, 2, 0)  # a Tuesday morning, local 10:00


def _home() -> Path:
    bench = Path("/work/benchdata")
    return bench if bench.is_dir() else Path(tempfile.gettempdir())


def _store(path: Path) -> str:
    if not path.exists():
        engine = store.make_engine(f"sqlite:///{path}.tmp")
        report = county.build_demo(engine, scale="county", seed=42, as_of=AS_OF)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        os.replace(f"{path}.tmp", path)
        print(f"built {path.name}: {report.cases} cases in {report.seconds:.0f} s", flush=True)
    return f"sqlite:///{path}"


def _visits_from_patrols(engine) -> None:
    """One visit per patrol (its region, its local start day) where the store has none."""
    with store.transaction(engine) as conn:
        if conn.scalar(select(func.count()).select_from(PatrolVisit)):
            return
        tz = store.deployment_timezone(conn)
        rows = conn.execute(select(Patrol.id, Patrol.officer_id, Patrol.region_id,
                                   Patrol.started_at, Patrol.ended_at,
                                   Patrol.distance_m)).all()
        conn.execute(insert(PatrolVisit), [
            {"patrol_id": pid, "officer_id": oid, "region_id": rid,
             "day": local_date(start, tz), "first_at": start, "last_at": end or start,
             "fixes": 0, "seconds": ((end or start) - start).total_seconds(),
             "distance_m": distance or 0.0}
            for pid, oid, rid, start, end, distance in rows])
        store.bump_data_version(conn)
        print(f"wrote {len(rows)} patrol visits from the patrols", flush=True)


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--url", default=None, help="a store's URL (e.g. PostgreSQL)")
    args = parser.parse_args()
    url = args.url or _store(args.store or _home() / "officers-county.sqlite3")
    engine = store.make_engine(url)
    _visits_from_patrols(engine)
    with engine.connect() as conn:
        officers = conn.scalar(select(func.count()).select_from(Officer))
        tz = store.deployment_timezone(conn)
        today = local_date(AS_OF, tz)
        print(f"{officers} officers; as of {AS_OF} UTC", flush=True)
        for days in (7, 30):
            period = period_for(today - timedelta(days=days - 1), today, tz)
            cold = _median_ms(lambda: assess(conn, None, period, AS_OF), args.repeat)
            cache = ResultCache()
            frame = assess(conn, None, period, AS_OF, cache=cache)
            warm = _median_ms(lambda: assess(conn, None, period, AS_OF, cache=cache),
                              args.repeat)
            counts = frame["standing"].value_counts().to_dict()
            print(f"- {days} days: {len(frame)} officers ({counts}); cold {cold:.0f} ms, "
                  f"warm {warm:.1f} ms (median of {args.repeat})", flush=True)
            if days == 7:
                with pd.option_context("display.width", 200, "display.max_columns", 30):
                    print(frame.head(3).drop(columns=["home_region_id"]).to_string())
    engine.dispose()


if __name__ == "__main__":
    main()
