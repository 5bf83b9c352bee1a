"""How numbers read on screen and in print: counts, rates, hours, and their changes."""

from __future__ import annotations

from datetime import datetime

from layouts.text import t


def format_value(value: object, kind: str) -> str:
    """A metric value as text: ``—`` when there is none, rates as percentages."""
    if value is None:
        return "—"
    if kind == "rate":
        percent = float(value) * 100
        text = f"{percent:.1f}"
        # never a rounded 100.0% for what is not all, nor 0.0% for what is not none
        if text == "100.0" and percent < 100:
            return ">99.9%"
        if text == "0.0" and percent > 0:
            return "<0.1%"
        return f"{text}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    return f"{int(value):,}"


def format_change(current: object, previous: object, kind: str, lang: str = "zh") -> str:
    """The change against the previous period: percentage points for rates, percent otherwise."""
    if current is None or previous is None:
        return "—"
    same = t("change_none", lang)  # a change that rounds to nothing is no change: 持平
    if kind == "rate":
        points = (float(current) - float(previous)) * 100
        unit = "个百分点" if lang == "zh" else " pp"
        return same if f"{abs(points):.1f}" == "0.0" else f"{points:+.1f}{unit}"
    if float(previous) == 0:
        return "—"
    percent = (float(current) - float(previous)) / float(previous) * 100
    return same if f"{abs(percent):.1f}" == "0.0" else f"{percent:+.1f}%"


#: The figures that stand on deadlines, each with the registry's rate of how much of its
#: basis has a deadline (issue 17).
DEADLINE_COVERAGE = {"closed_on_time": "deadline_coverage", "closure_rate": "deadline_coverage",
                     "on_time_closure_rate": "deadline_coverage",
                     "handling_rate": "handling_deadline_coverage",
                     "overdue": "open_deadline_coverage"}


def coverage_share(coverage: float) -> str:
    """A coverage below 100% as a percentage that never rounds up to 100% (nor down to 0%)."""
    percent = float(coverage) * 100
    if percent < 1:
        return "<1%"
    return f"{min(int(percent), 99)}%"


def deadline_note(key: str, values: dict, lang: str = "zh", short: bool = False
                  ) -> tuple[str, str]:
    """(short note, hover text) of a figure that stands on deadlines, from ``values`` (a
    region's metrics, with the coverage rates): "无处置时限" when none of its basis has a
    deadline (the figure is unknown), "覆盖 62% 的案件" when only part has; ("", "") when
    the whole basis has one, there is no basis, or ``key`` stands on no deadline.
    ``short``: "覆盖62%", for the wall's tiles."""
    if key not in DEADLINE_COVERAGE:
        return "", ""
    value, coverage = values.get(key), values.get(DEADLINE_COVERAGE[key])
    # overdue is None only for want of deadlines; a rate also when nothing fell due
    if value is None and (coverage == 0 or key == "overdue"):
        return t("no_deadlines", lang), t("no_deadlines_hint", lang)
    if value is None or coverage is None or coverage >= 1:
        return "", ""
    share = coverage_share(coverage)
    return (t("deadline_covers_short" if short else "deadline_covers", lang, share=share),
            t("deadline_covers_hint", lang, share=share))



_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def moment_text(local_iso: str, lang: str = "zh", *, weekday: bool = False) -> str:
    """A local moment (ISO text with its offset, as :mod:`data.report` gives it) as a
    person reads it: "12-02 18:40", or with ``weekday`` "周三18:40" / "Wed 18:40" (a
    week's own days: the briefing)."""
    moment = datetime.fromisoformat(local_iso)
    if not weekday:
        return f"{moment:%m-%d %H:%M}"
    if lang == "zh":
        return f"{t('brief_weekday_' + str(moment.weekday()), lang)}{moment:%H:%M}"
    return f"{_WEEKDAYS_EN[moment.weekday()]} {moment:%H:%M}"

