"""The officers view (网格员考核, ``/officers`` and ``/officers/CODE``) and the wall's
officers panel (``/wall?panel=officers``).

Builders only: they turn the assessment's rows (:mod:`data.field.officer_view`) into
components. The view's shell (:func:`build_officers`) is mounted once per language; a drill
or a new period changes the address, and :mod:`callbacks.officers` refills the table, the
breadcrumb and the children in place. Names that came from an import are plain strings
(React renders them as text); the table has no HTML renderer.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

import dash_ag_grid as dag
from dash import dcc, html

from data.console_state import PERIODS
from layouts import ids
from layouts.assessment import figure_definition, figure_label, rank_text, standing_label
from layouts.console import GRID_THEME, console_href
from layouts.text import GRID_WORDS, label, region_name, t

#: How each kind of figure reads in the table (ag-grid value formatters; null is "—").
FORMATTERS = {
    "rate": "params.value == null ? '—' : (params.value * 100).toFixed(1) + '%'",
    "hours": "params.value == null ? '—' : params.value.toFixed(1)",
    "km": "params.value == null ? '—' : params.value.toFixed(1)",
    "score": "params.value == null ? '—' : params.value.toFixed(1)",
}
COUNT_FORMAT = "params.value == null ? '—' : String(Math.round(params.value))"
#: Where an unranked officer sorts on the rank column (after every ranked one).
UNRANKED = 1_000_000


def officers_href(region: str | None, query: dict[str, object], lang: str) -> str:
    """The officers view of ``region`` (None: the user's own) with ``query``'s period."""
    path = "/officers" if region is None else f"/officers/{quote(region, safe='')}"
    params = {k: v for k, v in query.items() if v not in (None, "")}
    if lang != "zh":
        params["lang"] = lang
    text = urlencode(params)
    return f"{path}?{text}" if text else path


def officer_columns(kinds: dict[str, str], lang: str) -> list[dict]:
    """The table's columns: rank, name, home grid, role, one per figure (its definition
    on hover), the score and the standing. Plain text cells."""
    def fmt(expression: str) -> dict:
        return {"function": expression}

    cols: list[dict] = [
        {"field": "rank_sort", "colId": "rank", "width": 96, "pinned": "left",
         "headerName": t("assess_rank", lang), "headerTooltip": t("officers_head_rank", lang),
         "valueFormatter": fmt("params.data ? params.data.rank_label : ''")},
        {"field": "name", "width": 110, "pinned": "left", "cellClass": "officer-name",
         "headerName": t("assess_name", lang)},
        {"field": "home", "width": 150, "headerName": t("assess_home", lang)},
        {"field": "role", "width": 110, "headerName": t("assess_role", lang)},
    ]
    for key, kind in kinds.items():
        cols.append({"field": key, "width": 112, "headerName": figure_label(key, lang),
                     "headerTooltip": figure_definition(key, lang), "type": "rightAligned",
                     "valueFormatter": fmt(FORMATTERS.get(kind, COUNT_FORMAT))})
    cols += [
        {"field": "score", "width": 90, "type": "rightAligned",
         "headerName": t("assess_score", lang),
         "headerTooltip": t("assess_made_of", lang),
         "valueFormatter": fmt(FORMATTERS["score"])},
        {"field": "standing_label", "colId": "standing", "width": 100,
         "headerName": t("assess_standing", lang)},
    ]
    return cols


def _number(value: object) -> float | None:
    """A figure as the table holds it: a float, or None when unknown (NaN, NA)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def officer_rows(records: list[dict], kinds: dict[str, str], lang: str) -> list[dict]:
    """The table's rows from the assessment's records (one dict per officer, with
    ``officer_id``): numbers stay numbers (None for unknown) so columns sort as numbers;
    the rank reads "2（并列）", 数据不足 or 已离岗 (:mod:`layouts.assessment`)."""
    rows = []
    for record in records:
        standing = record.get("standing")
        rank = record.get("rank")
        ranked = standing == "ranked" and _number(rank) is not None
        rank_label = rank_text(rank, bool(record.get("tied")), lang) if ranked \
            else standing_label(standing, lang)
        rows.append({
            "row_id": str(record["officer_id"]), "code": record.get("code") or "",
            "name": record.get("name") or "—", "home": record.get("home_region") or "—",
            "role": label(record.get("role") or "", lang) or "—",
            "rank_sort": int(rank) if ranked else UNRANKED, "rank_label": rank_label,
            "tied": bool(record.get("tied")) and ranked, "standing": standing,
            "standing_label": standing_label(standing, lang),
            "score": _number(record.get("score")) if ranked else None,
            **{key: _number(record.get(key)) for key in kinds},
        })
    return rows


def build_officer_grid(kinds: dict[str, str], lang: str) -> dag.AgGrid:
    """The sortable table (ag-grid's client-side rows, the console's look); a click on a
    name opens the console on the officer's home grid (:mod:`callbacks.officers`)."""
    return dag.AgGrid(
        id=ids.OFFICERS_GRID, columnDefs=officer_columns(kinds, lang), rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        getRowId="params.data.row_id",
        dashGridOptions={"theme": GRID_THEME, "rowHeight": 30,
                         "animateRows": False, "enableBrowserTooltips": True,
                         "suppressCellFocus": True, "localeText": GRID_WORDS.get(lang, {})},
        style={"height": "calc(100vh - 240px)", "minHeight": "360px", "width": "100%"},
        className="officer-grid",
    )


