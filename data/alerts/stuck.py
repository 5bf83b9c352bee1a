"""Stuck cases (久拖未决): open cases long past their deadline, postponed again and again,
or sent back for rework again and again.

A case open at ``as_of`` (:func:`data.alerts.history.open_at`) is stuck when

* it is past its deadline (``due_at``) by more than ``overdue_days`` days, and not
  suspended (a suspended case's clock is stopped: the registry's ``overdue`` leaves it
  out too); red past ``red_overdue_days`` days, else orange;
* or it has ``postponed`` or more postpone events (``case_events`` action ``postpone``
  at or before ``as_of``); yellow unless overdue;
* or it has ``reworked`` or more rework events (action ``rework``); yellow unless overdue.

One finding per case, whatever the reasons: key ``stuck_case:<case id>``, so the alert
stays one while the reasons change, and closes itself when the case closes (or is voided).
``started_at`` is when the first of its reasons began to hold (the deadline plus
``overdue_days``; the postpone or rework event that reached the count).

``facts``: ``reason`` (the first that holds of ``overdue``, ``postponed``, ``reworked``),
``overdue_days`` (whole days past the deadline, 0 when not past it, None without one),
``due_at`` (ISO or None), ``postponed`` and ``reworked`` (the events' counts), and the
thresholds ``overdue_limit``, ``postponed_limit``, ``reworked_limit``.

Cost: the overdue cases are read from the partial index of open cases (and, replaying
a past day, from those of late closings and of voided cases); the events from their
``(action, at)`` index; never a scan of every case.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, select, union
from sqlalchemy.sql.expression import ColumnElement

from data import schema
from data.alerts.finding import ORANGE, RED, YELLOW, Finding
from data.alerts.history import open_at, open_ids, open_statuses, rows_by_id
from data.models import Case, CaseEvent
from data.sql import id_chunks

RULE = "stuck_case"
POSTPONE, REWORK = "postpone", "rework"


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The stuck cases at ``as_of`` (naive UTC), one :class:`Finding` each."""
    overdue_days = float(params["overdue_days"])
    red_days = float(params["red_overdue_days"])
    postponed, reworked = int(params["postponed"]), int(params["reworked"])
    if postponed < 1 or reworked < 1:
        raise ValueError(f"{RULE}: postponed and reworked must be at least 1, got "
                         f"{postponed} and {reworked}")
    cutoff = as_of - timedelta(days=overdue_days)

    overdue_ids = set(conn.execute(_overdue_candidates(as_of, cutoff)).scalars())
    # the postpone and rework events of the cases that may be open at as_of (a few
    # thousand), read case by case: the counts, and the event that reached a count
    counts, reached = _events_of(conn, as_of, open_ids(conn, as_of) | overdue_ids,
                                 postponed, reworked)
    counted = {i for i, (p, r) in counts.items() if p >= postponed or r >= reworked}
    ids = overdue_ids | counted
    if not ids:
        return []
    c = Case
    rows = rows_by_id(conn, [c.id, c.region_id, c.status, c.due_at], list(ids), open_at(as_of))
    findings = []
    for case_id, region_id, status, due_at in rows:
        n_postponed, n_reworked = counts.get(case_id, (0, 0))
        past = None if due_at is None else as_of - due_at
        reasons: dict[str, datetime] = {}
        if (past is not None and status != schema.SUSPENDED
                and past > timedelta(days=overdue_days)):
            reasons["overdue"] = due_at + timedelta(days=overdue_days)
        if n_postponed >= postponed:
            reasons["postponed"] = reached[(case_id, POSTPONE)]
        if n_reworked >= reworked:
            reasons["reworked"] = reached[(case_id, REWORK)]
        if not reasons:
            continue
        if "overdue" in reasons:
            level = RED if past > timedelta(days=red_days) else ORANGE
        else:
            level = YELLOW
        findings.append(Finding(
            rule=RULE, key=f"{RULE}:{case_id}", level=level, region_id=region_id,
            started_at=min(reasons.values()), case_ids=(case_id,),
            facts={"reason": next(iter(reasons)),
                   "overdue_days": None if past is None else max(past.days, 0),
                   "due_at": None if due_at is None else due_at.isoformat(),
                   "postponed": n_postponed, "reworked": n_reworked,
                   "overdue_limit": params["overdue_days"],
                   "postponed_limit": postponed, "reworked_limit": reworked}))
    findings.sort(key=lambda f: f.case_ids)
    return findings


def _overdue_candidates(as_of: datetime, cutoff: datetime):
    """Ids of the cases that may be open at ``as_of`` with a deadline before ``cutoff``:
    of an open status now (the partial index of open cases), closed after ``as_of`` and
    after their deadline (the partial index of late closings, whose condition this
    repeats), voided after ``as_of``. (A superset: :func:`open_at` decides.)"""
    c = Case
    return union(
        select(c.id).where(open_statuses(), c.status != schema.SUSPENDED, c.due_at < cutoff),
        select(c.id).where(c.closed_at > c.due_at, c.closed_at > as_of, c.due_at < cutoff),
        # the deadline wrapped, so that no planner reads every deadline instead
        select(c.id).where(c.voided_at > as_of, func.coalesce(c.due_at, c.due_at) < cutoff),
    )


def _event_filter(as_of: datetime, actions: list[str]) -> ColumnElement[bool]:
    """Events of ``actions`` at or before ``as_of``, for cases already chosen by id: the
    action and time wrapped, so that no planner reads a year of them from their
    ``(action, at)`` index instead of the few cases' own from the case index."""
    e = CaseEvent
    return and_(func.coalesce(e.action, "").in_(actions), func.coalesce(e.at, e.at) <= as_of)


def _events_of(conn: Connection, as_of: datetime, ids: set[int], postponed: int,
               reworked: int) -> tuple[dict[int, tuple[int, int]], dict[tuple, datetime]]:
    """The postpone and rework counts of the cases of ``ids`` at or before ``as_of``, and
    when the ``postponed``-th postpone (the ``reworked``-th rework) of each happened."""
    e = CaseEvent
    nth = {POSTPONE: postponed, REWORK: reworked}
    seen: dict[tuple[int, str], int] = {}
    reached: dict[tuple[int, str], datetime] = {}
    for among in id_chunks(conn, e.case_id, sorted(ids)):
        query = (select(e.case_id, e.action, e.at)
                 .where(among, _event_filter(as_of, [POSTPONE, REWORK]))
                 .order_by(e.case_id, e.at, e.id))
        for case_id, action, at in conn.execute(query):
            key = (case_id, action)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == nth[action]:
                reached[key] = at
    counts = {case_id: (seen.get((case_id, POSTPONE), 0), seen.get((case_id, REWORK), 0))
              for case_id, _ in seen}
    return counts, reached
