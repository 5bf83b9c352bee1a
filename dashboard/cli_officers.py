"""``python -m dashboard officers [--region CODE] [--from DAY --to DAY] [--json]
[--weights FILE]``: the grid officers' assessment (网格员考核) as a table or JSON.

The figures, score and standings are :func:`data.field.assessment.assess`'s; the period
is local days like ``summary``'s (default: the 30 days up to today, or up to the newest
case's day in a store of older data), ``as_of`` the earlier of the period's end and now.
The weights come from ``--weights``, else the setting ``DASHBOARD_ASSESSMENT_WEIGHTS``,
else the documented defaults. Known failures (an unknown
region, a bad period, a weights file that cannot be used) are one line and exit status 2
(raised as ``ValueError``/``LookupError`` subclasses that :func:`dashboard.cli.main` prints).
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine

from dashboard.settings import Settings
from data import store
from data.field.assessment import FIGURE_KEYS, assess, load_weights, split_weights
from data.metrics import DEFAULT_DAYS, default_anchor, local_date, period_for
from data.regions import get_region
from data.report import whole_deployment
from layouts.assessment import header_cells, row_cells
from layouts.labels import columns
from layouts.text import region_name, t


class OfficersUsageError(ValueError):
    """An argument of ``officers`` that cannot be used; the message says which and why."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def add_parser(sub) -> None:
    """Register ``officers`` on the command line's subparsers."""
    cmd = sub.add_parser("officers", help="the grid officers' assessment (figures, score, rank)")
    cmd.add_argument("--region", help="region code (default: every officer)")
    cmd.add_argument("--from", dest="date_from", type=_day)
    cmd.add_argument("--to", dest="date_to", type=_day)
    cmd.add_argument("--json", action="store_true")
    cmd.add_argument("--weights", help="a TOML file of weights (default: the setting "
                                       "DASHBOARD_ASSESSMENT_WEIGHTS, else the defaults)")
    cmd.set_defaults(run=cmd_officers)


def cmd_officers(args: argparse.Namespace, settings: Settings, *,
                 now: datetime | None = None) -> int:
    """Print the assessment; 0 on success (errors are raised for ``main`` to print)."""
    if (args.date_from is None) != (args.date_to is None):
        raise OfficersUsageError("give both --from and --to, or neither")
    if args.date_from is not None and args.date_from > args.date_to:
        raise OfficersUsageError(f"--from {args.date_from} is after --to {args.date_to}")
    path = args.weights or settings.assessment_weights
    weights = load_weights(path) if path else None
    engine: Engine = store.make_engine(settings.database_url)
    store.init_db(engine)
    now = store.naive_utc(now)
    lang = settings.language
    with engine.connect() as conn:
        tz = store.deployment_timezone(conn)
        region = None if args.region is None else get_region(conn, args.region)
        # no period given: the 30 days up to today, or up to the newest case's day when the
        # store's newest case is older than that (an imported old export), as ``summary``
        last = args.date_to or local_date(default_anchor(conn, now), tz)
        first = args.date_from or last - timedelta(days=DEFAULT_DAYS - 1)
        period = period_for(first, last, tz)
        as_of = min(now, period.end)
        frame = assess(conn, None if region is None else region.id, period, as_of, weights)
    as_of_text = f"{local_date(as_of, tz)} {_local_time(as_of, tz)}"
    if args.json:
        print(json.dumps(_as_json(frame, region, period, as_of_text, weights),
                         ensure_ascii=False, indent=2))
        return 0
    name = region_name(whole_deployment(), lang) if region is None else region.name
    print(t("assess_title", lang) + "  " + t("assess_period", lang, region=name,
                                              first=first, last=last, as_of=as_of_text))
    if frame.empty:
        print(t("assess_none", lang))
        return 0
    rows = [row_cells(row, lang) for row in frame.itertuples(index=False)]
    print(_table(header_cells(lang), rows))
    return 0


def _local_time(moment: datetime, tz) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%H:%M")


def _number(value: object) -> float | int | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _as_json(frame, region, period, as_of_text: str, weights: dict | None) -> dict:
    figure_weights, min_days = split_weights(weights)
    officers = []
    for officer_id, row in frame.iterrows():
        rank = row["rank"]
        officers.append({
            "code": row["code"], "name": row["name"], "role": row["role"],
            "active": bool(row["active"]), "home_region": row["home_region"],
            "figures": {key: _number(row[key]) for key in FIGURE_KEYS},
            "score": _number(row["score"]),
            "rank": None if rank is None or str(rank) == "<NA>" else int(rank),
            "tied": bool(row["tied"]), "standing": row["standing"],
        })
    return {
        "region": None if region is None else {"code": region.code, "name": region.name},
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat(),
                   "as_of": as_of_text},
        "weights": figure_weights, "min_days": min_days,
        "officers": officers,
    }


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(columns(cell) for cell in column) for column in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell + " " * (width - columns(cell))
                         for cell, width in zip(cells, widths)).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])
