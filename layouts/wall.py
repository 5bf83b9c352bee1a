"""The wall (大屏): a fixed 1920×1080 canvas that ``assets/wall.js`` scales to the screen.

Builders only: they turn a wall snapshot (:func:`data.wall.snapshot`) and the map's shapes
into components. The refresh callback rebuilds the tiles and the ticker with the same
functions and patches only the map's colours.
"""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dash import dcc, html

from data.ranking import DEFAULT as DEFAULT_RANK, Ranking
from layouts import ids
from layouts.figures import MAP_CONFIG, grid_map, source_split, top_bars, trend
from layouts.format import deadline_note, format_change, format_value
from layouts.labels import fitting_size
from layouts.loading import dress_loading
from layouts.ranking import rank_fills, rank_text, ranking_title
from layouts.text import label, metric_label, t
from layouts.wall_alerts import alert_trace

CANVAS = (1920, 1080)
#: The counters, in reading order: (snapshot key, text key or metric key, kind).
TILES = (
    ("reported_today", "reported_today", "count"),
    ("reported_week", "reported_week", "count"),
    ("open", "open_now", "count"),
    ("overdue", "overdue_now", "count"),
    ("closed_today", "closed_today", "count"),
    ("closure_rate", None, "rate"),
    ("on_time_closure_rate", None, "rate"),
    ("in_grid_resolution_rate", None, "rate"),
    ("mediation_success_rate", None, "rate"),
    ("satisfaction_rate", None, "rate"),
    ("patrol_coverage", "patrol_today", "rate"),
    ("disputes_mediated", "disputes_30", "count"),
)
# pixel sizes inside the 1920×1080 canvas (columns 400 | 980 | 460)
MAP_SIZE = (978, 592)
TREND_SIZE = (954, 270)
PIE_SIZE = (374, 262)
TOP_SIZE = (434, 184)
MAP_TITLES = {"open": "map_open", "overdue": "map_overdue", "reported_week": "map_reported_week"}


#: The tiles whose figure stands on deadlines: they always carry a second line and a hover
#: text, which say when the figure covers part of the cases or none (issue 17).
DEADLINE_TILES = ("overdue", "closure_rate", "on_time_closure_rate")


def tile_texts(counters: dict[str, object], lang: str) -> list[list[str]]:
    """What each tile shows: [value], [value, change], or for :data:`DEADLINE_TILES`
    [value, second line, hover text], in the order of :data:`TILES`."""
    texts = []
    for key, _, kind in TILES:
        value = counters.get(key)
        shown = [format_value(value, kind)]
        if kind == "rate" and f"{key}_previous" in counters:
            change = format_change(value, counters.get(f"{key}_previous"), kind, lang)
            # today is still running: compared with the 30 days before to the same time
            versus = "vs_same_span_short" if counters.get("same_span") else "vs_previous"
            shown.append(f"{t(versus, lang)} {change}")
        if key in DEADLINE_TILES:
            note, hint = deadline_note(key, counters, lang, short=True)
            second = shown[1] if len(shown) > 1 else ""
            if note:  # unknown: the reason alone; part: how much, then the change
                second = note if value is None or not second else f"{note} · {second}"
            shown = [shown[0], second, hint]
        texts.append(shown)
    return texts


#: The width (px) a tile's label has at 1920x1080 (a 195 px tile less its padding), and its
#: font sizes: wall.css's 17 px, a longer label set smaller down to 13 px rather than cut.
TILE_LABEL_WIDTH, TILE_LABEL_PX, TILE_LABEL_MIN_PX = 164, 17, 13

#: Where :func:`build_tiles` puts a tile's parts: the refresh patches them by these names.
TILE_LABEL, TILE_VALUE, TILE_CHANGE = range(3)


def build_tiles(counters: dict[str, object], lang: str) -> list[html.Div]:
    """The counter tiles (label, value, and for rates the change: :data:`TILE_VALUE`...);
    rates carry their change against the previous 30 days."""
    tiles = []
    for (key, text_key, kind), shown in zip(TILES, tile_texts(counters, lang)):
        name = t(text_key, lang) if text_key else f"{metric_label(key, lang)}·{t('last_30', lang)}"
        # 网格内解决率·近30日: 16 px
        size = fitting_size(name, TILE_LABEL_WIDTH, TILE_LABEL_PX, TILE_LABEL_MIN_PX)
        parts = [html.Div(name, className="wall-tile-label",
                          style=None if size == TILE_LABEL_PX else {"fontSize": f"{size}px"}),
                 html.Div(shown[0], className="wall-tile-value")]
        if len(shown) > 1:
            parts.append(html.Div(shown[1], className="wall-tile-change"))
        css = "wall-tile alert" if key == "overdue" and counters.get(key) else "wall-tile"
        hover = {"title": shown[2]} if len(shown) > 2 else {}
        tiles.append(html.Div(parts, className=css, **{"data-key": key}, **hover))
    return tiles


