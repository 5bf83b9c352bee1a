"""Exports of the case list: CSV and XLSX files of every row, safe to open in a spreadsheet.

Plain Python and SQL, no Dash. The words of an export (headers, statuses, lights, yes/no)
are the caller's: it passes a ``label`` function (key -> word), as the interface words
them.

Rows are read from the store in blocks and written as they come (a server-side cursor on
PostgreSQL), never gathered first: :func:`csv_chunks` hands a CSV out block by block for a
streamed response, whatever the period; an XLSX is built whole (a workbook is a zip file
written at the end), so :func:`export_cases` refuses one longer than ``max_rows`` with
:class:`ExportTooLarge` before reading a row (the console offers the CSV instead).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select

from data.cases.filter import CaseFilter, FilterError
from data.cases.grid_model import order_by
from data.cases.listing import (
    FETCH, FETCH_NAMES, ROW_COLUMNS, count_rows, filtered, list_row, list_select,
)
from data.metrics import DEFAULT_DAYS
from data.models import Case

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_COLUMNS: tuple[str, ...] = (*ROW_COLUMNS[1:], "description", "address")

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


#: The most rows an XLSX export holds unless the caller says otherwise
#: (``Settings.export_xlsx_max_rows``, ``DASHBOARD_EXPORT_XLSX_MAX_ROWS``): on the county
#: demo 45,000 rows take 12 s of a worker's CPU and ~20 MB more memory (bench/export.py);
#: a year of a county (224,000 rows) took 52 s of CPU and 450 MB before the cap.
XLSX_MAX_ROWS = 50_000
#: Rows read from the store and written per block of a CSV stream.
CSV_CHUNK_ROWS = 2_000
_NAMES = (*FETCH_NAMES, "description", "address")


class ExportTooLarge(Exception):
    """An XLSX export of ``rows`` rows was asked for, more than ``limit``."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} rows: an XLSX export holds at most {limit}")
        self.rows = rows
        self.limit = limit


@dataclass(frozen=True)
class ExportQuery:
    """What an export reads: the list's query (its filters and order), the deployment's
    time zone, and how many rows it holds (``count()``: a count, not a read)."""

    query: Select
    conditions: tuple
    tz: ZoneInfo

    def count(self, conn: Connection) -> int:
        return count_rows(conn, list(self.conditions))


def export_query(conn: Connection, flt: CaseFilter, now: datetime,
                 label: Callable[[str], str], sort_model: object = None,
                 filter_model: object = None) -> ExportQuery:
    """The query of the list as the grid shows it (``sort_model``/``filter_model``:
    ag-grid's forms), built and checked, not run: a bad filter raises
    :class:`FilterError`, an unknown region ``UnknownRegion``, before anything is sent."""
    conditions, columns, tz = filtered(conn, flt, now, filter_model, label)
    order = order_by(sort_model, columns)
    query = (list_select([*FETCH, Case.description, Case.address]).where(*conditions)
             .order_by(*order))
    return ExportQuery(query, tuple(conditions), tz)


def header(label: Callable[[str], str]) -> list[str]:
    """The export's first row: the words of :data:`EXPORT_COLUMNS`."""
    return [label(column) for column in EXPORT_COLUMNS]


def _cells(raw: tuple, now: datetime, tz: ZoneInfo, label: Callable[[str], str]) -> list:
    """One row of the export, in :data:`EXPORT_COLUMNS` order: worded, and neutralised."""
    record = dict(zip(_NAMES, raw))
    row = list_row(record, now, tz)
    row["description"], row["address"] = record["description"], record["address"]
    row["source"] = None if row["source"] is None else label(row["source"])
    row["status"] = label(row["status"])
    row["stage_light"] = None if row["stage_light"] is None else label(row["stage_light"])
    row["urgent"] = label("yes" if row["urgent"] else "no")
    return [None if row[column] is None else neutralise(row[column])
            for column in EXPORT_COLUMNS]


