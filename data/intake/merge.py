"""Deciding a suspected duplicate (疑似重复): :func:`merge` it into the older case, or
:func:`dismiss` the hint; :func:`links_of` reads a case's duplicate links.

A link (:class:`data.models.CaseLink`) says that ``case_id`` (the newer case) may report
the same thing as ``other_id`` (an older open case). A commander decides:

* **merge** – the newer case is voided as a duplicate (status ``voided``, ``voided_at``;
  only from the statuses the workflow's ``void`` starts from: reported, filed), the link
  becomes ``merged``, and both cases get a ``merge`` event: the newer's says which case it
  went into, the older's names the newer's code and its reporter, so the older case shows
  who else reported it. The older case must still be open. Both versions go up (with the
  workflow's version check when the commander's view is given), the data version too, all
  in one transaction, with the action's audit row when told who acts.
* **dismiss** – the link becomes ``dismissed``, the newer case gets a ``dismiss`` event
  and a new version; nothing else changes.

Refusals are :mod:`data.workflow`'s errors (:class:`~data.workflow.CaseNotFound`,
:class:`~data.workflow.CaseChanged`, :class:`~data.workflow.IllegalTransition`,
:class:`~data.workflow.InvalidParameter`) and :class:`NoSuchLink`, each with a stable key
and values for the interface to word; nothing is written when one is raised.

How a merged duplicate counts in the metrics is written in :mod:`data.metric_registry`:
it is voided, so it is not ``filed`` and is in no rate; ``reported`` still counts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Connection, Engine, insert, or_, select, update

from data import audit as audit_log
from data import schema, store
from data.models import Case, CaseEvent, CaseLink
from data.workflow import (
    TRANSITIONS, CaseChanged, CaseNotFound, IllegalTransition, InvalidParameter,
    WorkflowError, allowed_actions, audit_failure,
)

#: The statuses a case may be merged away from: those the workflow may void.
MERGEABLE: tuple[str, ...] = TRANSITIONS["void"].sources


class NoSuchLink(WorkflowError):
    """There is no undecided duplicate hint between the two cases (none at all, or it was
    already decided). ``values``: ``case_id``, ``other_id``, ``code``, ``other_code``,
    ``state`` (the link's state, None when there is no link)."""

    key = "no_duplicate_link"


# --- reading -------------------------------------------------------------------------------

def links_of(conn: Connection, case_id: int) -> list[dict]:
    """The duplicate links of a case, both ways, oldest first.

    Each is a dict: ``id``, ``kind``, ``state`` (suspected, dismissed, merged),
    ``distance_m``, ``created_at``, ``decided_at`` (naive UTC), ``decided_by``,
    ``newer_id`` and ``older_id`` (the link's two cases), ``this_is_newer`` (True: this
    case is the suspected duplicate *of* the other; False: the other is a suspected
    duplicate of this one), ``newer_version`` and ``older_version``, the other case's
    ``other_id``, ``other_code``, ``other_status``, ``other_version`` and
    ``other_region_id`` (whoever shows the link checks the reader may see that region), and
    ``decidable``: the hint is still suspected and :func:`merge` could take it (the newer
    case is reported or filed, the older one open).
    """
    newer, older = Case.__table__.alias("newer"), Case.__table__.alias("older")
    rows = conn.execute(
        select(CaseLink.id, CaseLink.kind, CaseLink.state, CaseLink.distance_m,
               CaseLink.created_at, CaseLink.decided_at, CaseLink.decided_by,
               newer.c.id.label("newer_id"), newer.c.code.label("newer_code"),
               newer.c.status.label("newer_status"), newer.c.version.label("newer_version"),
               newer.c.region_id.label("newer_region_id"),
               older.c.id.label("older_id"), older.c.code.label("older_code"),
               older.c.status.label("older_status"), older.c.version.label("older_version"),
               older.c.region_id.label("older_region_id"))
        .join(newer, newer.c.id == CaseLink.case_id)
        .join(older, older.c.id == CaseLink.other_id)
        .where(or_(CaseLink.case_id == case_id, CaseLink.other_id == case_id))
        .order_by(CaseLink.created_at, CaseLink.id)).mappings().all()
    out = []
    for r in rows:
        this_is_newer = r["newer_id"] == case_id
        side = "older" if this_is_newer else "newer"
        out.append({
            "id": r["id"], "kind": r["kind"], "state": r["state"],
            "distance_m": r["distance_m"], "created_at": r["created_at"],
            "decided_at": r["decided_at"], "decided_by": r["decided_by"],
            "newer_id": r["newer_id"], "older_id": r["older_id"],
            "newer_version": r["newer_version"], "older_version": r["older_version"],
            "this_is_newer": this_is_newer,
            "other_id": r[f"{side}_id"], "other_code": r[f"{side}_code"],
            "other_status": r[f"{side}_status"], "other_version": r[f"{side}_version"],
            "other_region_id": r[f"{side}_region_id"],
            "decidable": (r["state"] == schema.SUSPECTED and r["newer_status"] in MERGEABLE
                          and r["older_status"] in schema.OPEN_STATUSES),
        })
    return out


# --- deciding ------------------------------------------------------------------------------

_COLUMNS = (Case.id, Case.code, Case.status, Case.version, Case.reporter, Case.reported_at)


def merge(engine: Engine | Connection, newer_id: int, older_id: int, *, actor: str,
          expected_versions: Mapping[int, int] | None = None, now: datetime | None = None,
          audit: audit_log.Who | None = None) -> dict[int, int]:
    """Merge the newer case into the older one as its duplicate, in one transaction.

    Parameters
    ----------
    engine
        The store (a connection already in a transaction is used as it is).
    newer_id, older_id
        The duplicate (voided) and the case it duplicates (kept). The newer must not have
        been reported before the older.
    actor
        Who decides, written into both histories and the link's ``decided_by``.
    expected_versions
        case id → the version the commander saw; a case whose version moved on since is
        refused with :class:`~data.workflow.CaseChanged` (None: no check).
    now
        When (naive UTC; an aware time is converted; default now).
    audit
        Who acts and from where: a ``case_action`` row ``merge`` on the newer case is
        written with the change, or a ``failed`` one for a refusal.

    Returns
    -------
    dict
        case id → its new version, for both cases.

    Raises
    ------
    CaseNotFound, CaseChanged, IllegalTransition, InvalidParameter
        Nothing is written. IllegalTransition names the case whose status forbids it: the
        newer one unless reported or filed, the older one unless open.
    """
    now = store.naive_utc(now)
    try:
        with store.transaction(engine) as conn:
            versions, code = _merge(conn, newer_id, older_id, actor=actor,
                                    expected=expected_versions or {}, now=now)
            if audit is not None:
                audit_log.record_case_action(conn, audit, action="merge", case_id=newer_id,
                                             code=code, ok=True, at=now,
                                             detail={"into": older_id})
            return versions
    except Exception as error:
        if audit is not None:
            audit_failure(engine, audit, "merge", newer_id, error, now, {"into": older_id})
        raise


def dismiss(engine: Engine | Connection, case_id: int, other_id: int, *, actor: str,
            now: datetime | None = None, audit: audit_log.Who | None = None) -> int:
    """Dismiss the hint that ``case_id`` (the newer) duplicates ``other_id``: the link is
    ``dismissed``, the newer case gets a ``dismiss`` event and a new version (returned).

    Raises :class:`NoSuchLink` when no undecided hint joins the two, :class:`CaseNotFound`
    for an unknown newer case and :class:`IllegalTransition` when it is closed or voided
    (final cases take no action); nothing is written then.
    """
    now = store.naive_utc(now)
    try:
        with store.transaction(engine) as conn:
            version, code = _dismiss(conn, case_id, other_id, actor=actor, now=now)
            if audit is not None:
                audit_log.record_case_action(conn, audit, action="dismiss", case_id=case_id,
                                             code=code, ok=True, at=now,
                                             detail={"other": other_id})
            return version
    except Exception as error:
        if audit is not None:
            audit_failure(engine, audit, "dismiss", case_id, error, now, {"other": other_id})
        raise




def _case(conn: Connection, case_id: Any) -> Any:
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise InvalidParameter(f"case id {case_id!r} is not a whole number", case_id=case_id,
                               action="merge", parameter="case_id", value=case_id,
                               problem="not_an_id")
    row = conn.execute(select(*_COLUMNS).where(Case.id == case_id)).first()
    if row is None:
        raise CaseNotFound(f"case {case_id} does not exist", case_id=case_id)
    return row


def _check_version(row: Any, expected: Mapping[int, int]) -> None:
    if row.id in expected and expected[row.id] != row.version:
        raise CaseChanged(
            f"case {row.code} changed in the meantime: it is now version {row.version} "
            f"({row.status}), not version {expected[row.id]}",
            case_id=row.id, code=row.code, expected_version=expected[row.id],
            version=row.version, status=row.status)


def _refuse_status(row: Any, action: str, why: str) -> IllegalTransition:
    return IllegalTransition(
        f"case {row.code} is {row.status}: {why}", case_id=row.id, code=row.code,
        action=action, status=row.status, allowed=allowed_actions(row.status))


def _merge(conn: Connection, newer_id: int, older_id: int, *, actor: str,
           expected: Mapping[int, int], now: datetime) -> tuple[dict[int, int], str]:
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidParameter("who merges must be named", case_id=newer_id, action="merge",
                               parameter="actor", value=actor, problem="required")
    newer, older = _case(conn, newer_id), _case(conn, older_id)
    if newer.id == older.id:
        raise InvalidParameter(f"case {newer.code} cannot be merged into itself",
                               case_id=newer.id, code=newer.code, action="merge",
                               parameter="other_id", value=older.id, problem="same_case")
    for row in (newer, older):
        _check_version(row, expected)
    if newer.status not in MERGEABLE:
        raise _refuse_status(newer, "merge", "only a reported or filed case can be merged "
                             "away as a duplicate")
    if older.status not in schema.OPEN_STATUSES:
        raise _refuse_status(older, "merge", "a duplicate can only be merged into an open "
                             "case")
    if newer.reported_at < older.reported_at:
        raise InvalidParameter(
            f"case {newer.code} was reported before {older.code}: merge the newer case "
            "into the older one", case_id=newer.id, code=newer.code, action="merge",
            parameter="other_id", value=older.code, problem="not_newer")

    versions = {newer.id: newer.version + 1, older.id: older.version + 1}
    _write_case(conn, newer, expected, status=schema.VOIDED, voided_at=now,
                version=versions[newer.id], updated_at=now)
    _write_case(conn, older, expected, version=versions[older.id], updated_at=now)
    _decide_link(conn, newer.id, older.id, schema.MERGED, actor, now,
                 allowed=(schema.SUSPECTED, schema.DISMISSED))
    reporter = (newer.reporter or "").strip() or "—"
    conn.execute(insert(CaseEvent), [
        {"case_id": newer.id, "action": "merge", "from_status": newer.status,
         "to_status": schema.VOIDED, "actor": actor, "note": f"并入 {older.code}", "at": now},
        {"case_id": older.id, "action": "merge", "from_status": older.status,
         "to_status": older.status, "actor": actor,
         "note": f"重复上报 {newer.code}（上报人：{reporter}）", "at": now},
    ])
    store.bump_data_version(conn)
    return versions, newer.code


def _write_case(conn: Connection, row: Any, expected: Mapping[int, int],
                **values: Any) -> None:
    """Update one case if its version is still the one read (someone writing between the
    read and this update makes it :class:`CaseChanged`, as the workflow's own update)."""
    changed = conn.execute(update(Case).where(Case.id == row.id, Case.version == row.version)
                           .values(**values)).rowcount
    if changed != 1:
        current = _case(conn, row.id)
        raise CaseChanged(
            f"case {row.code} changed in the meantime: it is now version {current.version}",
            case_id=row.id, code=row.code,
            expected_version=expected.get(row.id, row.version),
            version=current.version, status=current.status)


def _decide_link(conn: Connection, newer_id: int, older_id: int, state: str, actor: str,
                 now: datetime, allowed: tuple[str, ...]) -> None:
    """Set the link newer → older to ``state`` (one is made when there is none)."""
    link = conn.execute(select(CaseLink.id, CaseLink.state).where(
        CaseLink.case_id == newer_id, CaseLink.other_id == older_id,
        CaseLink.kind == schema.DUPLICATE)).first()
    if link is None:
        conn.execute(insert(CaseLink).values(
            case_id=newer_id, other_id=older_id, kind=schema.DUPLICATE, state=state,
            distance_m=None, created_at=now, decided_at=now, decided_by=actor))
        return
    if link.state not in allowed:
        raise _no_link(conn, newer_id, older_id, link.state)
    conn.execute(update(CaseLink).where(CaseLink.id == link.id)
                 .values(state=state, decided_at=now, decided_by=actor))


def _no_link(conn: Connection, case_id: int, other_id: int, state: str | None) -> NoSuchLink:
    codes = dict(conn.execute(select(Case.id, Case.code)
                              .where(Case.id.in_([case_id, other_id]))).all())
    code, other_code = codes.get(case_id, str(case_id)), codes.get(other_id, str(other_id))
    why = "no duplicate hint joins them" if state is None else f"the hint is already {state}"
    return NoSuchLink(f"case {code} and {other_code}: {why}", case_id=case_id,
                      other_id=other_id, code=code, other_code=other_code, state=state)


def _dismiss(conn: Connection, case_id: int, other_id: int, *, actor: str,
             now: datetime) -> tuple[int, str]:
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidParameter("who dismisses must be named", case_id=case_id,
                               action="dismiss", parameter="actor", value=actor,
                               problem="required")
    newer = _case(conn, case_id)
    if newer.status not in schema.OPEN_STATUSES:
        raise _refuse_status(newer, "dismiss", "a closed or voided case takes no action")
    link = conn.execute(select(CaseLink.id, CaseLink.state).where(
        CaseLink.case_id == case_id, CaseLink.other_id == other_id,
        CaseLink.kind == schema.DUPLICATE)).first()
    if link is None or link.state != schema.SUSPECTED:
        raise _no_link(conn, case_id, other_id, None if link is None else link.state)
    other_code = conn.scalar(select(Case.code).where(Case.id == other_id))
    _write_case(conn, newer, {}, version=newer.version + 1, updated_at=now)
    conn.execute(update(CaseLink).where(CaseLink.id == link.id)
                 .values(state=schema.DISMISSED, decided_at=now, decided_by=actor))
    conn.execute(insert(CaseEvent).values(
        case_id=case_id, action="dismiss", from_status=newer.status, to_status=newer.status,
        actor=actor, note=f"不是 {other_code} 的重复", at=now))
    store.bump_data_version(conn)
    return newer.version + 1, newer.code
