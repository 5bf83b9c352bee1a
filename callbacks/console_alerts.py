"""The console's 预警 panel: the alerts of the region on screen, their actions, and the
selected alert's cases on the map.

* :func:`show_alerts` lists the alerts of the console's region and below
  (:func:`data.alerts.book.alert_page`), filtered by state, rule and level, a page at a
  time; :func:`poll_alerts` reads the alerts' version every refresh
  (:func:`data.alerts.book.alerts_version`, one read of ``meta``) and the list is re-read
  only when it moved (the background job recomputed, or someone acted).
* A click on a row selects the alert in the address (``alert=``, :func:`select_alert`):
  :func:`alert_layer` (called by :func:`callbacks.console.panels` while it draws the map)
  marks its cases, and :func:`show_selected` lists them, each code opening the case's
  details as the case list does.
* 确认 acts at once (:func:`acknowledge_alert`); 转办督办 and 关闭 open a form
  (:func:`open_alert_form`) whose submission (:func:`submit_alert_form`) assigns the alert
  as a supervision case or closes it with a note, each with the version the commander saw.

Authorization is the cases' rule, checked on the server for the very alert a request names
(:func:`require_alert`): the alert is read by its id, then the user must be allowed to see
(list, select) or act on (a commander or admin whose scope covers it) the alert's region;
an alert with no region belongs to the whole deployment. An id no alert has, an alert
outside the scope and a value that is not an id are refused with the same words. Only the
cases the reader may see are listed and drawn.
"""

from __future__ import annotations

from dataclasses import replace

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.console_targets import clicked_case, moved_to
from dashboard import auth, console_cache, services
from dashboard.region_scope import region_shown, require_region_viewer
from data.alerts import actions, book, registry
from data.alerts.finding import LEVELS
from data.cases.scope import case_facts
from data.console_state import BadAddress, ConsoleState
from data.intake.desk import category_choices
from data.regions import UnknownRegion, get_region, level_words
from data.store import deployment_timezone
from data.users import ACTING_ROLES, Principal
from data.workflow import WorkflowError
from layouts import console_alerts as layout
from layouts import ids
from layouts.alert_words import explain
from layouts.intake_desk import category_options
from layouts.text import t, t_error

#: The most case codes the supervision case's default description names.
DESCRIBED_CASES = 20


# --- who may read and act on an alert --------------------------------------------------------

