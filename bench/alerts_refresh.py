"""Benchmark: what recomputing the alerts costs after a change, on the demo county.

    .venv/bin/python bench/alerts_refresh.py --store /work/benchdata/county.sqlite3 [--repeat 7]
    .venv/bin/python bench/alerts_refresh.py --url postgresql+psycopg://.../DB [--repeat 7]

Copies the SQLite store (never changes the one named) to ``<store>.refresh-bench``; with
``--url`` works on that store as it is (a demo county: its alerts are recomputed, and the
demo feed writes into it). Then, ``--repeat`` times:

1. one step of the demo feed (10 s of the demo world: new cases, cases moving along,
   patrols), which moves the data version, as a running demo does every 10 s;
2. :func:`data.alerts.book.ensure_current`, timed: the rules and the write, what the
   deployment's leader pays after a change (:class:`dashboard.serving.AlertsJob`);
3. ``ensure_current`` again, timed: nothing changed, one read of ``meta`` (what every other
   look of the job costs);
4. each rule's ``detect`` alone, timed.

Prints medians and p95 (ms) and the share of one core the job takes when the data changes
all the time (the job rests ``ALERTS_PACE`` times a recompute after it). Writes
``bench/results/alerts-refresh-<label>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import store  # noqa: E402
from data.alerts import book, registry  # noqa: E402
from data.alerts import params as alert_params  # noqa: E402
from data.demo import feed  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def _ms(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(values), 1), "p95": round(p95, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/work/benchdata/county.sqlite3"))
    parser.add_argument("--url", help="a PostgreSQL store holding the demo county")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--label", default="county")
    args = parser.parse_args()
    if args.url:
        url = args.url
    else:
        copy = Path(f"{args.store}.refresh-bench")
        shutil.copyfile(args.store, copy)
        url = f"sqlite:///{copy}"
    engine = store.make_engine(url)
    store.init_db(engine)  # upgrades the copy to the code's revision
    rule_params = alert_params.load()
    book.refresh(engine, rule_params=rule_params)  # the first computation, not timed
    after_change, unchanged, per_rule = [], [], {rule.key: [] for rule in registry.RULES}
    for _ in range(args.repeat):
        feed.step(engine, seconds=10.0)
        ms, result = _ms(lambda: book.ensure_current(engine, rule_params=rule_params))
        assert result is not None, "the feed's step moved the data: a recompute is due"
        after_change.append(ms)
        ms, result = _ms(lambda: book.ensure_current(engine, rule_params=rule_params))
        assert result is None
        unchanged.append(ms)
        now = store.utcnow()
        with engine.connect() as conn:
            for rule in registry.RULES:
                own = dict(rule_params[rule.key])
                own.pop("enabled", None)
                ms, _ = _ms(lambda: rule.detector()(conn, own, now))
                per_rule[rule.key].append(ms)
    from dashboard.serving import ALERTS_PACE, ALERTS_SECONDS

    recompute = statistics.median(after_change) / 1000
    share = recompute / max(recompute * (1 + ALERTS_PACE), ALERTS_SECONDS + recompute)
    out = {"store": url.split("@")[-1], "repeat": args.repeat,
           "after_change_ms": _stats(after_change), "unchanged_ms": _stats(unchanged),
           "per_rule_ms": {key: _stats(values) for key, values in per_rule.items()},
           "core_share_when_always_changing": round(share, 3)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"alerts-refresh-{args.label}.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
