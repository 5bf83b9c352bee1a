"""The weekly briefing's pages: builders from :func:`data.briefing.briefing_data` to components.

The briefing is a stack of fixed-size page blocks (``.briefing-page``), :data:`PAGES` of
them, always in the same order. For print (``format=print``, the default) each block is
exactly one A4 landscape sheet (297×210 mm, ``@page`` margin 0 in
``assets/briefing.css``), so the PDF has :data:`PAGES` pages; for slides
(``format=slides``) each block is 1600×900 CSS px (16:9) and is screenshot on its own.
Figures are drawn at the pixel size of their block's canvas (:class:`Canvas`), statically,
on white.

``assets/briefing.js`` sets ``data-ready="true"`` on the ``.briefing`` root once every
graph it announces (``data-graphs``) has drawn and the fonts are loaded: the CLI waits for
that before it prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dash import dcc, html

from data.briefing import HEADLINE, Change, change
from data.metric_registry import BY_KEY
from layouts import figures
from layouts.assessment import officers_body
from layouts.briefing_alerts import alerts_body
from layouts.format import coverage_share, deadline_note, format_value, moment_text
from layouts.text import label, metric_label, region_name, t

#: The briefing's pages, in order (their count is the PDF's page count).
PAGES = ("summary", "map", "problems", "rankings", "cases", "disputes", "officers", "alerts")
FORMATS = ("print", "slides")


@dataclass(frozen=True)
class Canvas:
    """A page block's size in CSS px (print: A4 landscape at 96 px per inch)."""

    width: int
    height: int

    @property
    def body_height(self) -> int:
        """The height left for a page's content under its header and above its footer."""
        return self.height - 130


CANVASES = {"print": Canvas(1122, 793), "slides": Canvas(1600, 900)}


def briefing_href(week: str, region: str | None, lang: str, fmt: str = "print") -> str:
    """The address of a briefing."""
    query = {"week": week}
    if region:
        query["region"] = region
    if lang == "en":
        query["lang"] = "en"
    if fmt != "print":
        query["format"] = fmt
    return "/briefing?" + urlencode(query)


# --- issue 12: words moved from data/briefing.py (a change and the week in sentences) -------

_ZH_UP = {"count": "增加", "rate": "上升", "hours": "增加"}
_ZH_DOWN = {"count": "减少", "rate": "下降", "hours": "减少"}
_EN_UP = {"count": "up", "rate": "up", "hours": "up"}
_EN_DOWN = {"count": "down", "rate": "down", "hours": "down"}


def change_text(ch: Change, kind: str, lang: str = "zh") -> str:
    """A change in words: 上升2.1个百分点 / 增加12件（+5.3%）/ 持平 / 无可比数据."""
    zh = lang == "zh"
    if ch.direction == "none":
        return "无可比数据" if zh else "no comparable data"
    if ch.direction == "flat":
        return "持平" if zh else "unchanged"
    size = abs(ch.amount)
    if kind == "rate":
        amount = f"{size:.1f}个百分点" if zh else f"{size:.1f} pp"
    elif kind == "hours":
        amount = f"{size:.1f}小时" if zh else f"{size:.1f} h"
    else:
        amount = f"{int(size):,}件" if zh else f"{int(size):,}"
        if ch.percent is not None:
            amount += f"（{ch.percent:+.1f}%）" if zh else f" ({ch.percent:+.1f}%)"
    if zh:
        return (_ZH_UP if ch.direction == "up" else _ZH_DOWN)[kind] + amount
    return f"{(_EN_UP if ch.direction == 'up' else _EN_DOWN)[kind]} {amount}"


def _pct(value: object) -> str:
    return format_value(value, "rate")  # "—", and never a rounded 100.0% or 0.0%


