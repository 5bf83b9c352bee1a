"""The console's 调解 (mediation) and 回访 (return visit) of the open case.

:func:`followup_buttons` offers the steps that apply to the open case
(:func:`data.field.followup.followup_actions`) to a principal who may act on it;
:func:`open_followup` opens a step's form (the mediators offered are the officers serving
the case's region); :func:`submit_followup` records it through
:func:`data.field.followup.mediate` / :func:`~data.field.followup.visit` with the version
the buttons were offered at, so a stale view hears "the case changed", as every workflow
step does.

Whatever the request's shape, the server reads the case id and checks that the user may
act (a commander or admin) on the case's area (:func:`dashboard.auth.require_cases` with
``act=True``) before it reads or writes anything of it; an officer named as the mediator
must be one of those the form offers (recounted on the server), never any id a request
carries.
"""

from __future__ import annotations

from datetime import date

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.console_targets import target_versions
from dashboard import auth, console_cache, services
from data import deadlines
from data.console_state import ConsoleState
from data.field import followup
from data.store import deployment_timezone, utcnow
from data.workflow import CaseChanged, WorkflowError
from layouts import ids
from layouts.followup import HIDDEN, SHOWN, build_followup_buttons, officer_options
from layouts.text import label, t, t_error

STEPS = ("mediate", "visit")


def _triggered() -> object:
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None


def _lang(store: dict | None) -> str:
    return ConsoleState.from_store(store).lang


def followup_buttons(case_id: object, refresh: int | None, store: dict | None):
    """The open case's 调解 / 回访 buttons (those that apply to it), for a user who may act
    on it, and the case's id and version they act on; nothing for anyone else. A form
    left open closes: it was about the case as it stood before (or another case)."""
    nothing = ([], None, HIDDEN, None)
    if case_id is None or not store:
        return nothing
    try:
        user = auth.require_cases([case_id])
    except auth.Forbidden:
        return nothing
    (wanted,) = auth.case_ids([case_id])
    with services.engine().connect() as conn:
        facts = followup.followup_facts(conn, wanted)
    if facts is None or not user.can_act(facts["region_id"]) or not facts["steps"]:
        return nothing
    return (build_followup_buttons(facts["steps"], _lang(store)),
            {"id": wanted, "version": facts["version"]}, HIDDEN, None)


def open_followup(clicks: list | None, cancel: int | None, target: dict | None,
                  store: dict | None, trigger: object = None):
    """A 调解 or 回访 button opens its form (a mediation's with the officers serving the
    case's region); cancel closes it. Only for a user who may act on the case, and only
    a step that applies to it."""
    closed = (None, HIDDEN, HIDDEN, HIDDEN, [], "")
    if not store:
        return (no_update,) * 6
    lang = _lang(store)
    trigger = trigger if trigger is not None else _triggered()
    if trigger == ids.FOLLOWUP_CANCEL or not target:
        return closed
    if not isinstance(trigger, dict) or not any(clicks or []):
        return (no_update,) * 6
    step = trigger.get("step")
    if step not in STEPS:
        return (no_update,) * 6
    try:
        (case_id,) = target_versions(target)
        auth.require_cases([case_id], act=True)
    except auth.Forbidden as refused:
        return (*closed[:5], refused.message(lang))
    with services.engine().connect() as conn:
        facts = followup.followup_facts(conn, case_id)
        officers = followup.mediators_for(conn, case_id) if step == "mediate" else []
    if facts is None:
        return (*closed[:5], t("auth_case_refused", lang))
    if step not in facts["steps"]:
        key = "not_a_dispute" if step == "mediate" and facts["case_class"] != "dispute" \
            else "illegal_transition"
        return (*closed[:5], t_error(key, {**facts, "action": step,
                                           "allowed": facts["steps"]}, lang))
    return (step, SHOWN, SHOWN if step == "mediate" else HIDDEN,
            HIDDEN if step == "mediate" else SHOWN, officer_options(officers), "")


def show_reopen(satisfaction: object):
    """重新办理 is offered after a 不满意 answer only (the form is a commander's already);
    another answer unticks it."""
    if satisfaction == "dissatisfied":
        return SHOWN, no_update
    return HIDDEN, []


