"""Importing real exports: regions (boundaries) and cases, with a mapping file each.

Both imports follow the same plan:

1. read the file and the mapping (:mod:`data.readers`, :mod:`data.mapping`);
2. check and convert every row *before anything is written*, collecting one error per bad
   row, naming the file, the row, the column, the value and why (the checks every import
   shares, and what they refuse, are in :mod:`data.import_checks`);
3. with any bad row, stop and write nothing (``ImportFailed``), unless ``skip_bad_rows``:
   then the bad rows go to a rejects CSV with their reasons and the good ones are imported;
4. write everything in one transaction, upserting by region code or case external id, so
   importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from data import holidays, schema, store
from data.coords import WGS84, is_china_datum, to_wgs84
from data.deadlines import deadlines
from data.import_checks import (RowError, cell_errors, only_shape_errors, parse_times,
                                prepare_geometries, shape_errors, shown)
from data.mapping import AT_LOCATION, TIME_FIELDS, Mapping, MappingError, load
from data.models import Case, CaseEvent, Category, Department, Region, RegionLevel
from data.readers import ReadError, SourceTable, read

CHUNK = 900  # ids per IN (...) list: below SQLite's variable limit on every build


class ImportFailed(Exception):
    """The import cannot go on; nothing was written. The message says what, where and why."""


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    kind: str
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    unlocated: int = 0
    rejected: int = 0
    overlaps: int = 0
    located_by_point: int = 0
    located_by_code: int = 0
    unknown_region_codes: int = 0
    parents_created: int = 0
    repaired: int = 0
    rejects_path: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out

    def summary_lines(self, lang: str = "zh") -> list[str]:
        if lang == "zh":
            noun = "区域" if self.kind == "regions" else "事件"
            lines = [
                f"导入{noun}：{self.file}",
                f"读取 {self.rows_read} 行；新增 {self.imported}，更新 {self.updated}，"
                f"未变 {self.unchanged}，拒收 {self.rejected}",
            ]
            if self.kind == "cases":
                lines.append(f"按坐标落位 {self.located_by_point}，按区域编码落位 "
                             f"{self.located_by_code}，未落位 {self.unlocated}，"
                             f"边界重叠 {self.overlaps}")
            else:
                lines.append(f"新建上级区域 {self.parents_created}，修复几何 {self.repaired}，"
                             f"按位置归属重叠 {self.overlaps}")
            if self.rejects_path:
                lines.append(f"拒收行及原因已写入 {self.rejects_path}")
        else:
            lines = [
                f"imported {self.kind} from {self.file}",
                f"{self.rows_read} rows read: {self.imported} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.rejected} rejected",
            ]
            if self.kind == "cases":
                lines.append(f"located by point {self.located_by_point}, by region code "
                             f"{self.located_by_code}, unlocated {self.unlocated}, "
                             f"overlaps {self.overlaps}")
            else:
                lines.append(f"parents created {self.parents_created}, geometries repaired "
                             f"{self.repaired}, overlaps {self.overlaps}")
            if self.rejects_path:
                lines.append(f"rejected rows and reasons written to {self.rejects_path}")
        lines.extend(self.notes)
        return lines


# --- shared steps ---------------------------------------------------------------------------

def _open(path: Path, mapping_path: Path, kind: str) -> tuple[Mapping, SourceTable]:
    """The checked mapping and the file's table; refuses what makes the whole file unusable
    (a column the mapping needs is missing or named twice, no data rows)."""
    try:
        mapping = load(mapping_path, kind)
        table = read(path, mapping.encoding)
    except (MappingError, ReadError) as exc:
        raise ImportFailed(str(exc)) from None
    used = {column for column in mapping.columns.values() if column != AT_LOCATION}
    twice = sorted(name for name in table.duplicates if name in used)
    if twice:
        where = "; ".join(f"{name!r} is the header of {' and '.join(table.duplicates[name])}"
                          for name in twice)
        raise ImportFailed(f"{path.name}: the header names a column the mapping uses more than "
                           f"once ({where}); rename one of them so it is clear which to import")
    missing = [f"{field_}={column!r}" for field_, column in mapping.columns.items()
               if column != AT_LOCATION and column not in table.frame.columns]
    if missing:
        found = ", ".join(repr(c) for c in table.frame.columns)
        verb = "has" if len(table.unnamed) == 1 else "have"
        hint = (f"; {', '.join(table.unnamed)} of the header row {verb} "
                "no name but values below: merged header cells, a title row above the header, "
                "or a header over two rows? This import reads one header row"
                if table.unnamed else "")
        raise ImportFailed(f"{path.name}: the mapping {mapping_path.name} names column(s) the "
                           f"file does not have: {', '.join(missing)}; the file's columns are "
                           f"{shown(found)}{hint}")
    if table.frame.empty:
        raise ImportFailed(f"{path.name}: the file has no data rows")
    if table.duplicates:
        table.notes.append(
            f"{path.name}: the header names {', '.join(repr(n) for n in table.duplicates)} "
            "more than once; the mapping uses none of them, so they were not read")
    if table.blank_rows:
        table.notes.append(f"{path.name}: {table.blank_rows} empty row(s) skipped")
    return mapping, table


def _row_errors(table: SourceTable, mapping: Mapping) -> list[RowError]:
    """What every import refuses first: rows of the wrong shape, over-long cells, control
    characters (:mod:`data.import_checks`)."""
    return shape_errors(table) + cell_errors(table, mapping.columns)


def _finish_errors(path: Path, table: SourceTable, errors: list[RowError], skip: bool,
                   rejects_path: Path | None, report: ImportReport) -> set[int]:
    """Raise on bad rows, or write them to the rejects file and return their positions."""
    errors = only_shape_errors(errors, table)
    if not errors:
        return set()
    errors.sort(key=lambda e: e.position)
    if not skip:
        first = errors[0].message(path.name)
        more = len({e.position for e in errors}) - 1
        tail = f" (and {more} more bad row{'s' if more > 1 else ''}; nothing was imported; " \
               "--skip-bad-rows imports the good rows and lists the bad ones)" if more else \
               " (nothing was imported)"
        raise ImportFailed(first + tail)
    bad: dict[int, list[RowError]] = {}
    for error in errors:
        bad.setdefault(error.position, []).append(error)
    target = rejects_path or path.with_name(f"{path.stem}.rejects.csv")
    frame = table.frame.iloc[sorted(bad)].copy()
    frame.insert(0, "_row", [table.row_label(p) for p in sorted(bad)])
    frame["_error"] = ["; ".join(e.short() for e in bad[p]) for p in sorted(bad)]
    if any(p in table.extra_fields for p in bad):
        frame["_extra"] = [",".join(table.extra_fields.get(p, [])) for p in sorted(bad)]
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    report.rejected = len(bad)
    report.rejects_path = str(target)
    return set(bad)


# --- regions --------------------------------------------------------------------------------

def _region_lookup(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(Region.id, Region.code, Region.name, Region.level, Region.depth,
                               Region.parent_id, Region.geometry)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "level", "depth", "parent_id",
                                       "geometry"])


def _levels(conn: Connection) -> dict[str, int]:
    return {name: depth for depth, name in conn.execute(select(RegionLevel.depth,
                                                               RegionLevel.name))}


def _geometry_fields(geom) -> dict[str, object]:
    if geom is None:
        return {"geometry": None, "centroid_lon": None, "centroid_lat": None,
                "min_lon": None, "min_lat": None, "max_lon": None, "max_lat": None}
    geom = shapely.set_precision(geom, 1e-7)
    point = geom.centroid
    minx, miny, maxx, maxy = geom.bounds
    return {"geometry": shapely.to_wkb(geom), "centroid_lon": round(point.x, 7),
            "centroid_lat": round(point.y, 7), "min_lon": minx, "min_lat": miny,
            "max_lon": maxx, "max_lat": maxy}


def _check_region_codes(table: SourceTable, codes: pd.Series, names: pd.Series,
                        columns: dict[str, str], errors: list[RowError]) -> dict[str, int]:
    """Empty and repeated codes, empty names; returns code -> first position."""
    seen: dict[str, int] = {}
    for i, (code, name) in enumerate(zip(codes, names)):
        if not code:
            errors.append(RowError(i, table.row_label(i), columns["code"], "", "the code is empty"))
        elif code in seen:
            errors.append(RowError(i, table.row_label(i), columns["code"], code,
                                   f"the same code is on {table.row_label(seen[code])}"))
        else:
            seen[code] = i
        if not name:
            errors.append(RowError(i, table.row_label(i), columns["name"], "", "the name is empty"))
    return seen


def _note_repaired(report: ImportReport, repaired: list[tuple[int, str]], bad: set[int]
                   ) -> None:
    """Count and name the boundaries ``make_valid`` repaired among the rows imported."""
    repaired = [text_ for i, text_ in repaired if i not in bad]
    report.repaired = len(repaired)
    if repaired:
        listed = "; ".join(repaired[:5]) + (f"; and {len(repaired) - 5} more"
                                            if len(repaired) > 5 else "")
        report.notes.append(f"{len(repaired)} invalid boundar{'y' if len(repaired) == 1 else 'ies'}"
                            f" repaired with shapely's make_valid: {listed}")


def import_regions(engine: Engine, path: Path, mapping_path: Path, *,
                   skip_bad_rows: bool = False, rejects_path: Path | None = None
                   ) -> ImportReport:
    """Import one level of regions from ``path`` as ``mapping_path`` says."""
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = _open(path, mapping_path, "regions")
    report = ImportReport(file=str(path), kind="regions", rows_read=len(table.frame),
                          notes=list(table.notes))
    frame = table.frame
    columns = mapping.columns
    level = mapping.source["level"]
    parent_level = mapping.source.get("parent_level")
    parent_column = columns.get("parent")
    codes = frame[columns["code"]]
    names = frame[columns["name"]]
    errors = _row_errors(table, mapping)
    geoms, repaired = prepare_geometries(table, mapping, codes, errors)
    seen = _check_region_codes(table, codes, names, columns, errors)

    with store.transaction(engine) as conn:
        existing = _region_lookup(conn)
        levels = _levels(conn)
        # where these rows sit in the hierarchy
        if parent_level is not None:
            if parent_level in levels:
                depth = levels[parent_level] + 1
            elif parent_column and parent_column != AT_LOCATION and not levels:
                depth = 1
            else:
                known = ", ".join(f"{d}:{n}" for n, d in sorted(levels.items(),
                                                                key=lambda kv: kv[1]))
                raise ImportFailed(
                    f"{mapping_path.name}: parent_level {parent_level!r} is not a level of the "
                    f"store (levels: {known or 'none yet'}); import the parents first")
        else:
            depth = levels.get(level, 0 if not levels else max(levels.values()) + 1)
        if level in levels and levels[level] != depth:
            raise ImportFailed(f"{mapping_path.name}: level {level!r} is stored at depth "
                               f"{levels[level]}, but these rows would sit at depth {depth}")

        # parents: by code or name among the parent level, created when missing, or by location
        parent_ids: list[int | None] = [None] * len(frame)
        new_parents: dict[str, list[int]] = {}
        if parent_column == AT_LOCATION:
            candidates = existing[(existing["level"] == parent_level)
                                  & existing["geometry"].notna()]
            if candidates.empty:
                raise ImportFailed(f"{mapping_path.name}: parent = \"@location\" needs regions "
                                   f"of level {parent_level!r} with boundaries; there are none")
            polys = shapely.from_wkb(candidates["geometry"].to_numpy())
            tree = shapely.STRtree(polys)
            for i, geom in enumerate(geoms):
                if geom is None:
                    errors.append(RowError(i, table.row_label(i), "geometry", None,
                                           "parent = \"@location\" needs the row's boundary"))
                    continue
                point = geom.representative_point()
                hits = tree.query(point, predicate="intersects")
                if len(hits) == 0:
                    errors.append(RowError(i, table.row_label(i), columns["code"], codes.iat[i],
                                           f"no region of level {parent_level!r} contains it"))
                    continue
                chosen = candidates.iloc[sorted(hits, key=lambda h: candidates["code"].iat[h])[0]]
                if len(hits) > 1:
                    report.overlaps += 1
                parent_ids[i] = int(chosen["id"])
        elif parent_column:
            at_level = existing[existing["level"] == parent_level]
            by_code = dict(zip(at_level["code"], at_level["id"]))
            name_counts = at_level["name"].value_counts()
            by_name = {n: i for n, i in zip(at_level["name"], at_level["id"])
                       if name_counts[n] == 1}
            other_level_codes = set(existing.loc[existing["level"] != parent_level, "code"])
            for i, value in enumerate(frame[parent_column]):
                if not value:
                    errors.append(RowError(i, table.row_label(i), parent_column, "",
                                           "the parent is empty"))
                elif value in by_code:
                    parent_ids[i] = int(by_code[value])
                elif value in by_name:
                    parent_ids[i] = int(by_name[value])
                elif value in other_level_codes or value in seen:
                    errors.append(RowError(i, table.row_label(i), parent_column, value,
                                           f"that code belongs to a region not of level "
                                           f"{parent_level!r}"))
                elif len(value) > 64:
                    errors.append(RowError(i, table.row_label(i), parent_column, value,
                                           "no region has this code or name; a parent is "
                                           "created with it as its code, and a code has at "
                                           "most 64 characters"))
                else:
                    new_parents.setdefault(value, []).append(i)

        bad = _finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        good = [i for i in range(len(frame)) if i not in bad]
        _note_repaired(report, repaired, bad)

        if new_parents:
            store.ensure_level(conn, parent_level, depth - 1)
        store.ensure_level(conn, level, depth)

        # create the missing parents (their boundary: the union of their children)
        created: dict[str, int] = {}
        for value, rows in new_parents.items():
            rows = [r for r in rows if r not in bad]
            if not rows:
                continue
            parts = [geoms[r] for r in rows if geoms[r] is not None]
            union = shapely.union_all(parts) if parts else None
            result = conn.execute(insert(Region).values(
                code=value[:64], name=value, level=parent_level, depth=depth - 1, parent_id=None,
                **_geometry_fields(union)))
            created[value] = int(result.inserted_primary_key[0])
            report.parents_created += 1
        if parent_column and parent_column != AT_LOCATION:
            for value, rows in new_parents.items():
                for r in rows:
                    if r not in bad:
                        parent_ids[r] = created[value]

        stored = existing.set_index("code")
        inserts: list[dict] = []
        updates: list[dict] = []
        for i in good:
            row = {"code": codes.iat[i], "name": names.iat[i], "level": level, "depth": depth,
                   "parent_id": parent_ids[i], **_geometry_fields(geoms[i])}
            if row["code"] in stored.index:
                old = stored.loc[row["code"]]
                same = (old["name"] == row["name"] and old["level"] == level
                        and int(old["depth"]) == depth
                        and (None if pd.isna(old["parent_id"]) else int(old["parent_id"]))
                        == row["parent_id"]
                        and (old["geometry"] == row["geometry"]
                             if old["geometry"] is not None else row["geometry"] is None))
                if same:
                    report.unchanged += 1
                else:
                    updates.append({"b_id": int(old["id"]), **row})
            else:
                inserts.append(row)
        if inserts:
            conn.execute(insert(Region), inserts)
        if updates:
            conn.execute(update(Region).where(Region.id == bindparam("b_id")), updates)
        report.imported = len(inserts)
        report.updated = len(updates)
        # a parent this import created earlier keeps the union of all its children
        if parent_column and parent_column != AT_LOCATION and (inserts or updates):
            _refresh_created_parents(conn, {p for p in parent_ids if p is not None})
        if "timezone" in mapping.deployment:
            store.set_meta(conn, "timezone", mapping.deployment["timezone"])
        if "centre_name" in mapping.deployment:
            store.set_meta(conn, "centre_name", mapping.deployment["centre_name"])
        store.rebuild_region_ancestors(conn)
        if inserts or updates or created:
            store.bump_data_version(conn)
            store.bump_regions_version(conn)  # maps kept by running walls are drawn anew
    report.seconds = time.perf_counter() - began
    return report


def _refresh_created_parents(conn: Connection, parent_ids: set[int]) -> None:
    """Parents made by an import (code == name) get the union of their children's shapes."""
    for pid in sorted(parent_ids):
        code, name = conn.execute(select(Region.code, Region.name).where(Region.id == pid)).one()
        if code != name[:64]:
            continue
        shapes = [shapely.from_wkb(g) for (g,) in conn.execute(
            select(Region.geometry).where(Region.parent_id == pid, Region.geometry.is_not(None)))]
        if shapes:
            conn.execute(update(Region).where(Region.id == pid).values(
                **_geometry_fields(shapely.union_all(shapes))))


