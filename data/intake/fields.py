"""What a new case must say, checked field by field: :class:`NewCase`, :class:`Problem`,
:class:`IntakeRefused`.

Every door (the Open311 API, the hotline desk) turns its input into the same field names
(:data:`FIELDS`) and calls :func:`parse_new_case`, which names *every* problem at once, so a
caller fixes their request in one go. A problem is a field, a stable code
(:data:`PROBLEM_CODES`) and one English sentence saying what, where and why; the web door
renders them as GeoReport v2 errors (``[{"code": 400, "description": ...}]``) and the
console words the codes in Chinese or English (:mod:`layouts.text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple

#: The codes a :class:`Problem` may carry.
PROBLEM_CODES: tuple[str, ...] = (
    "missing", "wrong_type", "out_of_range", "too_long", "bad_text", "unknown_service",
    "unknown_region", "outside_regions", "region_not_allowed", "not_allowed",
    "not_an_image", "too_many_files", "file_too_large", "bad_body",
)


class Problem(NamedTuple):
    """One thing wrong with a new case: ``field`` (the name the caller used), ``code``
    (one of :data:`PROBLEM_CODES`) and ``detail`` (one English sentence)."""

    field: str
    code: str
    detail: str


class IntakeRefused(ValueError):
    """A new case was refused; nothing was written. ``problems`` names each one."""

    key = "intake_refused"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("IntakeRefused needs at least one problem")
        super().__init__("; ".join(f"{p.field}: {p.detail}" for p in self.problems))


# --- the new case ---------------------------------------------------------------------------

#: The field names every door maps its input to, in the order problems are reported.
FIELDS: tuple[str, ...] = (
    "service_code", "description", "lon", "lat", "region_code", "address",
    "reporter_name", "reporter_phone", "urgent", "resolved_on_spot", "resolution_note",
)

#: The most characters each text field may hold (after surrounding blanks are stripped).
LIMITS: dict[str, int] = {
    "service_code": 64, "description": 4000, "region_code": 64, "address": 500,
    "reporter_name": 100, "reporter_phone": 32, "resolution_note": 2000,
}

_TEXT_FIELDS = ("service_code", "description", "region_code", "address", "reporter_name",
                "reporter_phone", "resolution_note")
#: Text fields that may span lines (a caller's words): newlines and tabs are kept there.
_MULTILINE = frozenset({"description", "resolution_note"})
_REQUIRED = ("service_code", "description")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_PHONE_CHARACTERS = frozenset("0123456789 +-()")
#: A number sent as text longer than this is not a coordinate anyone means.
_LONGEST_NUMBER = 40
_RANGES = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0)}


@dataclass(frozen=True)
class NewCase:
    """A new case as a door received it, every field checked (:func:`parse_new_case`).

    ``service_code`` is the category table's ``code``; the point (``lon``, ``lat``,
    WGS-84) or, failing it, ``region_code`` places the case; ``resolved_on_spot`` (就地解决)
    with its ``resolution_note`` is a grid officer's own report of a case they settled.
    Text is stripped of surrounding blanks; an empty text is ``None``.
    """

    service_code: str
    description: str
    lon: float | None
    lat: float | None
    region_code: str | None
    address: str | None
    reporter_name: str | None
    reporter_phone: str | None
    urgent: bool = False
    resolved_on_spot: bool = False
    resolution_note: str | None = None


def parse_new_case(values: Mapping[str, object]) -> NewCase:
    """Check a door's values and return the :class:`NewCase` they describe.

    Parameters
    ----------
    values
        Field name (:data:`FIELDS`) → value: strings from a form, or any JSON type from a
        request body. Names not in :data:`FIELDS` are ignored (a door maps its own).

    Returns
    -------
    NewCase

    Raises
    ------
    IntakeRefused
        Naming every problem at once, in :data:`FIELDS` order: ``missing`` (no service code
        or description; one coordinate without the other; no location at all, reported on
        ``lat``), ``wrong_type`` (a list, a mapping, a number where text is wanted; text
        that is no number or no yes/no), ``out_of_range`` (a coordinate that is not finite
        or outside -180..180 / -90..90), ``too_long`` (over :data:`LIMITS`) and
        ``bad_text`` (NUL or another control character, newlines and tabs being allowed
        only in the description and the resolution note; a phone with anything but
        digits, spaces and ``+ - ( )``). Never any other exception, whatever the input.
    """
    if not isinstance(values, Mapping):
        raise IntakeRefused([Problem("body", "bad_body",
                                     f"expected a set of named fields, got {_kind(values)}")])
    problems: list[Problem] = []
    text = {name: _text(name, values.get(name), problems) for name in _TEXT_FIELDS}
    for name in _REQUIRED:
        if text[name] is None and not _reported(problems, name):
            problems.append(Problem(name, "missing", f"{name} is required"))
    phone = text["reporter_phone"]
    if phone is not None and (not set(phone) <= _PHONE_CHARACTERS
                              or not any(c.isdigit() for c in phone)):
        problems.append(Problem("reporter_phone", "bad_text",
                                "a phone number holds digits, spaces and + - ( ) only"))
        phone = None
    lon = _coordinate("lon", values.get("lon"), problems)
    lat = _coordinate("lat", values.get("lat"), problems)
    _pair(values, text["region_code"], problems)
    urgent = _flag("urgent", values.get("urgent"), problems)
    on_spot = _flag("resolved_on_spot", values.get("resolved_on_spot"), problems)
    if problems:
        order = {name: i for i, name in enumerate(FIELDS)}
        raise IntakeRefused(sorted(problems, key=lambda p: order.get(p.field, len(order))))
    return NewCase(service_code=text["service_code"], description=text["description"],
                   lon=lon, lat=lat, region_code=text["region_code"], address=text["address"],
                   reporter_name=text["reporter_name"], reporter_phone=phone, urgent=urgent,
                   resolved_on_spot=on_spot, resolution_note=text["resolution_note"])


def _kind(value: object) -> str:
    """How a value's type reads in a problem: "a list", "a number", ..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    return f"a {type(value).__name__}"


