"""Importing GPS fixes of officers' patrols from a file (``python -m dashboard import
patrols FILE --mapping M.toml``), as its mapping says; the plan every import follows (check
all rows first, one error per bad row, one transaction) is in :mod:`data.importer`.

A row is one fix: ``officer`` (the roster's external id, ``officers.code``), ``at`` (naive
times are in the mapping's ``timezone``), ``lon`` / ``lat`` (in the mapping's ``crs``:
WGS-84, GCJ-02 or BD-09, stored as WGS-84). Refused rows: an unknown or empty officer, an
unreadable or empty time, a missing or unreadable position.

How fixes become patrols, per officer:

- fixes are cut where two consecutive ones are more than ``gap_minutes`` apart; a patrol
  starts at its first fix and ends at its last;
- a fix already stored for that officer at that very instant (to the microsecond) is
  skipped, and so is a repeat of it later in the file (the first one wins): importing the
  same file twice changes nothing;
- new fixes within the gap of a stored patrol of that officer (from an earlier file or the
  phones' feed) join it, and the patrol grows to hold them; stored patrols are never merged
  into one, so a run of new fixes that reaches two of them joins the earlier one (fixes
  before the first join the first);
- a patrol's ``region_id`` is the grid of its first fix that lies in a grid, else the
  officer's home grid (``officers.region_id``). A new patrol with neither (every fix outside
  every grid, an officer with no home grid) cannot belong anywhere: its rows are refused,
  naming why.

Then the visits (:mod:`data.field.tracks`) of every new or grown patrol are written, in the
same transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Integer, bindparam, func, insert, select, update

from data import store
from data.field.tracks import locate_points, stored_fixes, write_visits
from data.import_checks import RowError, parse_coordinates, parse_times
from data.importer import (
    ImportReport, Progress, finish_errors, open_source, row_errors, tell,
)
from data.mapping import Mapping
from data.models import Officer, Patrol, PatrolPoint
from data.readers import SourceTable

CHUNK = 900  # ids per IN (...) list: below SQLite's variable limit on every build
_US = np.timedelta64(1, "us")


@dataclass
class PatrolImportReport(ImportReport):
    """What a patrols import did: ``imported`` counts the new fixes and ``unchanged`` those
    already stored (or repeated in the file); patrols made and grown; new fixes outside
    every grid (in their patrol's distance, in no grid's visits)."""

    patrols_new: int = 0
    patrols_extended: int = 0
    outside: int = 0

    def summary(self) -> list[tuple[str, dict[str, object]]]:
        lines: list[tuple[str, dict[str, object]]] = [
            ("import_title_patrols", {"file": self.file}),
            ("import_patrol_counts", {"rows_read": self.rows_read, "imported": self.imported,
                                      "unchanged": self.unchanged, "rejected": self.rejected}),
            ("import_patrols_made", {"patrols_new": self.patrols_new,
                                     "patrols_extended": self.patrols_extended,
                                     "outside": self.outside}),
        ]
        if self.rejects_path:
            lines.append(("import_rejects", {"rejects_path": self.rejects_path}))
        return lines


def import_patrols(engine: Engine, path: Path, mapping_path: Path, *,
                   skip_bad_rows: bool = False, rejects_path: Path | None = None,
                   gap_minutes: float = 30, progress: Progress | None = None
                   ) -> PatrolImportReport:
    """Import the GPS fixes of ``path`` as ``mapping_path`` says, cut into patrols by
    ``gap_minutes`` (see the module's docstring); ``progress`` hears the stages read,
    check, locate and write (the fixes written).

    Raises
    ------
    data.importer.ImportFailed
        The file or mapping is unusable, or a row is bad and ``skip_bad_rows`` is False
        (nothing is written then).
    """
    if not 0 < gap_minutes <= 24 * 60:
        raise ValueError(f"gap_minutes must be more than 0 and at most 1440, got {gap_minutes!r}")
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = open_source(path, mapping_path, "patrols", progress)
    n = len(table.frame)
    report = PatrolImportReport(file=str(path), kind="patrols", rows_read=n,
                                notes=list(table.notes))
    tell(progress, "check", 0, n)
    tz = ZoneInfo(mapping.source.get("timezone", store.DEFAULT_TIMEZONE))
    errors = row_errors(table, mapping)
    at = _times(table, mapping, tz, errors)
    lon, lat = _positions(table, mapping, errors)
    with store.transaction(engine) as conn:
        officers = _officers(conn, table, mapping.columns["officer"], errors)
        fixes = pd.DataFrame({"row": np.arange(n), "officer_id": officers["officer_id"],
                              "at": at, "lon": lon, "lat": lat})
        fixes = fixes[~fixes["row"].isin({e.position for e in errors})]
        tell(progress, "check", n, n)
        tell(progress, "locate", 0, len(fixes))
        fixes["region_id"] = locate_points(conn, fixes["lon"].to_numpy(),
                                           fixes["lat"].to_numpy())
        tell(progress, "locate", len(fixes), len(fixes))
        fixes, known = _drop_known(conn, fixes)
        stored = _stored_patrols(conn, fixes, gap_minutes)
        fixes = _cut(fixes, stored, gap_minutes)
        home = dict(zip(officers["officer_id"], officers["home"]))
        errors += _homeless(fixes, home, table, mapping.columns["officer"])
        bad = finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        fixes = fixes[~fixes["row"].isin(bad)]
        report.unchanged = int(known[~known.isin(bad)].size)
        report.imported = len(fixes)
        report.outside = int((fixes["region_id"] < 0).sum())
        tell(progress, "write", 0, len(fixes))
        if not fixes.empty:
            _write(conn, fixes, home, stored, gap_minutes, report)
            store.bump_data_version(conn)
        tell(progress, "write", len(fixes), len(fixes))
    report.seconds = time.perf_counter() - began
    return report


# --- checking the rows ---------------------------------------------------------------------------

def _times(table: SourceTable, mapping: Mapping, tz: ZoneInfo,
           errors: list[RowError]) -> np.ndarray:
    """Each fix's time as naive UTC (``datetime64[us]``; NaT where refused)."""
    column = mapping.columns["at"]
    at = parse_times(table.frame, "at", column, mapping.formats.get("at"), tz, table, errors)
    for i in np.flatnonzero((table.frame[column] == "").to_numpy()):
        errors.append(RowError(i, table.row_label(i), column, "", "the fix's time is empty"))
    return at.to_numpy().astype("datetime64[us]")


def _positions(table: SourceTable, mapping: Mapping, errors: list[RowError]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each fix's WGS-84 position; a fix with none (empty, or 0,0) is refused."""
    refused = {e.position for e in errors}
    lon, lat = parse_coordinates(table, mapping, errors)
    column = mapping.columns["lat"]
    newly = {e.position for e in errors} - refused
    for i in np.flatnonzero(np.isnan(lon) | np.isnan(lat)):
        if i not in newly:
            errors.append(RowError(i, table.row_label(i), column, table.frame[column].iat[i],
                                   "a fix needs a longitude and a latitude (0, 0 is no "
                                   "position)"))
    return lon, lat


def _officers(conn: Connection, table: SourceTable, column: str,
              errors: list[RowError]) -> pd.DataFrame:
    """Each row's officer id and home grid (-1 where none); unknown codes are errors."""
    codes = table.frame[column]
    known = pd.DataFrame(conn.execute(select(Officer.code, Officer.id, Officer.region_id)).all(),
                         columns=["code", "officer_id", "home"]).set_index("code")
    officer_id = codes.map(known["officer_id"])
    home = codes.map(known["home"])
    for i in np.flatnonzero(officer_id.isna().to_numpy()):
        value = codes.iat[i]
        why = ("the officer is empty" if value == "" else
               "no officer has this id (officers.code); import the roster first "
               "(python -m dashboard import officers)")
        errors.append(RowError(i, table.row_label(i), column, value, why))
    return pd.DataFrame({"officer_id": officer_id.fillna(-1).to_numpy(np.int64),
                         "home": home.fillna(-1).to_numpy(np.int64)})


def _homeless(fixes: pd.DataFrame, home: dict, table: SourceTable,
              column: str) -> list[RowError]:
    """Rows of new patrols that lie outside every grid, of an officer with no home grid."""
    new = fixes[fixes["patrol_id"] < 0]
    placed = new.groupby("patrol_id")["region_id"].max()
    lost = placed.index[(placed < 0).to_numpy()]
    if lost.empty:
        return []
    rows = new[new["patrol_id"].isin(lost)]
    rows = rows[rows["officer_id"].map(home).fillna(-1).to_numpy() < 0]
    return [RowError(int(i), table.row_label(int(i)), column, table.frame[column].iat[int(i)],
                     "this fix's patrol lies outside every grid and the officer has no home "
                     "grid, so the patrol belongs to no grid; give the officer a grid in the "
                     "roster or check the coordinates and crs")
            for i in rows["row"]]


# --- matching the stored patrols -----------------------------------------------------------------

def _ticks(values) -> np.ndarray:
    """Times as int64 microseconds (comparable keys)."""
    return np.asarray(values).astype("datetime64[us]").astype(np.int64)


def _by_officer(conn: Connection, officer_ids: list[int], query_of) -> list[tuple]:
    rows: list[tuple] = []
    for start in range(0, len(officer_ids), CHUNK):
        chunk = officer_ids[start:start + CHUNK]
        rows += [tuple(r) for r in conn.execute(query_of(chunk)).all()]
    return rows


def _drop_known(conn: Connection, fixes: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The fixes neither stored already (same officer, same instant) nor repeated earlier in
    the file, and the rows of those left out."""
    repeated = fixes.duplicated(["officer_id", "at"], keep="first").to_numpy()
    if fixes.empty:
        return fixes, fixes["row"]
    first, last = fixes["at"].min().to_pydatetime(), fixes["at"].max().to_pydatetime()
    stored = _by_officer(conn, sorted(fixes["officer_id"].unique().tolist()), lambda chunk: (
        select(Patrol.officer_id, PatrolPoint.at).join(Patrol, Patrol.id == PatrolPoint.patrol_id)
        .where(Patrol.officer_id.in_(chunk), PatrolPoint.at >= first, PatrolPoint.at <= last)))
    if stored:
        keys = pd.DataFrame(stored, columns=["officer_id", "at"])
        known = pd.MultiIndex.from_arrays([keys["officer_id"].to_numpy(np.int64),
                                           _ticks(pd.to_datetime(keys["at"]))])
        mine = pd.MultiIndex.from_arrays([fixes["officer_id"].to_numpy(np.int64),
                                          _ticks(fixes["at"])])
        repeated = repeated | mine.isin(known)
    return fixes[~repeated], fixes["row"][repeated]


def _stored_patrols(conn: Connection, fixes: pd.DataFrame, gap_minutes: float) -> pd.DataFrame:
    """The stored patrols of these officers that new fixes may join: their id, officer,
    start and end (the latest of ``ended_at`` and their last fix)."""
    columns = ["patrol_id", "officer_id", "t0", "t1"]
    if fixes.empty:
        return pd.DataFrame(columns=columns)
    gap = pd.Timedelta(minutes=gap_minutes)
    first = (fixes["at"].min() - gap).to_pydatetime()
    last = (fixes["at"].max() + gap).to_pydatetime()
    last_fix = (select(PatrolPoint.patrol_id, func.max(PatrolPoint.at).label("at"))
                .group_by(PatrolPoint.patrol_id).subquery())
    rows = _by_officer(conn, sorted(fixes["officer_id"].unique().tolist()), lambda chunk: (
        select(Patrol.id, Patrol.officer_id, Patrol.started_at, Patrol.ended_at, last_fix.c.at)
        .outerjoin(last_fix, last_fix.c.patrol_id == Patrol.id)
        .where(Patrol.officer_id.in_(chunk), Patrol.started_at <= last)))
    frame = pd.DataFrame(rows, columns=["patrol_id", "officer_id", "t0", "ended", "fix"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    t0 = pd.to_datetime(frame["t0"]).astype("datetime64[us]")
    t1 = pd.concat([t0, pd.to_datetime(frame["ended"]), pd.to_datetime(frame["fix"])],
                   axis=1).max(axis=1).astype("datetime64[us]")
    frame = frame.assign(t0=t0, t1=t1)
    return frame[frame["t1"] >= first][columns].reset_index(drop=True)


def _cut(fixes: pd.DataFrame, stored: pd.DataFrame, gap_minutes: float) -> pd.DataFrame:
    """``fixes`` with ``patrol_id``: the stored patrol each joins, or a negative number
    shared by the fixes of one new patrol.

    Stored patrols and new fixes, per officer in time order, make one run as long as each
    begins within the gap of the latest end before it; a run without a stored patrol is a
    new patrol; in a run with stored patrols, a fix joins the last one begun before it (the
    first one when it precedes them all)."""
    items = pd.concat([
        pd.DataFrame({"officer_id": fixes["officer_id"].to_numpy(np.int64),
                      "t0": _ticks(fixes["at"]), "t1": _ticks(fixes["at"]),
                      "stored": -1, "pos": np.arange(len(fixes))}),
        pd.DataFrame({"officer_id": stored["officer_id"].to_numpy(np.int64),
                      "t0": _ticks(stored["t0"]), "t1": _ticks(stored["t1"]),
                      "stored": stored["patrol_id"].to_numpy(np.int64), "pos": -1}),
    ], ignore_index=True).sort_values(["officer_id", "t0", "stored"], kind="stable")
    officer = items["officer_id"].to_numpy()
    reach = items.groupby("officer_id", sort=False)["t1"].cummax().to_numpy()
    starts = np.ones(len(items), dtype=bool)
    starts[1:] = (officer[1:] != officer[:-1]) | (
        items["t0"].to_numpy()[1:] - reach[:-1] > gap_minutes * 60 * 1_000_000)
    run = np.cumsum(starts)
    joined = items["stored"].where(items["stored"] >= 0).astype("Float64")
    joined = joined.groupby(run).ffill().groupby(run).bfill()
    patrol = np.where(joined.isna().to_numpy(), -run, joined.fillna(0).to_numpy(np.int64))
    is_fix = items["pos"].to_numpy() >= 0
    out = np.empty(len(fixes), dtype=np.int64)
    out[items["pos"].to_numpy()[is_fix]] = patrol[is_fix]
    return fixes.assign(patrol_id=out)


# --- writing ----------------------------------------------------------------------------------

def _write(conn: Connection, fixes: pd.DataFrame, home: dict, stored: pd.DataFrame,
           gap_minutes: float, report: PatrolImportReport) -> None:
    """The new patrols, the fixes, the grown patrols' times and grids, and the visits."""
    fixes = fixes.sort_values(["patrol_id", "at"], kind="stable")
    runs = fixes[fixes["patrol_id"] < 0]
    made = _new_patrols(conn, runs, home)
    if made:
        pid = fixes["patrol_id"].to_numpy(np.int64).copy()
        new = pid < 0
        pid[new] = pd.Series(made).reindex(pid[new]).to_numpy(np.int64)
        fixes["patrol_id"] = pid
    _insert_fixes(conn, fixes)
    grown = sorted(set(fixes["patrol_id"]) - set(made.values()))
    report.patrols_new, report.patrols_extended = len(made), len(grown)
    if made:
        write_visits(conn, sorted(made.values()),
                     fixes[fixes["patrol_id"].isin(set(made.values()))], gap_minutes)
    if grown:
        _regrow(conn, grown, gap_minutes)


def _new_patrols(conn: Connection, runs: pd.DataFrame, home: dict) -> dict[int, int]:
    """Insert one patrol per run of new fixes; the run's number -> the new patrol's id."""
    if runs.empty:
        return {}
    grouped = runs.groupby("patrol_id", sort=True)
    first_placed = runs[runs["region_id"] >= 0].groupby("patrol_id")["region_id"].first()
    heads = pd.DataFrame({"officer_id": grouped["officer_id"].first(),
                          "started_at": grouped["at"].min(), "ended_at": grouped["at"].max()})
    heads["region_id"] = first_placed.reindex(heads.index).fillna(
        heads["officer_id"].map(home)).astype(np.int64)
    rows = [{"officer_id": int(o), "region_id": int(r), "started_at": s.to_pydatetime(),
             "ended_at": e.to_pydatetime()}
            for o, s, e, r in heads[["officer_id", "started_at", "ended_at", "region_id"]]
            .itertuples(index=False, name=None)]
    ids = conn.execute(insert(Patrol).returning(Patrol.id, sort_by_parameter_order=True),
                       rows).scalars().all()
    return dict(zip(heads.index.tolist(), ids))


def _insert_fixes(conn: Connection, fixes: pd.DataFrame, chunk: int = 200_000) -> None:
    """The fixes, fast: one prepared ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
    Times are written as SQLAlchemy itself stores them in SQLite."""
    for start in range(0, len(fixes), chunk):
        part = fixes.iloc[start:start + chunk]
        text_at = np.char.replace(np.datetime_as_string(
            part["at"].to_numpy().astype("datetime64[us]"), unit="us"), "T", " ").tolist()
        rows = list(zip(part["patrol_id"].astype(int).tolist(), text_at,
                        part["lon"].round(7).tolist(), part["lat"].round(7).tolist()))
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy("COPY patrol_points (patrol_id, at, lon, lat) FROM STDIN") \
                        as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            conn.exec_driver_sql(
                "INSERT INTO patrol_points (patrol_id, at, lon, lat) VALUES (?, ?, ?, ?)", rows)


def _regrow(conn: Connection, patrol_ids: list[int], gap_minutes: float) -> None:
    """Stored patrols that new fixes joined: their start, end (an open one stays open),
    grid (of their first placed fix) and visits, from all their fixes."""
    fixes = stored_fixes(conn, patrol_ids)
    fixes["region_id"] = locate_points(conn, fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    grouped = fixes.groupby("patrol_id")
    first_placed = fixes[fixes["region_id"] >= 0].groupby("patrol_id")["region_id"].first()
    span = pd.DataFrame({"first": grouped["at"].min(), "last": grouped["at"].max()})
    span["region"] = first_placed.reindex(span.index)
    now = {}
    for start in range(0, len(patrol_ids), CHUNK):
        now.update({pid: (s, e) for pid, s, e in conn.execute(
            select(Patrol.id, Patrol.started_at, Patrol.ended_at)
            .where(Patrol.id.in_(patrol_ids[start:start + CHUNK])))})
    changes = []
    for pid, first, last, region in span.itertuples(name=None):
        started, ended = now[pid]
        changes.append({
            "b_id": int(pid), "started_at": min(started, first.to_pydatetime()),
            "ended_at": None if ended is None else max(ended, last.to_pydatetime()),
            "b_region": None if pd.isna(region) else int(region)})
    conn.execute(update(Patrol).where(Patrol.id == bindparam("b_id")).values(
        started_at=bindparam("started_at"), ended_at=bindparam("ended_at"),
        region_id=func.coalesce(bindparam("b_region", type_=Integer), Patrol.region_id)),
        changes)
    write_visits(conn, patrol_ids, fixes, gap_minutes)


__all__ = ["PatrolImportReport", "import_patrols"]