def sentences(current: dict, previous: dict | None, year_ago: dict | None,
              lang: str = "zh", *, future: bool = False, until: str | None = None
              ) -> list[str]:
    """The week stated in a few plain sentences, from the figures alone.

    ``previous``/``year_ago`` None means no comparable data. Rates without a denominator
    read "—" and say so; a week with no cases says that instead of "0% closed". ``until``
    (a running week: "周三18:40") says the week is counted to then and compared with the
    same span of the weeks it is compared with.
    """
    zh = lang == "zh"
    if future:
        return ["本周尚未到来，暂无数据。" if zh else "This week has not come yet: no data."]
    prev = previous or {}
    ago = year_ago or {}

    def vs(key: str, kind: str, against: dict, have: bool) -> str:
        return change_text(change(current.get(key), against.get(key) if have else None, kind),
                           kind, lang)

    out: list[str] = []
    reported = int(current.get("reported") or 0)
    have_prev, have_ago = previous is not None, year_ago is not None
    if zh and until:
        first = f"本周截至{until}共受理事件{reported:,}件，较上周同期" \
                f"{vs('reported', 'count', prev, have_prev)}，较去年同期" \
                f"{vs('reported', 'count', ago, have_ago)}。"
    elif until:
        first = (f"{reported:,} cases were reported this week to {until}, "
                 f"{vs('reported', 'count', prev, have_prev)} on the same span of the "
                 f"previous week and {vs('reported', 'count', ago, have_ago)} on the same "
                 f"span last year.")
    elif zh:
        first = f"本周共受理事件{reported:,}件，环比{vs('reported', 'count', prev, have_prev)}，" \
                f"同比{vs('reported', 'count', ago, have_ago)}。"
    else:
        first = (f"{reported:,} cases were reported this week, "
                 f"{vs('reported', 'count', prev, have_prev)} on the previous week and "
                 f"{vs('reported', 'count', ago, have_ago)} on the same week last year.")
    if reported == 0 and not current.get("closed"):
        first = (first[:-1] + "，本周无新受理事件。") if zh else \
            first + " No case was reported this week."
    out.append(first)

    out.extend(_deadline_sentences(current, lambda key, kind: vs(key, kind, prev, have_prev),
                                   have_prev, lang))
    mediated = int(current.get("disputes_mediated") or 0)
    if zh:
        out.append(f"调解矛盾纠纷{mediated:,}起，调解成功率{_pct(current.get('mediation_success_rate'))}。"
                   if mediated else "本周无调解结束的矛盾纠纷。")
    else:
        out.append(f"{mediated:,} disputes were mediated, "
                   f"{_pct(current.get('mediation_success_rate'))} successfully."
                   if mediated else "No dispute finished mediation this week.")
    coverage = current.get("patrol_coverage")
    if zh:
        out.append("网格巡查覆盖率" + (_pct(coverage) + f"，环比{vs('patrol_coverage', 'rate', prev, have_prev)}。"
                                 if coverage is not None else "无巡查记录（—）。"))
    else:
        out.append("Patrol coverage " + (f"{_pct(coverage)} "
                                         f"({vs('patrol_coverage', 'rate', prev, have_prev)})."
                                         if coverage is not None else
                                         "unknown: no patrol records (—)."))
    if until:  # every comparison of a running week is with the same span before
        for i, text in enumerate(out[1:], 1):
            text = re.sub(r"环比|较上周(?!同期)", "较上周同期", text)
            out[i] = text.replace("on the previous week", "on the same span of the previous week")
    return out


