"""Importing cases from a file, as its mapping says, upserting by external id; the plan
both imports follow is in :mod:`data.importer`.

Each case goes to the deepest region whose boundary holds its point, else to the region its
code names, else nowhere (unlocated); workflow steps the file does not date are dated by the
step before them, and the deadline comes from the file or the category table.

Deadlines: a ``due_at`` the file gives wins. Otherwise a case whose subcategory is in the
category table (:mod:`data.category_import`) gets its limit (the urgent limit for an
urgent case, :func:`data.deadlines.limits_for`) counted from its dispatch, or from its
report when it has no dispatch time (a ``reported`` or ``filed`` case: a source without
dispatch times, like Los Angeles' "Open" requests); voided cases get none. A re-import
keeps the deadline a case already has when the file gives none and the case's start
(dispatch, else report) is unchanged: a limit changed in the table since applies to
dispatches after the change, not to cases already dated.

The field-force columns (resolved level, mediation, return visit, officer) and the records
they make are :mod:`data.field.case_columns`' (what is accepted, refused and how each is
dated is written there).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from data import holidays, rollups, schema, store
from data.deadlines import LIMIT_COLUMNS, deadlines, limits_for
from data.field import case_columns
from data.import_checks import RowError, parse_coordinates, parse_times
from data.importer import (
    ImportReport, Progress, finish_errors, open_source, region_lookup, row_errors, tell,
)
from data.mapping import TIME_FIELDS, Mapping
from data.models import Case, CaseEvent, Category, Department
from data.notes import Note
from data.readers import SourceTable

CHUNK = 900  # ids per IN (...) list: below SQLite's variable limit on every build

_COMPARED = ("status", "case_class", "category", "subcategory", "source", "urgent",
             "description", "address", "lon", "lat", "region_id", "location_method",
             "department_id", "reporter", "reported_at", "filed_at", "dispatched_at",
             "resolved_at", "closed_at", "voided_at", "due_at")


def _locate(lon: np.ndarray, lat: np.ndarray, regions: pd.DataFrame
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the deepest region whose boundary covers it (-1 if none), and whether
    more than one region of that depth did (the smallest code is taken then)."""
    n = len(lon)
    chosen = np.full(n, -1, dtype=np.int64)
    overlap = np.zeros(n, dtype=bool)
    shaped = regions[regions["geometry"].notna()].reset_index(drop=True)
    has = ~(np.isnan(lon) | np.isnan(lat))
    if shaped.empty or not has.any():
        return chosen, overlap
    tree = shapely.STRtree(shapely.from_wkb(shaped["geometry"].to_numpy()))
    idx = np.flatnonzero(has)
    points = shapely.points(lon[idx], lat[idx])
    point_i, region_i = tree.query(points, predicate="intersects")
    if len(point_i) == 0:
        return chosen, overlap
    hits = pd.DataFrame({"p": idx[point_i], "depth": shaped["depth"].to_numpy()[region_i],
                         "code": shaped["code"].to_numpy()[region_i],
                         "id": shaped["id"].to_numpy()[region_i]})
    hits = hits.sort_values(["p", "depth", "code"], ascending=[True, False, True])
    deepest = hits.groupby("p")["depth"].transform("max")
    hits = hits[hits["depth"] == deepest]
    per_point = hits.groupby("p")
    first = per_point.first()
    chosen[first.index.to_numpy()] = first["id"].to_numpy()
    many = per_point.size()
    overlap[many.index[many > 1].to_numpy()] = True
    return chosen, overlap


