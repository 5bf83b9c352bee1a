"""``python -m dashboard alerts [--region CODE] [--state new|open|closed|all] [--rule KEY]
[--level red|orange|yellow] [--json] [--refresh] [--rules FILE] [--lang zh|en]``: the
early-warning alerts of a region (预警), one line each: level, rule, region, since when,
state, and the rule's explanation worded from its facts.

``alerts --backfill DAYS`` instead replays the last DAYS local days on a store whose alerts
were never computed (:mod:`data.alerts.backfill`), one line per day, so that past weeks
have the alerts the rules would have raised then.

Before listing, the alerts are brought up to date (:func:`data.alerts.book.ensure_current`:
recomputed only when the data, the parameters or the time moved; ``--refresh`` recomputes
anyway). The parameters are ``--rules``, else the setting ``ALERT_RULES``, else the
defaults. A rule that could not run is named on stderr, and the others' alerts are listed.
Known failures (an unknown region, a rules file that cannot be used) are one line and exit
status 2 (raised as ``ValueError``/``LookupError`` that :func:`dashboard.cli.main` prints).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from dashboard.settings import Settings
from data import store
from data.alerts import backfill, book
from data.alerts import params as alert_params
from data.alerts.finding import LEVELS
from data.alerts.registry import BY_KEY
from data.regions import get_region, level_words
from layouts.alert_words import explain
from layouts.text import t


def add_parser(sub) -> None:
    """Register ``alerts`` on the command line's subparsers."""
    cmd = sub.add_parser("alerts", help="the early-warning alerts (预警) of a region")
    cmd.add_argument("--region", help="region code (default: the whole deployment)")
    cmd.add_argument("--state", default="open", choices=book.STATE_FILTERS,
                     help="new, open (new, acknowledged, assigned; default), closed or all")
    cmd.add_argument("--rule", choices=list(BY_KEY), help="only this rule's alerts")
    cmd.add_argument("--level", choices=LEVELS, help="only alerts of this level")
    cmd.add_argument("--json", action="store_true")
    cmd.add_argument("--refresh", action="store_true",
                     help="recompute the alerts even if nothing changed")
    cmd.add_argument("--rules", help="a TOML file of the rules' parameters (default: the "
                                     "setting ALERT_RULES, else data/alerts/rules.toml)")
    cmd.add_argument("--backfill", type=int, metavar="DAYS",
                     help="replay the rules at the end of each of the last DAYS local days, "
                          "then now (a store whose alerts were never computed), and stop")
    cmd.add_argument("--lang", choices=("zh", "en"),
                     help="the words' language (default: the setting DASHBOARD_LANGUAGE)")
    cmd.set_defaults(run=cmd_alerts)


def cmd_alerts(args: argparse.Namespace, settings: Settings, *,
               now: datetime | None = None) -> int:
    """Bring the alerts up to date and print them; 0 on success."""
    lang = args.lang or settings.language
    rule_params = alert_params.load(args.rules or settings.alert_rules or None)
    engine = store.make_engine(settings.database_url)
    store.init_db(engine)
    now = store.naive_utc(now)
    if args.backfill is not None:
        return _backfill(engine, args.backfill, now, rule_params, lang)
    with engine.connect() as conn:
        region = None if args.region is None else get_region(conn, args.region)
    result = book.refresh(engine, now, rule_params) if args.refresh \
        else book.ensure_current(engine, now, rule_params)
    for failure in (result.failed if result else ()):
        print(t("alert_failed_rule", lang, rule=failure.rule, error=failure.error),
              file=sys.stderr)
    with engine.connect() as conn:
        rows = book.list_alerts(conn, None if region is None else region.id,
                                state=args.state, rule=args.rule, level=args.level)
        tz = store.deployment_timezone(conn)
        levels = level_words(conn, lang)
    if args.json:
        print(json.dumps({
            "region": None if region is None else {"code": region.code, "name": region.name},
            "state": args.state, "computed_at": now.isoformat(),
            "failed": [{"rule": f.rule, "error": f.error} for f in (result.failed if result
                                                                    else ())],
            "alerts": [{**row.as_dict(), "rule_name": t(f"alert_rule_{row.rule}", lang),
                        "explanation": explain(row.rule, row.facts, lang,
                                               levels.get(row.region_level or ""))}
                       for row in rows]}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(t("alerts_none", lang))
        return 0
    for row in rows:
        print(_line(row, lang, tz, levels))
    return 0


def _backfill(engine, days: int, now: datetime, rule_params, lang: str) -> int:
    """Replay the last ``days`` days and now, one line per pass, then the total."""
    def told(done: backfill.Pass) -> None:
        r = done.result
        when = done.day.isoformat() if done.day is not None else t("alert_backfill_now", lang)
        print(t("alert_backfill_line", lang, day=when, created=r.created, closed=r.closed,
                reopened=r.reopened, seconds=f"{done.seconds:.1f}"), flush=True)
        for failure in r.failed:
            print(t("alert_failed_rule", lang, rule=failure.rule, error=failure.error),
                  file=sys.stderr)

    result = backfill.backfill(engine, days, now, rule_params, told=told)
    with engine.connect() as conn:
        open_now = len(book.list_alerts(conn, state="open"))
    print(t("alert_backfill_done", lang, days=days, seconds=f"{result.seconds:.1f}",
            created=result.created, closed=result.closed, open=open_now))
    return 0


def _line(row: book.AlertRow, lang: str, tz, levels: dict[str, str]) -> str:
    """One alert: [红] 突增  第1网格  自 2026-11-17 10:00  新预警  本网格近7日…"""
    since = row.started_at.replace(tzinfo=timezone.utc).astimezone(tz)
    region = row.region_name or t("alert_region_all", lang)
    explanation = explain(row.rule, row.facts, lang, levels.get(row.region_level or ""))
    state = t(f"alert_state_{row.state}", lang)
    if row.state == book.CLOSED:
        note = t("alert_closed_by_system", lang) if row.closed_by == book.SYSTEM \
            else f"{row.closed_by}: {row.close_note}"
        state = f"{state} ({note})"
    return "  ".join([f"[{t(f'alert_level_{row.level}', lang)}]",
                      t(f"alert_rule_{row.rule}", lang), region,
                      t("alert_since", lang, at=f"{since:%Y-%m-%d %H:%M}"), state,
                      explanation])
