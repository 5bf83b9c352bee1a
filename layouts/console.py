"""The commander console: map, breadcrumb, panels, the case list and the action form.

Builders only: they turn what :mod:`data.cases`, :mod:`data.console` and :mod:`data.workflow` return into
components, and hold no business logic. The shell (:func:`build_console`) is mounted once
per page and language; a drill or a filter changes the address, and the callbacks in
:mod:`callbacks.console` refill the panels in place.

Everything that came from an import (names, descriptions, addresses) is put into
components as plain strings, which React renders as text, never as HTML.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash_ag_grid as dag
from dash import dcc, html

from data import schema
from data.console_state import PERIODS
from data.metric_registry import BY_KEY
from data.ranking import Ranking
from layouts import ids
from layouts.case_extras import build_links, build_photos, intake_rows
from layouts.figures import MAP_CONFIG
from layouts.followup import build_followup, build_records
from layouts.format import deadline_note, format_change, format_value
from layouts.intake_desk import build_desk, build_desk_button
from layouts.loading import loading_figure
from layouts.ranking import fallback_hint, rank_text, ranking_title
from layouts.text import GRID_WORDS, label, metric_label, region_name, t

#: The counter tiles, in reading order (registry metric keys).
TILES = (
    "reported", "closed", "open", "overdue", "closure_rate", "on_time_closure_rate",
    "handling_rate", "in_grid_resolution_rate", "satisfaction_rate", "median_hours_to_close",
)
#: The columns of the children comparison (registry metric keys).
COMPARED = ("reported", "closure_rate", "on_time_closure_rate", "overdue",
            "median_hours_to_close")
#: Which form fields each workflow action asks for.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "file": ("note",), "void": ("reason", "note"),
    "dispatch": ("department", "officer", "note"), "return": ("reason", "note"),
    "postpone": ("due", "reason", "note"), "resolve": ("level", "note"),
    "close": ("note",), "rework": ("reason", "note"), "suspend": ("reason", "note"),
    "resume": ("note",), "urge": ("note",),
}
FORM_FIELDS = ("department", "officer", "due", "level", "reason", "note")
MAP_HEIGHT = 470
#: The grid's look: ag-grid's own Balham theme (compact, like a spreadsheet), in the
#: page's colours and the machine's CJK font; served by dash-ag-grid itself.
GRID_THEME = {"function": (
    "themeBalham.withParams({fontFamily: ['Noto Sans CJK SC', 'sans-serif'], fontSize: 13,"
    " accentColor: '#24466e', headerBackgroundColor: '#f2f5f9', borderColor: '#d9dee6',"
    " rowHoverColor: '#eef4fb', selectedRowBackgroundColor: '#dbe8f6'})")}


def console_href(region: str | None, query: dict[str, object], lang: str) -> str:
    """The address of the console on ``region`` with the period and filters of
    ``query`` (parameter → value or list of values)."""
    path = "/" if region is None else f"/region/{quote(region, safe='')}"
    params = {k: v for k, v in query.items() if v not in (None, "", [], ())}
    if lang != "zh":
        params["lang"] = lang
    text = urlencode(params, doseq=True)
    return f"{path}?{text}" if text else path


def _options(values, lang: str) -> list[dict[str, str]]:
    return [{"label": label(v, lang), "value": v} for v in values]


def status_options(lang: str) -> list[dict[str, str]]:
    """The status filter's choices in ``lang``."""
    special = {"open": t("status_open", lang), "overdue": t("status_overdue", lang)}
    return [{"label": special.get(v) or label(v, lang), "value": v}
            for v in schema.STATUS_CHOICES]


