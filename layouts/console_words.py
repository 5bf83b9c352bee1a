"""The console's words of issue 18 (the charts' loading state), zh and en: a plain table
that :mod:`layouts.text` merges into its own, so ``t(key, lang)`` stays the one way to
word anything."""

from __future__ import annotations

CONSOLE_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "chart_loading": "加载中…",
    },
    "en": {
        "chart_loading": "Loading…",
    },
}
