"""The officers' assessment (网格员考核): ten figures per officer over a period, a score
from them with weights the centre can change, and a ranking within a region.

Conventions (as in :mod:`data.metric_registry`):

* ``P`` is a :class:`data.metrics.Period`: local dates ``first..last`` in the deployment's
  time zone and the half-open naive-UTC interval ``[start, end)`` they cover; "x in P"
  means ``start <= x < end``; "day in P" means ``first <= day <= last`` (a patrol visit's
  ``day`` is already a local day: :class:`data.models.PatrolVisit`).
* ``as_of`` (naive UTC) is the moment the figures stand at; "elapsed days" are the local
  days of P up to and including as_of's local day (none when as_of is before P began).
* An officer's *own grids* are the leaf regions they serve
  (:func:`data.field.roster.served_regions`, a served community or town expanded to the
  leaf regions under it).
* A figure with no basis is NaN (shown "—"), never 0 or 100%: the patrol figures when the
  store holds no patrol visit at all, the finding figures when no case of the store has
  the source ``patrol``, ``resolved_on_spot`` also when no case has a resolved level,
  ``mediations`` when the store holds no mediation record, a rate whose denominator is 0.

The score (0-100) is a weighted mean of the figures, each normalised within the ranking
group (the officers ranked under the region asked about) as *value / the group's best
value*, so the best officer on a figure gets 1 and an officer with half of it gets 0.5.
A figure the group's best has at 0 tells no one apart: it counts as unknown for all. An
officer's unknown figures drop out and their weight is spread over the officer's known
figures in proportion to those figures' weights (the score is
``100 * sum(w * v / best) / sum(w)`` over the known figures). Scores are rounded to one
decimal; equal rounded scores share a rank (1, 2, 2, 4) and are marked ``tied``.

Standing: ``inactive`` for an officer who left (the roster's ``active`` False; one who
left before P began is not in the frame at all); ``too_little_data`` for one on the
roster fewer than ``min_days`` of the elapsed days (``joined_at`` after P began), with no
own grid, or with no known figure of positive weight (``min_days`` is capped at the
elapsed days, so a one-day period ranks everyone on the roster that day); else
``ranked``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select, union

from data import schema
from data.field.roster import roster, served_regions
from data.metrics import Period, ResultCache, local_date, plain_rows
from data.models import (
    Case, CaseIntake, Mediation, PatrolVisit, Region, RegionAncestor,
)
from data.sql import count_if
from data.store import data_version, deployment_timezone

__all__ = ["DEFAULT_MIN_DAYS", "DEFAULT_WEIGHTS", "FIGURES", "FIGURE_KEYS", "Figure",
           "RANKED", "STANDINGS", "TOO_LITTLE_DATA", "INACTIVE", "WeightsError", "assess",
           "load_weights", "score_shares", "split_weights"]


@dataclass(frozen=True)
class Figure:
    """One figure of the assessment: its key, how to read it (``days``, ``hours``, ``km``,
    ``count`` or ``rate``), its one definition, and whether more is better (every figure
    here: more patrol, more finds, better rates)."""

    key: str
    kind: str
    definition: str
    higher_is_better: bool = True


FIGURES: tuple[Figure, ...] = (
    Figure("patrol_days", "days",
           "distinct local days in P with a patrol_visits row of the officer"),
    Figure("patrol_hours", "hours",
           "sum of patrol_visits.seconds / 3600 over the officer's visits with day in P"),
    Figure("patrol_km", "km",
           "sum of patrol_visits.distance_m / 1000 over the officer's visits with day in P"),
    Figure("grids_covered", "count",
           "distinct leaf regions with a patrol_visits row of the officer with day in P "
           "(any grid, their own or not)"),
    Figure("own_grid_coverage", "rate",
           "distinct (own grid, day) pairs with a visit of the officer, day in P and not after "
           "as_of's local day / (own grids x elapsed days of P); None when they serve no grid "
           "or no day of P has begun"),
    Figure("cases_found", "count",
           "cases with reported_at in P, source 'patrol', not voided (a duplicate merged "
           "away or a report voided is no find), whose finder is the officer: "
           "case_intake.officer_id, else cases.officer_id"),
    Figure("resolved_on_spot", "count",
           "of cases_found, those with resolved_level 'grid' and resolved_at not after as_of"),
    Figure("on_time_closure_rate", "rate",
           "the registry's on_time_closure_rate over the cases whose cases.officer_id is the "
           "officer: closed_on_time / (due_to_close cases with a deadline); None when that "
           "is 0"),
    Figure("satisfaction_rate", "rate",
           "the registry's satisfaction_rate over the cases whose cases.officer_id is the "
           "officer: cases with closed_at in P rated satisfied or basically satisfied / "
           "cases with closed_at in P that were rated (an unreached visit rates nothing); "
           "None when none was rated"),
    Figure("mediations", "count",
           "mediations rows with at in P and officer_id the officer (a dispute mediated "
           "twice counts twice: each sitting is work done)"),
)
FIGURE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}

#: The documented default weights (they add up to 100; only their proportions matter).
DEFAULT_WEIGHTS: dict[str, float] = {
    "patrol_days": 15.0,
    "patrol_hours": 10.0,
    "patrol_km": 5.0,
    "grids_covered": 5.0,
    "own_grid_coverage": 20.0,
    "cases_found": 15.0,
    "resolved_on_spot": 10.0,
    "on_time_closure_rate": 10.0,
    "satisfaction_rate": 5.0,
    "mediations": 5.0,
}
#: An officer on the roster fewer of the period's elapsed days than this is not ranked.
DEFAULT_MIN_DAYS = 3
#: The ``[ranking]`` keys of a weights file and their defaults.
RANKING_DEFAULTS: dict[str, int] = {"min_days": DEFAULT_MIN_DAYS}

RANKED, TOO_LITTLE_DATA, INACTIVE = "ranked", "too_little_data", "inactive"
STANDINGS: tuple[str, ...] = (RANKED, TOO_LITTLE_DATA, INACTIVE)

COLUMNS: tuple[str, ...] = ("code", "name", "role", "active", "home_region_id", "home_region",
                            *FIGURE_KEYS, "score", "rank", "tied", "standing")

_PATROL_FIGURES = ("patrol_days", "patrol_hours", "patrol_km", "grids_covered",
                   "own_grid_coverage")


# --- weights ----------------------------------------------------------------------------------

class WeightsError(ValueError):
    """A weights file that cannot be used; the message names the file, key, value and why."""


def load_weights(path: str | Path) -> dict[str, float]:
    """The weights of a TOML file, over the defaults, for :func:`assess`.

    The file::

        [weights]              # figure key = a number >= 0; figures not named keep
        patrol_days = 20       # their default (DEFAULT_WEIGHTS); 0 leaves one out
        mediations = 0

        [ranking]
        min_days = 3           # days on the roster in the period to be ranked

    Returns every figure key with its weight, and ``min_days``. Raises
    :class:`WeightsError` naming the file, the key, the value and why for a file that is
    missing or not TOML, an unknown table, figure or ranking key, a weight that is not a
    number >= 0, a ``min_days`` that is not a whole number >= 1, or weights all 0.
    """
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise WeightsError(f"{where}: cannot be read ({error.strerror or error})") from None
    try:
        parsed = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WeightsError(f"{where}: not a TOML file ({error})") from None
    for table in parsed:
        if table not in ("weights", "ranking"):
            raise WeightsError(f"{where}: [{table}] is not a table of a weights file "
                               "(expected [weights] and [ranking])")
    weights: dict[str, float] = dict(DEFAULT_WEIGHTS)
    for key, value in _table(parsed, "weights", where).items():
        if key not in BY_KEY:
            raise WeightsError(f"{where}: [weights] {key} = {value!r}: no such figure "
                               f"(expected one of {', '.join(FIGURE_KEYS)})")
        weights[key] = _weight(value, f"{where}: [weights] {key} = {value!r}")
    ranking = dict(RANKING_DEFAULTS)
    for key, value in _table(parsed, "ranking", where).items():
        if key not in RANKING_DEFAULTS:
            raise WeightsError(f"{where}: [ranking] {key} = {value!r}: no such setting "
                               f"(expected {', '.join(RANKING_DEFAULTS)})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise WeightsError(f"{where}: [ranking] {key} = {value!r}: expected a whole "
                               "number of days >= 1")
        ranking[key] = value
    if not any(weights[key] > 0 for key in FIGURE_KEYS):
        raise WeightsError(f"{where}: [weights]: every weight is 0, nothing to score")
    return {**weights, **ranking}


def _table(parsed: dict, name: str, where: str) -> dict:
    table = parsed.get(name, {})
    if not isinstance(table, dict):
        raise WeightsError(f"{where}: {name} = {table!r}: expected a table [{name}]")
    return table


def _weight(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WeightsError(f"{what}: expected a number >= 0")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise WeightsError(f"{what}: expected a finite number >= 0")
    return number


def split_weights(weights: dict | None) -> tuple[dict[str, float], int]:
    """(figure weights, min_days) of a :func:`load_weights`-shaped dict (None: the defaults).
    Figures the dict does not name keep their default weight."""
    given = dict(weights or {})
    figure_weights = {key: float(given.get(key, DEFAULT_WEIGHTS[key])) for key in FIGURE_KEYS}
    unknown = set(given) - set(FIGURE_KEYS) - set(RANKING_DEFAULTS)
    if unknown:
        raise WeightsError(f"weights: {', '.join(sorted(unknown))}: no such figure")
    for key, value in figure_weights.items():
        _weight(value, f"weights: {key} = {value!r}")
    if not any(value > 0 for value in figure_weights.values()):
        raise WeightsError("weights: every weight is 0, nothing to score")
    min_days = int(given.get("min_days", DEFAULT_MIN_DAYS))
    return figure_weights, max(1, min_days)


def score_shares(weights: dict | None = None) -> list[tuple[str, float, float]]:
    """(figure, weight, share of the score in percent) of each figure with a positive
    weight (for "what the score is made of"), in :data:`FIGURES` order."""
    figure_weights, _ = split_weights(weights)
    total = sum(figure_weights.values())
    return [(key, w, 100.0 * w / total) for key, w in figure_weights.items() if w > 0]


# --- the assessment ---------------------------------------------------------------------------

def assess(conn: Connection, region_id: int | None, period: Period, as_of: datetime,
           weights: dict | None = None, *, cache: ResultCache | None = None) -> pd.DataFrame:
    """The assessment of the officers serving any region under ``region_id`` (None: every
    officer) over ``period``, standing at ``as_of`` (naive UTC).

    Returns a frame indexed by officer_id with the columns of :data:`COLUMNS`: code, name,
    role, active, home_region_id, home_region, one column per :data:`FIGURES` key (NaN =
    unknown), score (NaN when not ranked), rank (Int64, NA when not ranked), tied, standing
    (:data:`STANDINGS`); sorted by rank, then standing, then name. Officers who left before
    the period began are left out. ``weights`` is :func:`load_weights`' dict (None: the
    defaults). With ``cache`` the frame is kept per data version and arguments.
    """
    figure_weights, min_days = split_weights(weights)
    if cache is None:
        return _assess(conn, region_id, period, as_of, figure_weights, min_days)
    key = cache.key(conn, "assessment", region_id, period, as_of,
                    tuple(sorted(figure_weights.items())), min_days)
    return cache.get_or_compute(
        key, lambda: _assess(conn, region_id, period, as_of, figure_weights, min_days)).copy()


def _assess(conn: Connection, region_id: int | None, period: Period, as_of: datetime,
            figure_weights: dict[str, float], min_days: int) -> pd.DataFrame:
    tz = deployment_timezone(conn)
    today = local_date(as_of, tz)
    elapsed_last = min(period.last, today)
    elapsed = max(0, (elapsed_last - period.first).days + 1)
    served = served_regions(conn)
    people = _frame(conn, served, region_id, period)
    own = _own_grids(conn, served, people.index)
    ids = list(people.index)
    facts = _store_facts(conn)
    figures = pd.DataFrame(index=people.index, columns=list(FIGURE_KEYS), dtype="float64")
    if ids:
        _patrol_figures(conn, figures, ids, own, period, elapsed_last, elapsed, facts)
        _case_figures(conn, figures, ids, period, as_of, facts)
        _mediation_figures(conn, figures, ids, period, facts)
    frame = people.join(figures.astype("float64"))
    days_on = _days_on_roster(frame["joined_at"], period.first, elapsed_last, tz)
    has_grid = pd.Series([bool(own.get(oid)) for oid in frame.index], index=frame.index,
                         dtype=bool)
    need = max(1, min(min_days, elapsed))
    standing = np.where(~frame["active"].astype(bool), INACTIVE,
                        np.where((days_on >= need) & has_grid & (elapsed > 0),
                                 RANKED, TOO_LITTLE_DATA))
    frame["standing"] = standing
    return _rank(_score(frame, figure_weights))


def _frame(conn: Connection, served: pd.DataFrame, region_id: int | None,
           period: Period) -> pd.DataFrame:
    """The officers of the frame: code, name, role, active, joined_at, home region."""
    people = roster(conn)
    if region_id is not None:
        under = select(RegionAncestor.descendant_id).where(
            RegionAncestor.ancestor_id == region_id)
        above = select(RegionAncestor.ancestor_id).where(
            RegionAncestor.descendant_id == region_id)
        inside = {rid for (rid,) in conn.execute(union(under, above))}
        # serving a region under it, or a community or town above it (their grids are in it)
        members = set(served.loc[served["region_id"].isin(inside), "officer_id"])
        people = people[people.index.isin(members)]
    left_before = people["left_at"].map(
        lambda at: at is not None and not pd.isna(at) and at < period.start)
    people = people[~(left_before & ~people["active"])]
    names = dict(conn.execute(select(Region.id, Region.name).where(
        Region.id.in_([int(r) for r in people["home_region_id"].dropna().unique()]))).all())
    people = people.assign(home_region=people["home_region_id"].map(
        lambda rid: None if rid is None or pd.isna(rid) else names.get(int(rid))))
    return people[["code", "name", "role", "active", "home_region_id", "home_region",
                   "joined_at"]]


def _own_grids(conn: Connection, served: pd.DataFrame,
               officer_ids) -> dict[int, frozenset[int]]:
    """Each officer's own grids: their served regions, expanded to the leaves under them."""
    served = served[served["officer_id"].isin(list(officer_ids))]
    if served.empty:
        return {}
    child = Region.__table__.alias("child")
    leaf = ~select(child.c.id).where(child.c.parent_id == RegionAncestor.descendant_id).exists()
    pairs = pd.DataFrame(plain_rows(conn.execute(
        select(RegionAncestor.ancestor_id, RegionAncestor.descendant_id)
        .where(RegionAncestor.ancestor_id.in_([int(r) for r in served["region_id"].unique()]),
               leaf))), columns=["region_id", "leaf"])
    merged = served.merge(pairs, on="region_id")
    return {int(oid): frozenset(int(x) for x in group)
            for oid, group in merged.groupby("officer_id")["leaf"]}