def build_controls(lang: str, categories: list[str], state: dict) -> html.Div:
    """The period, the filters and the map toggle, set as the address says (``state``);
    ``categories`` are the names the category filter offers."""
    return html.Div([
        dcc.RadioItems(id=ids.CONSOLE_PERIOD, value=state["period"], inline=True,
                       className="period", inputClassName="period-input",
                       labelClassName="period-label",
                       options=[{"label": t(f"period_{p}", lang), "value": p} for p in PERIODS]),
        dcc.DatePickerRange(id=ids.CONSOLE_DATES, display_format="YYYY-MM-DD",
                            start_date=state["first"], end_date=state["last"],
                            first_day_of_week=1, minimum_nights=0, clearable=False,
                            start_date_placeholder_text=t("date_from", lang),
                            end_date_placeholder_text=t("date_to", lang),
                            className="dates"),
        dcc.Dropdown(id=ids.CONSOLE_CATEGORY, multi=True, className="filter",
                     value=state["categories"],
                     placeholder=t("filter_category", lang),
                     options=[{"label": name, "value": name} for name in categories]),
        dcc.Dropdown(id=ids.CONSOLE_SOURCE, multi=True, className="filter",
                     value=state["sources"],
                     placeholder=t("filter_source", lang),
                     options=_options(schema.SOURCES, lang)),
        dcc.Dropdown(id=ids.CONSOLE_STATUS, multi=True, className="filter",
                     value=state["statuses"],
                     placeholder=t("filter_status", lang), options=status_options(lang)),
        dcc.Input(id=ids.CONSOLE_TEXT, type="search", debounce=True, className="search",
                  value=state.get("text", ""),
                  placeholder=t("search", lang), maxLength=100),
        dcc.Checklist(id=ids.CONSOLE_HIDE_CLOSED, className="toggle",
                      value=["hide"] if state["hide_closed"] else [],
                      options=[{"label": t("hide_closed", lang), "value": "hide"}]),
    ], className="controls")


def grid_columns(lang: str) -> list[dict]:
    """The case list's columns: plain text cells (no HTML renderer anywhere)."""
    text = {"filter": "agTextColumnFilter",
            "filterParams": {"filterOptions": ["contains", "equals"], "maxNumConditions": 1}}
    number = {"filter": "agNumberColumnFilter",
              "filterParams": {"filterOptions": ["greaterThan", "lessThan", "equals"],
                               "maxNumConditions": 1}}
    cols = [
        {"field": "code", "pinned": "left", "width": 170, **text},
        {"field": "reported_at", "width": 140, "sort": "desc"},
        {"field": "subcategory", "width": 130, **text},
        {"field": "category", "width": 110, **text},
        {"field": "status_label", "colId": "status", "width": 90},
        {"field": "light_label", "colId": "stage_light", "width": 80,
         "cellClassRules": {"light-green": "params.data && params.data.stage_light === 'green'",
                            "light-yellow": "params.data && params.data.stage_light === 'yellow'",
                            "light-red": "params.data && params.data.stage_light === 'red'"}},
        {"field": "source_label", "colId": "source", "width": 110},
        {"field": "place", "width": 150, **text},
        {"field": "department", "width": 130, **text},
        {"field": "officer", "width": 90, **text},
        {"field": "due_at", "width": 140},
        {"field": "overdue_hours", "width": 100, **number},
        {"field": "urgent_label", "colId": "urgent", "width": 70},
    ]
    for col in cols:
        col["headerName"] = t(f"col_{col.get('colId', col['field'])}", lang)
    return cols


def build_grid(lang: str) -> dag.AgGrid:
    """The case list: ag-grid's infinite row model; every block of rows, every sort and
    every column filter is answered by the server (:func:`data.cases.listing.case_page`)."""
    return dag.AgGrid(
        id=ids.CONSOLE_GRID, rowModelType="infinite", columnDefs=grid_columns(lang),
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": False},
        getRowId="params.data.row_id",
        dashGridOptions={
            "theme": GRID_THEME, "rowSelection": {"mode": "multiRow", "checkboxes": True,
                                                  "headerCheckbox": False,
                                                  "enableClickSelection": False},
            "cacheBlockSize": 100, "maxBlocksInCache": 20, "infiniteInitialRowCount": 1,
            "rowBuffer": 10, "rowHeight": 30, "headerHeight": 32,
            "suppressCellFocus": False, "animateRows": False,
            "localeText": GRID_WORDS.get(lang, {}),
        },
        style={"height": "460px", "width": "100%"}, className="case-grid",
    )


