"""Mediation (调解) and return visits (回访) as records of a case, written like workflow steps.

:func:`mediate` records one mediation of a dispute, :func:`visit` one return visit of a
closed case; both follow :func:`data.workflow.apply`'s discipline: the case's version is
checked first (:class:`~data.workflow.CaseChanged`), then whether the step applies to the
case at all, then its parameters (:class:`~data.workflow.InvalidParameter` with a stable
``problem``), and then one transaction writes the record (:class:`~data.models.Mediation` /
:class:`~data.models.ReturnVisit`, origin ``console``), the case's columns, its history
(``case_events``), the case's version, the data version and, when told who acts, the audit
row. Either all of it is written or nothing.

==========  ==============================  =====================================================
step        applies to                      writes on the case
==========  ==============================  =====================================================
mediate 调解 dispute cases (``case_class``   ``mediation_outcome`` / ``mediated_at`` := this one
            ``dispute``) that are filed,     (unless a later mediation is on record already); the
            dispatched, resolved, closed or  status does not change
            suspended
visit 回访   closed cases                    ``satisfaction`` := the answer, unless ``unreached``
                                            (then as it was); ``reopen=True`` (only with
                                            ``dissatisfied``) also sends the case back:
                                            closed → dispatched
==========  ==============================  =====================================================

Decisions, deliberately:

* A dispute still ``reported`` is not verified yet (it may be voided), and a ``voided`` one
  is no case: neither is mediated. A ``closed`` dispute may still get a mediation recorded
  (one held before closing and entered late, or a second attempt); it stays closed.
* A dispute mediated twice counts once, by its latest outcome: the case's columns hold the
  latest mediation (the registry counts those), the ``mediations`` table keeps every one.
* ``mediator``: an officer (``officer_id``, who must exist) or a name (``mediator``), one of
  them at least; both may be given (an officer and the name written on the agreement).
* An ``unreached`` visit (未接通) is kept as a record but leaves ``cases.satisfaction`` as it
  was: satisfaction counts only answers (:mod:`data.metric_registry`).
* ``reopen`` (重新办理) is the commander's choice after a 不满意 visit: the case goes back to
  the same department and officer as ``dispatched``; ``resolved_at``, ``resolved_level``
  and ``closed_at`` are cleared, ``dispatched_at`` is kept (as a rework keeps it) and
  ``due_at`` is the given one (after now) or the category's time limit counted from now
  (:func:`data.deadlines.deadline`, as a dispatch does). The history gets the ``visit``
  event and a ``rework`` event (closed → dispatched) whose note says it came from the visit
  (:data:`REOPEN_NOTE`), so the registry's rework rate counts it. The case keeps the
  不满意 answer until its next reached visit.
* The history's ``mediate`` / ``visit`` events leave the status as it is (from = to).

Errors are :class:`data.workflow.WorkflowError` subclasses; :class:`NotADispute` (key
``not_a_dispute``) is the refusal of a mediation of a case that is no dispute.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from data import audit as audit_log
from data import schema, store
from data.deadlines import LIMIT_COLUMNS, deadline, limit_for
from data.holidays import work_calendar
from data.models import (
    Case, CaseEvent, Category, Mediation, Officer, OfficerRegion, OfficerRoster,
    RegionAncestor, ReturnVisit,
)
from data.workflow import (
    CaseChanged, CaseNotFound, CaseState, IllegalTransition, InvalidParameter, audit_failure,
)

__all__ = ["MEDIATION_STATUSES", "VISIT_STATUSES", "REOPEN_NOTE", "NotADispute",
           "followup_actions", "followup_facts", "mediate", "visit", "records_of",
           "mediators_for"]

#: The statuses a dispute may be mediated in (accepted ones: verified, not voided).
MEDIATION_STATUSES: tuple[str, ...] = (schema.FILED, schema.DISPATCHED, schema.RESOLVED,
                                       schema.CLOSED, schema.SUSPENDED)
#: The statuses a case may be visited in.
VISIT_STATUSES: tuple[str, ...] = (schema.CLOSED,)
#: The note of the rework event a reopening visit writes (the store's own words, as the
#: workflow's notes are the commander's).
REOPEN_NOTE = "回访不满意，重新办理"
#: Longest mediator name and note kept (the columns' room; a note is free text).
MEDIATOR_MAX, NOTE_MAX = 100, 2000


class NotADispute(IllegalTransition):
    """A mediation of a case that is not a dispute. ``values``: ``case_id``, ``code``,
    ``action``, ``status``, ``case_class``, ``allowed``."""

    key = "not_a_dispute"


def followup_actions(case_class: str | None, status: str) -> list[str]:
    """The follow-up steps that apply to a case of ``case_class`` in ``status``, in the
    console's order: ``mediate`` (a dispute, :data:`MEDIATION_STATUSES`) and ``visit``
    (:data:`VISIT_STATUSES`). :func:`data.workflow.allowed_actions` stays the workflow's."""
    out = []
    if case_class == schema.DISPUTE and status in MEDIATION_STATUSES:
        out.append("mediate")
    if status in VISIT_STATUSES:
        out.append("visit")
    return out