def submit_followup(n_clicks: int | None, step: str | None, target: dict | None,
                    outcome, kind, officer, name, agreement, satisfaction, channel, note,
                    reopen, due, refresh: int | None, store: dict | None):
    """Record the open form's step on the case, with the version its buttons were offered
    at; say what happened, and refresh the console after a change (or when the case
    changed meanwhile)."""
    if not n_clicks or step not in STEPS or not target or not store:
        return no_update, no_update, no_update
    lang = _lang(store)
    engine = services.engine()
    now = utcnow()
    try:
        ((case_id, version),) = target_versions(target).items()
        user = auth.require_cases([case_id], act=True)
        with engine.connect() as conn:
            tz = deployment_timezone(conn)
            facts = followup.followup_facts(conn, case_id)
            serving = {o["id"] for o in followup.mediators_for(conn, case_id)}
    except auth.Forbidden as refused:
        return refused.message(lang), no_update, no_update
    if facts is None:  # deleted since the check: the same words
        return t("auth_case_refused", lang), no_update, no_update
    code, who, actor = facts["code"], services.audit_who(user), user.name
    try:
        if step == "mediate":
            officer_id = None
            if officer not in (None, ""):
                officer_id = officer if officer in serving and not isinstance(
                    officer, bool) else None
                if officer_id is None:
                    return t("fu_mediator_refused", lang), no_update, no_update
            followup.mediate(engine, case_id, expected_version=version, outcome=outcome,
                             kind=kind or None, officer_id=officer_id, mediator=name,
                             note=agreement, actor=actor, now=now, audit=who)
            done = t("fu_done_mediate", lang, code=code, outcome=label(str(outcome), lang))
        else:
            wants_reopen = "reopen" in (reopen or []) if isinstance(reopen, list) else False
            due_at = None
            if wants_reopen and isinstance(due, str) and due:
                try:
                    due_at = deadlines.chosen_deadline(date.fromisoformat(due[:10]), tz)
                except ValueError:
                    due_at = due  # refused by the data layer, named
            state = followup.visit(engine, case_id, expected_version=version,
                                   satisfaction=satisfaction, channel=channel or None,
                                   note=note, reopen=wants_reopen, due_at=due_at, actor=actor,
                                   now=now, audit=who)
            key = "fu_done_reopen" if state.status != "closed" else "fu_done_visit"
            done = t(key, lang, code=code, answer=label(str(satisfaction), lang))
    except WorkflowError as refused:
        bump = (refresh or 0) + 1 if isinstance(refused, CaseChanged) else no_update
        return t_error(refused.key, refused.values, lang), bump, no_update
    console_cache.forget_counts()
    return done, (refresh or 0) + 1, HIDDEN


def register(app: Dash) -> None:
    """Connect the follow-up steps to ``app``."""
    app.callback(
        Output(ids.FOLLOWUP_ACTIONS, "children"), Output(ids.FOLLOWUP_CASE, "data"),
        Output(ids.FOLLOWUP_FORM, "style", allow_duplicate=True),
        Output(ids.FOLLOWUP_KIND, "data", allow_duplicate=True),
        Input(ids.CONSOLE_CASE, "data"), Input(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(followup_buttons)
    app.callback(
        Output(ids.FOLLOWUP_KIND, "data"), Output(ids.FOLLOWUP_FORM, "style"),
        Output(ids.MEDIATE_FIELDS, "style"), Output(ids.VISIT_FIELDS, "style"),
        Output(ids.MEDIATE_OFFICER, "options"), Output(ids.FOLLOWUP_FEEDBACK, "children"),
        Input(ids.followup_button(ALL), "n_clicks"), Input(ids.FOLLOWUP_CANCEL, "n_clicks"),
        State(ids.FOLLOWUP_CASE, "data"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(open_followup)
    app.callback(
        Output(ids.VISIT_REOPEN_ROW, "style"), Output(ids.VISIT_REOPEN, "value"),
        Input(ids.VISIT_SATISFACTION, "value"),
        prevent_initial_call=True,
    )(show_reopen)
    app.callback(
        Output(ids.FOLLOWUP_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.CONSOLE_REFRESH, "data", allow_duplicate=True),
        Output(ids.FOLLOWUP_FORM, "style", allow_duplicate=True),
        Input(ids.FOLLOWUP_SUBMIT, "n_clicks"), State(ids.FOLLOWUP_KIND, "data"),
        State(ids.FOLLOWUP_CASE, "data"), State(ids.MEDIATE_OUTCOME, "value"),
        State(ids.MEDIATE_KIND, "value"), State(ids.MEDIATE_OFFICER, "value"),
        State(ids.MEDIATE_NAME, "value"), State(ids.MEDIATE_NOTE, "value"),
        State(ids.VISIT_SATISFACTION, "value"), State(ids.VISIT_CHANNEL, "value"),
        State(ids.VISIT_NOTE, "value"), State(ids.VISIT_REOPEN, "value"),
        State(ids.VISIT_DUE, "date"), State(ids.CONSOLE_REFRESH, "data"),
        State(ids.CONSOLE_STATE, "data"), prevent_initial_call=True,
    )(submit_followup)
