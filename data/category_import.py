"""Importing the category table (事部件分类): each subcategory's class, category, handling
department and time limit, from a CSV or XLSX file and a mapping (:mod:`data.mapping`).

The table is what the national standard's headline figures stand on: a case's deadline is
its subcategory's time limit (:mod:`data.deadlines`), counted from its dispatch.

* **Columns** (through the mapping's ``[columns]``): ``case_class`` (部件, 事件, 矛盾纠纷, or the
  source's own words through ``[class_values]``), ``category`` (大类), ``subcategory`` (小类,
  unique), ``time_limit`` with ``time_unit`` (工作时/工作日/小时/天/自然日 and the English
  keys, or the source's words through ``[unit_values]``; a limit cell may carry its unit,
  ``2工作日``), and optionally ``code`` (unique; the Open311 ``service_code`` the door takes),
  ``department`` (a department's code or name; one neither names is created, as the case
  import does), ``urgent_time_limit`` (+ ``urgent_time_unit``; default: the ordinary unit),
  ``service_code``.
* **Checked whole first**: a bad class, unit, limit (not a number, negative), an empty
  required cell, a subcategory or code twice, or a row that would give a subcategory to two
  rows of the table stops the import with one line naming the file, row, column, value and
  why; nothing is written (:mod:`data.importer`).
* **Re-import** updates a row by its code when the file gives one, else by its subcategory;
  adds the rows the table lacks; keeps the rows the file does not name. A column the
  mapping does not name is kept as stored. A new row without a code gets ``C0001``, ...
* **Deadlines**: in the same transaction, every case that has no deadline (and is not
  voided) and whose subcategory is in the table gets one, counted from its dispatch, or its
  report when it has none; each gets an ``import`` event saying so, and the report counts
  them. Cases that have a deadline keep it: a changed limit applies to dispatches after
  the change.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column, Connection, DateTime, Engine, Integer, MetaData, Table, insert, literal, select,
    update,
)

from data import holidays, rollups, schema, store
from data.deadlines import LIMIT_COLUMNS, deadlines, limits_for
from data.import_checks import RowError
from data.importer import ImportReport, Progress, finish_errors, open_source, row_errors, tell
from data.mapping import Mapping
from data.models import Case, CaseEvent, Category, Department
from data.readers import SourceTable

#: Words for the case classes every file may use (lower case), over which the mapping's
#: ``[class_values]`` win.
CLASS_WORDS: dict[str, str] = {
    "部件": schema.FACILITY, "事件": schema.INCIDENT, "矛盾纠纷": schema.DISPUTE,
    "纠纷": schema.DISPUTE, **{key: key for key in schema.CASE_CLASSES},
}
#: Words for the time units every file may use (lower case), over which the mapping's
#: ``[unit_values]`` win.
UNIT_WORDS: dict[str, str] = {
    **{key: key for key in schema.TIME_UNITS},
    "小时": schema.HOURS, "自然小时": schema.HOURS, "h": schema.HOURS, "hour": schema.HOURS,
    "natural hours": schema.HOURS,
    "工作日": schema.WORKING_DAYS, "个工作日": schema.WORKING_DAYS,
    "working days": schema.WORKING_DAYS,
    "工作时": schema.WORKING_HOURS, "工作小时": schema.WORKING_HOURS,
    "working hours": schema.WORKING_HOURS,
    "天": schema.NATURAL_DAYS, "日": schema.NATURAL_DAYS, "自然日": schema.NATURAL_DAYS,
    "个自然日": schema.NATURAL_DAYS, "d": schema.NATURAL_DAYS, "day": schema.NATURAL_DAYS,
    "days": schema.NATURAL_DAYS, "natural days": schema.NATURAL_DAYS,
}
_LIMIT = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][0-9]+)?)\s*(.*)$")
CODE_LENGTH = 32  # categories.code
#: The history note of a case whose deadline the table import set.
DERIVED_NOTE = "处置时限按分类表导入计算 / deadline from the category table import ({file})"
_VALUES = ("case_class", "category", "subcategory", "department_id", "time_limit",
           "time_unit", "urgent_time_limit", "urgent_time_unit", "service_code")


@dataclass
class CategoryReport(ImportReport):
    """What an import of the category table did: the rows new, updated and unchanged, the
    departments it created and the cases it gave a deadline."""

    departments_created: int = 0
    deadlines_derived: int = 0

    def summary(self) -> list[tuple[str, dict[str, object]]]:
        lines = super().summary()
        lines.insert(2, ("import_categories_derived",
                         {"derived": self.deadlines_derived,
                          "departments_created": self.departments_created}))
        return lines


def import_categories(engine: Engine, path: Path, mapping_path: Path, *,
                      skip_bad_rows: bool = False, rejects_path: Path | None = None,
                      progress: Progress | None = None) -> CategoryReport:
    """Import the category table in ``path`` as ``mapping_path`` says (see the module),
    then date the cases that have no deadline, all in one transaction; ``progress`` hears
    the stages read, check and write."""
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = open_source(path, mapping_path, "categories", progress)
    n = len(table.frame)
    tell(progress, "check", 0, n)
    report = CategoryReport(file=str(path), kind="categories", rows_read=n,
                            notes=list(table.notes))
    errors = row_errors(table, mapping)
    rows = _parse(table, mapping, errors)
    with store.transaction(engine) as conn:
        stored = _stored(conn)
        targets = _match(table, mapping, rows, stored, errors)
        tell(progress, "check", n, n)
        bad = finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        good = [i for i in range(n) if i not in bad]
        tell(progress, "write", 0, len(good))
        department_of = _departments(conn, [rows[i]["department"] for i in good
                                            if rows[i].get("department")], report)
        _write(conn, mapping, rows, good, targets, stored, department_of, report)
        report.deadlines_derived = derive_deadlines(conn, path.name)
        tell(progress, "write", len(good), len(good))
        if report.imported or report.updated or report.deadlines_derived:
            store.bump_data_version(conn)
            rollups.settle(conn)
    report.seconds = time.perf_counter() - began
    return report


# --- reading and checking the rows ----------------------------------------------------------

def _word(value: str, own: dict[str, str], common: dict[str, str]) -> str | None:
    return own.get(value) or common.get(value.lower())


def _parse(table: SourceTable, mapping: Mapping, errors: list[RowError]) -> list[dict]:
    """Each row's values as the table stores them (None where a row is bad), and the
    errors of every cell; a subcategory or code named twice is an error on the second."""
    col, frame, label = mapping.columns, table.frame, table.row_label
    classes = mapping.values.get("class_values", {})
    units = mapping.values.get("unit_values", {})
    seen: dict[str, dict[str, int]] = {"subcategory": {}, "code": {}}
    rows: list[dict] = []
    for i in range(len(frame)):
        cell = {name: frame[column].iat[i] for name, column in col.items()}

        def refuse(name: str, why: str, value: str | None = None) -> None:
            errors.append(RowError(i, label(i), col[name],
                                   cell[name] if value is None else value, why))

        row: dict = {"department": cell.get("department", "")}
        for name in ("case_class", "category", "subcategory", "time_limit"):
            if cell[name] == "":
                refuse(name, f"the {name.replace('_', ' ')} is empty")
        if cell["case_class"]:
            row["case_class"] = _word(cell["case_class"], classes, CLASS_WORDS)
            if row["case_class"] is None:
                refuse("case_class", "unknown class: say 部件, 事件 or 矛盾纠纷 (facility, "
                                     "incident, dispute), or map it under [class_values]")
        row["category"], row["subcategory"] = cell["category"], cell["subcategory"]
        row["code"] = cell.get("code", "")
        if len(row["code"]) > CODE_LENGTH:
            refuse("code", f"{len(row['code'])} characters; a category code may have at "
                           f"most {CODE_LENGTH}")
        row["service_code"] = cell.get("service_code", "") or None
        for key in ("subcategory", "code"):
            value = row[key]
            if value and value in seen[key]:
                refuse(key, f"the same {key} is on {label(seen[key][value])}")
            elif value:
                seen[key][value] = i
        limit = _limit(cell, "time_limit", "time_unit", None, units, refuse)
        row["time_limit"], row["time_unit"] = limit
        row["urgent_time_limit"], row["urgent_time_unit"] = _limit(
            cell, "urgent_time_limit", "urgent_time_unit", limit[1], units, refuse)
        rows.append(row)
    return rows


def _limit(cell: dict[str, str], field: str, unit_field: str, default_unit: str | None,
           own: dict[str, str], refuse) -> tuple[float | None, str | None]:
    """A limit cell (``2``, ``2.5``, ``2工作日``) and its unit (the cell's, else the unit
    column's, else ``default_unit``), checked; (None, None) for an empty optional cell."""
    text = cell.get(field, "")
    if text == "":
        return None, None
    found = _LIMIT.match(text)
    if text.lstrip().startswith("-"):
        refuse(field, "a time limit cannot be negative")
        return None, None
    number = float(found.group(1)) if found else math.nan
    if not math.isfinite(number):
        refuse(field, "not a number of hours or days (e.g. 2, 0.5, 2工作日)")
        return None, None
    said = found.group(2).strip()
    column = cell.get(unit_field, "")
    unit = None
    if said:
        unit = _word(said, own, UNIT_WORDS)
        if unit is None:
            refuse(field, f"unknown time unit {said!r}: {_UNIT_HINT}")
            return None, None
    if column:
        by_column = _word(column, own, UNIT_WORDS)
        if by_column is None:
            refuse(unit_field, f"unknown time unit: {_UNIT_HINT}")
            return None, None
        if unit is not None and unit != by_column:
            refuse(field, f"the cell says {unit} and column {unit_field} says {by_column}")
            return None, None
        unit = by_column
    unit = unit or default_unit
    if unit is None:
        refuse(field, f"no time unit: give it in a time_unit column or the cell ({_UNIT_HINT})")
        return None, None
    return number, unit


_UNIT_HINT = ("say 工作时, 工作日, 小时 or 天/自然日 (working_hours, working_days, hours, "
              "natural_days), or map it under [unit_values]")


def _stored(conn: Connection) -> pd.DataFrame:
    """The stored table: id, code and the values a re-import may change."""
    return pd.DataFrame(conn.execute(select(
        Category.id, Category.code, *(getattr(Category, name) for name in _VALUES))).all(),
        columns=["id", "code", *_VALUES])


def _match(table: SourceTable, mapping: Mapping, rows: list[dict], stored: pd.DataFrame,
           errors: list[RowError]) -> list[int | None]:
    """The stored row each file row updates (by code when it gives one, else by
    subcategory; None: a new row); a subcategory that would then be on two rows of the
    table is an error."""
    by_code = dict(zip(stored["code"], stored["id"]))
    by_sub = dict(zip(stored["subcategory"], stored["id"]))
    sub_of = dict(zip(stored["id"], stored["subcategory"]))
    code_of = dict(zip(stored["id"], stored["code"]))
    targets = [by_code.get(row["code"]) if row["code"] else by_sub.get(row["subcategory"])
               for row in rows]
    claimed: dict[int, int] = {}
    chosen = set(targets)
    final = {sub_of[t]: t for t in sub_of if t not in chosen}
    column = mapping.columns["subcategory"]
    for i, (row, target) in enumerate(zip(rows, targets)):
        holder = final.get(row["subcategory"])
        if target is not None and target in claimed:
            errors.append(RowError(
                i, table.row_label(i), column, row["subcategory"],
                f"{table.row_label(claimed[target])} updates the same row of the category "
                f"table (code {code_of[target]!r})"))
        elif target is not None:
            claimed[target] = i
        if row["subcategory"] and holder is not None and holder != target:
            errors.append(RowError(
                i, table.row_label(i), column, row["subcategory"],
                f"the category table has this subcategory under code {code_of[holder]!r}: "
                "give that code to update it, or another subcategory"))
    return targets


# --- writing --------------------------------------------------------------------------------

def _departments(conn: Connection, named: list[str], report: CategoryReport
                 ) -> dict[str, int]:
    """Department code or name -> id, after adding the departments neither names (code and
    name the value, as the case import makes them)."""
    rows = conn.execute(select(Department.id, Department.code, Department.name)).all()
    found = {name: i for i, _, name in rows} | {code: i for i, code, _ in rows}
    wanted = sorted(set(named) - set(found))
    if wanted:
        conn.execute(insert(Department), [{"code": d[:64], "name": d} for d in wanted])
        found.update(dict(conn.execute(select(Department.code, Department.id)
                                       .where(Department.code.in_(wanted))).all()))
        report.departments_created = len(wanted)
    return found


def _write(conn: Connection, mapping: Mapping, rows: list[dict], good: list[int],
           targets: list[int | None], stored: pd.DataFrame, department_of: dict[str, int],
           report: CategoryReport) -> None:
    """Insert the new rows, update the changed ones; columns the mapping does not name
    keep their stored values."""
    named = (set(mapping.columns) & set(_VALUES)) | {"time_unit"}
    if "urgent_time_limit" in mapping.columns:
        named.add("urgent_time_unit")
    if "department" in mapping.columns:
        named.add("department_id")
    old = stored.set_index("id").to_dict("index")
    codes = set(stored["code"])
    inserts, updates = [], []
    number = 0
    for i in good:
        row = dict(rows[i])
        row["department_id"] = department_of.get(row["department"]) if row["department"] \
            else None
        values = {k: row[k] for k in _VALUES if k in named or targets[i] is None}
        if targets[i] is None:
            code = row["code"]
            while not code:
                number += 1
                code = f"C{number:04d}" if f"C{number:04d}" not in codes else ""
            codes.add(code)
            inserts.append({"code": code, **values})
            continue
        before = old[targets[i]]
        if all(_same(before[k], v) for k, v in values.items()):
            report.unchanged += 1
            continue
        updates.append({"b_id": targets[i], **values})
    if inserts:
        conn.execute(insert(Category), inserts)
    for row in updates:  # a few hundred rows at most; their columns differ
        target = row.pop("b_id")
        conn.execute(update(Category).where(Category.id == target).values(**row))
    report.imported, report.updated = len(inserts), len(updates)


def _same(old: object, new: object) -> bool:
    if old is None or (isinstance(old, float) and math.isnan(old)):
        return new is None
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9
    return old == new


# --- deadlines of the cases that have none ----------------------------------------------------

def derive_deadlines(conn: Connection, source: str) -> int:
    """Give every case that has no deadline, is not voided and whose subcategory is in the
    category table its deadline: the table's limit (the urgent one for an urgent case),
    counted from its dispatch, else its report. Each case's version goes up and its
    history gets an ``import`` event naming ``source``. Returns how many were dated.

    Set-based: the deadlines are counted in one vectorised pass, written to a temporary
    table in one bulk write, and the cases and their events follow in two statements (a
    county's 200,000 cases take seconds)."""
    found = conn.execute(
        select(Case.id, Case.subcategory, Case.urgent, Case.dispatched_at, Case.reported_at)
        .join(Category, Category.subcategory == Case.subcategory)
        .where(Case.due_at.is_(None), Case.status != schema.VOIDED)).all()
    if not found:
        return 0
    cases = pd.DataFrame(found, columns=["id", "subcategory", "urgent", "dispatched_at",
                                         "reported_at"])
    table = pd.DataFrame(conn.execute(select(Category.subcategory, *LIMIT_COLUMNS)).all(),
                         columns=["subcategory", "time_limit", "time_unit",
                                  "urgent_time_limit", "urgent_time_unit"]
                         ).set_index("subcategory")
    start = pd.to_datetime(cases["dispatched_at"]).fillna(pd.to_datetime(cases["reported_at"]))
    limit, unit = limits_for(table, cases["subcategory"], cases["urgent"].fillna(False))
    due = deadlines(start, limit, unit, store.deployment_timezone(conn),
                    calendar=holidays.work_calendar(conn))
    dated = pd.DataFrame({"id": cases["id"], "due_at": due})[due.notna().to_numpy()]
    if dated.empty:
        return 0
    now = store.utcnow()
    _DUE.drop(conn, checkfirst=True)  # left by a run that failed on this connection
    _DUE.create(conn)
    _write_due(conn, dated)
    chosen = select(_DUE.c.id)
    conn.execute(update(Case).where(Case.id.in_(chosen)).values(
        due_at=select(_DUE.c.due_at).where(_DUE.c.id == Case.id).scalar_subquery(),
        version=Case.version + 1, updated_at=now))
    conn.execute(insert(CaseEvent).from_select(
        ["case_id", "action", "from_status", "to_status", "actor", "note", "at"],
        select(Case.id, literal("import"), Case.status, Case.status, literal("import"),
               literal(DERIVED_NOTE.format(file=source)), literal(now, DateTime))
        .where(Case.id.in_(chosen)).order_by(Case.id)))
    _DUE.drop(conn)
    return len(dated)


#: The deadlines being written (a temporary table of this transaction's connection).
_DUE = Table("category_import_due", MetaData(), Column("id", Integer, primary_key=True),
             Column("due_at", DateTime), prefixes=["TEMPORARY"])


def _write_due(conn: Connection, dated: pd.DataFrame) -> None:
    """The (case id, deadline) rows into :data:`_DUE` in one bulk write: ``COPY`` on
    PostgreSQL, one prepared ``executemany`` on SQLite (times as the text SQLAlchemy
    stores there, which COPY reads too)."""
    stamps = np.char.replace(np.datetime_as_string(
        dated["due_at"].to_numpy().astype("datetime64[us]"), unit="us"), "T", " ")
    rows = list(zip(dated["id"].astype(int).tolist(), stamps.tolist()))
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {_DUE.name} (id, due_at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        conn.exec_driver_sql(f"INSERT INTO {_DUE.name} (id, due_at) VALUES (?, ?)", rows)
