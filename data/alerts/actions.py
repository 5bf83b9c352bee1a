"""People's actions on an alert, with the same shape and checks as the case workflow's
(:mod:`data.workflow`): an expected version, a named actor, one transaction, the audit row
in it, and refusals that carry a stable key and values for the interface to word.

=============  ==============================  ============  ===========================
action         from                            to            parameters (* required)
=============  ==============================  ============  ===========================
acknowledge    new                             acknowledged  –
assign         new, acknowledged               assigned      service_code, description
close          new, acknowledged, assigned     closed        note*
=============  ==============================  ============  ===========================

Decisions, deliberately:

* The version is checked before the state (:class:`AlertChanged`, as
  :class:`~data.workflow.CaseChanged`): a commander whose view is stale is told the alert
  changed. The system moves the version too when it closes, reopens or re-levels an alert.
* ``assign`` makes a supervision case (督办) through the normal intake
  (:func:`data.intake.create.create_case`, the hotline desk's door, source ``other``),
  filed at the alert's region, and files it (:func:`data.workflow.apply`), all in the
  alert's transaction: the alert points at the case (``assigned_case_id``), and the case
  goes through the workflow like any other. Its category is ``service_code`` when given,
  else that of the subcategory most of the alert's cases have; an alert with no region,
  or no category to go by, is refused (``invalid_parameter``) with nothing written. Its
  description is the caller's (the console words the alert's explanation) or, by
  default, the alert's number, rule and the codes of its cases. Assigning a new alert
  acknowledges it too.
* ``close`` needs a note: a person closing an alert says why. An alert a person closed
  stays closed while its condition keeps being found (:mod:`data.alerts.book`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from data import audit as audit_log
from data import store
from data import workflow
from data.alerts.book import (ACKNOWLEDGED, ALERTS_VERSION, ASSIGNED, CLOSED, NEW,
                              OPEN_STATES, lock)
from data.intake.create import Door, create_case
from data.intake.fields import parse_new_case
from data.models import Alert, AlertCase, Case, Category, Region
from data.schema import DESK

#: action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((NEW,), ACKNOWLEDGED),
    "assign": ((NEW, ACKNOWLEDGED), ASSIGNED),
    "close": (OPEN_STATES, CLOSED),
}
#: The most case codes a supervision case's default description names.
DESCRIBED_CASES = 20


class AlertNotFound(workflow.WorkflowError):
    """No alert has this id. ``values``: ``alert_id``."""

    key = "alert_not_found"


class AlertChanged(workflow.WorkflowError):
    """Someone (or the system) changed the alert since it was read. ``values``:
    ``alert_id``, ``expected_version``, ``version`` and ``state`` (current)."""

    key = "alert_changed"


class IllegalAlertAction(workflow.WorkflowError):
    """The action is not possible from the alert's state. ``values``: ``alert_id``,
    ``action``, ``state``."""

    key = "alert_illegal_action"


class InvalidAlertParameter(workflow.WorkflowError):
    """A parameter is missing or wrong. ``values``: ``alert_id``, ``action``,
    ``parameter``, ``value``, ``problem`` (``required``, ``no_region``,
    ``no_category``, ``unknown_service``)."""

    key = "alert_invalid_parameter"


@dataclass(frozen=True)
class AlertState:
    """An alert after an action: enough for the console to refresh its row."""

    id: int
    state: str
    version: int
    assigned_case_id: int | None = None
    assigned_case_code: str | None = None


_COLUMNS = (Alert.id, Alert.rule, Alert.key, Alert.state, Alert.version, Alert.region_id,
            Alert.acknowledged_by, Alert.assigned_case_id)


def acknowledge(engine: Engine | Connection, alert_id: int, *, actor: str,
                expected_version: int, now: datetime | None = None,
                audit: audit_log.Who | None = None) -> AlertState:
    """A person has seen the alert: state ``acknowledged``, by ``actor`` at ``now``."""
    def values(conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
        return {"acknowledged_by": actor, "acknowledged_at": now}

    return _act(engine, alert_id, "acknowledge", actor, expected_version, now, audit, values)


def close(engine: Engine | Connection, alert_id: int, *, actor: str, expected_version: int,
          note: str | None, now: datetime | None = None,
          audit: audit_log.Who | None = None) -> AlertState:
    """A person closes the alert, saying why (``note``, required)."""
    def values(conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
        if note is None or not str(note).strip():
            raise _bad(row.id, "close", "note", note, "required", "a note is required")
        return {"closed_at": now, "closed_by": actor, "close_note": str(note).strip()}

    return _act(engine, alert_id, "close", actor, expected_version, now, audit, values)


def assign(engine: Engine | Connection, alert_id: int, *, actor: str, expected_version: int,
           service_code: str | None = None, description: str | None = None,
           now: datetime | None = None, audit: audit_log.Who | None = None) -> AlertState:
    """Assign the alert as a supervision case (see the module): the case is made and
    filed, and the alert is ``assigned`` to it, in one transaction."""
    made: dict[str, Any] = {}

    def values(conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
        region_code = conn.scalar(select(Region.code).where(Region.id == row.region_id)) \
            if row.region_id is not None else None
        if region_code is None:
            raise _bad(row.id, "assign", "region_id", row.region_id, "no_region",
                       "the alert has no region to file a case in")
        code = service_code or usual_category(conn, row.id)
        if code is None:
            raise _bad(row.id, "assign", "service_code", service_code, "no_category",
                       "the alert's cases name no category of the table: give service_code")
        if conn.scalar(select(Category.id).where(Category.code == code)) is None:
            raise _bad(row.id, "assign", "service_code", code, "unknown_service",
                       "no category has this code")
        text = description or _default_description(conn, row)
        new = parse_new_case({"service_code": code, "description": text,
                              "region_code": region_code, "reporter_name": actor})
        created = create_case(conn, new, Door(kind=DESK, source="other", actor=actor,
                                              user_name=actor), now, audit=audit)
        workflow.apply(conn, created.case_id, "file", actor=actor, expected_version=1,
                       now=now, note=f"预警 #{row.id} 督办", audit=audit)
        made.update(case_id=created.case_id, code=created.code)
        out = {"assigned_case_id": created.case_id}
        if row.acknowledged_by is None:
            out.update(acknowledged_by=actor, acknowledged_at=now)
        return out

    state = _act(engine, alert_id, "assign", actor, expected_version, now, audit, values)
    return AlertState(state.id, state.state, state.version, made["case_id"], made["code"])


# --- the one shape every action has ----------------------------------------------------------

def _bad(alert_id: int, action: str, parameter: str, value: Any, problem: str,
         why: str) -> InvalidAlertParameter:
    return InvalidAlertParameter(f"alert {alert_id}: {action} {parameter}={value!r}: {why}",
                                 alert_id=alert_id, action=action, parameter=parameter,
                                 value=value, problem=problem)


def _act(engine: Engine | Connection, alert_id: int, action: str, actor: str,
         expected_version: int, now: datetime | None, audit: audit_log.Who | None,
         values: Callable[[Connection, Any, datetime], dict[str, Any]]) -> AlertState:
    now = store.naive_utc(now)
    try:
        with store.transaction(engine) as conn:
            lock(conn)  # a refresh writing at once reads the alert after this action
            row = conn.execute(select(*_COLUMNS).where(Alert.id == alert_id)).first()
            if row is None:
                raise AlertNotFound(f"alert {alert_id} does not exist", alert_id=alert_id)
            if row.version != expected_version:
                raise _changed(row, expected_version)
            sources, target = TRANSITIONS[action]
            if row.state not in sources:
                raise IllegalAlertAction(
                    f"alert {alert_id} is {row.state}: {action} is not possible",
                    alert_id=alert_id, action=action, state=row.state)
            if not isinstance(actor, str) or not actor.strip():
                raise _bad(alert_id, action, "actor", actor, "required",
                           "who acts must be named")
            changes = values(conn, row, now)
            changed = conn.execute(update(Alert).where(
                Alert.id == alert_id, Alert.version == expected_version).values(
                state=target, version=row.version + 1, **changes)).rowcount
            if changed != 1:
                current = conn.execute(select(*_COLUMNS).where(Alert.id == alert_id)).first()
                raise _changed(current, expected_version)
            if audit is not None:
                audit_log.record(conn, audit_log.ALERT_ACTION, audit, target=row.key,
                                 result=audit_log.OK, at=now,
                                 detail={"action": action, "alert_id": alert_id,
                                         **({"case_id": changes["assigned_case_id"]}
                                            if "assigned_case_id" in changes else {})})
            store.next_serial(conn, ALERTS_VERSION)
            return AlertState(alert_id, target, row.version + 1)
    except Exception as error:
        if audit is not None:
            _audit_failure(engine, audit, action, alert_id, error, now)
        raise


def _audit_failure(engine: Engine | Connection, audit: audit_log.Who, action: str,
                   alert_id: int, error: Exception, now: datetime) -> None:
    """The ``failed`` row of a refused action, in a transaction of its own (an engine)."""
    if isinstance(engine, Connection):
        return  # the caller's transaction is failing: it cannot hold the row
    why = getattr(error, "key", type(error).__name__)
    try:
        audit_log.record(engine, audit_log.ALERT_ACTION, audit, target=str(alert_id),
                         result=audit_log.FAILED, at=now,
                         detail={"action": action, "alert_id": alert_id, "why": why})
    except SQLAlchemyError:
        pass


def _changed(row: Any, expected_version: int) -> AlertChanged:
    return AlertChanged(
        f"alert {row.id} changed in the meantime: it is now version {row.version} "
        f"({row.state}), not version {expected_version}",
        alert_id=row.id, expected_version=expected_version, version=row.version,
        state=row.state)


def usual_category(conn: Connection, alert_id: int) -> str | None:
    """The category code of the subcategory most of the alert's cases have (ties by
    name; a subcategory no category has is passed over): what :func:`assign` files the
    supervision case under when given none, and what the console's form offers first."""
    subcategories = Counter(conn.scalars(
        select(Case.subcategory).join(AlertCase, AlertCase.case_id == Case.id)
        .where(AlertCase.alert_id == alert_id, Case.subcategory.is_not(None))))
    for subcategory, _ in sorted(subcategories.items(), key=lambda kv: (-kv[1], kv[0])):
        code = conn.scalar(select(Category.code).where(Category.subcategory == subcategory)
                           .order_by(Category.code).limit(1))
        if code is not None:
            return code
    return None


def _default_description(conn: Connection, row: Any) -> str:
    codes = list(conn.scalars(select(Case.code).join(AlertCase, AlertCase.case_id == Case.id)
                              .where(AlertCase.alert_id == row.id).order_by(Case.code)))
    named = "、".join(codes[:DESCRIBED_CASES])
    more = f" 等{len(codes)}件" if len(codes) > DESCRIBED_CASES else ""
    cases = f"，相关案件：{named}{more}" if codes else ""
    return f"预警 #{row.id}（{row.rule}）督办{cases}"
