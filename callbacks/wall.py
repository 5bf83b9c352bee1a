"""The wall's callbacks: the first picture, the refresh, and the clock.

A refresh first asks the store for its data version (one row of ``meta``); when nothing
changed it sends nothing but "still alive". When something changed it sends the new tile
and ticker rows and a ``Patch`` of the map's colours: the polygons went to the browser
with the first picture and are never sent again. The browser asks for a refresh only when
no other is outstanding (``TICK_JS``), so refreshes never pile up.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from datetime import timezone
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, Patch, State, no_update

from callbacks.officers import wall_officers_content
from callbacks.wall_alerts import (
    ALERT_KEYS, PANEL as ALERTS_PANEL, alert_outputs, alert_values, held_alerts, marks_patch,
    panel_rows, state_items,
)
from dashboard import auth, services, wall_share
from dashboard.settings import time_of_day
from data import panels, wall
from data.ranking import DEFAULT as DEFAULT_RANK, UnknownRankMetric, accepted_names, rank_metric
from data.regions import UnknownRegion, children_of, root_region
from data.store import regions_version, utcnow
from data.wall_alerts import wall_versions
from layouts import ids
from layouts.figures import (
    TRACE_BARS, TRACE_CLOSED, TRACE_FLAGGED, TRACE_GRIDS, TRACE_OFFICERS, TRACE_REPORTED,
    TRACE_RING, plot_text, plot_texts, view_ranges,
)
from layouts.loading import undress_patch
from layouts.ranking import ranking_title
from layouts.text import t
from layouts.wall import (
    TILE_CHANGE, TILE_VALUE, TILES, build_ranking, build_ticker, build_wall, build_wall_message,
    flagged_grids, loading_charts, map_values, officer_points, source_series, tile_texts,
    trend_series, wall_map, wall_parts,
)
from layouts.wall_alerts import TRACE_ALERTS, build_alert_count, patch_marks

TILE_KEYS = [key for key, _, _ in TILES]
MAX_PAGES = 500  # walls and consoles remembered for partial updates
#: Seconds a wall's first picture (counted from its start) and a rotating wall's next
#: region wait for 30-day panels nobody has counted yet today: a city's take seconds to
#: count from the cases, so the wall shows everything else at once and the panels with a
#: refresh after.
FIRST_LOAD_WAIT = 0.5
#: Seconds a refresh that starts a recount of stale 30-day panels (at most every
#: data.wall.SLOW_SECONDS) waits for it: a county's recount from the rollups ends within
#: it, so a change shows in the same refresh; a longer one shows with the next.
REFRESH_WAIT = 0.3
_LOCK = threading.Lock()

# The clock and the stale warning run in the browser, so they keep going when the server
# is gone: "stale" means this browser has not heard from the server for three refreshes.
CLOCK_JS = """
function(n, seen, ok, state) {
    if (!state) { return [window.dash_clientside.no_update, window.dash_clientside.no_update,
                          window.dash_clientside.no_update]; }
    const now = new Date();
    const parts = new Intl.DateTimeFormat('sv-SE', {timeZone: state.timezone, year: 'numeric',
        month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
        second: '2-digit', hour12: false}).format(now);
    if (!window.wallLoadedAt) { window.wallLoadedAt = Date.now(); }
    const last = seen || window.wallLoadedAt;
    const stale = Date.now() - last > 3 * state.refresh * 1000;
    const text = (stale ? state.words.stale + ' · ' : '') + state.words.as_of + ' ' + ok.as_of;
    return [parts, text, stale ? 'wall-as-of stale' : 'wall-as-of'];
}
"""
# The interval asks for a refresh only when none is outstanding, so refreshes never pile
# up; an answer clears the flag, and a request lost with the server expires after three
# intervals, so the wall keeps trying and recovers by itself when the server is back.
TICK_JS = """
function(n, state) {
    const now = Date.now();
    const patience = 3 * ((state && state.refresh) || 10) * 1000;
    if (window.wallBusySince && now - window.wallBusySince < patience) {
        return window.dash_clientside.no_update;
    }
    window.wallBusySince = now;
    return n;
}
"""
SEEN_JS = "function(ok) { window.wallBusySince = null; return Date.now(); }"



def register(app: Dash) -> None:
    """Connect the wall's callbacks to ``app``."""
    app.callback(
        Output(ids.WALL_TILES, "children"), Output(ids.WALL_TICKER, "children"),
        Output(ids.WALL_MAP, "figure"), Output(ids.WALL_TREND, "figure"),
        Output(ids.WALL_SOURCES, "figure"), Output(ids.WALL_TOP, "figure"),
        Output(ids.WALL_RANKING, "children"), Output(ids.WALL_STATE, "data"),
        Output(ids.WALL_OK, "data"), Output(ids.WALL_ALERT_COUNT, "children"),
        Output(ids.WALL_ALERTS, "children"), Output(ids.WALL_RANKING_TITLE, "children"),
        Input(ids.WALL_REQUEST, "data"), State(ids.WALL_STATE, "data"),
        prevent_initial_call=True,
    )(refresh_wall)
    app.clientside_callback(TICK_JS, Output(ids.WALL_REQUEST, "data"),
                            Input(ids.WALL_TICK, "n_intervals"), State(ids.WALL_STATE, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(SEEN_JS, Output(ids.WALL_SEEN, "data"), Input(ids.WALL_OK, "data"),
                            prevent_initial_call=True)
    app.callback(
        Output(ids.WALL_TILES, "children", allow_duplicate=True),
        Output(ids.WALL_TICKER, "children", allow_duplicate=True),
        Output(ids.WALL_MAP, "figure", allow_duplicate=True),
        Output(ids.WALL_TREND, "figure", allow_duplicate=True),
        Output(ids.WALL_SOURCES, "figure", allow_duplicate=True),
        Output(ids.WALL_TOP, "figure", allow_duplicate=True),
        Output(ids.WALL_RANKING, "children", allow_duplicate=True),
        Output(ids.WALL_STATE, "data", allow_duplicate=True),
        Output(ids.WALL_OK, "data", allow_duplicate=True),
        Output(ids.WALL_REGION, "children"),
        Output(ids.WALL_ALERT_COUNT, "children", allow_duplicate=True),
        Output(ids.WALL_ALERTS, "children", allow_duplicate=True),
        Output(ids.WALL_RANKING_TITLE, "children", allow_duplicate=True),
        Input(ids.WALL_ROTATE, "n_intervals"), State(ids.WALL_STATE, "data"),
        prevent_initial_call=True,
    )(rotate_wall)
    app.clientside_callback(
        CLOCK_JS, Output(ids.WALL_CLOCK, "children"), Output(ids.WALL_AS_OF, "children"),
        Output(ids.WALL_AS_OF, "className"), Input(ids.WALL_CLOCK_TICK, "n_intervals"),
        State(ids.WALL_SEEN, "data"), State(ids.WALL_OK, "data"), State(ids.WALL_STATE, "data"))


def _cache() -> dict:
    return wall_share.panels_cache()  # the 30-day panels in Redis when shared


def _shapes(conn, region, version: int | None = None) -> dict:
    """The map's geometry for a region, made once per region and regions version
    (:func:`data.store.regions_version`, which every import of regions moves on), and
    carrying that version (``regions_version``): a page whose map was drawn from other
    shapes is sent the whole new map (:func:`_map_update`). Shapes of older versions are
    let go. ``version``: the regions version when the caller read it already."""
    cache = _cache()
    version = regions_version(conn) if version is None else version
    key = ("shapes", None if region is None else region.id, version)
    held = cache.get(key)
    if held is None:
        held = {**panels.grid_shapes(conn, region), "regions_version": version}
        with _LOCK:
            for old in [k for k in list(cache) if k[0] == "shapes" and k[2] != version]:
                cache.pop(old, None)
            cache[key] = held
    return held


def _snapshot(conn, region_code: str | None, now, wait: float = 0,
              version: int | None = None, seen: dict | None = None) -> dict:
    """The wall's snapshot at ``now``, or at the end of an old export's last day (with
    ``historical`` set, so the wall says so). Its 30-day panels are counted in the
    background and waited for up to ``wait`` seconds (``pending`` while there are none
    yet today: the page's next refreshes bring them; stale ones stand in for a recount
    not done by then, :func:`data.wall.held_panels`). One snapshot serves every wall of
    the region, in every worker with Redis (:func:`dashboard.wall_share.snapshot`;
    ``seen``: the state of the asking page, None for a first picture)."""
    def make() -> dict:
        moment, historical = wall.data_now(conn, now)
        snap = wall.snapshot(conn, region_code, moment, _cache(), engine=services.engine(),
                             wait=wait, version=version)
        return {**snap, "historical": historical, "data_moment": moment}

    # one snapshot serves every wall of the region (and worker) while it is current
    shared = wall_share.snapshot(conn, region_code, version, make,
                                 seen=None if seen is None else seen.get("version"),
                                 seen_pending=bool(seen and seen.get("pending")))
    # the header's clock shows the real time; the badge says which day the data ends
    return {**shared, "now": now}


def render_wall(search: str | None) -> object:
    """The wall for the region, map metric and language named in the address.

    ``rotate=N`` turns the wall into a playlist: the region, then each of its children,
    N seconds each (``show`` starts it on one of them)."""
    settings = services.settings()
    region_code, lang = parse_query(search, settings.language)
    metric = _query_value(search, "metric", "open")
    if metric not in wall.MAP_METRICS:
        metric = "open"
    rotate = _seconds(_query_value(search, "rotate", ""))
    reload_at = _reload_at(search, settings.wall_reload_at)
    shown_code = _query_value(search, "show", "") or region_code
    panel = _query_value(search, "panel", "")
    panel = panel if panel in wall.PANELS else None  # an unknown panel: the default wall
    try:  # a wall ranking by something nobody meant would mislead: refused, by name
        rank = rank_metric(_query_value(search, "rank", ""))
    except UnknownRankMetric as unknown:
        return build_wall_message(t("wall_unknown_rank", lang, value=_shown(unknown.value),
                                    names=", ".join(accepted_names())))
    now = utcnow()
    with services.engine().connect() as conn:
        versions = wall_versions(conn)  # first: what is read after is never older
        try:
            home = root_region(conn, region_code)
            region = root_region(conn, shown_code)
        except UnknownRegion as missing:
            return build_wall_message(t("unknown_region", lang, code=missing.code))
        if region is None and region_code is None and not children_of(conn, None):
            return build_wall_message(t("empty", lang))
        # the map first (counting the 30-day panels alongside would only slow it down:
        # one interpreter), then the panels, waited for what is left of FIRST_LOAD_WAIT
        began = time.monotonic()
        shapes = _shapes(conn, region)
        snap = _snapshot(conn, None if region is None else region.code, now,
                         wait=max(FIRST_LOAD_WAIT - (time.monotonic() - began), 0))
        playlist = ([None if home is None else home.code]
                    + [child.code for child in children_of(conn, home)]) if rotate else []
        alerts = held_alerts(conn, None if region is None else region.code, versions)
        shown_panel = None if panel in (None, ALERTS_PANEL) else wall_panel(
            conn, panel, None if region is None else region.code, lang)
    alert_shown, kept = alert_values(alerts, {"panel": panel}, lang)
    if panel == ALERTS_PANEL:
        shown_panel = (panel, t("wall_panel_alerts", lang),
                       panel_rows(alerts, kept, ZoneInfo(snap["timezone"]), lang))
    token = uuid.uuid4().hex
    _remember(token, {**shown_values(snap, shapes, metric, lang, rank), **alert_shown})
    state = {"version": snap["version"], "region": None if region is None else region.code,
             "metric": metric, "token": token, "lang": lang, "timezone": snap["timezone"],
             "refresh": settings.wall_refresh_seconds, "regions": shapes["regions_version"],
             "words": {"stale": t("stale", lang), "as_of": t("data_as_of", lang)}}
    state["map_region"] = state["region"]
    if snap["pending"]:
        state["pending"] = True  # the 30-day panels are still being counted
    if rotate:
        state["playlist"] = playlist
    if panel is not None:
        state["panel"] = panel
    if rank != DEFAULT_RANK:
        state["rank"] = rank
    state["alerts"] = versions.alerts
    if "seen" in kept:
        state["seen"] = kept["seen"]
    return build_wall(snap, shapes, metric, lang, settings.wall_refresh_seconds, state,
                      rotate_seconds=rotate, reload_at=reload_at, panel=shown_panel, rank=rank,
                      alerts=(build_alert_count(alert_shown["alert_counts"], lang),
                              alert_shown["alert_marks"]))


def wall_panel(conn, panel: str, region_code: str | None, lang: str
               ) -> tuple[str, str, list]:
    """The content of the panel ``/wall?panel=NAME`` shows in place of the top problems:
    (name, title, content)."""
    return panel, t("wall_panel_officers", lang), wall_officers_content(conn, region_code, lang)


@auth.for_displays
def rotate_wall(n_intervals: int | None, state: dict | None):
    """A rotating wall moves on to the next region of its playlist.

    The map keeps the polygons it was sent first (the playlist's whole region) and zooms
    to the next region, colouring only its grids; the other panels get their new content
    in place. Nothing is unmounted or re-sent (the map's polygons only when new
    boundaries were imported), so no panel ever stands empty. Every region the state
    names must lie in the asker's scope (:func:`auth.require_wall_state`)."""
    if not state:
        return tuple([no_update] * 13)
    auth.require_wall_state(state)
    rank = state_rank(state)
    if not state.get("playlist"):
        return tuple([no_update] * 13)
    playlist = state["playlist"]
    here = playlist.index(state.get("region")) if state.get("region") in playlist else -1
    following = playlist[(here + 1) % len(playlist)]
    now = utcnow()
    with services.engine().connect() as conn:
        try:
            region = root_region(conn, following)
        except UnknownRegion:  # removed since the wall started: back to the start
            region = root_region(conn, playlist[0])
        snap = _snapshot(conn, None if region is None else region.code, now,
                         wait=FIRST_LOAD_WAIT)
        map_region = state.get("map_region", state.get("region"))
        shapes = _shapes(conn, root_region(conn, map_region))
        bounds = None if region is None or region.code == map_region else \
            panels.region_bounds(conn, region)
        versions = wall_versions(conn)
        alerts = held_alerts(conn, None if region is None else region.code, versions)
    lang, metric = state["lang"], state["metric"]
    token = uuid.uuid4().hex
    alert_shown, kept = alert_values(alerts, state, lang)
    shown = {**shown_values(snap, shapes, metric, lang, rank), **alert_shown}
    page = _pages().get(state.get("token"), {})
    _remember(token, shown, replaces=state.get("token"))
    parts = wall_parts(snap, shapes, metric, lang, rank=rank)
    # every point moves with the region; the polygons stay unless new ones were imported
    drawn = {"shapes": page["shapes"]} if "shapes" in page else {}
    figure = _map_update(drawn, shown, snap, shapes, state,
                         view=view_ranges(shapes.get("view") if bounds is None else bounds))
    as_of = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(snap["timezone"]))
    new_state = {**state, "region": None if region is None else region.code, "token": token,
                 "version": snap["version"], "pending": snap["pending"],
                 **state_items(versions, kept, state)}
    count, rows = alert_outputs({}, shown, alerts, kept, state, lang)  # the new region's
    return (parts["tiles"], parts["ticker"], figure, parts["trend"], parts["sources"],
            parts["top"], parts["ranking"], new_state, {"as_of": as_of.strftime("%H:%M:%S")},
            parts["region"], count, rows, parts["ranking_title"])


def _seconds(text: str) -> int:
    """A rotation interval in whole seconds (at least 5), or 0 for none or nonsense."""
    try:
        return max(int(text), 5) if text else 0
    except ValueError:
        return 0


def _reload_at(search: str | None, default: str) -> str:
    """The wall's daily reload time from the address (``reload=HH:MM``, ``reload=off``),
    else the deployment's. A mistyped value keeps the default: a bookmark with a typo
    still gets its nightly reload."""
    given = _query_value(search, "reload", "")
    at = time_of_day(given) if given else None
    return default if at is None else at


def shown_values(snap: dict, shapes: dict, metric: str, lang: str,
                 rank: str = DEFAULT_RANK) -> dict[str, object]:
    """What a wall shows, panel by panel, as plain values to compare between refreshes;
    the texts that a refresh patches into figures are escaped for plotly (:func:`plot_text`).
    ``rank``: the metric the ranking board is asked to rank by (``ranking``: what it
    ranks by and its rows, :meth:`data.ranking.Ranking.shown`)."""
    officers = officer_points(snap["patrolling"])
    tops = snap["subcategories"]
    source_names, source_counts = source_series(snap["sources"], lang)
    return {
        "tiles": tile_texts(snap["counters"], lang),
        "alert": bool(snap["counters"]["overdue"]),
        "ticker": list(snap["newest"]["code"]),
        "map": map_values(snap["grids"], shapes, metric),
        "flagged": _flagged(snap["grids"], shapes),
        "shapes": shapes.get("regions_version"),
        "officers": [(o["lon"], o["lat"], plot_text(o["name"])) for o in officers],
        "trend": trend_series(snap["trend"]),
        "sources": (plot_texts(source_names), source_counts),
        "top": (plot_texts(tops["key"].tolist()), tops["n"].tolist()),
        # a rate of no cases (NaN) is None there: NaN never equals itself, and a ranking
        # that holds one would be sent again on every refresh
        "ranking": snap["ranking"].by(rank).shown(),
        "loading": loading_charts(snap),  # charts shown as 加载中… (no values yet)
    }


def _flagged(grids: pd.DataFrame, shapes: dict) -> list[tuple]:
    """The flagged grids' markers (:func:`layouts.wall.flagged_grids`) as (lon, lat, n),
    made again only when the long-unfixed counts moved: kept in ``shapes`` (one map's)
    for the grids' index last asked about, as the map's feature rows are."""
    counts = grids["long_unfixed"].to_numpy()
    held = shapes.get("_flagged")
    if held is not None and held[0] is grids.index and np.array_equal(held[1], counts):
        return held[2]
    flagged = [(f["lon"], f["lat"], f["n"]) for f in flagged_grids(grids, shapes["points"])]
    shapes["_flagged"] = (grids.index, counts.copy(), flagged)
    return flagged


def _map_update(old: dict, new: dict, snap: dict, shapes: dict, state: dict,
                view: dict | None = None):
    """What the wall's map is sent, from what the page was last sent (``old``) and what
    it shows now (``new``, :func:`shown_values`): the whole map when the page's was drawn
    from other shapes (new boundaries were imported, or a restarted server does not know
    which it has), framed on the region shown; else a ``Patch`` of what moved (colours,
    flagged grids, officers) and of the view (``view``, geo settings, for a rotation);
    nothing when nothing moved. A server that does not remember the page (restarted)
    goes by the shapes' version the page was first drawn with (``state["regions"]``)."""
    if old.get("shapes", state.get("regions")) != new["shapes"]:
        return _whole_map(snap, shapes, state, view, new["alert_marks"])
    moved = {key for key in ("map", "flagged", "officers", "alert_marks")
             if old.get(key) != new[key]}
    if not moved and view is None:
        return no_update
    figure = Patch()
    if "map" in moved:
        grids = figure["data"][TRACE_GRIDS]
        grids["z"] = new["map"]
        grids["zmax"] = max(max(filter(None, new["map"]), default=0), 1)
    if "flagged" in moved:
        marks = figure["data"][TRACE_FLAGGED]
        marks["lon"] = [f[0] for f in new["flagged"]]
        marks["lat"] = [f[1] for f in new["flagged"]]
        marks["text"] = [str(f[2]) for f in new["flagged"]]
        marks["marker"]["size"] = [min(6 + f[2] * 2, 18) for f in new["flagged"]]
    if "officers" in moved:
        officers = figure["data"][TRACE_OFFICERS]
        officers["lon"] = [o[0] for o in new["officers"]]
        officers["lat"] = [o[1] for o in new["officers"]]
        officers["text"] = [o[2] for o in new["officers"]]
    if "alert_marks" in moved:
        patch_marks(figure["data"][TRACE_ALERTS], new["alert_marks"])
    for key, value in (view or {}).items():
        figure["layout"]["geo"][key] = value
    return figure


def _tiles_update(old: dict, new: dict):
    """A ``Patch`` of the counter tiles: the texts that moved since the page was last
    sent ``old`` (every one for a page the server does not remember), and the overdue
    tile's alert; ``no_update`` when no tile moved."""
    tiles = no_update
    if old.get("tiles") != new["tiles"] or old.get("alert") != new["alert"]:
        tiles = Patch()
        for i, text in enumerate(new["tiles"]):
            if not old or old["tiles"][i] != text:  # only the numbers that moved
                tiles[i]["props"]["children"][TILE_VALUE]["props"]["children"] = text[0]
                if len(text) > 1:
                    tiles[i]["props"]["children"][TILE_CHANGE]["props"]["children"] = text[1]
                if len(text) > 2:  # a figure that stands on deadlines: why, on hover
                    tiles[i]["props"]["title"] = text[2]
        tiles[TILE_KEYS.index("overdue")]["props"]["className"] = (
            "wall-tile alert" if new["alert"] else "wall-tile")
    return tiles


def _chart_updates(old: dict, new: dict) -> tuple:
    """Patches of the trend, the sources' ring and the top problems' bars from what the
    page was last sent (``old``) and what it shows now (``new``, :func:`shown_values`):
    only the values that moved; ``no_update`` for a chart that did not move. A chart
    that showed 加载中… and now has its values loses the word and gets its axes back."""
    # a page the server does not remember (restarted) may have shown any of them so
    was_loading = old.get("loading", ()) if old else ("trend", "sources", "top")
    done = set(was_loading) - set(new.get("loading", ()))
    trend_patch = no_update
    if old.get("trend") != new["trend"] or "trend" in done:
        trend_patch = Patch()
        days, reported, closed = new["trend"]
        if old.get("trend") and old["trend"][0] == days:  # same days: only the counts that moved
            for i, (before, after) in enumerate(zip(old["trend"][1], reported)):
                if before != after:
                    trend_patch["data"][TRACE_REPORTED]["y"][i] = after
            for i, (before, after) in enumerate(zip(old["trend"][2], closed)):
                if before != after:
                    trend_patch["data"][TRACE_CLOSED]["y"][i] = after
        else:
            for trace, values in ((TRACE_REPORTED, reported), (TRACE_CLOSED, closed)):
                trend_patch["data"][trace]["x"] = days
                trend_patch["data"][trace]["y"] = values
    if "trend" in done:
        undress_patch(trend_patch)  # the first values after 加载中…
    pie = no_update
    if old.get("sources") != new["sources"] or "sources" in done:
        pie = Patch()
        if "sources" in done:
            undress_patch(pie, axes=False)
        ring = pie["data"][TRACE_RING]
        ring["labels"], ring["values"] = new["sources"]
    bars = no_update
    if old.get("top") != new["top"] or "top" in done:
        bars = Patch()
        if "top" in done:
            undress_patch(bars)
        labels, counts = new["top"]
        top = bars["data"][TRACE_BARS]
        top["x"] = counts[::-1]
        top["y"] = labels[::-1]
        top["text"] = counts[::-1]
    return trend_patch, pie, bars


def _whole_map(snap: dict, shapes: dict, state: dict, view: dict | None, marks: list):
    """The wall's map drawn afresh on ``shapes`` with the alert markers ``marks``, framed
    by ``view`` (geo settings) or, for a rotating wall showing one of its towns, on that
    town."""
    figure = wall_map(snap, shapes, state["metric"], state["lang"], marks)
    if view is None and state.get("region") != state.get("map_region", state.get("region")):
        with services.engine().connect() as conn:
            region = root_region(conn, state["region"])
            view = view_ranges(panels.region_bounds(conn, region)) if region else None
    if view:
        figure.update_geos(**view)
    return figure


def _pages() -> OrderedDict:
    """What each open wall was last sent, by page token (the newest few hundred walls)."""
    return services.extension().setdefault("wall_pages", OrderedDict())


def _remember(token: str, shown: dict, replaces: str | None = None) -> None:
    """Keep what the page of ``token`` was sent; the token it ``replaces`` (the page's
    previous answer) is let go: one entry per open wall."""
    pages = _pages()
    with _LOCK:  # the server answers walls on several threads
        pages.pop(replaces, None)
        pages[token] = shown
        pages.move_to_end(token)
        while len(pages) > MAX_PAGES:
            pages.popitem(last=False)


@auth.for_displays
def refresh_wall(request: object, state: dict | None):
    """One refresh: nothing but "alive" when neither the data nor the alerts changed (and
    the page has its 30-day panels: ``pending`` says it waits for them); else, panel by
    panel, only what changed since this page was last sent something. The alerts are
    read again only when the alerts version moved (:mod:`callbacks.wall_alerts`). Every
    region the state names must lie in the asker's scope (:func:`auth.require_wall_state`)."""
    if not state:
        return tuple([no_update] * 12)
    auth.require_wall_state(state)
    rank = state_rank(state)
    now = utcnow()
    tz = ZoneInfo(state["timezone"])
    as_of = now.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%H:%M:%S")
    # what this page was sent under its token: empty in a worker that did not send it, or
    # after a restart: then all is sent. Every answer that sends something carries a new
    # token, so a token names exactly one answer, and a worker never patches a page from
    # what another worker sent it since (README: Several workers)
    old = _pages().get(state.get("token"), {})
    lang = state["lang"]
    with services.engine().connect() as conn:
        versions = wall_versions(conn)  # the data's, the alerts' and the regions' at once
        data_moved = versions.data != state["version"] or bool(state.get("pending"))
        alerts_moved = versions.alerts != state.get("alerts")
        if not data_moved and not alerts_moved:
            return (*[no_update] * 8, {"as_of": as_of}, no_update, no_update, no_update)
        snap = shapes = alerts = None
        if data_moved:
            snap = _snapshot(conn, state.get("region"), now, wait=REFRESH_WAIT,
                             version=versions.data, seen=state)
            shapes = _shapes(conn, wall.held_region(
                conn, state.get("map_region", state.get("region")), _cache(),
                snap["regions_fingerprint"]), version=snap["regions_version"])
        # kept from the page's last answer while the alerts did not move (read again,
        # from the kept list, for a page this worker does not remember)
        if alerts_moved or "alert_marks" not in old:
            alerts = held_alerts(conn, state.get("region"), versions)
    alert_new, kept = ({key: old[key] for key in ALERT_KEYS if key in old}, {}) \
        if alerts is None else alert_values(alerts, state, lang)
    new = {**(old if snap is None else shown_values(snap, shapes, state["metric"], lang, rank)),
           **alert_new}
    token = uuid.uuid4().hex
    _remember(token, new, replaces=state.get("token"))
    count, rows = alert_outputs(old, new, alerts, kept, state, lang)
    state_patch = Patch()
    state_patch["token"] = token
    for key, value in state_items(versions, kept, state).items():
        state_patch[key] = value
    if snap is None:  # only the alerts moved
        figure = marks_patch(None, old, new)
        return (no_update, no_update, no_update if figure is None else figure,
                *[no_update] * 4, state_patch, {"as_of": as_of}, count, rows, no_update)
    state_patch["version"] = snap["version"]  # what it shows (a shared one: maybe older)
    if bool(state.get("pending")) != snap["pending"]:
        state_patch["pending"] = snap["pending"]
    *updates, board, title = _data_updates(old, new, snap, shapes, state, tz, lang, rank)
    return (*updates, board, state_patch, {"as_of": as_of}, count, rows, title)


def _data_updates(old: dict, new: dict, snap: dict, shapes: dict, state: dict, tz: ZoneInfo,
                  lang: str, rank: str) -> tuple:
    """The tiles, ticker, map, trend, sources, top problems, ranking and the ranking's
    title a refresh sends after the data changed: each only when it moved since the page
    was last sent ``old`` (the title when the board ranks by another metric: a category
    table imported, on-time figures appear and the board goes back to them)."""
    ticker = no_update
    if old.get("ticker") != new["ticker"]:
        shown = old.get("ticker")
        if shown is None:
            ticker = build_ticker(snap["newest"], tz, lang)
        else:
            ticker = Patch()
            fresh = snap["newest"][~snap["newest"]["code"].isin(shown)]
            for row in reversed(build_ticker(fresh, tz, lang)):
                ticker.prepend(row)
            for _ in range(max(len(shown) + len(fresh) - wall.TICKER_ROWS, 0)):
                del ticker[-1]
    figure = _map_update(old, new, snap, shapes, state)
    trend_patch, pie, bars = _chart_updates(old, new)
    ranking = title = no_update
    if old.get("ranking") != new["ranking"]:
        board = snap["ranking"].by(rank)
        ranking = build_ranking(board, lang)
        if old.get("ranking", ())[:3] != new["ranking"][:3]:  # wanted, metric, why
            title = ranking_title(board, lang)
    return _tiles_update(old, new), ticker, figure, trend_patch, pie, bars, ranking, title


def state_rank(state: dict) -> str:
    """The ranking metric a wall's page ``state`` names (:data:`DEFAULT_RANK` when none),
    checked as its regions are: the page only ever holds a registry key the address chose
    (:func:`render_wall`), so anything else is a state not made here (400)."""
    value = state.get("rank")
    try:
        key = rank_metric(value)
    except UnknownRankMetric:
        raise auth.Malformed("auth_bad_state") from None
    if value is not None and value != key:  # an alias: never written in a state
        raise auth.Malformed("auth_bad_state")
    return key


def _shown(value: object) -> str:
    """A value from the address, short enough to quote on the wall."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_query(search: str | None, default_lang: str) -> tuple[str | None, str]:
    """(region code or None, language) from a query string like ``?region=X&lang=en``."""
    query = parse_qs((search or "").lstrip("?"))
    region = (query.get("region") or [None])[0] or None
    lang = (query.get("lang") or [default_lang])[0]
    return region, lang if lang in ("zh", "en") else default_lang


def _query_value(search: str | None, name: str, default: str) -> str:
    return (parse_qs((search or "").lstrip("?")).get(name) or [default])[0]
