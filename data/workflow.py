"""The standard case workflow (GB/T 30428 family) as a state machine over the store.

A commander's action on a case goes through :func:`apply`: it checks the action is legal
from the case's status and its parameters make sense, then, in one transaction, updates the
case only if nobody else changed it since the commander looked (``WHERE version =
expected``), appends the step to the case's history (``case_events``) and marks the data as
changed (:func:`data.store.bump_data_version`). Either all three are written or nothing is
(and, when told who acts and from where, the action's audit row: :mod:`data.audit`).

The transition table (:data:`TRANSITIONS`) is data, so the console can ask
:func:`allowed_actions` which buttons to offer:

============  ============================  ==============  ===============================
action        from                          to              parameters (* required)
============  ============================  ==============  ===============================
file 立案      reported                      filed           –
void 作废      reported, filed               voided          reason*
dispatch 派遣  filed                         dispatched      department_id*, officer_id,
                                                            due_at
return 回退    dispatched                    filed           reason*
postpone 延期  dispatched                    dispatched      due_at*, reason*
resolve 处置   dispatched                    resolved        resolved_level*
close 结案     resolved                      closed          –
rework 返工    resolved                      dispatched      reason*
suspend 挂账   filed, dispatched             suspended       reason*
resume 恢复    suspended                     (as before)     due_at
urge 督办      reported, filed, dispatched,  (unchanged)     note*
              resolved, suspended
============  ============================  ==============  ===============================

Decisions on the edge cases, deliberately:

* ``closed`` and ``voided`` are final: no workflow action applies to them (not even
  urge). A case closed by mistake is a new case, as in the standard's "one case, one code,
  one life". The one way back is a return visit (回访, :func:`data.field.followup.visit`):
  after a 不满意 answer the commander may reopen the case, which goes closed → dispatched
  as a ``rework`` event noted as coming from the visit.
* Every successful action, urge included, bumps the case's ``version``: any write means
  "the case changed in the meantime" for a commander holding an older view.
* The version is checked before the status: a commander whose view is stale is told the
  case changed (:class:`CaseChanged`), not that their action is illegal for a status they
  never saw.
* ``dispatch`` sets ``department_id``, ``dispatched_at`` (the clock starts, so a re-dispatch
  after a return restarts it) and ``due_at``: the given one, else the case's category time
  limit counted from now (:func:`data.deadlines.deadline`). A case whose subcategory has no
  row in the category table must be given ``due_at``: a dispatched case without a deadline
  could never be overdue. ``officer_id`` is set when given and left as it was when not.
  A given ``due_at`` must lie after now.
* ``return`` sends the case back to the centre for re-dispatch: ``department_id``,
  ``officer_id``, ``dispatched_at`` and ``due_at`` are cleared (the deadline belonged to the
  wrong department; a returned case waiting at the centre is not overdue). The ``return``
  event keeps the history, which the metrics count.
* ``postpone`` needs a new deadline later than the current one and later than now.
* ``rework`` (verification failed) goes back to the same department and officer with the
  same deadline; ``resolved_at`` and ``resolved_level`` are cleared.
* ``resume`` returns a suspended case to the status it had before its latest ``suspend``
  event; a case imported as suspended, with no such event, resumes as ``dispatched`` if it
  has a ``dispatched_at`` and as ``filed`` otherwise. An optional ``due_at`` (after now) sets
  a new deadline, since a season's wait usually outlives the old one.
* Actions that need a reason take ``reason=``; when it is missing, ``note`` serves as the
  reason (the console may have one text box). The event's note is the reason, followed by
  the note when both are given. ``urge`` needs ``note``.
* ``close`` and ``file`` take no parameters; an unknown parameter for an action is refused
  (:class:`InvalidParameter`), so a misspelt keyword cannot be silently ignored.
* Times (``now``, ``due_at``) are naive UTC as the store keeps them; an aware datetime is
  converted to UTC rather than misread.
* ``report`` (creating a case), ``import``, ``mediate``, ``visit`` and ``rate`` are history
  actions of other parts of the system, not workflow steps: :func:`apply` refuses them
  (mediations and return visits are :mod:`data.field.followup`'s, with the same version
  check and the same errors).

Errors all derive from :class:`WorkflowError`, carrying a stable ``key`` and a ``values``
dict for the interface to word in Chinese or English; ``str()`` is English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from data import audit as audit_log
from data import schema, store
from data.deadlines import LIMIT_COLUMNS, deadline, limit_for
from data.field.roster import is_active
from data.holidays import work_calendar
from data.models import Case, CaseEvent, Category, Department, Officer

# --- errors ---------------------------------------------------------------------------------


class WorkflowError(Exception):
    """A workflow action was refused; nothing was written.

    Attributes
    ----------
    key : str
        A stable code the interface words in the user's language: ``case_not_found``,
        ``case_changed``, ``illegal_transition`` or ``invalid_parameter``.
    values : dict
        What the message needs: the case id, statuses, the parameter and its value, ...
    """

    key = "workflow_error"

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.values: dict[str, Any] = values


class CaseNotFound(WorkflowError):
    """No case has this id. ``values``: ``case_id``."""

    key = "case_not_found"


class CaseChanged(WorkflowError):
    """Someone else acted on the case since the commander read it.

    ``values``: ``case_id``, ``code``, ``expected_version``, ``version`` (current),
    ``status`` (current).
    """

    key = "case_changed"


class IllegalTransition(WorkflowError):
    """The action is not allowed from the case's status.

    ``values``: ``case_id``, ``code``, ``action``, ``status``, ``allowed`` (list of actions).
    """

    key = "illegal_transition"


class InvalidParameter(WorkflowError):
    """A parameter is missing, unknown or wrong.

    ``values``: ``case_id``, ``action``, ``parameter``, ``value`` and ``problem``, a stable
    code of why: ``required``, ``unknown_parameter``, ``unknown_action``,
    ``unknown_department``, ``unknown_officer``, ``inactive_officer`` (an officer the roster
    no longer lists: :mod:`data.field.roster`), ``not_an_id``, ``unknown_resolved_level``,
    ``not_a_datetime``, ``not_after_now``, ``not_after_current_deadline``, ``no_time_limit``
    (a required parameter given as ``None`` or blank text is ``required`` too).
    """

    key = "invalid_parameter"


# --- the transition table -----------------------------------------------------------------

#: "to-status" of an action that leaves the status as it is.
SAME = "same"
#: "to-status" of resume: the status before the latest suspension.
PREVIOUS = "previous"


@dataclass(frozen=True)
class Transition:
    """One action of the workflow: where it may start, where it leads, what it needs."""

    action: str
    sources: tuple[str, ...]
    target: str  # a status, SAME or PREVIOUS
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    time_column: str | None = None  # the case's column dated by this step


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("file", (schema.REPORTED,), schema.FILED, time_column="filed_at"),
    Transition("void", (schema.REPORTED, schema.FILED), schema.VOIDED, ("reason",),
               time_column="voided_at"),
    Transition("dispatch", (schema.FILED,), schema.DISPATCHED, ("department_id",),
               ("officer_id", "due_at"), time_column="dispatched_at"),
    Transition("return", (schema.DISPATCHED,), schema.FILED, ("reason",)),
    Transition("postpone", (schema.DISPATCHED,), SAME, ("due_at", "reason")),
    Transition("resolve", (schema.DISPATCHED,), schema.RESOLVED, ("resolved_level",),
               time_column="resolved_at"),
    Transition("close", (schema.RESOLVED,), schema.CLOSED, time_column="closed_at"),
    Transition("rework", (schema.RESOLVED,), schema.DISPATCHED, ("reason",)),
    Transition("suspend", (schema.FILED, schema.DISPATCHED), schema.SUSPENDED, ("reason",)),
    Transition("resume", (schema.SUSPENDED,), PREVIOUS, (), ("due_at",)),
    Transition("urge", schema.OPEN_STATUSES, SAME, ("note",)),
)}

#: Parameters every action accepts besides its own.
_COMMON = ("note",)


def allowed_actions(status: str) -> list[str]:
    """The workflow actions a case in ``status`` may take, in the table's order.

    An unknown status, and the final ones (closed, voided), allow nothing.
    """
    return [a for a, t in TRANSITIONS.items() if status in t.sources]


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseState:
    """A case as it stands after an action: enough for the console to refresh its row."""

    id: int
    code: str
    status: str
    version: int
    department_id: int | None
    officer_id: int | None
    due_at: datetime | None


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one case of :func:`apply_many`: a new state, or the error."""

    case_id: int
    state: CaseState | None = None
    error: WorkflowError | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a case's history, as :func:`history` reads it."""

    id: int
    action: str
    from_status: str | None
    to_status: str | None
    actor: str | None
    note: str | None
    at: datetime


