"""Stand-ins for the early-warning rules' modules (:mod:`data.alerts.registry` names a
module whose ``detect`` a rule runs): tests set :data:`FOUND` and read :data:`CALLS`.

``detect`` answers for the rule named by its parameters' ``as`` (the tests' own
parameter), so one module serves every rule. :func:`rules` builds registry entries on
this module, :data:`BROKEN` one whose module raises, :data:`MISSING` one whose module
does not exist."""

from __future__ import annotations

from datetime import datetime

from data.alerts.finding import Finding
from data.alerts.registry import Rule

#: rule key → what its detect returns next
FOUND: dict[str, list[Finding]] = {}
#: (rule key, as_of) of every call, in order
CALLS: list[tuple[str, datetime]] = []


def detect(conn, params, as_of) -> list[Finding]:
    CALLS.append((params["as"], as_of))
    return list(FOUND.get(params["as"], []))


def rules(*keys: str) -> tuple[Rule, ...]:
    """Registry entries for ``keys`` that run this module."""
    return tuple(Rule(key, f"fake {key}", __name__) for key in keys)


def params(*keys: str, **extra: dict) -> dict[str, dict]:
    """Rule parameters telling :func:`detect` which rule it serves."""
    return {key: {"enabled": True, "as": key, **extra.get(key, {})} for key in keys}


def reset() -> None:
    FOUND.clear()
    CALLS.clear()