def _days_on_roster(joined: pd.Series, first: date, last: date, tz) -> pd.Series:
    """The elapsed days of P each officer was on the roster (from joined_at's local day)."""
    def days(at) -> int:
        start = first if at is None or pd.isna(at) else max(first, local_date(at, tz))
        return max(0, (last - start).days + 1)
    return joined.map(days).astype("int64")


def _store_facts(conn: Connection) -> dict[str, bool]:
    """Whether the store records patrol visits, patrol-found cases, resolved levels and
    mediations at all (a figure of a kind it never records is unknown, not 0); kept per
    data version."""
    def read() -> dict[str, bool]:
        def some(query) -> bool:
            return conn.execute(query.limit(1)).first() is not None
        return {
            "visits": some(select(PatrolVisit.patrol_id)),
            "found": some(select(Case.id).where(Case.source == "patrol")),
            "levels": some(select(Case.id).where(Case.resolved_level.is_not(None))),
            "mediations": some(select(Mediation.id)),
        }
    return _FACTS.get_or_compute((str(conn.engine.url), data_version(conn), "facts"), read)


_FACTS = ResultCache(size=8)


def _officer_filter(column, ids: list[int]):
    """``column IN ids`` for a few officers; for many, no filter (the grouping picks them)."""
    return column.in_(ids) if len(ids) <= 500 else column.is_not(None)


