"""The weekly briefing's alerts page (本周预警): the body built from
:class:`data.alerts.weekly.WeekAlerts` (``briefing_data(...)["alerts"]``).

A note when the record of alerts does not cover the week (recorded only since a later
moment, never computed, the week still running, the alerts not computed lately), then the
week in one or two sentences, the counts per rule and level, and the red and orange alerts
one per line with their explanation (:func:`layouts.alert_words.explain`) and their outcome
as of the week's end. :mod:`layouts.briefing` puts it in its page frame.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dash import html

from data.alerts.finding import LEVELS
from data.alerts.weekly import WeekAlert, WeekAlerts
from layouts.alert_words import explain
from layouts.text import label, t

#: The most alerts the page lists one by one (the total is always given), by the page
#: block's height: an A4 sheet, a 16:9 slide. Each note above them takes one row's room.
LIST_ROWS = {"print": 9, "slides": 9}
_COUNTED = ("raised", "carried", "closed_by_person", "closed_by_system", "open")


def _local(moment: datetime, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).strftime(fmt)


def alert_notes(week: WeekAlerts, lang: str, tz: ZoneInfo) -> list[str]:
    """Why the page's figures may not be the whole week: in the order they matter."""
    if week.future:
        return [t("alert_brief_future", lang)]
    coverage = week.coverage
    if coverage == "none":
        return [t("alert_brief_never", lang)]
    since = _local(week.recorded_since, tz) if week.recorded_since else ""
    if coverage == "before":
        return [t("alert_brief_before", lang, since=since)]
    notes = []
    if coverage == "partial":
        notes.append(t("alert_brief_partial", lang, since=since))
    if week.running:
        notes.append(t("alert_brief_running", lang, as_of=_local(week.cutoff, tz)))
    if week.stale:
        notes.append(t("alert_brief_stale", lang, at=_local(week.computed_at, tz)))
    return notes


def alert_sentences(week: WeekAlerts, lang: str, tz: ZoneInfo) -> list[str]:
    """The week's alerts in words: how many were raised (per level), carried over, and
    what became of them by the week's end; the median time to acknowledge. Empty when
    the week has no alert data (the notes say why)."""
    if week.future or week.coverage in ("none", "before"):
        return []
    if not week.alerts:
        return [t("alert_brief_quiet", lang)]
    c = week.counts()
    by_level = c["raised_by_level"]
    out = t("alert_brief_summary", lang, raised=c["raised"], **by_level)
    if c["carried"]:
        out += t("alert_brief_carried", lang, carried=c["carried"])
    when = t("alert_brief_as_of", lang, as_of=_local(week.cutoff, tz)) if week.running \
        else t("alert_brief_week_end", lang)
    outcomes = c["outcomes"]
    out += t("alert_brief_outcome", lang, when=when, person=outcomes["closed_by_person"],
             system=outcomes["closed_by_system"], open=c["open"])
    if c["open"]:
        out += t("alert_brief_open_parts", lang, new=outcomes["new"],
                 acknowledged=outcomes["acknowledged"], assigned=outcomes["assigned"])
    sentences = [out + ("。" if lang == "zh" else ".")]
    if c["raised"]:
        hours = c["median_hours_to_acknowledge"]
        sentences.append(t("alert_brief_ack_none", lang) if hours is None else
                         t("alert_brief_ack", lang, n=c["acknowledged"], hours=f"{hours:.1f}"))
    return sentences


def rule_table(week: WeekAlerts, lang: str) -> html.Table:
    """Counts per rule: the alerts raised per level, raised in all, carried over, and
    their outcomes; a total row."""
    rows = week.by_rule()
    head = [t("alert_brief_rule", lang), *(t(f"alert_level_{lv}", lang) for lv in LEVELS),
            t("alert_brief_raised", lang), t("alert_brief_carried_col", lang),
            t("alert_brief_closed_person", lang), t("alert_brief_closed_system", lang),
            t("alert_brief_open", lang)]
    body = [html.Tr([html.Td(t(f"alert_rule_{row['rule']}", lang)),
                     *(html.Td(f"{row[k]:,}", className=f"num level-{k}" if row[k] else "num")
                       for k in LEVELS),
                     *(html.Td(f"{row[k]:,}", className="num") for k in _COUNTED)],
                    **{"data-rule": row["rule"]}) for row in rows]
    total = {k: sum(row[k] for row in rows) for k in (*LEVELS, *_COUNTED)}
    foot = html.Tr([html.Td(t("alert_brief_total", lang)),
                    *(html.Td(f"{total[k]:,}", className="num") for k in (*LEVELS, *_COUNTED))],
                   className="briefing-total", **{"data-rule": "total"})
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                       html.Tbody([*body, foot])],
                      className="briefing-table briefing-alerts-rules")


