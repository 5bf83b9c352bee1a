"""Benchmark of the early-warning rules against the demo county's planted anomalies.

Builds (once) the demo county (seed 42, as of 2026-11-22 08:00 UTC) into
``/work/benchdata/i16-surge/county.sqlite3`` (or ``--store``) with
:func:`data.demo.county.build_demo`, and writes the anomalies it planted
(:mod:`data.demo.anomalies`, never in the store) to ``<store>.planted.json`` beside it.
Then replays the demo's last ``--days`` days (default 365) day by day, ``as_of`` = each
local day's last second, running ``surge`` and, when its module imports,
``repeat_location`` (through :mod:`data.alerts.registry`), and reports per rule:

* recall: a planted surge is found when a surge finding of its subcategory, in its region,
  an ancestor or a descendant, holds on one of its two days; a planted repeat when a
  repeat finding holds all its cases (on or after its last case's day, within 30 days);
* false alerts: distinct finding keys that match no planted anomaly (a surge finding
  whose window overlaps no planted surge of its subcategory and related region), per day,
  and the red ones per county per week (a key counts at its highest level); the demo's
  ordinary data may hold real repeats and surges of its own (its hot spots);
* parent and child alerts: surge findings whose region's parent alerts for the same
  subcategory and window on the same day;
* detect time per day: median and p95 (ms).

Writes ``bench/results/alerts-<label>.json`` and prints a table.

    .venv/bin/python bench/alerts.py [--label surge] [--days 365] [--store PATH] [--url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import store  # noqa: E402
from data.alerts import registry  # noqa: E402
from data.alerts.finding import LEVELS, RED  # noqa: E402
from data.demo import county  # noqa: E402
from data.periods import local_midnight_utc  # noqa: E402

AS_OF = datetime(2026, 11, 22, 8, 0)
DEFAULT_STORE = Path("/work/benchdata/i16-surge/county.sqlite3")
RESULTS = ROOT / "bench" / "results"


def build(path: Path, url: str | None = None) -> dict:
    """The bench store and its planted list (built once): the SQLite file ``path``, or the
    store at ``url`` (its list kept in ``path``'s place)."""
    planted_path = Path(f"{path}.planted.json")
    if (url or path.exists()) and planted_path.exists():
        return json.loads(planted_path.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = store.make_engine(url or f"sqlite:///{path}")
    report = county.build_demo(engine, scale="county", seed=42, as_of=AS_OF)
    engine.dispose()
    planted = report.planted.as_dict()
    planted_path.write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
    return planted


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="surge")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--rules", nargs="+", default=["surge", "repeat_location"],
                        choices=["surge", "repeat_location"])
    parser.add_argument("--url", default=None,
                        help="a store URL (PostgreSQL) instead of the SQLite --store; its "
                             "planted list is kept as <--store>.planted.json")
    args = parser.parse_args()
    planted = build(args.store, args.url)
    if not args.rules:
        parser.error("--rules needs at least one rule")
    rules = tomllib.loads((ROOT / "data" / "alerts" / "rules.toml").read_text("utf-8"))
    engine = store.make_engine(args.url or f"sqlite:///{args.store}")
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        parent = dict(conn.exec_driver_sql("SELECT id, parent_id FROM regions").all())
    detectors = {}
    for rule in args.rules:
        try:
            detectors[rule] = registry.BY_KEY[rule].detector()
        except ImportError as error:
            print(f"{rule} skipped: {error}")

    def line(region: int) -> set[int]:
        out = {region}
        while parent.get(region) is not None:
            region = parent[region]
            out.add(region)
        return out

    last_day = (datetime.combine(AS_OF.date(), datetime.min.time())).date() - timedelta(days=1)
    days = [last_day - timedelta(days=i) for i in range(args.days - 1, -1, -1)]
    seen: dict[str, dict[str, dict]] = {rule: {} for rule in detectors}
    times: dict[str, list[float]] = {rule: [] for rule in detectors}
    if not detectors:
        print("no rule to run")
        return 1
    parent_child = 0
    for n, day in enumerate(days, start=1):
        if n % 30 == 0:
            print(f"  {day}: {n}/{len(days)} days", file=sys.stderr, flush=True)
        as_of = local_midnight_utc(day + timedelta(days=1), tz) - timedelta(seconds=1)
        with engine.connect() as conn:
            for rule, detect in detectors.items():
                began = time.perf_counter()
                found = detect(conn, rules[rule], as_of)
                times[rule].append((time.perf_counter() - began) * 1000)
                here = {(f.region_id, f.facts.get("category"), f.facts.get("days")) for f in found}
                for f in found:
                    entry = seen[rule].setdefault(f.key, {"level": f.level, "days": [],
                                                          "finding": f, "p": 1.0, "on": {},
                                                          "cases": set()})
                    entry["cases"].update(f.case_ids)  # over the alert's days
                    if LEVELS.index(f.level) < LEVELS.index(entry["level"]):
                        entry["level"] = f.level
                    entry["days"].append(day)
                    entry["p"] = min(entry["p"], f.facts.get("p", 1.0))
                    entry["on"][day] = f.facts.get("p", 1.0)
                    if rule == "surge" and (parent.get(f.region_id), f.facts["category"],
                                            f.facts["days"]) in here:
                        parent_child += 1
    weeks = args.days / 7
    out: dict = {"label": args.label, "days": args.days, "store": args.url or str(args.store),
                 "params": {rule: rules[rule] for rule in detectors}, "rules": {}}
    surge_truth = [s for s in planted["surges"]
                   if date.fromisoformat(s["days"][0]) >= days[0]]
    if "surge" in detectors:
        keys = seen.get("surge", {})

        def matches(entry: dict, s: dict) -> bool:
            f = entry["finding"]
            if f.facts["category"] != s["subcategory"]:
                return False
            region = s["region_id"]
            if not (f.region_id in line(region) or region in line(f.region_id)):
                return False
            sdays = {date.fromisoformat(d) for d in s["days"]}
            w = f.facts["days"]
            return any(any(d - timedelta(days=k) in sdays for k in range(w)) for d in entry["days"])

        found = sum(1 for s in surge_truth
                    if any(matches(e, s) and any(d.isoformat() in s["days"] for d in e["days"])
                           for e in keys.values()))
        false = [e for e in keys.values() if not any(matches(e, s) for s in planted["surges"])]
        out["rules"]["surge"] = {
            "planted": len(surge_truth), "found": found,
            "recall": round(found / len(surge_truth), 3) if surge_truth else None,
            "alerts": len(keys), "false_alerts": len(false),
            "false_per_day": round(len(false) / args.days, 2),
            "false_red_per_week": round(sum(e["level"] == RED for e in false) / weeks, 2),
            "false_by_level": {lv: sum(e["level"] == lv for e in false) for lv in LEVELS},
            "parent_and_child_same_day": parent_child,
            "detect_ms_median": round(statistics.median(times["surge"]), 1),
            "detect_ms_p95": round(_pct(times["surge"], 0.95), 1),
            # what other thresholds would give, from the same replay (a finding is kept
            # below p_yellow; its least p over its days decides its level)
            "false_red_per_week_if_p_red": {
                str(t): round(sum(e["p"] < t for e in false) / weeks, 2)
                for t in (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)},
            "recall_if_p_below": {
                str(t): round(sum(1 for s in surge_truth if any(
                    matches(e, s) and any(d.isoformat() in s["days"] and p_ < t
                                          for d, p_ in e["on"].items())
                    for e in keys.values())) / max(len(surge_truth), 1), 3)
                for t in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)},
            "false_per_day_if_p_below": {
                str(t): round(sum(e["p"] < t for e in false) / args.days, 2)
                for t in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)},
            "missed": [s for s in surge_truth if not any(
                matches(e, s) and any(d.isoformat() in s["days"] for d in e["days"])
                for e in keys.values())],
        }
    if "repeat_location" in detectors:
        rkeys = seen["repeat_location"]
        truth = [r for r in planted["repeats"] if date.fromisoformat(r["last_day"]) >= days[0]]
        hit = sum(1 for r in truth if any(set(r["case_ids"]) <= e["cases"]
                                          for e in rkeys.values()))
        false = [e for e in rkeys.values() if not any(
            set(r["case_ids"]) & e["cases"] for r in planted["repeats"])]
        out["rules"]["repeat_location"] = {
            "planted": len(truth), "found": hit,
            "recall": round(hit / len(truth), 3) if truth else None,
            "alerts": len(rkeys), "false_alerts": len(false),
            "false_per_day": round(len(false) / args.days, 2),
            "false_red_per_week": round(sum(e["level"] == RED for e in false) / weeks, 2),
            "detect_ms_median": round(statistics.median(times["repeat_location"]), 1),
            "detect_ms_p95": round(_pct(times["repeat_location"], 0.95), 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"alerts-{args.label}.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"{'rule':<16}{'planted':>8}{'found':>7}{'recall':>8}{'alerts':>8}{'false/day':>10}"
          f"{'false red/wk':>13}{'ms p50':>8}{'ms p95':>8}")
    for rule, r in out["rules"].items():
        print(f"{rule:<16}{r['planted']:>8}{r['found']:>7}{str(r['recall']):>8}{r['alerts']:>8}"
              f"{r['false_per_day']:>10}{r['false_red_per_week']:>13}{r['detect_ms_median']:>8}"
              f"{r['detect_ms_p95']:>8}")
    if "surge" in out["rules"]:
        print(f"surge parent-and-child alerts on the same day: "
              f"{out['rules']['surge']['parent_and_child_same_day']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