def _patrol_figures(conn: Connection, out: pd.DataFrame, ids: list[int],
                    own: dict[int, frozenset[int]], period: Period, elapsed_last: date,
                    elapsed: int, facts: dict[str, bool]) -> None:
    if not facts["visits"]:
        return
    v = PatrolVisit
    # a visit's first_at lies in its local day: the time range lets the (officer_id,
    # first_at) index find them, the day test is the definition
    query = (select(v.officer_id, v.region_id, v.day, v.seconds, v.distance_m)
             .where(_officer_filter(v.officer_id, ids),
                    v.first_at >= period.start - timedelta(days=1),
                    v.first_at < period.end + timedelta(days=1),
                    v.day >= period.first, v.day <= period.last))
    visits = pd.DataFrame(plain_rows(conn.execute(query)),
                          columns=["officer_id", "region_id", "day", "seconds", "distance_m"])
    visits = visits[visits["officer_id"].isin(ids)]
    visits["day"] = pd.to_datetime(visits["day"]).dt.date
    grouped = visits.groupby("officer_id")
    out["patrol_days"] = grouped["day"].nunique().astype(float).reindex(out.index).fillna(0.0)
    out["patrol_hours"] = (grouped["seconds"].sum().astype(float) / 3600
                           ).reindex(out.index).fillna(0.0)
    out["patrol_km"] = (grouped["distance_m"].sum().astype(float) / 1000
                        ).reindex(out.index).fillna(0.0)
    out["grids_covered"] = (grouped["region_id"].nunique().astype(float)
                            .reindex(out.index).fillna(0.0))
    done = visits[visits["day"] <= elapsed_last]
    done = done[[rid in own.get(oid, ()) for oid, rid in
                 zip(done["officer_id"], done["region_id"])]]
    pairs = done.groupby("officer_id").apply(
        lambda g: len(set(zip(g["region_id"], g["day"]))), include_groups=False) \
        if not done.empty else pd.Series(dtype="float64")
    out["own_grid_coverage"] = [
        (float(pairs.get(oid, 0)) / (len(own[oid]) * elapsed))
        if own.get(oid) and elapsed > 0 else np.nan
        for oid in out.index]


