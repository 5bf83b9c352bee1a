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

from typing import Iterable, NamedTuple

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
