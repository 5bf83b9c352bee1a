"""The officers view's callbacks (``/officers``, ``/officers/CODE``) and the wall's officers
panel (``/wall?panel=officers``): the address is the state.

The router (:mod:`callbacks.pages`) checks the address's region and mounts the shell
(:func:`render_officers`) once per language; :func:`fill_officers` fills the table, the
breadcrumb and the children from the address, checking again who asks and the region
(never a value the page holds); a new period or dates change the address
(:func:`navigate_officers`); a click on an officer's name opens the console on their home
grid with their tracks of the period's last day (:func:`open_officer`, which checks the
officer is in the asker's area). :func:`officers_link` points the console's 网格员考核
link at the region it shows; :func:`refresh_wall_officers` redraws the wall's panel.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, html, no_update

from dashboard.region_scope import region_shown, require_region_viewer
from dashboard import auth, services
from data import wall
from data.console_state import BadAddress, ConsoleState, address_lang
from data.field.assessment import WeightsError, load_weights
from data.field.officer_view import (
    OfficersState, figure_kinds, is_officers_path, officer_console_target, officers_table,
)
from data.regions import UnknownRegion, ancestors_of, children_of, root_region
from data.store import utcnow
from layouts import ids
from layouts.console import console_href
from layouts.officers import (
    build_officers, build_officers_breadcrumb, build_officers_children, build_wall_officers,
    officer_console_href, officer_rows, officers_href, officers_subtitle,
)
from layouts.text import region_name, t, t_error

#: What :func:`fill_officers` fills, in order.
FILLED = ("rows", "crumbs", "subtitle", "children", "message", "console", "period", "start",
          "end")


def register(app: Dash) -> None:
    """Connect the officers view's callbacks, the console's link and the wall's panel."""
    app.callback(
        Output(ids.OFFICERS_GRID, "rowData"), Output(ids.OFFICERS_BREADCRUMB, "children"),
        Output(ids.OFFICERS_SUBTITLE, "children"), Output(ids.OFFICERS_CHILDREN, "children"),
        Output(ids.OFFICERS_MESSAGE, "children"), Output(ids.OFFICERS_CONSOLE, "href"),
        Output(ids.OFFICERS_PERIOD, "value"), Output(ids.OFFICERS_DATES, "start_date"),
        Output(ids.OFFICERS_DATES, "end_date"),
        Input(ids.URL, "pathname"), Input(ids.URL, "search"),
    )(fill_officers)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.OFFICERS_PERIOD, "value"), Input(ids.OFFICERS_DATES, "start_date"),
        Input(ids.OFFICERS_DATES, "end_date"), State(ids.URL, "pathname"),
        State(ids.URL, "search"), prevent_initial_call=True,
    )(navigate_officers)
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.OFFICERS_MESSAGE, "children", allow_duplicate=True),
        Input(ids.OFFICERS_GRID, "cellClicked"), State(ids.URL, "pathname"),
        State(ids.URL, "search"), prevent_initial_call=True,
    )(open_officer)
    app.callback(Output(ids.CONSOLE_OFFICERS, "href"), Input(ids.URL, "pathname"),
                 Input(ids.URL, "search"))(officers_link)
    app.callback(Output(ids.WALL_OFFICERS, "children"), Input(ids.WALL_STATE, "data"),
                 prevent_initial_call=True)(refresh_wall_officers)


def assessment_weights() -> dict | None:
    """The deployment's weights (``DASHBOARD_ASSESSMENT_WEIGHTS``, a TOML file), None for
    the defaults; :class:`WeightsError` names what is wrong with the file."""
    path = services.settings().assessment_weights
    return load_weights(path) if path else None


def _state(pathname: str | None, search: str | None) -> OfficersState:
    return OfficersState.parse(pathname, search, services.settings().language)


def render_officers(pathname: str | None, search: str | None) -> list:
    """The view's shell for the address (the router has checked its region), with the
    period controls set as the address says."""
    default = services.settings().language
    try:
        state = _state(pathname, search)
    except BadAddress:  # the shell all the same: fill_officers says what is wrong
        state = OfficersState(lang=address_lang(search, default))
    return [build_officers(state.lang, {"period": state.period, "first": state.first,
                                        "last": state.last}, figure_kinds())]


def fill_officers(pathname: str | None, search: str | None):
    """The table, breadcrumb, subtitle and children of the officers view the address
    names, for the principal asking: the region is read from the address and checked
    here (a refusal, an unknown region or a bad period is said in the message line, and
    nothing of the region is shown)."""
    if not is_officers_path(pathname):
        return (no_update,) * len(FILLED)
    lang = address_lang(search, services.settings().language)
    try:
        state = _state(pathname, search)
        lang = state.lang
        shown = officers_view(state)
    except BadAddress as bad:
        return _said(t("bad_address", lang, why=t_error(bad.key, bad.values, lang)))
    except auth.Forbidden as refused:
        return _said(refused.message(lang))
    except UnknownRegion as missing:
        return _said(t("unknown_region", lang, code=missing.code))
    except WeightsError as bad:
        return _said(t("assess_bad_weights", lang, reason=str(bad)))
    return tuple(shown[key] for key in FILLED)


def _said(message: str) -> tuple:
    """Every part emptied, and ``message`` said."""
    return ([], [], [], [], message, no_update, no_update, no_update, no_update)