def _deadline_sentences(current: dict, vs, have_prev: bool, lang: str) -> list[str]:
    """The closure and overdue sentences: figures that stand on deadlines, said over the
    cases that have one, and said to be unknown when none has one (issue 17), never
    closed / closed = 100% nor "no overdue case"."""
    zh = lang == "zh"
    closed = int(current.get("closed") or 0)
    rate, on_time = current.get("closure_rate"), current.get("on_time_closure_rate")
    coverage = current.get("deadline_coverage")
    out = []
    if rate is None and coverage == 0:
        out.append(f"本周结案{closed:,}件；应结案件均无处置时限，结案率、按期结案率无从计算（—），"
                   "请导入分类表。" if zh else
                   f"{closed:,} cases were closed; none of the cases due had a deadline, so "
                   "there is no closure or on-time closure rate (—): import a category table.")
    elif rate is None:
        out.append(f"本周结案{closed:,}件，本周无应结案件，结案率无从计算（—）。" if zh else
                   f"{closed:,} cases were closed; none fell due, so there is no "
                   "closure rate (—).")
    elif zh:
        out.append(f"本周结案{closed:,}件，结案率{_pct(rate)}，环比{vs('closure_rate', 'rate')}；"
                   f"按期结案率{_pct(on_time)}，环比{vs('on_time_closure_rate', 'rate')}。")
    else:
        out.append(f"{closed:,} cases were closed: a closure rate of {_pct(rate)} "
                   f"({vs('closure_rate', 'rate')} on the previous week); on time "
                   f"{_pct(on_time)} ({vs('on_time_closure_rate', 'rate')}).")
    if rate is not None and coverage is not None and coverage < 1:
        share = coverage_share(coverage)
        out[-1] += (f"（两率只按有处置时限的案件计算，占应结案件的{share}。）" if zh else
                    f" (Both rates count the cases with a deadline: {share} of those due.)")
    overdue = current.get("overdue")
    if overdue is None:
        out.append("在办案件均无处置时限，超期数无从计算（—）。" if zh else
                   "No open case has a deadline, so none can be overdue: unknown (—).")
        return out
    overdue = int(overdue)
    if zh:
        out.append(f"截至统计时点超期未结事件{overdue:,}件，较上周{vs('overdue', 'count')}。"
                   if overdue or have_prev else "截至统计时点无超期未结事件。")
    else:
        out.append(f"{overdue:,} open cases were past their deadline at the end of the week "
                   f"({vs('overdue', 'count')} on the previous week).")
    open_coverage = current.get("open_deadline_coverage")
    if open_coverage is not None and open_coverage < 1:
        share = coverage_share(open_coverage)
        out[-1] += (f"（有处置时限的在办案件占{share}。）" if zh else
                    f" ({share} of the open cases have a deadline.)")
    return out


def week_sentences(data: dict, lang: str = "zh") -> list[str]:
    """The sentences of page 1 from :func:`data.briefing.briefing_data`'s ``data``: its
    figures against the previous week and the same week a year earlier."""
    week = data["week"]
    until = moment_text(week["as_of"], lang, weekday=True) if week.get("same_span") else None
    return sentences(data["metrics"], data["previous"], data["year_ago"], lang,
                     future=week["future"], until=until)


# --- pieces ----------------------------------------------------------------------------------

def _page(key: str, number: int, title: str, data: dict, lang: str, body: list) -> html.Section:
    region = region_name(data["region"], lang)
    week = data["week"]
    head = html.Header([
        html.Div([html.Span(t("brief_title", lang), className="briefing-kicker"),
                  html.H2(title, className="briefing-h2")]),
        html.Div([html.Div(region, className="briefing-region"),
                  html.Div(t("brief_week_range", lang, week=week["text"], first=week["from"],
                             last=week["to"]), className="briefing-dates")],
                 className="briefing-head-right"),
    ], className="briefing-head")
    foot = html.Footer([
        html.Span(t("brief_footer", lang, centre=data.get("centre") or t("app_title", lang),
                    as_of=week["as_of"].replace("T", " "))),
        html.Span(t("brief_page_of", lang, n=number, total=len(PAGES)),
                  className="briefing-page-no"),
    ], className="briefing-foot")
    return html.Section([head, html.Div(body, className="briefing-body"), foot],
                        className=f"briefing-page briefing-page-{key}",
                        **{"data-page": key})


def _graph(figure, key: str) -> dcc.Graph:
    return dcc.Graph(figure=figure, config=figures.PRINT_CONFIG, className="briefing-graph",
                     id=f"briefing-graph-{key}", responsive=False)


