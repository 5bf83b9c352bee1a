"""The commander console's callbacks: the address is the state.

Everything the console shows follows from its address: ``/region/CODE`` picks the region,
the query string the period, the filters and the language. A click on the map, a crumb, a
ranking row or a filter changes the address (``pushState``: the back button and bookmarks
work) and :func:`sync_state` turns it into the console's state, from which
:func:`update_panels` redraws every panel and the case list reloads its rows from the
server (:func:`grid_rows`). An action on cases bumps a refresh counter that does the same.

Every callback that reads or writes cases first asks :mod:`dashboard.auth` whether the
signed-in user may see (or act on) the regions concerned, and turns a refusal into words.
"""

from __future__ import annotations

import re
import sys
import threading
from datetime import date, datetime, time, timezone
from urllib.parse import parse_qs, unquote
from zoneinfo import ZoneInfo

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from callbacks.console_targets import (
    dispatch_choices, suggested_officers, target_ids, target_versions,
)
from dashboard import auth, services
from data import console, metrics, schema, workflow
from data import wall as wall_data
from data.console_scope import case_facts
from data.regions import UnknownRegion, ancestors_of, get_region
from data.store import deployment_timezone, regions_version, utcnow
from layouts import console as layout
from layouts import ids
from layouts.figures import compare_bars, light_bars, light_trend, region_map
from layouts.text import label, metric_label, t, t_error

REGION_PATH = re.compile(r"^/region/(?P<code>[^/]+)/?$")
SHAPES_CACHE = "console_shapes"


class BadAddress(ValueError):
    """A query parameter of the console's address has a value it cannot use."""

    def __init__(self, parameter: str, value: str) -> None:
        super().__init__(f"{parameter}={value!r}")
        self.key = "bad_filter"
        self.values = {"parameter": parameter, "value": value}


# --- the address ----------------------------------------------------------------------------

def region_of_path(pathname: str | None) -> str | None:
    """The region code of a ``/region/CODE`` address (codes are quoted in addresses:
    real ones hold spaces, e.g. LA's "REGION 2"); None for any other address."""
    match = REGION_PATH.match(pathname or "/")
    return unquote(match.group("code")) if match else None


def is_console_path(pathname: str | None) -> bool:
    """Whether ``pathname`` is a console page (``/`` or ``/region/CODE``)."""
    path = pathname or "/"
    return path in ("/", "") or REGION_PATH.match(path) is not None


def parse_address(pathname: str | None, search: str | None, default_lang: str = "zh") -> dict:
    """The console's state from its address.

    ``/region/CODE`` names the region (``/``: the top region); the query string holds
    ``period`` (today, 7d, 30d, custom with ``from`` and ``to`` as YYYY-MM-DD), repeated
    ``cat``, ``src`` and ``status`` filters, ``closed=show`` to draw closed cases on the
    map, and ``lang``; ``/?region=CODE`` is read as ``/region/CODE`` (older bookmarks).
    Raises :class:`BadAddress` naming the first bad parameter."""
    query = parse_qs((search or "").lstrip("?"))
    region = region_of_path(pathname) or (query.get("region") or [None])[0] or None

    def one(name: str, default: str | None = None) -> str | None:
        return (query.get(name) or [default])[0]

    lang = one("lang", default_lang)
    lang = lang if lang in ("zh", "en") else default_lang
    period = one("period", "30d")
    if period not in layout.PERIODS:
        raise BadAddress("period", period)
    first = last = None
    if period == "custom":
        first, last = _date("from", one("from")), _date("to", one("to"))
        if first > last:
            raise BadAddress("to", one("to"))
    sources = query.get("src", [])
    for value in sources:
        if value not in schema.SOURCES:
            raise BadAddress("src", value)
    statuses = query.get("status", [])
    for value in statuses:
        if value not in layout.STATUS_CHOICES:
            raise BadAddress("status", value)
    closed = one("closed", "hide")
    if closed not in ("hide", "show"):
        raise BadAddress("closed", closed)
    return {"region": region, "period": period,
            "first": None if first is None else first.isoformat(),
            "last": None if last is None else last.isoformat(),
            "categories": query.get("cat", []), "sources": sources, "statuses": statuses,
            "hide_closed": closed == "hide", "text": (one("q", "") or "").strip()[:100],
            "lang": lang}