def build_console(lang: str, categories: list[str], state: dict,
                  crumbs: list | None = None, patrol_panel: html.Section | None = None,
                  alerts_panel: html.Section | None = None) -> html.Div:
    """The console's shell: every panel empty (but the breadcrumb), filled by the
    callbacks; ``alerts_panel`` (:func:`layouts.console_alerts.build_alerts_panel`) and
    ``patrol_panel`` (:func:`layouts.patrolmap.build_patrol_panel`) under the map."""
    panel = "panel"
    return html.Div([
        dcc.Store(id=ids.CONSOLE_STATE, data=state),
        dcc.Store(id=ids.CONSOLE_REFRESH, data=0),
        dcc.Store(id=ids.CONSOLE_CASE),
        dcc.Store(id=ids.CONSOLE_TARGETS),
        dcc.Store(id=ids.CONSOLE_ACTION),
        dcc.Download(id=ids.CONSOLE_DOWNLOAD),
        dcc.Store(id=ids.CONSOLE_EXPORT_URL),
        html.Header([
            html.Div([html.H1(t("console_title", lang), id=ids.CONSOLE_TITLE,
                              className="console-h1"),
                      html.Nav(crumbs or [], id=ids.CONSOLE_BREADCRUMB,
                               className="breadcrumb")],
                     className="console-heading"),
            html.Div(id=ids.CONSOLE_SUBTITLE, className="console-subtitle"),
            build_desk_button(lang),
            html.A(t("brief_export", lang), id=ids.CONSOLE_BRIEFING,
                   className="lang-switch briefing-export", href="/briefing", target="_blank",
                   rel="noopener"),
            dcc.Link(t("officers_link", lang), id=ids.CONSOLE_OFFICERS,
                     className="lang-switch officers-link", href="/officers"),
            html.A(t("language", lang), id="console-lang", className="lang-switch",
                   href="?lang=" + t("other_lang", lang)),
        ], className="console-header"),
        build_controls(lang, categories, state),
        html.Div(id=ids.CONSOLE_MESSAGE, className="console-message", role="alert"),
        html.Div([
            html.Section([
                html.H2(t("map_title", lang)),
                dcc.Graph(id=ids.CONSOLE_MAP, config={**MAP_CONFIG, "displayModeBar": True,
                                                      "modeBarButtonsToRemove": ["select2d",
                                                                                 "lasso2d"],
                                                      "displaylogo": False},
                          figure=loading_figure(lang, height=MAP_HEIGHT),
                          style={"height": f"{MAP_HEIGHT}px"}),
                build_map_legend(lang),
            ], className=f"{panel} map-panel"),
            html.Div([
                html.Section(id=ids.CONSOLE_TILES, className="console-tiles"),
                html.Section([html.H2(t("trend", lang)),
                              dcc.Graph(id=ids.CONSOLE_TREND, config={"displayModeBar": False},
                                        figure=loading_figure(lang, height=220),
                                        style={"height": "220px"})], className=panel),
            ], className="console-right"),
        ], className="console-row row-top"),
        # the case list on the first screen (1920×1080), under the map and the tiles
        html.Div([
            html.Section([
                html.Div([html.H2(t("case_list", lang)),
                          html.Span(id=ids.CONSOLE_COUNT, className="case-count"),
                          html.Button(t("export_csv", lang), id=ids.CONSOLE_EXPORT_CSV,
                                      className="button"),
                          html.Button(t("export_xlsx", lang), id=ids.CONSOLE_EXPORT_XLSX,
                                      className="button"),
                          html.Span(id=ids.CONSOLE_EXPORT_MESSAGE, className="export-message",
                                    role="status")], className="list-head"),
                build_grid(lang),
            ], className=f"{panel} list-panel"),
            html.Aside([
                html.Section([html.H2(t("actions_title", lang)),
                              html.Div(t("actions_select", lang), id=ids.CONSOLE_ACTIONS,
                                       className="actions"),
                              build_action_form(lang),
                              # outside the form: what an action did stays once it closes
                              html.Div(id=ids.ACTION_FEEDBACK, className="feedback",
                                       role="status"),
                              build_followup(lang)],
                             className="actions-panel"),
                html.Section([html.H2(t("detail_title", lang)),
                              html.Div(id=ids.DUPLICATE_FEEDBACK, className="feedback",
                                       role="status"),
                              html.Div(t("detail_empty", lang), id=ids.CONSOLE_DETAIL,
                                       className="detail")], className="detail-panel"),
            ], className=f"{panel} side-panel"),
        ], className="console-row row-bottom"),
        *([] if alerts_panel is None else [html.Div([alerts_panel],
                                                    className="console-row row-alerts")]),
        *([] if patrol_panel is None else [html.Div([patrol_panel],
                                                    className="console-row row-patrol")]),
        html.Div([
            html.Section([html.H2(t("top_categories", lang)),
                          dcc.Graph(id=ids.CONSOLE_CATEGORIES, config={"displayModeBar": False},
                                    figure=loading_figure(lang, height=250),
                                    style={"height": "250px"})], className=panel),
            html.Section([html.H2(t("ranking_title", lang), id=ids.CONSOLE_RANKING_TITLE),
                          html.Div(id=ids.CONSOLE_RANKING, className="ranking")],
                         className=panel),
            html.Section([html.H2(t("compare_title", lang)),
                          html.Div(id=ids.CONSOLE_COMPARE_TABLE, className="compare-wrap"),
                          # as tall as its figure: a row per child (figures.compare_height)
                          dcc.Graph(id=ids.CONSOLE_COMPARE_BARS, config={"displayModeBar": False},
                                    figure=loading_figure(lang, height=120),
                                    className="compare-bars")],
                         className=f"{panel} compare-panel"),
        ], className="console-row row-middle"),
        build_desk(lang),
    ], className="console", lang="zh-CN" if lang == "zh" else "en")


