"""The median hours to close at city scale (issue 15, "costs that follow change").

    .venv/bin/python bench/median.py --url URL [--label NAME] [--repeat 5]

On the store at ``URL`` (the county demo on SQLite, the city demo on PostgreSQL), median
and p95 over ``repeat`` runs, nothing cached:

* ``median_click``: the median alone (:func:`data.metrics._median_hours`) as a console
  click asks for it: a region and its children over the 30 days up to the newest case's
  day, and the region alone over the 30 days before; for the top region, its first child,
  that child's first child and so on down to the grids' parents;
* ``median_summary_365``: the same for the county (the top region, or on a city its first
  district) over 365 days and the 365 before, as ``summary`` asks for it;
* ``summary_365``: :func:`data.report.summarize` of the county over the 365 days (the
  figure of the issue's target, as bench/production.py's ``summary_365``).

Runs on the code of the tree it is in (so a copy of it under an older tree times that
code: "before"). Results: bench/results/median-LABEL.json.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from data import metrics, report, store  # noqa: E402
from data.metrics import local_date, period_for  # noqa: E402
from data.models import Case, Region  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "first_ms": round(values[0] * 1000, 2),
            "runs": len(ordered)}


def _timed(run, repeat: int) -> tuple[dict, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return _stats(times), result


_TAKES_SOURCE = "source" in inspect.signature(metrics._median_hours).parameters


def _medians(conn, region_id: int, kids: list[int], period, previous) -> dict:
    """What a view of ``region_id`` asks of the median: it and its children over the
    period, it alone over the one before."""
    extra = {"source": "auto"} if _TAKES_SOURCE else {}
    now = metrics._median_hours(conn, [region_id, *kids], period, None, None, **extra)
    before = metrics._median_hours(conn, [region_id], previous, None, None, **extra)
    return {"now": now.get(region_id), "before": before.get(region_id)}


def _chain(conn) -> list[tuple[str, int, str, list[int]]]:
    """(level, id, code, children's ids) from the top region down its first children to
    the last region that has children."""
    out = []
    parent = None
    while True:
        row = conn.execute(select(Region.id, Region.code, Region.level).where(
            Region.parent_id.is_(None) if parent is None else Region.parent_id == parent)
            .order_by(Region.code)).first()
        if row is None:
            return out[:-1] if out and not out[-1][3] else out
        kids = [k for (k,) in conn.execute(select(Region.id).where(Region.parent_id == row.id))]
        out.append((row.level, row.id, row.code, kids))
        if not kids:
            return out[:-1]
        parent = row.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--label", default="run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = store.make_engine(args.url)
    out: dict[str, object] = {"url": engine.url.render_as_string(hide_password=True),
                              "code": str(ROOT), "repeat": args.repeat}
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        newest = conn.scalar(select(func.max(Case.reported_at)))
        last: date = local_date(newest, tz)
        chain = _chain(conn)
        month = period_for(last - timedelta(days=29), last, tz)
        year = period_for(last - timedelta(days=364), last, tz)
        clicks = {}
        for level, region_id, code, kids in chain:
            stats, values = _timed(lambda: _medians(conn, region_id, kids, month,
                                                    month.previous(tz)), args.repeat)
            clicks[code] = {"level": level, "children": len(kids), **stats, **values}
            print(f"median_click {code} ({level}, {len(kids)} children): {stats}",
                  file=sys.stderr)
        out["median_click"] = clicks
        county = chain[1] if chain[0][0] == "市" else chain[0]
        stats, values = _timed(lambda: _medians(conn, county[1], county[3], year,
                                                year.previous(tz)), args.repeat)
        out["median_summary_365"] = {"code": county[2], **stats, **values}
        print(f"median_summary_365 {county[2]}: {stats}", file=sys.stderr)
    stats, result = _timed(lambda: report.summarize(engine, county[2], year.first, year.last),
                           args.repeat)
    out["summary_365"] = {"code": county[2], **stats,
                          "median_hours_to_close": result["metrics"]["median_hours_to_close"]}
    print(f"summary_365 {county[2]}: {stats}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"median-{args.label}.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), "utf-8")
    print(target)


if __name__ == "__main__":
    main()