def import_cases(engine: Engine, path: Path, mapping_path: Path, *,
                 skip_bad_rows: bool = False, rejects_path: Path | None = None,
                 progress: Progress | None = None) -> ImportReport:
    """Import cases from ``path`` as ``mapping_path`` says (upsert by external id);
    ``progress`` hears the stages read, check, locate and write (the rows written)."""
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = open_source(path, mapping_path, "cases", progress)
    frame = table.frame
    n = len(frame)
    tell(progress, "check", 0, n)
    report = ImportReport(file=str(path), kind="cases", rows_read=n, notes=list(table.notes))
    tz = ZoneInfo(mapping.source.get("timezone", store.DEFAULT_TIMEZONE))
    errors = row_errors(table, mapping)
    ext = _external_ids(table, mapping.columns["external_id"], errors)
    times = _case_times(table, mapping, tz, errors)
    status = _statuses(table, mapping, errors)
    lon, lat = parse_coordinates(table, mapping, errors)
    text_of = _text_columns(frame, mapping.columns)
    urgent = text_of["urgent"].str.lower().isin(["1", "true", "yes", "y", "是", "急", "紧急"])
    field = case_columns.read_values(table, mapping, errors)
    case_columns.check_visits(table, mapping, field, status, errors)

    with store.transaction(engine) as conn:
        regions = region_lookup(conn)
        tell(progress, "check", n, n)
        tell(progress, "locate", 0, n)
        chosen, overlap = _locate(lon, lat, regions)
        tell(progress, "locate", n, n)
        case_columns.check_officers(conn, table, mapping, field, errors)
        bad = finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        keep = np.array([i not in bad for i in range(n)])
        region_id, method = _place(regions, chosen, overlap, text_of["region_code"], keep, report)
        departments = _departments(conn, text_of["department"][keep])
        cats = _category_table(conn)
        sub = text_of["subcategory"].where(text_of["subcategory"] != "", text_of["category"])
        known = sub.map(cats["case_class"]) if not cats.empty else pd.Series([None] * n)
        status = status.fillna(schema.REPORTED)
        dated = _workflow_times(conn, frame.index, status, times, sub, cats, keep, report,
                                urgent)
        given_due = (times["due_at"].notna() if "due_at" in times
                     else pd.Series(False, index=frame.index))
        # a case the category table does not class but that carries a mediation is a
        # dispute (only disputes are mediated); the rest default to incidents
        mediated = field.values.get("mediation_outcome")
        fallback = schema.INCIDENT if mediated is None else pd.Series(
            np.where(mediated.notna().to_numpy(), schema.DISPUTE, schema.INCIDENT))
        case_class = known.fillna(fallback)
        records = pd.DataFrame({
            "external_id": ext, "code": ext,
            "status": status,
            "case_class": case_class,
            **_kinds(text_of, sub, cats, mapping),
            "urgent": urgent,
            "description": text_of["description"].replace("", None),
            "address": text_of["address"].replace("", None),
            "lon": pd.Series(lon).round(7), "lat": pd.Series(lat).round(7),
            "region_id": pd.Series(region_id).where(region_id >= 0),
            "location_method": method,
            "department_id": _department_ids(text_of, sub, cats, departments),
            "reporter": text_of["reporter"].replace("", None),
            **dated,
            **case_columns.case_values(field),
        })[keep].reset_index(drop=True)
        rows = _python_rows(records)
        followups = case_columns.wanted_records(mapping, field, times, dated, case_class,
                                                keep, report)
        _upsert_cases(conn, rows, report, case_columns.compared(mapping), followups, progress,
                      table_due=(~given_due).to_numpy()[keep])
        if report.imported or report.updated:
            store.bump_data_version(conn)
            rollups.settle(conn)  # a big import: recount once here, not in a request
    report.seconds = time.perf_counter() - began
    return report


def _external_ids(table: SourceTable, column: str, errors: list[RowError]) -> pd.Series:
    """The external ids, each row's key for re-imports: empty and repeated ones are errors."""
    label = table.row_label
    ext = table.frame[column]
    for i in np.flatnonzero((ext == "").to_numpy()):
        errors.append(RowError(i, label(i), column, "", "the external id is empty"))
    duplicated = ext.duplicated(keep="first") & (ext != "")
    first_at = {v: i for i, v in reversed(list(enumerate(ext)))}
    for i in np.flatnonzero(duplicated.to_numpy()):
        errors.append(RowError(i, label(i), column, ext.iat[i],
                               f"the same external id is on {label(first_at[ext.iat[i]])}"))
    return ext


def _case_times(table: SourceTable, mapping: Mapping, tz: ZoneInfo, errors: list[RowError]
                ) -> dict[str, pd.Series]:
    """Every time field the mapping names, as naive UTC; a row needs its report time."""
    col = mapping.columns
    times: dict[str, pd.Series] = {}
    for name in TIME_FIELDS:
        if name in col:
            times[name] = parse_times(table.frame, name, col[name], mapping.formats.get(name),
                                       tz, table, errors)
    for i in np.flatnonzero((table.frame[col["reported_at"]] == "").to_numpy()):
        errors.append(RowError(i, table.row_label(i), col["reported_at"], "",
                               "the report time is empty"))
    return times