def build_map_legend(lang: str) -> html.Div:
    """What the case points' colours and rings mean."""
    def item(cls: str, text: str) -> html.Span:
        return html.Span([html.I(className=f"dot {cls}"), text], className="legend-item")
    return html.Div([item("green", t("light_green", lang)), item("yellow", t("light_yellow", lang)),
                     item("red", t("light_red", lang)), item("grey", t("legend_closed", lang)),
                     item("ring", t("legend_long_unfixed", lang)),
                     item("star", t("legend_officer", lang))], className="map-legend")


def build_breadcrumb(crumbs: list[dict], query: dict, lang: str) -> list:
    """Links up the hierarchy (each to its console page); the last crumb is the current
    region, as plain text."""
    parts: list = []
    for i, crumb in enumerate(crumbs):
        if i:
            parts.append(html.Span("›", className="crumb-sep"))
        if i == len(crumbs) - 1:
            parts.append(html.Span(region_name(crumb, lang), className="crumb current",
                                   **{"data-code": crumb["code"]}))
        else:
            parts.append(html.Span(dcc.Link(region_name(crumb, lang),
                                            href=console_href(crumb["code"], query, lang)),
                                   className="crumb", **{"data-code": crumb["code"]}))
    return parts


def build_tiles(metrics: dict, previous: dict, lang: str, same_span: bool = False
                ) -> list[html.Div]:
    """One tile per counter with its change against the previous period (``same_span``:
    against its same elapsed span, the period being still running)."""
    versus = t("vs_previous_same_span" if same_span else "vs_previous", lang)
    tiles = []
    for key in TILES:
        kind = BY_KEY[key].kind
        current, before = metrics.get(key), previous.get(key)
        parts = [
            html.Div(metric_label(key, lang), className="tile-label"),
            html.Div(format_value(current, kind), className="tile-value",
                     **{"data-metric": key}),
            html.Div(f"{versus} {format_change(current, before, kind, lang)}",
                     className="tile-change"),
        ]
        # a figure over part of the cases, or none: say so, the reason on hover
        note, hint = deadline_note(key, metrics, lang)
        if note:
            parts.append(html.Div(note, className="tile-note", **{"data-note": key}))
        tiles.append(html.Div(parts, className="tile", **({"title": hint} if hint else {})))
    return tiles


