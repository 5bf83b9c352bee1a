"""How numbers read on screen and in print: counts, rates, hours, and their changes."""

from __future__ import annotations


def format_value(value: object, kind: str) -> str:
    """A metric value as text: ``—`` when there is none, rates as percentages."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    return f"{int(value):,}"


def format_change(current: object, previous: object, kind: str, lang: str = "zh") -> str:
    """The change against the previous period: percentage points for rates, percent otherwise."""
    if current is None or previous is None:
        return "—"
    if kind == "rate":
        points = (float(current) - float(previous)) * 100
        unit = "个百分点" if lang == "zh" else " pp"
        return f"{points:+.1f}{unit}"
    if float(previous) == 0:
        return "—"
    return f"{(float(current) - float(previous)) / float(previous) * 100:+.1f}%"