def build_officers(lang: str, state: dict, kinds: dict[str, str]) -> html.Div:
    """The view's shell (``state``: the address's ``period``, ``first``, ``last``): the
    table, breadcrumb and children empty, filled by :func:`callbacks.officers.fill_officers`."""
    return html.Div([
        html.Header([
            html.Div([html.H1(t("assess_title", lang), className="console-h1"),
                      html.Nav(id=ids.OFFICERS_BREADCRUMB, className="breadcrumb")],
                     className="console-heading"),
            html.Div(id=ids.OFFICERS_SUBTITLE, className="console-subtitle"),
            dcc.Link(t("officers_console", lang), id=ids.OFFICERS_CONSOLE,
                     className="lang-switch", href="/"),
            html.A(t("language", lang), className="lang-switch",
                   href="?lang=" + t("other_lang", lang)),
        ], className="console-header"),
        html.Div([
            dcc.RadioItems(id=ids.OFFICERS_PERIOD, value=state["period"], inline=True,
                           className="period", inputClassName="period-input",
                           labelClassName="period-label",
                           options=[{"label": t(f"period_{p}", lang), "value": p}
                                    for p in PERIODS]),
            dcc.DatePickerRange(id=ids.OFFICERS_DATES, display_format="YYYY-MM-DD",
                                start_date=state["first"], end_date=state["last"],
                                first_day_of_week=1, minimum_nights=0, clearable=False,
                                start_date_placeholder_text=t("date_from", lang),
                                end_date_placeholder_text=t("date_to", lang),
                                className="dates"),
        ], className="controls"),
        html.Div(id=ids.OFFICERS_MESSAGE, className="console-message", role="alert"),
        html.Section([html.H2(t("officers_children", lang)),
                      html.Div(id=ids.OFFICERS_CHILDREN, className="officer-children")],
                     className="panel officers-children-panel"),
        html.Section([build_officer_grid(kinds, lang)], className="panel officers-panel"),
    ], className="console officers", lang="zh-CN" if lang == "zh" else "en")


def build_officers_breadcrumb(crumbs: list[dict], query: dict, lang: str) -> list:
    """Links up the hierarchy, each to that region's officers view; the last crumb is
    the region shown, as plain text."""
    parts: list = []
    for i, crumb in enumerate(crumbs):
        if i:
            parts.append(html.Span("›", className="crumb-sep"))
        name = region_name(crumb, lang)
        if i == len(crumbs) - 1:
            parts.append(html.Span(name, className="crumb current",
                                   **{"data-code": crumb["code"]}))
        else:
            parts.append(html.Span(dcc.Link(name, href=officers_href(crumb["code"], query, lang)),
                                   className="crumb", **{"data-code": crumb["code"]}))
    return parts


def build_officers_children(children: list[dict], query: dict, lang: str) -> list:
    """The region's children, each a link that ranks the officers within it."""
    if not children:
        return [html.Span(t("officers_children_none", lang), className="muted")]
    return [html.Span(dcc.Link(region_name(child, lang),
                               href=officers_href(child["code"], query, lang)),
                      className="officer-child", **{"data-code": child["code"]})
            for child in children]


def officers_subtitle(region: str, first: str, last: str, ranked: int, total: int,
                      lang: str) -> list:
    """What the table shows: the region, the period, how many are ranked; and how a
    click on a name leads to the console."""
    return [html.Span(t("officers_subtitle", lang, region=region, first=first, last=last,
                        ranked=ranked, total=total)),
            html.Span(t("officers_click_hint", lang, day=last), className="muted hint")]


def officer_console_href(home_code: str, officer_code: str, day: str, lang: str) -> str:
    """The console on an officer's home grid with their tracks of ``day``."""
    return console_href(home_code, {"officer": officer_code, "day": day}, lang)


# --- the wall's panel (/wall?panel=officers) -----------------------------------------------

def _wall_rows(officers: list[dict]) -> list[html.Div]:
    return [html.Div([
        html.Span(str(o["rank"]) + ("=" if o["tied"] else ""),
                  className=f"rank-no top{o['rank']}" if o["rank"] <= 3 else "rank-no"),
        html.Span(o["name"], className="rank-name"),
        html.Span(o["home_region"] or "—", className="officer-home"),
        html.Span(f"{o['score']:.1f}", className="rank-value"),
    ], className="officer-row", **{"data-code": o["code"]}) for o in officers]


def build_wall_officers(ends: dict, lang: str) -> list:
    """The wall's officers panel: the top five and the bottom five of the last 7 days
    (name, home grid, score), and a small line for those left out with too little data."""
    if not ends["top"]:
        body: list = [html.Div(t("wall_officers_none", lang), className="wall-officers-none")]
    else:
        body = [html.Div(t("wall_officers_top", lang), className="wall-officers-head"),
                html.Div(_wall_rows(ends["top"]), className="wall-officers-top")]
        if ends["bottom"]:
            body += [html.Div(t("wall_officers_bottom", lang), className="wall-officers-head"),
                     html.Div(_wall_rows(ends["bottom"]), className="wall-officers-bottom")]
    if ends.get("too_little_data"):
        body.append(html.Div(t("wall_officers_left_out", lang, n=ends["too_little_data"]),
                             className="wall-officers-left-out"))
    return body