def build_ticker(newest: pd.DataFrame, tz: ZoneInfo, lang: str) -> list[html.Div]:
    """Rows of the newest cases, newest first: time, place, category, status."""
    rows = []
    for case in newest.itertuples():
        local = case.reported_at.replace(tzinfo=timezone.utc).astimezone(tz)
        rows.append(html.Div([
            html.Span(local.strftime("%m-%d %H:%M"), className="tick-time"),
            html.Span(case.place or "—", className="tick-place"),
            html.Span(case.category or "—", className="tick-category"),
            html.Span(label(case.status, lang), className=f"tick-status {case.status}"),
        ], className="tick-row", **{"data-code": case.code}))
    return rows


def flagged_grids(grids: pd.DataFrame, points: dict) -> list[dict]:
    """Map markers for grids with cases open longer than the wall's limit."""
    counts = grids["long_unfixed"].to_numpy()
    hot = np.flatnonzero(counts > 0)
    return [{"lon": points[i][0], "lat": points[i][1], "n": n}
            for i, n in zip(grids.index[hot].tolist(), counts[hot].tolist()) if i in points]


def map_values(grids: pd.DataFrame, shapes: dict, metric: str) -> list[int | None]:
    """The map metric per grid, in the order of the map's features; None (left blank) for
    grids outside the region on screen, as when a rotating wall zooms into one town."""
    column = grids[metric]
    at = _feature_rows(shapes, grids.index)  # a column's index is a new view of it
    values = column.to_numpy(dtype=np.int64)[at].tolist() if len(at) else []
    for i in np.flatnonzero(at < 0).tolist():
        values[i] = None
    return values


def _feature_rows(shapes: dict, index: pd.Index) -> np.ndarray:
    """The row in ``index`` of each of the map's features (-1 for none), kept in
    ``shapes`` for the last index asked about: a wall's grids come on the same index
    refresh after refresh (:func:`data.wall.grid_values`)."""
    held = shapes.get("_rows")
    if held is not None and held[0] is index:
        return held[1]
    ids = [f["id"] for f in shapes["grids"]["features"]] if shapes.get("ids") is None \
        else shapes["ids"]
    at = index.get_indexer(ids)
    shapes["_rows"] = (index, at)
    return at


def officer_points(patrolling: pd.DataFrame) -> list[dict]:
    return [{"name": name, "lon": lon, "lat": lat} for name, lon, lat in
            zip(patrolling["name"].tolist(), patrolling["lon"].tolist(),
                patrolling["lat"].tolist())]


def trend_series(trend_frame: pd.DataFrame) -> tuple[list[str], list[int], list[int]]:
    return ([d.isoformat() for d in trend_frame["day"]], trend_frame["reported"].tolist(),
            trend_frame["closed"].tolist())


def source_series(sources: pd.DataFrame, lang: str) -> tuple[list[str], list[int]]:
    return [label(k, lang) if k else "—" for k in sources["key"]], sources["n"].tolist()


def build_ranking(ranking: Ranking, lang: str) -> list[html.Div]:
    """Rows of the ranking board: place, name, a bar (:func:`rank_fills`) and the value
    of the metric it ranks by (:class:`data.ranking.Ranking`)."""
    rows = []
    fills = rank_fills(ranking)
    for i, (row, fill) in enumerate(zip(ranking.rows.itertuples(), fills), start=1):
        value = None if pd.isna(row.value) else row.value
        rows.append(html.Div([
            html.Span(str(i), className=f"rank-no top{i}" if i <= 3 else "rank-no"),
            html.Span(row.name, className="rank-name", title=row.name),
            html.Div(html.Div(className="rank-fill", style={"width": f"{fill * 100:.1f}%"}),
                     className="rank-bar"),
            html.Span(rank_text(value, ranking.kind, lang), className="rank-value"),
        ], className="rank-row", **{"data-code": row.code}))
    return rows


def _panel(title: str, body, css: str, title_id: str | None = None) -> html.Section:
    heading = html.H2(title) if title_id is None else html.H2(title, id=title_id)
    return html.Section([heading, body], className=f"wall-panel {css}")


