"""What each early-warning rule's ``detect`` costs (issue 16): repeat_location,
recurring_dispute, stuck_case and blind_spot on a demo store.

    .venv/bin/python bench/alert_rules.py --url URL [--label NAME] [--repeat 7] [--days 12]

On the store at ``URL`` (the county demo: ``python -m dashboard demo``), with the default
parameters of ``data/alerts/rules.toml``, median and p95 of:

* ``now``: ``detect`` at the newest case's report time, ``repeat`` times (the first run
  included: nothing is cached between runs but the database's own pages);
* ``replay``: ``detect`` once at local noon of ``days`` days spread evenly over the
  store's history (the bench of issue 16 replays a year day by day), so the cost of
  reading "as of" a day long past is seen too.

Also the number of findings of each rule at ``now`` and the levels. Results:
bench/results/alert-rules-LABEL.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
import tomllib
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from data import store  # noqa: E402
from data.models import Case  # noqa: E402
from data.periods import local_date, local_midnight_utc  # noqa: E402

RESULTS = ROOT / "bench" / "results"
RULES = {"repeat_location": "data.alerts.repeat", "recurring_dispute": "data.alerts.disputes",
         "stuck_case": "data.alerts.stuck", "blind_spot": "data.alerts.blind"}


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "runs": len(ordered)}


def _timed(engine, detect, params: dict, as_of: datetime) -> tuple[float, list]:
    with engine.connect() as conn:
        began = time.perf_counter()
        found = detect(conn, params, as_of)
        return time.perf_counter() - began, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--label", default="run")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--days", type=int, default=12)
    args = parser.parse_args(argv)
    params = tomllib.loads((ROOT / "data" / "alerts" / "rules.toml").read_text("utf-8"))
    engine = store.make_engine(args.url)
    with engine.connect() as conn:
        first, now = conn.execute(select(func.min(Case.reported_at),
                                         func.max(Case.reported_at))).one()
        tz = store.deployment_timezone(conn)
    span = (local_date(now, tz) - local_date(first, tz)).days
    replay = [local_midnight_utc(local_date(first, tz) + timedelta(days=d), tz)
              + timedelta(hours=12)
              for d in (round(span * (i + 1) / (args.days + 1)) for i in range(args.days))]
    out = {"url": args.url.split("@")[-1], "now": now.isoformat(), "rules": {}}
    for rule, module in RULES.items():
        detect = importlib.import_module(module).detect
        runs, found = [], []
        for _ in range(args.repeat):
            took, found = _timed(engine, detect, params[rule], now)
            runs.append(took)
        past = [_timed(engine, detect, params[rule], as_of)[0] for as_of in replay]
        out["rules"][rule] = {"now": _stats(runs), "replay": _stats(past),
                              "findings_now": len(found),
                              "levels_now": dict(Counter(f.level for f in found))}
        print(f"{rule:18} now median {out['rules'][rule]['now']['median_ms']:8.1f} ms "
              f"p95 {out['rules'][rule]['now']['p95_ms']:8.1f} | replay median "
              f"{out['rules'][rule]['replay']['median_ms']:8.1f} ms p95 "
              f"{out['rules'][rule]['replay']['p95_ms']:8.1f} | {len(found)} findings "
              f"{out['rules'][rule]['levels_now']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"alert-rules-{args.label}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False), "utf-8")
    print(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