def build_ranking(ranking: Ranking, query: dict, lang: str) -> html.Ol | html.Div:
    """The children best first by the metric the board ranks by
    (:class:`data.ranking.Ranking`: on-time closure rate, or the first known metric when
    no child has one), each a link to drill."""
    if ranking.rows.empty:
        return html.Div("—", className="muted")
    return html.Ol([
        html.Li([html.Span(str(i + 1), className="rank-no"),
                 dcc.Link(row["name"], href=console_href(row["code"], query, lang),
                          className="rank-name", title=row["name"]),
                 html.Span(rank_text(row["value"], ranking.kind, lang),
                           className="rank-value")], className="rank-row")
        for i, row in enumerate(ranking.rows.to_dict("records"))
    ], className="rank-list")


def build_ranking_title(ranking: Ranking, lang: str) -> html.Span:
    """The ranking panel's title (:func:`layouts.ranking.ranking_title`), saying on hover
    why when it fell back."""
    hint = fallback_hint(ranking, lang)
    return html.Span(ranking_title(ranking, lang, period=False), title=hint or None)


def build_compare_table(children: list[dict], query: dict, lang: str) -> html.Table | html.Div:
    """The children side by side: reported, closure rate, on-time rate, overdue, median
    hours to close; each name a link to drill."""
    if not children:
        return html.Div("—", className="muted")
    head = html.Tr([html.Th(t("name", lang))] + [html.Th(metric_label(k, lang)) for k in COMPARED])
    rows = [html.Tr(
        [html.Td(dcc.Link(child["name"], href=console_href(child["code"], query, lang)),
                 **{"data-code": child["code"]})]
        + [html.Td(format_value(child.get(k), BY_KEY[k].kind), **{"data-metric": k})
           for k in COMPARED])
        for child in children]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="compare")


def _when(value: object) -> str:
    if value is None or value == "":
        return "—"
    return str(value).replace("T", " ")[:16]


def build_detail(case: dict, lang: str) -> list:
    """A case's fields and the timeline of its history (all shown as text); for a case
    that came in live, how it came in and its photos; its duplicate hints on top
    (:mod:`layouts.case_extras`)."""
    def row(label: str, value: object) -> html.Tr:
        return html.Tr([html.Th(label), html.Td("—" if value in (None, "") else str(value))])

    place = " › ".join(str(r.get("name")) for r in case.get("regions") or []) \
        or case.get("place") or t("unlocated", lang)
    light = case.get("stage_light")
    steps = [html.Span(f"{t('step_' + k, lang)} {_when(case.get(k))}", className="step")
             for k in ("reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at",
                       "voided_at") if case.get(k)]
    table = html.Table([html.Tbody([
        row(t("col_code", lang), case.get("code")),
        row(t("col_status", lang), label(case.get("status") or "", lang)),
        row(t("detail_class", lang), label(case.get("case_class") or "", lang)),
        row(t("col_subcategory", lang),
            " / ".join(str(x) for x in (case.get("category"), case.get("subcategory")) if x)),
        row(t("col_source", lang), label(case.get("source") or "", lang)),
        row(t("detail_region", lang), place),
        row(t("detail_address", lang), case.get("address")),
        row(t("detail_description", lang), case.get("description")),
        row(t("detail_reporter", lang), case.get("reporter")),
        *intake_rows(case, lang),
        row(t("col_department", lang), case.get("department")),
        row(t("col_officer", lang), case.get("officer")),
        row(t("detail_deadline", lang), _when(case.get("due_at"))),
        row(t("col_stage_light", lang), t(f"light_{light}", lang) if light else None),
        row(t("detail_resolved_level", lang),
            label(case.get("resolved_level") or "", lang) or None),
        row(t("detail_satisfaction", lang),
            label(case.get("satisfaction") or "", lang) or None),
        row(t("detail_version", lang), case.get("version")),
    ])], className="detail-table")
    events = case.get("timeline") or []
    timeline = html.Ol([
        html.Li([html.Span(_when(e.get("at")), className="tl-at"),
                 html.Span(action_word(str(e.get("action")), lang), className="tl-action"),
                 html.Span(" → ".join(label(s, lang) for s in
                                      (e.get("from_status"), e.get("to_status")) if s),
                           className="tl-status"),
                 html.Span(str(e.get("actor") or ""), className="tl-actor"),
                 html.Div(str(e.get("note") or ""), className="tl-note")], className="tl-item")
        for e in events], className="timeline")
    extras = [build_links(case.get("links"), lang)]
    return [part for part in (*extras, html.Div(steps, className="steps"), table,
                              build_photos(case.get("photos"), lang),
                              build_records(case.get("followup"), lang),
                              html.H3(t("timeline", lang)), timeline) if part is not None]