def officers_view(state: OfficersState, now=None) -> dict:
    """Everything the view shows for ``state`` (keys :data:`FILLED`). Raises
    :class:`auth.Forbidden` (signed out, a display token, a region outside the scope) and
    :class:`UnknownRegion` before reading anything of the region."""
    now = utcnow() if now is None else now
    kinds = figure_kinds()
    with services.engine().connect() as conn:
        code = region_shown(conn, state.region)
        require_region_viewer(conn, code)
        region = root_region(conn, code)
        period = state.period_of(conn, code, now)
        frame = officers_table(conn, region, period, now, assessment_weights())
        crumbs = [] if region is None else [r.as_dict() for r in ancestors_of(conn, region)]
        children = [c.as_dict() for c in children_of(conn, region)]
    query = state.to_query()
    records = [{"officer_id": officer_id, **row} for officer_id, row
               in frame.to_dict("index").items()]
    rows = officer_rows(records, kinds, state.lang)
    ranked = sum(1 for row in rows if row["standing"] == "ranked")
    name = region_name(crumbs[-1], state.lang) if crumbs else t("officers_all", state.lang)
    return {
        "rows": rows,
        "crumbs": build_officers_breadcrumb(crumbs, query, state.lang),
        "subtitle": officers_subtitle(name, period.first.isoformat(), period.last.isoformat(),
                                      ranked, len(rows), state.lang),
        "children": build_officers_children(children, query, state.lang),
        "message": "" if rows else t("assess_none", state.lang),
        "console": console_href(code, query, state.lang),
        "period": state.period, "start": state.first, "end": state.last,
    }


def navigate_officers(period: str | None, start: str | None, end: str | None,
                      pathname: str | None, search: str | None, trigger: object = None):
    """A new period or new dates: the address's query changes (the path stays); nothing
    when it is the same."""
    if not is_officers_path(pathname):
        return no_update
    try:
        state = _state(pathname, search)
    except BadAddress:
        state = OfficersState(lang=address_lang(search, services.settings().language))
    trigger = trigger if trigger is not None else _triggered()
    new = state.with_period(period, start, end, dates_picked=trigger == ids.OFFICERS_DATES)
    if new is None:
        return no_update
    href = officers_href(new.region, new.to_query(), new.lang)
    query = href.partition("?")[2]
    query = f"?{query}" if query else ""
    return no_update if query == (search or "") else query


def open_officer(cell: dict | None, pathname: str | None, search: str | None):
    """A click on an officer's name: the console on their home grid with their tracks of
    the period's last day. The officer (the row's id) must be one the asker may see (their
    home grid in the asker's area); unknown and out-of-scope officers are refused alike."""
    if not isinstance(cell, dict) or cell.get("colId") != "name":
        return no_update, no_update, no_update
    lang = address_lang(search, services.settings().language)
    try:
        state = _state(pathname, search)
        officer_id = _officer_id(cell.get("rowId"))
        now = utcnow()
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            require_region_viewer(conn, code)
            target = officer_console_target(conn, officer_id)
            if target is None or not auth.visible_regions([target.home_region_id]):
                raise auth.Forbidden("officer_refused")
            day = state.period_of(conn, code, now).last.isoformat()
    except auth.Forbidden as refused:
        return no_update, no_update, refused.message(lang)
    except (BadAddress, UnknownRegion):
        return no_update, no_update, t("officer_refused", lang)
    href = officer_console_href(target.home_code, target.code, day, state.lang) \
        if target.home_code is not None else console_href(None, {"officer": target.code,
                                                                 "day": day}, state.lang)
    path, _, query = href.partition("?")
    return path, f"?{query}" if query else "", ""


def _officer_id(value: object) -> int:
    """A row's officer id (digits): :class:`auth.Malformed` for anything else."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise auth.Malformed("auth_bad_officer", value=repr(value)[:40])


def officers_link(pathname: str | None, search: str | None) -> str:
    """The console's 网格员考核 link: the officers view of the region the console's
    address names, with its period and language (the view checks the region itself)."""
    default = services.settings().language
    try:
        state = ConsoleState.parse(pathname, search, default)
    except BadAddress:
        return officers_href(None, {}, address_lang(search, default))
    query = {k: v for k, v in state.to_query().items() if k in ("period", "from", "to")}
    return officers_href(state.region, query, state.lang)


@auth.for_displays
def refresh_wall_officers(state: dict | None):
    """The wall's officers panel again when its data changed or it rotated (its state
    moved): recounted at most every minute (:func:`data.wall.officers_panel`). Every
    region the state names must lie in the asker's scope."""
    if not isinstance(state, dict) or state.get("panel") != "officers":
        return no_update
    auth.require_wall_state(state)
    lang = state.get("lang") if state.get("lang") in ("zh", "en") else "zh"
    with services.engine().connect() as conn:
        try:
            return wall_officers_content(conn, state.get("region"), lang)
        except UnknownRegion:
            return no_update


def wall_officers_content(conn, region_code: str | None, lang: str) -> list:
    """The wall's officers panel's rows for ``region_code`` (the caller checked its
    scope); a weights file that cannot be used is said in one line."""
    try:
        ends = wall.officers_panel(conn, region_code, utcnow(),
                                   services.extension().setdefault("wall_cache", {}),
                                   assessment_weights())
    except WeightsError as bad:
        return [html.Div(t("assess_bad_weights", lang, reason=str(bad)),
                         className="wall-officers-left-out")]
    return build_wall_officers(ends, lang)


def _triggered() -> object:
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None