def _case_figures(conn: Connection, out: pd.DataFrame, ids: list[int], period: Period,
                  as_of: datetime, facts: dict[str, bool]) -> None:
    c = Case
    if facts["found"]:
        finder = func.coalesce(CaseIntake.officer_id, c.officer_id).label("finder")
        on_spot = and_(c.resolved_level == schema.GRID_LEVEL, c.resolved_at <= as_of)
        query = (select(finder, func.count().label("found"), count_if(on_spot).label("spot"))
                 .select_from(c).outerjoin(CaseIntake, CaseIntake.case_id == c.id)
                 .where(c.reported_at >= period.start, c.reported_at < period.end,
                        c.source == "patrol", c.status != schema.VOIDED)
                 .group_by(finder))
        found = pd.DataFrame(plain_rows(conn.execute(query)),
                             columns=["officer_id", "found", "spot"])
        found = found.dropna(subset=["officer_id"]).set_index("officer_id")
        found.index = found.index.astype("int64")
        out["cases_found"] = found["found"].astype(float).reindex(out.index).fillna(0.0)
        if facts["levels"]:
            out["resolved_on_spot"] = found["spot"].astype(float).reindex(out.index).fillna(0.0)
    rates = pd.DataFrame(plain_rows(conn.execute(_rate_query(ids, period, as_of))),
                         columns=["officer_id", "on_time", "with_deadline", "satisfied",
                                  "rated"]).set_index("officer_id")
    rates = rates.astype("float64").reindex(out.index).fillna(0.0)
    out["on_time_closure_rate"] = (rates["on_time"] / rates["with_deadline"]).where(
        rates["with_deadline"] > 0)
    out["satisfaction_rate"] = (rates["satisfied"] / rates["rated"]).where(rates["rated"] > 0)