def history(engine_or_conn: Engine | Connection, case_id: int) -> list[HistoryEntry]:
    """A case's history, oldest first (the order it was written in for equal times).

    Raises :class:`CaseNotFound` for an id no case has (an existing case with no history
    gives an empty list).
    """
    with store.transaction(engine_or_conn) as conn:
        if conn.scalar(select(Case.id).where(Case.id == case_id)) is None:
            raise CaseNotFound(f"case {case_id} does not exist", case_id=case_id)
        return [HistoryEntry(*row) for row in conn.execute(
            select(CaseEvent.id, CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status,
                   CaseEvent.actor, CaseEvent.note, CaseEvent.at)
            .where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id))]


# --- applying an action -------------------------------------------------------------------

_CASE_COLUMNS = (Case.id, Case.code, Case.status, Case.version, Case.department_id,
                 Case.officer_id, Case.due_at, Case.subcategory, Case.dispatched_at,
                 Case.urgent)


def apply(engine_or_conn: Engine | Connection, case_id: int, action: str, *, actor: str,
          expected_version: int, now: datetime | None = None, note: str | None = None,
          audit: audit_log.Who | None = None, **params: Any) -> CaseState:
    """Apply a workflow ``action`` to a case, in one transaction, if nobody changed it.

    Parameters
    ----------
    engine_or_conn
        The store; a connection already in a transaction is used as it is (the caller
        commits), an engine gets a transaction of its own.
    case_id
        The case's id.
    action
        One of :data:`TRANSITIONS` (``file``, ``void``, ``dispatch``, ...).
    actor
        Who acts (a commander's name or account), written into the history.
    expected_version
        The case's ``version`` as the commander saw it; the write happens only if it is
        still the current one.
    now
        When the action happens (naive UTC; default: now).
    note
        A free note for the history (serves as the reason when ``reason`` is not given).
    audit
        Who acts and from where, for the audit log: the ``case_action`` row of a success
        is written in the same transaction as the case, so both are kept or neither; a
        refused or failed action gets a ``failed`` row (with the error's key) of its own.
    **params
        The action's parameters: ``reason``, ``department_id``, ``officer_id``, ``due_at``
        (naive UTC; an aware datetime is converted), ``resolved_level``.

    Returns
    -------
    CaseState
        The case after the action.

    Raises
    ------
    CaseNotFound, CaseChanged, IllegalTransition, InvalidParameter
        Nothing is written in any of these cases.
    """
    now = store.naive_utc(now)
    try:
        with store.transaction(engine_or_conn) as conn:
            state = _apply(conn, case_id, action, actor=actor,
                           expected_version=expected_version, now=now, note=note,
                           params=params)
            if audit is not None:
                audit_log.record_case_action(conn, audit, action=action, case_id=case_id,
                                             code=state.code, ok=True, at=now)
            return state
    except Exception as error:
        if audit is not None:
            audit_failure(engine_or_conn, audit, action, case_id, error, now)
        raise


