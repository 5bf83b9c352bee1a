"""The hotline desk's callbacks (新建事件): open the form, find the place, preview, save.

The desk is one more door of :mod:`data.intake`: the form's values become the same field
names every door uses (:func:`data.intake.fields.parse_new_case`), the place is found by
:mod:`data.intake.placement` and the case is filed by
:func:`data.intake.create.create_case` as ``Door(kind=DESK, source="hotline")``, with the
idempotency key made when the form was opened (a double click files one case).

Every callback asks, on the server, who is asking before it reads or writes anything: a
signed-in operator, commander or admin (:data:`data.users.REPORTING_ROLES`) whose area
covers the region concerned (:meth:`data.users.Principal.can_report`). Saving checks the
region the case is *placed* in, found from the form's point or region code by the server,
never a region id the request names; Dash binds values by position, so a hand-made body
can only change what is placed, and that is what is checked. A viewer or a display token
is refused and nothing is written.
"""

from __future__ import annotations

import uuid
from datetime import timezone

from dash import Dash, Input, Output, Patch, State, ctx, no_update

from dashboard.region_scope import region_shown
from dashboard import auth, console_cache, services
from data import schema
from data.console_state import ConsoleState
from data.intake.create import Door, create_case, preview
from data.intake.desk import category_choices
from data.intake.fields import IntakeRefused, parse_new_case
from data.intake.placement import search_places
from data.regions import UnknownRegion, get_region
from data.store import deployment_timezone, utcnow
from data.users import REPORTING_ROLES, Principal
from layouts import ids
from layouts import intake_desk as layout
from layouts.text import label, t

SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
#: The matches an address search offers.
MATCHES = 8
#: The fields of :class:`data.intake.fields.NewCase` the desk's form fills.
FORM_FIELDS = ("service_code", "description", "lon", "lat", "region_code", "address",
               "reporter_name", "reporter_phone", "urgent")


# --- who is asking ------------------------------------------------------------------------------

def _reporter() -> Principal:
    """The signed-in principal if it may file cases at all (an operator, commander or
    admin, never a display token); :class:`auth.Forbidden` otherwise."""
    principal = auth.current_user()
    if principal is None:
        raise auth.Forbidden("auth_signed_out")
    if principal.is_display:
        raise auth.Forbidden("auth_display_only")
    if principal.role not in REPORTING_ROLES:
        raise auth.Forbidden("desk_refused")
    return principal


def _desk_region(store: object) -> tuple[Principal, str | None]:
    """The principal and the region code the console shows, once the principal may file
    cases there. Raises :class:`auth.Forbidden` (and :class:`auth.Malformed` for a state
    that is not the console's)."""
    principal = _reporter()
    if not isinstance(store, dict):
        raise auth.Malformed("auth_bad_state")
    try:
        state = ConsoleState.from_store(store)
    except Exception:  # a hand-made state the console never stores
        raise auth.Malformed("auth_bad_state") from None
    try:
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            region_id = None if code is None else get_region(conn, code).id
    except UnknownRegion as missing:  # an admin's address naming no region
        raise auth.Forbidden("unknown_region", code=missing.code) from None
    if not principal.can_report(region_id):
        raise auth.Forbidden("desk_refused")
    return principal, code


def _lang(store: object) -> str:
    try:
        return ConsoleState.from_store(store).lang if isinstance(store, dict) else "zh"
    except Exception:
        return "zh"


# --- the button and the form --------------------------------------------------------------------

def show_button(store: dict | None, refresh: int | None = None):
    """新建事件 shows for a principal who may file cases in the region on screen.

    It also listens to the console's refresh counter: the console's state store is an
    output of the address sync, which answers "no change" on a page's first load, and a
    callback whose only input waits on such an answer is never run."""
    if not store:
        return HIDDEN
    try:
        _desk_region(store)
    except auth.Forbidden:
        return HIDDEN
    return {"display": "inline-block"}


