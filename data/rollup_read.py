"""The metrics' counts from the rollups (issue 15): what the per-day rollups
(:mod:`data.rollups`) cannot hold, read directly over the few cases it can concern, and
the metrics' counts put together from both. :func:`data.metrics.compute` reads them when
it has no scope; the direct counts of :mod:`data.metrics` are the definitions they must
equal (tests/data/test_rollups.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, distinct, func, select, union
from sqlalchemy.sql.expression import ColumnElement

from data import rollup_postpones, rollups, schema
from data.models import Case, CaseEvent, Rollup
from data.rollup_capture import CASE_COLUMNS, EVENT_ACTIONS
from data.periods import Period, local_date, local_midnight_utc, within
from data.sql import UNLOCATED, count_if, id_chunks, plain_rows, region_key

__all__ = ["AS_OF_KEYS", "as_of_rows", "combine", "counts_from_day_end", "day_counts",
           "open_today_rows", "postponed_rows", "rest_of_day_rows"]


def day_counts(conn, group_id: int | None, first: date, last: date,
               keys: tuple[str, ...]) -> dict[date, dict[str, int]] | None:
    """One group's rollup counts ``keys`` per local day over ``first`` .. ``last`` (days
    with none left out; ``group_id`` None: the whole deployment, unlocated cases too), the
    changes still queued included (:func:`data.rollups.read_consistently`, as
    :func:`data.rollups.read`); None when the store has no usable rollups (the caller
    counts directly). Reads one row per day."""
    group = rollups._ALL if group_id is None else group_id
    lo, hi = rollups.day_number(first), rollups.day_number(last)
    columns = [getattr(Rollup, k) for k in keys]

    def once(deltas) -> dict[date, dict[str, int]]:
        per_day = {int(day): dict(zip(keys, (int(v) for v in values)))
                   for day, *values in conn.execute(
                       select(Rollup.day, *columns).where(Rollup.region_id == group,
                                                          Rollup.day >= lo, Rollup.day <= hi))}
        for day, counts in deltas.get(group, {}).items():
            if lo <= day <= hi:
                into = per_day.setdefault(day, dict.fromkeys(keys, 0))
                for k in keys:
                    into[k] += counts[rollups._INDEX[k]]
        return {first + timedelta(days=day - lo): counts
                for day, counts in sorted(per_day.items())}

    return rollups.read_consistently(conn, once)


def counts_from_day_end(as_of: datetime, tz: ZoneInfo) -> bool:
    """Whether :func:`open_today_rows` reads ``as_of``'s day back from its end (``as_of``
    in the later half of its local day) rather than forward from its start: the fewer
    cases either way (as of now, the rest of today holds little more than deadlines)."""
    day = local_date(as_of, tz)
    start = local_midnight_utc(day, tz)
    end = local_midnight_utc(day + timedelta(days=1), tz)
    return as_of - start > end - as_of


def open_today_rows(conn, as_of: datetime, tz: ZoneInfo,
                    only: ColumnElement[bool] | None, *, from_end: bool = False) -> list:
    """Each region's change to "open", "overdue", "timed open" (open with a deadline) and
    "clocked open" (open, dispatched or with a deadline) within ``as_of``'s local day, read
    through the time indexes over the cases reported, falling due, closed or voided in
    the part of the day it concerns, their spans worked out as the rollups'
    (:func:`data.rollups.open_span`):

    * forward (the rollups hold the days before): the change from the day's start to
      ``as_of``, over the cases with such a time by ``as_of``;
    * ``from_end`` (the rollups hold the day itself too): the change from the day's end
      back to ``as_of``, over the cases with such a time after ``as_of`` that day, or
      falling due at it."""
    c = Case
    day = local_date(as_of, tz)
    start = local_midnight_utc(day, tz)
    end = local_midnight_utc(day + timedelta(days=1), tz)
    if from_end:
        parts = [and_(column > as_of, column < end)
                 for column in (c.reported_at, c.closed_at, c.voided_at)]
        parts.append(and_(c.due_at >= as_of, c.due_at < end))
    else:
        parts = [and_(column >= start, column <= as_of)
                 for column in (c.reported_at, c.due_at, c.closed_at, c.voided_at)]
    columns = (c.region_id, c.status, c.reported_at, c.closed_at, c.voided_at, c.due_at,
               c.dispatched_at)
    candidates = union(*(select(c.id.label("id")).where(x) for x in parts)).subquery()
    query = select(*columns).select_from(candidates).join(c, c.id == candidates.c.id)
    if only is not None:
        query = query.where(getattr(only, "condition", only))
    changes: dict[int, list[int]] = {}
    for region_id, status, reported_at, closed_at, voided_at, due_at, dispatched_at in (
            conn.execute(query)):
        open_from, overdue_from, leave = rollups.open_span(status, reported_at, closed_at,
                                                           voided_at, due_at)
        if open_from is None:
            continue
        held = changes.setdefault(UNLOCATED if region_id is None else region_id, [0, 0, 0, 0])
        timed = due_at is not None  # a case with a deadline counts in "timed open" too
        clocked = timed or dispatched_at is not None  # ... and one dispatched in "clocked"
        if from_end:
            # open (overdue) at as_of, less at the day's end as the rollups count it
            now_open = open_from <= as_of and (leave is None or leave > as_of)
            stays = leave is None or leave >= end
            change = now_open - (open_from < end and stays)
            held[0] += change
            held[2] += change if timed else 0
            held[3] += change if clocked else 0
            if overdue_from is not None:
                held[1] += (now_open and due_at < as_of) - (overdue_from < end and stays)
            continue
        left = leave is not None and start <= leave <= as_of
        change = (start <= open_from <= as_of) - left
        held[0] += change
        held[2] += change if timed else 0
        held[3] += change if clocked else 0
        if overdue_from is not None:
            # entered that day by as_of: reported by then, and past its deadline (strictly)
            late = start <= overdue_from and open_from <= as_of and due_at < as_of
            held[1] += late - left
    return [(region, *counts) for region, counts in changes.items()]


AS_OF_KEYS = ("due_later_open", "due_closed_after", "due_later_unhandled",
              "due_resolved_after", "resolved_later")


def as_of_rows(conn, p: Period, as_of: datetime,
                only: ColumnElement[bool] | None) -> list:
    """Each region's counts of what the day rollups cannot hold, read over the cases that
    can concern them (with a deadline or a time after ``as_of`` or the period):

    * deadlines in P after ``as_of`` of cases not closed (not resolved): the rollups count
      them by due day, the registry not yet;
    * deadlines in P by ``as_of`` of cases closed (resolved) after P: still due in P,
      which the rollups' "not closed" leaves out;
    * screened disputes of P mediated successfully after ``as_of``."""
    c = Case
    not_waiting = c.status.not_in([schema.VOIDED, schema.REPORTED])
    handled = and_(c.status != schema.VOIDED, c.dispatched_at.is_not(None))
    due_in_p = within(c.due_at, p)
    counts = {
        "due_later_open": and_(not_waiting, due_in_p, c.due_at > as_of, c.closed_at.is_(None)),
        "due_closed_after": and_(not_waiting, due_in_p, c.due_at <= as_of,
                                 c.closed_at >= p.end),
        "due_later_unhandled": and_(handled, due_in_p, c.due_at > as_of,
                                    c.resolved_at.is_(None)),
        "due_resolved_after": and_(handled, due_in_p, c.due_at <= as_of,
                                   c.resolved_at >= p.end),
        "resolved_later": and_(c.case_class == schema.DISPUTE, within(c.reported_at, p),
                               c.status != schema.VOIDED,
                               c.mediation_outcome == schema.MEDIATION_SUCCESS,
                               c.mediated_at > as_of),
    }
    assert tuple(counts) == AS_OF_KEYS
    region = region_key(c.region_id)
    # each part a range read on its own index, the ids united: deadlines later in P (few:
    # a period that has ended has none), deadlines in P met after P (for a period that has
    # ended, late cases only, read from the partial indexes of late closings and
    # resolutions, ix_cases_late_close and ix_cases_late_resolve, whose condition the query
    # repeats so that both stores use them), and mediations after as_of
    due_by = min(as_of, p.end)
    if p.end > as_of:
        # a period still running: closed (resolved) after it means a time still to come,
        # which the closing (resolving) times' indexes hold next to nothing of
        late = (c.closed_at >= p.end, c.resolved_at >= p.end)
    else:
        late = (and_(c.closed_at > c.due_at, c.due_at >= p.start, c.due_at <= due_by,
                     c.closed_at >= p.end),
                and_(c.resolved_at > c.due_at, c.due_at >= p.start, c.due_at <= due_by,
                     c.resolved_at >= p.end))
    candidates = union(*(select(c.id.label("id")).where(part) for part in (
        *late, and_(c.due_at > as_of, c.due_at < p.end),
        # mediated after as_of: only the successes of disputes reported in P count, and a
        # period that has ended is followed by every mediation since
        and_(c.mediated_at > as_of, within(c.reported_at, p), c.case_class == schema.DISPUTE,
             c.mediation_outcome == schema.MEDIATION_SUCCESS))))
    # the candidates' ids first, then their rows by primary key: joined in one statement,
    # PostgreSQL guesses a third of the cases for "closed after its deadline" and reads the
    # whole table to join a few thousand ids (0.6 s for a finished year of the city demo)
    ids = sorted(conn.execute(candidates).scalars())
    totals: dict[int, list[int]] = {}
    for among in id_chunks(conn, c.id, ids):
        query = (select(region, *(count_if(cond).label(key) for key, cond in counts.items()))
                 .where(among).group_by(region))
        if only is not None:
            query = query.where(getattr(only, "condition", only))
        for group, *values in plain_rows(conn.execute(query)):
            held = totals.setdefault(group, [0] * len(values))
            for i, value in enumerate(values):
                held[i] += int(value or 0)
    return [(group, *values) for group, values in totals.items()]


def rest_of_day_rows(conn, p: Period, tz: ZoneInfo, only: ColumnElement[bool] | None
                     ) -> list:
    """Each region's rollup counts (:data:`data.rollups.COUNTS`) of the moments from the
    end of ``p``, a period cut short of its last day's end (``p.whole`` False,
    :func:`data.periods.same_span`), to the end of that day: what the day's rollup holds
    beyond the cut, to be taken off it. Read through the time indexes over the cases and
    events of that part of one day (:func:`data.rollups.case_counts`, the rollups' own
    split of a case into counts)."""
    c = Case
    lo = p.end
    hi = local_midnight_utc(p.last + timedelta(days=1), tz)
    keys = rollups.COUNTS
    totals: dict[int, list[int]] = {}
    times = (c.reported_at, c.dispatched_at, c.resolved_at, c.closed_at, c.voided_at,
             c.due_at, c.mediated_at)
    candidates = union(*(select(c.id.label("id")).where(column >= lo, column < hi)
                         for column in times)).subquery()
    columns = [getattr(c, name) for name in CASE_COLUMNS]
    query = select(*columns).select_from(candidates).join(c, c.id == candidates.c.id)
    if only is not None:
        query = query.where(getattr(only, "condition", only))
    for row in conn.execute(query).mappings():
        for key, moment in rollups.case_counts(row):
            if lo <= moment < hi:
                region = UNLOCATED if row["region_id"] is None else row["region_id"]
                totals.setdefault(region, [0] * len(keys))[keys.index(key)] += 1
    e = CaseEvent
    events = (select(c.region_id, e.action, func.count()).select_from(e)
              .join(c, c.id == e.case_id)
              .where(e.action.in_(EVENT_ACTIONS), e.at >= lo, e.at < hi)
              .group_by(c.region_id, e.action))
    if only is not None:
        events = events.where(getattr(only, "condition", only))
    for region_id, action, n in conn.execute(events):
        region = UNLOCATED if region_id is None else region_id
        key = {"dispatch": "dispatches", "return": "returns", "rework": "reworks"}[action]
        totals.setdefault(region, [0] * len(keys))[keys.index(key)] += int(n)
    return [(region, *counts) for region, counts in totals.items()]


def postponed_rows(conn, p: Period, only: ColumnElement[bool] | None) -> list:
    """Distinct cases with a postpone event in P per region (not additive over days):
    from the postponed cases by local day (:mod:`data.rollup_postpones`) while they are
    current, else from the events (:func:`postponed_rows_direct`, the definition)."""
    if rollups.settled(conn) and p.whole:  # kept per day: a cut day is read from events
        return rollup_postpones.rows(conn, rollups.day_number(p.first),
                                     rollups.day_number(p.last), only)
    return postponed_rows_direct(conn, p, only)


def postponed_rows_direct(conn, p: Period, only: ColumnElement[bool] | None) -> list:
    """Distinct cases with a postpone event in P per region, read from the events'
    (action, at) index joined to their cases."""
    e = CaseEvent
    region = region_key(Case.region_id)
    query = (select(region, func.count(distinct(e.case_id)).label("postponed"))
             .select_from(e).join(Case, Case.id == e.case_id)
             .where(e.action == "postpone", within(e.at, p)).group_by(region))
    if only is not None:
        query = query.where(getattr(only, "condition", only))
    return plain_rows(conn.execute(query))


def combine(sums: dict[int, dict[str, int]], now_part: dict, extra: dict, postponed: dict
            ) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """(case counts, event counts) per group: the rollups' sums (:func:`data.rollups.read`,
    with the days before ``as_of``'s, or through it, under ``before_``) put together with
    the direct counts per group of :func:`open_today_rows` (``now_part``, read the same
    way), :func:`as_of_rows` (``extra``) and :func:`postponed_rows`."""
    counts, events = {}, {}
    for g, r in sums.items():
        x: dict[str, int] = {k: 0 for k in AS_OF_KEYS}
        x.update(extra.get(g, {}))
        today_part = now_part.get(g, {"open": 0, "overdue": 0, "open_with_deadline": 0,
                                      "open_clocked": 0})
        x["open"] = r["before_open_in"] - r["before_open_out"] + today_part["open"]
        x["overdue"] = (r["before_overdue_in"] - r["before_overdue_out"]
                        + today_part["overdue"])
        x["open_with_deadline"] = (r["before_timed_open_in"] - r["before_timed_open_out"]
                                   + today_part["open_with_deadline"])
        x["open_clocked"] = (r["before_clocked_open_in"] - r["before_clocked_open_out"]
                             + today_part["open_clocked"])
        close_rest = r["due_open"] - x["due_later_open"] + x["due_closed_after"]
        handle_rest = r["due_unhandled"] - x["due_later_unhandled"] + x["due_resolved_after"]
        counts[g] = {
            **{k: r[k] for k in ("reported", "filed", "dispatched", "resolved", "closed",
                                 "closed_on_time", "resolved_with_level", "resolved_in_grid",
                                 "disputes_mediated", "mediation_successes",
                                 "disputes_screened", "rated", "satisfied")},
            "due_to_close": r["closed"] + close_rest,
            "due_to_close_with_deadline": r["closed_with_deadline"] + close_rest,
            "due_to_handle": r["resolved"] + handle_rest,
            "closed_with_deadline": r["closed_with_deadline"],
            "resolved_with_deadline": r["resolved_with_deadline"],
            "due_to_handle_with_deadline": r["resolved_with_deadline"] + handle_rest,
            "open": x["open"],
            "open_with_deadline": x["open_with_deadline"],
            "open_clocked": x["open_clocked"],
            "overdue": x["overdue"],
            "disputes_resolved": r["screened_success"] - x["resolved_later"],
        }
        events[g] = {"dispatches": r["dispatches"], "returns": r["returns"],
                     "reworks": r["reworks"],
                     "postponed": postponed.get(g, {}).get("postponed", 0)}
    return counts, events
