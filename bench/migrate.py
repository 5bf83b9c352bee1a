"""Benchmark of opening and upgrading stores (:mod:`data.migrate`).

    .venv/bin/python bench/migrate.py [--repeat 15] [--postgres URL | --no-postgres]
                                      [--county] [--no-sqlite]

* ``open``: ``store.init_db`` on an empty store (create every table, stamp the head) and
  on a store at the head (what every command, worker and test pays when it opens one):
  median and p95 of ``--repeat`` runs, on a fresh SQLite file each time and on PostgreSQL
  (``--postgres`` or ``TEST_POSTGRES_URL``; its tables are dropped first: give it a
  database of its own, never one holding data).
* ``--county``: ``db upgrade`` of the demo county made to look like a store of a release
  before the field force (its patrol_visits, mediations, return_visits, officer_roster and
  officer_regions dropped, no revision): the tables made and a year of patrols backfilled.
  The county is built once under /work/benchdata (else the temp directory), never in the
  repository, and copied afresh for each run (SQLite only).

The machine is shared and noisy: read medians and ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import migrate, store  # noqa: E402
from data.demo import county  # noqa: E402

OLDER_LACKS = ("patrol_visits", "mediations", "return_visits", "officer_regions",
               "officer_roster")


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def _line(name: str, values: list[float]) -> str:
    return (f"{name:40} median {1000 * statistics.median(values):8.1f} ms   "
            f"p95 {1000 * _p95(values):8.1f} ms")


def _open(make_empty, repeat: int) -> tuple[list[float], list[float]]:
    create, reopen = [], []
    for _ in range(repeat):
        engine = make_empty()
        started = time.perf_counter()
        store.init_db(engine)
        create.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.init_db(engine)
        reopen.append(time.perf_counter() - started)
        engine.dispose()
    return create, reopen


def _county_upgrade(repeat: int) -> list[float]:
    base = Path("/work/benchdata") if Path("/work/benchdata").is_dir() else Path(tempfile.gettempdir())
    kept = base / "migrate_county.sqlite3"
    if not kept.exists():
        engine = store.make_engine(f"sqlite:///{kept}.tmp")
        county.build_demo(engine, scale="county")
        with engine.begin() as conn:
            for name in OLDER_LACKS:
                conn.exec_driver_sql(f"DROP TABLE {name}")
            conn.exec_driver_sql(f"DROP TABLE {migrate.VERSION_TABLE}")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        os.replace(f"{kept}.tmp", kept)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            copy = Path(folder) / "county.sqlite3"
            shutil.copyfile(kept, copy)
            engine = store.make_engine(f"sqlite:///{copy}")
            started = time.perf_counter()
            report = migrate.upgrade(engine)
            times.append(time.perf_counter() - started)
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    print("  " + "; ".join(report.notes))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--county", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            counter = iter(range(10**6))
            create, reopen = _open(lambda: store.make_engine(
                f"sqlite:///{folder}/{next(counter)}.sqlite3"), args.repeat)
        print(_line("sqlite: init_db, empty store", create))
        print(_line("sqlite: init_db, store at the head", reopen))
    if args.postgres and not args.no_postgres:
        def fresh():
            engine = store.make_engine(args.postgres)
            store.drop_all(engine)
            return engine
        create, reopen = _open(fresh, args.repeat)
        print(_line("postgresql: init_db, empty store", create))
        print(_line("postgresql: init_db, store at the head", reopen))
    if args.county:
        times = _county_upgrade(max(1, args.repeat // 5))
        print(_line("sqlite: db upgrade of an older county", times))


if __name__ == "__main__":
    main()