def _rate_query(ids: list[int], p: Period, as_of: datetime):
    """Per officer (cases.officer_id): the registry's closed_on_time, due_to_close with a
    deadline, satisfied and rated (the same conditions as :mod:`data.metrics`)."""
    c = Case
    closed_in_p = and_(c.closed_at >= p.start, c.closed_at < p.end)
    not_waiting = c.status.not_in([schema.VOIDED, schema.REPORTED])
    fell_due = and_(c.due_at >= p.start, c.due_at < p.end, c.due_at <= as_of)
    due_to_close = or_(and_(not_waiting, fell_due,
                            or_(c.closed_at.is_(None), c.closed_at >= p.start)),
                       closed_in_p)
    touched = union(select(c.id).where(c.closed_at >= p.start, c.closed_at < p.end),
                    select(c.id).where(c.due_at >= p.start, c.due_at < p.end))
    return (select(c.officer_id,
                   count_if(and_(closed_in_p, c.due_at.is_not(None),
                                 c.closed_at <= c.due_at)),
                   count_if(and_(due_to_close, c.due_at.is_not(None))),
                   count_if(and_(closed_in_p, c.satisfaction.in_(
                       [schema.SATISFIED, schema.BASICALLY_SATISFIED]))),
                   count_if(and_(closed_in_p, c.satisfaction.is_not(None))))
            .where(c.id.in_(touched), _officer_filter(c.officer_id, ids))
            .group_by(c.officer_id))