#: What :func:`open_desk` returns, in order (the wiring binds the same order).
OPEN_OUTPUTS = (
    (ids.DESK_PANEL, "style"), (ids.DESK_KEY, "data"), (ids.DESK_CATEGORY, "options"),
    (ids.DESK_MAP, "figure"), (ids.DESK_DESCRIPTION, "value"), (ids.DESK_CATEGORY, "value"),
    (ids.DESK_URGENT, "value"), (ids.DESK_REPORTER_NAME, "value"),
    (ids.DESK_REPORTER_PHONE, "value"), (ids.DESK_ADDRESS, "value"),
    (ids.DESK_MATCHES, "options"), (ids.DESK_FOUND, "data"), (ids.DESK_LON, "value"), (ids.DESK_LAT, "value"),
    (ids.DESK_PLACE, "data"), (ids.DESK_FEEDBACK, "children"), (ids.DESK_SAVE, "disabled"),
    (ids.DESK_AGAIN, "style"), (ids.DESK_VIEW, "data"),
)


def open_desk(n_open: int | None, n_again: int | None, n_close: int | None,
              store: dict | None, trigger: object = None):
    """新建事件 (or 再建一件) opens an empty form with a fresh idempotency key, the
    category picker filled and the map of the region on screen; × closes it. A principal
    who may not file cases here gets the refusal in words and no form."""
    nothing = (no_update,) * len(OPEN_OUTPUTS)
    trigger = trigger if trigger is not None else _triggered()
    if trigger == ids.DESK_CLOSE:
        return (HIDDEN, None, *nothing[2:])
    if not (n_open or n_again) or not store:
        return nothing
    lang = _lang(store)
    try:
        _principal, code = _desk_region(store)
    except auth.Forbidden as refused:
        return (SHOWN, None, [], {}, *nothing[4:15], refused.message(lang), True, HIDDEN,
                None)
    with services.engine().connect() as conn:
        options = layout.category_options(category_choices(conn))
        shapes = console_cache.shapes(conn, code)
    figure = layout.desk_map(shapes, revision=f"desk-{code}")
    return (SHOWN, uuid.uuid4().hex, options, figure, "", None, [], "", "", "", [], [], None,
            None, None, "", False, HIDDEN, None)


def _triggered() -> object:
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None


# --- the place --------------------------------------------------------------------------------

def _placement_point(placement) -> dict:
    """A placement as the form keeps it (lon, lat, region code, address)."""
    return {"lon": getattr(placement, "lon", None), "lat": getattr(placement, "lat", None),
            "region_code": getattr(placement, "region_code", None),
            "address": getattr(placement, "address", None)}


def find_places(text: str | None, store: dict | None):
    """The places an address matches (those the principal may file in), as choices;
    the matches themselves are kept for the pick. Nothing for a refused principal."""
    if not store:
        return no_update, no_update, no_update
    lang = _lang(store)
    try:
        principal, _code = _desk_region(store)
    except auth.Forbidden as refused:
        return [], [], refused.message(lang)
    text = (text or "").strip()
    if not text:
        return [], [], ""
    with services.engine().connect() as conn:
        found = search_places(conn, text[:200], limit=MATCHES * 2)
    allowed = principal.visible([getattr(p, "region_id", None) for p in found]) \
        if found else set()
    found = [p for p in found if getattr(p, "region_id", None) in allowed][:MATCHES]
    if not found:
        return [], [], t("desk_no_matches", lang)
    return (layout.match_options(found, lang), [_placement_point(p) for p in found], "")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def choose_place(click: dict | None, pick: object, lon: object, lat: object,
                 found: list | None, store: dict | None, trigger: object = None):
    """A map click, a picked match or typed coordinates choose the place: the form keeps
    it, the coordinates show it and the map marks it. Checked again when previewed and
    saved, so nothing here is trusted."""
    trigger = trigger if trigger is not None else _triggered()
    nothing = (no_update,) * 4
    if not store:
        return nothing
    try:
        _desk_region(store)
    except auth.Forbidden:
        return nothing
    chosen: dict | None = None
    if trigger == ids.DESK_MAP:
        points = (click or {}).get("points") if isinstance(click, dict) else None
        point = points[0] if isinstance(points, list) and points else {}
        x, y = _number(point.get("lon")), _number(point.get("lat"))
        if x is None or y is None:
            return nothing
        chosen = {"lon": x, "lat": y, "region_code": None, "address": None}
    elif trigger == ids.DESK_MATCHES:
        matches = found if isinstance(found, list) else []
        if isinstance(pick, bool) or not isinstance(pick, int) or not 0 <= pick < len(matches):
            return nothing
        chosen = matches[pick] if isinstance(matches[pick], dict) else None
    elif trigger in (ids.DESK_LON, ids.DESK_LAT):
        chosen = {"lon": lon, "lat": lat, "region_code": None, "address": None}
        return chosen, no_update, no_update, _marker(_number(lon), _number(lat))
    if chosen is None:
        return nothing
    x, y = _number(chosen.get("lon")), _number(chosen.get("lat"))
    return chosen, x, y, _marker(x, y)


