"""The console's case list: which cases, one page of rows, how many.

Plain Python and SQL, no Dash. Which cases are "the list" (:func:`case_page`,
:func:`case_count`, :func:`data.cases.export.export_cases`): the cases located in the
filter's region (its whole subtree; every case, unlocated ones included, when no region is
given) **reported in the filter's period**, that match its categories (a case's category
or subcategory), sources, statuses and free text (:class:`data.cases.filter.CaseFilter`).
The grid's own sort and filter model (:mod:`data.cases.grid_model`) narrow and order that
list further.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, func, select
from sqlalchemy.sql.expression import ColumnElement

from data.cases.filter import (
    LOCATED, CaseFilter, FilterError, case_conditions, period_of, subtree_condition,
)
from data.cases.grid_model import GridColumn, grid_columns, grid_filters, order_by
from data import rollup_read
from data.cases.stages import is_overdue, stage_light, stage_start
from data.metrics import Period
from data.models import Case, Department, Officer, Region
from data.regions import get_region
from data.store import deployment_timezone

#: Columns of a list row, in order (the grid's column ids).
ROW_COLUMNS: tuple[str, ...] = (
    "id", "code", "reported_at", "category", "subcategory", "source", "status", "urgent",
    "place", "department", "officer", "due_at", "stage_light", "overdue_hours", "version",
)
MAX_PAGE = 1000  # rows per request of the grid

#: What a list row is made from, and the names of those values.
FETCH = (Case.id, Case.code, Case.reported_at, Case.category, Case.subcategory, Case.source,
         Case.status, Case.urgent, Region.name, Department.name, Officer.name, Case.due_at,
         Case.version, Case.filed_at, Case.dispatched_at, Case.resolved_at)
FETCH_NAMES = ("id", "code", "reported_at", "category", "subcategory", "source", "status",
               "urgent", "place", "department", "officer", "due_at", "version", "filed_at",
               "dispatched_at", "resolved_at")


def list_conditions(conn: Connection, flt: CaseFilter, period: Period,
                    now: datetime) -> list[ColumnElement[bool]]:
    """The SQL conditions of "the list" (see the module docstring)."""
    region = None if flt.region_code is None else get_region(conn, flt.region_code)
    conditions = [Case.reported_at >= period.start, Case.reported_at < period.end]
    subtree = subtree_condition(conn, region)
    if subtree is not None:
        conditions.append(subtree)
    conditions.extend(case_conditions(flt, now))
    return conditions


def list_select(columns: Sequence[Any]):
    """SELECT ``columns`` from the cases joined to their region, department and officer."""
    return (select(*columns).select_from(Case)
            .outerjoin(Region, Region.id == Case.region_id)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(Officer, Officer.id == Case.officer_id))


def local_text(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """A stored naive-UTC time as local ``YYYY-MM-DD HH:MM:SS`` text (None stays None)."""
    if moment is None or pd.isna(moment):
        return None
    return (moment.replace(tzinfo=timezone.utc).astimezone(tz)
            .replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"))


def list_row(raw: Mapping[str, Any], now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """A list row (:data:`ROW_COLUMNS`) from the values :data:`FETCH` reads."""
    status = raw["status"]
    since = stage_start(status, raw["reported_at"], raw["filed_at"], raw["dispatched_at"],
                        raw["resolved_at"])
    due = raw["due_at"]
    overdue = (round((now - due).total_seconds() / 3600, 1)
               if is_overdue(status, due, now) else None)
    return {
        "id": int(raw["id"]), "code": raw["code"],
        "reported_at": local_text(raw["reported_at"], tz),
        "category": raw["category"], "subcategory": raw["subcategory"],
        "source": raw["source"], "status": status, "urgent": bool(raw["urgent"]),
        "place": raw["place"], "department": raw["department"], "officer": raw["officer"],
        "due_at": local_text(due, tz),
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


def filtered(conn: Connection, flt: CaseFilter, now: datetime, filter_model: object,
             label: Callable[[str], str]
             ) -> tuple[list[ColumnElement[bool]], dict[str, GridColumn], ZoneInfo]:
    """The conditions of the list narrowed by the grid's ``filter_model``, the grid's
    columns, and the deployment's time zone."""
    tz = deployment_timezone(conn)
    period = period_of(conn, flt, now)
    columns = grid_columns(now)
    conditions = list_conditions(conn, flt, period, now)
    conditions += grid_filters(filter_model, columns, tz, label)
    return conditions, columns, tz


