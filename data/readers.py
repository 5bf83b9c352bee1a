"""Reading a source file into a table of strings (and geometries), whatever its format.

CSV (UTF-8 with or without BOM, UTF-16 with BOM, or the mapping's ``encoding`` such as GBK),
XLSX, GeoJSON and Shapefile. Every attribute comes back as text exactly as the file holds it
(stripped), so that parsing, and its errors, happen in one place with the row and column at
hand.

What the file's *shape* gets wrong is found here, before any value is looked at:

- a CSV row with more or fewer fields than the header: the row is marked with the reason
  (``row_problems``), so the import refuses it naming the row, the line and both counts;
- a header naming a column twice: recorded in ``duplicates`` (the import refuses it when the
  mapping uses that column);
- header cells without a name (merged cells, a header over two rows): recorded in
  ``unnamed``, so a mapping that cannot find its columns can say why;
- rows with every cell empty (Excel's formatted-but-empty rows, blank lines): skipped and
  counted in ``blank_rows``;
- text in the wrong encoding, a quote never closed, a Shapefile without its ``.dbf`` or
  ``.shx``, an unreadable ``.prj``, a ``.dbf`` whose encoding nobody states: a
  :class:`ReadError` naming the file and the cause.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.notes import Note

CSV = (".csv", ".txt", ".tsv")
EXCEL = (".xlsx", ".xlsm")
SPATIAL = (".geojson", ".json", ".shp", ".gpkg", ".zip")
_UTF = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32")


class ReadError(ValueError):
    """The file cannot be read as a table."""


@dataclass
class SourceTable:
    """The rows of a file: text attributes, geometries (or None), and how to name a row."""

    frame: pd.DataFrame
    geometry: object | None  # a GeoSeries in WGS-84 or in the mapping's Chinese datum
    row_word: str  # "row" for spreadsheets (header = row 1), "feature" for spatial files
    first_row: int  # number of the first data row as the user counts it
    source_crs: str | None = None
    row_numbers: list[int] | None = None  # per data row, when rows were skipped
    line_numbers: list[int] | None = None  # CSV: the line each row starts on
    # position -> why the row's shape is wrong, and the fields past the header's width
    row_problems: dict[int, str] = field(default_factory=dict)
    extra_fields: dict[int, list[str]] = field(default_factory=dict)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # name -> where it appears
    unnamed: list[str] = field(default_factory=list)  # header cells without a name that hold values
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def row_label(self, position: int) -> str:
        number = (self.row_numbers[position] if self.row_numbers is not None
                  else position + self.first_row)
        label = f"{self.row_word} {number}"
        if self.line_numbers is not None and self.line_numbers[position] != number:
            label += f" (line {self.line_numbers[position]})"
        return label


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a stripped string; missing cells as ""."""
    out = frame.astype(object).where(frame.notna(), "")
    return out.map(lambda v: v.strip() if isinstance(v, str) else
                   (v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v)))


def _column_name(number: int, spreadsheet: bool) -> str:
    """How a user finds column ``number`` (1-based): its letter in a spreadsheet."""
    if not spreadsheet:
        return f"column {number}"
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"column {letters}"


def _build(header: list[str], rows: list[list[str]], numbers: list[int],
           spreadsheet: bool) -> SourceTable:
    """A table from a header and rows of text, keeping what is wrong with its shape."""
    width = len(header)
    names: list[str] = []
    seen: dict[str, list[str]] = {}
    unnamed_at: list[int] = []
    for j, name in enumerate(header):
        where = _column_name(j + 1, spreadsheet)
        if not name:
            unnamed_at.append(j)
            name = f"({where})"
        elif name in seen:
            seen[name].append(where)
            name = f"{name} ({where})"
        else:
            seen[name] = [where]
        names.append(name)
    table = SourceTable(pd.DataFrame(columns=names), None, "row", 2, row_numbers=numbers)
    problems, extras = table.row_problems, table.extra_fields
    shaped = []
    for i, row in enumerate(rows):
        if len(row) != width:
            problems[i] = f"{len(row)} fields, the header has {width}"
            if len(row) > width:
                extras[i] = row[width:]
            row = (row + [""] * width)[:width]
        shaped.append([cell.strip() for cell in row])
    frame = pd.DataFrame(shaped, columns=names, dtype=object) if shaped else \
        pd.DataFrame(columns=names, dtype=object)
    table.frame = frame
    table.duplicates = {n: w for n, w in seen.items() if len(w) > 1}
    table.unnamed = [_column_name(j + 1, spreadsheet) for j in unnamed_at
                     if (frame[names[j]] != "").any()]
    return table