def _statuses(table: SourceTable, mapping: Mapping, errors: list[RowError]) -> pd.Series:
    """Each row's status, through the mapping's ``[status_values]`` if it has them; an
    unknown one is an error (and missing here)."""
    column = mapping.columns["status"]
    raw_status = table.frame[column]
    if mapping.status_values:
        status = raw_status.map(mapping.status_values)
        allowed = sorted(mapping.status_values)
    else:
        status = raw_status.where(raw_status.isin(schema.STATUSES))
        allowed = list(schema.STATUSES)
    for i in np.flatnonzero(status.isna().to_numpy()):
        errors.append(RowError(i, table.row_label(i), column, raw_status.iat[i],
                               f"unknown status; the mapping's [status_values] know {allowed}"))
    return status


def _text_columns(frame: pd.DataFrame, col: dict[str, str]) -> dict[str, pd.Series]:
    """The text fields, with an empty column for each the mapping does not name."""
    n = len(frame)
    return {name: frame[col[name]] if name in col else pd.Series([""] * n)
            for name in ("category", "subcategory", "department", "source", "address",
                         "description", "region_code", "urgent", "reporter")}


def _place(regions: pd.DataFrame, chosen: np.ndarray, overlap: np.ndarray, codes: pd.Series,
           keep: np.ndarray, report: ImportReport) -> tuple[np.ndarray, np.ndarray]:
    """Where each case goes: the region its point lies in, else the region its code names,
    else nowhere (unlocated); counted in the report for the rows imported."""
    region_by_code = dict(zip(regions["code"], regions["id"]))
    by_code = codes.map(region_by_code)
    # a code no region has cannot place a case: it stays unlocated, and the report says so
    unknown = (codes != "").to_numpy() & by_code.isna().to_numpy() & (chosen < 0) & keep
    if unknown.any():
        examples = ", ".join(repr(c) for c in sorted(set(codes[unknown]))[:5])
        report.unknown_region_codes = int(unknown.sum())
        report.notes.append(Note(
            "cli_note_unknown_codes",
            f"{int(unknown.sum())} case(s) outside every boundary carry a region code no "
            f"region has ({examples}); they are stored unlocated",
            n=int(unknown.sum()), examples=examples))
    region_id = np.where(chosen >= 0, chosen, by_code.fillna(-1).to_numpy(np.int64))
    method = np.where(chosen >= 0, schema.LOCATED_BY_POINT,
                      np.where(region_id >= 0, schema.LOCATED_BY_CODE, schema.UNLOCATED))
    report.located_by_point = int(((chosen >= 0) & keep).sum())
    report.located_by_code = int(((method == schema.LOCATED_BY_CODE) & keep).sum())
    report.unlocated = int(((method == schema.UNLOCATED) & keep).sum())
    report.overlaps = int((overlap & keep).sum())
    return region_id, method


def _departments(conn: Connection, named: pd.Series) -> dict[str, int]:
    """Department code -> id, after adding the departments the imported rows name."""
    departments = dict(conn.execute(select(Department.code, Department.id)).all())
    wanted = sorted(set(named) - {""} - set(departments))
    if wanted:
        conn.execute(insert(Department), [{"code": d[:64], "name": d} for d in wanted])
        departments = dict(conn.execute(select(Department.code, Department.id)).all())
    return departments


def _category_table(conn: Connection) -> pd.DataFrame:
    """The stored category table, by subcategory."""
    return pd.DataFrame(conn.execute(select(
        Category.subcategory, Category.case_class, Category.category,
        Category.department_id, *LIMIT_COLUMNS)).all(),
        columns=["subcategory", "case_class", "category", "department_id", "time_limit",
                 "time_unit", "urgent_time_limit", "urgent_time_unit"]
    ).set_index("subcategory")


