"""What the commander console reads: filters, the case list, a case and its history,
exports, the traffic lights of workflow stages, map points, and one region's panels.

Plain Python and SQL, no Dash. Every figure of a panel comes from the metric registry
(:func:`data.metrics.compute`), narrowed by the filter's categories and sources; this module
only chooses which cases and which period.

Which cases are "the list" (:func:`case_page`, :func:`case_count`, :func:`export_cases`):
the cases located in the filter's region (its whole subtree; every case, unlocated ones
included, when no region is given) **reported in the filter's period**, that match its
categories (a case's category or subcategory), sources, statuses and free text. Statuses
are the case's status now; ``open`` means any of :data:`data.schema.OPEN_STATUSES`, and
``overdue`` an open, not suspended case whose deadline has passed. The grid's own sort and
filter model narrow and order that list further.

The status filter applies to the list and the map only, never to the metrics: a closure
rate "of the open cases" would not be the registry's closure rate.

Stage traffic lights (:func:`stage_light`, DOMAIN.md): green while under 80% of the stage's
time limit has passed, yellow from 80% to 100% (both included), red past it. A stage's
clock starts when the case entered it:

=============  ======================================  ==========================
status         waiting for                             limit
=============  ======================================  ==========================
reported       filing (立案) after verification         :data:`STAGE_LIMITS` 2 h
filed          dispatch (派遣) to a department          :data:`STAGE_LIMITS` 4 h
dispatched     handling by the department              its deadline: due_at - dispatched_at
resolved       verification and closing (核查结案)      :data:`STAGE_LIMITS` 24 h
suspended      nothing (挂账: the clock is stopped)     no light
closed/voided  nothing                                 no light
=============  ======================================  ==========================

A case sent back for rework (返工) is dispatched again, so it is measured against its
deadline like any dispatched case. A dispatched case without a deadline has no light.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    case,
    false,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.sql.expression import ColumnElement

from data import metrics, schema, sql
from data.metrics import DEFAULT_DAYS, CaseScope, Period, local_date, period_for
from data.models import Case, CaseEvent, Department, Officer, Region, RegionAncestor
from data.regions import RegionInfo, UnknownRegion, ancestors_of, children_of, get_region
from data.store import deployment_timezone
from data.wall import LONG_UNFIXED

__all__ = [
    "CaseFilter", "FilterError", "STAGE_LIMITS", "UnknownRegion", "case_count", "case_detail",
    "case_page", "export_cases", "export_filename", "filter_options", "open_case_points",
    "period_of", "stage_light",
]

# --- stage time limits --------------------------------------------------------------------

#: The time limit of each stage that has no deadline of its own (see the module docstring).
STAGE_LIMITS: dict[str, timedelta] = {
    schema.REPORTED: timedelta(hours=2),   # verify and file (or void) a report
    schema.FILED: timedelta(hours=4),      # dispatch a filed case
    schema.RESOLVED: timedelta(hours=24),  # verify the work and close the case
}
#: Share of a stage's limit from which the light turns yellow.
YELLOW_FROM = (4, 5)  # 80%, as a fraction of integers so the comparison is exact
LIGHTS = ("green", "yellow", "red")

#: Status filter values beyond the canonical statuses.
OPEN = "open"
OVERDUE = "overdue"
STATUS_CHOICES: tuple[str, ...] = (*schema.STATUSES, OPEN, OVERDUE)

MAX_PAGE = 1000  # rows per request of the grid
MAX_TEXT = 200  # characters of a free-text search or a grid text filter
MAX_DAYS = 3660
EXPORT_FORMATS = ("csv", "xlsx")

#: Words of the console's data the user reads (column headers of exports, shorthands).
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "id": "序号", "code": "案卷编号", "reported_at": "上报时间", "category": "大类",
        "subcategory": "小类", "source": "来源", "status": "状态", "urgent": "紧急",
        "place": "网格", "department": "处置部门", "officer": "网格员", "due_at": "处置时限",
        "stage_light": "阶段亮灯", "overdue_hours": "超期(小时)", "version": "版本",
        "description": "问题描述", "address": "地址",
        OPEN: "在办", OVERDUE: "超期", "green": "绿灯", "yellow": "黄灯", "red": "红灯",
        "yes": "是", "no": "否", "all": "全部",
    },
    "en": {
        "id": "No.", "code": "Case code", "reported_at": "Reported at", "category": "Category",
        "subcategory": "Subcategory", "source": "Source", "status": "Status",
        "urgent": "Urgent", "place": "Grid", "department": "Department",
        "officer": "Grid officer", "due_at": "Deadline", "stage_light": "Stage light",
        "overdue_hours": "Overdue (hours)", "version": "Version",
        "description": "Description", "address": "Address",
        OPEN: "Open", OVERDUE: "Overdue", "green": "Green", "yellow": "Yellow", "red": "Red",
        "yes": "Yes", "no": "No", "all": "All",
    },
}


def word(key: str, lang: str = "zh") -> str:
    """A word of this module's vocabulary, or of :data:`data.schema.LABELS`."""
    table = WORDS.get(lang, WORDS["zh"])
    return table[key] if key in table else schema.label(key, lang)


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

#: URL query keys of :meth:`CaseFilter.from_query` / :meth:`CaseFilter.to_query`.
QUERY_KEYS = ("region", "from", "to", "days", "category", "source", "status", "q")