def _marker(lon: float | None, lat: float | None) -> Patch:
    """The map's change: the pin on the chosen point (none when there is no point)."""
    patch = Patch()
    point = (lon, lat) if lon is not None and lat is not None else None
    patch["data"][layout.TRACE_MARKER] = layout.marker_trace(point).to_plotly_json()
    return patch


def _view(relayout: object, view: object) -> dict | None:
    """The map's zoom and centre after a relayout (which names only what changed), from
    the last ones kept; None when the relayout moved neither."""
    if not isinstance(relayout, dict):
        return None
    kept = dict(view) if isinstance(view, dict) else {}
    moved = False
    for key, name in (("geo.projection.scale", "scale"), ("geo.center.lon", "lon"),
                      ("geo.center.lat", "lat")):
        value = _number(relayout.get(key))
        if value is not None and value == value and abs(value) < 1e6:  # not NaN
            kept[name], moved = value, True
    if "geo.center" in relayout and isinstance(relayout["geo.center"], dict):
        for name in ("lon", "lat"):
            value = _number(relayout["geo.center"].get(name))
            if value is not None and value == value and abs(value) < 1e6:
                kept[name], moved = value, True
    return kept if moved else None


def refine_lattice(relayout: dict | None, view: dict | None, store: dict | None):
    """Zooming or panning the map moves the click lattice onto the part on screen, so a
    click is as precise as the zoom (:func:`layouts.intake_desk.visible_window`)."""
    if not store:
        return no_update, no_update
    try:
        _principal, code = _desk_region(store)
    except auth.Forbidden:
        return no_update, no_update
    kept = _view(relayout, view)
    if kept is None:
        return no_update, no_update
    with services.engine().connect() as conn:
        bounds = console_cache.shapes(conn, code).get("bounds")
    centre = (kept["lon"], kept["lat"]) if "lon" in kept and "lat" in kept else None
    window = layout.visible_window(bounds, float(kept.get("scale", 1.0)), centre)
    if window is None:
        return no_update, kept
    west, south, east, north = window
    clipped = (max(west, bounds[0]), max(south, bounds[1]), min(east, bounds[2]),
               min(north, bounds[3]))
    lons, lats = layout.lattice(clipped) if clipped[0] < clipped[2] and \
        clipped[1] < clipped[3] else ([], [])
    patch = Patch()
    patch["data"][layout.TRACE_LATTICE]["lon"] = lons
    patch["data"][layout.TRACE_LATTICE]["lat"] = lats
    return patch, kept


# --- preview and save -------------------------------------------------------------------------