def _alert_id(value: object) -> int:
    """``value`` as an alert id; anything else is refused as an alert no one may use."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10 ** 18:
        raise auth.Forbidden("alert_refused")
    return value


def require_alert(conn, principal: Principal, value: object, *, act: bool = False
                  ) -> book.AlertRow:
    """The alert whose id is ``value``, once ``principal`` may see it (``act``: change it,
    as a commander or admin of its region). An id no alert has, an alert outside the
    scope and a value that is not an id raise the same :class:`auth.Forbidden`."""
    alert_id = _alert_id(value)
    row = book.get_alert(conn, alert_id)
    allowed = row is not None and (principal.can_act(row.region_id) if act
                                   else principal.can_see(row.region_id))
    if not allowed:
        raise auth.Forbidden("alert_refused")
    return row


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise auth.Malformed("alert_bad_version", value=repr(value)[:40])
    return value


def _acts(principal: Principal, rows: list) -> set[int]:
    """The ids of ``rows`` the principal may act on, in one look-up of its scope."""
    if principal.is_display or principal.role not in ACTING_ROLES:
        return set()
    seen = principal.visible({row.region_id for row in rows})
    return {row.id for row in rows if row.region_id in seen}


def _state(store: object) -> ConsoleState | None:
    try:
        return ConsoleState.from_store(store)
    except (BadAddress, KeyError, TypeError):
        return None


def _lang(store: object) -> str:
    lang = store.get("lang") if isinstance(store, dict) else None
    return lang if lang in ("zh", "en") else "zh"


def _triggered() -> object:
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None


def _explained(row: book.AlertRow, levels: dict[str, str], lang: str) -> str:
    return explain(row.rule, row.facts, lang, levels.get(row.region_level or ""))


def _worded(error: WorkflowError, lang: str) -> str:
    """An action's refusal in words (the alert's state and the action in the panel's
    words; an alert gone meanwhile as one that may not be used)."""
    if isinstance(error, actions.AlertNotFound):
        return t("alert_refused", lang)
    values = dict(error.values)
    if "state" in values:
        values["state"] = t(f"alert_state_{values['state']}", lang)
    if "action" in values:
        values["action"] = t(f"alert_action_{values['action']}", lang)
    return t_error(error.key, values, lang)


# --- the list ---------------------------------------------------------------------------------

def _filters(state_filter: object, rule: object, level: object) -> tuple[str, str | None,
                                                                         str | None]:
    """The filters as the data layer takes them: anything it does not know reads as no
    filter (the default state)."""
    state_filter = state_filter if state_filter in layout.STATE_CHOICES else layout.DEFAULT_STATE
    rule = rule if isinstance(rule, str) and rule in registry.BY_KEY else None
    level = level if isinstance(level, str) and level in LEVELS else None
    return state_filter, rule, level


def _listed_region(conn, principal: Principal, code: str | None) -> int | None:
    """The region whose alerts (its own and below) the list shows: the console's; None
    (the whole deployment, alerts with no region too) for the top region shown to one who
    may see the whole deployment (an alert with no region is theirs alone)."""
    if code is None or (principal.region_id is None and region_shown(conn, None) == code):
        return None
    return get_region(conn, code).id


def show_alerts(store: dict | None, refresh: object, version: object, state_filter: object,
                rule: object, level: object, page: object):
    """The alerts of the console's region and below, filtered, one page of them: the rows,
    the count, and whether 上一页 / 下一页 are disabled."""
    state = _state(store)
    if state is None:
        return no_update, no_update, no_update, no_update
    lang = state.lang
    state_filter, rule, level = _filters(state_filter, rule, level)
    page = page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else 0
    try:
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)
            principal = require_region_viewer(conn, code)
            region_id = _listed_region(conn, principal, code)

            def read(page: int):
                return book.alert_page(conn, region_id, state=state_filter, rule=rule,
                                       level=level, offset=page * layout.PAGE_ROWS,
                                       limit=layout.PAGE_ROWS)

            rows, total = read(page)
            if not rows and page:  # the list shrank under the page: its last page
                page = max((total - 1) // layout.PAGE_ROWS, 0)
                rows, total = read(page)
            tz = deployment_timezone(conn)
            levels = level_words(conn, lang)
            codes = {cid: facts["code"] for cid, facts in case_facts(
                conn, [r.assigned_case_id for r in rows if r.assigned_case_id]).items()}
    except auth.Forbidden as refused:
        return [refused.message(lang)], "", True, True
    except UnknownRegion as missing:
        return [t("unknown_region", lang, code=missing.code)], "", True, True
    words = {row.id: _explained(row, levels, lang) for row in rows}
    listed = layout.build_alert_rows(rows, words, codes, _acts(principal, rows), state.alert,
                                     tz, lang)
    last = (page + 1) * layout.PAGE_ROWS >= total
    return listed, layout.count_words(total, page, len(rows), lang), page == 0, last


def poll_alerts(n_intervals: object, store: dict | None, seen: object):
    """The alerts' version, when it moved since the page last saw it (the list is then
    re-read); nothing otherwise. One read of ``meta``."""
    state = _state(store)
    if state is None:
        return no_update
    try:
        with services.engine().connect() as conn:
            require_region_viewer(conn, region_shown(conn, state.region))
            version = book.alerts_version(conn)
    except (auth.Forbidden, UnknownRegion):
        return no_update
    return no_update if version == seen else version


def turn_page(prev: object, nxt: object, state_filter: object, rule: object, level: object,
              page: object, trigger: object = None):
    """上一页 / 下一页 move the page; a changed filter starts at the first. Reads nothing
    of the store (the list checks the page against what there is)."""
    trigger = trigger if trigger is not None else _triggered()
    page = page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else 0
    if trigger == ids.ALERTS_PREV:
        return max(page - 1, 0)
    if trigger == ids.ALERTS_NEXT:
        return page + 1
    return 0


# --- selecting an alert: the address, its cases listed and drawn -----------------------------

def select_alert(clicks: list | None, clear: object, store: dict | None,
                 pathname: str | None, search: str | None, trigger: object = None):
    """A click on an alert's row selects it (the address gains ``alert=``); 取消选择
    drops it. Reads nothing of the store: the alert is checked where it is read."""
    state = _state(store)
    trigger = trigger if trigger is not None else _triggered()
    if state is None:
        return no_update, no_update
    if trigger == ids.ALERT_CLEAR:
        if not clear:
            return no_update, no_update
        chosen = None
    elif isinstance(trigger, dict) and trigger.get("type") == "alert-pick" and any(clicks or []):
        try:
            chosen = _alert_id(trigger.get("alert"))
        except auth.Forbidden:
            return no_update, no_update
    else:
        return no_update, no_update
    return moved_to(replace(state, alert=chosen), pathname, search)


def open_alert_case(clicks: list | None, trigger: object = None):
    """A case code in the panel opens that case in the details (whose callback checks the
    reader may see it: :func:`callbacks.console.show_case`). Reads nothing of the store."""
    return clicked_case(clicks, trigger if trigger is not None else _triggered())


def _visible_cases(conn, principal: Principal, alert_id: int) -> tuple[list[dict], int]:
    """The alert's cases the principal may see, and how many others it has."""
    cases = book.alert_case_rows(conn, alert_id)
    seen = principal.visible({c["region_id"] for c in cases})
    shown = [c for c in cases if c["region_id"] in seen]
    return shown, len(cases) - len(shown)


