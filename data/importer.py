"""Importing real exports: regions (boundaries, :mod:`data.region_import`), cases
(:mod:`data.case_import`) and the officers' roster (:mod:`data.field.roster`), with a
mapping file each. This module holds what they share.

They all follow the same plan:

1. read the file and the mapping (:mod:`data.readers`, :mod:`data.mapping`);
2. check and convert every row *before anything is written*, collecting one error per bad
   row, naming the file, the row, the column, the value and why (the checks every import
   shares, and what they refuse, are in :mod:`data.import_checks`);
3. with any bad row, stop and write nothing (``ImportFailed``), unless ``skip_bad_rows``:
   then the bad rows go to a rejects CSV with their reasons and the good ones are imported;
4. write everything in one transaction, upserting by region code, case external id or
   officer id, so
   importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlalchemy import Connection, select

from data.import_checks import RowError, cell_errors, only_shape_errors, shape_errors, shown
from data.mapping import AT_LOCATION, Mapping, MappingError, load
from data.models import Region
from data.notes import Note
from data.readers import ReadError, SourceTable, read


#: A long job's progress callback: ``progress(stage, done, total)``, called with counts that
#: grow to ``total`` within each stage (stages such as "read", "check", "write"; the
#: command line words and draws them: :mod:`dashboard.progress`). ``None``: nobody watches.
Progress = Callable[[str, int, int], None]


def tell(progress: Progress | None, stage: str, done: int, total: int = 1) -> None:
    """Report ``done`` of ``total`` in ``stage`` to ``progress``, if anyone watches."""
    if progress is not None:
        progress(stage, done, total)


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
    left: int = 0  # officers: no longer listed, made inactive
    rejects_path: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out

    def summary(self) -> list[tuple[str, dict[str, object]]]:
        """The report's lines as text keys and their values, for ``layouts.text`` to word
        (the notes, written out by the import, follow them)."""
        lines: list[tuple[str, dict[str, object]]] = [
            (f"import_title_{self.kind}", {"file": self.file}),
            ("import_counts", {"rows_read": self.rows_read, "imported": self.imported,
                               "updated": self.updated, "unchanged": self.unchanged,
                               "rejected": self.rejected}),
        ]
        if self.kind == "cases":
            lines.append(("import_located", {"located_by_point": self.located_by_point,
                                             "located_by_code": self.located_by_code,
                                             "unlocated": self.unlocated,
                                             "overlaps": self.overlaps}))
        elif self.kind == "officers":
            lines.append(("import_officers_left", {"left": self.left}))
        elif self.kind == "regions":
            lines.append(("import_parents", {"parents_created": self.parents_created,
                                             "repaired": self.repaired,
                                             "overlaps": self.overlaps}))
        if self.rejects_path:
            lines.append(("import_rejects", {"rejects_path": self.rejects_path}))
        return lines


# --- shared steps ---------------------------------------------------------------------------

def open_source(path: Path, mapping_path: Path, kind: str, progress: Progress | None = None
                ) -> tuple[Mapping, SourceTable]:
    """The checked mapping and the file's table; refuses what makes the whole file unusable
    (a column the mapping needs is missing or named twice, no data rows)."""
    tell(progress, "read", 0)
    try:
        mapping = load(mapping_path, kind)
        table = read(path, mapping.encoding)
    except (MappingError, ReadError) as exc:
        raise ImportFailed(str(exc)) from None
    tell(progress, "read", 1)
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
        names = ", ".join(repr(n) for n in table.duplicates)
        table.notes.append(Note(
            "cli_note_duplicate_header", f"{path.name}: the header names {names} "
            "more than once; the mapping uses none of them, so they were not read",
            file=path.name, names=names))
    if table.blank_rows:
        table.notes.append(Note("cli_note_blank_rows",
                                f"{path.name}: {table.blank_rows} empty row(s) skipped",
                                file=path.name, n=table.blank_rows))
    return mapping, table


def row_errors(table: SourceTable, mapping: Mapping) -> list[RowError]:
    """What every import refuses first: rows of the wrong shape, over-long cells, control
    characters (:mod:`data.import_checks`)."""
    return shape_errors(table) + cell_errors(table, mapping.columns)


def finish_errors(path: Path, table: SourceTable, errors: list[RowError], skip: bool,
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


def region_lookup(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(Region.id, Region.code, Region.name, Region.level, Region.depth,
                               Region.parent_id, Region.geometry)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "level", "depth", "parent_id",
                                       "geometry"])
