"""The case import's field-force columns (issue 14): where a case was resolved, its
mediation, its return visit and its officer, so exports from other systems fill the same
figures as the console's 调解 and 回访 (:mod:`data.case_import` calls this module).

Columns of a cases mapping (each optional):

- ``resolved_level``: the level the case was resolved at (:data:`data.schema.RESOLVED_LEVELS`:
  grid, community, town, district, city), or its Chinese word (网格, 社区/社区村/村,
  乡镇街道/乡镇/街道, 区县, 市级/市); stored as ``cases.resolved_level``.
- ``mediation_outcome`` (success, failure, referred; 调解成功/成功, 调解不成功/调解失败/
  不成功/失败, 转入诉讼或仲裁/诉讼/仲裁), ``mediated_at`` and ``mediation_kind`` (people,
  administrative, police_civil, pre_litigation; 人民调解, 行政调解, 警民联调, 诉前调解): one
  :class:`~data.models.Mediation` of origin ``import`` for the case (officer: the row's
  ``officer``). Dated ``mediated_at``, else the case's resolve time, else its report time
  (the report's notes count the rows dated so).
- ``satisfaction`` (satisfied, basically_satisfied, dissatisfied, unreached; 满意, 基本满意,
  不满意, 未接通) and ``visited_at``: one :class:`~data.models.ReturnVisit` of origin
  ``import``, dated ``visited_at``, else the case's close time (else its report time, noted).
- ``officer``: the external id of an officer of the roster (``officers.code``); sets
  ``cases.officer_id``.

A value is recognised by its key, its Chinese word, or the mapping's
``[resolved_level_values]``, ``[mediation_outcome_values]``, ``[mediation_kind_values]`` or
``[satisfaction_values]`` (source value → key); an unknown value, or an officer id no
officer has, is a row error that names it and what is accepted. A row error too: a
satisfaction on a case that is not closed (a return visit follows the close, as in the
console), a ``mediated_at`` or ``mediation_kind`` without an outcome, a ``visited_at``
without a satisfaction. A mediation on a case that is not of the dispute class is kept,
and the report's notes count them: the class comes from the category table, which may
simply not list the subcategory; the dispute figures count only disputes.

The case's ``mediation_outcome`` / ``mediated_at`` hold its latest mediation and its
``satisfaction`` its latest *reached* visit's answer, among the console's records and the
import's (an unreached visit leaves satisfaction as the others make it, None with none).
Each case has at most one record of origin ``import`` per kind: a re-import updates it (or
removes it when the file no longer gives one), never adds a second, and never touches a
record made in the console. Columns the mapping does not name are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from data import schema
from data.import_checks import RowError
from data.importer import ImportReport
from data.mapping import VALUE_SECTIONS, Mapping
from data.models import Mediation, Officer, ReturnVisit
from data.readers import SourceTable

CHUNK = 900  # ids per IN (...) list

#: The Chinese words a case export writes for each vocabulary's keys.
WORDS: dict[str, dict[str, str]] = {
    "resolved_level": {
        "网格": "grid", "社区": "community", "社区村": "community", "村": "community",
        "乡镇街道": "town", "乡镇": "town", "街道": "town", "区县": "district",
        "市级": "city", "市": "city",
    },
    "mediation_outcome": {
        "调解成功": schema.MEDIATION_SUCCESS, "成功": schema.MEDIATION_SUCCESS,
        "调解不成功": schema.MEDIATION_FAILURE, "调解失败": schema.MEDIATION_FAILURE,
        "不成功": schema.MEDIATION_FAILURE, "失败": schema.MEDIATION_FAILURE,
        "转入诉讼或仲裁": schema.MEDIATION_REFERRED, "诉讼": schema.MEDIATION_REFERRED,
        "仲裁": schema.MEDIATION_REFERRED,
    },
    "mediation_kind": {
        "人民调解": "people", "行政调解": "administrative", "警民联调": "police_civil",
        "诉前调解": "pre_litigation",
    },
    "satisfaction": {
        "满意": schema.SATISFIED, "基本满意": schema.BASICALLY_SATISFIED,
        "不满意": schema.DISSATISFIED, "未接通": schema.UNREACHED,
    },
}

#: What the import writes to the import-origin records, and compares on a re-import.
MEDIATION_FIELDS = ("at", "outcome", "kind", "officer_id")
VISIT_FIELDS = ("at", "satisfaction")


@dataclass
class Columns:
    """The field-force values of every row (None where empty), as read from the file."""

    values: dict[str, pd.Series]  # field -> keys (object, None where empty)
    officer_id: pd.Series | None = None  # None: the mapping names no officer column


def compared(mapping: Mapping) -> tuple[str, ...]:
    """The case columns the import writes and compares, for the columns the mapping names."""
    col = mapping.columns
    out: list[str] = []
    if "resolved_level" in col:
        out.append("resolved_level")
    if "officer" in col:
        out.append("officer_id")
    if "mediation_outcome" in col:
        out += ["mediation_outcome", "mediated_at"]
    if "satisfaction" in col:
        out.append("satisfaction")
    return tuple(out)


def read_values(table: SourceTable, mapping: Mapping, errors: list[RowError]) -> Columns:
    """Each named vocabulary column's keys; an unknown value is an error naming the
    accepted ones; a half-given mediation or visit is an error too."""
    values: dict[str, pd.Series] = {}
    for name, (section, vocabulary) in VALUE_SECTIONS.items():
        if name in mapping.columns:
            values[name] = _keys(table, mapping.columns[name], name,
                                 mapping.values.get(section, {}), vocabulary, errors)
    _needs(table, mapping, ("mediated_at", "mediation_kind"), "mediation_outcome",
           "a mediation needs its outcome", errors)
    _needs(table, mapping, ("visited_at",), "satisfaction",
           "a return visit needs its satisfaction", errors)
    return Columns(values=values)


def _keys(table: SourceTable, column: str, name: str, own: dict[str, str],
          vocabulary: tuple[str, ...], errors: list[RowError]) -> pd.Series:
    """The column's keys: the mapping's own translation first, then the key itself, then
    its Chinese word; an unknown non-empty value is an error."""
    lookup = {**WORDS[name], **{key: key for key in vocabulary}, **own}
    values = table.frame[column]
    keys = values.map(lookup).astype(object)
    keys = keys.where(keys.notna(), None)
    accepted = ", ".join(dict.fromkeys([*own, *vocabulary, *WORDS[name]]))
    section = VALUE_SECTIONS[name][0]
    for i in np.flatnonzero((keys.isna() & (values != "")).to_numpy()):
        errors.append(RowError(i, table.row_label(i), column, values.iat[i],
                               f"unknown {name.replace('_', ' ')}; accepted: {accepted} "
                               f"(or add it to the mapping's [{section}])"))
    return keys


def _needs(table: SourceTable, mapping: Mapping, fields: tuple[str, ...], needed: str,
           why: str, errors: list[RowError]) -> None:
    """A row that fills one of ``fields`` must fill ``needed`` too."""
    col = mapping.columns
    for name in fields:
        if name not in col:
            continue
        given = (table.frame[col[name]] != "").to_numpy()
        if needed in col:
            given = given & (table.frame[col[needed]] == "").to_numpy()
        for i in np.flatnonzero(given):
            where = (f"column {col[needed]!r} is empty" if needed in col
                     else f"the mapping names no {needed} column")
            errors.append(RowError(i, table.row_label(i), col[name],
                                   table.frame[col[name]].iat[i], f"{why} ({where})"))


def check_officers(conn: Connection, table: SourceTable, mapping: Mapping, columns: Columns,
                   errors: list[RowError]) -> None:
    """The officer of each row, by the roster's external id; an unknown id is an error."""
    if "officer" not in mapping.columns:
        return
    column = mapping.columns["officer"]
    codes = table.frame[column]
    wanted = sorted(set(codes) - {""})
    known: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        known.update(dict(conn.execute(select(Officer.code, Officer.id).where(
            Officer.code.in_(wanted[start:start + CHUNK]))).all()))
    for i, code in enumerate(codes):
        if code != "" and code not in known:
            errors.append(RowError(i, table.row_label(i), column, code,
                                   "no officer has this id (import the roster first: "
                                   "python -m dashboard import officers)"))
    columns.officer_id = codes.map(known).astype(object).where(codes != "", None)