def _workflow_times(conn: Connection, index: pd.Index, status: pd.Series,
                    times: dict[str, pd.Series], sub: pd.Series, cats: pd.DataFrame,
                    keep: np.ndarray, report: ImportReport, urgent: pd.Series
                    ) -> dict[str, pd.Series]:
    """The time of each workflow step the status implies: steps the file does not date are
    dated by the step before them; the deadline from the file, else the category table's
    limit counted from dispatch, or from the report when the case has no dispatch time."""
    reported = times["reported_at"]
    closed = times.get("closed_at", pd.Series(pd.NaT, index=index, dtype="datetime64[us]"))
    accepted = status.isin(schema.ACCEPTED_STATUSES)
    past_dispatch = status.isin([schema.DISPATCHED, schema.RESOLVED, schema.CLOSED,
                                 schema.SUSPENDED])
    is_closed = status == schema.CLOSED
    # steps the file does not date are dated by the step before them
    filed = times.get("filed_at", reported).where(accepted)
    filed = filed.fillna(reported.where(accepted))
    dispatched = times.get("dispatched_at", filed).where(past_dispatch).fillna(
        filed.where(past_dispatch))
    closed_at = closed.where(is_closed)
    resolved_given = times.get("resolved_at")
    resolved_mask = status.isin([schema.RESOLVED, schema.CLOSED])
    resolved = (resolved_given if resolved_given is not None else closed_at)
    resolved = resolved.where(resolved_mask).fillna(closed_at)
    voided = (closed.fillna(reported)).where(status == schema.VOIDED)
    due = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    if not cats.empty:
        start = dispatched.fillna(reported).where(status != schema.VOIDED)
        limit, unit = limits_for(cats, sub, urgent)
        due = deadlines(start, limit, unit, store.deployment_timezone(conn),
                        calendar=holidays.work_calendar(conn))
        due.index = index
    if "due_at" in times:
        due = times["due_at"].fillna(due)
    no_close = int((is_closed & closed_at.isna() & pd.Series(keep)).sum())
    if no_close:
        report.notes.append(Note(
            "cli_note_no_close_time",
            f"{no_close} closed case(s) have no close time: they count as closed, but in "
            "no period's closed figures", n=no_close))
    return {"reported_at": reported, "filed_at": filed, "dispatched_at": dispatched,
            "resolved_at": resolved, "closed_at": closed_at, "voided_at": voided,
            "due_at": due}


def _kinds(text_of: dict[str, pd.Series], sub: pd.Series, cats: pd.DataFrame,
           mapping: Mapping) -> dict[str, pd.Series]:
    """Category (the file's, else the category table's), subcategory and source (through
    the mapping's ``[source_values]``; an unknown one is "other")."""
    source = text_of["source"].map(lambda v: mapping.source_values.get(
        v, v if v in schema.SOURCES else ("other" if v else None)))
    category = text_of["category"].where(text_of["category"] != "",
                                         sub.map(cats["category"]) if not cats.empty
                                         else None)
    return {"category": category.replace("", None), "subcategory": sub.replace("", None),
            "source": source}


def _department_ids(text_of: dict[str, pd.Series], sub: pd.Series, cats: pd.DataFrame,
                    departments: dict[str, int]) -> pd.Series:
    """The department the file names, else the one the category table gives."""
    department = text_of["department"].map(departments)
    return department.where(department.notna(), sub.map(cats["department_id"])
                            if not cats.empty else None)


def _python_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of plain Python values (``None`` for missing); every dict has the same keys."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            values = np.array(column.dt.to_pydatetime(), dtype=object)
        elif name in ("region_id", "department_id", "officer_id"):
            values = np.array([None if pd.isna(v) else int(v) for v in column], dtype=object)
        elif name == "urgent":
            values = np.array([bool(v) for v in column], dtype=object)
        elif name in ("lon", "lat"):
            values = np.array([None if pd.isna(v) else float(v) for v in column], dtype=object)
        else:
            values = column.to_numpy(dtype=object, copy=True)
        values[column.isna().to_numpy()] = None
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*columns.values())]


def _same(old, new) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0) and \
            abs((old - new).total_seconds()) < 1e-3
    return old == new