def _panel(title: str, content, cls: str = "") -> html.Div:
    return html.Div([html.H3(title, className="briefing-h3"), content],
                    className=f"briefing-panel {cls}".strip())


def _empty(lang: str) -> html.Div:
    return html.Div(t("brief_none", lang), className="briefing-empty")


def _table(header: list[str], rows: list[list], cls: str = "") -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(h) for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
    ], className=f"briefing-table {cls}".strip())


def _value(values: dict | None, key: str) -> str:
    if values is None:
        return "—"
    return format_value(values.get(key), BY_KEY[key].kind)


def _change(current: dict, other: dict | None, key: str, lang: str) -> tuple[str, str]:
    kind = BY_KEY[key].kind
    ch = change(current.get(key), None if other is None else other.get(key), kind)
    better = BY_KEY[key].higher_is_better
    tone = "flat"
    if ch.direction in ("up", "down") and better is not None:
        tone = "good" if (ch.direction == "up") == better else "bad"
    return change_text(ch, kind, lang), tone


# --- the pages -------------------------------------------------------------------------------

def build_summary_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 1: the week in sentences, and the headline metrics against the previous week
    and the same week a year earlier."""
    week = data["week"]
    notes = []
    if week["future"]:
        notes.append(html.Div(t("brief_future", lang), className="briefing-note"))
    elif week["partial"]:  # compared like with like (data.periods.same_span)
        notes.append(html.Div(t("brief_running", lang,
                                when=moment_text(week["as_of"], lang, weekday=True)),
                              className="briefing-note", **{"data-note": "same-span"}))
    rows = []
    for key in HEADLINE:
        prev_text, prev_tone = _change(data["metrics"], data["previous"], key, lang)
        ago_text, ago_tone = _change(data["metrics"], data["year_ago"], key, lang)
        note, _ = deadline_note(key, data["metrics"], lang)  # over part of the cases, or none
        name = [metric_label(key, lang)]
        if note:
            name.append(html.Span(f"（{note}）" if lang == "zh" else f" ({note})",
                                  className="briefing-note-inline"))
        rows.append(html.Tr([
            html.Td(name),
            html.Td(_value(data["metrics"], key), className="num strong",
                    **{"data-metric": key}),
            html.Td(_value(data["previous"], key), className="num"),
            html.Td(prev_text, className=f"num tone-{prev_tone}"),
            html.Td(_value(data["year_ago"], key), className="num"),
            html.Td(ago_text, className=f"num tone-{ago_tone}"),
        ]))
    header = [t("brief_metric", lang), t("brief_this_week", lang), *_comparison_headers(week, lang)]
    table = html.Table([html.Thead(html.Tr([html.Th(h) for h in header])),
                        html.Tbody(rows)], className="briefing-table briefing-headline")
    summary = html.Div([html.P(s, className="briefing-sentence")
                        for s in week_sentences(data, lang)], className="briefing-sentences")
    return _page("summary", 1, t("brief_p_summary", lang), data, lang,
                 [*notes, summary, table])


def _comparison_headers(week: dict, lang: str) -> list[str]:
    """The headline table's comparison columns: the previous week and the same week a year
    earlier, whole, or for a running week their same span (to the same weekday and time)."""
    if not week.get("same_span"):
        return [t("brief_prev_week", lang, first=week["previous_from"][5:],
                  last=week["previous_to"][5:]),
                t("brief_vs_prev", lang), t("brief_year_ago", lang, week=week["year_ago"]),
                t("brief_vs_year", lang)]
    return [t("brief_prev_same_span", lang, first=week["previous_from"][5:],
              until=moment_text(week["previous_until"], lang, weekday=True)),
            t("brief_vs_prev_same_span", lang),
            t("brief_year_same_span", lang, week=week["year_ago"],
              until=moment_text(week["year_ago_until"], lang, weekday=True)),
            t("brief_vs_year_same_span", lang)]


def build_map_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 2: the map of the week (cases reported per grid) and the daily trend."""
    height = canvas.body_height - 40
    map_width = int(canvas.width * 0.55)
    values = dict(zip(data["grids"]["region_id"], data["grids"]["n"]))
    shapes = data["shapes"]
    the_map = (_graph(figures.print_grid_map(shapes, values, width=map_width, height=height,
                                             title=t("brief_map_legend", lang)), "map")
               if shapes["grids"]["features"] else _empty(lang))
    trend = data["trend"]
    days = [f"{d:%m-%d}<br>{t('brief_weekday_' + str(d.weekday()), lang)}"
            for d in trend["day"]]
    the_trend = _graph(figures.print_trend(  # days still to come are None: not drawn
        days, _counts(trend["reported"]), _counts(trend["closed"]),
        names=(t("series_reported", lang), t("series_closed", lang)),
        width=canvas.width - map_width - 80, height=height), "trend")
    return _page("map", 2, t("brief_p_map", lang), data, lang, [html.Div([
        _panel(t("brief_map", lang), the_map, "briefing-map"),
        _panel(t("brief_trend", lang), the_trend, "briefing-trend"),
    ], className="briefing-row")])


