"""Surge (突增): a region's count of one subcategory far above its own baseline.

``detect(conn, params, as_of)`` (``params`` is ``rules.toml``'s ``[surge]``) decides, for
every region at the counted levels and every subcategory, over each window of
``windows`` local days ending with ``as_of``'s local day:

* **levels** are counted by distance from the leaves, since a deployment's levels are data
  (the demo has grid → community → town, the LA example one level only): the first name of
  ``levels`` is the leaf level, the second its parents, and so on; a region is counted when
  it is that many steps above some leaf (the names only label the alerts). A region's count
  is every case of its subtree (the closure table), a case placed above the leaves too;
* **the count** is the cases reported in the window up to ``as_of`` (today so far), less
  those voided by then; nothing after ``as_of`` is read;
* **the expected count** is, for each day of the window, the mean of that day's baseline
  days, summed: the same weekday of each of the ``baseline_weeks`` weeks before, of the
  same kind of day (:func:`data.holidays.work_calendar`): a working day against working
  days, an ordinary weekend day against ordinary weekend days, a public-holiday day (any
  off day in a run of off days holding an off weekday) against every off day (weekends and
  holidays) of those weeks, a make-up working day (调休) against every working day of
  those weeks, so a holiday week is not compared with working weeks. Today is compared
  like with like: its baseline days count only their cases up to the same local time of day
  (the last hour pro rata), so a window ending at 10:00 is not set against whole days;
* **history**: a day whose baseline has fewer than ``min_baseline_days`` days of its kind
  since the store's first case (data that starts later, a holiday with no off days before
  it) makes the window not judged; an expected count of 0 (no history of that subcategory
  there) never alerts;
* **the test**: at least ``min_count`` cases, at least ``min_ratio`` times the expected
  count, and the Poisson upper tail ``p = P(X >= count | expected)`` below ``p_yellow``
  (orange below ``p_orange``, red below ``p_red``).

A region and its parent can both alert for the same cases (each holds on its own counts).

One finding per episode: ``key = surge:<region id>:<subcategory>:<window>:<first day>``,
the first day being the earliest local day ending a window for which the condition held
on every day since (looked back over complete days, at most :data:`LOOKBACK_DAYS`), so
the key stays the same while the surge lasts and a later surge after a calm day gets a new
one. ``started_at`` is that day's local midnight (UTC); ``case_ids`` are the window's cases.

``facts``: ``count``, ``expected`` (2 decimals), ``p``, ``days`` (the window),
``category`` (the subcategory), ``region_level`` (its name in ``levels``) and
``first_day`` (ISO date).

Cost: one grouped query (cases by region, subcategory and UTC hour over the window, the
look-back and the baseline weeks, on ``cases.reported_at``'s index), rolled up to the
regions with the closure table and judged as arrays in numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from data import store
from data.alerts.finding import ORANGE, RED, YELLOW, Finding
from data.alerts.history import reports_only
from data.holidays import WorkCalendar, work_calendar
from data.models import Case, Region, RegionAncestor
from data.periods import local_date, local_midnight_utc
from data.sql import plain_rows, region_key, utc_hour

RULE = "surge"
#: How far back (complete days) an episode's first day is looked for.
LOOKBACK_DAYS = 14
DEFAULT_MIN_BASELINE_DAYS = 4


def poisson_sf(count: int, expected: float) -> float:
    """``P(X >= count)`` for ``X ~ Poisson(expected)``, in log space (no overflow or
    underflow for counts in the thousands; exact to ~1e-14 relative)."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    log_lam = math.log(expected)

    def log_term(i: int) -> float:
        return -expected + i * log_lam - math.lgamma(i + 1)

    if count > expected:
        # the terms fall from count on: sum them, scaled by the first
        first = log_term(count)
        total, term, i = 1.0, 1.0, count
        while True:
            i += 1
            term *= expected / i
            total += term
            if term < 1e-17 * total:
                break
        return min(1.0, math.exp(first + math.log(total)))
    # count <= expected: the tail is large; one minus the (few) lower terms
    lower = math.fsum(math.exp(log_term(i)) for i in range(count))
    return max(0.0, 1.0 - lower)


@dataclass(frozen=True)
class _Params:
    levels: tuple[str, ...]
    windows: tuple[int, ...]
    baseline_weeks: int
    min_count: int
    min_ratio: float
    p_red: float
    p_orange: float
    p_yellow: float
    min_baseline_days: int

    @classmethod
    def of(cls, params: dict) -> "_Params":
        return cls(tuple(params["levels"]), tuple(sorted({int(w) for w in params["windows"]})),
                   int(params["baseline_weeks"]), int(params["min_count"]),
                   float(params["min_ratio"]), float(params["p_red"]),
                   float(params["p_orange"]), float(params["p_yellow"]),
                   # a day with no baseline day at all has no expected count
                   max(1, int(params.get("min_baseline_days", DEFAULT_MIN_BASELINE_DAYS))))


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The surges that hold at ``as_of`` (naive UTC); see the module's text."""
    p = _Params.of(params)
    if not p.levels or not p.windows:
        return []
    first_case = conn.scalar(select(func.min(Case.reported_at)))
    if first_case is None or first_case > as_of:
        return []
    tz = store.deployment_timezone(conn)
    today = local_date(as_of, tz)
    first = today - timedelta(days=LOOKBACK_DAYS + max(p.windows) - 1 + 7 * p.baseline_weeks)
    data_first = max(local_date(first_case, tz), first)
    targets = _targets(conn, len(p.levels))
    counts = _counts(conn, first, today, as_of, tz, targets)
    if counts is None:
        return []
    pairs, full, part = counts
    days = _DayKinds(work_calendar(conn), first, today)
    findings: list[Finding] = []
    for window in p.windows:
        findings += _window_findings(p, window, pairs, full, part, days, data_first, first,
                                     today, tz)
    if findings:
        findings = _with_cases(conn, findings, targets, as_of, tz)
    return findings


