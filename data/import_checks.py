"""The checks every import makes on the cells and boundaries it will store, before any write.

A cell the store cannot keep as it is gets refused, with its row (and line), column and
reason, never shortened or cleaned on the way in:

- a row whose CSV fields do not match the header (found by :mod:`data.readers`);
- a cell longer than its field's limit (:data:`FIELD_LIMITS`; e.g. a description of more
  than 20,000 characters, or an id of more than 64);
- a control character in any text: NUL (PostgreSQL cannot store it; SQLite cut the text
  short at it), the other C0/C1 controls, and in ids and codes also line breaks, tabs and
  invisible format characters (zero-width spaces, direction marks). A description or an
  address may hold tabs and line breaks;
- a longitude or latitude that is not a number, given without the other, or out of range
  once converted to WGS 84 (:func:`parse_coordinates`);
- a region boundary that is null, empty, not made of numbers (NaN, infinite), not a polygon,
  or invalid beyond what shapely's ``make_valid`` can repair. Repaired boundaries are
  imported and named in the report.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from data.coords import WGS84, is_china_datum, to_wgs84
from data.mapping import AT_LOCATION, Mapping
from data.readers import SourceTable

DEFAULT_LIMIT = 200  # characters, for every mapped field not named below
FIELD_LIMITS = {
    # ids and codes: the store's columns hold 64 characters (a department's name is its code)
    "external_id": 64, "code": 64, "region_code": 64, "department": 64, "service_code": 64,
    # names and categories: the store's columns
    "name": 200, "parent": 200, "category": 100, "subcategory": 100, "reporter": 100,
    # free text: a long 12345 hotline complaint is a few thousand characters; 20,000 is
    # ten pages, and anything longer is a quote left open that swallowed the rows after it
    "description": 20_000, "address": 1_000,
}
NO_LIMIT = ("geometry",)  # a WKT boundary is as long as its vertices need
MULTILINE = ("description", "address")  # may hold tabs and line breaks
IDENTIFIERS = ("external_id", "code", "region_code", "officer",
               "region_codes", "service_code")  # also no invisible characters

_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_ID = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                         "\u2060-\u2064\ufeff]")
_CHAR_NAMES = {"\x00": "NUL", "\t": "a tab", "\n": "a line break", "\r": "a carriage return",
               "\x1b": "ESC", "\x7f": "DEL", "\u200b": "a zero-width space",
               "\ufeff": "a byte-order mark", "\u202e": "a right-to-left override"}
SHOWN = 60  # characters of a value shown in a message


def shown(value: str | None) -> str | None:
    """A value short enough for a one-line message (the full length is said)."""
    if value is None or len(value) <= SHOWN:
        return value
    return f"{value[:SHOWN]}… ({len(value):,} characters)"


@dataclass
class RowError:
    position: int  # 0-based position in the file's data rows
    label: str  # "row 7" / "feature 3 (code 'G7')"
    column: str | None
    value: str | None
    reason: str

    def message(self, file: str) -> str:
        where = f"{file}, {self.label}"
        if self.column:
            where += f", column {self.column!r}"
        if self.value is not None:
            where += f", value {shown(self.value)!r}"
        return f"{where}: {self.reason}"

    def short(self) -> str:
        """The error without the file and row (for the rejects file's ``_error``)."""
        head = f"column {self.column!r}" if self.column else ""
        if self.value is not None:
            head += f" value {shown(self.value)!r}"
        return f"{head.strip()}: {self.reason}" if head else self.reason


# --- cells --------------------------------------------------------------------------------

def shape_errors(table: SourceTable) -> list[RowError]:
    """Rows whose number of fields is not the header's (CSV), named by row and line."""
    errors = []
    for i, why in sorted(table.row_problems.items()):
        label = table.row_label(i).split(" (")[0]
        if table.line_numbers is not None:
            label += f", line {table.line_numbers[i]}"
        errors.append(RowError(i, label, None, None, why))
    return errors


def only_shape_errors(errors: list[RowError], table: SourceTable) -> list[RowError]:
    """A row with the wrong number of fields has its values in the wrong columns: its other
    errors are consequences, not causes, so only the shape is reported for it."""
    if not table.row_problems:
        return errors
    return [e for e in errors if e.position not in table.row_problems or e.column is None]


def _char_name(ch: str) -> str:
    return f"{_CHAR_NAMES.get(ch, 'a control character')} (U+{ord(ch):04X})"


def cell_errors(table: SourceTable, columns: dict[str, str]) -> list[RowError]:
    """Over-long cells and forbidden characters in every column the mapping uses.

    A column mapped to several fields is held to the strictest of them.
    """
    by_column: dict[str, list[str]] = {}
    for field_name, column in columns.items():
        if column != AT_LOCATION and field_name not in NO_LIMIT:
            by_column.setdefault(column, []).append(field_name)
    errors: list[RowError] = []
    for column, fields in by_column.items():
        values = table.frame[column].tolist()
        limit = min(FIELD_LIMITS.get(f, DEFAULT_LIMIT) for f in fields)
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        for i in np.flatnonzero(lengths > limit):
            hint = (" (it holds line breaks: is a quote left open above it?)"
                    if "\n" in values[i] else "")
            errors.append(RowError(i, table.row_label(i), column, values[i],
                                   f"{lengths[i]:,} characters; {' and '.join(fields)} may "
                                   f"have at most {limit:,}{hint}"))
        if any(f in IDENTIFIERS for f in fields):
            pattern, allowed = _CONTROL_ID, "ids and codes may hold no control or invisible " \
                                            "characters"
        elif all(f in MULTILINE for f in fields):
            pattern, allowed = _CONTROL_TEXT, "text may hold tabs and line breaks, no other " \
                                              "control characters"
        else:
            pattern, allowed = _CONTROL_LINE, f"{' and '.join(fields)} is one line of text " \
                                              "with no control characters"
        if not pattern.search("\ue000".join(values)):  # one pass over the column when clean
            continue
        for i, value in enumerate(values):
            found = pattern.search(value) if lengths[i] <= limit else None
            if found is None:
                continue
            errors.append(RowError(i, table.row_label(i), column, value,
                                   f"{_char_name(found.group())} at character "
                                   f"{found.start() + 1}; {allowed}"))
    return errors


# --- times ------------------------------------------------------------------------------------

_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_times(frame: pd.DataFrame, field_name: str, column: str, fmt: str | None,
                 tz: ZoneInfo, table: SourceTable, errors: list[RowError]) -> pd.Series:
    """A column of local (or offset-carrying) times as naive UTC; errors for the unreadable.

    Times without an offset are local to the mapping's ``timezone``; a trailing ``Z`` or
    ``+08:00`` is honoured. ISO 8601 is read fast; anything else (``2026/3/2 9:30``) is
    tried one by one; a ``[formats]`` entry is used exactly when given.
    """
    raw = frame[column]
    present = raw != ""
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if not present.any():
        return result
    values = raw[present]
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if fmt:
        if "%z" in fmt or "%Z" in fmt:
            stamps = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
            parsed[:] = stamps.dt.tz_localize(None).astype("datetime64[us]")
        else:
            parsed[:] = local_to_utc(pd.to_datetime(values, format=fmt, errors="coerce"), tz)
    else:
        aware = values.str.contains(_OFFSET, regex=True)
        if aware.any():
            stamps = pd.to_datetime(values[aware], format="ISO8601", errors="coerce", utc=True)
            parsed[aware] = stamps.dt.tz_localize(None).astype("datetime64[us]")
        if (~aware).any():
            naive = pd.to_datetime(values[~aware], format="ISO8601", errors="coerce")
            parsed[~aware] = local_to_utc(naive, tz)
        for idx in parsed.index[parsed.isna()]:
            try:
                stamp = pd.Timestamp(values[idx].replace("/", "-"))
            except (ValueError, TypeError, OverflowError):
                continue
            if stamp.tzinfo is not None:
                parsed[idx] = stamp.tz_convert("UTC").tz_localize(None)
            else:
                parsed[idx] = local_to_utc(pd.Series([stamp]), tz).iloc[0]
    for idx in parsed.index[parsed.isna()]:
        position = raw.index.get_loc(idx)
        reason = (f"does not match the format {fmt!r} given in [formats]" if fmt else
                  "not a date and time this import can read; give its strftime format under "
                  f"[formats], e.g. {field_name} = \"%d/%m/%Y %H:%M\"")
        errors.append(RowError(position, table.row_label(position), column, raw.at[idx], reason))
    result[present] = parsed
    return result


def local_to_utc(stamps: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Naive local times → naive UTC (``datetime64[us]``)."""
    stamps = pd.Series(stamps).astype("datetime64[us]")
    return (stamps.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
            .dt.tz_convert("UTC").dt.tz_localize(None))


# --- coordinates ---------------------------------------------------------------------------

def parse_coordinates(table: SourceTable, mapping: Mapping, errors: list[RowError]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's longitude and latitude in WGS 84 (NaN where none), converted from the
    mapping's ``crs``. Text that is no number, a half pair and a value out of range once
    converted are errors; (0, 0) in degrees is an export's placeholder for none."""
    frame, col, label = table.frame, mapping.columns, table.row_label
    n = len(frame)
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
            from pyproj import Transformer  # lazy: only a projected crs needs pyproj

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
    return lon, lat


# --- boundaries -----------------------------------------------------------------------------

def _feature(table: SourceTable, i: int, codes: pd.Series) -> str:
    code = codes.iat[i]
    return f"{table.row_label(i)} (code {shown(code)!r})" if code else table.row_label(i)


def _missing_reason(geom) -> str | None:
    """Why ``geom`` is no boundary at all, or None."""
    if geom is None:
        return "no boundary: the geometry is null"
    if geom.is_empty:
        return "no boundary: the geometry is empty"
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return "the boundary has coordinates that are not numbers (NaN or infinite)"
    return None


def _raw_geometries(table: SourceTable, mapping: Mapping, codes: pd.Series,
                    errors: list[RowError]) -> list | None:
    """The file's boundaries as given (None where a row has none); None for a file without."""
    if table.geometry is not None:
        return list(table.geometry.values)
    if "geometry" not in mapping.columns:
        return None
    column = mapping.columns["geometry"]
    geoms: list = []
    for i, value in enumerate(table.frame[column]):
        if not value:
            errors.append(RowError(i, _feature(table, i, codes), column, "",
                                   "no boundary: the cell is empty"))
            geoms.append(False)  # already refused
            continue
        try:
            geoms.append(shapely.from_wkt(value))
        except shapely.errors.GEOSException as exc:
            errors.append(RowError(i, _feature(table, i, codes), column, value,
                                   f"not a WKT geometry ({exc})"))
            geoms.append(False)
    return geoms


def _to_wgs84(geoms: list, table: SourceTable, mapping: Mapping) -> list:
    """Boundaries (None where refused) in WGS-84 longitude/latitude."""
    import geopandas as gpd  # lazy: heavy (GDAL), needed by a boundary import only

    if table.geometry is not None:
        series = gpd.GeoSeries(geoms, crs=table.geometry.crs, index=table.geometry.index)
        if table.source_crs and not is_china_datum(mapping.crs) and mapping.crs == WGS84:
            if table.source_crs not in ("EPSG:4326", "OGC:CRS84") and series.crs is not None:
                series = series.to_crs(WGS84)
        elif not is_china_datum(mapping.crs) and mapping.crs != WGS84:
            series = series.set_crs(mapping.crs, allow_override=True).to_crs(WGS84)
        geoms = list(series.values)
    elif mapping.crs != WGS84 and not is_china_datum(mapping.crs):
        geoms = list(gpd.GeoSeries(geoms, crs=mapping.crs).to_crs(WGS84).values)
    if is_china_datum(mapping.crs):
        geoms = [None if g is None else shapely.transform(
            g, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], mapping.crs)))
            for g in geoms]
    return geoms


