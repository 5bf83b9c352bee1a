"""The maps' words (issue 18): what a region without a figure is called on the console's
map, zh and en: a plain table that :mod:`layouts.text` merges into its own, so
``t(key, lang)`` stays the one way to word anything."""

from __future__ import annotations

MAPS_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "map_no_data": "无数据",
    },
    "en": {
        "map_no_data": "No data",
    },
}