def check_visits(table: SourceTable, mapping: Mapping, columns: Columns, status: pd.Series,
                 errors: list[RowError]) -> None:
    """A satisfaction (a return visit) on a case that is not closed is an error."""
    given = columns.values.get("satisfaction")
    if given is None:
        return
    column = mapping.columns["satisfaction"]
    open_ = given.notna() & status.notna() & (status != schema.CLOSED)
    for i in np.flatnonzero(open_.to_numpy()):
        errors.append(RowError(i, table.row_label(i), column, table.frame[column].iat[i],
                               f"a return visit is of a closed case; this case's status is "
                               f"{status.iat[i]!r}"))


def case_values(columns: Columns) -> dict[str, pd.Series]:
    """The case columns taken straight from the file: resolved_level and officer_id."""
    out: dict[str, pd.Series] = {}
    if "resolved_level" in columns.values:
        out["resolved_level"] = columns.values["resolved_level"]
    if columns.officer_id is not None:
        out["officer_id"] = columns.officer_id
    return out


def wanted_records(mapping: Mapping, columns: Columns, times: dict[str, pd.Series],
                   dated: dict[str, pd.Series], case_class: pd.Series, keep: np.ndarray,
                   report: ImportReport) -> tuple[list | None, list | None]:
    """Per kept row, the import-origin mediation and visit the file gives (a dict, or None
    for none), or None per kind when the mapping names no such column."""
    n = len(keep)
    reported = dated["reported_at"]
    mediations = visits = None
    if "mediation_outcome" in mapping.columns:
        outcome = columns.values["mediation_outcome"]
        given = times.get("mediated_at")
        at, fallback = _dated(given, [dated["resolved_at"], reported], n)
        kind = columns.values.get("mediation_kind", pd.Series([None] * n, dtype=object))
        officer = (columns.officer_id if columns.officer_id is not None
                   else pd.Series([None] * n, dtype=object))
        has = outcome.notna().to_numpy()
        mediations = [({"at": when, "outcome": what, "kind": how, "officer_id": _int(who)}
                       if given else None)
                      for when, what, how, who, given, kept in zip(
                          _pydates(at), outcome.tolist(), kind.tolist(), officer.tolist(),
                          has, keep) if kept]
        _note(report, has & fallback & keep, "mediation(s) without mediated_at are dated by "
              "the case's resolve time (else its report time)")
        odd = has & keep & (case_class != schema.DISPUTE).to_numpy()
        _note(report, odd, "case(s) not of the dispute class carry a mediation: kept, but the "
              "dispute figures count only disputes (is their subcategory missing from the "
              "category table?)")
    if "satisfaction" in mapping.columns:
        result = columns.values["satisfaction"]
        at, fallback = _dated(times.get("visited_at"), [dated["closed_at"], reported], n)
        has = result.notna().to_numpy()
        visits = [({"at": when, "satisfaction": what} if given else None)
                  for when, what, given, kept in zip(_pydates(at), result.tolist(), has, keep)
                  if kept]
        _note(report, has & fallback & keep & dated["closed_at"].isna().to_numpy(),
              "return visit(s) without visited_at or a close time are dated by the case's "
              "report time")
    return mediations, visits