# --- cases ----------------------------------------------------------------------------------

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
                 skip_bad_rows: bool = False, rejects_path: Path | None = None) -> ImportReport:
    """Import cases from ``path`` as ``mapping_path`` says (upsert by external id)."""
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = _open(path, mapping_path, "cases")
    frame = table.frame
    n = len(frame)
    report = ImportReport(file=str(path), kind="cases", rows_read=n, notes=list(table.notes))
    col = mapping.columns
    tz = ZoneInfo(mapping.source.get("timezone", store.DEFAULT_TIMEZONE))
    errors = _row_errors(table, mapping)

    def label(i: int) -> str:
        return table.row_label(i)

    # ids
    ext = frame[col["external_id"]]
    for i in np.flatnonzero((ext == "").to_numpy()):
        errors.append(RowError(i, label(i), col["external_id"], "", "the external id is empty"))
    duplicated = ext.duplicated(keep="first") & (ext != "")
    first_at = {v: i for i, v in reversed(list(enumerate(ext)))}
    for i in np.flatnonzero(duplicated.to_numpy()):
        errors.append(RowError(i, label(i), col["external_id"], ext.iat[i],
                               f"the same external id is on {label(first_at[ext.iat[i]])}"))

    # times
    times: dict[str, pd.Series] = {}
    for name in TIME_FIELDS:
        if name in col:
            times[name] = parse_times(frame, name, col[name], mapping.formats.get(name), tz,
                                       table, errors)
    for i in np.flatnonzero((frame[col["reported_at"]] == "").to_numpy()):
        errors.append(RowError(i, label(i), col["reported_at"], "", "the report time is empty"))

    # status
    raw_status = frame[col["status"]]
    if mapping.status_values:
        status = raw_status.map(mapping.status_values)
        allowed = sorted(mapping.status_values)
    else:
        status = raw_status.where(raw_status.isin(schema.STATUSES))
        allowed = list(schema.STATUSES)
    for i in np.flatnonzero(status.isna().to_numpy()):
        errors.append(RowError(i, label(i), col["status"], raw_status.iat[i],
                               f"unknown status; the mapping's [status_values] know {allowed}"))

    # coordinates
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if "lon" in col and "lat" in col:
        lon_text, lat_text = frame[col["lon"]], frame[col["lat"]]
        lon = np.array(pd.to_numeric(lon_text.where(lon_text != ""), errors="coerce"), float)
        lat = np.array(pd.to_numeric(lat_text.where(lat_text != ""), errors="coerce"), float)
        degrees = mapping.crs == WGS84 or is_china_datum(mapping.crs)
        for values, text_, name in ((lon, lon_text, col["lon"]), (lat, lat_text, col["lat"])):
            for i in np.flatnonzero(np.isnan(values) & (text_ != "").to_numpy()):
                errors.append(RowError(i, label(i), name, text_.iat[i], "not a number"))
        half = np.isnan(lon) != np.isnan(lat)
        for i in np.flatnonzero(half):
            errors.append(RowError(i, label(i), col["lon"] if np.isnan(lon[i]) else col["lat"],
                                   "", "only one of longitude and latitude is given"))
        lon[half] = np.nan
        lat[half] = np.nan
        if degrees:
            zero = (lon == 0) & (lat == 0)  # "null island": an export's placeholder for none
            lon[zero] = np.nan
            lat[zero] = np.nan
        if is_china_datum(mapping.crs):
            lon, lat = to_wgs84(lon, lat, mapping.crs)
        elif mapping.crs != WGS84:
            from pyproj import Transformer

            transformer = Transformer.from_crs(mapping.crs, WGS84, always_xy=True)
            lon, lat = transformer.transform(lon, lat)
            lon, lat = np.array(lon, dtype=float), np.array(lat, dtype=float)
            lon[~np.isfinite(lon)] = np.nan
            lat[~np.isfinite(lat)] = np.nan
        where = "" if degrees else f" once converted from {mapping.crs}"
        for values, text_, name, limit in ((lon, lon_text, col["lon"], 180),
                                           (lat, lat_text, col["lat"], 90)):
            for i in np.flatnonzero(np.abs(values) > limit):
                errors.append(RowError(i, label(i), name, text_.iat[i],
                                       f"outside -{limit}..{limit}{where}: not a longitude/"
                                       "latitude; is crs in [source] right?"))
            values[np.abs(values) > limit] = np.nan

    text_of = {name: frame[col[name]] if name in col else pd.Series([""] * n)
               for name in ("category", "subcategory", "department", "source", "address",
                            "description", "region_code", "urgent", "reporter")}
    urgent = text_of["urgent"].str.lower().isin(["1", "true", "yes", "y", "是", "急", "紧急"])

    with store.transaction(engine) as conn:
        regions = _region_lookup(conn)
        region_by_code = dict(zip(regions["code"], regions["id"]))
        chosen, overlap = _locate(lon, lat, regions)
        codes = text_of["region_code"]
        by_code = codes.map(region_by_code)
        bad = _finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        keep = np.array([i not in bad for i in range(n)])
        # a code no region has cannot place a case: it stays unlocated, and the report says so
        unknown = (codes != "").to_numpy() & by_code.isna().to_numpy() & (chosen < 0) & keep
        if unknown.any():
            examples = ", ".join(repr(c) for c in sorted(set(codes[unknown]))[:5])
            report.unknown_region_codes = int(unknown.sum())
            report.notes.append(
                f"{int(unknown.sum())} case(s) outside every boundary carry a region code no "
                f"region has ({examples}); they are stored unlocated")

        # where each case goes
        region_id = np.where(chosen >= 0, chosen, by_code.fillna(-1).to_numpy(np.int64))
        method = np.where(chosen >= 0, schema.LOCATED_BY_POINT,
                          np.where(region_id >= 0, schema.LOCATED_BY_CODE, schema.UNLOCATED))
        report.located_by_point = int(((chosen >= 0) & keep).sum())
        report.located_by_code = int(((method == schema.LOCATED_BY_CODE) & keep).sum())
        report.unlocated = int(((method == schema.UNLOCATED) & keep).sum())
        report.overlaps = int((overlap & keep).sum())

        # departments and the category table
        departments = dict(conn.execute(select(Department.code, Department.id)).all())
        wanted = sorted(set(text_of["department"][keep]) - {""} - set(departments))
        if wanted:
            conn.execute(insert(Department), [{"code": d[:64], "name": d} for d in wanted])
            departments = dict(conn.execute(select(Department.code, Department.id)).all())
        cats = pd.DataFrame(conn.execute(select(
            Category.subcategory, Category.case_class, Category.category,
            Category.department_id, Category.time_limit, Category.time_unit)).all(),
            columns=["subcategory", "case_class", "category", "department_id", "time_limit",
                     "time_unit"]).set_index("subcategory")
        sub = text_of["subcategory"].where(text_of["subcategory"] != "", text_of["category"])
        known = sub.map(cats["case_class"]) if not cats.empty else pd.Series([None] * n)

        status = status.fillna(schema.REPORTED)
        reported = times["reported_at"]
        closed = times.get("closed_at", pd.Series(pd.NaT, index=frame.index,
                                                  dtype="datetime64[us]"))
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
        if "due_at" in times:
            due = times["due_at"]
        elif not cats.empty:
            due = deadlines(dispatched, sub.map(cats["time_limit"]), sub.map(cats["time_unit"]),
                            store.deployment_timezone(conn),
                            calendar=holidays.work_calendar(conn))
            due.index = frame.index
        else:
            due = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        no_close = int((is_closed & closed_at.isna() & pd.Series(keep)).sum())
        if no_close:
            report.notes.append(
                f"{no_close} closed case(s) have no close time: they count as closed, but in "
                "no period's closed figures")

        department = text_of["department"].map(departments)
        department = department.where(department.notna(), sub.map(cats["department_id"])
                                      if not cats.empty else None)
        source = text_of["source"].map(lambda v: mapping.source_values.get(
            v, v if v in schema.SOURCES else ("other" if v else None)))
        category = text_of["category"].where(text_of["category"] != "",
                                             sub.map(cats["category"]) if not cats.empty
                                             else None)
        records = pd.DataFrame({
            "external_id": ext, "code": ext,
            "status": status,
            "case_class": known.fillna(schema.INCIDENT),
            "category": category.replace("", None),
            "subcategory": sub.replace("", None),
            "source": source,
            "urgent": urgent,
            "description": text_of["description"].replace("", None),
            "address": text_of["address"].replace("", None),
            "lon": pd.Series(lon).round(7), "lat": pd.Series(lat).round(7),
            "region_id": pd.Series(region_id).where(region_id >= 0),
            "location_method": method,
            "department_id": department,
            "reporter": text_of["reporter"].replace("", None),
            "reported_at": reported, "filed_at": filed, "dispatched_at": dispatched,
            "resolved_at": resolved, "closed_at": closed_at, "voided_at": voided,
            "due_at": due,
        })[keep].reset_index(drop=True)
        rows = _python_rows(records)
        _upsert_cases(conn, rows, report)
        if report.imported or report.updated:
            store.bump_data_version(conn)
    report.seconds = time.perf_counter() - began
    return report