def _counts(values) -> list[int | None]:
    return [None if v is None or v != v else int(v) for v in values]


def build_problems_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 3: the most reported subcategories, the hot-spot grids and the sources."""
    subs = data["subcategories"]
    height = canvas.body_height - 40
    bars = (_graph(figures.print_bars([str(k) or "—" for k in subs["key"]],
                                      [int(n) for n in subs["n"]],
                                      width=int(canvas.width * 0.42), height=height), "top")
            if len(subs) else _empty(lang))
    grids = data["grids"]
    hot = grids[grids["n"] > 0].head(10)
    hot_rows = [[i + 1, row.name, row.parent or "—", f"{int(row.n):,}"]
                for i, row in enumerate(hot.itertuples(index=False))]
    sources = data["sources"]
    total = int(sources["n"].sum()) if len(sources) else 0
    source_rows = [[label(str(row.key), lang) if row.key else "—", f"{int(row.n):,}",
                    f"{int(row.n) / total * 100:.1f}%" if total else "—"]
                   for row in sources.itertuples(index=False)]
    right = html.Div([
        _panel(t("brief_hot_grids", lang), _table(
            [t("brief_rank", lang), t("brief_grid", lang), t("brief_parent", lang),
             t("brief_reported", lang)], hot_rows, "briefing-hot") if hot_rows else _empty(lang)),
        _panel(t("brief_sources", lang), _table(
            [t("brief_source", lang), t("brief_reported", lang), t("brief_share", lang)],
            source_rows, "briefing-sources") if source_rows else _empty(lang)),
    ], className="briefing-col")
    return _page("problems", 3, t("brief_p_problems", lang), data, lang, [html.Div([
        _panel(t("brief_top", lang), bars, "briefing-top"), right], className="briefing-row")])


def _rate_rows(items: list[dict], extra: tuple[str, ...]) -> list[list]:
    rows = []
    for i, item in enumerate(items):
        rows.append([i + 1, item["name"],
                     *(format_value(item.get(k), BY_KEY[k].kind) for k in extra)])
    return rows


RANKED = ("on_time_closure_rate", "closure_rate", "closed", "reported", "overdue")
DEPT_RANKED = ("on_time_closure_rate", "closure_rate", "closed", "due_to_close", "overdue")


def build_rankings_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 4: the children (towns) and the departments ranked by on-time closure rate."""
    head = [t("brief_rank", lang), t("name", lang), *(metric_label(k, lang) for k in RANKED)]
    towns = (_table(head, _rate_rows(data["children"], RANKED), "briefing-towns")
             if data["children"] else _empty(lang))
    dept_head = [t("brief_rank", lang), t("brief_department", lang),
                 *(metric_label(k, lang) for k in DEPT_RANKED)]
    depts = (_table(dept_head, _rate_rows(data["departments"], DEPT_RANKED),
                    "briefing-departments") if data["departments"] else _empty(lang))
    return _page("rankings", 4, t("brief_p_rankings", lang), data, lang, [html.Div([
        _panel(t("brief_children", lang), towns, "briefing-half"),
        _panel(t("brief_departments", lang), depts, "briefing-half"),
    ], className="briefing-row")])


