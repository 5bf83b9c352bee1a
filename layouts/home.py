"""The overview page: the region tree beside the headline metrics of the chosen region.

Builders only: they turn a summary (from :func:`data.metrics.summarize`) and the region
table into components, and hold no business logic.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from data.metric_registry import BY_KEY, metric_label
from layouts import ids
from layouts.format import format_change, format_value
from layouts.text import t

#: The metrics shown as tiles, in reading order.
HEADLINE = (
    "reported", "closed", "open", "overdue", "closure_rate", "on_time_closure_rate",
    "in_grid_resolution_rate", "mediation_success_rate", "satisfaction_rate",
    "median_hours_to_close", "patrol_coverage", "accurate_dispatch_rate",
)
#: The columns of the children comparison.
COMPARED = ("reported", "closed", "closure_rate", "on_time_closure_rate", "overdue",
            "median_hours_to_close")


def build_page() -> html.Div:
    """The page shell; its body is filled by :func:`callbacks.home.render_home`."""
    return html.Div(
        [dcc.Location(id=ids.URL, refresh=False), html.Div(id=ids.PAGE, className="page")],
        className="app",
    )


def href(region: str | None, lang: str) -> str:
    """The address of the overview of ``region`` in ``lang``."""
    query = {k: v for k, v in (("region", region), ("lang", lang)) if v}
    return "/?" + urlencode(query) if query else "/"


def build_header(title: str, subtitle: str, lang: str, region: str | None) -> html.Header:
    return html.Header(
        [
            html.H1(title, className="title"),
            html.Div(subtitle, className="subtitle"),
            dcc.Link(t("language", lang), href=href(region, t("other_lang", lang)),
                     className="lang-switch"),
        ],
        className="header",
    )


def build_region_tree(regions: pd.DataFrame, selected: str | None, lang: str,
                      open_codes: set[str]) -> html.Nav:
    """A collapsible tree of links; the branch of the selected region is open.

    ``regions`` has columns code, name, parent_code, depth (only the rows to show).
    """
    by_parent: dict[str | None, list[tuple[str, str]]] = {}
    for row in regions.itertuples(index=False):
        parent = None if pd.isna(row.parent_code) else row.parent_code
        by_parent.setdefault(parent, []).append((row.code, row.name))

    def node(code: str, name: str) -> html.Li:
        link = dcc.Link(name, href=href(code, lang),
                        className="tree-link selected" if code == selected else "tree-link",
                        title=code)
        kids = by_parent.get(code)
        if not kids:
            return html.Li(link, className="leaf")
        return html.Li(html.Details(
            [html.Summary(link), html.Ul([node(c, n) for c, n in kids])],
            open=code in open_codes,
        ))

    whole = dcc.Link(t("whole", lang), href=href(None, lang),
                     className="tree-link selected" if selected is None else "tree-link")
    return html.Nav(
        [html.H2(t("regions", lang)),
         html.Ul([html.Li(whole)] + [node(c, n) for c, n in by_parent.get(None, [])],
                 className="tree")],
        className="region-tree",
    )


def build_metric_tiles(summary: dict, lang: str) -> html.Section:
    """One tile per headline metric with its change against the previous period."""
    tiles = []
    for key in HEADLINE:
        kind = BY_KEY[key].kind
        current, previous = summary["metrics"][key], summary["previous"][key]
        tiles.append(html.Div(
            [
                html.Div(metric_label(key, lang), className="tile-label"),
                html.Div(format_value(current, kind), className="tile-value",
                         **{"data-metric": key}),
                html.Div(f"{t('vs_previous', lang)} {format_change(current, previous, kind, lang)}",
                         className="tile-change"),
            ],
            className="tile",
        ))
    return html.Section(tiles, className="tiles")


def build_children_table(summary: dict, lang: str) -> html.Section | None:
    """The children of the region side by side; ``None`` for a region without children."""
    children = summary["children"]
    if not children:
        return None
    head = html.Tr([html.Th(t("name", lang))] + [html.Th(metric_label(k, lang)) for k in COMPARED])
    rows = [
        html.Tr(
            [html.Td(dcc.Link(child["name"], href=href(child["code"], lang)))]
            + [html.Td(format_value(child["metrics"][k], BY_KEY[k].kind)) for k in COMPARED]
        )
        for child in children
    ]
    return html.Section(
        [html.H2(t("children", lang)),
         html.Table([html.Thead(head), html.Tbody(rows)], className="compare")],
        className="children",
    )


def build_overview(summary: dict, tree: html.Nav, centre: str, lang: str) -> list:
    """The whole body of the overview page."""
    region = summary["region"]
    period = summary["period"]
    subtitle = (f"{region['name']} · {t('period', lang)} {period['from']} – {period['to']} · "
                f"{t('as_of', lang)} {period['as_of'][:16].replace('T', ' ')}")
    main = [build_metric_tiles(summary, lang)]
    table = build_children_table(summary, lang)
    if table is not None:
        main.append(table)
    return [
        build_header(centre or t("app_title", lang), subtitle, lang, region["code"]),
        html.Div([tree, html.Main(main, className="main")], className="body"),
    ]


def build_message(text: str, lang: str) -> list:
    """A page that says one thing plainly (no data yet, unknown region)."""
    return [build_header(t("app_title", lang), "", lang, None),
            html.Div(text, className="message")]
