"""Importing one level of regions (boundaries) from a file, as its mapping says; the plan
both imports follow is in :mod:`data.importer`.

Parents are found by code or name among the parent level (created when missing, with the
union of their children as boundary) or by location; every region is upserted by its code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from data import rollups, store
from data.import_checks import RowError, prepare_geometries
from data.importer import (ImportFailed, ImportReport, Progress, finish_errors, open_source,
                           region_lookup, row_errors, tell)
from data.mapping import AT_LOCATION, Mapping
from data.models import Region, RegionLevel
from data.notes import Note
from data.readers import SourceTable


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
        report.notes.append(Note(
            "cli_note_repaired",
            f"{len(repaired)} invalid boundar{'y' if len(repaired) == 1 else 'ies'}"
            f" repaired with shapely's make_valid: {listed}", n=len(repaired), listed=listed))


@dataclass
class _RegionRows:
    """A regions file's rows as the import reads them: code, name and checked boundary of
    each, where each code first appears, the boundaries ``make_valid`` repaired, and the
    errors found so far."""

    table: SourceTable
    codes: pd.Series
    names: pd.Series
    geoms: list
    repaired: list[tuple[int, str]]
    seen: dict[str, int]
    errors: list[RowError]


def import_regions(engine: Engine, path: Path, mapping_path: Path, *,
                   skip_bad_rows: bool = False, rejects_path: Path | None = None,
                   progress: Progress | None = None) -> ImportReport:
    """Import one level of regions from ``path`` as ``mapping_path`` says; ``progress``
    hears the stages read, check and write."""
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = open_source(path, mapping_path, "regions", progress)
    n = len(table.frame)
    report = ImportReport(file=str(path), kind="regions", rows_read=n, notes=list(table.notes))
    tell(progress, "check", 0, n)
    rows = _read_region_rows(table, mapping)

    with store.transaction(engine) as conn:
        existing = region_lookup(conn)
        depth = _region_depth(mapping, mapping_path, _levels(conn))
        parent_ids, new_parents = _find_parents(rows, mapping, mapping_path, existing, report)
        bad = finish_errors(path, table, rows.errors, skip_bad_rows, rejects_path, report)
        _note_repaired(report, rows.repaired, bad)
        tell(progress, "check", n, n)
        tell(progress, "write", 0, n)
        if new_parents:
            store.ensure_level(conn, mapping.source.get("parent_level"), depth - 1)
        store.ensure_level(conn, mapping.source["level"], depth)
        created = _create_parents(conn, rows.geoms, new_parents, parent_ids, bad,
                                  mapping.source.get("parent_level"), depth, report)
        inserts, updates = _region_changes(rows, existing, parent_ids, bad,
                                           mapping.source["level"], depth, report)
        _store_regions(conn, mapping, inserts, updates, parent_ids, report)
        store.rebuild_region_ancestors(conn)
        if inserts or updates or created:
            store.bump_data_version(conn)
            store.bump_regions_version(conn)  # maps kept by running walls are drawn anew
            rollups.rebuild(conn)  # counts held per ancestor: recounted here, not in a request
        tell(progress, "write", n, n)
    report.seconds = time.perf_counter() - began
    return report


def _read_region_rows(table: SourceTable, mapping: Mapping) -> _RegionRows:
    """Each row's code, name and boundary, checked: the shared row checks, the boundaries,
    empty and repeated codes, empty names."""
    columns = mapping.columns
    codes = table.frame[columns["code"]]
    names = table.frame[columns["name"]]
    errors = row_errors(table, mapping)
    geoms, repaired = prepare_geometries(table, mapping, codes, errors)
    seen = _check_region_codes(table, codes, names, columns, errors)
    return _RegionRows(table, codes, names, geoms, repaired, seen, errors)


def _region_depth(mapping: Mapping, mapping_path: Path, levels: dict[str, int]) -> int:
    """Where these rows sit in the hierarchy: below their parents' level, or at their own
    level's depth (the next one down when the store does not know it yet)."""
    level = mapping.source["level"]
    parent_level = mapping.source.get("parent_level")
    parent_column = mapping.columns.get("parent")
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
    return depth