def build_cases_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 5: the overdue and urgent cases still open at the end of the week."""
    tz = ZoneInfo(data["week"]["timezone"])
    frame = data["cases"]
    rows = []
    for row in frame.itertuples(index=False):
        due = "—"
        if row.due_at is not None and row.due_at == row.due_at:
            due = (row.due_at.to_pydatetime() if hasattr(row.due_at, "to_pydatetime")
                   else row.due_at).replace(tzinfo=timezone.utc).astimezone(tz) \
                .strftime("%Y-%m-%d %H:%M")
        late = "—" if row.hours_overdue is None else t("brief_days", lang,
                                                       days=f"{row.hours_overdue / 24:.1f}")
        rows.append([row.code, row.subcategory or "—", row.place or "—", row.department or "—",
                     due, late, t("brief_yes", lang) if row.urgent else "",
                     label(row.status, lang)])
    head = [t("brief_code", lang), t("brief_subcategory", lang), t("brief_grid", lang),
            t("brief_department", lang), t("brief_due", lang), t("brief_late", lang),
            t("brief_urgent", lang), t("brief_status", lang)]
    intro = html.P(t("brief_cases_intro", lang, overdue=f"{data['cases_overdue']:,}",
                     total=f"{data['cases_total']:,}", shown=len(rows)),
                   className="briefing-intro")
    body = _table(head, rows, "briefing-cases") if rows else _empty(lang)
    return _page("cases", 5, t("brief_p_cases", lang), data, lang, [intro, body])


def build_disputes_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 6: disputes and their mediation outcome, and patrol coverage per region."""
    m = data["metrics"]
    frame = data["disputes"]
    rows = [[row.key or "—", f"{row.reported:,}", f"{row.mediated:,}", f"{row.success:,}",
             f"{row.failure:,}",
             f"{row.success / row.mediated * 100:.1f}%" if row.mediated else "—"]
            for row in frame.itertuples(index=False)]
    head = [t("brief_dispute_kind", lang), t("brief_reported", lang), t("brief_mediated", lang),
            t("brief_success", lang), t("brief_failure", lang),
            metric_label("mediation_success_rate", lang)]
    disputes = html.Div([
        html.P(t("brief_disputes_intro", lang, n=f"{m['disputes_mediated']:,}",
                 rate=format_value(m["mediation_success_rate"], "rate")),
               className="briefing-intro"),
        html.P(t("fu_brief_screened", lang, n=f"{m.get('disputes_screened') or 0:,}",
                 rate=format_value(m.get("dispute_resolution_rate"), "rate")),
               className="briefing-intro briefing-screened"),
        _table(head, rows, "briefing-disputes") if rows else _empty(lang)])
    patrol_rows = [[c["name"], format_value(c.get("patrol_coverage"), "rate")]
                   for c in sorted(data["children"], key=lambda c: c["code"])]
    patrol = html.Div([
        html.P(t("brief_patrol_intro", lang,
                 rate=format_value(m["patrol_coverage"], "rate"),
                 previous=_value(data["previous"], "patrol_coverage")),
               className="briefing-intro"),
        _table([t("name", lang), metric_label("patrol_coverage", lang)], patrol_rows,
               "briefing-patrol") if patrol_rows else html.Div()])
    return _page("disputes", 6, t("brief_p_disputes", lang), data, lang, [html.Div([
        _panel(t("brief_disputes", lang), disputes, "briefing-half"),
        _panel(t("brief_patrol", lang), patrol, "briefing-half"),
    ], className="briefing-row")])


