"""The audit log for admins: the page ``/admin/audit`` and the rows ``dashboard audit`` prints.

Read-only and server-rendered (``templates/audit.html``, zh/en like the sign-in page):
filters by event kind, actor and local dates, newest first, 50 rows a page. Only a
signed-in admin sees it; anyone else gets 403 (and the refusal is itself logged), a wall's
display token included. Everything shown is escaped by Jinja: an actor or a path an attacker
typed is text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Mapping
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dash import Dash
from flask import Response, render_template, request

from dashboard import audit_hooks, auth, services
from data import audit
from data.store import deployment_timezone
from layouts.auth import AUDIT_PATH
from layouts.text import TEXT, t

PATH = AUDIT_PATH
PAGE_SIZE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Filters:
    """What the admin asked to see: event kinds, actor, local dates (inclusive), page."""

    kinds: tuple[str, ...] = ()
    actor: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """``since`` and ``until`` as the store's naive UTC: local midnight of ``since``
        and of the day after ``until``."""
        def utc(day: date) -> datetime:
            return datetime.combine(day, time(0), tz).astimezone(timezone.utc).replace(
                tzinfo=None)
        since = utc(self.since) if self.since else None
        until = None
        if self.until:
            until = utc(date.fromordinal(self.until.toordinal() + 1))
        return since, until

    def to_query(self, **changes: object) -> str:
        values = {"kind": list(self.kinds), "actor": self.actor or None,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None,
                  "page": self.page, **changes}
        return urlencode({k: v for k, v in values.items() if v not in (None, "", [])},
                         doseq=True)


def parse_filters(args: Mapping[str, list[str]]) -> Filters:
    """Filters from an address's query (each key to its list of values); a bad value
    raises :class:`data.audit.AuditQueryError` naming the parameter, the value and why."""
    kinds = tuple(k for value in args.get("kind", []) for k in value.split(",") if k.strip())
    kinds = tuple(k.strip() for k in kinds)
    for kind in kinds:
        if kind not in audit.EVENTS:
            raise audit.AuditQueryError(
                f"kind={kind!r}: not an event kind (one of {', '.join(audit.EVENTS)})")
    actor = (args.get("actor") or [""])[0].strip()[:100]
    dates = {}
    for key in ("since", "until"):
        raw = (args.get(key) or [""])[0].strip()
        try:
            dates[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise audit.AuditQueryError(f"{key}={raw!r}: not a date like 2026-11-22") from None
    if dates["since"] and dates["until"] and dates["until"] < dates["since"]:
        raise audit.AuditQueryError(f"until={dates['until']} is before since={dates['since']}")
    raw_page = (args.get("page") or ["1"])[0].strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise audit.AuditQueryError(f"page={raw_page!r}: a whole number from 1 to {MAX_PAGE}")
    return Filters(kinds, actor, dates["since"], dates["until"], int(raw_page))


def row_words(row: audit.AuditRow, tz: ZoneInfo, lang: str) -> dict[str, str]:
    """One row as the words the page and the command line show."""
    at = row.at.replace(tzinfo=timezone.utc).astimezone(tz)
    detail = dict(row.detail)
    why = detail.pop("key", None) or detail.pop("why", None)
    facts = []
    if "action" in detail:
        facts.append(t(f"action_{detail.pop('action')}", lang))
    detail.pop("case_id", None)
    if why:
        facts.append(_word(f"audit_why_{why}" if f"audit_why_{why}" in TEXT["zh"] else why,
                           lang, {"region": row.region or "*"}))
    facts += [f"{key}={value}" for key, value in detail.items()]
    if row.count > 1 and row.last_at is not None:
        last = row.last_at.replace(tzinfo=timezone.utc).astimezone(tz)
        facts.append(t("audit_repeated", lang, n=row.count, last=f"{last:%H:%M:%S}"))
    kind = "" if row.actor_kind == audit.USER else f" ({t('audit_actor_' + row.actor_kind, lang)})"
    return {
        "at": f"{at:%Y-%m-%d %H:%M:%S}", "event": t(f"audit_event_{row.event}", lang),
        "actor": f"{row.actor}{kind}", "source": row.source or "",
        "target": row.target or "", "region": row.region or "",
        "result": t(f"audit_result_{row.result}", lang) if row.result else "",
        "detail": "; ".join(facts), "failed": row.result == audit.FAILED,
    }


class _Filled(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _word(key: str, lang: str, values: Mapping[str, object]) -> str:
    """A reason's text key in words; placeholders the row does not keep read "…", and a
    key with no words (an old or foreign one) is shown as it is."""
    template = TEXT.get(lang, TEXT["zh"]).get(key) or TEXT["zh"].get(key)
    return key if template is None else template.format_map(_Filled(values))


def audit_view() -> Response:
    """``/admin/audit``: the log, for an admin; 403 for anyone else."""
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else \
        services.settings().language
    try:
        auth.require_admin()
    except auth.Forbidden as refused:
        return _page(lang, status=403, error=refused.message(lang))
    try:
        filters = parse_filters(request.args.to_dict(flat=False))
    except audit.AuditQueryError as bad:
        return _page(lang, status=400, error=t("audit_bad_filter", lang, why=bad))
    audit_hooks.flush_pending()  # this process's counted repeats, up to now
    engine = services.engine()
    with engine.connect() as conn:
        tz = deployment_timezone(conn)
    since, until = filters.bounds(tz)
    found = audit.query(engine, kinds=filters.kinds, actor=filters.actor or None,
                        since=since, until=until, limit=PAGE_SIZE,
                        offset=(filters.page - 1) * PAGE_SIZE)
    rows = [row_words(row, tz, lang) for row in found.rows]
    lang_query = {"lang": "en"} if lang == "en" else {}
    newer = (f"{PATH}?{filters.to_query(page=filters.page - 1, **lang_query)}"
             if filters.page > 1 else "")
    older = f"{PATH}?{filters.to_query(page=filters.page + 1, **lang_query)}" \
        if found.has_more else ""
    return _page(lang, rows=rows, filters=filters, newer=newer, older=older)


def _page(lang: str, status: int = 200, error: str = "", rows: list | None = None,
          filters: Filters | None = None, newer: str = "", older: str = "") -> Response:
    words = {key: t(key, lang) for key in (
        "app_title", "audit_title", "audit_kind", "audit_actor", "audit_since",
        "audit_until", "audit_filter", "audit_all", "audit_at", "audit_event", "audit_who",
        "audit_source", "audit_target", "audit_region", "audit_result", "audit_detail",
        "audit_none", "audit_newer", "audit_older", "audit_back", "language")}
    kinds = [(kind, t(f"audit_event_{kind}", lang)) for kind in audit.EVENTS]
    html = render_template("audit.html", lang=lang, words=words, error=error,
                           rows=rows or [], filters=filters or Filters(), kinds=kinds,
                           newer=newer, older=older, other_lang=t("other_lang", lang),
                           show_form=status in (200, 400), show_rows=status == 200)
    return Response(html, status=status, mimetype="text/html")


def init_app(app: Dash) -> None:
    """Serve ``/admin/audit`` from ``app``'s server."""
    app.server.add_url_rule(PATH, "audit_log", audit_view, methods=["GET"])