def _split(value: str) -> tuple[str, ...]:
    r"""Comma-separated values; ``\,`` is a comma inside a value (category names may hold one)."""
    parts = re.split(r"(?<!\\),", value)
    return tuple(p.replace("\\,", ",").strip() for p in parts if p.strip())


def _join(values: Sequence[str]) -> str:
    return ",".join(v.replace(",", "\\,") for v in values)


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
            if status not in STATUS_CHOICES:
                raise FilterError("status", status, "unknown_status",
                                  "one of " + ", ".join(STATUS_CHOICES))
        if not isinstance(self.text, str) or len(self.text) > MAX_TEXT:
            raise FilterError("q", self.text, "text_too_long", f"at most {MAX_TEXT} characters")
        if self.region_code is not None and (not isinstance(self.region_code, str)
                                             or not self.region_code.strip()):
            raise FilterError("region", self.region_code, "bad_region")

    @property
    def scope(self) -> CaseScope:
        """The part of the filter the metrics follow (categories and sources)."""
        return CaseScope(self.categories, self.sources)

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "CaseFilter":
        """A filter from URL query values (``region``, ``from``, ``to``, ``days``,
        ``category``, ``source``, ``status`` as comma-separated lists, ``q``). Other keys
        (``lang``, ...) are not the filter's and are left alone. Raises
        :class:`FilterError` naming the bad parameter and value."""
        def get(key: str) -> str:
            value = params.get(key)
            if value is None:
                return ""
            if not isinstance(value, str):
                raise FilterError(key, value, "not_text")
            return value.strip()

        def day(key: str) -> date | None:
            value = get(key)
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise FilterError(key, value, "not_a_date", "YYYY-MM-DD") from None

        days_text = get("days")
        days = None
        if days_text:
            if not days_text.isdigit():
                raise FilterError("days", days_text, "bad_days", f"a whole number 1..{MAX_DAYS}")
            days = int(days_text)
        return cls(region_code=get("region") or None, first=day("from"), last=day("to"),
                   categories=_split(get("category")), sources=_split(get("source")),
                   statuses=_split(get("status")), text=get("q"), days=days)

    def to_query(self) -> dict[str, str]:
        """The URL query values of this filter (defaults left out); ``from_query`` of the
        result gives back an equal filter."""
        out: dict[str, str] = {}
        if self.region_code:
            out["region"] = self.region_code
        if self.first is not None and self.last is not None:
            out["from"], out["to"] = self.first.isoformat(), self.last.isoformat()
        if self.days is not None:
            out["days"] = str(self.days)
        for key, values in (("category", self.categories), ("source", self.sources),
                            ("status", self.statuses)):
            if values:
                out[key] = _join(values)
        if self.text:
            out["q"] = self.text
        return out


def period_of(conn: Connection, flt: CaseFilter, now: datetime) -> Period:
    """The filter's period: its dates; else the last ``days`` (default 30) local days up to
    today, or up to the newest case's day when the store holds only older data (as
    :func:`data.report.summarize` does)."""
    tz = deployment_timezone(conn)
    if flt.first is not None and flt.last is not None:
        return period_for(flt.first, flt.last, tz)
    last = local_date(metrics.default_anchor(conn, now), tz)
    return period_for(last - timedelta(days=(flt.days or DEFAULT_DAYS) - 1), last, tz)


def filter_options(conn: Connection, lang: str = "zh", *,
                   cache: metrics.ResultCache | None = None) -> dict[str, list[tuple[str, str]]]:
    """The choices of the console's filters as (value, label) pairs: categories and
    subcategories (from the category table and the cases), sources, statuses (with the
    ``open`` and ``overdue`` shorthands). The cases' distinct categories take a pass over
    every case; a ``cache`` keeps them (per data version, or ``max_age``)."""
    from data.models import Category

    def names(table_column, case_column) -> list[str]:
        found = {v for (v,) in conn.execute(select(table_column).distinct()) if v}
        found |= {v for (v,) in conn.execute(select(case_column).distinct()) if v}
        return sorted(found)

    def both() -> tuple[list[str], list[str]]:
        return (names(Category.category, Case.category),
                names(Category.subcategory, Case.subcategory))

    categories, subcategories = both() if cache is None else cache.get_or_compute(
        cache.key(conn, "filter_options"), both)
    return {
        "categories": [(n, n) for n in categories],
        "subcategories": [(n, n) for n in subcategories],
        "sources": [(s, word(s, lang)) for s in schema.SOURCES],
        "statuses": [(s, word(s, lang)) for s in STATUS_CHOICES],
    }


# --- traffic lights -----------------------------------------------------------------------

def stage_start(status: str, reported_at: datetime | None, filed_at: datetime | None,
                dispatched_at: datetime | None, resolved_at: datetime | None
                ) -> datetime | None:
    """When a case in ``status`` entered that stage (its stage clock's start)."""
    if status == schema.REPORTED:
        return reported_at
    if status == schema.FILED:
        return filed_at or reported_at
    if status == schema.DISPATCHED:
        return dispatched_at
    if status == schema.RESOLVED:
        return resolved_at
    return None