def build_officers_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 7: the grid officers' assessment (网格员考核) of the week
    (:func:`layouts.assessment.officers_body`)."""
    return _page("officers", 7, t("assess_title", lang), data, lang,
                 officers_body(data["officers"], lang))


def build_alerts_page(data: dict, lang: str, canvas: Canvas) -> html.Section:
    """Page 8: the week's alerts (本周预警) and what became of them
    (:func:`layouts.briefing_alerts.alerts_body`)."""
    return _page("alerts", 8, t("alert_brief_title", lang), data, lang,
                 alerts_body(data["alerts"], lang, ZoneInfo(data["week"]["timezone"]),
                             "slides" if canvas == CANVASES["slides"] else "print"))


BUILDERS = (build_summary_page, build_map_page, build_problems_page, build_rankings_page,
            build_cases_page, build_disputes_page, build_officers_page, build_alerts_page)


def build_briefing(data: dict, lang: str, fmt: str = "print") -> html.Div:
    """Every page of the briefing of ``data`` in ``fmt`` (print or slides)."""
    canvas = CANVASES[fmt]
    pages = [build(data, lang, canvas) for build in BUILDERS]
    assert len(pages) == len(PAGES)
    graphs = _count_graphs(pages)
    week, region = data["week"]["text"], data["region"]["code"]
    toolbar = html.Div([
        html.Span(t("brief_toolbar", lang), className="briefing-toolbar-title"),
        html.A(t("brief_download_pdf", lang), className="briefing-pdf",
               href="/briefing.pdf?" + urlencode({k: v for k, v in (
                   ("week", week), ("region", region), ("lang", lang)) if v})),
        html.A(t("brief_slides", lang) if fmt == "print" else t("brief_print", lang),
               href=briefing_href(week, region, lang, "slides" if fmt == "print" else "print")),
        html.A(t("language", lang),
               href=briefing_href(week, region, "en" if lang == "zh" else "zh", fmt)),
        *_other_week(data["week"], region, lang, fmt),
    ], className="briefing-toolbar")
    return html.Div([toolbar, *pages], className=f"briefing briefing-{fmt}", lang=lang,
                    **{"data-graphs": str(graphs), "data-pages": str(len(pages)),
                       "data-week": week,
                       "data-title": f"{region_name(data['region'], lang)} "
                                     f"{t('brief_title', lang)} "
                                     f"{week}"})


def _other_week(week: dict, region: str | None, lang: str, fmt: str) -> list[html.A]:
    """The toolbar's way to the other week a reader may want: from the last complete week
    to the running one (compared like with like), and back."""
    if week.get("running_week"):
        return [html.A(t("brief_running_link", lang), className="briefing-other-week",
                       href=briefing_href(week["running_week"], region, lang, fmt))]
    if week.get("complete_week"):
        return [html.A(t("brief_complete_link", lang, week=week["complete_week"]),
                       className="briefing-other-week",
                       href=briefing_href(week["complete_week"], region, lang, fmt))]
    return []


def _count_graphs(component) -> int:
    if isinstance(component, (list, tuple)):
        return sum(_count_graphs(c) for c in component)
    if isinstance(component, dcc.Graph):
        return 1
    children = getattr(component, "children", None)
    return 0 if children is None or isinstance(children, str) else _count_graphs(
        children if isinstance(children, (list, tuple)) else [children])


def build_briefing_message(text: str, key: str, lang: str) -> html.Div:
    """A briefing that cannot be made (unknown region, malformed week): the reason, in a
    page the CLI recognises (``data-error``) and stops at."""
    return html.Div(html.Div([html.H2(t("brief_title", lang)), html.P(text)],
                             className="briefing-message"),
                    className="briefing briefing-error", lang=lang,
                    **{"data-ready": "true", "data-error": key, "data-graphs": "0"})