def action_word(action: str, lang: str) -> str:
    """A history action in words (the key itself for one the interface does not know)."""
    word = t(f"action_{action}", lang)
    return action if word == f"action_{action}" else word


def build_action_buttons(actions: list[str], count: int, lang: str) -> list:
    """One button per action allowed on every selected case."""
    if not count:
        return [t("actions_select", lang)]
    head = html.Div(t("selected_n", lang, n=count), className="selected-n")
    if not actions:
        return [head, html.Div(t("actions_none", lang), className="muted")]
    return [head, html.Div([
        html.Button(t(f"action_{a}", lang), id=ids.action_button(a),
                    className="button action", **{"data-action": a})
        for a in actions], className="action-buttons")]


def build_action_form(lang: str) -> html.Div:
    """The form of one action: its rows are shown per action (:data:`ACTION_FIELDS`)."""
    def field(name: str, control) -> html.Div:
        return html.Div([html.Label(t(f"field_{name}", lang)), control],
                        id=ids.field_row(name), className="form-row",
                        style={"display": "none"})
    return html.Div([
        field("department", dcc.Dropdown(id=ids.ACTION_DEPARTMENT, clearable=True)),
        field("officer", dcc.Dropdown(id=ids.ACTION_OFFICER, clearable=True)),
        field("due", dcc.DatePickerSingle(id=ids.ACTION_DUE, display_format="YYYY-MM-DD",
                                          first_day_of_week=1)),
        field("level", dcc.Dropdown(id=ids.ACTION_LEVEL, clearable=False,
                                    options=_options(schema.RESOLVED_LEVELS, lang))),
        field("reason", dcc.Textarea(id=ids.ACTION_REASON, rows=2, className="textarea")),
        field("note", dcc.Textarea(id=ids.ACTION_NOTE, rows=2, className="textarea")),
        html.Div(id=ids.ACTION_HINT, className="hint"),
        html.Div([html.Button(t("submit", lang), id=ids.ACTION_SUBMIT, className="button primary"),
                  html.Button(t("cancel", lang), id=ids.ACTION_CANCEL, className="button")],
                 className="form-buttons"),
    ], id=ids.CONSOLE_FORM, className="action-form", style={"display": "none"})


def build_console_message(text: str, lang: str) -> list:
    """A whole page that says one thing plainly (no data yet, unknown region)."""
    return [html.Div([html.Header([html.H1(t("console_title", lang), className="console-h1")],
                                  className="console-header"),
                      html.Div(text, className="message")], className="console")]


def build_page() -> html.Div:
    """The page shell of every address: the address bar, which page is mounted, and the
    page's body (filled by :func:`callbacks.pages.render_page`)."""
    return html.Div([dcc.Location(id=ids.URL, refresh=False), dcc.Store(id=ids.PAGE_KIND),
                     html.Div(id=ids.PAGE, className="page")], className="app")