def audit_failure(engine_or_conn: Engine | Connection, audit: audit_log.Who, action: str,
                  case_id: Any, error: Exception, now: datetime,
                  detail: Mapping[str, Any] | None = None) -> None:
    """The ``failed`` audit row of an action whose transaction was rolled back (or, given
    a caller's connection, that wrote nothing): a refusal has its key, anything else its
    type. Never hides the error itself: a store that cannot take the row is let be."""
    workflow_error = isinstance(error, WorkflowError)
    if not workflow_error and isinstance(engine_or_conn, Connection):
        return  # the caller's transaction is failing: it cannot hold the row
    why = error.key if workflow_error else type(error).__name__
    code = getattr(error, "values", {}).get("code") if workflow_error else None
    try:
        audit_log.record_case_action(engine_or_conn, audit, action=action, case_id=case_id,
                                     code=code, ok=False, why=why, at=now, detail=detail)
    except SQLAlchemyError:
        pass


def apply_many(engine: Engine, items: Iterable[Sequence[Any]], action: str, *, actor: str,
               now: datetime | None = None, note: str | None = None,
               audit: audit_log.Who | None = None, **params: Any) -> list[BatchResult]:
    """Apply one action to several cases (batch dispatch), each in its own transaction.

    Not all-or-nothing, on purpose: a commander dispatching forty cases at once should
    not see thirty-nine wait because a colleague touched the fortieth a second earlier.
    Each case succeeds or fails on its own, exactly as :func:`apply` would, and the
    result says which; a refused case has nothing written, the others are committed.

    Parameters
    ----------
    engine
        The store (an engine: each case needs a transaction of its own).
    items
        ``(case_id, expected_version)`` pairs, or ``(case_id, expected_version, overrides)``
        where ``overrides`` is a dict of parameters for that case only (e.g. the department
        :func:`data.dispatch.suggest_many` suggested for it), taking precedence over
        ``params``.
    action, actor, now, note, audit, **params
        As for :func:`apply`, shared by every case (one audit row per case).

    Returns
    -------
    list of BatchResult
        One per item, in the order given.
    """
    if isinstance(engine, Connection):
        raise TypeError("apply_many needs an Engine: each case is its own transaction")
    now = store.naive_utc(now)
    results: list[BatchResult] = []
    for item in items:
        case_id, expected_version, *rest = item
        overrides: Mapping[str, Any] = rest[0] if rest else {}
        try:
            state = apply(engine, case_id, action, actor=actor,
                          expected_version=expected_version, now=now, note=note,
                          audit=audit, **{**params, **overrides})
        except WorkflowError as error:
            results.append(BatchResult(case_id, None, error))
        else:
            results.append(BatchResult(case_id, state, None))
    return results


