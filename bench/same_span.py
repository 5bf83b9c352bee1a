"""Benchmark of like-for-like comparisons (issue 18): what comparing a running period with
the same span of the period before costs against comparing it with all of it.

    .venv/bin/python bench/same_span.py --store /path/to/county.sqlite3 [--repeat 7]

On a copy of an existing store (read only), as of now, for the whole deployment and for
its top-level region with its children, it times :func:`data.metrics.compute` over:

* the 30 days before the wall's 30 days, whole (what the wall compared with before) and cut
  at now's local time (like with like), from the rollups and counted directly;
* the week before the running ISO week and the same week a year earlier, cut the same way
  (the briefing's comparisons);
* :func:`data.wall.month_counters` (the wall's 30-day tiles with their change).

The machine is shared and noisy: read medians and ratios. Results: bench/results/same_span.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from data import wall  # noqa: E402
from data.briefing import current_week, year_earlier  # noqa: E402
from data.metrics import compute, local_date, period_for  # noqa: E402
from data.models import Region  # noqa: E402
from data.periods import same_span  # noqa: E402
from data.store import deployment_timezone, make_engine, utcnow  # noqa: E402


def _median_ms(make, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        make()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{Path(args.store).resolve()}")
    now = utcnow()
    results: dict[str, float] = {}
    with engine.connect() as conn:
        tz = deployment_timezone(conn)
        top = conn.scalar(select(Region.id).where(Region.parent_id.is_(None)))
        today = local_date(now, tz)
        days = period_for(today - timedelta(days=29), today, tz)
        week = current_week(conn, now).period(tz)
        ago = year_earlier(current_week(conn, now)).period(tz)
        spans = {
            "30d_before_whole": days.previous(tz),
            "30d_before_same_span": same_span(days.previous(tz), days, now, tz),
            "week_before_whole": week.previous(tz),
            "week_before_same_span": same_span(week.previous(tz), week, now, tz),
            "year_ago_week_whole": ago,
            "year_ago_week_same_span": same_span(ago, week, now, tz),
        }
        for name, span in spans.items():
            as_of = min(now, span.end)
            for groups, who in ((None, "all"), ([top], "top")):
                results[f"{name}/{who}/rollups"] = _median_ms(
                    lambda: compute(conn, groups, span, as_of), args.repeat)
            if name.endswith("same_span"):
                results[f"{name}/top/direct"] = _median_ms(
                    lambda: compute(conn, [top], span, as_of, source="direct"),
                    max(3, args.repeat // 2))
        region = wall.root_region(conn, None)
        results["wall_month_counters"] = _median_ms(
            lambda: wall.month_counters(conn, region, now), args.repeat)
    for key, value in results.items():
        print(f"{key:<45} {value:>9.1f} ms")
    out = ROOT / "bench" / "results" / "same_span.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"at": now.isoformat(), "store": args.store, **results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