def _values(description, category, urgent, name, phone, address, chosen) -> dict:
    """The form as the fields every door uses (only those it filled)."""
    chosen = chosen if isinstance(chosen, dict) else {}
    values = {
        "service_code": category, "description": description,
        "lon": chosen.get("lon"), "lat": chosen.get("lat"),
        "region_code": chosen.get("region_code"),
        "address": address if address not in (None, "") else chosen.get("address"),
        "reporter_name": name, "reporter_phone": phone,
        "urgent": bool(urgent) if isinstance(urgent, list) else urgent,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _door(principal: Principal) -> Door:
    """The desk's door for ``principal``: its region is the principal's, so
    :func:`data.intake.create.preview` and :func:`~data.intake.create.create_case` refuse a
    case the server places outside their area (``region_not_allowed``, on the place)."""
    return Door(kind=schema.DESK, source="hotline", actor=principal.name,
                region_id=principal.region_id, api_key_id=None, officer_id=None,
                user_name=principal.name)


def _radius() -> dict:
    settings = services.settings()
    return {"radius_m": float(settings.duplicate_radius_m),
            "hours": float(settings.duplicate_hours)}


def problem_lines(problems: list, lang: str) -> tuple[list, str]:
    """Each form line's words (in :data:`layouts.intake_desk.PROBLEM_LINES` order) and
    the words of problems of no line."""
    lines: dict[str, list[str]] = {name: [] for name in layout.PROBLEM_LINES}
    other: list[str] = []
    for problem in problems:
        line = layout.problem_line_of(problem.field)
        # the point's or code's problem is the place's, whichever way it was chosen
        field = "location" if line == "place" else problem.field
        words = t("desk_problem_line", lang, field=_field_word(field, lang),
                  problem=_problem_word(problem.code, lang))
        (lines[line] if line else other).append(words)
    return ["；".join(v) if lang == "zh" else "; ".join(v) for v in lines.values()], \
        " ".join(other)


def _field_word(field: str, lang: str) -> str:
    word = t(f"intake_field_{field}", lang)
    return field if word == f"intake_field_{field}" else word


def _problem_word(code: str, lang: str) -> str:
    word = t(f"intake_problem_{code}", lang)
    return code if word == f"intake_problem_{code}" else word


def _facts(conn, found, lang: str, principal: Principal) -> dict:
    """The preview's facts in words: the grid path, point, category, department and
    local deadline, and the suspected duplicates the principal may see (one across a
    town's edge may lie outside their area: it is not named)."""
    placement = found.placement
    suspects = list(found.suspects or ())
    seen = principal.visible([s.region_id for s in suspects]) if suspects else set()
    tz = deployment_timezone(conn)
    deadline = None
    if found.due_at is not None:
        local = found.due_at.replace(tzinfo=timezone.utc).astimezone(tz)
        deadline = f"{local:%Y-%m-%d %H:%M}"
        if found.time_limit is not None:
            unit = t(f"desk_unit_{found.time_unit}", lang)
            deadline += f"（{found.time_limit:g} {unit}）" if lang == "zh" else \
                f" ({found.time_limit:g} {unit})"
    lon, lat = getattr(placement, "lon", None), getattr(placement, "lat", None)
    return {
        "path": layout.place_words(placement, lang),
        "point": None if lon is None or lat is None else f"{lon:.6f}, {lat:.6f}",
        "category": " / ".join(str(x) for x in (found.category, found.subcategory) if x),
        "department": found.department_name or t("desk_no_department", lang),
        "deadline": deadline,
        "suspects": [(str(getattr(s, "code", "")), round(float(getattr(s, "distance_m", 0))),
                      label(str(getattr(s, "status", "") or ""), lang))
                     for s in suspects if s.region_id in seen],
    }


def preview_case(chosen: dict | None, category: str | None, description: str | None,
                 urgent: list | None, name: str | None, phone: str | None,
                 address: str | None, store: dict | None):
    """Before saving: the grid the case lands in, its department and deadline, and any
    疑似重复, once a place and a category are chosen; problems of the fields filled so far
    under each (a field left empty is only named when saving)."""
    outputs = 1 + len(layout.PROBLEM_LINES)
    if not store:
        return (no_update,) * outputs
    lang = _lang(store)
    try:
        principal, _code = _desk_region(store)
    except auth.Forbidden as refused:
        return (refused.message(lang), *[""] * len(layout.PROBLEM_LINES))
    values = _values(description or "…", category, urgent, name, phone, address, chosen)
    if "lon" not in values and "region_code" not in values:
        return (layout.build_preview(None, lang), *[""] * len(layout.PROBLEM_LINES))
    try:
        new = parse_new_case(values)
        with services.engine().connect() as conn:
            found = preview(conn, new, _door(principal), utcnow(), **_radius())
            facts = _facts(conn, found, lang, principal)
    except IntakeRefused as refused:
        wanted = [p for p in refused.problems if p.code != "missing"]
        lines, _other = problem_lines(wanted, lang)
        return (layout.build_preview(None, lang), *lines)
    return (layout.build_preview(facts, lang), *[""] * len(layout.PROBLEM_LINES))


def save_case(n_clicks: int | None, key: str | None, description: str | None,
              category: str | None, urgent: list | None, name: str | None,
              phone: str | None, address: str | None, chosen: dict | None,
              refresh: int | None, store: dict | None):
    """保存: file the case through :func:`data.intake.create.create_case` with the
    form's idempotency key, then show its code and open it in the console (detail and
    list refreshed). Problems are shown under their fields; a principal who may not
    file in the region the case is placed in is refused, and nothing is written."""
    blank = [""] * len(layout.PROBLEM_LINES)
    nothing = (no_update,) * (5 + len(layout.PROBLEM_LINES))
    if not n_clicks or not store:
        return nothing
    lang = _lang(store)
    try:
        principal, _code = _desk_region(store)
    except auth.Forbidden as refused:
        return (refused.message(lang), no_update, no_update, no_update, no_update, *blank)
    if not isinstance(key, str) or not 8 <= len(key) <= 64:  # not a key open_desk made
        return (t("desk_bad_form", lang), no_update, no_update, no_update, no_update, *blank)
    values = _values(description, category, urgent, name, phone, address, chosen)
    engine = services.engine()
    try:
        new = parse_new_case(values)
        created = create_case(engine, new, _door(principal), idempotency_key=key,
                              audit=services.audit_who(principal), **_radius())
    except IntakeRefused as refused:
        lines, other = problem_lines(list(refused.problems), lang)
        text = " ".join(x for x in (t("desk_not_saved", lang), other) if x)
        return (text, no_update, no_update, no_update, no_update, *lines)
    console_cache.forget_counts()
    saved = layout.build_saved(created.code, created.replayed, len(created.suspected), lang)
    return (saved, True, {"display": "inline-block"}, created.case_id, (refresh or 0) + 1,
            *blank)


# --- wiring -------------------------------------------------------------------------------------

def register(app: Dash) -> None:
    """Connect the desk's callbacks to ``app``."""
    problems = [Output(ids.desk_problem(f), "children") for f in layout.PROBLEM_LINES]
    app.callback(Output(ids.DESK_OPEN, "style"), Input(ids.CONSOLE_STATE, "data"),
                 Input(ids.CONSOLE_REFRESH, "data"))(show_button)
    app.callback(
        *[Output(i, p) for i, p in OPEN_OUTPUTS],
        Input(ids.DESK_OPEN, "n_clicks"), Input(ids.DESK_AGAIN, "n_clicks"),
        Input(ids.DESK_CLOSE, "n_clicks"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(open_desk)
    app.callback(
        Output(ids.DESK_MATCHES, "options"), Output(ids.DESK_FOUND, "data"),
        Output(ids.desk_problem("address"), "children", allow_duplicate=True),
        Input(ids.DESK_ADDRESS, "value"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(find_places)
    app.callback(
        Output(ids.DESK_PLACE, "data", allow_duplicate=True),
        Output(ids.DESK_LON, "value", allow_duplicate=True),
        Output(ids.DESK_LAT, "value", allow_duplicate=True),
        Output(ids.DESK_MAP, "figure", allow_duplicate=True),
        Input(ids.DESK_MAP, "clickData"), Input(ids.DESK_MATCHES, "value"),
        Input(ids.DESK_LON, "value"), Input(ids.DESK_LAT, "value"),
        State(ids.DESK_FOUND, "data"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(choose_place)
    app.callback(
        Output(ids.DESK_MAP, "figure", allow_duplicate=True), Output(ids.DESK_VIEW, "data"),
        Input(ids.DESK_MAP, "relayoutData"), State(ids.DESK_VIEW, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(refine_lattice)
    app.callback(
        Output(ids.DESK_PREVIEW, "children"), *problems,
        Input(ids.DESK_PLACE, "data"), Input(ids.DESK_CATEGORY, "value"),
        State(ids.DESK_DESCRIPTION, "value"), State(ids.DESK_URGENT, "value"),
        State(ids.DESK_REPORTER_NAME, "value"), State(ids.DESK_REPORTER_PHONE, "value"),
        State(ids.DESK_ADDRESS, "value"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(preview_case)
    app.callback(
        Output(ids.DESK_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.DESK_SAVE, "disabled", allow_duplicate=True),
        Output(ids.DESK_AGAIN, "style", allow_duplicate=True),
        Output(ids.CONSOLE_CASE, "data", allow_duplicate=True),
        Output(ids.CONSOLE_REFRESH, "data", allow_duplicate=True),
        *[Output(i.component_id, i.component_property, allow_duplicate=True)
          for i in problems],
        Input(ids.DESK_SAVE, "n_clicks"), State(ids.DESK_KEY, "data"),
        State(ids.DESK_DESCRIPTION, "value"), State(ids.DESK_CATEGORY, "value"),
        State(ids.DESK_URGENT, "value"), State(ids.DESK_REPORTER_NAME, "value"),
        State(ids.DESK_REPORTER_PHONE, "value"), State(ids.DESK_ADDRESS, "value"),
        State(ids.DESK_PLACE, "data"), State(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(save_case)