def _mediation_figures(conn: Connection, out: pd.DataFrame, ids: list[int], period: Period,
                       facts: dict[str, bool]) -> None:
    if not facts["mediations"]:
        return
    m = Mediation
    rows = plain_rows(conn.execute(
        select(m.officer_id, func.count()).where(
            _officer_filter(m.officer_id, ids), m.at >= period.start, m.at < period.end)
        .group_by(m.officer_id)))
    counts = pd.Series({int(oid): float(n) for oid, n in rows if oid is not None},
                       dtype="float64")
    out["mediations"] = counts.reindex(out.index).fillna(0.0)


# --- score and rank ---------------------------------------------------------------------------

def _score(frame: pd.DataFrame, figure_weights: dict[str, float]) -> pd.DataFrame:
    """The score of each ranked officer (see the module's docstring); NaN for the rest, and
    an officer whose known figures all weigh 0 is moved to too_little_data."""
    ranked = frame["standing"] == RANKED
    total = pd.Series(0.0, index=frame.index)
    weight = pd.Series(0.0, index=frame.index)
    for key in FIGURE_KEYS:
        w = figure_weights[key]
        if w <= 0:
            continue
        values = frame[key].astype("float64")
        best = values[ranked].max()
        if pd.isna(best) or best <= 0:
            continue  # no basis in the group, or nobody above 0: tells no one apart
        known = values.notna()
        total += np.where(known, w * values.fillna(0) / best, 0.0)
        weight += np.where(known, w, 0.0)
    score = (100 * total / weight.where(weight > 0)).round(1)
    no_basis = ranked & score.isna()
    frame = frame.assign(score=score.where(ranked & ~no_basis))
    frame.loc[no_basis, "standing"] = TOO_LITTLE_DATA
    return frame


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    ranked = frame["standing"] == RANKED
    ranks = frame["score"].where(ranked).rank(method="min", ascending=False)
    frame["rank"] = ranks.round().astype("Int64")
    counts = frame.loc[ranked, "score"].value_counts()
    frame["tied"] = ranked & frame["score"].map(counts).fillna(0).gt(1)
    order = frame.assign(
        _rank=frame["rank"].astype("float64").fillna(np.inf),
        _standing=frame["standing"].map({s: i for i, s in enumerate(STANDINGS)}))
    frame = frame.loc[order.sort_values(["_rank", "_standing", "name"], kind="stable").index]
    frame["active"] = frame["active"].astype(bool)
    frame["tied"] = frame["tied"].astype(bool)
    return frame[list(COLUMNS)]