def wall_map(snap: dict, shapes: dict, metric: str, lang: str, marks: list | None = None):
    """The wall's map of a snapshot drawn on ``shapes``: grids coloured by ``metric``,
    long-overdue grids flagged, officers on patrol, and the alert markers ``marks``
    (:func:`layouts.wall_alerts.alert_marks`) on top (:data:`TRACE_ALERTS`)."""
    figure = grid_map(shapes, map_values(snap["grids"], shapes, metric),
                      flagged_grids(snap["grids"], shapes["points"]),
                      officer_points(snap["patrolling"]), width=MAP_SIZE[0],
                      height=MAP_SIZE[1], title=t(MAP_TITLES[metric], lang))
    figure.add_trace(alert_trace(marks or []))
    return figure


#: The wall's charts drawn on axes (the sources' ring has none).
CHARTS_WITH_AXES = ("trend", "top")


def wall_parts(snap: dict, shapes: dict, metric: str, lang: str,
               marks: list | None = None, rank: str = DEFAULT_RANK) -> dict[str, object]:
    """The content of every panel for a snapshot (``marks``: the alert markers; ``rank``:
    the metric the ranking board is asked to rank by): the first picture is made of
    these, and a rotating wall swaps them in place (the components stay, so nothing
    blinks)."""
    tz = ZoneInfo(snap["timezone"])
    ranking = snap["ranking"].by(rank)
    days, reported, closed = trend_series(snap["trend"])
    tops = snap["subcategories"]
    shown = {
        "tiles": build_tiles(snap["counters"], lang),
        "ticker": build_ticker(snap["newest"], tz, lang),
        "ranking": build_ranking(ranking, lang),
        "ranking_title": ranking_title(ranking, lang),
        "region": (snap["region"] or {}).get("name", ""),
        "map": wall_map(snap, shapes, metric, lang, marks),
        "trend": trend(days, reported, closed, width=TREND_SIZE[0], height=TREND_SIZE[1],
                       names=(t("series_reported", lang), t("series_closed", lang))),
        "sources": source_split(*source_series(snap["sources"], lang), width=PIE_SIZE[0],
                                height=PIE_SIZE[1]),
        "top": top_bars(tops["key"].tolist(), tops["n"].tolist(), width=TOP_SIZE[0],
                        height=TOP_SIZE[1]),
    }
    for key in loading_charts(snap):  # the traces stay: the refresh patches values in
        dress_loading(shown[key], lang, axes=key in CHARTS_WITH_AXES)
    return shown


def loading_charts(snap: dict) -> tuple[str, ...]:
    """The charts (keys of :func:`wall_parts`) a snapshot has no values for yet, its
    30-day panels being counted for the first time today (:func:`data.wall.pending_panels`):
    they show a quiet 加载中… instead of bare axes."""
    if not snap.get("pending"):
        return ()
    past = snap["trend"][["reported", "closed"]].iloc[:-1]  # today's row: the live counts
    counted = {"trend": bool(past.notna().any().any()),
               "sources": not snap["sources"].empty,
               "top": not snap["subcategories"].empty}
    return tuple(key for key, done in counted.items() if not done)