# --- the two steps ------------------------------------------------------------------------

def mediate(engine_or_conn: Engine | Connection, case_id: int, *, expected_version: int,
            outcome: str, kind: str | None = None, officer_id: int | None = None,
            mediator: str | None = None, note: str | None = None, actor: str,
            now: datetime | None = None, audit: audit_log.Who | None = None) -> CaseState:
    """Record one mediation of a dispute, in one transaction, if nobody changed the case.

    Parameters
    ----------
    engine_or_conn
        The store (a connection in a transaction is used as it is, the caller commits).
    case_id, expected_version
        The case and its ``version`` as the commander saw it.
    outcome
        :data:`data.schema.MEDIATION_OUTCOMES`: success, failure, referred (转入诉讼或仲裁).
    kind
        :data:`data.schema.MEDIATION_KINDS` (人民调解, 行政调解, 警民联调, 诉前调解), or None.
    officer_id, mediator
        Who mediated: an officer's id (must exist) and/or a name; one at least.
    note
        The agreement or a note (at most :data:`NOTE_MAX` characters).
    actor, now, audit
        As for :func:`data.workflow.apply` (``now`` naive UTC, default now).

    Returns
    -------
    CaseState
        The case after the step (its status unchanged).

    Raises
    ------
    CaseNotFound, CaseChanged, NotADispute, IllegalTransition, InvalidParameter
        Nothing is written in any of these cases.
    """
    params = {"outcome": outcome, "kind": kind, "officer_id": officer_id,
              "mediator": mediator, "note": note}
    return _run(engine_or_conn, "mediate", _mediate, case_id, expected_version, actor, now,
                audit, params)


def visit(engine_or_conn: Engine | Connection, case_id: int, *, expected_version: int,
          satisfaction: str, channel: str | None = None, note: str | None = None,
          reopen: bool = False, due_at: datetime | None = None, actor: str,
          now: datetime | None = None, audit: audit_log.Who | None = None) -> CaseState:
    """Record one return visit of a closed case, in one transaction, if nobody changed it;
    with ``reopen`` (after a 不满意 only) the case goes back to its department as
    ``dispatched``.

    Parameters
    ----------
    satisfaction
        :data:`data.schema.VISIT_RESULTS`: satisfied, basically_satisfied, dissatisfied,
        unreached (未接通: kept, but not an answer).
    channel
        :data:`data.schema.VISIT_CHANNELS` (phone, in_person, app), or None.
    reopen
        Send the case back (重新办理): only with ``dissatisfied``.
    due_at
        The reopened case's deadline (naive UTC or aware; after now); only with ``reopen``.
        Default: the category's time limit from now.
    engine_or_conn, case_id, expected_version, note, actor, now, audit
        As for :func:`mediate`.

    Raises
    ------
    CaseNotFound, CaseChanged, IllegalTransition, InvalidParameter
        Nothing is written in any of these cases.
    """
    params = {"satisfaction": satisfaction, "channel": channel, "note": note,
              "reopen": reopen, "due_at": due_at}
    return _run(engine_or_conn, "visit", _visit, case_id, expected_version, actor, now,
                audit, params)


