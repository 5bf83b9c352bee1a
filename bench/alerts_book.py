"""Benchmark of the alerts' book (data/alerts/book.py) on the demo county: what keeping the
alerts costs beside the rules' own queries (those are bench/alerts.py's).

    .venv/bin/python bench/alerts_book.py --store /work/benchdata/county-r6.sqlite3 [--repeat 7]
    .venv/bin/python bench/alerts_book.py --url postgresql+psycopg://.../DB [--repeat 7]

Copies the SQLite store (never changes the one named) under /work/benchdata, upgrades the
copy to the code's revision (timed: the 0007 upgrade of a county with data); or, given
``--url``, builds the demo county there when it holds no regions (its alerts are emptied
first and after). Then times, median and p95 of ``--repeat`` runs each:

* ``is_current`` when nothing changed: what a wall or console asking "the alerts now" pays
  (one read of ``meta``);
* writing ``--findings`` findings of 5 cases each the first time (all new alerts);
* writing the same findings again (nothing changed but ``last_seen_at``);
* writing them with a tenth of them at another level and with other cases;
* listing the open alerts of the county and of one town, with their case ids.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select  # noqa: E402

from data import migrate, store  # noqa: E402
from data.demo import county  # noqa: E402
from data.alerts import book  # noqa: E402
from data.alerts.finding import Finding  # noqa: E402
from data.models import Alert, AlertCase, Case, Region  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0)


def _timed(work, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def _findings(engine, count: int, shift: int = 0, level: str = "orange") -> list[Finding]:
    with engine.connect() as conn:
        leaves = conn.execute(select(Region.id).where(~Region.id.in_(
            select(Region.parent_id).where(Region.parent_id.is_not(None))))
            .order_by(Region.id).limit(count)).scalars().all()
        found = []
        for region_id in leaves:
            cases = conn.execute(select(Case.id).where(Case.region_id == region_id)
                                 .order_by(Case.id).offset(shift).limit(5)).scalars().all()
            found.append(Finding("surge", f"surge:{region_id}", level, region_id,
                                 NOW - timedelta(hours=6), tuple(cases),
                                 {"count": 23, "expected": 4.1, "p": 0.0004, "days": 7,
                                  "category": "占道经营"}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", help="a county SQLite store (copied)")
    source.add_argument("--url", help="a PostgreSQL store (the demo county built if empty)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--findings", type=int, default=1000)
    args = parser.parse_args()
    copy = Path("/work/benchdata") / "alerts-book-county.sqlite3"
    if args.url:
        engine = store.make_engine(args.url)
        store.init_db(engine)
        if store.holds_no_regions(engine):
            built = county.build_demo(engine, scale="county", seed=42, as_of=NOW)
            print(f"built the county: {built.cases} cases in {built.seconds:.0f} s")
    else:
        shutil.copyfile(args.store, copy)
        engine = store.make_engine(f"sqlite:///{copy}")
        start = time.perf_counter()
        report = migrate.upgrade(engine)
        print(f"upgrade {report.before} -> {report.after}: "
              f"{time.perf_counter() - start:.1f} s {report.notes}")

    def clear() -> None:
        with store.transaction(engine) as conn:
            conn.execute(delete(AlertCase))
            conn.execute(delete(Alert))
            for key in (book.COMPUTED_VERSION, book.COMPUTED_AT):
                store.set_meta(conn, key, "0" if key == book.COMPUTED_VERSION else
                               datetime(2000, 1, 1).isoformat())

    found = _findings(engine, args.findings)
    moved = [f if i % 10 else _findings_one(engine, f) for i, f in enumerate(found)]
    clock = iter(NOW + timedelta(seconds=s) for s in range(1, 10**6))

    def write(findings) -> None:
        with store.transaction(engine) as conn:
            book.apply_findings(conn, next(clock), {"surge": findings})

    first = []
    for _ in range(args.repeat):
        clear()
        start = time.perf_counter()
        write(found)
        first.append((time.perf_counter() - start) * 1000)
    first.sort()
    print(f"write {len(found)} new alerts: median {statistics.median(first):.0f} ms, "
          f"p95 {first[-1]:.0f} ms")
    median, p95 = _timed(lambda: write(found), args.repeat)
    print(f"write the same {len(found)} again: median {median:.0f} ms, p95 {p95:.0f} ms")
    flip = iter([moved, found] * args.repeat)
    median, p95 = _timed(lambda: write(next(flip)), args.repeat)
    print(f"write with a tenth changed: median {median:.0f} ms, p95 {p95:.0f} ms")
    params = {"surge": {"enabled": True}}
    with store.transaction(engine) as conn:
        at = next(clock)
        book.apply_findings(conn, at, {"surge": found}, params_digest=book.fingerprint(params))
    median, p95 = _timed(lambda: book.is_current(engine, at + timedelta(seconds=1), params),
                         args.repeat * 30)
    print(f"is_current, nothing changed: median {median:.2f} ms, p95 {p95:.2f} ms")
    with engine.connect() as conn:
        town = conn.scalar(select(Region.id).where(Region.depth == 1).order_by(Region.id))
        for name, region_id in (("county", None), ("one town", town)):
            median, p95 = _timed(lambda: book.list_alerts(conn, region_id), args.repeat)
            count = len(book.list_alerts(conn, region_id))
            print(f"list the open alerts of {name} ({count}): median {median:.1f} ms, "
                  f"p95 {p95:.1f} ms")
    clear()
    engine.dispose()
    if not args.url:
        copy.unlink()


def _findings_one(engine, finding: Finding) -> Finding:
    with engine.connect() as conn:
        cases = conn.execute(select(Case.id).where(Case.region_id == finding.region_id)
                             .order_by(Case.id).offset(5).limit(5)).scalars().all()
    return Finding(finding.rule, finding.key, "red", finding.region_id, finding.started_at,
                   tuple(cases), {**finding.facts, "count": 31})


if __name__ == "__main__":
    main()
