"""Exports of the case list: CSV and XLSX files of every row, safe to open in a spreadsheet.

Plain Python and SQL, no Dash. The words of an export (headers, statuses, lights, yes/no)
are the caller's: it passes a ``label`` function (key -> word), as the interface words
them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from datetime import datetime
from typing import Callable

import pandas as pd
from sqlalchemy import Connection

from data.cases.filter import CaseFilter, FilterError
from data.cases.grid_model import order_by
from data.cases.listing import FETCH, FETCH_NAMES, ROW_COLUMNS, filtered, list_row, list_select
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


def _export_frame(conn: Connection, flt: CaseFilter, now: datetime,
                  label: Callable[[str], str], sort_model: object, filter_model: object
                  ) -> pd.DataFrame:
    conditions, columns, tz = filtered(conn, flt, now, filter_model, label)
    order = order_by(sort_model, columns)
    query = (list_select([*FETCH, Case.description, Case.address]).where(*conditions)
             .order_by(*order))
    names = [*FETCH_NAMES, "description", "address"]
    rows = []
    for raw in conn.execute(query).all():
        record = dict(zip(names, raw))
        row = list_row(record, now, tz)
        row["description"], row["address"] = record["description"], record["address"]
        row["source"] = None if row["source"] is None else label(row["source"])
        row["status"] = label(row["status"])
        row["stage_light"] = None if row["stage_light"] is None else label(row["stage_light"])
        row["urgent"] = label("yes" if row["urgent"] else "no")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS) + ["description", "address"])
    frame = frame[list(EXPORT_COLUMNS)]
    return frame.rename(columns={c: label(c) for c in EXPORT_COLUMNS})


def export_cases(conn: Connection, flt: CaseFilter, now: datetime, fmt: str,
                 label: Callable[[str], str], sort_model: object = None,
                 filter_model: object = None) -> bytes:
    """Every row of the list as the grid shows it (its filters and order too), not a
    page: CSV (UTF-8 with a BOM, so Excel in China opens it right) or XLSX. Headers and
    vocabulary are the words ``label`` gives for their keys (the columns of
    :data:`EXPORT_COLUMNS`, sources, statuses, the lights green/yellow/red, ``yes`` and
    ``no``, and ``sheet`` for the XLSX sheet's name); texts a spreadsheet would run as
    formulas are neutralised (:func:`neutralise`); descriptions are written as text,
    never markup."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    frame = _export_frame(conn, flt, now, label, sort_model, filter_model)
    cells = [[None if (v is None or (isinstance(v, float) and math.isnan(v)))
              else neutralise(v) for v in row] for row in frame.itertuples(index=False)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(list(frame.columns))
        writer.writerows(cells)
        return buffer.getvalue().encode("utf-8-sig")
    # openpyxl is loaded only when a spreadsheet is asked for (a heavy import)
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(label("sheet"))
    sheet.append(list(frame.columns))
    for row in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(flt: CaseFilter, fmt: str, now: datetime) -> str:
    """A file name for an export: ``cases_<region>_<period>_<when>.<fmt>``, ASCII only."""
    if fmt not in EXPORT_FORMATS:
        raise FilterError("format", fmt, "unknown_format", "csv or xlsx")
    region = re.sub(r"[^A-Za-z0-9_]+", "-", flt.region_code or "all").strip("-") or "region"
    if flt.first is not None and flt.last is not None:
        span = f"{flt.first:%Y%m%d}-{flt.last:%Y%m%d}"
    else:
        span = f"last{flt.days or DEFAULT_DAYS}d"
    return f"cases_{region}_{span}_{now:%Y%m%d-%H%M}.{fmt}"