def _repair(geom):
    """``make_valid`` kept to its polygons; an empty polygon when nothing of area is left."""
    try:
        fixed = shapely.make_valid(geom)
    except shapely.errors.GEOSException:
        return shapely.Polygon()
    if fixed.geom_type == "GeometryCollection":
        parts = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else shapely.Polygon()
    return fixed


def prepare_geometries(table: SourceTable, mapping: Mapping, codes: pd.Series,
                       errors: list[RowError]) -> tuple[list, list[tuple[int, str]]]:
    """Each row's boundary in WGS-84 (None when the file carries none, or it was refused),
    and the features whose invalid polygons were repaired (position, where and why).

    In a file that carries boundaries (a spatial file, or a mapped WKT column), every row
    must have one: a null, empty or NaN geometry is refused, naming the feature and code.
    """
    n = len(table.frame)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = _raw_geometries(table, mapping, codes, errors)
        if raw is None:
            return [None] * n, []
        column = mapping.columns.get("geometry", "geometry")
        for i, geom in enumerate(raw):
            if geom is False:
                raw[i] = None
                continue
            why = _missing_reason(geom)
            if why:
                errors.append(RowError(i, _feature(table, i, codes), column, None, why))
                raw[i] = None
        return _check_boundaries(_to_wgs84(raw, table, mapping), table, codes, column, errors)


