"""The one registry of metrics: each has one key and one definition (its zh/en names
are in :mod:`layouts.text`).

The wall, the drill-down, the briefing and the command line all read metrics through
:mod:`data.metrics`, which computes exactly the definitions written here.

Conventions used by every definition:

* The period is a range of local dates in the deployment's time zone, turned into a
  half-open UTC interval ``P = [start, end)``. "x in P" means ``start <= x < end``.
* ``as_of`` is the earlier of the period's end and now: "open" and "overdue" are counted
  as they stood at that moment (for the current period: now).
* A rate whose denominator is zero is ``None`` (shown as "—"), never 0% or 100%.
* Rates are fractions in [0, 1].
* Deadlines (issue 17): the figures that stand on a deadline (closure, on-time closure and
  handling rates, overdue) are read over the cases that have one, and are ``None`` when
  none of their basis has one (a store with no category table): never closed / closed =
  100%, never 0 overdue of cases that cannot be late. The ``*_deadline_coverage`` rates
  say what share of the basis has a deadline (the wall shows "覆盖 62%" under 100%).
* Comparisons (较上期, 环比, 同比; issue 18) are like with like. A period that has ended
  is compared with the whole period before it (of equal length; for the briefing also the
  same ISO week a year earlier). A period still running (``as_of`` = now, before its end)
  is compared with the same elapsed local time of the period before: Monday 00:00 to
  Wednesday 18:40 against Monday 00:00 to Wednesday 18:40 of the week before; the 30 days
  up to now against the 30 days before up to the same local clock time; today until now
  against yesterday until the same hour. The comparison's "open" and "overdue" are as they
  stood at its cut (as_of of the comparison = the cut). Such a comparison says so
  ("截至周三18:40，同期对比"), and a running period's days still to come are not drawn
  (:func:`data.periods.same_span`; the briefing defaults to the last complete week).
* Duplicates (live intake, :mod:`data.intake.merge`): a case merged into an older one as
  its duplicate is voided (status ``voided``, ``voided_at`` the merge's time), as DOMAIN.md
  says voided cases are not filed. So it counts in ``reported`` (it was reported, in its
  period) and in ``open`` up to the merge, but not in ``filed``, in no deadline count and
  in no rate; the older case, which stays, counts once. A dismissed hint changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One metric: its key, its definition, and how to read its value (its names, the
    words a user reads, are :func:`layouts.text.metric_label`'s)."""

    key: str
    kind: str  # "count", "rate" or "hours"
    definition: str
    higher_is_better: bool | None = True


METRICS: tuple[Metric, ...] = (
    Metric("reported", "count", "cases with reported_at in P (a duplicate merged into an "
           "older case still counts: it was reported, then voided)", None),
    Metric("filed", "count", "cases with reported_at in P whose status is an accepted one "
           "(filed, dispatched, resolved, closed, suspended): not voided (so not a duplicate "
           "merged into an older case), not still awaiting verification", None),
    Metric("dispatched", "count", "cases with dispatched_at in P", None),
    Metric("resolved", "count", "cases with resolved_at in P", True),
    Metric("closed", "count", "cases with closed_at in P", True),
    Metric("closed_on_time", "count",
           "cases with closed_at in P, a deadline, and closed_at <= due_at; None (unknown, "
           "not 0) when cases closed in P and none of them had a deadline", True),
    Metric("due_to_close", "count",
           "cases not voided and not awaiting verification whose due_at is in P and not after "
           "as_of (a deadline later today is not due yet) and that were not already closed "
           "before P, plus cases with closed_at in P (each case once)", None),
    Metric("due_to_handle", "count",
           "dispatched cases not voided whose due_at is in P and not after as_of and that were "
           "not already resolved before P, plus cases with resolved_at in P (each case once)",
           None),
    Metric("closure_rate", "rate",
           "(closed cases that have a deadline) / (due_to_close cases that have a deadline). "
           "A case without a deadline is never due, so it is left out of both sides (counted, "
           "it would make closed / closed = 100%); None when no case of due_to_close has one "
           "(see deadline_coverage)"),
    Metric("on_time_closure_rate", "rate",
           "closed_on_time / (due_to_close cases that have a deadline). Open cases past a "
           "deadline in P stay in the denominator; cases with no deadline at all are left out "
           "of both sides"),
    Metric("handling_rate", "rate",
           "(resolved cases that have a deadline) / (due_to_handle cases that have a "
           "deadline); None when none has one (see handling_deadline_coverage)"),
    Metric("deadline_coverage", "rate",
           "(due_to_close cases that have a deadline) / due_to_close: the share of the cases "
           "the closure and on-time closure rates could concern that they are read over",
           None),
    Metric("handling_deadline_coverage", "rate",
           "(due_to_handle cases that have a deadline) / due_to_handle: the share the handling "
           "rate is read over", None),
    Metric("rework_rate", "rate", "rework events with at in P / due_to_close", False),
    Metric("postponement_rate", "rate",
           "distinct cases with a postpone event in P / due_to_handle", False),
    Metric("open", "count", "cases reported by as_of, not voided, and not closed by as_of", None),
    Metric("overdue", "count",
           "open cases (as above) that are not suspended and whose due_at < as_of; None "
           "(unknown, not 0) when cases are open and none of them has a deadline", False),
    Metric("open_deadline_coverage", "rate",
           "(open cases that have a deadline) / (open cases that were dispatched or have a "
           "deadline: whose clock has started; one awaiting verification or dispatch has no "
           "deadline yet, rightly): the share of them that can be overdue at all", None),
    Metric("dispatches", "count", "dispatch events with at in P", None),
    Metric("returns", "count", "return events with at in P", False),
    Metric("accurate_dispatch_rate", "rate", "(dispatches - returns) / dispatches"),
    Metric("in_grid_resolution_rate", "rate",
           "cases with resolved_at in P and resolved_level 'grid' / cases with resolved_at "
           "in P and a known resolved_level"),
    Metric("disputes_mediated", "count",
           "dispute cases whose latest mediation (mediation_outcome, mediated_at) has "
           "mediated_at in P: each dispute once, however often mediated; every outcome "
           "counts (success, failure, referred to court or arbitration)", None),
    Metric("mediation_success_rate", "rate",
           "disputes_mediated whose latest outcome is 'success' / disputes_mediated "
           "(failure and referred are mediated, not successes)"),
    Metric("disputes_screened", "count",
           "dispute cases with reported_at in P that are not voided (the disputes screened "
           "排查; one not yet verified counts)", None),
    Metric("dispute_resolution_rate", "rate",
           "disputes_screened whose latest mediation is 'success' and has mediated_at not "
           "after as_of / disputes_screened"),
    Metric("satisfaction_rate", "rate",
           "cases with closed_at in P rated satisfied or basically satisfied / cases with "
           "closed_at in P that were rated (cases.satisfaction holds the latest return "
           "visit that reached the resident: an unreached visit is left out; a case reopened "
           "after a visit is not closed and not counted until closed again)"),
    Metric("median_hours_to_close", "hours",
           "median of (closed_at - reported_at) over cases with closed_at in P, each "
           "duration taken in whole tenths of an hour (6 minutes), rounded to the nearest "
           "(exactly halfway, 3 minutes past a tenth, goes up); the mean of the two middle "
           "values for an even count; in hours", False),
    Metric("patrol_coverage", "rate",
           "leaf regions (grids) under the region with a patrol visit in P (a patrol's GPS "
           "fixes there, patrol_visits.first_at in P; a patrol kept without a track counts "
           "in its own grid on the day it started) / leaf regions under the region; None "
           "when the store holds no patrol records at all"),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)

