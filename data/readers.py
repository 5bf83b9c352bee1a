"""Reading a source file into a table of strings (and geometries), whatever its format.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, or the mapping's ``encoding``), XLSX, GeoJSON and
Shapefile. Every attribute comes back as text exactly as the file holds it, so that parsing,
and its errors, happen in one place with the row and column at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CSV = (".csv", ".txt", ".tsv")
EXCEL = (".xlsx", ".xlsm")
SPATIAL = (".geojson", ".json", ".shp", ".gpkg", ".zip")


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

    def row_label(self, position: int) -> str:
        return f"{self.row_word} {position + self.first_row}"


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a stripped string; missing cells as ""."""
    out = frame.astype(object).where(frame.notna(), "")
    return out.map(lambda v: v.strip() if isinstance(v, str) else
                   (v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v)))


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    tried = [encoding] if encoding else ["utf-8-sig"]
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    for enc in tried:
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc, sep=sep,
                               skipinitialspace=False)
        except UnicodeDecodeError as exc:
            hint = ('; if it was saved by Excel on Chinese Windows, add encoding = "gbk" '
                    "under [source] in the mapping") if enc.startswith("utf") else ""
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise ReadError(
                f"{path.name}: not readable as {enc} (bad byte 0x{exc.object[exc.start]:02x} "
                f"on line {line}){hint}") from None
        except LookupError:
            raise ReadError(f"{path.name}: unknown encoding {enc!r}") from None
        except pd.errors.ParserError as exc:
            raise ReadError(f"{path.name}: not a well-formed CSV file: {exc}") from None
        except pd.errors.EmptyDataError:
            raise ReadError(f"{path.name}: the file is empty") from None
    raise ReadError(f"{path.name}: could not be read")  # pragma: no cover


def read(path: Path, encoding: str | None = None) -> SourceTable:
    """Read ``path`` by its extension."""
    if not path.is_file():
        raise ReadError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in CSV:
        return SourceTable(_as_text(_read_csv(path, encoding)), None, "row", 2)
    if suffix in EXCEL:
        try:
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise ReadError(f"{path.name}: not a readable XLSX workbook: {exc}") from None
        return SourceTable(_as_text(frame), None, "row", 2)
    if suffix in SPATIAL:
        import geopandas as gpd

        try:
            gdf = gpd.read_file(path, encoding=encoding) if encoding else gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001 - pyogrio raises many kinds
            raise ReadError(f"{path.name}: not a readable spatial file: {exc}") from None
        crs = gdf.crs.to_string() if gdf.crs is not None else None
        attributes = _as_text(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
        return SourceTable(attributes, gdf.geometry, "feature", 1, crs)
    raise ReadError(f"{path.name}: unsupported file type {suffix or '(none)'}; "
                    "use CSV, XLSX, GeoJSON or Shapefile")
