"""Stand-ins for the early-warning rules (:mod:`data.alerts.registry`): tests set
:data:`FOUND` (what each rule finds next) and read :data:`CALLS`.

:func:`rules` builds registry entries whose detector answers from :data:`FOUND` (put them
in ``data.alerts.registry.RULES`` with ``monkeypatch`` to stand in for the real rules);
``tests.alert_fakes_broken`` is a rule module whose detector raises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from data.alerts.finding import Finding
from data.alerts.registry import Rule

#: rule key → what its detector returns next
FOUND: dict[str, list[Finding]] = {}
#: (rule key, as_of) of every call, in order
CALLS: list[tuple[str, datetime]] = []


@dataclass(frozen=True)
class FakeRule(Rule):
    """A rule whose detector returns ``FOUND[key]`` and notes the call."""

    def detector(self) -> Callable:
        key = self.key

        def detect(conn, params, as_of) -> list[Finding]:
            CALLS.append((key, as_of))
            return list(FOUND.get(key, []))

        return detect


def rules(*keys: str) -> tuple[Rule, ...]:
    """Registry entries for ``keys`` answering from :data:`FOUND`."""
    return tuple(FakeRule(key, f"fake {key}", __name__) for key in keys)


def params(*keys: str, **extra: dict) -> dict[str, dict]:
    """Parameters enabling ``keys`` (with ``extra[key]`` added to a rule's)."""
    return {key: {"enabled": True, **extra.get(key, {})} for key in keys}


def reset() -> None:
    FOUND.clear()
    CALLS.clear()