# --- CSV ----------------------------------------------------------------------------------

def _decode(path: Path, encoding: str | None) -> str:
    """The file's text: a BOM decides; else the mapping's encoding; else UTF-8."""
    data = path.read_bytes()
    declared = None
    if encoding:
        try:
            declared = codecs.lookup(encoding).name
        except LookupError:
            raise ReadError(f"{path.name}: unknown encoding {encoding!r} in the mapping's "
                            "[source]") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        used = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        used = "utf-8-sig"
    else:
        used = declared or "utf-8"
    if declared and declared not in _UTF and used != declared:
        raise ReadError(f"{path.name}: the file starts with a {used.upper()} byte-order mark, "
                        f"but the mapping says encoding = {encoding!r}; remove encoding from "
                        "[source]")
    if declared and declared not in _UTF and not data.isascii() and _is_utf8(data):
        raise ReadError(f"{path.name}: the mapping says encoding = {encoding!r}, but the file "
                        f"is UTF-8 (read as {declared} its text would be garbled); remove "
                        "encoding from [source]")
    try:
        return data.decode(used)
    except UnicodeDecodeError as exc:
        hint = ('; if it was saved by Excel on Chinese Windows, add encoding = "gbk" '
                "under [source] in the mapping") if used.startswith("utf") else ""
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(
            f"{path.name}: not readable as {used} (bad byte 0x{exc.object[exc.start]:02x} "
            f"on line {line}){hint}") from None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(path: Path, text: str) -> str:
    """Tab for .tsv; else a comma, unless the header has none but has tabs or semicolons
    (Excel's "Unicode text" export, and its CSV where the decimal mark is a comma)."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = text.split("\n", 1)[0]
    if "," not in first:
        for sep in ("\t", ";"):
            if sep in first:
                return sep
    return ","


def _read_csv(path: Path, encoding: str | None) -> SourceTable:
    text = _decode(path, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ReadError(f"{path.name}: the file is empty")
    # the whole file is in memory already; let a field be as long as the file, and check
    # lengths where the import knows what each field is for
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text),
                        strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    lines: list[int] = []
    record = blank = 0
    start = 1
    try:
        for fields in reader:
            record += 1
            if header is None:
                if fields and any(f.strip() for f in fields):
                    header = [f.strip() for f in fields]
                else:
                    blank += 1
            elif not any(f.strip() for f in fields):
                blank += 1
            else:
                rows.append(fields)
                numbers.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(f"{path.name}, the row starting on line {start}: not well-formed CSV "
                        f"({exc}); is a quote opened and never closed?") from None
    if header is None:
        raise ReadError(f"{path.name}: the file is empty")
    table = _build(header, rows, numbers, spreadsheet=False)
    table.line_numbers = lines
    table.blank_rows = blank
    return table


# --- XLSX ---------------------------------------------------------------------------------

def _read_excel(path: Path) -> SourceTable:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = book.sheet_names
            raw = (pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=object)
                   if sheets else None)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise ReadError(f"{path.name}: not a readable XLSX workbook: {exc}") from None
    if raw is None or raw.empty:
        raise ReadError(f"{path.name}: the first sheet is empty")
    text = _as_text(raw)
    filled = (text != "").any(axis=1).to_numpy()
    header_at = int(filled.argmax())
    header = list(text.iloc[header_at])
    rows, numbers, blank = [], [], header_at
    for i in range(header_at + 1, len(text)):
        if filled[i]:
            rows.append(list(text.iloc[i]))
            numbers.append(i + 1)
        else:
            blank += 1
    table = _build(header, rows, numbers, spreadsheet=True)
    table.blank_rows = blank
    if len(sheets) > 1:
        others = ", ".join(repr(s) for s in sheets[1:])
        table.notes.append(Note("cli_note_first_sheet",
                                f"{path.name}: read its first sheet {sheets[0]!r} only, of "
                                f"{len(sheets)} ({others} not read)",
                                file=path.name, sheet=repr(sheets[0]), count=len(sheets),
                                names=others))
    return table


# --- spatial files --------------------------------------------------------------------------

def _sibling(path: Path, suffix: str) -> Path | None:
    """The file beside ``path`` with ``suffix`` (any case), if there is one."""
    for candidate in path.parent.glob(f"{path.stem}.*"):
        if candidate.suffix.lower() == suffix:
            return candidate
    return None


def _check_shapefile(path: Path) -> None:
    """A Shapefile is several files; name the one that is missing or unreadable."""
    for suffix, holds in ((".shx", "the index of its shapes"), (".dbf", "its attributes")):
        if _sibling(path, suffix) is None:
            raise ReadError(f"{path.name}: {path.stem}{suffix} ({holds}) is missing beside it; "
                            "a Shapefile needs its .shp, .shx and .dbf together")
    prj = _sibling(path, ".prj")
    if prj is not None:
        from pyproj import CRS  # lazy: only a Shapefile with a .prj needs pyproj
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(prj.read_text(encoding="latin-1").strip())
        except CRSError as exc:
            raise ReadError(f"{prj.name}: not a coordinate system pyproj can read ({exc}); "
                            "fix or delete the .prj, and give crs under [source]") from None


def _check_dbf_encoding(path: Path, frame: pd.DataFrame, encoding: str | None) -> None:
    """A .dbf with no .cpg is read as Latin-1 by GDAL: Chinese text would come out garbled."""
    if encoding or _sibling(path, ".cpg") is not None:
        return
    import pyogrio  # lazy: GDAL's reader, needed for a Shapefile only

    if (pyogrio.read_info(path).get("encoding") or "").upper() not in ("ISO-8859-1", ""):
        return  # the .dbf's own language byte named an encoding
    for column in frame.columns:
        for value in frame[column]:
            if any("\x80" <= ch <= "\xff" for ch in value):
                raise ReadError(
                    f"{path.stem}.dbf: no .cpg file says which encoding its text is in, and "
                    f"the text is not plain ASCII: column {column!r} holds {value[:40]!r}"
                    f"{_as_read(value)}; add encoding = \"gbk\" (or \"utf-8\") under "
                    "[source]")


def _as_read(value: str) -> str:
    """How Latin-1 text reads in the encodings a Chinese .dbf is likely to be in."""
    for encoding in ("utf-8", "gbk"):
        try:
            return f" (read as {encoding.upper()}: {value.encode('latin-1').decode(encoding)!r})"
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return ""


def _read_spatial(path: Path, encoding: str | None) -> SourceTable:
    import geopandas as gpd  # lazy: heavy (GDAL), needed for a spatial file only

    if path.suffix.lower() == ".shp":
        _check_shapefile(path)
    try:
        with warnings.catch_warnings():  # NaN coordinates warn here; the import refuses them
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = gpd.read_file(path, encoding=encoding) if encoding else gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio raises many kinds
        raise ReadError(f"{path.name}: not a readable spatial file: {exc}") from None
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    attributes = _as_text(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    if path.suffix.lower() == ".shp":
        _check_dbf_encoding(path, attributes, encoding)
    return SourceTable(attributes, gdf.geometry, "feature", 1, crs)


def read(path: Path, encoding: str | None = None) -> SourceTable:
    """Read ``path`` by its extension."""
    if not path.is_file():
        raise ReadError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in CSV:
        return _read_csv(path, encoding)
    if suffix in EXCEL:
        return _read_excel(path)
    if suffix in SPATIAL:
        return _read_spatial(path, encoding)
    raise ReadError(f"{path.name}: unsupported file type {suffix or '(none)'}; "
                    "use CSV, XLSX, GeoJSON or Shapefile")
