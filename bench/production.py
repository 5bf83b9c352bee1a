"""The issue's "now" table (issue 15), measured on a given store.

    .venv/bin/python bench/production.py --url URL [--label NAME] [--repeat 5]
                                         [--export-repeat 2] [--skip export ...]

On the store at ``URL`` (SQLite or PostgreSQL; the county demo, the city demo, or the
1,000,000-case stores of bench/wall.py), each figure's median and p95 over repeats:

* ``wall_refresh_after_new_case``: a case arrives, then the wall's refresh callback runs,
  as bench/wall.py's :func:`bench_server` does it (its figures are taken whole: the
  unchanged refresh, the changed one, its bytes);
* ``wall_first_load``: the wall's page rendered by its callback (server side, as
  bench/wall.py calls it) with the wall's memory emptied first (``cold``: a server just
  started) and kept (``warm``: another wall of the same region);
* ``console_click_cold``: bench/console.py's :func:`click` on the top region (the county,
  or the city) and on its first child (a town, or on the city a district: a county), with
  the console's memory of shapes and counts emptied before each (nothing cached);
* ``summary_365``: ``python -m dashboard summary`` of the top region over the 365 days up to
  the newest case's day (:func:`data.report.summarize`, as the CLI calls it), and of its
  first child (on the city demo: the city's county);
* ``export_xlsx_365``: the console's XLSX export of a county's 365 days (the top region;
  on a city, its first district)
  (:func:`data.cases.export.export_cases`, which the console's button calls), with its
  bytes and the process's peak RSS after it; measured uncapped, while the console refuses
  an XLSX longer than ``DASHBOARD_EXPORT_XLSX_MAX_ROWS`` (50,000) and offers the CSV;
* ``csv_export_365``: the same rows as the CSV that ``/export/cases.csv`` streams
  (:func:`data.cases.export.csv_chunks`), with its bytes and peak RSS (run before the XLSX).

The wall's part adds cases to the store (bench/wall.py's ``CaseFeed``: "BENCH-..." codes):
run it on bench stores only. Results: bench/results/production-LABEL.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench import console as console_bench  # noqa: E402
from bench import wall as wall_bench  # noqa: E402
from callbacks import wall as wall_callbacks  # noqa: E402
from dashboard import services  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import report, store, users  # noqa: E402
from data.cases.export import csv_chunks, export_cases  # noqa: E402
from data.console_state import ConsoleState  # noqa: E402
from data.metrics import local_date  # noqa: E402
from data.models import Case, Region  # noqa: E402
from layouts.text import word  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PARTS = ("wall", "console", "summary", "export", "csv")


def _timed(run, repeat: int) -> tuple[dict, object]:
    """``run()`` ``repeat`` times: the stats of its times and its last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return wall_bench._stats(times), result


def regions_and_year(engine) -> tuple[dict[str, str | None], date, date]:
    """The top region's code, its first child's, the county (the top, or on a city its
    first district), and the 365 local days up to the newest case's day."""
    with engine.connect() as conn:
        top, top_id, level = conn.execute(select(Region.code, Region.id, Region.level).where(
            Region.parent_id.is_(None)).order_by(Region.code)).first()
        child = conn.scalar(select(Region.code).where(Region.parent_id == top_id)
                            .order_by(Region.code))
        newest = conn.scalar(select(func.max(Case.reported_at)))
        last = local_date(newest, store.deployment_timezone(conn))
    county = child if level == "市" else top
    return {"top": top, "child": child, "county": county}, last - timedelta(days=364), last


def bench_wall(url: str, repeat: int) -> dict:
    """bench/wall.py's server figures, and the first load's median over ``repeat``."""
    out = wall_bench.bench_server(url, max(repeat, 20))
    app = create_app(Settings(database_url=url, wall_refresh_seconds=1))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    token = users.create_display_token(engine, None, label="bench production")
    with app.server.test_request_context(headers={"X-Display-Token": token}):
        def cold():
            services.extension().pop("wall_cache", None)  # as a server just started
            return wall_callbacks.render_wall("")

        out["first_load_cold"], _ = _timed(cold, repeat)
        out["first_load_warm"], _ = _timed(lambda: wall_callbacks.render_wall(""), repeat)
    users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    engine.dispose()
    return out