def export_rows(conn: Connection, wanted: ExportQuery, now: datetime,
                label: Callable[[str], str], block: int = CSV_CHUNK_ROWS
                ) -> Iterator[list]:
    """The rows of ``wanted``, one list of cells each, read ``block`` rows at a time
    (PostgreSQL: a server-side cursor), so memory does not grow with the period."""
    result = conn.execution_options(stream_results=True, yield_per=block).execute(
        wanted.query)
    for raw in result:
        yield _cells(tuple(raw), now, wanted.tz, label)


def _csv_block(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_chunks(engine: Engine, flt: CaseFilter, now: datetime, label: Callable[[str], str],
               sort_model: object = None, filter_model: object = None,
               block: int = CSV_CHUNK_ROWS) -> Iterator[bytes]:
    """The CSV export (as :func:`export_cases` writes it) as blocks of bytes, for a
    streamed response: the query is built and checked now (bad filters and unknown
    regions raise here, before a byte is sent); the rows are read on a connection of
    their own as the blocks are taken, ``block`` at a time, and the connection is given
    back when the last is taken or the iterator is closed (a client gone)."""
    with engine.connect() as conn:
        wanted = export_query(conn, flt, now, label, sort_model, filter_model)

    def blocks() -> Iterator[bytes]:
        yield "\ufeff".encode("utf-8") + _csv_block([header(label)])
        with engine.connect() as conn:
            pending: list[list] = []
            for row in export_rows(conn, wanted, now, label, block):
                pending.append(row)
                if len(pending) >= block:
                    yield _csv_block(pending)
                    pending = []
            if pending:
                yield _csv_block(pending)

    return blocks()


def export_cases(conn: Connection, flt: CaseFilter, now: datetime, fmt: str,
                 label: Callable[[str], str], sort_model: object = None,
                 filter_model: object = None, max_rows: int | None = None) -> bytes:
    """Every row of the list as the grid shows it (its filters and order too), not a
    page: CSV (UTF-8 with a BOM, so Excel in China opens it right) or XLSX. Headers and
    vocabulary are the words ``label`` gives for their keys (the columns of
    :data:`EXPORT_COLUMNS`, sources, statuses, the lights green/yellow/red, ``yes`` and
    ``no``, and ``sheet`` for the XLSX sheet's name); texts a spreadsheet would run as
    formulas are neutralised (:func:`neutralise`); descriptions are written as text,
    never markup. An XLSX of more than ``max_rows`` rows raises :class:`ExportTooLarge`
    before any row is read (a CSV of any length: :func:`csv_chunks` streams it)."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    wanted = export_query(conn, flt, now, label, sort_model, filter_model)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header(label))
        writer.writerows(export_rows(conn, wanted, now, label))
        return buffer.getvalue().encode("utf-8-sig")
    if max_rows is not None:
        rows = wanted.count(conn)
        if rows > max_rows:
            raise ExportTooLarge(rows, max_rows)
    # openpyxl is loaded only when a spreadsheet is asked for (a heavy import)
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(label("sheet"))
    sheet.append(header(label))
    for row in export_rows(conn, wanted, now, label):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(flt: CaseFilter, fmt: str, now: datetime,
                    tz: tzinfo = timezone.utc) -> str:
    """A file name for an export: ``cases_<region>_<period>_<when>.<fmt>``, ASCII only;
    ``<when>`` is ``now`` (naive UTC, as stored) in the deployment's zone ``tz``, the time
    the person who downloads it reads on the pages (issue 18)."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    region = re.sub(r"[^A-Za-z0-9_]+", "-", flt.region_code or "all").strip("-") or "region"
    if flt.first is not None and flt.last is not None:
        span = f"{flt.first:%Y%m%d}-{flt.last:%Y%m%d}"
    else:
        span = f"last{flt.days or DEFAULT_DAYS}d"
    local = now.replace(tzinfo=timezone.utc).astimezone(tz) if now.tzinfo is None else \
        now.astimezone(tz)
    return f"cases_{region}_{span}_{local:%Y%m%d-%H%M}.{fmt}"
