"""The words of like-for-like comparisons (issue 18): a period still running is compared
with the same elapsed span of the period before (:func:`data.periods.same_span`), and says
so. zh and en: a plain table that :mod:`layouts.text` merges into its own, so
``t(key, lang)`` stays the one way to word anything."""

from __future__ import annotations

PERIOD_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "vs_previous_same_span": "较上期同期",
        "vs_same_span_short": "较同期",
        "same_span_short": "同期对比",
        "brief_running": "本周尚未结束：截至{when}，同期对比（上周、去年同期均只计到相同时刻）。",
        "brief_prev_same_span": "上周同期（{first}至{until}）",
        "brief_year_same_span": "去年同期（{week}，至{until}）",
        "brief_vs_prev_same_span": "较上周同期",
        "brief_vs_year_same_span": "较去年同期",
        "brief_running_link": "查看本周至今（同期对比）",
        "brief_complete_link": "查看上一完整周（{week}）",
    },
    "en": {
        "vs_previous_same_span": "vs same span before",
        "vs_same_span_short": "vs same span",
        "same_span_short": "like for like",
        "brief_running": "This week is not over: to {when}, like for like (the previous week "
                         "and last year are counted to the same moment).",
        "brief_prev_same_span": "Previous week, same span ({first} to {until})",
        "brief_year_same_span": "Same span last year ({week}, to {until})",
        "brief_vs_prev_same_span": "vs same span",
        "brief_vs_year_same_span": "vs last year, same span",
        "brief_running_link": "This week so far (like for like)",
        "brief_complete_link": "The last complete week ({week})",
    },
}
