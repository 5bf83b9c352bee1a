"""What the console looks at: the case filter, its period, and the SQL conditions it makes.

Plain Python and SQL, no Dash. A :class:`CaseFilter` is a region, a period, categories,
sources, statuses and free text; the console's address (``callbacks.console``) builds one.
Statuses are the case's status now; ``open`` means any of :data:`data.schema.OPEN_STATUSES`,
and ``overdue`` an open, not suspended case whose deadline has passed
(:data:`data.schema.STATUS_CHOICES`).

The status filter applies to the list and the map only, never to the metrics: a closure
rate "of the open cases" would not be the registry's closure rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, or_, select
from sqlalchemy.sql.expression import ColumnElement

from data import metrics, schema
from data.cases.stages import overdue_sql
from data.metrics import DEFAULT_DAYS, CaseScope, Period, local_date, period_for
from data.models import Case, Category
from data.regions import RegionInfo, within
from data.store import deployment_timezone

#: Status filter values beyond the canonical statuses.
OPEN = "open"
OVERDUE = "overdue"

MAX_TEXT = 200  # characters of a free-text search or a grid text filter
MAX_DAYS = 3660


# --- errors ---------------------------------------------------------------------------------

class FilterError(ValueError):
    """A filter, a grid request or an export was asked with a value it cannot take.

    ``param`` names what was wrong (a URL parameter, ``sort_model``, ``filter_model.code``,
    ...), ``value`` is what was received and ``reason`` a key layouts can word in zh or en
    (``unknown_column``, ``not_a_date``, ...). ``str()`` gives an English sentence.
    """

    def __init__(self, param: str, value: object, reason: str, detail: str = "") -> None:
        self.param = param
        self.value = value
        self.reason = reason
        self.detail = detail
        text = f"{param}={value!r}: {reason.replace('_', ' ')}"
        super().__init__(f"{text} ({detail})" if detail else text)


# --- the filter -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilter:
    """What the console looks at: a region, a period, categories, sources, statuses, text.

    ``first``/``last`` are inclusive local dates; without them the period is the last
    ``days`` days up to today (``days=1`` is today; default 30). Empty tuples mean "all".
    Building one checks every value (:class:`FilterError`).
    """

    region_code: str | None = None
    first: date | None = None
    last: date | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    text: str = ""
    days: int | None = None

    def __post_init__(self) -> None:
        for name in ("categories", "sources", "statuses"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (tuple, list)):
                raise FilterError(name, value, "not_a_list")
            object.__setattr__(self, name, tuple(dict.fromkeys(value)))
        if (self.first is None) != (self.last is None):
            raise FilterError("from" if self.first is None else "to",
                              self.first or self.last, "half_a_period",
                              "give both the first and the last date, or neither")
        if self.first is not None and self.last is not None:
            if not isinstance(self.first, date) or not isinstance(self.last, date):
                raise FilterError("from", self.first, "not_a_date")
            if self.first > self.last:
                raise FilterError("from", self.first.isoformat(), "period_backwards",
                                  f"after the last date {self.last.isoformat()}")
        if self.days is not None and (not isinstance(self.days, int) or isinstance(self.days, bool)
                                      or not 1 <= self.days <= MAX_DAYS):
            raise FilterError("days", self.days, "bad_days", f"a whole number 1..{MAX_DAYS}")
        for source in self.sources:
            if source not in schema.SOURCES:
                raise FilterError("source", source, "unknown_source",
                                  "one of " + ", ".join(schema.SOURCES))
        for status in self.statuses:
            if status not in schema.STATUS_CHOICES:
                raise FilterError("status", status, "unknown_status",
                                  "one of " + ", ".join(schema.STATUS_CHOICES))
        if not isinstance(self.text, str) or len(self.text) > MAX_TEXT:
            raise FilterError("q", self.text, "text_too_long", f"at most {MAX_TEXT} characters")
        if self.region_code is not None and (not isinstance(self.region_code, str)
                                             or not self.region_code.strip()):
            raise FilterError("region", self.region_code, "bad_region")

    @property
    def scope(self) -> CaseScope:
        """The part of the filter the metrics follow (categories and sources)."""
        return CaseScope(self.categories, self.sources)


def period_of(conn: Connection, flt: CaseFilter, now: datetime) -> Period:
    """The filter's period: its dates; else the last ``days`` (default 30) local days up to
    today, or up to the newest case's day when the store holds only older data (as
    :func:`data.metrics.summarize` does)."""
    tz = deployment_timezone(conn)
    if flt.first is not None and flt.last is not None:
        return period_for(flt.first, flt.last, tz)
    last = local_date(metrics.default_anchor(conn, now), tz)
    return period_for(last - timedelta(days=(flt.days or DEFAULT_DAYS) - 1), last, tz)


def filter_options(conn: Connection, *, cache: metrics.ResultCache | None = None
                   ) -> dict[str, list[str]]:
    """The names the console's category filter offers, sorted: ``categories`` and
    ``subcategories`` (from the category table and the cases). The cases' distinct
    categories take a pass over every case; a ``cache`` keeps them (per data version, or
    ``max_age``)."""
    def names(table_column, case_column) -> list[str]:
        found = {v for (v,) in conn.execute(select(table_column).distinct()) if v}
        found |= {v for (v,) in conn.execute(select(case_column).distinct()) if v}
        return sorted(found)

    def both() -> tuple[list[str], list[str]]:
        return (names(Category.category, Case.category),
                names(Category.subcategory, Case.subcategory))

    categories, subcategories = both() if cache is None else cache.get_or_compute(
        cache.key(conn, "filter_options"), both)
    return {"categories": list(categories), "subcategories": list(subcategories)}


# --- SQL pieces -----------------------------------------------------------------------------

def like_escape(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape sign escaped (escape ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: "located anywhere": the subtree of a deployment's one top-level region
LOCATED = Case.region_id.is_not(None)


def subtree_condition(conn: Connection, region: RegionInfo | None) -> ColumnElement[bool] | None:
    """Cases located in ``region``'s subtree (None: no condition, every case)."""
    return within(Case.region_id, region, conn)


def case_conditions(flt: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Categories, sources, statuses and free text (everything but region and period)."""
    out: list[ColumnElement[bool]] = []
    scope = flt.scope.condition()
    if scope is not None:
        out.append(scope)
    if flt.statuses:
        plain = [s for s in flt.statuses if s in schema.STATUSES]
        either = [Case.status.in_(plain)] if plain else []
        if OPEN in flt.statuses:
            either.append(Case.status.in_(schema.OPEN_STATUSES))
        if OVERDUE in flt.statuses:
            either.append(overdue_sql(now))
        out.append(or_(*either))
    if flt.text:
        pattern = f"%{like_escape(flt.text)}%"
        out.append(or_(Case.code.ilike(pattern, escape="\\"),
                       Case.description.ilike(pattern, escape="\\"),
                       Case.address.ilike(pattern, escape="\\")))
    return out