def _check_boundaries(geoms: list, table: SourceTable, codes: pd.Series, column: str,
                      errors: list[RowError]) -> tuple[list, list[tuple[int, str]]]:
    out: list = []
    repaired: list[tuple[int, str]] = []
    for i, geom in enumerate(geoms):
        if geom is None:
            out.append(None)
            continue
        where = _feature(table, i, codes)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(RowError(i, where, column, geom.geom_type,
                                   "a region's boundary must be a Polygon or MultiPolygon"))
            out.append(None)
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            errors.append(RowError(i, where, column, None, "the boundary's coordinates could "
                                   "not be converted to longitude/latitude"))
            out.append(None)
            continue
        if not geom.is_valid:
            why = shapely.is_valid_reason(geom)
            fixed = _repair(geom)
            if fixed.is_empty or fixed.area == 0:
                errors.append(RowError(i, where, column, None,
                                       f"invalid polygon that cannot be repaired ({why})"))
                out.append(None)
                continue
            repaired.append((i, f"{where}: {why}"))
            geom = fixed
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            errors.append(RowError(i, where, column, None,
                                   f"coordinates {geom.bounds} are not longitude/latitude; set "
                                   "crs in [source] to the file's coordinate system"))
            out.append(None)
            continue
        out.append(geom)
    return out, repaired