def _upsert_cases(conn: Connection, rows: list[dict], report: ImportReport,
                  extra: tuple[str, ...] = (),
                  followups: tuple[list | None, list | None] = (None, None),
                  progress: Progress | None = None,
                  table_due: np.ndarray | None = None) -> None:
    """Insert new cases, update changed ones (version + 1), leave identical ones alone, and
    write an ``import`` event for each case inserted or changed. ``extra`` are the
    field-force columns the mapping names; ``followups`` the import-origin mediation and
    visit of each row (None: the mapping names no such column), which a change of makes
    the case changed too (:mod:`data.field.case_columns`). ``table_due`` says which rows'
    deadlines come from the category table, not the file: a stored case keeps the deadline
    it has when its start (dispatch, else report) is unchanged."""
    now = store.utcnow()
    compared = _COMPARED + extra
    by_ext = _stored_cases(conn, [r["external_id"] for r in rows], compared)
    kinds = (followups[0] is not None, followups[1] is not None)
    records = (case_columns.stored_records(conn, [old["id"] for old in by_ext.values()])
               if any(kinds) else {})
    taken = _taken_codes(conn, [r["code"] for r in rows if r["external_id"] not in by_ext])
    inserts, updates = [], []
    for i, row in enumerate(rows):
        old = by_ext.get(row["external_id"])
        if old is not None and table_due is not None and table_due[i]:
            row = _kept_deadline(old, row)
        changed = any(kinds) and case_columns.settle(
            row, records.get(old["id"], {}) if old else {},
            followups[0][i] if kinds[0] else None, followups[1][i] if kinds[1] else None,
            kinds)
        if old is None:
            code = row["code"] if row["code"] not in taken else f"IMP-{row['external_id']}"
            inserts.append({**row, "code": code, "version": 1, "updated_at": now})
        elif not changed and all(_same(old[name], row[name]) for name in compared):
            report.unchanged += 1
        else:
            values = {name: row[name] for name in compared}
            updates.append({"b_id": old["id"], "b_version": old["version"], **values,
                            "version": old["version"] + 1, "updated_at": now})
    tell(progress, "write", 0, len(rows))
    for start in range(0, len(inserts), 5000):
        conn.execute(insert(Case), inserts[start:start + 5000])
        tell(progress, "write", min(start + 5000, len(inserts)), len(rows))
    if updates:
        conn.execute(update(Case).where(Case.id == bindparam("b_id"),
                                        Case.version == bindparam("b_version")), updates)
    tell(progress, "write", len(rows), len(rows))
    report.imported, report.updated = len(inserts), len(updates)
    id_of = _ids_of(conn, [r["external_id"] for r in inserts])
    if any(kinds):
        items = []
        for i, row in enumerate(rows):
            ext = row["external_id"]
            case_id = by_ext[ext]["id"] if ext in by_ext else id_of[ext]
            items.append((case_id, records.get(case_id, {}),
                          followups[0][i] if kinds[0] else None,
                          followups[1][i] if kinds[1] else None))
        case_columns.write_records(conn, items, kinds)
    events = [{"case_id": id_of[r["external_id"]], "action": "import", "from_status": None,
               "to_status": r["status"], "actor": "import", "note": None, "at": now}
              for r in inserts]
    events += [{"case_id": u["b_id"], "action": "import", "from_status": None,
                "to_status": u["status"], "actor": "import", "note": "updated by re-import",
                "at": now} for u in updates]
    for start in range(0, len(events), 5000):
        conn.execute(insert(CaseEvent), events[start:start + 5000])


def _kept_deadline(old: dict, row: dict) -> dict:
    """``row`` with the stored case's deadline when it has one and started (dispatch, else
    report) at the same moment: a table limit changed since does not move it."""
    if old["due_at"] is None or row["due_at"] is None:  # none kept, or none due (voided)
        return row
    before = old["dispatched_at"] or old["reported_at"]
    after = row["dispatched_at"] or row["reported_at"]
    if before is None or after is None or not _same(before, after):
        return row
    return {**row, "due_at": old["due_at"]}


def _stored_cases(conn: Connection, ids: list[str], compared: tuple[str, ...]
                  ) -> dict[str, dict]:
    """The stored cases of these external ids: id, version and the compared columns."""
    by_ext: dict[str, dict] = {}
    columns = [getattr(Case, name) for name in compared]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for row in conn.execute(select(Case.id, Case.external_id, Case.version, *columns)
                                .where(Case.external_id.in_(chunk))):
            by_ext[row.external_id] = row._asdict()
    return by_ext


def _taken_codes(conn: Connection, codes: list[str]) -> set[str]:
    """Which of these codes a case already has (a new case then takes ``IMP-<id>``)."""
    taken: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        taken |= set(conn.scalars(select(Case.code).where(Case.code.in_(
            codes[start:start + CHUNK]))))
    return taken


def _ids_of(conn: Connection, external_ids: list[str]) -> dict[str, int]:
    id_of: dict[str, int] = {}
    for start in range(0, len(external_ids), CHUNK):
        id_of.update(dict(conn.execute(select(Case.external_id, Case.id).where(
            Case.external_id.in_(external_ids[start:start + CHUNK]))).all()))
    return id_of