_CASE_COLUMNS = (Case.id, Case.code, Case.status, Case.version, Case.case_class,
                 Case.department_id, Case.officer_id, Case.due_at, Case.subcategory,
                 Case.mediated_at, Case.urgent)


def _run(engine_or_conn, action: str, step, case_id: int, expected_version: int, actor: str,
         now: datetime | None, audit: audit_log.Who | None, params: dict) -> CaseState:
    """Check, write and audit one step, as :func:`data.workflow.apply` does."""
    now = store.naive_utc(now)
    try:
        with store.transaction(engine_or_conn) as conn:
            row = conn.execute(select(*_CASE_COLUMNS).where(Case.id == case_id)).first()
            if row is None:
                raise CaseNotFound(f"case {case_id} does not exist", case_id=case_id)
            if row.version != expected_version:
                raise _changed(row, expected_version)
            _check_applies(row, action)
            bad = _bad_builder(row, action)
            if not isinstance(actor, str) or not actor.strip():
                raise bad("actor", actor, "required", "who acts must be named")
            values, events, record = step(conn, row, params, now, bad)
            state = _write(conn, row, expected_version, now, values, events, actor)
            conn.execute(insert(record[0]).values(case_id=case_id, at=now, actor=actor,
                                                  origin=schema.CONSOLE_ORIGIN, **record[1]))
            if audit is not None:
                audit_log.record_case_action(conn, audit, action=action, case_id=case_id,
                                             code=row.code, ok=True, at=now)
            return state
    except Exception as error:
        if audit is not None:
            audit_failure(engine_or_conn, audit, action, case_id, error, now)
        raise


def _check_applies(row, action: str) -> None:
    allowed = followup_actions(row.case_class, row.status)
    if action in allowed:
        return
    values = dict(case_id=row.id, code=row.code, action=action, status=row.status,
                  allowed=allowed)
    if action == "mediate" and row.case_class != schema.DISPUTE:
        raise NotADispute(f"case {row.code} is a {row.case_class or 'case of no class'}, not "
                          "a dispute: only disputes are mediated",
                          case_class=row.case_class, **values)
    where = MEDIATION_STATUSES if action == "mediate" else VISIT_STATUSES
    raise IllegalTransition(f"case {row.code} is {row.status}: {action} applies only to cases "
                            f"that are {', '.join(where)}", **values)


def _bad_builder(row, action: str):
    def bad(parameter: str, value: Any, problem: str, why: str) -> InvalidParameter:
        return InvalidParameter(
            f"case {row.code}: {action} parameter {parameter}={value!r}: {why}",
            case_id=row.id, action=action, parameter=parameter, value=value, problem=problem)
    return bad


