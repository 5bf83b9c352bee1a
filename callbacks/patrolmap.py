"""The console's patrol layer and its 巡查 panel: officers' latest positions and one day's
tracks on the map, today's patrol coverage and the blind spots (巡查盲区).

The address says what is drawn (:class:`data.console_state.ConsoleState`'s ``day`` and
``officer``): :func:`choose_patrol` turns the panel's day and officer pickers into the
address, :func:`patrol_layer` (called by :func:`callbacks.console.panels` while it draws
the map) reads the positions and, only when a day is asked for, the tracks, and
:func:`show_patrols` fills the panel. The region is checked as the console checks it; an
officer must serve a region inside the asker's scope, else they are refused exactly as an
officer no one is (:func:`require_patrol_officer`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
from dash import Dash, Input, Output, State, no_update

from callbacks.console_targets import moved_to
from dashboard.region_scope import region_shown, require_region_viewer
from dashboard import auth, services
from data.console_state import OFFICER_CODE, BadAddress, ConsoleState
from data.field import coverage
from data.maps import containing
from data.regions import RegionInfo, UnknownRegion, children_of, get_region
from data.store import deployment_timezone, utcnow
from data.wall import officers_on_patrol, patrol_today
from layouts import ids
from layouts import patrolmap as layout
from layouts.text import t, t_error


def require_patrol_officer(conn, code: object) -> int:
    """The id of the officer whose code is ``code``, when they serve a region inside the
    asker's scope (an officer serving no region belongs to the whole deployment). An
    unknown code, a value that is not a code, and an officer outside the scope get the
    same :class:`auth.Forbidden`."""
    officer_id = None
    if isinstance(code, str) and OFFICER_CODE.match(code):
        officer_id = coverage.officer_of_code(conn, code)
    if officer_id is not None:
        served = coverage.served_regions_of(conn, [officer_id]).get(officer_id, [])
        if auth.visible_regions(served):
            return officer_id
    raise auth.Forbidden("patrol_officer_refused")


def _local(moment: datetime, tz: ZoneInfo) -> str:
    """A naive-UTC moment as local ``HH:MM``."""
    return f"{moment.replace(tzinfo=timezone.utc).astimezone(tz):%H:%M}"


def _whose_tracks(conn, state: ConsoleState, region: RegionInfo | None
                  ) -> tuple[int | None, int | None]:
    """(region_id, officer_id) of the tracks the address asks for: the officer's when it
    names one (raises :class:`auth.Forbidden` for one the asker may not see), else the
    region's when it is a leaf grid; (None, None) for no tracks."""
    officer_id = None if not state.officer else require_patrol_officer(conn, state.officer)
    if not state.day:
        return None, None
    if officer_id is not None:
        return None, officer_id
    if region is not None and not children_of(conn, region):
        return region.id, None
    return None, None


def patrol_layer(conn, state: ConsoleState, code: str | None, now: datetime,
                 shapes: dict | None = None) -> tuple[list[dict], list[dict]]:
    """What :func:`layouts.figures.add_patrol_layer` draws on the console's map of
    ``code`` (already checked by the caller): the latest position of each officer on
    patrol now, and the tracks of the address's day (none unless one is asked for; none
    for an officer the asker may not see: :func:`show_patrols` says why). Each point
    carries the code of the map's region it lies in (``shapes``: the map's
    :func:`data.region_view.region_shapes`), so a click on it drills there as a click
    on the region itself does."""
    region = None if code is None else get_region(conn, code)
    tz = deployment_timezone(conn)
    features = (shapes or {}).get("features") or []
    seen = officers_on_patrol(conn, region, now)
    inside = containing(features, seen["lon"].tolist(), seen["lat"].tolist())
    positions = [{"lon": p.lon, "lat": p.lat, "region": where,
                  "hover": layout.position_hover(p.name, _local(p.at, tz), state.lang)}
                 for p, where in zip(seen.itertuples(), inside)]
    try:
        region_id, officer_id = _whose_tracks(conn, state, region)
    except auth.Forbidden:
        return positions, []
    if region_id is None and officer_id is None:
        return positions, []
    fixes = coverage.tracks(conn, day=date.fromisoformat(state.day), tz=tz,
                            region_id=region_id, officer_id=officer_id)
    return positions, track_lines(fixes, tz, features)


def track_lines(fixes: pd.DataFrame, tz: ZoneInfo, features: list[dict] | None = None
                ) -> list[dict]:
    """One line per patrol from :func:`data.field.coverage.tracks`: id, lons, lats, each
    fix's hover (the officer and the local time) and the map region it lies in."""
    lines = []
    for patrol_id, rows in fixes.groupby("patrol_id", sort=True):
        lons, lats = rows["lon"].tolist(), rows["lat"].tolist()
        lines.append({"id": int(patrol_id), "lons": lons, "lats": lats,
                      "regions": containing(features or [], lons, lats),
                      "hovers": [f"{name} {_local(at, tz)}"
                                 for name, at in zip(rows["officer"], rows["at"])]})
    return lines