def _reported(problems: list[Problem], name: str) -> bool:
    return any(p.field == name for p in problems)


def bad_characters(text: str, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be stored (a NUL or another control character, or half of a
    UTF-16 surrogate pair, which no database encoding takes), or None when it can.
    ``multiline`` allows newlines, carriage returns and tabs."""
    for ch in text:
        point = ord(ch)
        if ch in "\n\r\t" and multiline:
            continue
        if point < 0x20 or 0x7F <= point < 0xA0:
            return f"holds the control character U+{point:04X}"
        if 0xD800 <= point < 0xE000:
            return f"holds an unpaired surrogate U+{point:04X}"
    return None


def _text(name: str, value: object, problems: list[Problem]) -> str | None:
    """A text field stripped, None when absent or blank; a problem when it cannot be."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, "wrong_type", f"{name} must be text, not {_kind(value)}"))
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > LIMITS[name]:
        problems.append(Problem(name, "too_long", f"{name} holds {len(value)} characters; "
                                f"at most {LIMITS[name]} are kept"))
        return None
    why = bad_characters(value, multiline=name in _MULTILINE)
    if why is not None:
        problems.append(Problem(name, "bad_text", f"{name} {why}"))
        return None
    return value


def _coordinate(name: str, value: object, problems: list[Problem]) -> float | None:
    """A longitude or latitude as a finite float in range; None when absent or blank."""
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.append(Problem(name, "wrong_type",
                                f"{name} must be a number, not {_kind(value)}"))
        return None
    if isinstance(value, str):
        if len(value) > _LONGEST_NUMBER or bad_characters(value) is not None:
            problems.append(Problem(name, "wrong_type", f"{name} must be a number"))
            return None
        try:
            number = float(value.strip().replace("_", "!"))  # float() takes 1_0; nobody means it
        except ValueError:
            problems.append(Problem(name, "wrong_type",
                                    f"{name} must be a number, not {value.strip()[:20]!r}"))
            return None
    else:
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    low, high = _RANGES[name]
    if not math.isfinite(number) or not low <= number <= high:
        problems.append(Problem(name, "out_of_range",
                                f"{name} must be a finite number from {low:g} to {high:g}"))
        return None
    return number


def _pair(values: Mapping[str, object], region_code: str | None,
          problems: list[Problem]) -> None:
    """A point needs both coordinates; a case needs a point or a region code."""
    sent = {name: not _blank(values.get(name)) for name in ("lon", "lat")}
    if sent["lon"] != sent["lat"]:
        absent = "lat" if sent["lon"] else "lon"
        problems.append(Problem(absent, "missing", "a point needs both lon and lat"))
    elif not sent["lon"] and region_code is None and not _reported(problems, "region_code"):
        problems.append(Problem("lat", "missing",
                                "a location is required: lon and lat, or region_code"))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _flag(name: str, value: object, problems: list[Problem]) -> bool:
    """A yes/no field: a boolean, 1/0, or true/false, yes/no, on/off as text."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and len(value) <= 8:
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    problems.append(Problem(name, "wrong_type",
                            f"{name} must be true or false (1/0, yes/no, on/off)"))
    return False