def _dated(given: pd.Series | None, fallbacks: list[pd.Series], n: int
           ) -> tuple[pd.Series, np.ndarray]:
    """The given times, else the first fallback that has one; and where none was given."""
    at = given if given is not None else pd.Series(pd.NaT, index=range(n),
                                                   dtype="datetime64[us]")
    missing = at.isna().to_numpy()
    for other in fallbacks:
        at = at.fillna(other)
    return at.reset_index(drop=True), missing


def _note(report: ImportReport, mask: np.ndarray, text: str) -> None:
    count = int(mask.sum())
    if count:
        report.notes.append(f"{count} {text}")


def _pydates(stamps: pd.Series) -> list[datetime | None]:
    """Times as Python datetimes, None for NaT."""
    values = np.array(stamps.dt.to_pydatetime(), dtype=object)
    values[stamps.isna().to_numpy()] = None
    return values.tolist()


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


# --- on a re-import: settle the case's columns, write the import's records -----------------

def stored_records(conn: Connection, case_ids: list[int]) -> dict[int, dict[str, list[dict]]]:
    """The mediations and visits of these cases, oldest first: case id -> kind -> records."""
    out: dict[int, dict[str, list[dict]]] = {}
    kinds = (("mediations", Mediation, MEDIATION_FIELDS), ("visits", ReturnVisit, VISIT_FIELDS))
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        for name, model, fields in kinds:
            names = ("id", "case_id", "origin", *fields)
            for row in conn.execute(select(*[getattr(model, f) for f in names])
                                    .where(model.case_id.in_(chunk))
                                    .order_by(model.at, model.id)):
                out.setdefault(row[1], {}).setdefault(name, []).append(dict(zip(names, row)))
    return out