def case_page(conn: Connection, flt: CaseFilter, now: datetime, *, start_row: int = 0,
              end_row: int = 100, sort_model: object = None, filter_model: object = None,
              label: Callable[[str], str] = str) -> tuple[list[dict], int]:
    """Rows ``start_row``..``end_row - 1`` of the list (see the module docstring), sorted
    and filtered by the grid's ``sort_model``/``filter_model`` (ag-grid's getRowsRequest
    forms), and the total number of rows the list holds with those filters.

    Rows are plain dicts with the columns :data:`ROW_COLUMNS`; times are local
    ``YYYY-MM-DD HH:MM:SS`` text; ``source``/``status`` are vocabulary keys;
    ``stage_light`` is green/yellow/red/None and ``overdue_hours`` the hours past the
    deadline of an overdue case. The default order is newest first. ``label`` gives the
    word a user reads for a key (default: the key itself), so that a text filter typed as
    the grid shows it (已派遣) matches. A column id or value the grid may not use raises
    :class:`FilterError`; an unknown region :class:`UnknownRegion`.
    """
    start_row, end_row = _page_bounds(start_row, end_row)
    conditions, columns, tz = filtered(conn, flt, now, filter_model, label)
    order = order_by(sort_model, columns)
    total = _reported_total(conn, flt, now, filter_model)
    if total is None:
        total = count_rows(conn, conditions)
    if start_row >= total or end_row == start_row:
        return [], int(total)
    query = (list_select(FETCH).where(*conditions).order_by(*order)
             .offset(start_row).limit(end_row - start_row))
    rows = [list_row(dict(zip(FETCH_NAMES, r)), now, tz) for r in conn.execute(query)]
    return rows, int(total)


def case_count(conn: Connection, flt: CaseFilter, now: datetime) -> int:
    """How many cases the list holds (without any grid filter)."""
    conditions, _, _ = filtered(conn, flt, now, None, str)
    return count_rows(conn, conditions)


def _reported_total(conn: Connection, flt: CaseFilter, now: datetime,
                    filter_model: object) -> int | None:
    """The length of a list narrowed by nothing but its region and period: the cases of
    the region's subtree reported in the period, which the per-day rollups hold (their
    "reported", region 0 the whole deployment): one row per day instead of counting the
    period's cases. None for any other list, or a store without usable rollups."""
    if filter_model or flt.statuses or flt.text or not flt.scope.is_everything:
        return None
    region = None if flt.region_code is None else get_region(conn, flt.region_code)
    period = period_of(conn, flt, now)
    per_day = rollup_read.day_counts(conn, None if region is None else region.id,
                                     period.first, period.last, ("reported",))
    return None if per_day is None else sum(d["reported"] for d in per_day.values())


def count_rows(conn: Connection, conditions: list[ColumnElement[bool]]) -> int:
    """How many cases meet ``conditions``. "Reported in P and located" alone (the
    county's unfiltered list) is counted as reported in P less the unlocated ones: two
    index-only counts instead of reading every row for its region."""
    if len(conditions) == 3 and conditions[2].compare(LOCATED):
        period = conditions[:2]
        everything = conn.scalar(select(func.count()).select_from(Case).where(*period))
        unlocated = conn.scalar(select(func.count()).select_from(Case)
                                .where(*period, Case.region_id.is_(None)))
        return int(everything) - int(unlocated)
    return int(conn.scalar(list_select([func.count()]).where(*conditions)))