def _blind_days(value: object) -> int:
    """The chooser's N, or the settings' default for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 365:
        return value
    return services.settings().blind_spot_days


def show_patrols(store: dict | None, refresh: int | None, blind_days: object):
    """Fill the 巡查 panel for the console's state: the pickers set as the address says
    (the officers serving the region offered), what the map's patrol layer shows, today's
    patrol coverage and the blind spots of the last N days, each a link that drills."""
    if not store:
        return (no_update,) * 6
    try:
        state = ConsoleState.from_store(store)
    except BadAddress as bad:
        lang = store.get("lang") if store.get("lang") in ("zh", "en") else "zh"
        return (no_update, [], None, t_error(bad.key, bad.values, lang), "—", [])
    lang, now, days = state.lang, utcnow(), _blind_days(blind_days)
    try:
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            require_region_viewer(conn, code)
            region = None if code is None else get_region(conn, code)
            rid = None if region is None else region.id
            # officers serving no region belong to the whole deployment: offered on a
            # top-level region to those who may see everything
            unassigned = (region is None or region.parent_id is None) and \
                bool(auth.visible_regions([None]))
            officers = coverage.officers_serving(conn, rid, unassigned=unassigned
                                                 ).to_dict("records")
            hint = _hint(conn, state, region, officers, lang)
            today = patrol_today(conn, region, now)
            tz = deployment_timezone(conn)
            spots = coverage.blind_spots(conn, rid, days, now).to_dict("records")
    except auth.Forbidden as refused:
        return (no_update, [], None, refused.message(lang), "—", [])
    except UnknownRegion as missing:
        return (no_update, [], None, t("unknown_region", lang, code=missing.code), "—", [])
    for spot in spots:
        spot["last_local"] = None if spot["last_patrolled"] is None else \
            f"{spot['last_patrolled'].replace(tzinfo=timezone.utc).astimezone(tz):%Y-%m-%d %H:%M}"
    return (state.day, layout.officer_options(officers, state.officer, lang), state.officer,
            hint, layout.coverage_text(today),
            layout.build_blind_spots(spots, days, state.to_query(), lang))


def _hint(conn, state: ConsoleState, region: RegionInfo | None, officers: list[dict],
          lang: str) -> str:
    """The panel's line on the map's patrol layer, with how many patrols it draws."""
    try:
        region_id, officer_id = _whose_tracks(conn, state, region)
    except auth.Forbidden:
        return layout.tracks_hint(lang, day=state.day, who=None, patrols=None, refused=True)
    if region_id is None and officer_id is None:
        return layout.tracks_hint(lang, day=state.day, who=None, patrols=None)
    tz = deployment_timezone(conn)
    patrols = coverage.patrols_on(conn, day=date.fromisoformat(state.day), tz=tz,
                                  region_id=region_id, officer_id=officer_id)
    who = None
    if officer_id is not None:
        who = next((o["name"] for o in officers if o["code"] == state.officer), state.officer)
    return layout.tracks_hint(lang, day=state.day, who=who, patrols=len(patrols),
                              thinned=coverage.fix_count(conn, patrols, date.fromisoformat(
                                  state.day), tz) > coverage.MAX_TRACK_POINTS)


def choose_patrol(day: str | None, officer: object, store: dict | None,
                  pathname: str | None, search: str | None):
    """A day or officer picked: the address gains (or loses) ``day`` and ``officer``.
    Reads nothing of the store: what the address then asks for is checked when drawn."""
    if not store:
        return no_update, no_update
    try:
        state = ConsoleState.from_store(store)
        day = None if not day else date.fromisoformat(str(day)[:10]).isoformat()
    except (BadAddress, ValueError):
        return no_update, no_update
    if officer is not None and not (isinstance(officer, str) and OFFICER_CODE.match(officer)):
        return no_update, no_update
    return moved_to(replace(state, day=day, officer=officer or None), pathname, search)


def register(app: Dash) -> None:
    """Connect the 巡查 panel's callbacks to ``app``."""
    app.callback(
        Output(ids.PATROL_DAY, "date"), Output(ids.PATROL_OFFICER, "options"),
        Output(ids.PATROL_OFFICER, "value"), Output(ids.PATROL_HINT, "children"),
        Output(ids.PATROL_COVERAGE, "children"), Output(ids.PATROL_BLIND, "children"),
        Input(ids.CONSOLE_STATE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        Input(ids.PATROL_BLIND_DAYS, "value"),
    )(show_patrols)
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.PATROL_DAY, "date"), Input(ids.PATROL_OFFICER, "value"),
        State(ids.CONSOLE_STATE, "data"), State(ids.URL, "pathname"), State(ids.URL, "search"),
        prevent_initial_call=True,
    )(choose_patrol)