def _targets(conn: Connection, n_levels: int) -> pd.DataFrame:
    """(descendant_id, ancestor_id, distance from the leaves) for every counted region and
    every region under it."""
    closure = pd.DataFrame(plain_rows(conn.execute(select(
        RegionAncestor.ancestor_id, RegionAncestor.descendant_id, RegionAncestor.distance
    ))), columns=["ancestor_id", "descendant_id", "distance"])
    parents = {pid for (pid,) in conn.execute(
        select(Region.parent_id).where(Region.parent_id.is_not(None)).distinct())}
    leaf_rows = closure[~closure["descendant_id"].isin(parents)
                        & (closure["distance"] < n_levels)]
    height = leaf_rows.groupby("ancestor_id")["distance"].min()
    out = closure[closure["ancestor_id"].isin(height.index)].copy()
    out["height"] = out["ancestor_id"].map(height).astype(int)
    return out[["descendant_id", "ancestor_id", "height"]]


def _counts(conn: Connection, first: date, today: date, as_of: datetime, tz,
            targets: pd.DataFrame):
    """The (region, subcategory) pairs and two arrays [pair, day]: every case of the day up
    to ``as_of``, and those of each day up to ``as_of``'s local time of day."""
    start = local_midnight_utc(first, tz)
    hour = utc_hour(Case.reported_at).label("hour")
    region = region_key(Case.region_id)  # -1 (unlocated) is in no region's count
    rows = plain_rows(conn.execute(
        select(region, Case.subcategory, hour, func.count())
        .where(Case.reported_at >= start, Case.reported_at <= as_of,
               Case.subcategory.is_not(None),
               or_(Case.voided_at.is_(None), Case.voided_at > as_of), reports_only())
        .group_by(region, Case.subcategory, hour)))
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["region_id", "subcategory", "hour", "n"])
    utc = pd.to_datetime(frame["hour"].astype(str).str.slice(0, 13), format="%Y-%m-%d %H")
    local = utc.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    frame["day"] = (local.dt.normalize() - pd.Timestamp(first)).dt.days
    midnight = pd.Timestamp(local_midnight_utc(today, tz)).tz_localize("UTC").tz_convert(tz)
    elapsed = (pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz) - midnight
               ).total_seconds() / 3600
    hour_of_day = (local - local.dt.normalize()).dt.total_seconds() / 3600
    frame["part"] = frame["n"] * np.clip(elapsed - hour_of_day, 0.0, 1.0)
    frame = frame.merge(targets, left_on="region_id", right_on="descendant_id")
    grouped = frame.groupby(["ancestor_id", "subcategory", "day"])[["n", "part"]].sum()
    pairs = grouped.index.droplevel("day").unique()
    n_days = (today - first).days + 1
    row = pairs.get_indexer(grouped.index.droplevel("day"))
    col = grouped.index.get_level_values("day").to_numpy()
    full = np.zeros((len(pairs), n_days))
    part = np.zeros((len(pairs), n_days))
    full[row, col] = grouped["n"].to_numpy()
    part[row, col] = grouped["part"].to_numpy()
    height = targets.drop_duplicates("ancestor_id").set_index("ancestor_id")["height"]
    pairs = pd.DataFrame({"region_id": pairs.get_level_values(0),
                          "subcategory": pairs.get_level_values(1)})
    pairs["height"] = pairs["region_id"].map(height).to_numpy()
    return pairs, full, part


class _DayKinds:
    """Each day's kind from ``first``: work, rest (an ordinary weekend day), holiday (a day
    off in a run of days off holding a weekday off) or makeup (a working weekend day)."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        n = (last - first).days + 1
        self.first = first
        days = [first + timedelta(i) for i in range(n)]
        working = np.array([calendar.is_working_day(d) for d in days])
        weekday = np.array([d.weekday() for d in days])
        kind = np.where(working, np.where(weekday >= 5, "makeup", "work"), "rest").astype(object)
        i = 0
        while i < n:
            if working[i]:
                i += 1
                continue
            j = i
            while j < n and not working[j]:
                j += 1
            if (weekday[i:j] < 5).any():
                kind[i:j] = "holiday"
            i = j
        self.kind = kind
        self.weekday = weekday

    def baseline(self, day: int, window_start: int, weeks: int, data_first: int) -> list[int]:
        """The baseline days (indexes) of day ``day`` of a window starting at
        ``window_start``: see the module's text."""
        kind = self.kind[day]
        if kind in ("work", "rest"):
            same = [day - 7 * j for j in range(1, weeks + 1)]
            return [b for b in same if data_first <= b < window_start and self.kind[b] == kind]
        wanted = ("holiday", "rest") if kind == "holiday" else ("work", "makeup")
        return [b for b in range(max(day - 7 * weeks, data_first), window_start)
                if self.kind[b] in wanted]


