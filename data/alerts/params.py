"""The early-warning rules' parameters: ``rules.toml`` next to this module, and a centre's
own file over it.

The defaults file defines what may be set: its sections (one per rule of
:mod:`data.alerts.registry`), their keys and each key's type (the default's: a whole
number, a number, true/false, a text, a list of one of these). A centre's file (named by
the setting ``ALERT_RULES`` or ``--rules``) sets some of them; what it leaves out keeps the
default. Refused, with one message naming the file, the section, the key, the value and
why: a file that cannot be read or is not TOML, an unknown section or key, a value of the
wrong type (``true`` where a number is wanted; a whole number is taken where a number is),
a value out of its range (:data:`RANGES`; a number with no stated range must be finite and
>= 0), and levels or thresholds out of order (:data:`ORDER`: a red alert needs more than an
orange one). Every problem is named at once, so a centre fixes its file in one go.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

#: The defaults, shipped beside this module.
DEFAULT_PATH = Path(__file__).with_name("rules.toml")

#: Inclusive (low, high) ranges of numbers (each item of a list of numbers); None: open.
RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "surge": {"windows": (1, 366), "baseline_weeks": (1, 104), "min_count": (1, None),
              "min_ratio": (1.0, None), "p_red": (1e-12, 0.5), "p_orange": (1e-12, 0.5),
              "p_yellow": (1e-12, 0.5), "min_baseline_days": (1, None)},
    "repeat_location": {"radius_m": (1, 10_000), "days": (1, 3660), "min_cases": (2, None),
                        "min_days": (1, 3660), "red_cases": (2, None), "orange_cases": (2, None)},
    "recurring_dispute": {"days": (1, 3660)},
    "stuck_case": {"overdue_days": (0, 3660), "red_overdue_days": (0, 3660),
                   "postponed": (1, None), "reworked": (1, None)},
    "blind_spot": {"days": (1, 3660), "min_cases": (1, None), "red_days": (1, 3660)},
}

#: (section, smaller key, larger key): the first may not exceed the second.
ORDER: tuple[tuple[str, str, str], ...] = (
    ("surge", "p_red", "p_orange"), ("surge", "p_orange", "p_yellow"),
    ("repeat_location", "min_cases", "orange_cases"),
    ("repeat_location", "orange_cases", "red_cases"),
    ("stuck_case", "overdue_days", "red_overdue_days"),
    ("blind_spot", "days", "red_days"),
)


class ParamsError(ValueError):
    """A rules file that cannot be used; the message names the file, section, key and why
    (every problem found, separated by ``; ``). ``problems`` holds them one by one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ParamsError([f"{path}: cannot be read ({error.strerror or error})"]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ParamsError([f"{path}: not a TOML file ({error})"]) from None


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a text"
    return "a value"


def _fits(value: Any, default: Any) -> bool:
    """Whether ``value`` has the type of ``default`` (a whole number fits a number)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    return True


def _typed(value: Any, default: Any) -> tuple[Any, str | None]:
    """``value`` as the default's type, or why it is not one."""
    if isinstance(default, list):
        if not isinstance(value, list):
            return None, "expected a list"
        if not value and default:
            return None, "expected a list of at least one item"
        if default:
            wrong = [item for item in value if not _fits(item, default[0])]
            if wrong:
                return None, f"expected a list of {_kind(default[0])}s, found {wrong[0]!r}"
            if len(set(map(repr, value))) != len(value):
                return None, "an item is listed twice"
            if isinstance(default[0], float):
                value = [float(item) for item in value]
        return list(value), None
    if isinstance(value, (list, dict)) or not _fits(value, default):
        return None, f"expected {_kind(default)}"
    if isinstance(default, float):
        value = float(value)
    return value, None


def _range_problem(section: str, key: str, value: Any) -> str | None:
    numbers = value if isinstance(value, list) else [value]
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            continue
        low, high = RANGES.get(section, {}).get(key, (0, None))
        if not math.isfinite(number):
            return "must be a finite number"
        if low is not None and number < low:
            return f"must be at least {low}" if high is None else \
                f"must lie from {low} to {high}"
        if high is not None and number > high:
            return f"must be at most {high}" if low is None else \
                f"must lie from {low} to {high}"
    return None


def load(path: str | Path | None = None, *,
         defaults: str | Path = DEFAULT_PATH) -> dict[str, dict[str, Any]]:
    """Every rule's parameters: ``defaults`` with the centre's file ``path`` over it.

    Parameters
    ----------
    path
        The centre's own TOML file (None or "": the defaults alone).
    defaults
        The file that defines the sections, keys and types (``rules.toml``).

    Returns
    -------
    dict
        Rule key → its parameters (a fresh dict each call: the caller may keep it).

    Raises
    ------
    ParamsError
        Naming the file, section, key, value and why of every problem.
    """
    default_path = Path(defaults)
    base = _read(default_path)
    merged: dict[str, dict[str, Any]] = {}
    origin: dict[tuple[str, str], Path] = {}
    problems: list[str] = []
    for section, table in base.items():
        if not isinstance(table, dict):
            problems.append(f"{default_path}: {section} = {table!r}: expected a table "
                            f"[{section}]")
            continue
        merged[section] = dict(table)
        origin.update({(section, key): default_path for key in table})
    if path not in (None, ""):
        own_path = Path(path)
        problems += _apply(own_path, _read(own_path), base, merged, origin)
    for section, table in merged.items():
        for key, value in table.items():
            why = _range_problem(section, key, value)
            if why:
                problems.append(f"{origin[section, key]}: [{section}] {key} = {value!r}: {why}")
    for section, smaller, larger in ORDER:
        table = merged.get(section, {})
        if smaller in table and larger in table and table[smaller] > table[larger]:
            if origin[section, larger] == default_path != origin[section, smaller]:
                # the centre set the smaller one: that is the value to name
                problems.append(f"{origin[section, smaller]}: [{section}] {smaller} = "
                                f"{table[smaller]!r}: must be at most {larger} "
                                f"({table[larger]!r})")
                continue
            problems.append(f"{origin[section, larger]}: [{section}] {larger} = "
                            f"{table[larger]!r}: must be at least {smaller} "
                            f"({table[smaller]!r})")
    if problems:
        raise ParamsError(problems)
    return merged


def _apply(path: Path, own: dict[str, Any], base: dict[str, Any],
           merged: dict[str, dict[str, Any]], origin: dict[tuple[str, str], Path]
           ) -> list[str]:
    """Set the centre's values over the defaults; the problems found."""
    problems: list[str] = []
    for section, table in own.items():
        if section not in merged:
            problems.append(f"{path}: [{section}] is not a rule (expected one of "
                            f"{', '.join(merged)})")
            continue
        if not isinstance(table, dict):
            problems.append(f"{path}: {section} = {table!r}: expected a table [{section}]")
            continue
        for key, value in table.items():
            if key not in base[section]:
                problems.append(f"{path}: [{section}] {key} = {value!r}: no such parameter "
                                f"(expected one of {', '.join(base[section])})")
                continue
            typed, why = _typed(value, base[section][key])
            if why:
                problems.append(f"{path}: [{section}] {key} = {value!r}: {why}")
                continue
            merged[section][key] = typed
            origin[section, key] = path
    return problems