def _apply(conn: Connection, case_id: int, action: str, *, actor: str, expected_version: int,
           now: datetime, note: str | None, params: dict[str, Any]) -> CaseState:
    row = conn.execute(select(*_CASE_COLUMNS).where(Case.id == case_id)).first()
    if row is None:
        raise CaseNotFound(f"case {case_id} does not exist", case_id=case_id)
    if row.version != expected_version:
        raise _changed(row, expected_version)

    def bad(parameter: str, value: Any, problem: str, why: str) -> InvalidParameter:
        return InvalidParameter(
            f"case {row.code}: {action} parameter {parameter}={value!r}: {why}",
            case_id=case_id, action=action, parameter=parameter, value=value, problem=problem)

    transition = TRANSITIONS.get(action)
    if transition is None:
        raise bad("action", action, "unknown_action",
                  f"not a workflow action (one of {', '.join(TRANSITIONS)})")
    if row.status not in transition.sources:
        allowed = allowed_actions(row.status)
        raise IllegalTransition(
            f"case {row.code} is {row.status}: {action} is not allowed from {row.status} "
            f"(allowed: {', '.join(allowed) or 'nothing, the case is final'})",
            case_id=case_id, code=row.code, action=action, status=row.status, allowed=allowed)

    if not isinstance(actor, str) or not actor.strip():
        raise bad("actor", actor, "required", "who acts must be named")
    known = {*transition.required, *transition.optional, *_COMMON}
    for name in params:
        if name not in known:
            raise bad(name, params[name], "unknown_parameter",
                      f"{action} takes {', '.join(sorted(known))}")
    reason = params.get("reason")
    if reason is None and "reason" in transition.required:
        reason = note
    for name in transition.required:
        value = note if name == "note" else (reason if name == "reason" else params.get(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            raise bad(name, value, "required", f"{action} needs {name}")

    values: dict[str, Any] = {}
    if transition.time_column:
        values[transition.time_column] = now
    prepare = _PREPARE.get(action)
    if prepare is not None:
        values.update(prepare(conn, row, params, now, bad))
    to_status = values.pop("status", None) or (
        row.status if transition.target == SAME else transition.target)

    values.update(status=to_status, version=row.version + 1, updated_at=now)
    changed = conn.execute(update(Case).where(Case.id == case_id,
                                              Case.version == expected_version)
                           .values(**values)).rowcount
    if changed != 1:
        current = conn.execute(select(*_CASE_COLUMNS).where(Case.id == case_id)).first()
        if current is None:
            raise CaseNotFound(f"case {case_id} does not exist", case_id=case_id)
        raise _changed(current, expected_version)
    conn.execute(insert(CaseEvent).values(
        case_id=case_id, action=action, from_status=row.status, to_status=to_status,
        actor=actor, note=_event_note(reason, note), at=now))
    store.bump_data_version(conn)
    return CaseState(
        id=case_id, code=row.code, status=to_status, version=row.version + 1,
        department_id=values.get("department_id", row.department_id),
        officer_id=values.get("officer_id", row.officer_id),
        due_at=values.get("due_at", row.due_at))


# --- what each action writes besides its status and time ------------------------------------
# Each takes (conn, case row, params, now, bad) and returns the columns to write; ``bad``
# builds the InvalidParameter for this case and action.

def _prepare_dispatch(conn, row, params, now, bad) -> dict[str, Any]:
    department_id = params["department_id"]
    _check_id(bad, "department_id", department_id)
    if conn.scalar(select(Department.id).where(Department.id == department_id)) is None:
        raise bad("department_id", department_id, "unknown_department",
                  "no department has this id")
    values: dict[str, Any] = {"department_id": department_id}
    officer_id = params.get("officer_id")
    if officer_id is not None:
        _check_id(bad, "officer_id", officer_id)
        if conn.scalar(select(Officer.id).where(Officer.id == officer_id)) is None:
            raise bad("officer_id", officer_id, "unknown_officer", "no officer has this id")
        if not is_active(conn, officer_id):
            raise bad("officer_id", officer_id, "inactive_officer",
                      "this officer has left (the roster no longer lists them)")
        values["officer_id"] = officer_id
    if params.get("due_at") is not None:
        values["due_at"] = _check_future(bad, "due_at", params["due_at"], now)
        return values
    category = conn.execute(select(*LIMIT_COLUMNS)
                            .where(Category.subcategory == row.subcategory)).first()
    if category is None:
        raise bad("due_at", None, "no_time_limit",
                  f"subcategory {row.subcategory!r} has no time limit in the category "
                  "table; give a deadline")
    values["due_at"] = deadline(now, *limit_for(category, row.urgent),
                                store.deployment_timezone(conn), work_calendar(conn))
    return values


def _prepare_return(conn, row, params, now, bad) -> dict[str, Any]:
    return {"department_id": None, "officer_id": None, "dispatched_at": None, "due_at": None}


def _prepare_postpone(conn, row, params, now, bad) -> dict[str, Any]:
    due_at = _check_future(bad, "due_at", params["due_at"], now)
    if row.due_at is not None and due_at <= row.due_at:
        raise bad("due_at", params["due_at"], "not_after_current_deadline",
                  f"the new deadline must be later than the current one ({row.due_at})")
    return {"due_at": due_at}


def _prepare_resolve(conn, row, params, now, bad) -> dict[str, Any]:
    level = params["resolved_level"]
    if level not in schema.RESOLVED_LEVELS:
        raise bad("resolved_level", level, "unknown_resolved_level",
                  f"must be one of {', '.join(schema.RESOLVED_LEVELS)}")
    return {"resolved_level": level}


def _prepare_rework(conn, row, params, now, bad) -> dict[str, Any]:
    return {"resolved_at": None, "resolved_level": None}


def _prepare_resume(conn, row, params, now, bad) -> dict[str, Any]:
    values: dict[str, Any] = {"status": _status_before_suspension(conn, row.id,
                                                                  row.dispatched_at)}
    if params.get("due_at") is not None:
        values["due_at"] = _check_future(bad, "due_at", params["due_at"], now)
    return values


_PREPARE = {"dispatch": _prepare_dispatch, "return": _prepare_return,
            "postpone": _prepare_postpone, "resolve": _prepare_resolve,
            "rework": _prepare_rework, "resume": _prepare_resume}


def _changed(row: Any, expected_version: int) -> CaseChanged:
    return CaseChanged(
        f"case {row.code} changed in the meantime: it is now version {row.version} "
        f"({row.status}), not version {expected_version}",
        case_id=row.id, code=row.code, expected_version=expected_version,
        version=row.version, status=row.status)


def _check_id(bad, name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad(name, value, "not_an_id", "must be an integer id")


def _check_future(bad, name: str, value: Any, now: datetime) -> datetime:
    """A deadline as naive UTC (an aware one converted), refused unless after now."""
    if not isinstance(value, datetime):
        raise bad(name, value, "not_a_datetime", "must be a datetime (naive UTC, or aware)")
    moment = store.naive_utc(value)
    if moment <= now:
        raise bad(name, value, "not_after_now", f"must lie after now ({now})")
    return moment


def _event_note(reason: str | None, note: str | None) -> str | None:
    if reason and note and note != reason:
        return f"{reason}；{note}"
    return reason or note


def _status_before_suspension(conn: Connection, case_id: int,
                              dispatched_at: datetime | None) -> str:
    before = conn.scalar(
        select(CaseEvent.from_status)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == "suspend")
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1))
    if before in (schema.FILED, schema.DISPATCHED):
        return before
    return schema.DISPATCHED if dispatched_at is not None else schema.FILED