def alert_layer(conn, state: ConsoleState, code: str | None) -> list[dict]:
    """The selected alert's cases that the map marks (:func:`layouts.console_alerts.
    add_alert_layer`), for the console's map of ``code`` (already checked by the
    caller): none when no alert is selected, or when the reader may not see it."""
    if state.alert is None:
        return []
    principal = require_region_viewer(conn, code)
    try:
        row = require_alert(conn, principal, state.alert)
    except auth.Forbidden:
        return []
    return _visible_cases(conn, principal, row.id)[0]


def show_selected(store: dict | None, refresh: object, version: object):
    """The selected alert: what it says, its state, and its cases the reader may see (the
    same words for an alert that is not there or not theirs)."""
    state = _state(store)
    if state is None:
        return no_update
    lang = state.lang
    if state.alert is None:
        return t("alert_selected_none", lang)
    try:
        with services.engine().connect() as conn:
            principal = require_region_viewer(conn, region_shown(conn, state.region))
            row = require_alert(conn, principal, state.alert)
            cases, hidden = _visible_cases(conn, principal, row.id)
            tz = deployment_timezone(conn)
            words = _explained(row, level_words(conn, lang), lang)
    except auth.Forbidden as refused:
        return refused.message(lang)
    except UnknownRegion as missing:
        return t("unknown_region", lang, code=missing.code)
    note = None if principal.can_act(row.region_id) else t("alert_viewer_note", lang)
    return layout.build_selected(row, words, cases, hidden, lang, tz, note)


# --- the actions ------------------------------------------------------------------------------

def _clicked_button(clicks: list | None, trigger: object, wanted: tuple[str, ...]) -> dict | None:
    """The alert button that fired (its id), if it is one of ``wanted`` and was clicked."""
    if not any(clicks or []) or not isinstance(trigger, dict):
        return None
    if trigger.get("type") != "alert-action" or trigger.get("action") not in wanted:
        return None
    return trigger


def _acting_on(engine, alert: object, version: object):
    """The commander acting, the alert ``alert`` names (read on the server, in the
    commander's area to act on) and the version the request says was seen: raises
    :class:`auth.Forbidden` for anyone else, any other alert or a value that is no id."""
    user = auth.require_commander([])
    with engine.connect() as conn:
        row = require_alert(conn, user, alert, act=True)
    return user, row, _version(version)


def _current_version() -> int:
    with services.engine().connect() as conn:
        return book.alerts_version(conn)


def acknowledge_alert(clicks: list | None, store: dict | None, trigger: object = None):
    """确认: the alert is acknowledged by the commander, with the version the row showed.
    Returns the words and the alerts' version (the list re-reads)."""
    lang = _lang(store)
    trigger = trigger if trigger is not None else _triggered()
    button = _clicked_button(clicks, trigger, ("acknowledge",))
    if button is None or _state(store) is None:
        return no_update, no_update
    engine = services.engine()
    try:
        user, row, version = _acting_on(engine, button.get("alert"), button.get("version"))
    except auth.Forbidden as refused:
        return refused.message(lang), no_update
    try:
        actions.acknowledge(engine, row.id, actor=user.name, expected_version=version,
                            audit=services.audit_who(user))
    except WorkflowError as refused:
        return _worded(refused, lang), _current_version()
    return t("alert_done_acknowledge", lang, alert_id=row.id), _current_version()