def _python_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of plain Python values (``None`` for missing); every dict has the same keys."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            values = np.array(column.dt.to_pydatetime(), dtype=object)
        elif name in ("region_id", "department_id"):
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


def _upsert_cases(conn: Connection, rows: list[dict], report: ImportReport) -> None:
    """Insert new cases, update changed ones (version + 1), leave identical ones alone, and
    write an ``import`` event for each case inserted or changed."""
    now = store.utcnow()
    by_ext: dict[str, dict] = {}
    ids = [r["external_id"] for r in rows]
    columns = [getattr(Case, name) for name in _COMPARED]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for row in conn.execute(select(Case.id, Case.external_id, Case.version, *columns)
                                .where(Case.external_id.in_(chunk))):
            by_ext[row.external_id] = row._asdict()
    taken = set()
    new_codes = [r["code"] for r in rows if r["external_id"] not in by_ext]
    for start in range(0, len(new_codes), CHUNK):
        taken |= set(conn.scalars(select(Case.code).where(Case.code.in_(
            new_codes[start:start + CHUNK]))))
    inserts, updates = [], []
    for row in rows:
        old = by_ext.get(row["external_id"])
        if old is None:
            code = row["code"] if row["code"] not in taken else f"IMP-{row['external_id']}"
            inserts.append({**row, "code": code, "version": 1, "updated_at": now})
        elif all(_same(old[name], row[name]) for name in _COMPARED):
            report.unchanged += 1
        else:
            values = {name: row[name] for name in _COMPARED}
            updates.append({"b_id": old["id"], "b_version": old["version"], **values,
                            "version": old["version"] + 1, "updated_at": now})
    for start in range(0, len(inserts), 5000):
        conn.execute(insert(Case), inserts[start:start + 5000])
    if updates:
        conn.execute(update(Case).where(Case.id == bindparam("b_id"),
                                        Case.version == bindparam("b_version")), updates)
    report.imported, report.updated = len(inserts), len(updates)
    touched = [r["external_id"] for r in inserts]
    id_of: dict[str, int] = {}
    for start in range(0, len(touched), CHUNK):
        id_of.update(dict(conn.execute(select(Case.external_id, Case.id).where(
            Case.external_id.in_(touched[start:start + CHUNK]))).all()))
    events = [{"case_id": id_of[r["external_id"]], "action": "import", "from_status": None,
               "to_status": r["status"], "actor": "import", "note": None, "at": now}
              for r in inserts]
    events += [{"case_id": u["b_id"], "action": "import", "from_status": None,
                "to_status": u["status"], "actor": "import", "note": "updated by re-import",
                "at": now} for u in updates]
    for start in range(0, len(events), 5000):
        conn.execute(insert(CaseEvent), events[start:start + 5000])