def build_wall(snap: dict, shapes: dict, metric: str, lang: str, refresh_seconds: int,
               state: dict, rotate_seconds: int = 0, reload_at: str = "",
               panel: tuple[str, str, list] | None = None,
               alerts: tuple[list, list] | None = None, rank: str = DEFAULT_RANK) -> html.Div:
    """The whole wall for one region. ``reload_at`` ("HH:MM:SS", local time, or empty for
    never) is when ``assets/wall.js`` reloads the page each day, once the server answers.
    ``panel`` (name, title, content) is shown in place of the top problems
    (``/wall?panel=NAME``), whose chart stays in the page, hidden, for the refresh.
    ``alerts``: the header's alert count (:func:`layouts.wall_alerts.build_alert_count`)
    and the map's alert markers; a wall without the alert panel holds its rows' element
    empty and hidden, so the refresh has one set of outputs for every wall. ``rank``: the
    metric the ranking board is asked to rank by (``/wall?rank=NAME``)."""
    tz = ZoneInfo(snap["timezone"])
    region = snap["region"] or {}
    count, marks = alerts or ([], [])
    parts = wall_parts(snap, shapes, metric, lang, marks, rank=rank)
    figure, trend_figure, pie, bars = (parts["map"], parts["trend"], parts["sources"],
                                       parts["top"])
    small = {"displayModeBar": False, "staticPlot": True}
    local_now = snap["now"].replace(tzinfo=timezone.utc).astimezone(tz)
    header = html.Header([
        html.Div([html.H1(snap["centre"] or t("wall_title", lang), className="wall-title"),
                  html.Div(region.get("name", ""), id=ids.WALL_REGION,
                           className="wall-region"),
                  html.Div(count, id=ids.WALL_ALERT_COUNT, className="wall-alert-count"),
                  *([html.Div(t("historical", lang, day=_local_day(snap["data_moment"], tz)),
                              className="wall-historical")] if snap.get("historical") else [])],
                 className="wall-heading"),
        html.Div([
            html.Div(local_now.strftime("%Y-%m-%d %H:%M:%S"), id=ids.WALL_CLOCK,
                     className="wall-clock"),
            html.Div(f"{t('data_as_of', lang)} {local_now.strftime('%H:%M:%S')}",
                     id=ids.WALL_AS_OF, className="wall-as-of"),
        ], className="wall-time"),
    ], className="wall-header")
    body = html.Div([
        html.Div([
            html.Section(parts["tiles"], id=ids.WALL_TILES,
                         className="wall-tiles"),
            _panel(t("sources", lang), dcc.Graph(id=ids.WALL_SOURCES, figure=pie, config=small),
                   "wall-sources"),
        ], className="wall-col"),
        html.Div([
            html.Section(dcc.Graph(id=ids.WALL_MAP, figure=figure, config=MAP_CONFIG,
                                   className="wall-map-graph"), className="wall-map"),
            _panel(t("trend_30", lang), dcc.Graph(id=ids.WALL_TREND, figure=trend_figure,
                                                  config=small), "wall-trend"),
        ], className="wall-col"),
        html.Div([
            _panel(t("newest", lang),
                   html.Div(html.Div(parts["ticker"], id=ids.WALL_TICKER,
                                     className="wall-ticker-rows"),
                            className="wall-ticker-window wall-scroll"), "wall-ticker"),
            _panel(parts["ranking_title"],
                   html.Div(html.Div(parts["ranking"], id=ids.WALL_RANKING,
                                     className="wall-ranking-rows"),
                            className="wall-ranking-window wall-scroll"), "wall-ranking",
                   title_id=ids.WALL_RANKING_TITLE),
            _panel(t("top_subcategories", lang),
                   dcc.Graph(id=ids.WALL_TOP, figure=bars, config=small), "wall-top")
            if panel is None else _replaced_panel(panel, dcc.Graph(
                id=ids.WALL_TOP, figure=bars, config=small, style={"display": "none"})),
        ], className="wall-col"),
    ], className="wall-body")
    return html.Div([
        html.Div([header, body], className="wall-canvas",
                 style={"width": f"{CANVAS[0]}px", "height": f"{CANVAS[1]}px"},
                 **{"data-reload": reload_at, "data-timezone": snap["timezone"]}),
        dcc.Interval(id=ids.WALL_TICK, interval=refresh_seconds * 1000),
        dcc.Interval(id=ids.WALL_CLOCK_TICK, interval=1000),
        dcc.Interval(id=ids.WALL_ROTATE, interval=max(rotate_seconds, 1) * 1000,
                     disabled=not rotate_seconds),
        dcc.Store(id=ids.WALL_STATE, data=state),
        dcc.Store(id=ids.WALL_OK, data={"as_of": local_now.strftime("%H:%M:%S")}),
        dcc.Store(id=ids.WALL_SEEN),
        dcc.Store(id=ids.WALL_REQUEST),
        *([] if panel is not None and panel[0] == "alerts" else
          [html.Div(id=ids.WALL_ALERTS, hidden=True)]),
    ], className="wall-viewport")


#: The id of each panel that can replace the top problems (``/wall?panel=NAME``).
PANEL_IDS = {"officers": ids.WALL_OFFICERS, "alerts": ids.WALL_ALERTS}


def _replaced_panel(panel: tuple[str, str, list], hidden) -> html.Section:
    """A panel in place of the top problems: its title, its content, the hidden chart."""
    name, title, content = panel
    return html.Section([html.H2(title), html.Div(content, id=PANEL_IDS[name],
                                                  className=f"wall-{name}-rows"), hidden],
                        className=f"wall-panel wall-top wall-{name}")


def _local_day(moment, tz: ZoneInfo) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%Y-%m-%d")


def build_wall_message(text: str) -> html.Div:
    """A full-screen notice (no region, unknown region): never a blank or an error page."""
    return html.Div(html.Div(text, className="wall-message"), className="wall-viewport")
