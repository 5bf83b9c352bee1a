"""The regions, cases and officers of the console, checked against who is asking.

:func:`moved_to` is the address a console callback moves to, :func:`clicked_case` the case a
link opens. :func:`target_ids` and :func:`target_versions` read the action's targets from a request
(refusing a value that is not an id); :func:`dispatch_choices` finds what fills the
dispatch form (the officers the user may dispatch to, and why); :func:`suggested_officers`
keeps a batch dispatch's suggestions inside the user's area. The callbacks of
:mod:`callbacks.console` call them after :func:`dashboard.auth.require_cases` agreed.
The region the console shows is checked by :mod:`dashboard.region_scope`, which the export
route shares.
"""

from __future__ import annotations

from datetime import datetime, timezone

from dash import no_update

from dashboard import auth, services
from data import dispatch
from data.cases.scope import officer_region_ids
from data.console_state import ConsoleState
from data.store import deployment_timezone, utcnow
from layouts.console import console_href


def moved_to(new: ConsoleState | None, pathname: str | None, search: str | None):
    """(pathname, search) of the console's address for ``new``, each no_update where it is
    the same as now (None: nothing moves): what a callback that changes the address
    returns, so an unchanged address never fires the page's callbacks again."""
    if new is None:
        return no_update, no_update
    href = console_href(new.region, new.to_query(), new.lang)
    path, _, query = href.partition("?")
    query = f"?{query}" if query else ""
    same_path, same_query = path == (pathname or "/"), query == (search or "")
    if same_path and same_query:
        return no_update, no_update
    return (no_update if same_path else path), (no_update if same_query else query)


def clicked_case(clicks: list | None, trigger: object):
    """The case id a clicked case link names (its pattern id's ``case``), for the detail
    to open (whose callback checks the reader may see it); no_update when nothing was
    clicked or the id names no integer. Reads nothing of the store."""
    if not any(clicks or []) or not isinstance(trigger, dict):
        return no_update
    value = trigger.get("case")
    if isinstance(value, bool) or not isinstance(value, int):
        return no_update
    return value


def target_ids(targets) -> list[int]:
    """The case ids of the console's targets (rows or ``{"id": ...}``), in order, once
    each: :class:`auth.Malformed` for one that is not a whole number."""
    items = targets if isinstance(targets, list) else [targets]
    return list(dict.fromkeys(auth.case_ids(
        item.get("id") if isinstance(item, dict) else item for item in items)))


def target_versions(targets) -> dict[int, int]:
    """case id → the version the commander saw, from the form's targets (each once):
    :class:`auth.Malformed` for a target that is not ``{"id": n, "version": n}``."""
    items = targets if isinstance(targets, list) else [targets]
    odd = next((item for item in items if not isinstance(item, dict)), None)
    if odd is not None or not items:
        raise auth.Malformed("auth_bad_case", value=repr(odd)[:40])
    case_ids = auth.case_ids(item.get("id") for item in items)
    versions = [item.get("version") for item in items]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in versions):
        raise auth.Malformed("auth_bad_version", value=next(
            repr(v)[:40] for v in versions if isinstance(v, bool) or not isinstance(v, int)))
    return dict(zip(case_ids, versions))


def suggested_officers(conn, case_ids: list[int], now: datetime) -> dict[int, dict]:
    """Each case's suggested officer for a batch dispatch, when the user may dispatch to
    them (an officer outside the user's area is left out: the case keeps its own)."""
    suggested = {cid: s.officer_id for cid, s in dispatch.suggest_many(conn, case_ids, now)
                 .items() if s.officer_id is not None}
    homes = officer_region_ids(conn, suggested.values())
    visible = auth.visible_regions(homes.values())
    return {cid: {"officer_id": oid} for cid, oid in suggested.items()
            if oid in homes and homes[oid] in visible}


#: Officers the dispatch form offers.
OFFICER_CHOICES = 8


def dispatch_choices(case_ids: list[int], now: datetime | None = None):
    """The dispatch form's pick lists and preselections: every department, with the one
    the category table names preselected; the officers nearest the (first) case among
    those inside the user's area, the best of them preselected and why; and the deadline
    that follows. For several cases the officer is left to each case's own suggestion.
    The caller has checked the cases' scope.

    Returns (department options, officers offered, department, officer, hint): the hint
    as ``(text key, values)`` pairs (a ``why`` value a ``why_`` key, ``due`` the local
    deadline) that :func:`layouts.console_panels.dispatch_hint` words."""
    now = utcnow() if now is None else now
    with services.engine().connect() as conn:
        departments = dispatch.departments(conn)
        suggestions = dispatch.suggest_many(conn, case_ids, now)
        ranked = dispatch.officers_near(conn, case_ids[0], now, limit=None)
        tz = deployment_timezone(conn)
    visible = auth.visible_regions({o.region_id for o in ranked})
    officers = [o for o in ranked if o.region_id in visible][:OFFICER_CHOICES]
    names = {d.id: d.name for d in departments}
    department_options = [{"label": d.name, "value": d.id} for d in departments]
    first = suggestions[case_ids[0]]
    chosen = {s.department_id for s in suggestions.values()}
    department = first.department_id if len(chosen) == 1 else None
    hint: list[tuple[str, dict]] = []
    if department is not None:
        hint.append(("suggest_department", {"name": names.get(department, department)}))
    else:
        hint.append(("suggest_none", {"why": first.department_reason}))
    officer = None
    if len(case_ids) == 1:
        if officers:  # the best by the same rules among those the user may dispatch to
            best = officers[0]
            officer = best.id
            why = first.officer_reason if best.id == first.officer_id else best.reason
            hint.append(("suggest_officer", {"name": best.name, "why": why}))
        elif first.officer_id is not None:  # somebody, but outside the user's area
            hint.append(("suggest_none", {"why": "outside_area"}))
        else:
            hint.append(("suggest_none", {"why": first.officer_reason}))
    else:
        hint.append(("batch_officer", {}))
    if first.due_at is not None:
        due = first.due_at.replace(tzinfo=timezone.utc).astimezone(tz)
        hint.append(("suggest_due", {"due": due}))
    return department_options, officers, department, officer, hint