def stage_light(status: str, since: datetime | None, due_at: datetime | None,
                now: datetime, limit: timedelta | None = None) -> str | None:
    """The traffic light of a case's current stage: ``"green"`` while under 80% of the
    stage's limit has passed since ``since``, ``"yellow"`` from 80% to 100% inclusive,
    ``"red"`` past it; None for a stage without a clock (closed, voided, suspended) or
    without a start or a deadline.

    ``limit`` defaults to :data:`STAGE_LIMITS` for reported/filed/resolved and to
    ``due_at - since`` for dispatched (the deadline, counted from dispatch).
    """
    if since is None:
        return None
    if limit is None:
        if status == schema.DISPATCHED:
            if due_at is None:
                return None
            limit = due_at - since
        elif status in STAGE_LIMITS:
            limit = STAGE_LIMITS[status]
        else:
            return None
    elapsed = now - since
    numerator, denominator = YELLOW_FROM
    if elapsed * denominator < limit * numerator:
        return "green"
    return "yellow" if elapsed <= limit else "red"


def _is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return (status in schema.OPEN_STATUSES and status != schema.SUSPENDED
            and due_at is not None and due_at < now)


# --- SQL pieces -----------------------------------------------------------------------------

def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: "located anywhere": the subtree of a deployment's one top-level region
_LOCATED = Case.region_id.is_not(None)


def _subtree_condition(conn: Connection, region: RegionInfo | None) -> ColumnElement[bool] | None:
    """Cases located in ``region``'s subtree (None: no condition, every case)."""
    if region is None:
        return None
    if region.parent_id is None and len(children_of(conn, None)) == 1:
        # the deployment's one top region holds every located case: no lookup needed
        return _LOCATED
    return Case.region_id.in_(select(RegionAncestor.descendant_id)
                              .where(RegionAncestor.ancestor_id == region.id))


def _overdue_sql(now: datetime) -> ColumnElement[bool]:
    return and_(Case.status.in_(schema.OPEN_STATUSES), Case.status != schema.SUSPENDED,
                Case.due_at < now)


def _overdue_hours_sql(now: datetime) -> ColumnElement:
    return case((_overdue_sql(now), sql.now_hours(now) - sql.epoch_hours(Case.due_at)), else_=None)


def _light_rank_sql(now: datetime) -> ColumnElement[int]:
    """0 no light, 1 green, 2 yellow, 3 red: :func:`stage_light` in SQL, for sorting and
    filtering the list (the rows' lights themselves come from :func:`stage_light`)."""
    c = Case
    parts = []
    starts = {schema.REPORTED: c.reported_at,
              schema.FILED: func.coalesce(c.filed_at, c.reported_at),
              schema.RESOLVED: c.resolved_at}
    for status, limit in STAGE_LIMITS.items():
        since = starts[status]
        # green: now - since < 0.8 limit, i.e. since > now - 0.8 limit (exact in Python)
        parts.append((and_(c.status == status, since.is_not(None),
                           since > now - limit * YELLOW_FROM[0] / YELLOW_FROM[1]), 1))
        parts.append((and_(c.status == status, since.is_not(None), since >= now - limit), 2))
        parts.append((and_(c.status == status, since.is_not(None)), 3))
    start, due, now_h = (sql.epoch_hours(c.dispatched_at), sql.epoch_hours(c.due_at),
                        sql.now_hours(now))
    dispatched = and_(c.status == schema.DISPATCHED, c.dispatched_at.is_not(None),
                      c.due_at.is_not(None))
    # green: elapsed < 0.8 limit, i.e. now - start < 0.8 (due - start). Hours are floats
    # here: a margin of a few milliseconds keeps the exact edges where stage_light has them
    numerator, denominator = YELLOW_FROM
    parts.append((and_(dispatched, (now_h - start) * denominator
                       < (due - start) * numerator - _EDGE), 1))
    parts.append((and_(dispatched, now_h - start <= due - start + _EDGE), 2))
    parts.append((dispatched, 3))
    return case(*parts, else_=0)


_EDGE = 1e-6  # hours (3.6 ms)
_LIGHT_RANK = {None: 0, "green": 1, "yellow": 2, "red": 3}


@dataclass(frozen=True)
class _Column:
    """A column of the grid: its SQL expression and which filter types it takes."""

    expr: Any
    filters: tuple[str, ...]
    vocabulary: tuple[str, ...] = ()  # keys whose labels a text filter also matches


def _grid_columns(now: datetime) -> dict[str, _Column]:
    c = Case
    text_set = ("text", "set")
    return {
        "id": _Column(c.id, ("number",)),
        "code": _Column(c.code, text_set),
        "reported_at": _Column(c.reported_at, ("date",)),
        "category": _Column(c.category, text_set),
        "subcategory": _Column(c.subcategory, text_set),
        "source": _Column(c.source, text_set, schema.SOURCES),
        "status": _Column(c.status, text_set, schema.STATUSES),
        "urgent": _Column(c.urgent, ("set", "text")),
        "place": _Column(Region.name, text_set),
        "department": _Column(Department.name, text_set),
        "officer": _Column(Officer.name, text_set),
        "due_at": _Column(c.due_at, ("date",)),
        "stage_light": _Column(_light_rank_sql(now), text_set, LIGHTS),
        "overdue_hours": _Column(_overdue_hours_sql(now), ("number",)),
        "version": _Column(c.version, ("number",)),
    }


#: Columns of a list row, in order (the grid's column ids).
ROW_COLUMNS: tuple[str, ...] = (
    "id", "code", "reported_at", "category", "subcategory", "source", "status", "urgent",
    "place", "department", "officer", "due_at", "stage_light", "overdue_hours", "version",
)
EXPORT_COLUMNS: tuple[str, ...] = (*ROW_COLUMNS[1:], "description", "address")


