"""What an alert rule finds: one condition that holds, with the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Alert levels, most urgent first (红 / 橙 / 黄).
RED, ORANGE, YELLOW = "red", "orange", "yellow"
LEVELS = (RED, ORANGE, YELLOW)


@dataclass(frozen=True)
class Finding:
    """A condition a rule found holding at some moment.

    ``key`` is the condition's identity: the same condition found again (later, with more
    cases, at another level) has the same key, so the store keeps one alert for it; a new
    episode of the same kind (a later surge of the same grid and category after a calm
    spell) has a new key. It starts with the rule's key (``surge:...``).

    ``facts`` are the numbers the alert's explanation is worded from (JSON-able: numbers,
    texts, ISO dates), e.g. a surge's ``{"count": 23, "expected": 4.1, "p": 0.0004,
    "days": 7, "category": "占道经营"}``; their keys are documented by each rule."""

    rule: str
    key: str
    level: str
    region_id: int | None
    started_at: datetime  # naive UTC, as the store keeps times
    case_ids: tuple[int, ...] = ()
    facts: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")
        if not self.key.startswith(self.rule + ":"):
            raise ValueError(f"a finding's key starts with its rule: {self.key!r}")