def _text(bad, name: str, value: Any, limit: int) -> str | None:
    """Free text: None for missing or blank, refused when not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(name, value, "not_text", "must be text")
    value = value.strip()
    if len(value) > limit:
        raise bad(name, value[:40], "too_long", f"at most {limit} characters")
    return value or None


def _choice(bad, name: str, value: Any, choices: tuple[str, ...], problem: str,
            required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise bad(name, value, "required", f"needs {name}")
        return None
    if value not in choices:
        raise bad(name, value, problem, f"must be one of {', '.join(choices)}")
    return value


def _mediate(conn: Connection, row, params: dict, now: datetime, bad):
    outcome = _choice(bad, "outcome", params["outcome"], schema.MEDIATION_OUTCOMES,
                      "unknown_mediation_outcome", True)
    kind = _choice(bad, "kind", params["kind"], schema.MEDIATION_KINDS,
                   "unknown_mediation_kind", False)
    officer_id = params["officer_id"]
    if officer_id is not None:
        if not isinstance(officer_id, int) or isinstance(officer_id, bool):
            raise bad("officer_id", officer_id, "not_an_id", "must be an integer id")
        if conn.scalar(select(Officer.id).where(Officer.id == officer_id)) is None:
            raise bad("officer_id", officer_id, "unknown_officer", "no officer has this id")
    mediator = _text(bad, "mediator", params["mediator"], MEDIATOR_MAX)
    if officer_id is None and mediator is None:
        raise bad("mediator", params["mediator"], "required",
                  "name the mediator: an officer or a name")
    note = _text(bad, "note", params["note"], NOTE_MAX)
    values: dict[str, Any] = {}
    if row.mediated_at is None or row.mediated_at <= now:  # this one is the latest
        values = {"mediation_outcome": outcome, "mediated_at": now}
    events = [("mediate", row.status, row.status, note)]
    record = (Mediation, {"outcome": outcome, "kind": kind, "officer_id": officer_id,
                          "mediator": mediator, "note": note})
    return values, events, record


def _visit(conn: Connection, row, params: dict, now: datetime, bad):
    satisfaction = _choice(bad, "satisfaction", params["satisfaction"], schema.VISIT_RESULTS,
                           "unknown_visit_result", True)
    channel = _choice(bad, "channel", params["channel"], schema.VISIT_CHANNELS,
                      "unknown_visit_channel", False)
    note = _text(bad, "note", params["note"], NOTE_MAX)
    reopen = params["reopen"]
    if not isinstance(reopen, bool):
        raise bad("reopen", reopen, "not_a_choice", "must be true or false")
    if reopen and satisfaction != schema.DISSATISFIED:
        raise bad("reopen", reopen, "reopen_needs_dissatisfied",
                  "only a dissatisfied visit may reopen the case")
    if params["due_at"] is not None and not reopen:
        raise bad("due_at", params["due_at"], "only_with_reopen",
                  "a deadline is given only to a reopened case")
    values: dict[str, Any] = {}
    if satisfaction != schema.UNREACHED:
        values["satisfaction"] = satisfaction
    events = [("visit", row.status, row.status, note)]
    if reopen:
        values.update(status=schema.DISPATCHED, resolved_at=None, resolved_level=None,
                      closed_at=None, due_at=_reopen_deadline(conn, row, params["due_at"],
                                                              now, bad))
        events.append(("rework", row.status, schema.DISPATCHED,
                       f"{REOPEN_NOTE}；{note}" if note else REOPEN_NOTE))
    record = (ReturnVisit, {"satisfaction": satisfaction, "channel": channel, "note": note,
                            "reopened": reopen})
    return values, events, record


def _reopen_deadline(conn: Connection, row, due_at: Any, now: datetime, bad) -> datetime:
    """The given deadline (after now), else the category's time limit from now."""
    if due_at is not None:
        if not isinstance(due_at, datetime):
            raise bad("due_at", due_at, "not_a_datetime", "must be a datetime")
        moment = store.naive_utc(due_at)
        if moment <= now:
            raise bad("due_at", due_at, "not_after_now", f"must lie after now ({now})")
        return moment
    category = conn.execute(select(*LIMIT_COLUMNS)
                            .where(Category.subcategory == row.subcategory)).first()
    if category is None:
        raise bad("due_at", None, "no_time_limit",
                  f"subcategory {row.subcategory!r} has no time limit in the category "
                  "table; give a deadline")
    return deadline(now, *limit_for(category, row.urgent), store.deployment_timezone(conn),
                    work_calendar(conn))


def _write(conn: Connection, row, expected_version: int, now: datetime, values: dict,
           events: list[tuple], actor: str) -> CaseState:
    """The case's columns and version (only if still at ``expected_version``), its history
    and the data version."""
    status = values.get("status", row.status)
    changed = conn.execute(update(Case).where(Case.id == row.id,
                                              Case.version == expected_version)
                           .values(**values, version=row.version + 1, updated_at=now)).rowcount
    if changed != 1:
        current = conn.execute(select(*_CASE_COLUMNS).where(Case.id == row.id)).first()
        if current is None:
            raise CaseNotFound(f"case {row.id} does not exist", case_id=row.id)
        raise _changed(current, expected_version)
    conn.execute(insert(CaseEvent), [
        {"case_id": row.id, "action": action, "from_status": before, "to_status": after,
         "actor": actor, "note": note, "at": now} for action, before, after, note in events])
    store.bump_data_version(conn)
    return CaseState(id=row.id, code=row.code, status=status, version=row.version + 1,
                     department_id=row.department_id, officer_id=row.officer_id,
                     due_at=values.get("due_at", row.due_at))


