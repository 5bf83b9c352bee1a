"""The commander console's callbacks: the address is the state.

Everything the console shows follows from its address, read into one typed value,
:class:`data.console_state.ConsoleState`. A click on the map, a crumb, a ranking row or a
filter changes the address (``pushState``: the back button and bookmarks work) and
:func:`sync_state` turns it into the console's state, from which :func:`update_panels`
redraws every panel (built by :mod:`layouts.console_panels`) and the case list reloads its
rows from the server (:func:`grid_rows`). An action on cases bumps a refresh counter that
does the same. The server's caches of the panels live in :mod:`dashboard.console_cache`.

Every callback that reads or writes cases first asks :mod:`dashboard.auth` whether the
signed-in user may see (or act on) the regions concerned, and turns a refusal into words.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.console_targets import (
    moved_to,
    dispatch_choices, suggested_officers, target_ids, target_versions,
)
from callbacks.console_alerts import alert_layer
from callbacks.duplicates import annotate_links
from callbacks.patrolmap import patrol_layer
from dashboard import auth, console_cache, services
from dashboard.export_route import csv_address
from dashboard.region_scope import region_shown, require_region_viewer
from data import deadlines, workflow
from data.cases.detail import case_detail
from data.cases.export import ExportTooLarge, export_cases, export_filename, export_query
from data.cases.filter import FilterError, filter_options
from data.cases.listing import case_page
from data.cases.points import open_case_points
from data.cases.scope import case_facts
from data.console_state import BadAddress, ConsoleState, address_lang, is_console_path
from data.regions import UnknownRegion, ancestors_of, children_of, get_region, root_region
from data.report import whole_deployment
from data.store import deployment_timezone, utcnow
from layouts import console as layout
from layouts import ids
from layouts.console_alerts import add_alert_layer, build_alerts_panel
from layouts.console_panels import (
    PANEL_KEYS, action_outcome, build_panels, case_points, dispatch_hint, labelled_row,
    officer_options,
)
from layouts.figures import add_patrol_layer
from layouts.patrolmap import build_patrol_panel
from layouts.text import t, t_error, word


# --- routing and state ------------------------------------------------------------------------

def render_console(pathname: str | None, search: str | None) -> list:
    """The console's shell for the address, with its state and the controls' values."""
    default_lang = services.settings().language
    try:
        state = ConsoleState.parse(pathname, search, default_lang)
    except BadAddress as bad:
        lang = address_lang(search, default_lang)
        return layout.build_console_message(
            t("bad_address", lang, why=t_error(bad.key, bad.values, lang)), lang)
    lang = state.lang
    with services.engine().connect() as conn:
        if not children_of(conn, None):
            return layout.build_console_message(t("empty", lang), lang)
        options = filter_options(conn)
        crumbs = _crumbs(conn, state.region)
    categories = list(options.get("categories", [])) + [
        pair for pair in options.get("subcategories", [])
        if pair not in options.get("categories", [])]
    shell = layout.build_console(lang, categories, state.to_store(),
                                 layout.build_breadcrumb(crumbs, state.to_query(), lang),
                                 build_patrol_panel(lang, state.to_store(),
                                                    services.settings().blind_spot_days),
                                 build_alerts_panel(lang,
                                                    services.settings().wall_refresh_seconds))
    return [shell]


def _crumbs(conn, code: str | None) -> list[dict]:
    """The breadcrumb of the region the console opens on (the panels redraw it)."""
    try:
        top = region_shown(conn, code)
        return [] if top is None else crumb_trail(
            conn, [r.as_dict() for r in ancestors_of(conn, get_region(conn, top))])
    except UnknownRegion:
        return []


def crumb_trail(conn, crumbs: list[dict]) -> list[dict]:
    """The crumbs (top-down) the user asking may climb: a region-scoped user's start at
    their own region (those above it they may not read); with several top-level regions
    (LA's service regions) an unscoped user's start with the whole deployment
    (全部区域, :func:`data.report.whole_deployment`), so a drill can be climbed back."""
    own = getattr(auth.current_user(), "region_code", None)
    codes = [crumb.get("code") for crumb in crumbs]
    if own is not None:
        return crumbs[codes.index(own):] if own in codes else crumbs
    if crumbs and codes[0] is not None and root_region(conn, None) is None:
        return [whole_deployment(), *crumbs]
    return crumbs


def control_values(state: ConsoleState) -> tuple:
    """The controls' values for a state: period, dates, filters, the map toggle."""
    return (state.period, state.first, state.last, list(state.categories),
            list(state.sources), list(state.statuses), ["hide"] if state.hide_closed else [],
            state.text)


def sync_state(pathname: str | None, search: str | None, current: dict | None):
    """The address changed (a drill, a crumb, the back button): the new state, and the
    controls set to match. Nothing changes when the state is the same."""
    if not is_console_path(pathname):
        return (no_update,) * 9
    try:
        state = ConsoleState.parse(pathname, search, services.settings().language)
    except BadAddress:
        return (no_update,) * 9
    stored = state.to_store()
    if current is not None and stored == current:
        return (no_update,) * 9
    return (stored, *control_values(state))


def navigate(map_click: dict | None, bar_click: dict | None, period: str | None,
             start: str | None, end: str | None, categories: list | None,
             sources: list | None, statuses: list | None, hide: list | None,
             text: str | None, store: dict | None, pathname: str | None, search: str | None,
             trigger: object = None):
    """A click on a child (map or bars) drills into it; a changed control changes the
    query string. Returns the new (pathname, search), or no_update when nothing moves."""
    if not store:
        return no_update, no_update
    trigger = trigger if trigger is not None else _triggered()
    state = ConsoleState.from_store(store)
    if trigger in (ids.CONSOLE_MAP, ids.CONSOLE_COMPARE_BARS):
        click = map_click if trigger == ids.CONSOLE_MAP else bar_click
        new = state.drilled(_clicked_region(click))
    else:
        new = state.with_controls(period, start, end, categories, sources, statuses,
                                  "hide" in (hide or []), text,
                                  dates_picked=trigger == ids.CONSOLE_DATES)
    return moved_to(new, pathname, search)


def _triggered() -> object:
    """The id of the input that fired the running callback (None outside one)."""
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None


def _clicked_region(click: dict | None) -> str | None:
    """The region code a map or bar click names (``location`` of a choropleth,
    ``customdata`` of a comparison bar); None for a case point."""
    if not click or not click.get("points"):
        return None
    point = click["points"][0]
    if point.get("location"):
        return str(point["location"])
    data = point.get("customdata")
    if isinstance(data, str):
        return data
    return None


# --- the panels -----------------------------------------------------------------------------

def panels(state: ConsoleState, now: datetime | None = None) -> dict:
    """Everything the panels show for ``state``, as components and figures (keys:
    :data:`layouts.console_panels.PANEL_KEYS`). Raises :class:`auth.Forbidden` and
    :class:`UnknownRegion`."""
    lang = state.lang
    now = utcnow() if now is None else now
    with services.engine().connect() as conn:
        code = region_shown(conn, state.region)
        require_region_viewer(conn, code)
        flt = state.case_filter(code)
        view = console_cache.region_view(conn, code, flt, now)
        shapes = console_cache.shapes(conn, code)
        children = view["children"]
        at_bottom = not children or all(child.get("is_leaf") for child in children)
        points = []
        if at_bottom and code is not None:
            points = case_points(open_case_points(
                conn, code, now, flt, include_closed=not state.hide_closed))
        positions, patrols = patrol_layer(conn, state, code, now, shapes)  # tracks if asked
        marked = alert_layer(conn, state, code)  # the selected alert's cases
        view = {**view, "breadcrumb": crumb_trail(conn, list(view.get("breadcrumb") or []))}
    shown = build_panels(view, shapes, points, state.to_query(), lang, code)
    add_patrol_layer(shown["map"], positions, patrols)
    add_alert_layer(shown["map"], marked, lang)
    return shown


def update_panels(store: dict | None, refresh: int | None):
    """Redraw every panel for the console's state (and after an action)."""
    if not store:
        return (no_update,) * len(PANEL_KEYS)
    state = ConsoleState.from_store(store)
    lang = state.lang
    try:
        shown = panels(state)
    except auth.Forbidden as refused:
        return (*(no_update,) * (len(PANEL_KEYS) - 1),
                refused.message(lang))
    except UnknownRegion as missing:
        return (*(no_update,) * (len(PANEL_KEYS) - 1),
                t("unknown_region", lang, code=missing.code))
    return tuple(shown[key] for key in PANEL_KEYS)


# --- the case list --------------------------------------------------------------------------

def grid_rows(request: dict | None, store: dict | None):
    """One block of the case list for ag-grid's infinite row model: the rows
    ``startRow``..``endRow`` of the filtered list, sorted and filtered as the grid asks,
    and the list's length."""
    if not request or not store:
        return no_update, no_update
    state = ConsoleState.from_store(store)
    lang = state.lang
    now = utcnow()
    try:
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            require_region_viewer(conn, code)
            flt = state.case_filter(code)
            rows, total = case_page(
                conn, flt, now, start_row=int(request.get("startRow") or 0),
                end_row=int(request.get("endRow") or 100),
                sort_model=request.get("sortModel") or None,
                filter_model=request.get("filterModel") or None,
                label=partial(word, lang=lang))
    except auth.Forbidden:
        return {"rowData": [], "rowCount": 0}, ""
    except FilterError as bad:
        return {"rowData": [], "rowCount": 0}, t_error(
            "bad_filter", {"parameter": bad.param, "value": bad.value}, lang)
    except UnknownRegion as missing:
        return {"rowData": [], "rowCount": 0}, t("unknown_region", lang, code=missing.code)
    return ({"rowData": [labelled_row(row, lang) for row in rows], "rowCount": total},
            t("case_count", lang, n=f"{total:,}"))

PURGE_JS = """
function(state, refresh) {
    if (window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
        window.dash_ag_grid.getApiAsync('%s').then(function (api) {
            api.purgeInfiniteCache();
        });
    }
    return window.dash_clientside.no_update;
}
""" % ids.CONSOLE_GRID


def export_list(n_csv: int | None, n_xlsx: int | None, store: dict | None,
                request: dict | None, trigger: object = None):
    """The filtered list (with the grid's own column filters and sort) as a file: the
    CSV's address (:func:`dashboard.export_route.csv_address`, which the browser opens:
    the route streams it, checking the same scope again), or the XLSX itself, refused
    with words offering the CSV when the list is longer than
    ``Settings.export_xlsx_max_rows``. Returns the download, the CSV's address (with the
    click's count, so the same address twice still opens) and a message."""
    if not store or not (n_csv or n_xlsx):
        return no_update, no_update, no_update
    state = ConsoleState.from_store(store)
    lang = state.lang
    trigger = trigger if trigger is not None else _triggered()
    fmt = "xlsx" if trigger == ids.CONSOLE_EXPORT_XLSX else "csv"
    request = request or {}
    sort_model = request.get("sortModel") or None
    filter_model = request.get("filterModel") or None
    label = partial(word, lang=lang)
    now = utcnow()
    try:
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            require_region_viewer(conn, code)
            flt = state.case_filter(code)
            if fmt == "csv":
                export_query(conn, flt, now, label, sort_model, filter_model)  # checked
                address = csv_address(state, code, sort_model, filter_model)
                return no_update, {"url": address, "n": n_csv}, t("export_csv_started", lang)
            content = export_cases(conn, flt, now, fmt, label, sort_model=sort_model,
                                   filter_model=filter_model,
                                   max_rows=services.settings().export_xlsx_max_rows)
            name = export_filename(flt, fmt, now, deployment_timezone(conn))
    except ExportTooLarge as large:
        return no_update, no_update, t("export_too_large", lang, rows=f"{large.rows:,}",
                                       limit=f"{large.limit:,}")
    except FilterError as bad:
        return no_update, no_update, t_error(
            "bad_filter", {"parameter": bad.param, "value": bad.value}, lang)
    return dcc.send_bytes(content, name), no_update, ""


#: A drill (a new region's map) clears the map's hover label: plotly keeps the label of the
#: level above over the new map until the mouse moves again. A redraw of the same region's
#: map (an officer's tracks, a refresh; same ``uirevision``) leaves the hover alone: clearing
#: it then could swallow a click that was on its way.
UNHOVER_JS = """
function(figure) {
    var revision = figure && figure.layout ? figure.layout.uirevision : null;
    if (revision === window._consoleMapRevision) { return; }
    window._consoleMapRevision = revision;
    var graph = document.querySelector('#%s .js-plotly-plot');
    var clear = function () {  // a graph being drawn or gone has no hover layer yet
        if (graph && graph.isConnected && graph._fullLayout && graph._fullLayout._hoverlayer
                && window.Plotly && window.Plotly.Fx) { window.Plotly.Fx.unhover(graph); }
    };
    clear();
    window.setTimeout(clear, 50);  // after the new figure is drawn
    window.setTimeout(clear, 400);
}
""" % ids.CONSOLE_MAP

#: The browser opens the streamed CSV's address (a download: the page stays).
OPEN_EXPORT_JS = """
function(target) {
    if (target && target.url) { window.location.assign(target.url); }
}
"""


# --- one case: details, and the actions allowed on the selection ------------------------------

def open_case(cell: dict | None, map_click: dict | None, trigger: object = None):
    """A click on a list row or on a case point opens that case."""
    trigger = trigger if trigger is not None else _triggered()
    if trigger == ids.CONSOLE_MAP:
        if not map_click or not map_click.get("points"):
            return no_update
        data = map_click["points"][0].get("customdata")
        return int(data) if isinstance(data, (int, float)) else no_update
    if not cell or not str(cell.get("rowId") or "").isdigit():
        return no_update
    return int(cell["rowId"])


def show_case(case_id: int | None, refresh: int | None, store: dict | None):
    """The details and timeline of the open case. A case id no case has and a case
    outside the user's area get the same words (:func:`auth.require_cases`); a wall's
    display token is refused, so the reporter's name and phone reach only signed-in users
    of the case's area. Duplicate links are marked with what the reader may see and decide
    (:func:`callbacks.duplicates.annotate_links`)."""
    if case_id is None or not store:
        return no_update
    lang = ConsoleState.from_store(store).lang
    try:
        reader = auth.require_cases([case_id])
    except auth.Forbidden as refused:
        return refused.message(lang)
    with services.engine().connect() as conn:
        detail = case_detail(conn, int(case_id), utcnow())
    if detail is None:  # deleted since the check: the same words
        return t("auth_case_refused", lang)
    return layout.build_detail(annotate_links(reader, detail), lang)


def choose_targets(selected: list | None, case_id: int | None, refresh: int | None,
                   store: dict | None):
    """The cases an action would apply to (the ticked rows, else the open case), once the
    user may see every one, with their code, status and version as the store has them
    now (never as the request says), and the buttons of the actions allowed on all."""
    if not store:
        return no_update, no_update
    lang = ConsoleState.from_store(store).lang
    rows = [r for r in (selected if isinstance(selected, list) else []) if r]
    try:
        wanted = target_ids(rows) if rows else \
            ([] if case_id is None else target_ids([case_id]))
        auth.require_cases(wanted)
    except auth.Forbidden as refused:
        return [], [refused.message(lang)]
    with services.engine().connect() as conn:
        facts = case_facts(conn, wanted)
    targets = [{"id": cid, **facts[cid]} for cid in wanted if cid in facts]
    allowed: list[str] | None = None
    for target in targets:
        mine = workflow.allowed_actions(target["status"])
        allowed = mine if allowed is None else [a for a in allowed if a in mine]
    return targets, layout.build_action_buttons(allowed or [], len(targets), lang)


def open_form(clicks: list, cancel: int | None, targets: list | None, store: dict | None,
              trigger: object = None):
    """An action button opens its form: which fields show, the department and officer
    suggested for a dispatch (and why), the deadline that follows; cancel closes it.
    Only a commander of every target case's area gets a form."""
    hidden = {"display": "none"}
    nothing = (no_update,) * 14
    if not store:
        return nothing
    lang = ConsoleState.from_store(store).lang
    trigger = trigger if trigger is not None else _triggered()
    rows = [hidden] * len(layout.FORM_FIELDS)
    if trigger == ids.ACTION_CANCEL or not targets:
        return (None, hidden, *rows, no_update, no_update, None, None, [], "")
    if not isinstance(trigger, dict) or not any(clicks or []):
        return nothing
    try:
        case_ids = target_ids(targets)
        auth.require_cases(case_ids, act=True)
    except auth.Forbidden as refused:
        return (None, hidden, *rows, [], [], None, None, [], refused.message(lang))
    action = trigger["action"]
    wanted = layout.ACTION_FIELDS.get(action, ("note",))
    rows = [{"display": "block"} if f in wanted else hidden for f in layout.FORM_FIELDS]
    department_options = officers = no_update
    department = officer = None
    hint: list = []
    if action == "dispatch":
        department_options, offered, department, officer, hint = dispatch_choices(case_ids)
        officers = officer_options(offered, lang)
    return (action, {"display": "block"}, *rows, department_options, officers,
            department, officer, dispatch_hint(hint, lang), "")


def submit_action(n_clicks: int | None, action: str | None, targets: list | None,
                  reason: str | None, department: int | None, officer: int | None,
                  due: str | None, level: str | None, note: str | None,
                  refresh: int | None, store: dict | None):
    """Apply the open form's action to the target cases, each with the version the
    commander saw; say what happened, in words, and refresh everything on success.
    Returns the words, the refresh counter, the list's deselection, the form's style, the
    open action and the reason's and note's values: after a success (on some cases at
    least) the form closes and empties, and the words stand beside the case's redrawn
    detail; a refusal leaves the form open as filled.

    Nothing is written unless the user is a commander of every case's area (an unlocated
    case or an id no case has is refused like one of another area) and the officer a
    dispatch names, if any, is inside that area too."""
    if not n_clicks or not action or not targets or not store:
        return (no_update,) * 7
    lang = ConsoleState.from_store(store).lang
    now = utcnow()
    engine = services.engine()
    try:
        versions = target_versions(targets)
        user = auth.require_cases(list(versions), act=True)
        if officer is not None and "officer" in layout.ACTION_FIELDS.get(action, ()):
            officer = auth.require_officer(officer)
        with engine.connect() as conn:
            tz = deployment_timezone(conn)
            codes = {cid: facts["code"] for cid, facts in case_facts(conn, versions).items()}
            overrides = {}
            if action == "dispatch" and len(versions) > 1 and officer is None:
                overrides = suggested_officers(conn, list(versions), now)
    except auth.Forbidden as refused:
        return refused.message(lang), *(no_update,) * 6
    params = _params(action, reason, department, officer, due, level, tz)
    items = [(cid, version, overrides.get(cid, {})) for cid, version in versions.items()]
    results = workflow.apply_many(engine, items, action, actor=user.name, now=now,
                                  note=(note or "").strip() or None,
                                  audit=services.audit_who(user), **params)
    failed = [r for r in results if not r.ok]
    done = len(results) - len(failed)
    text = action_outcome(results, codes, action, lang)
    # after a success, or when someone else changed a case meanwhile, everything is
    # redrawn so the commander sees the cases as they stand now
    changed = any(isinstance(r.error, workflow.CaseChanged) for r in failed)
    if done:
        console_cache.forget_counts()
    bump = (refresh or 0) + 1 if done or changed else no_update
    if not done:  # refused: the form stays open, as filled, with the reason
        return text, bump, no_update, *(no_update,) * 4
    # done: the form closes and empties; the case's detail and the list redraw (bump)
    return text, bump, True, {"display": "none"}, None, None, None


def _params(action: str, reason: str | None, department, officer, due: str | None,
            level: str | None, tz: ZoneInfo) -> dict:
    """The workflow's keyword parameters from the form (only those the action takes)."""
    wanted = layout.ACTION_FIELDS.get(action, ())
    params: dict[str, object] = {}
    if "reason" in wanted:
        params["reason"] = (reason or "").strip() or None
    if "department" in wanted:
        params["department_id"] = department
    if "officer" in wanted and officer is not None:
        params["officer_id"] = officer
    if "due" in wanted:
        params["due_at"] = None
        if due:  # the end of the working day chosen (data.deadlines.chosen_deadline)
            params["due_at"] = deadlines.chosen_deadline(date.fromisoformat(due[:10]), tz)
    if "level" in wanted:
        params["resolved_level"] = level
    return params


# --- wiring ---------------------------------------------------------------------------------

def register(app: Dash) -> None:
    """Connect the console's callbacks to ``app``."""
    app.callback(
        Output(ids.CONSOLE_STATE, "data"), Output(ids.CONSOLE_PERIOD, "value"),
        Output(ids.CONSOLE_DATES, "start_date"), Output(ids.CONSOLE_DATES, "end_date"),
        Output(ids.CONSOLE_CATEGORY, "value"), Output(ids.CONSOLE_SOURCE, "value"),
        Output(ids.CONSOLE_STATUS, "value"), Output(ids.CONSOLE_HIDE_CLOSED, "value"),
        Output(ids.CONSOLE_TEXT, "value"), Input(ids.URL, "pathname"), Input(ids.URL, "search"), State(ids.CONSOLE_STATE, "data"),
    )(sync_state)
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.CONSOLE_MAP, "clickData"), Input(ids.CONSOLE_COMPARE_BARS, "clickData"),
        Input(ids.CONSOLE_PERIOD, "value"), Input(ids.CONSOLE_DATES, "start_date"),
        Input(ids.CONSOLE_DATES, "end_date"), Input(ids.CONSOLE_CATEGORY, "value"),
        Input(ids.CONSOLE_SOURCE, "value"), Input(ids.CONSOLE_STATUS, "value"),
        Input(ids.CONSOLE_HIDE_CLOSED, "value"), Input(ids.CONSOLE_TEXT, "value"),
        State(ids.CONSOLE_STATE, "data"), State(ids.URL, "pathname"), State(ids.URL, "search"),
        prevent_initial_call=True,
    )(navigate)
    app.callback(
        Output(ids.CONSOLE_MAP, "figure"), Output(ids.CONSOLE_BREADCRUMB, "children"),
        Output(ids.CONSOLE_SUBTITLE, "children"), Output(ids.CONSOLE_TILES, "children"),
        Output(ids.CONSOLE_TREND, "figure"), Output(ids.CONSOLE_CATEGORIES, "figure"),
        Output(ids.CONSOLE_RANKING, "children"), Output(ids.CONSOLE_RANKING_TITLE, "children"),
        Output(ids.CONSOLE_COMPARE_TABLE, "children"), Output(ids.CONSOLE_COMPARE_BARS, "figure"),
        Output(ids.CONSOLE_MESSAGE, "children"),
        Input(ids.CONSOLE_STATE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
    )(update_panels)
    app.clientside_callback(
        PURGE_JS, Output(ids.CONSOLE_GRID, "getRowsResponse", allow_duplicate=True),
        Input(ids.CONSOLE_STATE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        prevent_initial_call=True)
    app.callback(
        Output(ids.CONSOLE_GRID, "getRowsResponse"), Output(ids.CONSOLE_COUNT, "children"),
        Input(ids.CONSOLE_GRID, "getRowsRequest"), State(ids.CONSOLE_STATE, "data"),
    )(grid_rows)
    app.callback(
        Output(ids.CONSOLE_DOWNLOAD, "data"), Output(ids.CONSOLE_EXPORT_URL, "data"),
        Output(ids.CONSOLE_EXPORT_MESSAGE, "children"),
        Input(ids.CONSOLE_EXPORT_CSV, "n_clicks"), Input(ids.CONSOLE_EXPORT_XLSX, "n_clicks"),
        State(ids.CONSOLE_STATE, "data"), State(ids.CONSOLE_GRID, "getRowsRequest"),
        prevent_initial_call=True,
    )(export_list)
    app.clientside_callback(OPEN_EXPORT_JS, Input(ids.CONSOLE_EXPORT_URL, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(UNHOVER_JS, Input(ids.CONSOLE_MAP, "figure"),
                            prevent_initial_call=True)
    app.callback(
        Output(ids.CONSOLE_CASE, "data"),
        Input(ids.CONSOLE_GRID, "cellClicked"), Input(ids.CONSOLE_MAP, "clickData"),
        prevent_initial_call=True,
    )(open_case)
    app.callback(
        Output(ids.CONSOLE_DETAIL, "children"),
        Input(ids.CONSOLE_CASE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(show_case)
    app.callback(
        Output(ids.CONSOLE_TARGETS, "data"), Output(ids.CONSOLE_ACTIONS, "children"),
        Input(ids.CONSOLE_GRID, "selectedRows"), Input(ids.CONSOLE_CASE, "data"),
        Input(ids.CONSOLE_REFRESH, "data"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(choose_targets)
    app.callback(
        Output(ids.CONSOLE_ACTION, "data"), Output(ids.CONSOLE_FORM, "style"),
        *[Output(ids.field_row(f), "style") for f in layout.FORM_FIELDS],
        Output(ids.ACTION_DEPARTMENT, "options"), Output(ids.ACTION_OFFICER, "options"),
        Output(ids.ACTION_DEPARTMENT, "value"), Output(ids.ACTION_OFFICER, "value"),
        Output(ids.ACTION_HINT, "children"), Output(ids.ACTION_FEEDBACK, "children"),
        Input(ids.action_button(ALL), "n_clicks"), Input(ids.ACTION_CANCEL, "n_clicks"),
        State(ids.CONSOLE_TARGETS, "data"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(open_form)
    app.callback(
        Output(ids.ACTION_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.CONSOLE_REFRESH, "data"), Output(ids.CONSOLE_GRID, "deselectAll"),
        Output(ids.CONSOLE_FORM, "style", allow_duplicate=True),
        Output(ids.CONSOLE_ACTION, "data", allow_duplicate=True),
        Output(ids.ACTION_REASON, "value"), Output(ids.ACTION_NOTE, "value"),
        Input(ids.ACTION_SUBMIT, "n_clicks"), State(ids.CONSOLE_ACTION, "data"),
        State(ids.CONSOLE_TARGETS, "data"), State(ids.ACTION_REASON, "value"),
        State(ids.ACTION_DEPARTMENT, "value"), State(ids.ACTION_OFFICER, "value"),
        State(ids.ACTION_DUE, "date"), State(ids.ACTION_LEVEL, "value"),
        State(ids.ACTION_NOTE, "value"), State(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(submit_action)