def _judge(p: _Params, window: int, end: int, live: bool, full: np.ndarray,
           part: np.ndarray, days: _DayKinds, data_first: int, rows: np.ndarray | None = None):
    """(count, expected, held) of the window ending on day ``end`` for ``rows`` (all when
    None); ``live``: the end day is today so far. None when the window is not judged."""
    start = end - window + 1
    if start < 0:
        return None
    f = full if rows is None else full[rows]
    pt = part if rows is None else part[rows]
    expected = np.zeros(len(f))
    for day in range(start, end + 1):
        base = days.baseline(day, start, p.baseline_weeks, data_first)
        if len(base) < p.min_baseline_days:
            return None
        source = pt if (live and day == end) else f
        expected += source[:, base].mean(axis=1)
    count = f[:, start:end + 1].sum(axis=1)
    held = (expected > 0) & (count >= p.min_count) & (count >= p.min_ratio * expected)
    held_idx = np.flatnonzero(held)
    probability = np.ones(len(f))
    for i in held_idx:
        probability[i] = poisson_sf(int(round(count[i])), float(expected[i]))
    held &= probability < p.p_yellow
    return count, expected, probability, held


def _window_findings(p: _Params, window: int, pairs: pd.DataFrame, full: np.ndarray,
                     part: np.ndarray, days: _DayKinds, data_first_day: date, first: date,
                     today: date, tz) -> list[Finding]:
    end = (today - first).days
    data_first = (data_first_day - first).days
    judged = _judge(p, window, end, True, full, part, days, data_first)
    if judged is None:
        return []
    count, expected, probability, held = judged
    rows = np.flatnonzero(held)
    episode = np.full(len(rows), end)
    still = np.ones(len(rows), dtype=bool)
    for back in range(1, LOOKBACK_DAYS + 1):
        earlier = _judge(p, window, end - back, False, full, part, days, data_first, rows)
        if earlier is None:
            break
        still &= earlier[3]
        if not still.any():
            break
        episode[still] = end - back
    findings = []
    for k, i in enumerate(rows):
        region_id = int(pairs.at[i, "region_id"])
        subcategory = str(pairs.at[i, "subcategory"])
        first_day = first + timedelta(days=int(episode[k]))
        pr = float(probability[i])
        level = RED if pr < p.p_red else ORANGE if pr < p.p_orange else YELLOW
        height = int(pairs.at[i, "height"])
        findings.append(Finding(
            rule=RULE, key=f"{RULE}:{region_id}:{subcategory}:{window}:{first_day.isoformat()}",
            level=level, region_id=region_id, started_at=local_midnight_utc(first_day, tz),
            facts={"count": int(round(count[i])), "expected": round(float(expected[i]), 2),
                   "p": float(f"{pr:.3g}"), "days": window, "category": subcategory,
                   "region_level": p.levels[height], "first_day": first_day.isoformat(),
                   "_window_start": (today - timedelta(days=window - 1)).isoformat()}))
    return findings


def _with_cases(conn: Connection, findings: list[Finding], targets: pd.DataFrame,
                as_of: datetime, tz) -> list[Finding]:
    """``findings`` with the ids of their windows' cases."""
    earliest = min(date.fromisoformat(f.facts["_window_start"]) for f in findings)
    subcategories = sorted({f.facts["category"] for f in findings})
    rows = plain_rows(conn.execute(
        select(Case.id, Case.region_id, Case.subcategory, Case.reported_at).where(
            and_(Case.reported_at >= local_midnight_utc(earliest, tz), Case.reported_at <= as_of,
                 Case.subcategory.in_(subcategories),
                 or_(Case.voided_at.is_(None), Case.voided_at > as_of), reports_only()))))
    cases = pd.DataFrame(rows, columns=["id", "region_id", "subcategory", "reported_at"])
    cases["reported_at"] = pd.to_datetime(cases["reported_at"], format="mixed")
    cases = cases.merge(targets, left_on="region_id", right_on="descendant_id")
    out = []
    for f in findings:
        facts = dict(f.facts)
        since = local_midnight_utc(date.fromisoformat(facts.pop("_window_start")), tz)
        mine = cases[(cases["ancestor_id"] == f.region_id)
                     & (cases["subcategory"] == f.facts["category"])
                     & (cases["reported_at"] >= since)]
        out.append(Finding(rule=f.rule, key=f.key, level=f.level, region_id=f.region_id,
                           started_at=f.started_at,
                           case_ids=tuple(sorted(int(x) for x in mine["id"])), facts=facts))
    return out


__all__ = ["LOOKBACK_DAYS", "detect", "poisson_sf"]