def _description(row: book.AlertRow, words: str, codes: list[str], lang: str) -> str:
    """The supervision case's description the form offers: the rule, the explanation, the
    alert's number and (the first :data:`DESCRIBED_CASES` of) its cases."""
    named = "、".join(codes[:DESCRIBED_CASES]) + ("…" if len(codes) > DESCRIBED_CASES else "")
    cases = t("alert_supervision_cases", lang, codes=named) if codes else ""
    return t("alert_supervision", lang, rule=t(f"alert_rule_{row.rule}", lang),
             explanation=words, alert_id=row.id, cases=cases)


FORM_OUTPUTS = 10


def open_alert_form(clicks: list | None, cancel: object, store: dict | None,
                    trigger: object = None):
    """转办督办 or 关闭 opens the form for that alert (only for a commander of its
    region): the category of most of its cases chosen and a description worded for a
    supervision case, or an empty note; 取消 closes it."""
    lang = _lang(store)
    hidden = layout.HIDDEN
    trigger = trigger if trigger is not None else _triggered()
    if trigger == ids.ALERT_CANCEL:
        return (hidden, "", hidden, hidden, no_update, None, "", "", None, "")
    button = _clicked_button(clicks, trigger, layout.FORM_ACTIONS)
    if button is None or _state(store) is None:
        return (no_update,) * FORM_OUTPUTS
    action = button["action"]
    try:
        user = auth.require_commander([])
        with services.engine().connect() as conn:
            row = require_alert(conn, user, button.get("alert"), act=True)
            version = _version(button.get("version"))
            choices = category_choices(conn) if action == "assign" else []
            cases = book.alert_case_rows(conn, row.id) if action == "assign" else []
            usual = actions.usual_category(conn, row.id) if action == "assign" else None
            words = _explained(row, level_words(conn, lang), lang)
    except auth.Forbidden as refused:
        return (hidden, "", hidden, hidden, no_update, None, "", "", None,
                refused.message(lang))
    target = {"id": row.id, "version": version, "action": action}
    title = t(f"alert_form_{action}", lang, alert_id=row.id)
    if action == "close":
        return (layout.SHOWN, title, hidden, layout.SHOWN, no_update, None, "", "", target, "")
    return (layout.SHOWN, title, layout.SHOWN, hidden, category_options(choices),
            usual,
            _description(row, words, [c["code"] for c in cases], lang), "", target, "")


def submit_alert_form(n_clicks: object, target: object, category: object,
                      description: object, note: object, refresh: object,
                      store: dict | None):
    """Assign the form's alert as a supervision case, or close it with the note, with the
    version the commander saw. Returns the words, the alerts' version (the list re-reads),
    the console's refresh counter (a new case: the case list re-reads), and the form's
    style and target (closed after a success)."""
    lang = _lang(store)
    nothing = (no_update,) * 5
    if not n_clicks or _state(store) is None or not isinstance(target, dict):
        return nothing
    action = target.get("action")
    if action not in layout.FORM_ACTIONS:
        return nothing
    engine = services.engine()
    try:
        user, row, version = _acting_on(engine, target.get("id"), target.get("version"))
    except auth.Forbidden as refused:
        return refused.message(lang), no_update, no_update, no_update, no_update
    text = note.strip() if isinstance(note, str) else ""
    who = services.audit_who(user)
    try:
        if action == "close":
            if not text:
                return t("alert_note_required", lang), no_update, no_update, no_update, no_update
            actions.close(engine, row.id, actor=user.name, expected_version=version, note=text,
                          audit=who)
            said, bump = t("alert_done_close", lang, alert_id=row.id), no_update
        else:
            described = description.strip() if isinstance(description, str) else ""
            if len(described) > layout.DESCRIPTION_LIMIT:
                return (t("alert_description_too_long", lang, limit=layout.DESCRIPTION_LIMIT,
                          n=len(described)), no_update, no_update, no_update, no_update)
            done = actions.assign(engine, row.id, actor=user.name, expected_version=version,
                                  service_code=category if isinstance(category, str)
                                  and category else None,
                                  description=described or None, audit=who)
            console_cache.forget_counts()
            said = t("alert_done_assign", lang, alert_id=row.id, code=done.assigned_case_code)
            bump = (refresh if isinstance(refresh, int) else 0) + 1
    except WorkflowError as refused:
        changed = isinstance(refused, actions.AlertChanged)
        return (_worded(refused, lang), _current_version() if changed else no_update,
                no_update, layout.HIDDEN if changed else no_update,
                None if changed else no_update)
    return said, _current_version(), bump, layout.HIDDEN, None