def _list_conditions(conn: Connection, flt: CaseFilter, period: Period,
                     now: datetime) -> list[ColumnElement[bool]]:
    """The SQL conditions of "the list" (see the module docstring)."""
    region = None if flt.region_code is None else get_region(conn, flt.region_code)
    conditions = [Case.reported_at >= period.start, Case.reported_at < period.end]
    subtree = _subtree_condition(conn, region)
    if subtree is not None:
        conditions.append(subtree)
    conditions.extend(_case_conditions(flt, now))
    return conditions


def _case_conditions(flt: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
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
            either.append(_overdue_sql(now))
        out.append(or_(*either))
    if flt.text:
        pattern = f"%{_like_escape(flt.text)}%"
        out.append(or_(Case.code.ilike(pattern, escape="\\"),
                       Case.description.ilike(pattern, escape="\\"),
                       Case.address.ilike(pattern, escape="\\")))
    return out


def _list_select(columns: Sequence[Any]):
    return (select(*columns).select_from(Case)
            .outerjoin(Region, Region.id == Case.region_id)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(Officer, Officer.id == Case.officer_id))


# --- the grid's sort and filter models ----------------------------------------------------

def _order_by(sort_model: object, columns: dict[str, _Column]) -> list:
    if sort_model in (None, [], ()):
        return [Case.reported_at.desc(), Case.id.desc()]
    if not isinstance(sort_model, (list, tuple)) or len(sort_model) > len(columns):
        raise FilterError("sort_model", sort_model, "bad_sort_model")
    order = []
    for item in sort_model:
        if not isinstance(item, Mapping):
            raise FilterError("sort_model", item, "bad_sort_model")
        col_id, direction = item.get("colId"), item.get("sort")
        if not isinstance(col_id, str) or col_id not in columns:
            raise FilterError("sort_model.colId", col_id, "unknown_column")
        if direction not in ("asc", "desc"):
            raise FilterError(f"sort_model.{col_id}.sort", direction, "bad_direction")
        expr = columns[col_id].expr
        order.append(expr.asc().nulls_first() if direction == "asc" else
                     expr.desc().nulls_last())
    order.append(Case.id.desc())  # a stable order: pages never overlap or skip a row
    return order


_TEXT_TYPES = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
               "blank", "notBlank")
_NUMBER_TYPES = ("equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
                 "greaterThanOrEqual", "inRange", "blank", "notBlank")
_DATE_TYPES = ("equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank")


def _grid_filters(filter_model: object, columns: dict[str, _Column], tz: ZoneInfo,
                  lang: str) -> list[ColumnElement[bool]]:
    if filter_model in (None, {}):
        return []
    if not isinstance(filter_model, Mapping):
        raise FilterError("filter_model", filter_model, "bad_filter_model")
    out = []
    for col_id, model in filter_model.items():
        if not isinstance(col_id, str) or col_id not in columns:
            raise FilterError("filter_model", col_id, "unknown_column")
        out.append(_column_filter(col_id, columns[col_id], model, tz, lang))
    return out


def _column_filter(col_id: str, column: _Column, model: object, tz: ZoneInfo,
                   lang: str, nested: bool = False) -> ColumnElement[bool]:
    where = f"filter_model.{col_id}"
    if not isinstance(model, Mapping):
        raise FilterError(where, model, "bad_filter_model")
    kind = model.get("filterType")
    if kind not in column.filters:
        raise FilterError(f"{where}.filterType", kind, "filter_type_not_allowed",
                          "allowed: " + ", ".join(column.filters))
    conditions = model.get("conditions")
    if conditions is None and "condition1" in model:  # the older combined form
        conditions = [model.get("condition1"), model.get("condition2")]
    if conditions is not None:
        operator = model.get("operator", "AND")
        # one level of AND/OR, as ag-grid's filters send it; deeper nesting is refused
        if nested or operator not in ("AND", "OR") or not isinstance(conditions, list) \
                or not 1 <= len(conditions) <= 10:
            raise FilterError(where, model, "bad_filter_model")
        parts = []
        for cond in conditions:
            if not isinstance(cond, Mapping):
                raise FilterError(where, cond, "bad_filter_model")
            parts.append(_column_filter(col_id, column, {"filterType": kind, **dict(cond)},
                                        tz, lang, nested=True))
        return and_(*parts) if operator == "AND" else or_(*parts)
    if kind == "set":
        return _set_filter(where, col_id, column, model)
    if kind == "text":
        return _text_filter(where, col_id, column, model, lang)
    if kind == "number":
        return _number_filter(where, column, model)
    return _date_filter(where, column, model, tz)


def _set_filter(where: str, col_id: str, column: _Column, model: Mapping) -> ColumnElement[bool]:
    values = model.get("values")
    if not isinstance(values, list) or len(values) > 5000:
        raise FilterError(f"{where}.values", values, "bad_values")
    for v in values:
        if v is not None and not isinstance(v, (str, bool, int)):
            raise FilterError(f"{where}.values", v, "bad_values")
    if col_id == "urgent":
        wanted = {v if isinstance(v, bool) else str(v).lower() in ("true", "1", "yes")
                  for v in values}
        return column.expr.in_(sorted(wanted)) if wanted else false()
    if col_id == "stage_light":
        ranks = []
        for v in values:
            if v not in _LIGHT_RANK:
                raise FilterError(f"{where}.values", v, "unknown_light")
            ranks.append(_LIGHT_RANK[v])
        return column.expr.in_(ranks)
    named = [v for v in values if v is not None]
    cond = column.expr.in_([str(v) for v in named]) if named else false()
    return or_(cond, column.expr.is_(None)) if None in values else cond