def _find_parents(rows: _RegionRows, mapping: Mapping, mapping_path: Path,
                  existing: pd.DataFrame, report: ImportReport
                  ) -> tuple[list[int | None], dict[str, list[int]]]:
    """Each row's parent id, and the parents to create (value -> their rows): by location,
    by code or name among the parent level, or none when the mapping names no parent."""
    parent_column = mapping.columns.get("parent")
    if parent_column == AT_LOCATION:
        return _parents_by_location(rows, mapping, mapping_path, existing, report), {}
    if parent_column:
        return _parents_by_code_or_name(rows, mapping, existing)
    return [None] * len(rows.table.frame), {}


def _parents_by_location(rows: _RegionRows, mapping: Mapping, mapping_path: Path,
                         existing: pd.DataFrame, report: ImportReport) -> list[int | None]:
    """The region of the parent level that holds each row's boundary (the smallest code
    where boundaries overlap)."""
    table, codes, geoms, errors = rows.table, rows.codes, rows.geoms, rows.errors
    columns = mapping.columns
    parent_level = mapping.source.get("parent_level")
    parent_ids: list[int | None] = [None] * len(table.frame)
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
    return parent_ids


def _parents_by_code_or_name(rows: _RegionRows, mapping: Mapping, existing: pd.DataFrame
                             ) -> tuple[list[int | None], dict[str, list[int]]]:
    """Each row's parent by code, or by a name unique in the parent level; a value no
    region has names a parent to create."""
    table, errors = rows.table, rows.errors
    parent_column = mapping.columns["parent"]
    parent_level = mapping.source.get("parent_level")
    parent_ids: list[int | None] = [None] * len(table.frame)
    new_parents: dict[str, list[int]] = {}
    at_level = existing[existing["level"] == parent_level]
    by_code = dict(zip(at_level["code"], at_level["id"]))
    name_counts = at_level["name"].value_counts()
    by_name = {n: i for n, i in zip(at_level["name"], at_level["id"])
               if name_counts[n] == 1}
    other_level_codes = set(existing.loc[existing["level"] != parent_level, "code"])
    for i, value in enumerate(table.frame[parent_column]):
        if not value:
            errors.append(RowError(i, table.row_label(i), parent_column, "",
                                   "the parent is empty"))
        elif value in by_code:
            parent_ids[i] = int(by_code[value])
        elif value in by_name:
            parent_ids[i] = int(by_name[value])
        elif value in other_level_codes or value in rows.seen:
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
    return parent_ids, new_parents


def _create_parents(conn: Connection, geoms: list, new_parents: dict[str, list[int]],
                    parent_ids: list[int | None], bad: set[int], parent_level: str | None,
                    depth: int, report: ImportReport) -> dict[str, int]:
    """Create the missing parents (their boundary: the union of their children), give their
    rows their ids, and return value -> id."""
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
    for value, rows in new_parents.items():  # parents named in the file only, never @location
        for r in rows:
            if r not in bad:
                parent_ids[r] = created[value]
    return created


def _region_changes(rows: _RegionRows, existing: pd.DataFrame, parent_ids: list[int | None],
                    bad: set[int], level: str, depth: int, report: ImportReport
                    ) -> tuple[list[dict], list[dict]]:
    """The good rows as new regions and as updates of stored ones (by code); a row equal to
    the stored region is counted unchanged."""
    codes, names, geoms = rows.codes, rows.names, rows.geoms
    good = [i for i in range(len(rows.table.frame)) if i not in bad]
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
    return inserts, updates


def _store_regions(conn: Connection, mapping: Mapping, inserts: list[dict], updates: list[dict],
                   parent_ids: list[int | None], report: ImportReport) -> None:
    """Write the new and changed regions, refresh the boundaries of parents an import made,
    and keep the mapping's deployment settings."""
    parent_column = mapping.columns.get("parent")
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