def outcome_text(alert: WeekAlert, lang: str) -> str:
    """What became of one alert by the cut-off, in words."""
    key = f"alert_brief_out_{alert.outcome}"
    if alert.outcome == "acknowledged":
        return t(key, lang, who=alert.acknowledged_by or "—")
    if alert.outcome == "assigned":
        return t(key, lang, code=alert.case_code or "—",
                 status=label(alert.case_status, lang) if alert.case_status else "—")
    if alert.outcome == "closed_by_person":
        return t(key, lang, who=alert.closed_by or "—", note=alert.close_note or "—")
    return t(key, lang)


def alert_list(week: WeekAlerts, lang: str, tz: ZoneInfo, limit: int) -> list:
    """The red and orange alerts (at most ``limit``) with a line saying how many there
    are."""
    chosen = week.listed()
    if not chosen:
        return [html.P(t("alert_brief_list_none", lang), className="briefing-intro")]
    shown = chosen[:limit]
    rows = []
    for alert in shown:
        level_name = alert.region_level if lang == "zh" else \
            week.level_names_en.get(alert.region_level or "")
        found = _local(alert.first_seen_at, tz, "%m-%d %H:%M")
        if alert.carried:
            found += f" · {t('alert_brief_carried_mark', lang)}"
        rows.append(html.Tr([
            html.Td(t(f"alert_level_{alert.level}", lang),
                    className=f"alert-level level-{alert.level}"),
            html.Td(t(f"alert_rule_{alert.rule}", lang)),
            html.Td(alert.region_name or t("alert_region_all", lang)),
            html.Td(explain(alert.rule, alert.facts, lang, level_name or None)),
            html.Td(found, className="num"),
            html.Td(outcome_text(alert, lang), className=f"outcome-{alert.outcome}"),
        ], **{"data-alert": str(alert.id), "data-outcome": alert.outcome}))
    head = [t("alert_brief_level", lang), t("alert_brief_rule", lang),
            t("alert_brief_region", lang), t("alert_brief_explain", lang),
            t("alert_brief_first_seen", lang), t("alert_brief_result", lang)]
    table = html.Table([
        html.Colgroup([html.Col(className=f"col-{name}") for name in
                       ("level", "rule", "region", "explain", "found", "outcome")]),
        html.Thead(html.Tr([html.Th(h) for h in head])),
        html.Tbody(rows)], className="briefing-table briefing-alerts-list")
    intro = html.P(t("alert_brief_list_more", lang, total=len(chosen), shown=len(shown)),
                   className="briefing-intro")
    return [intro, table]


def alerts_body(week: WeekAlerts, lang: str, tz: ZoneInfo, fmt: str = "print") -> list:
    """The page's content (see the module) for a page block of format ``fmt``."""
    notes = [html.Div(n, className="briefing-note") for n in alert_notes(week, lang, tz)]
    limit = max(LIST_ROWS[fmt] - len(notes), 4)
    sentences = alert_sentences(week, lang, tz)
    body: list = [*notes]
    if sentences:
        body.append(html.Div([html.P(s, className="briefing-sentence") for s in sentences],
                             className="briefing-sentences briefing-alerts-summary"))
    if week.alerts and not week.future and week.coverage not in ("none", "before"):
        body.append(html.Div([html.H3(t("alert_brief_table", lang), className="briefing-h3"),
                              rule_table(week, lang)], className="briefing-panel"))
        body.append(html.Div([html.H3(t("alert_brief_list", lang), className="briefing-h3"),
                              *alert_list(week, lang, tz, limit)],
                             className="briefing-panel briefing-alerts-listed"))
    return [html.Div(body, className="briefing-alerts", **{
        "data-coverage": "future" if week.future else week.coverage,
        "data-raised": str(len(week.raised())), "data-alerts": str(len(week.alerts))})]