def _text_filter(where: str, col_id: str, column: _Column, model: Mapping,
                 lang: str) -> ColumnElement[bool]:
    op = model.get("type")
    if op not in _TEXT_TYPES:
        raise FilterError(f"{where}.type", op, "unknown_filter_type")
    expr = column.expr
    if op in ("blank", "notBlank"):
        if col_id == "stage_light":
            blank = expr == 0
        elif col_id == "urgent":
            blank = expr.is_(None)
        else:
            blank = or_(expr.is_(None), expr == "")
        return blank if op == "blank" else not_(blank)
    value = model.get("filter")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise FilterError(f"{where}.filter", value, "bad_text", f"text of at most {MAX_TEXT}")
    if col_id == "urgent":
        yes = value.strip().lower() in ("true", "1", "yes", "是", word("yes", lang).lower())
        return expr == yes if op in ("equals", "contains", "startsWith", "endsWith") \
            else expr != yes
    if column.vocabulary:
        # the user reads labels (已派遣, 绿灯): match the text against keys and labels
        keys = [k for k in column.vocabulary
                if _text_matches(op, value, k) or _text_matches(op, value, word(k, lang))]
        if op in ("notContains", "notEqual"):
            keys = [k for k in column.vocabulary
                    if _text_matches(op, value, k) and _text_matches(op, value, word(k, lang))]
        if col_id == "stage_light":
            return expr.in_([_LIGHT_RANK[k] for k in keys]) if keys else false()
        return expr.in_(keys) if keys else false()
    escaped = _like_escape(value)
    pattern = {"contains": f"%{escaped}%", "notContains": f"%{escaped}%",
               "equals": escaped, "notEqual": escaped, "startsWith": f"{escaped}%",
               "endsWith": f"%{escaped}"}[op]
    like = expr.ilike(pattern, escape="\\")
    if op in ("notContains", "notEqual"):
        return or_(expr.is_(None), not_(like))
    return like


def _text_matches(op: str, needle: str, hay: str) -> bool:
    n, h = needle.lower(), hay.lower()
    return {"contains": n in h, "notContains": n not in h, "equals": n == h,
            "notEqual": n != h, "startsWith": h.startswith(n),
            "endsWith": h.endswith(n)}[op]


