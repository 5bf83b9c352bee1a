"""Benchmark of the rollups (issue 15): the metrics' cost before (direct counts over the
cases) and after (per-day rollups kept up to date as cases change).

    .venv/bin/python bench/rollups.py [--sqlite URL] [--postgres URL] [--repeat 7]

On the county demo (``python -m dashboard demo`` into each store; defaults
``/work/benchdata/county-rollups.sqlite3`` and the PostgreSQL database
``dashboard_bench_rollups``), each way (``direct``, ``rollups``) is timed for:

* ``summary_365``: ``python -m dashboard summary --region <county> --from .. --to ..``'s
  work over the last 365 days (:func:`data.report.summarize`: the county and its towns,
  and the 365 days before), no cache;
* ``console_town_30``: a console-like compute of a town and its children over the last
  30 days with no cache;
* ``new_case``: one new case inserted as the demo feed does (``insert(Case)``), then the
  next ``console_town_30`` compute; for the rollups, the apply of the queued change is
  timed apart (``apply``) and included in ``new_case``.

Median and p95 over ``--repeat`` runs (the first run of each is a warm-up, not counted).
The machine is shared: compare the ratios, not the absolute figures. Results go to
``bench/results/rollups.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from data import metrics, report, rollups, store  # noqa: E402
from data.models import Case, Region  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SQLITE = "sqlite:////work/benchdata/county-rollups.sqlite3"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:55432/dashboard_bench_rollups"


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return {"median_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1),
            "runs": len(ms)}


def _timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up (imports, the pool, the statement cache)
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
    return out


def bench_store(url: str, repeat: int) -> dict[str, object]:
    engine = store.make_engine(url)
    store.init_db(engine)
    began = time.perf_counter()
    applied = rollups.catch_up(engine)
    first_apply = time.perf_counter() - began
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        county = conn.execute(select(Region.id, Region.code)
                              .where(Region.parent_id.is_(None))).first()
        town = conn.scalar(select(Region.id).where(Region.parent_id == county.id)
                           .order_by(Region.id))
        kids = [r for (r,) in conn.execute(select(Region.id).where(Region.parent_id == town))]
        template = dict(conn.execute(select(Case).where(Case.region_id.in_(
            select(Region.id).where(Region.parent_id.in_(kids)))).limit(1)).mappings().one())
        cases = conn.scalar(select(func.count()).select_from(Case))
    now = store.utcnow()
    today = metrics.local_date(now, tz)
    year = (today - timedelta(days=364), today)
    month = metrics.period_for(today - timedelta(days=29), today, tz)
    out: dict[str, object] = {"url": url.split("@")[-1], "cases": cases,
                              "first_catch_up_s": round(first_apply, 2),
                              "first_catch_up": applied}
    made: list[int] = []

    def new_case(source: str) -> tuple[float, float]:
        row = {k: v for k, v in template.items() if k not in ("id", "code", "external_id")}
        row.update(code=f"BENCH-{time.time_ns()}", reported_at=store.utcnow(),
                   closed_at=None, status="reported")
        with engine.begin() as conn:
            made.append(conn.execute(insert(Case).values(**row).returning(Case.id)).scalar())
        began = time.perf_counter()
        if source == "rollups":
            rollups.catch_up(engine)
        applied_at = time.perf_counter()
        with engine.connect() as conn:
            metrics.compute(conn, [town, *kids], month, min(store.utcnow(), month.end),
                            source=source)
        return applied_at - began, time.perf_counter() - began

    for source in ("direct", "rollups"):
        summarize = functools.partial(metrics.compute, source=source)
        original = report.compute
        report.compute = summarize
        try:
            summary = _timed(lambda: report.summarize(engine, county.code, *year), repeat)
        finally:
            report.compute = original

        def console(source=source):
            with engine.connect() as conn:
                metrics.compute(conn, [town, *kids], month, min(now, month.end), source=source)

        click = _timed(console, repeat)
        new_case(source)  # warm-up
        pairs = [new_case(source) for _ in range(repeat)]
        out[source] = {
            "summary_365": _stats(summary),
            "console_town_30": _stats(click),
            "new_case": _stats([total for _, total in pairs]),
            **({"apply": _stats([a for a, _ in pairs])} if source == "rollups" else {}),
        }
    with engine.begin() as conn:  # leave the store as it was
        conn.execute(delete(Case).where(Case.id.in_(made)))
    rollups.catch_up(engine)
    for key in ("summary_365", "console_town_30", "new_case"):
        before = out["direct"][key]["median_ms"]
        after = out["rollups"][key]["median_ms"]
        out.setdefault("ratio_direct_to_rollups", {})[key] = round(before / max(after, 0.01), 1)
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=SQLITE)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    results = {}
    for name, url in (("sqlite", args.sqlite), ("postgresql", args.postgres)):
        if args.only and args.only != name:
            continue
        results[name] = bench_store(url, args.repeat)
        print(json.dumps({name: results[name]}, indent=2), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rollups.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
