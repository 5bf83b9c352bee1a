"""The officers' assessment (网格员考核) as words and cells: a figure's name and definition,
its value as text, a standing, a rank with its tie; and the weekly briefing's page body.
Plain functions of :func:`data.field.assessment.assess`'s frame; the words are in
:mod:`layouts.field_words` (``fig_*``, ``standing_*``, ``assess_*``)."""

from __future__ import annotations

import math

from dash import html

from data.field.assessment import BY_KEY, FIGURE_KEYS
from layouts.text import label, t

#: The figures a short table (the briefing's top and bottom five) shows beside the score.
SHORT_FIGURES = ("patrol_days", "own_grid_coverage", "cases_found")
_NO_WRAP = {"whiteSpace": "nowrap"}


def figure_label(key: str, lang: str = "zh") -> str:
    """A figure's name (巡查天数 / Days on patrol)."""
    return t(f"fig_{key}", lang)


def figure_definition(key: str, lang: str = "zh") -> str:
    """A figure's definition in words, for hover."""
    return t(f"fig_def_{key}", lang)


def standing_label(standing: str, lang: str = "zh") -> str:
    """参与排名 / 数据不足 / 已离岗."""
    return t(f"standing_{standing}", lang)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def format_figure(value: object, key: str) -> str:
    """A figure's value as text: "—" when unknown; rates as percentages, hours and km with
    one decimal, days and counts whole."""
    if _missing(value):
        return "—"
    kind = BY_KEY[key].kind
    number = float(value)  # type: ignore[arg-type]
    if kind == "rate":
        return f"{number * 100:.1f}%"
    if kind in ("hours", "km"):
        return f"{number:,.1f}"
    return f"{int(round(number)):,}"


def format_score(value: object) -> str:
    """A score out of 100 with one decimal; "—" for none (not ranked)."""
    return "—" if _missing(value) else f"{float(value):.1f}"  # type: ignore[arg-type]


def rank_text(rank: object, tied: bool, lang: str = "zh") -> str:
    """A rank, marked when shared ("2（并列）" / "=2"); "—" for none."""
    if _missing(rank) or rank is None or str(rank) == "<NA>":
        return "—"
    number = int(rank)  # type: ignore[arg-type]
    if not tied:
        return str(number)
    return f"{number}（{t('assess_tied', 'zh')}）" if lang == "zh" else f"={number}"


def row_cells(row, lang: str = "zh", figures: tuple[str, ...] = FIGURE_KEYS) -> list[str]:
    """One officer of the frame (a ``itertuples(index=False)`` row) as the cells of the
    full table: rank, name, role, home grid, the figures, score, standing."""
    return [rank_text(row.rank, bool(row.tied), lang), str(row.name),
            label(str(row.role), lang), row.home_region or "—",
            *(format_figure(getattr(row, key), key) for key in figures),
            format_score(row.score), standing_label(str(row.standing), lang)]


def header_cells(lang: str = "zh", figures: tuple[str, ...] = FIGURE_KEYS) -> list[str]:
    """The headers of :func:`row_cells`."""
    return [t("assess_rank", lang), t("assess_name", lang), t("assess_role", lang),
            t("assess_home", lang), *(figure_label(key, lang) for key in figures),
            t("assess_score", lang), t("assess_standing", lang)]


# --- the weekly briefing's page -----------------------------------------------------------

def _table(rows: list[dict], lang: str, cls: str) -> html.Table:
    head = [t("assess_rank", lang), t("assess_name", lang), t("assess_home", lang),
            *(figure_label(k, lang) for k in SHORT_FIGURES), t("assess_score", lang)]
    hover = ["", "", "", *(figure_definition(k, lang) for k in SHORT_FIGURES), ""]
    body = [html.Tr([html.Td(rank_text(r["rank"], r["tied"], lang), className="num"),
                     html.Td(r["name"]), html.Td(r["home_region"] or "—"),
                     *(html.Td(format_figure(r[k], k), className="num")
                       for k in SHORT_FIGURES),
                     html.Td(format_score(r["score"]), className="num strong")],
                    **{"data-officer": r["code"]}) for r in rows]
    return html.Table([html.Thead(html.Tr([html.Th(h, style=_NO_WRAP, title=hint or None)
                                           for h, hint in zip(head, hover)])),
                       html.Tbody(body)], className=f"briefing-table {cls}")


def officers_body(officers: dict, lang: str) -> list:
    """The body of the briefing's 网格员考核 page from ``briefing_data(...)["officers"]``:
    the week's top and bottom five, how many are ranked / have too little data / left,
    and what the score is made of."""
    counts = officers["counts"]
    intro = html.P(t("assess_counts", lang, **{k: f"{counts.get(k, 0):,}" for k in
                                               ("ranked", "too_little_data", "inactive")}),
                   className="briefing-intro", **{"data-counts": ",".join(
                       str(counts.get(k, 0)) for k in ("ranked", "too_little_data",
                                                       "inactive"))})
    empty = html.Div(t("brief_none", lang), className="briefing-empty")
    top = _table(officers["top"], lang, "briefing-officers-top") if officers["top"] else empty
    bottom = (_table(officers["bottom"], lang, "briefing-officers-bottom")
              if officers["bottom"] else empty)
    shares = html.Table([
        html.Thead(html.Tr([html.Th(t("assess_figure", lang)), html.Th(t("assess_weight", lang)),
                            html.Th(t("assess_share", lang))])),
        html.Tbody([html.Tr([html.Td(figure_label(key, lang), title=figure_definition(key, lang)),
                             html.Td(f"{weight:g}", className="num"),
                             html.Td(f"{share:.0f}%", className="num")])
                    for key, weight, share in officers["shares"]]),
    ], className="briefing-table briefing-officers-weights")
    made_of = html.Div([
        html.P(t("assess_made_of", lang), className="briefing-intro"),
        html.P(t("assess_min_days", lang, days=officers["min_days"]), className="briefing-intro"),
        shares])
    return [intro, html.Div([
        html.Div([html.Div([html.H3(t("assess_top", lang), className="briefing-h3"), top],
                           className="briefing-panel"),
                  html.Div([html.H3(t("assess_bottom", lang), className="briefing-h3"), bottom],
                           className="briefing-panel")], className="briefing-col",
                 style={"flex": 3}),
        html.Div([html.H3(t("assess_made_of_title", lang), className="briefing-h3"), made_of],
                 className="briefing-panel briefing-officers-made-of", style={"flex": 2}),
    ], className="briefing-row")]