def _number(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(float(value)):
        raise FilterError(where, value, "not_a_number")
    return float(value)


def _number_filter(where: str, column: _Column, model: Mapping) -> ColumnElement[bool]:
    op = model.get("type")
    if op not in _NUMBER_TYPES:
        raise FilterError(f"{where}.type", op, "unknown_filter_type")
    expr = column.expr
    if op == "blank":
        return expr.is_(None)
    if op == "notBlank":
        return expr.is_not(None)
    value = _number(f"{where}.filter", model.get("filter"))
    if op == "inRange":
        high = _number(f"{where}.filterTo", model.get("filterTo"))
        return and_(expr >= value, expr <= high)
    return {"equals": expr == value, "notEqual": or_(expr.is_(None), expr != value),
            "lessThan": expr < value, "lessThanOrEqual": expr <= value,
            "greaterThan": expr > value, "greaterThanOrEqual": expr >= value}[op]


def _local_day(where: str, value: object, tz: ZoneInfo) -> Period:
    if not isinstance(value, str) or len(value) < 10:
        raise FilterError(where, value, "not_a_date", "YYYY-MM-DD")
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise FilterError(where, value, "not_a_date", "YYYY-MM-DD") from None
    return period_for(day, day, tz)


def _date_filter(where: str, column: _Column, model: Mapping, tz: ZoneInfo
                 ) -> ColumnElement[bool]:
    """Dates are local days: ``equals`` a day, ``lessThan`` before it, ``greaterThan``
    after it, ``inRange`` from the first day to the last, both included."""
    op = model.get("type")
    if op not in _DATE_TYPES:
        raise FilterError(f"{where}.type", op, "unknown_filter_type")
    expr = column.expr
    if op == "blank":
        return expr.is_(None)
    if op == "notBlank":
        return expr.is_not(None)
    day = _local_day(f"{where}.dateFrom", model.get("dateFrom"), tz)
    if op == "inRange":
        to = _local_day(f"{where}.dateTo", model.get("dateTo"), tz)
        return and_(expr >= day.start, expr < to.end)
    return {"equals": and_(expr >= day.start, expr < day.end),
            "notEqual": or_(expr.is_(None), expr < day.start, expr >= day.end),
            "lessThan": expr < day.start, "greaterThan": expr >= day.end}[op]


# --- the case list --------------------------------------------------------------------------

_FETCH = (Case.id, Case.code, Case.reported_at, Case.category, Case.subcategory, Case.source,
          Case.status, Case.urgent, Region.name, Department.name, Officer.name, Case.due_at,
          Case.version, Case.filed_at, Case.dispatched_at, Case.resolved_at)
_FETCH_NAMES = ("id", "code", "reported_at", "category", "subcategory", "source", "status",
                "urgent", "place", "department", "officer", "due_at", "version", "filed_at",
                "dispatched_at", "resolved_at")


def _local_text(moment: datetime | None, tz: ZoneInfo) -> str | None:
    if moment is None or pd.isna(moment):
        return None
    return (moment.replace(tzinfo=timezone.utc).astimezone(tz)
            .replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"))


def _row(raw: Mapping[str, Any], now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    status = raw["status"]
    since = stage_start(status, raw["reported_at"], raw["filed_at"], raw["dispatched_at"],
                        raw["resolved_at"])
    due = raw["due_at"]
    overdue = (round((now - due).total_seconds() / 3600, 1)
               if _is_overdue(status, due, now) else None)
    return {
        "id": int(raw["id"]), "code": raw["code"],
        "reported_at": _local_text(raw["reported_at"], tz),
        "category": raw["category"], "subcategory": raw["subcategory"],
        "source": raw["source"], "status": status, "urgent": bool(raw["urgent"]),
        "place": raw["place"], "department": raw["department"], "officer": raw["officer"],
        "due_at": _local_text(due, tz),
        "stage_light": stage_light(status, since, due, now),
        "overdue_hours": overdue, "version": int(raw["version"]),
    }


def _page_bounds(start_row: object, end_row: object) -> tuple[int, int]:
    for name, value in (("start_row", start_row), ("end_row", end_row)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FilterError(name, value, "bad_row_index")
    if end_row < start_row or end_row - start_row > MAX_PAGE:
        raise FilterError("end_row", end_row, "bad_page", f"at most {MAX_PAGE} rows from start_row")
    return start_row, end_row


def _filtered(conn: Connection, flt: CaseFilter, now: datetime, filter_model: object,
              lang: str) -> tuple[list[ColumnElement[bool]], dict[str, _Column], ZoneInfo]:
    tz = deployment_timezone(conn)
    period = period_of(conn, flt, now)
    columns = _grid_columns(now)
    conditions = _list_conditions(conn, flt, period, now)
    conditions += _grid_filters(filter_model, columns, tz, lang)
    return conditions, columns, tz


def case_page(conn: Connection, flt: CaseFilter, now: datetime, *, start_row: int = 0,
              end_row: int = 100, sort_model: object = None, filter_model: object = None,
              lang: str = "zh") -> tuple[list[dict], int]:
    """Rows ``start_row``..``end_row - 1`` of the list (see the module docstring), sorted
    and filtered by the grid's ``sort_model``/``filter_model`` (ag-grid's getRowsRequest
    forms), and the total number of rows the list holds with those filters.

    Rows are plain dicts with the columns :data:`ROW_COLUMNS`; times are local
    ``YYYY-MM-DD HH:MM:SS`` text; ``source``/``status`` are vocabulary keys
    (:func:`word` gives the label); ``stage_light`` is green/yellow/red/None and
    ``overdue_hours`` the hours past the deadline of an overdue case. The default order
    is newest first. A column id or value the grid may not use raises
    :class:`FilterError`; an unknown region :class:`UnknownRegion`.
    """
    start_row, end_row = _page_bounds(start_row, end_row)
    conditions, columns, tz = _filtered(conn, flt, now, filter_model, lang)
    order = _order_by(sort_model, columns)
    total = _count(conn, conditions)
    if start_row >= total or end_row == start_row:
        return [], int(total)
    query = (_list_select(_FETCH).where(*conditions).order_by(*order)
             .offset(start_row).limit(end_row - start_row))
    rows = [_row(dict(zip(_FETCH_NAMES, r)), now, tz) for r in conn.execute(query)]
    return rows, int(total)


def case_count(conn: Connection, flt: CaseFilter, now: datetime) -> int:
    """How many cases the list holds (without any grid filter)."""
    conditions, _, _ = _filtered(conn, flt, now, None, "zh")
    return _count(conn, conditions)


def _count(conn: Connection, conditions: list[ColumnElement[bool]]) -> int:
    """How many cases meet ``conditions``. "Reported in P and located" alone (the
    county's unfiltered list) is counted as reported in P less the unlocated ones: two
    index-only counts instead of reading every row for its region."""
    if len(conditions) == 3 and conditions[2] is _LOCATED:
        period = conditions[:2]
        everything = conn.scalar(select(func.count()).select_from(Case).where(*period))
        unlocated = conn.scalar(select(func.count()).select_from(Case)
                                .where(*period, Case.region_id.is_(None)))
        return int(everything) - int(unlocated)
    return int(conn.scalar(_list_select([func.count()]).where(*conditions)))


# --- one case -----------------------------------------------------------------------------

def case_detail(conn: Connection, case_id: int | str, now: datetime,
                lang: str = "zh") -> dict | None:
    """Everything a commander needs about one case, and its ``timeline``: the history
    events in the order they happened (action, from_status, to_status, actor, note, at).
    Times are local ``YYYY-MM-DD HH:MM:SS`` text; vocabulary fields come with a
    ``*_label`` in ``lang``. None when no case has that id."""
    if isinstance(case_id, str) and case_id.strip().isdigit():
        case_id = int(case_id)
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise FilterError("case_id", case_id, "bad_case_id")
    tz = deployment_timezone(conn)
    row = conn.execute(
        select(Case.__table__, Region.code.label("_region_code"),
               Region.name.label("_region_name"), Department.name.label("_department"),
               Officer.name.label("_officer"), Officer.phone.label("_phone"))
        .outerjoin(Region, Region.id == Case.region_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .outerjoin(Officer, Officer.id == Case.officer_id)
        .where(Case.id == case_id)).mappings().one_or_none()
    if row is None:
        return None
    c = _Record(row)
    region_code, region_name = row["_region_code"], row["_region_name"]
    department, officer, phone = row["_department"], row["_officer"], row["_phone"]
    path: list[dict] = []
    if c.region_id is not None:
        info = get_region(conn, region_code)
        path = [a.as_dict() for a in ancestors_of(conn, info)]
    since = stage_start(c.status, c.reported_at, c.filed_at, c.dispatched_at, c.resolved_at)
    events = conn.execute(
        select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status, CaseEvent.actor,
               CaseEvent.note, CaseEvent.at)
        .where(CaseEvent.case_id == c.id).order_by(CaseEvent.at, CaseEvent.id)).all()

    def labelled(key: str, value: str | None) -> dict:
        return {key: value, f"{key}_label": None if value is None else word(value, lang)}

    out: dict[str, Any] = {
        "id": c.id, "code": c.code, "external_id": c.external_id,
        **labelled("case_class", c.case_class),
        "category": c.category, "subcategory": c.subcategory,
        **labelled("source", c.source), **labelled("status", c.status),
        "urgent": bool(c.urgent), "description": c.description, "address": c.address,
        "lon": c.lon, "lat": c.lat,
        "region_code": region_code, "place": region_name, "regions": path,
        "location_method": c.location_method, "reporter": c.reporter,
        "department": department, "officer": officer, "officer_phone": phone,
    }
    for step in ("reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at",
                 "voided_at", "due_at", "mediated_at", "updated_at"):
        out[step] = _local_text(getattr(c, step), tz)
    out.update({
        "stage_light": stage_light(c.status, since, c.due_at, now),
        "overdue_hours": (round((now - c.due_at).total_seconds() / 3600, 1)
                          if _is_overdue(c.status, c.due_at, now) else None),
        **labelled("resolved_level", c.resolved_level),
        **labelled("satisfaction", c.satisfaction),
        **labelled("mediation_outcome", c.mediation_outcome),
        "photos_before": c.photos_before, "photos_after": c.photos_after,
        "version": c.version,
        "timeline": [
            {"action": action, "from_status": before, "to_status": after, "actor": actor,
             "note": note, "at": _local_text(at, tz)}
            for action, before, after, actor, note, at in events],
    })
    return out


class _Record:
    """Attribute access to a result row's columns."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None


# --- exports --------------------------------------------------------------------------------

#: What a spreadsheet reads as the start of a formula once it has skipped blanks: the ASCII
#: signs, and (after NFKC folding) their fullwidth and small forms, ＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫,
#: which Excel and WPS with a Chinese or Japanese input method turn into ``=`` ``+`` ``-``
#: ``@`` (the minus sign U+2212 too, to be safe).
_FORMULA_SIGNS = frozenset("=+-@\u2212")


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (OWASP's CSV injection
    advice, widened): it starts with a control character (tab, carriage return, line feed:
    triggers themselves, and some importers strip them), or its first visible character,
    after any spaces (ASCII, no-break, ideographic) and invisible format characters
    (zero-width space, BOM, direction marks), which importers may trim, is a formula sign
    in any width."""
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Cc":
            return True
        if kind in ("Zs", "Zl", "Zp", "Cf"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in _FORMULA_SIGNS
    return False


def neutralise(value: object) -> object:
    """A text that a spreadsheet would read as a formula (:func:`_formula_like`: ``=``,
    ``+``, ``-``, ``@`` in ASCII or fullwidth, after blanks, or a control character
    first) gets a leading apostrophe, so it is shown, never run. Other values are
    returned as they are."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def _export_frame(conn: Connection, flt: CaseFilter, now: datetime, lang: str,
                  sort_model: object, filter_model: object) -> pd.DataFrame:
    conditions, columns, tz = _filtered(conn, flt, now, filter_model, lang)
    order = _order_by(sort_model, columns)
    query = (_list_select([*_FETCH, Case.description, Case.address]).where(*conditions)
             .order_by(*order))
    names = [*_FETCH_NAMES, "description", "address"]
    rows = []
    for raw in conn.execute(query).all():
        record = dict(zip(names, raw))
        row = _row(record, now, tz)
        row["description"], row["address"] = record["description"], record["address"]
        row["source"] = None if row["source"] is None else word(row["source"], lang)
        row["status"] = word(row["status"], lang)
        row["stage_light"] = None if row["stage_light"] is None else word(row["stage_light"], lang)
        row["urgent"] = word("yes" if row["urgent"] else "no", lang)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS) + ["description", "address"])
    frame = frame[list(EXPORT_COLUMNS)]
    return frame.rename(columns={c: word(c, lang) for c in EXPORT_COLUMNS})


def export_cases(conn: Connection, flt: CaseFilter, now: datetime, fmt: str, lang: str = "zh",
                 sort_model: object = None, filter_model: object = None) -> bytes:
    """Every row of the list as the grid shows it (its filters and order too), not a
    page: CSV (UTF-8 with a BOM, so Excel in China opens it right) or XLSX. Headers and
    vocabulary are in ``lang``; texts a spreadsheet would run as formulas are
    neutralised (:func:`neutralise`); descriptions are written as text, never markup."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    frame = _export_frame(conn, flt, now, lang, sort_model, filter_model)
    cells = [[None if (v is None or (isinstance(v, float) and math.isnan(v)))
              else neutralise(v) for v in row] for row in frame.itertuples(index=False)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(list(frame.columns))
        writer.writerows(cells)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases" if lang == "en" else "案卷")
    sheet.append(list(frame.columns))
    for row in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(flt: CaseFilter, fmt: str, now: datetime) -> str:
    """A file name for an export: ``cases_<region>_<period>_<when>.<fmt>``, ASCII only."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    region = re.sub(r"[^A-Za-z0-9_]+", "-", flt.region_code or "all").strip("-") or "region"
    if flt.first is not None and flt.last is not None:
        span = f"{flt.first:%Y%m%d}-{flt.last:%Y%m%d}"
    else:
        span = f"last{flt.days or DEFAULT_DAYS}d"
    return f"cases_{region}_{span}_{now:%Y%m%d-%H%M}.{fmt}"


# --- the map ------------------------------------------------------------------------------

POINT_COLUMNS = ("id", "code", "lon", "lat", "status", "stage_light", "long_unfixed",
                 "subcategory", "reported_at")


def open_case_points(conn: Connection, region_code: str | None, now: datetime,
                     flt: CaseFilter | None = None, include_closed: bool = False
                     ) -> pd.DataFrame:
    """The cases to draw as points under a region: every case open now (whenever it was
    reported) that has coordinates and matches the filter's categories, sources,
    statuses and text; with ``include_closed`` also the cases closed in the filter's
    period. Columns :data:`POINT_COLUMNS`; ``long_unfixed`` flags open, not suspended
    cases more than :data:`data.wall.LONG_UNFIXED` past their deadline (as the wall);
    ``reported_at`` is local text."""
    flt = flt or CaseFilter()
    tz = deployment_timezone(conn)
    region = None if region_code is None else get_region(conn, region_code)
    c = Case
    wanted = c.status.in_(schema.OPEN_STATUSES)
    if include_closed:
        period = period_of(conn, flt, now)
        wanted = or_(wanted, and_(c.status == schema.CLOSED, c.closed_at >= period.start,
                                  c.closed_at < period.end))
    conditions = [wanted, c.lon.is_not(None), c.lat.is_not(None), *_case_conditions(flt, now)]
    subtree = _subtree_condition(conn, region)
    if subtree is not None:
        conditions.append(subtree)
    query = select(c.id, c.code, c.lon, c.lat, c.status, c.subcategory, c.reported_at,
                   c.filed_at, c.dispatched_at, c.resolved_at, c.due_at).where(*conditions)
    times = ["reported_at", "filed_at", "dispatched_at", "resolved_at", "due_at"]
    # thousands of points: the driver's rows, and times parsed per column, not per row
    raw = pd.DataFrame(metrics.plain_rows(conn.execute(query.order_by(c.id))),
                       columns=["id", "code", "lon", "lat", "status", "subcategory", *times])
    for column in times:
        raw[column] = _utc_times(raw[column])
    frame = raw[["id", "code", "lon", "lat", "status"]].astype(object)
    frame["stage_light"] = stage_lights(raw, now)
    frame["long_unfixed"] = (raw["status"].isin(schema.OPEN_STATUSES)
                             & (raw["status"] != schema.SUSPENDED)
                             & (raw["due_at"] < now - LONG_UNFIXED)).astype(bool)
    frame["subcategory"] = raw["subcategory"].astype(object)
    frame["reported_at"] = _local_texts(raw["reported_at"], tz)
    # numbers as numbers; texts stay objects so a missing light is None, not NaN
    return frame.astype({"id": "int64", "lon": "float64", "lat": "float64",
                         "long_unfixed": "bool"})


def _utc_times(values: pd.Series) -> pd.Series:
    """Stored naive-UTC times (datetimes, or SQLite's text) as ``datetime64``."""
    return pd.to_datetime(values, format="ISO8601") if values.dtype == object or \
        values.dtype == "str" else pd.to_datetime(values)


def stage_lights(cases: pd.DataFrame, now: datetime) -> pd.Series:
    """:func:`stage_light` for a whole frame of cases at once (columns status,
    reported_at, filed_at, dispatched_at, resolved_at, due_at as ``datetime64``); the
    same rule, in whole-number time arithmetic, so the edges fall exactly where
    :func:`stage_light` puts them. Values green/yellow/red or None."""
    status = cases["status"]
    since = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[us]")
    limit = pd.Series(pd.NaT, index=cases.index, dtype="timedelta64[us]")
    starts = {schema.REPORTED: cases["reported_at"],
              schema.FILED: cases["filed_at"].fillna(cases["reported_at"]),
              schema.RESOLVED: cases["resolved_at"]}
    for key, stage_limit in STAGE_LIMITS.items():
        here = status == key
        since[here] = starts[key][here]
        limit[here] = stage_limit
    dispatched = status == schema.DISPATCHED
    since[dispatched] = cases["dispatched_at"][dispatched]
    limit[dispatched] = (cases["due_at"] - cases["dispatched_at"])[dispatched]
    elapsed = pd.Timestamp(now) - since
    numerator, denominator = YELLOW_FROM
    known = since.notna() & limit.notna()
    green = known & (elapsed * denominator < limit * numerator)
    yellow = known & ~green & (elapsed <= limit)
    red = known & ~green & ~yellow
    out = pd.Series([None] * len(cases), index=cases.index, dtype=object)
    out[green], out[yellow], out[red] = "green", "yellow", "red"
    return out


def _local_texts(moments: pd.Series, tz: ZoneInfo) -> pd.Series:
    """:func:`_local_text` for a whole column at once (None stays None)."""
    if moments.empty:
        return moments
    local = (pd.to_datetime(moments).dt.tz_localize("UTC").dt.tz_convert(tz)
             .dt.strftime("%Y-%m-%d %H:%M:%S"))
    return local.astype(object).where(local.notna(), None)
