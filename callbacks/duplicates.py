"""The case detail's duplicate hints: which the reader may see and decide, the 合并 and
不是重复 buttons, and the links that open the other case of a pair.

A decision names two cases (the button's id carries them and the versions the commander
saw). Whatever the request's shape, the server reads those two ids and checks that the
user may act (a commander or admin) on **both** cases' areas before anything is written
(:func:`dashboard.auth.require_cases` with ``act=True``); an id no case has, a case of
another area and a value that is not an id are refused alike. :mod:`data.intake.merge`
then refuses what the workflow would (a stale view, a final case, the older case reported
later, no undecided hint).
"""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.console_targets import clicked_case
from dashboard import auth, console_cache, services
from data.cases.scope import case_facts
from data.console_state import ConsoleState
from data.intake import merge as merging
from data.store import utcnow
from data.users import Principal
from data.workflow import CaseChanged, WorkflowError
from layouts import ids
from layouts.text import t, t_error

DECISIONS = ("merge", "dismiss")


def annotate_links(principal: Principal, case: dict) -> dict:
    """``case`` (a :func:`data.cases.detail.case_detail`) with each duplicate link marked
    ``visible`` (the reader may see the other case) and ``may_decide`` (the reader may act
    on both cases' areas). The caller has checked the reader may see ``case`` itself."""
    links = case.get("links") or []
    seen = principal.visible(link.get("other_region_id") for link in links)
    marked = []
    for link in links:
        visible = link.get("other_region_id") in seen
        marked.append({**link, "visible": visible,
                       "may_decide": visible and principal.can_act(case.get("region_id"))
                       and principal.can_act(link.get("other_region_id"))})
    return {**case, "links": marked}


def _triggered() -> object:
    try:
        return ctx.triggered_id
    except Exception:  # called directly, as tests do
        return None


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise auth.Malformed("auth_bad_version", value=repr(value)[:40])
    return value


def decide_duplicate(clicks: list | None, refresh: int | None, store: dict | None,
                     trigger: object = None):
    """A 合并 or 不是重复 button was clicked: merge the newer case into the older one, or
    dismiss the hint, once the user may act on both cases. Returns (words, refresh): the
    refresh counter goes up after a change (and when a case changed meanwhile), so every
    panel and the detail show the cases as they stand."""
    if not store or not any(clicks or []):
        return no_update, no_update
    lang = ConsoleState.from_store(store).lang
    trigger = trigger if trigger is not None else _triggered()
    if not isinstance(trigger, dict):
        return no_update, no_update
    decision = trigger.get("decision")
    if decision not in DECISIONS:
        return no_update, no_update
    try:
        newer, older = auth.case_ids([trigger.get("newer"), trigger.get("older")])
        versions = {newer: _version(trigger.get("newer_version")),
                    older: _version(trigger.get("older_version"))}
        user = auth.require_cases([newer, older], act=True)
    except auth.Forbidden as refused:
        return refused.message(lang), no_update
    engine = services.engine()
    who = services.audit_who(user)
    try:
        if decision == "merge":
            merging.merge(engine, newer, older, actor=user.name, expected_versions=versions,
                          now=utcnow(), audit=who)
        else:
            merging.dismiss(engine, newer, older, actor=user.name, now=utcnow(), audit=who)
    except WorkflowError as refused:
        bump = (refresh or 0) + 1 if isinstance(refused, CaseChanged) else no_update
        return t_error(refused.key, refused.values, lang), bump
    console_cache.forget_counts()
    with engine.connect() as conn:
        facts = case_facts(conn, [newer, older])
    return (t(f"dup_done_{decision}", lang, newer=facts[newer]["code"],
              older=facts[older]["code"]), (refresh or 0) + 1)


def open_linked(clicks: list | None, trigger: object = None):
    """A link to the other case of a pair opens it in the detail (whose callback checks
    the reader may see it)."""
    return clicked_case(clicks, trigger if trigger is not None else _triggered())


def clear_feedback(case_id: object):
    """Another case opened: what the last decision did is no longer about the case shown."""
    return ""


def register(app: Dash) -> None:
    """Connect the duplicate decisions and the pair links to ``app``."""
    app.callback(
        Output(ids.DUPLICATE_FEEDBACK, "children"),
        Output(ids.CONSOLE_REFRESH, "data", allow_duplicate=True),
        Input(ids.duplicate_button(ALL, ALL, ALL, ALL, ALL), "n_clicks"),
        State(ids.CONSOLE_REFRESH, "data"), State(ids.CONSOLE_STATE, "data"),
        prevent_initial_call=True,
    )(decide_duplicate)
    app.callback(
        Output(ids.DUPLICATE_FEEDBACK, "children", allow_duplicate=True),
        Input(ids.CONSOLE_CASE, "data"), prevent_initial_call=True,
    )(clear_feedback)
    app.callback(
        Output(ids.CONSOLE_CASE, "data", allow_duplicate=True),
        Input(ids.linked_case(ALL), "n_clicks"), prevent_initial_call=True,
    )(open_linked)