def settle(row: dict, records: dict[str, list[dict]],
           mediation: dict | None, visit: dict | None, kinds: tuple[bool, bool]) -> bool:
    """Put the case's latest mediation and latest reached visit (the console's records
    with the file's) into ``row``; True when the file's own records differ from the
    stored import-origin ones (so the case changed)."""
    changed = False
    if kinds[0]:
        console = [r for r in records.get("mediations", []) if r["origin"] != schema.IMPORT_ORIGIN]
        changed |= _differs(_own(records.get("mediations", [])), mediation, MEDIATION_FIELDS)
        latest = max(console + ([mediation] if mediation else []), key=lambda r: r["at"],
                     default=None)
        row["mediation_outcome"] = latest["outcome"] if latest else None
        row["mediated_at"] = latest["at"] if latest else None
    if kinds[1]:
        console = [r for r in records.get("visits", []) if r["origin"] != schema.IMPORT_ORIGIN]
        changed |= _differs(_own(records.get("visits", [])), visit, VISIT_FIELDS)
        reached = [r for r in console + ([visit] if visit else [])
                   if r["satisfaction"] != schema.UNREACHED]
        latest = max(reached, key=lambda r: r["at"], default=None)
        row["satisfaction"] = latest["satisfaction"] if latest else None
    return changed


def _own(records: list[dict]) -> dict | None:
    return next((r for r in records if r["origin"] == schema.IMPORT_ORIGIN), None)


def _differs(old: dict | None, new: dict | None, fields: tuple[str, ...]) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return any(old[f] != new[f] for f in fields)


def write_records(conn: Connection, items: list[tuple], kinds: tuple[bool, bool]) -> None:
    """Make each case's import-origin mediation and visit what the file gives: ``items``
    are (case id, its stored records, the file's mediation, the file's visit). New records
    are inserted in batches; the few a re-import changes or removes one by one."""
    common = {"actor": "import", "origin": schema.IMPORT_ORIGIN}
    plans = [(0, Mediation, "mediations", MEDIATION_FIELDS, common),
             (1, ReturnVisit, "visits", VISIT_FIELDS, {**common, "reopened": False})]
    for k, model, name, fields, extra in plans:
        if not kinds[k]:
            continue
        inserts = []
        for case_id, records, *wanted in items:
            old, new = _own(records.get(name, [])), wanted[k]
            if old is not None and new is None:
                conn.execute(delete(model).where(model.id == old["id"]))
            elif old is None and new is not None:
                inserts.append({"case_id": case_id, **new, **extra})
            elif old is not None and new is not None and _differs(old, new, fields):
                conn.execute(update(model).where(model.id == old["id"]).values(**new))
        for start in range(0, len(inserts), 5000):
            conn.execute(insert(model), inserts[start:start + 5000])