def bench_console(engine, codes: dict[str, str | None], repeat: int) -> dict:
    """A click on each region with nothing cached (bench/console.py's ``cold``)."""
    start = ConsoleState.parse("/", "").to_store()
    out: dict[str, object] = {}
    with console_bench.console_request(engine):
        for name, code in codes.items():
            def cold(code=code):
                console_bench._forget()
                return console_bench.click(start, code)

            out[name], result = _timed(cold, repeat)
            out[name] = {"code": code, "list_rows": result["rows"], **out[name]}
    return out


def bench_summary(engine, codes: dict[str, str | None], first: date, last: date,
                  repeat: int) -> dict:
    out: dict[str, object] = {}
    for name, code in codes.items():
        stats, result = _timed(lambda code=code: report.summarize(engine, code, first, last),
                               repeat)
        out[name] = {"code": code, "reported": result["metrics"]["reported"], **stats}
    return out


def bench_export(engine, code: str, first: date, last: date, repeat: int) -> dict:
    state = ConsoleState.parse(f"/region/{code}", f"?period=custom&from={first}&to={last}")
    now = store.utcnow()
    sizes = []

    def export():
        with engine.connect() as conn:
            content = export_cases(conn, state.case_filter(code), now, "xlsx",
                                   label=partial(word, lang=state.lang))
        sizes.append(len(content))
        return content

    stats, _ = _timed(export, repeat)
    return {"code": code, "bytes": sizes[-1], **stats,
            "peak_rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                       / 1024, 1)}


def bench_csv(engine, code: str, first: date, last: date, repeat: int) -> dict:
    """The CSV of the same 365 days as /export/cases.csv streams it (:func:`csv_chunks`:
    blocks taken one by one and dropped, as a response sends them), with its bytes and the
    process's peak RSS after it. (The XLSX above is measured uncapped; the console refuses
    one longer than ``DASHBOARD_EXPORT_XLSX_MAX_ROWS`` and offers this CSV instead.)"""
    state = ConsoleState.parse(f"/region/{code}", f"?period=custom&from={first}&to={last}")
    now = store.utcnow()
    sizes = []

    def stream():
        sizes.append(sum(len(block) for block in csv_chunks(
            engine, state.case_filter(code), now, partial(word, lang=state.lang))))

    stats, _ = _timed(stream, repeat)
    return {"code": code, "bytes": sizes[-1], **stats,
            "peak_rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                       / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the store (a SQLAlchemy URL)")
    parser.add_argument("--label", default=None, help="names the results file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--export-repeat", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=PARTS)
    args = parser.parse_args()
    engine = store.make_engine(args.url)
    codes, first, last = regions_and_year(engine)
    label = args.label or engine.url.database.rsplit("/", 1)[-1].split(".")[0]
    out: dict[str, object] = {"store": engine.url.render_as_string(hide_password=True),
                              "regions": codes, "period": [str(first), str(last)],
                              "repeat": args.repeat}
    print(f"{label}: top {codes['top']}, child {codes['child']}, {first}..{last}", flush=True)
    # the memory-hungry export last, so its peak is its own and not the others'
    two = {"top": codes["top"], "child": codes["child"]}
    steps = [("console_click_cold", lambda: bench_console(engine, two, args.repeat)),
             ("summary_365", lambda: bench_summary(engine, two, first, last, args.repeat)),
             ("wall", lambda: bench_wall(args.url, args.repeat)),
             ("csv_export_365", lambda: bench_csv(engine, codes["county"], first, last,
                                                  args.export_repeat)),
             ("export_xlsx_365", lambda: bench_export(engine, codes["county"], first, last,
                                                      args.export_repeat))]
    for name, run in steps:
        if name.split("_")[0] in args.skip:
            continue
        began = time.perf_counter()
        out[name] = run()
        print(f"{name} ({time.perf_counter() - began:.0f} s): "
              f"{json.dumps(out[name], ensure_ascii=False)}", flush=True)
    engine.dispose()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"production-{label}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"written {path}")


if __name__ == "__main__":
    main()
