"""The case list's grid (ag-grid) and its requests: its columns, and the translation of
the grid's ``sortModel`` and ``filterModel`` into SQL.

Plain Python and SQL, no Dash. Only the columns of :func:`grid_columns` may be sorted or
filtered, each with the filter types it takes; anything else raises
:class:`data.cases.filter.FilterError` naming the part of the request that was wrong.
A text filter on a column of keys (status, source, stage light) also matches the words the
user reads, given by the caller's ``label`` (key -> word).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, not_, or_
from sqlalchemy.sql.expression import ColumnElement

from data import schema
from data.cases.filter import MAX_TEXT, FilterError, like_escape
from data.cases.stages import LIGHT_RANK, LIGHTS, light_rank_sql, overdue_hours_sql
from data.metrics import Period, period_for
from data.models import Case, Department, Officer, Region


@dataclass(frozen=True)
class GridColumn:
    """A column of the grid: its SQL expression and which filter types it takes."""

    expr: Any
    filters: tuple[str, ...]
    vocabulary: tuple[str, ...] = ()  # keys whose labels a text filter also matches


def grid_columns(now: datetime) -> dict[str, GridColumn]:
    """The columns the grid may sort and filter, by column id (lights and overdue hours
    are worked out as of ``now``)."""
    c = Case
    text_set = ("text", "set")
    return {
        "id": GridColumn(c.id, ("number",)),
        "code": GridColumn(c.code, text_set),
        "reported_at": GridColumn(c.reported_at, ("date",)),
        "category": GridColumn(c.category, text_set),
        "subcategory": GridColumn(c.subcategory, text_set),
        "source": GridColumn(c.source, text_set, schema.SOURCES),
        "status": GridColumn(c.status, text_set, schema.STATUSES),
        "urgent": GridColumn(c.urgent, ("set", "text")),
        "place": GridColumn(Region.name, text_set),
        "department": GridColumn(Department.name, text_set),
        "officer": GridColumn(Officer.name, text_set),
        "due_at": GridColumn(c.due_at, ("date",)),
        "stage_light": GridColumn(light_rank_sql(now), text_set, LIGHTS),
        "overdue_hours": GridColumn(overdue_hours_sql(now), ("number",)),
        "version": GridColumn(c.version, ("number",)),
    }


def order_by(sort_model: object, columns: dict[str, GridColumn]) -> list:
    """The ORDER BY of the grid's ``sortModel`` (default: newest first)."""
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


def grid_filters(filter_model: object, columns: dict[str, GridColumn], tz: ZoneInfo,
                 label: Callable[[str], str]) -> list[ColumnElement[bool]]:
    """The conditions of the grid's ``filterModel``; dates are local days in ``tz``."""
    if filter_model in (None, {}):
        return []
    if not isinstance(filter_model, Mapping):
        raise FilterError("filter_model", filter_model, "bad_filter_model")
    out = []
    for col_id, model in filter_model.items():
        if not isinstance(col_id, str) or col_id not in columns:
            raise FilterError("filter_model", col_id, "unknown_column")
        out.append(_column_filter(col_id, columns[col_id], model, tz, label))
    return out


def _column_filter(col_id: str, column: GridColumn, model: object, tz: ZoneInfo,
                   label: Callable[[str], str], nested: bool = False) -> ColumnElement[bool]:
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
                                        tz, label, nested=True))
        return and_(*parts) if operator == "AND" else or_(*parts)
    if kind == "set":
        return _set_filter(where, col_id, column, model)
    if kind == "text":
        return _text_filter(where, col_id, column, model, label)
    if kind == "number":
        return _number_filter(where, column, model)
    return _date_filter(where, column, model, tz)


def _set_filter(where: str, col_id: str, column: GridColumn, model: Mapping
                ) -> ColumnElement[bool]:
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
            if v not in LIGHT_RANK:
                raise FilterError(f"{where}.values", v, "unknown_light")
            ranks.append(LIGHT_RANK[v])
        return column.expr.in_(ranks)
    named = [v for v in values if v is not None]
    cond = column.expr.in_([str(v) for v in named]) if named else false()
    return or_(cond, column.expr.is_(None)) if None in values else cond


def _text_filter(where: str, col_id: str, column: GridColumn, model: Mapping,
                 label: Callable[[str], str]) -> ColumnElement[bool]:
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
        yes = value.strip().lower() in ("true", "1", "yes", "是", label("yes").lower())
        return expr == yes if op in ("equals", "contains", "startsWith", "endsWith") \
            else expr != yes
    if column.vocabulary:
        # the user reads labels (已派遣, 绿灯): match the text against keys and labels
        keys = [k for k in column.vocabulary
                if _text_matches(op, value, k) or _text_matches(op, value, label(k))]
        if op in ("notContains", "notEqual"):
            keys = [k for k in column.vocabulary
                    if _text_matches(op, value, k) and _text_matches(op, value, label(k))]
        if col_id == "stage_light":
            return expr.in_([LIGHT_RANK[k] for k in keys]) if keys else false()
        return expr.in_(keys) if keys else false()
    escaped = like_escape(value)
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


#: ``blank`` / ``notBlank``, the same for every kind of column.
_EMPTINESS = {"blank": lambda expr: expr.is_(None), "notBlank": lambda expr: expr.is_not(None)}


def _operator(where: str, model: Mapping, allowed: tuple[str, ...]) -> str:
    """The filter's ``type``, once it is one the column's kind knows."""
    op = model.get("type")
    if op not in allowed:
        raise FilterError(f"{where}.type", op, "unknown_filter_type")
    return op


def _number_filter(where: str, column: GridColumn, model: Mapping) -> ColumnElement[bool]:
    op, expr = _operator(where, model, _NUMBER_TYPES), column.expr
    if op in _EMPTINESS:
        return _EMPTINESS[op](expr)
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


def _date_filter(where: str, column: GridColumn, model: Mapping, tz: ZoneInfo
                 ) -> ColumnElement[bool]:
    """Dates are local days: ``equals`` a day, ``lessThan`` before it, ``greaterThan``
    after it, ``inRange`` from the first day to the last, both included."""
    op, expr = _operator(where, model, _DATE_TYPES), column.expr
    if op in _EMPTINESS:
        return _EMPTINESS[op](expr)
    day = _local_day(f"{where}.dateFrom", model.get("dateFrom"), tz)
    if op == "inRange":
        to = _local_day(f"{where}.dateTo", model.get("dateTo"), tz)
        return and_(expr >= day.start, expr < to.end)
    return {"equals": and_(expr >= day.start, expr < day.end),
            "notEqual": or_(expr.is_(None), expr < day.start, expr >= day.end),
            "lessThan": expr < day.start, "greaterThan": expr >= day.end}[op]


