"""Mapping files: TOML that says which source column holds which field.

A regions mapping::

    [source]
    level = "社区村"             # the level name of these rows (required)
    parent_level = "乡镇街道"     # the level of their parents
    crs = "EPSG:4326"           # or "GCJ-02", "BD-09", or another EPSG code
    encoding = "gbk"            # CSV only; default UTF-8 (with or without BOM)

    [columns]
    code = "社区编码"
    name = "社区名称"
    parent = "街道编码"           # a parent's code or name, or "@location"
    geometry = "wkt"            # CSV only: a column of WKT polygons

    [deployment]
    timezone = "Asia/Shanghai"  # optional: the deployment's time zone

A patrols mapping (GPS fixes, :mod:`data.field.patrol_import`) has ``[source]`` (``crs``,
``timezone``, ``encoding``), ``[columns]`` (``officer``, ``at``, ``lon``, ``lat``, all
required) and ``[formats]`` (``at`` → strftime format).

A cases mapping has ``[source]`` (``timezone``, ``crs``, ``encoding``), ``[columns]``
(the case fields of :data:`CASE_FIELDS`), ``[status_values]`` (source value → canonical
status), optional ``[source_values]`` (source value → channel) and ``[formats]`` (field →
strftime format). Its field-force columns (issue 14) ``resolved_level``,
``mediation_outcome``, ``mediated_at``, ``mediation_kind``, ``satisfaction``, ``visited_at``
and ``officer`` take values by their key or Chinese word, or through the optional
``[resolved_level_values]``, ``[mediation_outcome_values]``, ``[mediation_kind_values]`` and
``[satisfaction_values]`` (source value → key), like ``[status_values]``.

A categories mapping (the category table, :mod:`data.category_import`) has ``[source]``
(``encoding``), ``[columns]`` (the fields of :data:`CATEGORY_FIELDS`; ``case_class``,
``category``, ``subcategory`` and ``time_limit`` required), optional ``[class_values]``
(source value → case class: facility, incident, dispute) and ``[unit_values]`` (source value
→ time unit: hours, working_days, working_hours, natural_days), for words other than the
usual ones (部件/事件/矛盾纠纷; 小时/工作日/工作时/天/自然日).

An officers (roster) mapping has ``[source]`` (``encoding``), ``[columns]`` (the fields of
:data:`OFFICER_FIELDS`) and optional ``[role_values]`` (source value → role key); see
:mod:`data.field.roster`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data import schema
from data.coords import BD09, GCJ02, WGS84

REGION_FIELDS = ("code", "name", "parent", "geometry")
REGION_REQUIRED = ("code", "name")
CASE_FIELDS = (
    "external_id", "reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at",
    "due_at", "category", "subcategory", "department", "source", "status", "lon", "lat",
    "address", "description", "region_code", "urgent", "reporter",
    # the field force (issue 14): where it was resolved, its mediation, its return visit
    "resolved_level", "mediation_outcome", "mediated_at", "mediation_kind", "satisfaction",
    "visited_at", "officer",
)
CASE_REQUIRED = ("external_id", "reported_at", "status")
TIME_FIELDS = ("reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at", "due_at",
               "mediated_at", "visited_at")
#: The case fields whose values are keys of a vocabulary, the mapping section that may
#: translate a source's values, and the vocabulary (:mod:`data.schema`).
VALUE_SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "resolved_level": ("resolved_level_values", schema.RESOLVED_LEVELS),
    "mediation_outcome": ("mediation_outcome_values", schema.MEDIATION_OUTCOMES),
    "mediation_kind": ("mediation_kind_values", schema.MEDIATION_KINDS),
    "satisfaction": ("satisfaction_values", schema.VISIT_RESULTS),
}
#: A categories mapping's columns (the category table's fields, :mod:`data.category_import`).
CATEGORY_FIELDS = ("case_class", "category", "subcategory", "code", "department", "time_limit",
                   "time_unit", "urgent_time_limit", "urgent_time_unit", "service_code")
CATEGORY_REQUIRED = ("case_class", "category", "subcategory", "time_limit")
OFFICER_FIELDS = ("external_id", "name", "phone", "role", "region_code")
OFFICER_REQUIRED = ("external_id", "name", "region_code")
#: A patrols mapping's columns (every one required): the officer (the roster's external
#: id, ``officers.code``), the fix's time and position.
PATROL_FIELDS = ("officer", "at", "lon", "lat")
AT_LOCATION = "@location"

_SECTIONS = {
    "regions": {"source": {"level", "parent_level", "crs", "encoding"},
                "columns": set(REGION_FIELDS), "deployment": {"timezone", "centre_name"}},
    "cases": {"source": {"timezone", "crs", "encoding"}, "columns": set(CASE_FIELDS),
              "status_values": None, "source_values": None, "formats": set(TIME_FIELDS),
              **{section: None for section, _ in VALUE_SECTIONS.values()}},
    "officers": {"source": {"encoding"}, "columns": set(OFFICER_FIELDS), "role_values": None},
    "categories": {"source": {"encoding"}, "columns": set(CATEGORY_FIELDS),
                   "class_values": None, "unit_values": None},
    "patrols": {"source": {"timezone", "crs", "encoding"}, "columns": set(PATROL_FIELDS),
                "formats": {"at"}},
}


class MappingError(ValueError):
    """The mapping file is missing, not TOML, or says something that cannot be done."""


@dataclass(frozen=True)
class Mapping:
    """A parsed, checked mapping file."""

    path: Path
    kind: str
    source: dict[str, str]
    columns: dict[str, str]
    status_values: dict[str, str] = field(default_factory=dict)
    source_values: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    deployment: dict[str, str] = field(default_factory=dict)
    #: section name -> {source value: key}: ``[role_values]``, ``[satisfaction_values]``...
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def crs(self) -> str:
        return self.source.get("crs", WGS84)

    @property
    def encoding(self) -> str | None:
        return self.source.get("encoding")


def _crs_ok(crs: str) -> bool:
    if crs in (WGS84, GCJ02, BD09):
        return True
    try:
        from pyproj import CRS  # lazy: only a crs other than WGS-84/GCJ-02/BD-09 needs it

        CRS.from_user_input(crs)
        return True
    except Exception:  # noqa: BLE001 - pyproj raises several kinds
        return False


def load(path: Path, kind: str) -> Mapping:
    """Read and check the mapping at ``path`` for a ``kind`` ("regions", "cases",
    "officers", "patrols" or "categories") import."""
    where = str(path)
    if not path.is_file():
        raise MappingError(f"{where}: mapping file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where}: not valid TOML: {exc}") from None
    allowed = _SECTIONS[kind]
    unknown = set(data) - set(allowed)
    if unknown:
        raise MappingError(f"{where}: unknown section(s) {sorted(unknown)} for a {kind} "
                           f"mapping; known: {sorted(allowed)}")
    for section, keys in allowed.items():
        value = data.get(section, {})
        if not isinstance(value, dict):
            raise MappingError(f"{where}: [{section}] must be a table")
        if keys is not None and set(value) - keys:
            raise MappingError(f"{where}: unknown key(s) {sorted(set(value) - keys)} in "
                               f"[{section}]; known: {sorted(keys)}")
        for key, item in value.items():
            if not isinstance(item, str):
                raise MappingError(f"{where}: [{section}] {key} must be a string, got {item!r}")
    columns = data.get("columns", {})
    required = {"regions": REGION_REQUIRED, "cases": CASE_REQUIRED,
                "officers": OFFICER_REQUIRED, "categories": CATEGORY_REQUIRED,
                "patrols": PATROL_FIELDS}[kind]
    missing = [key for key in required if key not in columns]
    if missing:
        raise MappingError(f"{where}: [columns] must name the source column of {missing}")
    source = data.get("source", {})
    crs = source.get("crs", WGS84)
    if not _crs_ok(crs):
        raise MappingError(f"{where}: [source] crs = {crs!r} is not EPSG:4326, GCJ-02, BD-09 "
                           "or a coordinate system pyproj knows")
    for key in ("timezone",):
        zone = (source if kind != "regions" else data.get("deployment", {})).get(key)
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise MappingError(f"{where}: timezone = {zone!r} is not an IANA time zone "
                                   "(e.g. Asia/Shanghai)") from None
    if kind == "regions":
        if "level" not in source:
            raise MappingError(f"{where}: [source] must give level, the level name of the rows")
        for key in ("level", "parent_level"):
            name = source.get(key)
            if name is not None and not (0 < len(name) <= 64 and name.isprintable()):
                raise MappingError(f"{where}: [source] {key} = {name!r} must be 1 to 64 "
                                   "characters on one line")
        if columns.get("parent") and "parent_level" not in source:
            raise MappingError(f"{where}: [columns] parent needs [source] parent_level")
    elif kind == "officers":
        _check_values(where, "role_values", data, schema.OFFICER_ROLES)
    elif kind == "categories":
        _check_values(where, "class_values", data, schema.CASE_CLASSES)
        _check_values(where, "unit_values", data, schema.TIME_UNITS)
    else:
        for section, vocabulary in VALUE_SECTIONS.values():
            _check_values(where, section, data, vocabulary)
        bad = {k: v for k, v in data.get("status_values", {}).items()
               if v not in schema.STATUSES}
        if bad:
            raise MappingError(f"{where}: [status_values] maps to unknown status(es) {bad}; "
                               f"statuses are {list(schema.STATUSES)}")
        bad = {k: v for k, v in data.get("source_values", {}).items()
               if v not in schema.SOURCES}
        if bad:
            raise MappingError(f"{where}: [source_values] maps to unknown source(s) {bad}; "
                               f"sources are {list(schema.SOURCES)}")
    return Mapping(
        path=path, kind=kind, source=dict(source), columns=dict(columns),
        status_values=dict(data.get("status_values", {})),
        source_values=dict(data.get("source_values", {})),
        formats=dict(data.get("formats", {})), deployment=dict(data.get("deployment", {})),
        values={section: dict(data.get(section, {})) for section in allowed
                if section.endswith("_values") and section not in ("status_values",
                                                                   "source_values")},
    )


def _check_values(where: str, section: str, data: dict, vocabulary: tuple[str, ...]) -> None:
    """A ``[..._values]`` section must map to keys of its vocabulary."""
    bad = {k: v for k, v in data.get(section, {}).items() if v not in vocabulary}
    if bad:
        raise MappingError(f"{where}: [{section}] maps to unknown value(s) {bad}; the known "
                           f"ones are {list(vocabulary)}")
