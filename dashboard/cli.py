"""The command line: ``python -m dashboard [--lang zh|en] serve|demo|import|summary|user|
wall-token|api-key|audit|briefing|simulate|officers|db|alerts``.

Every command reads :class:`~dashboard.settings.Settings` from the environment
(``DATABASE_URL`` chooses the store). One language per run: ``--lang`` (before or after the
command), else ``DASHBOARD_LANGUAGE``, else Chinese (:mod:`dashboard.cli_common`). Known
failures end in one line on stderr that says what went wrong, and exit status 2; nothing
is half-written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError

from dashboard import (
    cli_accounts, cli_alerts, cli_db, cli_officers, cli_serve, progress, serving, simulate,
)
from dashboard.cli_common import (
    UsageError, add_lang_option, cli_who, open_store, print_error, run_language,
)
from dashboard.app import create_app
from dashboard.audit_page import Filters, parse_filters, row_words
from dashboard.briefing_export import BriefingExportFailed, BriefingRequest, export_briefing
from dashboard.settings import Settings, SettingsError
from data import (
    audit, briefing, case_import, category_import, holidays, importer, region_import, report,
    schema, store,
)
from data.demo import county
from data.field import patrol_import, roster
from data.intake import keys as api_keys
from data.metric_registry import BY_KEY
from data.models import Case, Category, Region
from data.regions import UnknownRegion, root_region
from data.store import StoreError, deployment_timezone
from layouts.format import deadline_note, format_value
from layouts.labels import columns
from layouts.text import metric_label, region_name, t


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def _gap_minutes(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 24 * 60:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of minutes from 1 "
                                         "to 1440")
    return int(text)


def _parse_moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or time like 2026-11-22 or 2026-11-22T09:30"
        ) from None


# --- commands -------------------------------------------------------------------------------

def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_store(settings, existing=False)
    with engine.connect() as conn:
        source = store.get_meta(conn, "source")
        cases = conn.scalar(select(func.count()).select_from(Case))
    if not store.holds_no_regions(engine) and source != "demo" and not args.replace:
        raise UsageError("cli_demo_refused", cases=cases, url=make_url(
            settings.database_url).render_as_string(hide_password=True))
    with progress.shown(args.quiet, settings.language) as shown:
        report = county.build_demo(engine, scale=args.scale, seed=args.seed, as_of=args.as_of,
                                   progress=shown)
    print(t("cli_demo_built", settings.language, scale=args.scale, seed=args.seed,
            seconds=f"{report.seconds:.1f}", regions=report.regions, grids=report.grids,
            cases=report.cases, events=report.events, officers=report.officers,
            patrols=report.patrols))
    cli_serve.announce_access(engine, settings.language)
    return 0


#: ``import KIND``: the module and function each kind runs (every one takes the same
#: arguments and returns an :class:`data.importer.ImportReport`; looked up when run);
#: "holidays" has its own command below.
IMPORTS: dict[str, tuple[ModuleType, str]] = {
    "regions": (region_import, "import_regions"),
    "cases": (case_import, "import_cases"),
    "officers": (roster, "import_officers"),
    "patrols": (patrol_import, "import_patrols"),
    "categories": (category_import, "import_categories"),
}


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    if args.kind == "holidays":
        return _import_holidays(args, settings)
    if not args.mapping:
        raise UsageError("cli_import_needs_mapping", kind=args.kind)
    engine = open_store(settings, existing=False)
    run: Callable = getattr(*IMPORTS[args.kind])
    extra = ({"gap_minutes": args.gap_minutes or settings.patrol_gap_minutes}
             if args.kind == "patrols" else {})
    with progress.shown(args.quiet, settings.language) as shown:
        report = run(engine, Path(args.file), Path(args.mapping),
                     skip_bad_rows=args.skip_bad_rows,
                     rejects_path=Path(args.rejects) if args.rejects else None,
                     progress=shown, **extra)
    notes = [_note_words(note, settings.language) for note in report.notes]
    if args.json:
        print(json.dumps({**report.as_dict(), "notes": notes}, ensure_ascii=False, indent=2))
    else:
        lines = [t(key, settings.language, **values) for key, values in report.summary()]
        print("\n".join(lines + notes))
    return 0


def _note_words(note: str, lang: str) -> str:
    """An import's note in ``lang``: its key worded when it has one (:class:`data.notes.Note`),
    else its text as the import wrote it."""
    key = getattr(note, "key", "")
    return t(key, lang, **note.values) if key else str(note)


def _import_holidays(args: argparse.Namespace, settings: Settings) -> int:
    """``import holidays FILE``: days off and make-up working days over chinesecalendar's."""
    engine = open_store(settings, existing=False)
    with progress.shown(args.quiet, settings.language) as shown:
        report = holidays.import_holidays(engine, Path(args.file), progress=shown)
    if args.json:
        print(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
    else:
        lang = settings.language
        years = ", ".join(map(str, report.years)) or t("cli_none", lang)
        print(t("cli_holidays_counts", lang, off=report.days_off, on=report.days_on,
                replaced=report.replaced))
        print(t("cli_holidays_years", lang, years=years, first=holidays.LIBRARY_YEARS.start,
                last=holidays.LIBRARY_YEARS.stop - 1))
    return 0


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    if (args.date_from is None) != (args.date_to is None):
        raise UsageError("cli_from_to")
    if args.date_from is not None and args.date_from > args.date_to:
        raise UsageError("cli_period_backwards", first=args.date_from, last=args.date_to)
    engine = open_store(settings, existing=True)
    result = report.summarize(engine, args.region, args.date_from, args.date_to)
    lang = settings.language
    region = {**result["region"], "name": region_name(result["region"], lang)}
    result = {**result, "region": region}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    period = result["period"]
    print(f"{region['name']} ({region['code'] or '*'})  {period['from']} .. {period['to']}")
    for key, value in result["metrics"].items():
        note, _ = deadline_note(key, result["metrics"], lang)  # part of the cases, or none
        shown = format_value(value, BY_KEY[key].kind) + (f"  ({note})" if note else "")
        print(f"  {metric_label(key, lang):<24} {shown}")
    return 0


# --- the intake API's keys ----------------------------------------------------------------------

def cmd_api_key(args: argparse.Namespace, settings: Settings) -> int:
    """``api-key add|list|revoke``: the keys writers file cases with (:mod:`data.intake.keys`)."""
    engine = open_store(settings, existing=True)
    if args.action == "add":
        rate = _parse_rate(args.rate)
        token, info = api_keys.add_key(engine, args.name, source=args.source,
                                       region_code=args.region, officer_code=args.officer,
                                       rate_per_minute=rate, actor=cli_who())
        print(f"API key {info.name} made: {_key_facts(info, settings)}")
        print("the key (shown once; keep it like a password):")
        print(token)
        print("try it: " + _curl_hint(engine, info, token, args.base_url))
    elif args.action == "list":
        rows = [("name", "source", "region", "officer", "rate/min", "created (UTC)",
                 "last used", "revoked")]
        rows += [(k.name, k.source, k.region_code or "*", k.officer_code or "-",
                  _rate_words(k, settings), _moment(k.created_at), _moment(k.last_used_at),
                  _moment(k.revoked_at)) for k in api_keys.list_keys(engine)]
        widths = [max(columns(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell + " " * (width - columns(cell))
                            for cell, width in zip(row, widths)).rstrip())
        if len(rows) == 1:
            print("no API keys yet: python -m dashboard api-key add NAME")
    else:
        info = api_keys.revoke_key(engine, args.name, actor=cli_who())
        print(f"API key {info.name} revoked {_moment(info.revoked_at)} UTC: its next request "
              "is refused (403)")
    return 0


def _parse_rate(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--rate {text!r}: a whole number of requests a minute") from None


def _rate_words(info: api_keys.KeyInfo, settings: Settings) -> str:
    if info.rate_per_minute is not None:
        return str(info.rate_per_minute)
    return f"{settings.intake_rate_per_minute} (default)"


def _key_facts(info: api_keys.KeyInfo, settings: Settings) -> str:
    officer = f", officer {info.officer_code} {info.officer_name}" if info.officer_code else ""
    rate = info.rate_per_minute or settings.intake_rate_per_minute
    return (f"source {info.source}, files in {info.region_code or 'any region'}{officer}, "
            f"{rate} requests a minute{'' if info.rate_per_minute else ' (the default)'}")


def _moment(at: datetime | None) -> str:
    return "-" if at is None else f"{at:%Y-%m-%d %H:%M}"


def _curl_hint(engine: Engine, info: api_keys.KeyInfo, token: str, base_url: str) -> str:
    """A request that files a case with the new key: a real service code, and the middle
    of the key's region when it has one."""
    with engine.connect() as conn:
        service = conn.scalar(select(Category.code).order_by(Category.code).limit(1))
        middle = conn.execute(select(Region.centroid_lon, Region.centroid_lat)
                              .where(Region.id == info.region_id)).first()
    lon, lat = middle if middle and None not in middle else ("LON", "LAT")
    return (f"curl -H 'X-Api-Key: {token}' -d service_code={service or 'CODE'} "
            f"-d lat={lat} -d long={lon} -d 'description=...' "
            f"{base_url.rstrip('/')}/open311/v2/requests.json")


def _api_key_parser(sub) -> None:
    """``api-key add NAME [...]``, ``api-key list``, ``api-key revoke NAME``."""
    key = sub.add_parser("api-key", help="the intake API's keys (Open311 writers): add, list, "
                                         "revoke")
    key_sub = key.add_subparsers(dest="action", required=True)
    add = key_sub.add_parser("add", help="make a key (printed once)")
    add.add_argument("name", help="what the key is for, e.g. 12345热线 (unique)")
    add.add_argument("--source", metavar="|".join(schema.KEY_SOURCES),
                     help="the source channel of its cases (default: hotline; patrol for an "
                          "officer's key)")
    add.add_argument("--region", help="region code it may file in (default: anywhere; the "
                                      "officer's grid for an officer's key)")
    add.add_argument("--officer", help="the grid officer's code (officers.code) whose phone "
                                       "holds it: their reports record them")
    add.add_argument("--rate", metavar="N", help="requests a minute it may send (default: "
                                                 "DASHBOARD_INTAKE_RATE, 600 unless set)")
    add.add_argument("--base-url", default="http://127.0.0.1:8050",
                     help="the server's address, for the printed curl line")
    key_sub.add_parser("list", help="list the keys (revoked ones too)")
    off = key_sub.add_parser("revoke", help="revoke a key: its next request is refused")
    off.add_argument("name")
    key.set_defaults(run=cmd_api_key)


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Print the audit log, newest first, as ``/admin/audit`` shows it."""
    filters = parse_filters({"kind": args.kind or [], "actor": [args.actor or ""],
                             "since": [args.since or ""], "until": [args.until or ""]})
    if not 1 <= args.limit <= audit.MAX_LIMIT:
        raise UsageError(f"--limit {args.limit}: from 1 to {audit.MAX_LIMIT}")
    engine = open_store(settings, existing=True)
    with engine.connect() as conn:
        tz = deployment_timezone(conn)
    if args.prune_before:
        try:
            day = date.fromisoformat(args.prune_before)
        except ValueError:
            raise UsageError(f"--prune-before {args.prune_before!r}: not a date like "
                             "2026-11-22") from None
        (before, _) = Filters(since=day).bounds(tz)
        print(f"deleted {audit.prune(engine, before)} audit entries older than "
              f"{args.prune_before} (local time)")
        return 0
    since, until = filters.bounds(tz)
    found = audit.query(engine, kinds=filters.kinds, actor=filters.actor or None,
                        since=since, until=until, limit=args.limit)
    lang = settings.language
    for row in found.rows:
        words = row_words(row, tz, lang)
        print("  ".join(part for part in (
            words["at"], words["event"], words["actor"], words["source"], words["target"],
            words["region"], words["result"], words["detail"]) if part))
    if found.has_more:
        print(f"... older entries follow (--limit {args.limit}; narrow with --since/--until)")
    elif not found.rows:
        print("no audit entries match")
    return 0


def cmd_briefing(args: argparse.Namespace, settings: Settings) -> int:
    """The weekly briefing as a PDF, or one PNG per page, printed by headless Chromium
    from the dashboard's own ``/briefing`` page (see :mod:`dashboard.briefing_export`)."""
    began = time.perf_counter()
    week = briefing.parse_week(args.week)  # a malformed week fails before anything starts
    kind = args.format
    out = Path(args.out)
    if kind == "pdf" and (out.suffix.lower() != ".pdf" or out.is_dir()):
        raise UsageError(f"--out {args.out}: a PDF needs a file name ending in .pdf "
                         "(or add --format png and name a directory)")
    if kind == "png" and out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: PNG pages go into a directory, and this is a file")
    lang = args.lang or settings.language  # the briefing's own --lang, else the run's
    if lang not in ("zh", "en"):
        raise UsageError(f"--lang {lang}: zh or en")
    engine = open_store(settings, existing=True)
    with engine.connect() as conn:
        region = root_region(conn, args.region)  # UnknownRegion for a code nobody has
    request = BriefingRequest(str(week), None if region is None else region.code, lang,
                              kind)
    try:
        app = None if args.url else create_app(settings)  # served for the run, on this store
        files = export_briefing(settings, request, out, url=args.url, app=app, engine=engine)
    except Exception as exc:
        if isinstance(exc, BriefingExportFailed):
            raise UsageError(f"briefing {week}: {exc}") from None
        if type(exc).__module__.startswith("playwright"):  # the browser itself failed
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(f"briefing {week}: the browser failed: {first}") from None
        raise
    seconds = time.perf_counter() - began
    if kind == "pdf":
        print(f"wrote {files[0]} ({week}, {request.region or 'all regions'}) in {seconds:.1f} s")
    else:
        print(f"wrote {len(files)} pages to {out}/ ({week}, {request.region or 'all regions'}) "
              f"in {seconds:.1f} s")
    return 0


# --- parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Command-centre dashboard for grid-based governance. "
                    "DATABASE_URL chooses the store (default: SQLite under instance/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)  # --lang added below
    _store_commands(sub)
    cli_accounts.add_parsers(sub)  # user, wall-token
    _api_key_parser(sub)
    _report_commands(sub)
    _simulate_parser(sub)
    cli_officers.add_parser(sub)  # officers: the grid officers' assessment
    cli_db.add_parser(sub)  # db: the schema's migrations and backups
    cli_alerts.add_parser(sub)  # alerts: the early warning (预警)
    add_lang_option(parser, top=True)  # one language per run: before or after the command
    return parser


def _store_commands(sub) -> None:
    """``serve`` (:mod:`dashboard.cli_serve`), ``demo``, ``import`` and ``summary``."""
    cli_serve.add_parser(sub)

    demo = sub.add_parser("demo", help="replace the store's data with a synthetic county")
    demo.add_argument("--scale", choices=["small", "county", "city"], default="county")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--replace", action="store_true",
                      help="replace a store that holds imported (not demo) data")
    demo.add_argument("--as-of", type=_parse_moment, default=None,
                      help="the demo's 'now' in UTC (default: now)")
    demo.add_argument("--quiet", action="store_true", help="no progress on stderr")
    demo.set_defaults(run=cmd_demo)

    imp = sub.add_parser("import", help="import regions, cases, the officers' roster, GPS "
                                        "fixes of patrols or the category table (time limits) "
                                        "from CSV/XLSX/GeoJSON/Shapefile, or holidays from a "
                                        "CSV (date,day[,note])")
    imp.add_argument("kind", choices=[*IMPORTS, "holidays"])
    imp.add_argument("file")
    imp.add_argument("--mapping", help="the TOML mapping file (every kind but holidays)")
    imp.add_argument("--skip-bad-rows", action="store_true",
                     help="import the good rows; write the bad ones to a rejects CSV")
    imp.add_argument("--rejects", help="where to write the rejects CSV")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    imp.add_argument("--gap-minutes", type=_gap_minutes, default=None,
                     help="patrols: a gap between fixes over this starts a new patrol "
                          "(default DASHBOARD_PATROL_GAP_MINUTES, 30)")
    imp.set_defaults(run=cmd_import)

    summary = sub.add_parser("summary", help="print the metrics of a region and its children")
    summary.add_argument("--region", help="region code (default: the whole deployment)")
    summary.add_argument("--from", dest="date_from", type=_parse_date)
    summary.add_argument("--to", dest="date_to", type=_parse_date)
    summary.add_argument("--json", action="store_true")
    summary.set_defaults(run=cmd_summary)


def _report_commands(sub) -> None:
    """``audit`` and ``briefing``."""
    log = sub.add_parser("audit", help="print the audit log, newest first")
    log.add_argument("--since", help="first local day, e.g. 2026-11-22")
    log.add_argument("--until", help="last local day (inclusive)")
    log.add_argument("--kind", action="append",
                     help="event kind (repeat, or comma-separated): sign_in, sign_in_failed, "
                          "sign_out, refused, user_added, password_set, user_disabled, "
                          "token_made, token_revoked, api_key_made, api_key_revoked, "
                          "case_action, patrol_started, patrol_stopped, patrol_points")
    log.add_argument("--actor", help="account name (exactly), or cli:USER")
    log.add_argument("--limit", type=int, default=100, help="rows at most (default 100)")
    log.add_argument("--prune-before", metavar="DAY",
                     help="delete the entries older than this local day (retention), "
                          "and print how many")
    log.set_defaults(run=cmd_audit)

    brief = sub.add_parser("briefing", help="the weekly briefing as a PDF or PNG pages")
    brief.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    brief.add_argument("--region", help="region code (default: the top-level region)")
    brief.add_argument("--lang", help="zh or en (default: the run's, --lang before the "
                                      "command or DASHBOARD_LANGUAGE, else zh)")
    brief.add_argument("--out", required=True,
                       help="the PDF file, or the directory for --format png")
    brief.add_argument("--format", choices=["pdf", "png"], default="pdf",
                       help="pdf: A4 landscape pages; png: one 16:9 picture per page")
    brief.add_argument("--url", help="a running dashboard on the same store (default: "
                                     "start one for the run)")
    brief.set_defaults(run=cmd_briefing)


# --- the living demo ---------------------------------------------------------------------------

def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """Post realistic cases to a server's Open311 API (:mod:`dashboard.simulate`); the
    summary is printed at the end, on Ctrl-C too."""
    key = sys.stdin.readline().strip() if args.key == "-" else args.key
    try:
        options = simulate.Options.parse(
            url=args.url, key=key, rate=args.rate, duration=args.duration, count=args.count,
            seed=args.seed, photos=args.photos, duplicates=args.duplicates,
            on_spot=args.on_spot, area=args.area, report_every=args.report_every)
        simulate.run(options, out=lambda line: print(line, flush=True))
    except simulate.SimulateUsage as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:  # before the first case: nothing to sum up
        print(t("cli_interrupted", settings.language), file=sys.stderr)
        return 130
    return 0


def _simulate_parser(sub) -> None:
    """``simulate``."""
    sim = sub.add_parser("simulate", help="post realistic cases to a server's Open311 API "
                                          "(a living demo)")
    sim.add_argument("--url", default="http://127.0.0.1:8050", help="the server's address")
    sim.add_argument("--key", required=True,
                     help="an API key (api-key add); '-' reads it from stdin")
    sim.add_argument("--rate", default="2/s", help="cases per second or minute: 2/s, 30/m")
    sim.add_argument("--duration", help="stop after 90s, 10m, 1h (default: at Ctrl-C)")
    sim.add_argument("--count", type=int, help="stop after this many cases")
    sim.add_argument("--seed", type=int, default=1, help="the same seed sends the same cases")
    sim.add_argument("--photos", default="0.2", help="share of cases with photos (0.2)")
    sim.add_argument("--duplicates", default="0.1",
                     help="share repeating a case sent minutes before (0.1)")
    sim.add_argument("--on-spot", default="0",
                     help="share resolved on the spot (an officer's key; default 0)")
    sim.add_argument("--area", help="lon1,lat1,lon2,lat2: where to place cases when the "
                                    "server lists no recent ones")
    sim.add_argument("--report-every", type=int, default=20, metavar="N",
                     help="print a line every N cases (20)")
    sim.set_defaults(run=cmd_simulate)


def _known_errors() -> tuple[type[BaseException], ...]:
    return (UsageError, SettingsError, UnknownRegion, StoreError, ValueError,
            FileNotFoundError, importer.ImportFailed, serving.ServeRefused)


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; return the exit status. The run's language (``--lang``, else
    ``settings.language``) words what it prints; ``serve`` keeps ``settings.language`` as
    the pages' default whatever ``--lang`` says."""
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = run_language(args)
    try:
        settings = Settings.from_env() if settings is None else settings
        lang = run_language(args, default=settings.language)
        if args.run is cli_serve.cmd_serve:
            return cli_serve.cmd_serve(args, settings, lang)
        return args.run(args, settings.with_(language=lang))
    except _known_errors() as exc:
        return print_error(exc, lang)
    except (OperationalError, ProgrammingError) as exc:
        return print_error(UsageError("cli_store_unusable", reason=exc.orig), lang)
    except (DataError, IntegrityError) as exc:  # every write is one transaction: rolled back
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else exc
        return print_error(UsageError("cli_store_refused", reason=reason), lang)
