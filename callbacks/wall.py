"""The wall's callbacks: the first picture, the refresh, and the clock.

A refresh first asks the store for its data version (one row of ``meta``); when nothing
changed it sends nothing but "still alive". When something changed it sends the new tile
and ticker rows and a ``Patch`` of the map's colours: the polygons went to the browser
with the first picture and are never sent again. The browser asks for a refresh only when
no other is outstanding (``TICK_JS``), so refreshes never pile up.
"""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from dash import Dash, Input, Output, Patch, State, no_update

from callbacks.home import parse_query
from dashboard import services
from data import wall
from data.regions import UnknownRegion
from data.store import data_version, utcnow
from layouts import ids
from layouts.text import t
from layouts.wall import (
    TILES, build_ticker, build_wall, build_wall_message, flagged_grids, map_values, tile_texts,
)

TILE_KEYS = [key for key, _, _ in TILES]

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
        Output(ids.WALL_MAP, "figure"), Output(ids.WALL_STATE, "data"),
        Output(ids.WALL_OK, "data"),
        Input(ids.WALL_REQUEST, "data"), State(ids.WALL_STATE, "data"),
        prevent_initial_call=True,
    )(refresh_wall)
    app.clientside_callback(TICK_JS, Output(ids.WALL_REQUEST, "data"),
                            Input(ids.WALL_TICK, "n_intervals"), State(ids.WALL_STATE, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(SEEN_JS, Output(ids.WALL_SEEN, "data"), Input(ids.WALL_OK, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(
        CLOCK_JS, Output(ids.WALL_CLOCK, "children"), Output(ids.WALL_AS_OF, "children"),
        Output(ids.WALL_AS_OF, "className"), Input(ids.WALL_CLOCK_TICK, "n_intervals"),
        State(ids.WALL_SEEN, "data"), State(ids.WALL_OK, "data"), State(ids.WALL_STATE, "data"))


def _cache() -> dict:
    return services.extension().setdefault("wall_cache", {})


def _shapes(conn, region) -> dict:
    """The map's geometry for a region, made once per region and data version of regions."""
    cache = _cache()
    key = ("shapes", None if region is None else region.id)
    if key not in cache:
        cache[key] = wall.grid_shapes(conn, region)
    return cache[key]


def render_wall(search: str | None) -> object:
    """The wall for the region, map metric and language named in the address."""
    settings = services.settings()
    region_code, lang = parse_query(search, settings.language)
    metric = _query_value(search, "metric", "open")
    if metric not in wall.MAP_METRICS:
        metric = "open"
    now = utcnow()
    with services.engine().connect() as conn:
        try:
            region = wall.root_region(conn, region_code)
        except UnknownRegion:
            return build_wall_message(t("unknown_region", lang, code=region_code))
        if region is None and region_code is None and not wall.children_of(conn, None):
            return build_wall_message(t("empty", lang))
        snap = wall.snapshot(conn, region_code, now, _cache())
        shapes = _shapes(conn, region)
    state = {"version": snap["version"], "region": region_code, "metric": metric,
             "tiles": tile_texts(snap["counters"], lang), "ticker": list(snap["newest"]["code"]),
             "lang": lang, "timezone": snap["timezone"], "refresh": settings.wall_refresh_seconds,
             "words": {"stale": t("stale", lang), "as_of": t("data_as_of", lang)}}
    return build_wall(snap, shapes, metric, lang, settings.wall_refresh_seconds, state)


def refresh_wall(n_intervals: int | None, state: dict | None):
    """One refresh: nothing but "alive" when the data did not change, else the changes."""
    if not state:
        return no_update, no_update, no_update, no_update, no_update
    now = utcnow()
    tz = ZoneInfo(state["timezone"])
    as_of = now.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%H:%M:%S")
    with services.engine().connect() as conn:
        version = data_version(conn)
        if version == state["version"]:
            return no_update, no_update, no_update, no_update, {"as_of": as_of}
        snap = wall.snapshot(conn, state["region"], now, _cache())
        region = wall.root_region(conn, state["region"])
        shapes = _shapes(conn, region)
    lang = state["lang"]
    tiles = Patch()
    texts = tile_texts(snap["counters"], lang)
    for i, (old, new) in enumerate(zip(state.get("tiles", []), texts)):
        if old != new:  # only the numbers that moved
            tiles[i]["props"]["children"][1]["props"]["children"] = new[0]
            if len(new) > 1:
                tiles[i]["props"]["children"][2]["props"]["children"] = new[1]
    overdue = TILE_KEYS.index("overdue")
    tiles[overdue]["props"]["className"] = (
        "wall-tile alert" if snap["counters"]["overdue"] else "wall-tile")
    ticker = Patch()
    shown = state.get("ticker", [])
    fresh = snap["newest"][~snap["newest"]["code"].isin(shown)]
    for row in reversed(build_ticker(fresh, tz, lang)):
        ticker.prepend(row)
    for _ in range(max(len(shown) + len(fresh) - wall.TICKER_ROWS, 0)):
        del ticker[-1]
    figure = Patch()
    values = map_values(snap["grids"], shapes, state["metric"])
    figure["data"][0]["z"] = values
    figure["data"][0]["zmax"] = max(max(values, default=0), 1)
    flagged = flagged_grids(snap["grids"], shapes["points"])
    figure["data"][2]["lon"] = [f["lon"] for f in flagged]
    figure["data"][2]["lat"] = [f["lat"] for f in flagged]
    figure["data"][2]["text"] = [str(f["n"]) for f in flagged]
    figure["data"][2]["marker"]["size"] = [min(6 + f["n"] * 2, 18) for f in flagged]
    new_state = {**state, "version": version, "tiles": texts,
                 "ticker": (list(fresh["code"]) + shown)[:wall.TICKER_ROWS]}
    return tiles, ticker, figure, new_state, {"as_of": as_of}


def _query_value(search: str | None, name: str, default: str) -> str:
    from urllib.parse import parse_qs

    return (parse_qs((search or "").lstrip("?")).get(name) or [default])[0]