def _changed(row, expected_version: int) -> CaseChanged:
    return CaseChanged(
        f"case {row.code} changed in the meantime: it is now version {row.version} "
        f"({row.status}), not version {expected_version}",
        case_id=row.id, code=row.code, expected_version=expected_version,
        version=row.version, status=row.status)


# --- reading ------------------------------------------------------------------------------

def records_of(conn: Connection, case_id: int) -> dict[str, list[dict]]:
    """A case's mediations and return visits, oldest first (times naive UTC).

    ``mediations``: id, at, outcome, kind, officer_id, officer (the officer's name),
    officer_code, mediator, note, actor, origin. ``visits``: id, at, satisfaction, channel,
    note, actor, reopened, origin. Empty lists for a case with none (or no such case)."""
    mediations = conn.execute(
        select(Mediation.id, Mediation.at, Mediation.outcome, Mediation.kind,
               Mediation.officer_id, Officer.name.label("officer"),
               Officer.code.label("officer_code"), Mediation.mediator, Mediation.note,
               Mediation.actor, Mediation.origin)
        .outerjoin(Officer, Officer.id == Mediation.officer_id)
        .where(Mediation.case_id == case_id).order_by(Mediation.at, Mediation.id)
    ).mappings().all()
    visits = conn.execute(
        select(ReturnVisit.id, ReturnVisit.at, ReturnVisit.satisfaction, ReturnVisit.channel,
               ReturnVisit.note, ReturnVisit.actor, ReturnVisit.reopened, ReturnVisit.origin)
        .where(ReturnVisit.case_id == case_id).order_by(ReturnVisit.at, ReturnVisit.id)
    ).mappings().all()
    return {"mediations": [dict(m) for m in mediations],
            "visits": [{**dict(v), "reopened": bool(v["reopened"])} for v in visits]}


def mediators_for(conn: Connection, case_id: int) -> list[dict]:
    """The officers who serve the case's region (a grid they serve, or a community or town
    above it): ``officer_regions`` rows, else the officer's own ``region_id``; officers the
    roster marks as left are not offered. Sorted by name; id, code, name. Empty for an
    unlocated case or an id no case has."""
    region_id = conn.scalar(select(Case.region_id).where(Case.id == case_id))
    if region_id is None:
        return []
    above = select(RegionAncestor.ancestor_id).where(RegionAncestor.descendant_id == region_id)
    listed = select(OfficerRegion.officer_id)
    serving = or_(
        Officer.id.in_(select(OfficerRegion.officer_id)
                       .where(OfficerRegion.region_id.in_(above))),
        and_(Officer.id.not_in(listed), Officer.region_id.in_(above)),
    )
    rows = conn.execute(
        select(Officer.id, Officer.code, Officer.name)
        .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id)
        .where(serving, or_(OfficerRoster.active.is_(None), OfficerRoster.active.is_(True)))
        .order_by(Officer.name, Officer.id)).all()
    return [{"id": int(i), "code": code, "name": name} for i, code, name in rows]


def followup_facts(conn: Connection, case_id: int) -> dict | None:
    """What the console offers the follow-up steps by: the case's ``code``, ``status``,
    ``version``, ``case_class``, ``region_id`` and its ``steps``
    (:func:`followup_actions`), as the store has them now; None for an id no case has."""
    row = conn.execute(select(Case.code, Case.status, Case.version, Case.case_class,
                              Case.region_id).where(Case.id == case_id)).first()
    if row is None:
        return None
    return {"code": row.code, "status": row.status, "version": int(row.version),
            "case_class": row.case_class, "region_id": row.region_id,
            "steps": followup_actions(row.case_class, row.status)}