# --- wiring ---------------------------------------------------------------------------------

def register(app: Dash) -> None:
    """Connect the 预警 panel's callbacks to ``app``."""
    app.callback(
        Output(ids.ALERTS_LIST, "children"), Output(ids.ALERTS_COUNT, "children"),
        Output(ids.ALERTS_PREV, "disabled"), Output(ids.ALERTS_NEXT, "disabled"),
        Input(ids.CONSOLE_STATE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        Input(ids.ALERTS_VERSION, "data"), Input(ids.ALERTS_STATE, "value"),
        Input(ids.ALERTS_RULE, "value"), Input(ids.ALERTS_LEVEL, "value"),
        Input(ids.ALERTS_PAGE, "data"),
    )(show_alerts)
    app.callback(
        Output(ids.ALERTS_VERSION, "data"),
        Input(ids.ALERTS_TICK, "n_intervals"), State(ids.CONSOLE_STATE, "data"),
        State(ids.ALERTS_VERSION, "data"), prevent_initial_call=True,
    )(poll_alerts)
    app.callback(
        Output(ids.ALERTS_PAGE, "data"),
        Input(ids.ALERTS_PREV, "n_clicks"), Input(ids.ALERTS_NEXT, "n_clicks"),
        Input(ids.ALERTS_STATE, "value"), Input(ids.ALERTS_RULE, "value"),
        Input(ids.ALERTS_LEVEL, "value"), State(ids.ALERTS_PAGE, "data"),
        prevent_initial_call=True,
    )(turn_page)
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.alert_pick(ALL), "n_clicks"), Input(ids.ALERT_CLEAR, "n_clicks"),
        State(ids.CONSOLE_STATE, "data"), State(ids.URL, "pathname"), State(ids.URL, "search"),
        prevent_initial_call=True,
    )(select_alert)
    app.callback(
        Output(ids.CONSOLE_CASE, "data", allow_duplicate=True),
        Input(ids.alert_case(ALL, ALL), "n_clicks"), prevent_initial_call=True,
    )(open_alert_case)
    app.callback(
        Output(ids.ALERT_SELECTED, "children"),
        Input(ids.CONSOLE_STATE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        Input(ids.ALERTS_VERSION, "data"),
    )(show_selected)
    app.callback(
        Output(ids.ALERTS_FEEDBACK, "children"),
        Output(ids.ALERTS_VERSION, "data", allow_duplicate=True),
        Input(ids.alert_button("acknowledge", ALL, ALL), "n_clicks"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(acknowledge_alert)
    app.callback(
        Output(ids.ALERT_FORM, "style"), Output(ids.ALERT_FORM_TITLE, "children"),
        Output(ids.ALERT_ASSIGN_FIELDS, "style"), Output(ids.ALERT_CLOSE_FIELDS, "style"),
        Output(ids.ALERT_CATEGORY, "options"), Output(ids.ALERT_CATEGORY, "value"),
        Output(ids.ALERT_DESCRIPTION, "value"), Output(ids.ALERT_NOTE, "value"),
        Output(ids.ALERT_TARGET, "data"),
        Output(ids.ALERTS_FEEDBACK, "children", allow_duplicate=True),
        Input(ids.alert_button(ALL, ALL, ALL), "n_clicks"), Input(ids.ALERT_CANCEL, "n_clicks"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(open_alert_form)
    app.callback(
        Output(ids.ALERTS_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.ALERTS_VERSION, "data", allow_duplicate=True),
        Output(ids.CONSOLE_REFRESH, "data", allow_duplicate=True),
        Output(ids.ALERT_FORM, "style", allow_duplicate=True),
        Output(ids.ALERT_TARGET, "data", allow_duplicate=True),
        Input(ids.ALERT_SUBMIT, "n_clicks"), State(ids.ALERT_TARGET, "data"),
        State(ids.ALERT_CATEGORY, "value"), State(ids.ALERT_DESCRIPTION, "value"),
        State(ids.ALERT_NOTE, "value"), State(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(submit_alert_form)