def _date(name: str, value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise BadAddress(name, value or "") from None


def state_query(state: dict) -> dict[str, object]:
    """The query parameters (without ``lang``) that give ``state`` back."""
    query: dict[str, object] = {}
    if state["period"] != "30d":
        query["period"] = state["period"]
    if state["period"] == "custom":
        query["from"], query["to"] = state["first"], state["last"]
    query["cat"] = list(state["categories"])
    query["src"] = list(state["sources"])
    query["status"] = list(state["statuses"])
    if not state["hide_closed"]:
        query["closed"] = "show"
    if state.get("text"):
        query["q"] = state["text"]
    return query


def case_filter(state: dict, region_code: str | None) -> console.CaseFilter:
    """The data layer's filter for the console's state: today and 7 days are the last
    1 and 7 local days, 30 days the data layer's default (both follow old data to its
    newest case), custom the range given."""
    first = last = None
    days = {"today": 1, "7d": 7}.get(state["period"])
    if state["period"] == "custom":
        first, last = date.fromisoformat(state["first"]), date.fromisoformat(state["last"])
    return console.CaseFilter(region_code=region_code, first=first, last=last, days=days,
                              categories=tuple(state["categories"]),
                              sources=tuple(state["sources"]),
                              statuses=tuple(state["statuses"]), text=state.get("text", ""))


def _top_code(conn, code: str | None) -> str | None:
    """The region the console shows, once the principal asking may see it: the one named;
    else the signed-in user's own region, or the single top-level region. Raises
    :class:`auth.Forbidden` (a display token, signed out, outside the scope, or a code no
    region has when the principal is scoped) before reading anything."""
    if code is None:
        principal = auth.current_user()
        code = getattr(principal, "region_code", None)
    auth.require_viewer_code(code)
    region = wall_data.root_region(conn, code)
    return None if region is None else region.code


def _viewer(conn, code: str | None):
    """The signed-in principal when it may see ``code`` (None: the whole deployment)."""
    return auth.require_viewer(None if code is None else get_region(conn, code).id)


# --- routing and state ------------------------------------------------------------------------

def render_console(pathname: str | None, search: str | None) -> list:
    """The console's shell for the address, with its state and the controls' values."""
    default_lang = services.settings().language
    try:
        state = parse_address(pathname, search, default_lang)
    except BadAddress as bad:
        lang = parse_address("/", "", default_lang)["lang"]
        lang = (parse_qs((search or "").lstrip("?")).get("lang") or [lang])[0]
        lang = lang if lang in ("zh", "en") else default_lang
        return layout.build_console_message(
            t("bad_address", lang, why=t_error(bad.key, bad.values, lang)), lang)
    lang = state["lang"]
    with services.engine().connect() as conn:
        if not wall_data.children_of(conn, None):
            return layout.build_console_message(t("empty", lang), lang)
        options = console.filter_options(conn)
        crumbs = _crumbs(conn, state["region"])
    categories = list(options.get("categories", [])) + [
        pair for pair in options.get("subcategories", [])
        if pair not in options.get("categories", [])]
    shell = layout.build_console(lang, categories, state,
                                 layout.build_breadcrumb(crumbs, state_query(state), lang))
    return [shell]


def _crumbs(conn, code: str | None) -> list[dict]:
    """The breadcrumb of the region the console opens on (the panels redraw it)."""
    try:
        top = _top_code(conn, code)
        return [] if top is None else [r.as_dict() for r in ancestors_of(conn,
                                                                        get_region(conn, top))]
    except UnknownRegion:
        return []


def control_values(state: dict) -> tuple:
    """The controls' values for a state: period, dates, filters, the map toggle."""
    return (state["period"], state["first"], state["last"], state["categories"],
            state["sources"], state["statuses"], ["hide"] if state["hide_closed"] else [],
            state.get("text", ""))


def sync_state(pathname: str | None, search: str | None, current: dict | None):
    """The address changed (a drill, a crumb, the back button): the new state, and the
    controls set to match. Nothing changes when the state is the same."""
    if not is_console_path(pathname):
        return (no_update,) * 9
    try:
        state = parse_address(pathname, search, services.settings().language)
    except BadAddress:
        return (no_update,) * 9
    if current is not None and state == current:
        return (no_update,) * 9
    return (state, *control_values(state))


def navigate(map_click: dict | None, bar_click: dict | None, period: str | None,
             start: str | None, end: str | None, categories: list | None,
             sources: list | None, statuses: list | None, hide: list | None,
             text: str | None, state: dict | None, pathname: str | None, search: str | None,
             trigger: object = None):
    """A click on a child (map or bars) drills into it; a changed control changes the
    query string. Returns the new (pathname, search), or no_update when nothing moves."""
    if not state:
        return no_update, no_update
    trigger = trigger if trigger is not None else _triggered()
    new = dict(state)
    if trigger in (ids.CONSOLE_MAP, ids.CONSOLE_COMPARE_BARS):
        click = map_click if trigger == ids.CONSOLE_MAP else bar_click
        code = _clicked_region(click)
        if code is None or code == state["region"]:
            return no_update, no_update
        new["region"] = code
    else:
        new["period"] = period or "30d"
        if trigger == ids.CONSOLE_DATES and start and end:
            new["period"] = "custom"
        if new["period"] == "custom":
            if not (start and end):
                return no_update, no_update
            new["first"], new["last"] = start[:10], end[:10]
        else:
            new["first"] = new["last"] = None
        new["categories"] = list(categories or [])
        new["sources"] = list(sources or [])
        new["statuses"] = list(statuses or [])
        new["hide_closed"] = "hide" in (hide or [])
        new["text"] = (text or "").strip()[:100]
    href = layout.console_href(new["region"], state_query(new), new["lang"])
    path, _, query = href.partition("?")
    query = f"?{query}" if query else ""
    same_path, same_query = path == (pathname or "/"), query == (search or "")
    if same_path and same_query:
        return no_update, no_update
    return (no_update if same_path else path), (no_update if same_query else query)


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

def _records(value) -> list[dict]:
    """Rows as dicts, from a DataFrame or a list of dicts."""
    if value is None:
        return []
    if hasattr(value, "to_dict"):
        return value.to_dict("records")
    return list(value)


RESULTS_CACHE = "console_results"
RESULTS_SECONDS = 60
PREWARM_SECONDS = 30


def _region_view(conn, code: str | None, flt, now: datetime, lang: str) -> dict:
    """:func:`data.console.region_view` with the server's one
    :class:`data.metrics.ResultCache`: every region's cases are counted once per period,
    filter and minute, and later views (a drill down, the back button, another commander)
    only add up what is kept.

    The counts are kept for :data:`RESULTS_SECONDS` whatever comes in meanwhile (as the
    wall's 30-day panels): a centre's intake changes the store every few seconds, and
    counts keyed by its version would never be reused. A commander's own action forgets
    them (:func:`forget_counts`), so its effect shows at once."""
    return console.region_view(conn, code, flt, now, lang=lang, cache=_results_cache())


def _results_cache() -> "metrics.ResultCache":
    return services.extension().setdefault(
        RESULTS_CACHE, metrics.ResultCache(size=96, max_age=RESULTS_SECONDS))


def prewarm_once(app: Dash, now: datetime | None = None) -> None:
    """Count every region's figures of the default view into the server's cache, so
    the next click on any region only adds up (:func:`data.console.prewarm`)."""
    with app.server.app_context():
        with services.engine().connect() as conn:
            console.prewarm(conn, _results_cache(), utcnow() if now is None else now)


def start_prewarm(app: Dash, every: float = PREWARM_SECONDS) -> threading.Thread:
    """Keep the default view's counts warm while the server runs: :func:`prewarm_once`
    now and every ``every`` seconds, in a background thread (started by ``serve``, never
    on import or by ``create_app``)."""
    pause = threading.Event()  # never set: its wait is the thread's sleep

    def run() -> None:
        while True:
            try:
                prewarm_once(app)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs speed
                print(f"console prewarm: {exc}", file=sys.stderr, flush=True)
            pause.wait(every)

    thread = threading.Thread(target=run, name="console-prewarm", daemon=True)
    thread.start()
    return thread


def forget_counts() -> None:
    """Drop the kept counts: the next view counts afresh (after an action on cases)."""
    services.extension().pop(RESULTS_CACHE, None)


def _shapes(conn, code: str | None) -> dict:
    """The map's shapes of region ``code``, made once per region and regions version
    (:func:`data.store.regions_version`, moved on by every import of regions): the next
    click after an import draws the new boundaries. Older versions' shapes are let go."""
    version = regions_version(conn)
    kept = services.extension().setdefault(SHAPES_CACHE, {})
    if kept.get("version") != version:  # replaced whole: a reader holds the old dict
        kept = {"version": version, "shapes": {}}
        services.extension()[SHAPES_CACHE] = kept
    cache = kept["shapes"]
    if code not in cache:
        cache[code] = console.region_shapes(conn, code)
    return cache[code]


def panels(state: dict, now: datetime | None = None) -> dict:
    """Everything the panels show for ``state``, as components and figures (keys: map,
    breadcrumb, subtitle, tiles, trend, categories, ranking, compare_table, compare_bars,
    message). Raises :class:`auth.Forbidden` and :class:`UnknownRegion`."""
    lang = state["lang"]
    now = utcnow() if now is None else now
    with services.engine().connect() as conn:
        code = _top_code(conn, state["region"])
        _viewer(conn, code)
        flt = case_filter(state, code)
        view = _region_view(conn, code, flt, now, lang)
        shapes = _shapes(conn, code)
        children = view["children"]
        at_bottom = not children or all(child.get("is_leaf") for child in children)
        points = []
        if at_bottom and code is not None:
            frame = console.open_case_points(conn, code, now, flt,
                                             include_closed=not state["hide_closed"])
            points = [{"id": int(p["id"]), "code": p["code"], "lon": p["lon"], "lat": p["lat"],
                       "light": p.get("stage_light"), "closed": p.get("status") == schema.CLOSED,
                       "long_unfixed": bool(p.get("long_unfixed"))}
                      for p in _records(frame) if p.get("lon") is not None]
    query = state_query(state)
    region = view["region"]
    child_metrics = _child_metrics(view)
    features, outline, labels = _map_parts(shapes)
    values = {c: m.get("open") for c, m in child_metrics.items()}
    figure = region_map(features, values, outline, labels, points,
                        title=t("map_metric", lang), revision=f"map-{code}",
                        height=layout.MAP_HEIGHT, bounds=shapes.get("bounds"))
    crumbs = list(view.get("breadcrumb") or [])
    if not crumbs or crumbs[-1].get("code") != region.get("code"):
        crumbs.append(region)  # the region itself, or "all" for the whole deployment
    trend = view["trend"]
    trend_rows = _records(trend)
    top = _records(view["categories"])
    ranking = _records(view["ranking"])
    compare = [{**child, **child_metrics.get(child["code"], {})} for child in children]
    period = view["period"]
    subtitle = (f"{region.get('name', '')} · {t('period', lang)} {period['from']} – "
                f"{period['to']} · {t('as_of', lang)} {period['as_of'][:16].replace('T', ' ')}")
    return {
        "map": figure,
        "breadcrumb": layout.build_breadcrumb(crumbs, query, lang),
        "subtitle": subtitle,
        "tiles": layout.build_tiles(view["metrics"], view["previous"], lang),
        "trend": light_trend([str(r["day"]) for r in trend_rows],
                             [int(r["reported"]) for r in trend_rows],
                             [int(r["closed"]) for r in trend_rows],
                             names=(t("series_reported", lang), t("series_closed", lang))),
        "categories": light_bars([str(r["key"]) for r in top[:10]], [r["n"] for r in top[:10]],
                                 height=250),
        "ranking": layout.build_ranking(ranking, query, lang),
        "compare_table": layout.build_compare_table(compare, query, lang),
        "compare_bars": compare_bars(
            [c["name"] for c in compare], [c["code"] for c in compare],
            [(metric_label("closure_rate", lang), [c.get("closure_rate") for c in compare]),
             (metric_label("on_time_closure_rate", lang),
              [c.get("on_time_closure_rate") for c in compare])], height=200),
        "message": "",
    }


def _child_metrics(view: dict) -> dict[str, dict]:
    raw = view.get("children_metrics") or {}
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return {row["code"]: row for row in _records(raw)}


def _map_parts(shapes: dict) -> tuple[list[dict], list, list[dict]]:
    """The children's features, the region's outline and the children's label points
    from :func:`data.maps.region_shapes`."""
    features = shapes.get("features") or []
    labels = []
    for f in features:
        point = f.get("properties", {}).get("label")
        if point:
            labels.append({"name": f["properties"].get("name", f["id"]),
                           "lon": point[0], "lat": point[1],
                           "weight": f["properties"].get("area", 0)})
    return features, shapes.get("outline") or [], labels


PANEL_KEYS = ("map", "breadcrumb", "subtitle", "tiles", "trend", "categories", "ranking",
              "compare_table", "compare_bars", "message")


def update_panels(state: dict | None, refresh: int | None):
    """Redraw every panel for the console's state (and after an action)."""
    if not state:
        return (no_update,) * len(PANEL_KEYS)
    lang = state["lang"]
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

def grid_rows(request: dict | None, state: dict | None):
    """One block of the case list for ag-grid's infinite row model: the rows
    ``startRow``..``endRow`` of the filtered list, sorted and filtered as the grid asks,
    and the list's length."""
    if not request or not state:
        return no_update, no_update
    lang = state["lang"]
    now = utcnow()
    try:
        with services.engine().connect() as conn:
            code = _top_code(conn, state["region"])
            _viewer(conn, code)
            flt = case_filter(state, code)
            rows, total = console.case_page(
                conn, flt, now, start_row=int(request.get("startRow") or 0),
                end_row=int(request.get("endRow") or 100),
                sort_model=request.get("sortModel") or None,
                filter_model=request.get("filterModel") or None, lang=lang)
    except auth.Forbidden:
        return {"rowData": [], "rowCount": 0}, ""
    except console.FilterError as bad:
        return {"rowData": [], "rowCount": 0}, t_error(
            "bad_filter", {"parameter": bad.param, "value": bad.value}, lang)
    except UnknownRegion as missing:
        return {"rowData": [], "rowCount": 0}, t("unknown_region", lang, code=missing.code)
    return ({"rowData": [labelled_row(row, lang) for row in rows], "rowCount": total},
            t("case_count", lang, n=f"{total:,}"))


def labelled_row(row: dict, lang: str) -> dict:
    """A list row with the words the grid shows beside the keys it sorts and acts on."""
    light = row.get("stage_light")
    return {**row, "row_id": str(row["id"]),  # ag-grid's row ids are text
            "status_label": label(row.get("status") or "", lang),
            "source_label": label(row.get("source") or "", lang),
            "light_label": t(f"light_{light}", lang) if light else "",
            "urgent_label": t("yes", lang) if row.get("urgent") else ""}


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


def export_list(n_csv: int | None, n_xlsx: int | None, state: dict | None,
                request: dict | None, trigger: object = None):
    """The filtered list (with the grid's own column filters and sort) as a CSV or
    XLSX download."""
    if not state or not (n_csv or n_xlsx):
        return no_update
    trigger = trigger if trigger is not None else _triggered()
    fmt = "xlsx" if trigger == ids.CONSOLE_EXPORT_XLSX else "csv"
    request = request or {}
    now = utcnow()
    with services.engine().connect() as conn:
        code = _top_code(conn, state["region"])
        _viewer(conn, code)
        flt = case_filter(state, code)
        content = console.export_cases(conn, flt, now, fmt, lang=state["lang"],
                                       sort_model=request.get("sortModel") or None,
                                       filter_model=request.get("filterModel") or None)
        name = console.export_filename(flt, fmt, now)
    return dcc.send_bytes(content, name)


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


def show_case(case_id: int | None, refresh: int | None, state: dict | None):
    """The details and timeline of the open case. A case id no case has and a case
    outside the user's area get the same words (:func:`auth.require_cases`)."""
    if case_id is None or not state:
        return no_update
    lang = state["lang"]
    try:
        auth.require_cases([case_id])
    except auth.Forbidden as refused:
        return refused.message(lang)
    with services.engine().connect() as conn:
        detail = console.case_detail(conn, int(case_id), utcnow(), lang=lang)
    if detail is None:  # deleted since the check: the same words
        return t("auth_case_refused", lang)
    return layout.build_detail(detail, lang)


def choose_targets(selected: list | None, case_id: int | None, refresh: int | None,
                   state: dict | None):
    """The cases an action would apply to (the ticked rows, else the open case), once the
    user may see every one, with their code, status and version as the store has them
    now (never as the request says), and the buttons of the actions allowed on all."""
    if not state:
        return no_update, no_update
    lang = state["lang"]
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


def open_form(clicks: list, cancel: int | None, targets: list | None, state: dict | None,
              trigger: object = None):
    """An action button opens its form: which fields show, the department and officer
    suggested for a dispatch (and why), the deadline that follows; cancel closes it.
    Only a commander of every target case's area gets a form."""
    hidden = {"display": "none"}
    nothing = (no_update,) * 14
    if not state:
        return nothing
    lang = state["lang"]
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
    department_options = officer_options = no_update
    department = officer = None
    hint: list = []
    if action == "dispatch":
        department_options, officer_options, department, officer, hint = \
            dispatch_choices(case_ids, lang)
    hint_block = [html.Div(text) for text in hint]
    return (action, {"display": "block"}, *rows, department_options, officer_options,
            department, officer, hint_block, "")


def _pairs(values) -> list[tuple[object, str]]:
    """(id, name) pairs from whatever the dispatch helpers return."""
    out = []
    for v in _records(values):
        if isinstance(v, dict):
            out.append((v.get("id"), str(v.get("name"))))
        elif isinstance(v, (tuple, list)):
            out.append((v[0], str(v[1])))
        else:
            out.append((getattr(v, "id"), str(getattr(v, "name"))))
    return out


def submit_action(n_clicks: int | None, action: str | None, targets: list | None,
                  reason: str | None, department: int | None, officer: int | None,
                  due: str | None, level: str | None, note: str | None,
                  refresh: int | None, state: dict | None):
    """Apply the open form's action to the target cases, each with the version the
    commander saw; say what happened, in words, and refresh everything on success.

    Nothing is written unless the user is a commander of every case's area (an unlocated
    case or an id no case has is refused like one of another area) and the officer a
    dispatch names, if any, is inside that area too."""
    if not n_clicks or not action or not targets or not state:
        return no_update, no_update, no_update
    lang = state["lang"]
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
        return refused.message(lang), no_update, no_update
    params = _params(action, reason, department, officer, due, level, tz)
    items = [(cid, version, overrides.get(cid, {})) for cid, version in versions.items()]
    results = workflow.apply_many(engine, items, action, actor=user.name, now=now,
                                  note=(note or "").strip() or None,
                                  audit=services.audit_who(user), **params)
    failed = [r for r in results if not r.ok]
    done = len(results) - len(failed)
    if not failed:
        text = t("done", lang, action=t(f"action_{action}", lang), n=done)
    else:
        reasons = "; ".join(f"{codes.get(r.case_id, r.case_id)}: "
                            f"{t_error(r.error.key, r.error.values, lang)}" for r in failed)
        text = reasons if not done else f"{t('done_partly', lang, ok=done, failed=len(failed))} {reasons}"
    # after a success, or when someone else changed a case meanwhile, everything is
    # redrawn so the commander sees the cases as they stand now
    changed = any(isinstance(r.error, workflow.CaseChanged) for r in failed)
    if done:
        forget_counts()
    bump = (refresh or 0) + 1 if done or changed else no_update
    return text, bump, bool(done) or no_update


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
        if due:  # the end of the working day chosen, local time, stored as naive UTC
            local = datetime.combine(date.fromisoformat(due[:10]), time(18, 0), tz)
            params["due_at"] = local.astimezone(timezone.utc).replace(tzinfo=None)
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
        Output(ids.CONSOLE_RANKING, "children"), Output(ids.CONSOLE_COMPARE_TABLE, "children"),
        Output(ids.CONSOLE_COMPARE_BARS, "figure"), Output(ids.CONSOLE_MESSAGE, "children"),
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
        Output(ids.CONSOLE_DOWNLOAD, "data"),
        Input(ids.CONSOLE_EXPORT_CSV, "n_clicks"), Input(ids.CONSOLE_EXPORT_XLSX, "n_clicks"),
        State(ids.CONSOLE_STATE, "data"), State(ids.CONSOLE_GRID, "getRowsRequest"),
        prevent_initial_call=True,
    )(export_list)
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
        Input(ids.ACTION_SUBMIT, "n_clicks"), State(ids.CONSOLE_ACTION, "data"),
        State(ids.CONSOLE_TARGETS, "data"), State(ids.ACTION_REASON, "value"),
        State(ids.ACTION_DEPARTMENT, "value"), State(ids.ACTION_OFFICER, "value"),
        State(ids.ACTION_DUE, "date"), State(ids.ACTION_LEVEL, "value"),
        State(ids.ACTION_NOTE, "value"), State(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(submit_action)
