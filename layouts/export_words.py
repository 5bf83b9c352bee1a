"""The words of the case list's exports (issue 15: the XLSX cap and the streamed CSV), zh
and en: a plain table that :mod:`layouts.text` merges into its own, so ``t(key, lang)``
stays the one way to word anything."""

from __future__ import annotations

EXPORT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "export_too_large": "当前列表共 {rows} 行，超过 Excel 导出上限 {limit} 行。"
                            "请改用“导出 CSV”（不限行数），或缩小时间范围、增加筛选条件。",
        "export_csv_started": "CSV 正在下载",
    },
    "en": {
        "export_too_large": "The list holds {rows} rows, more than an Excel export's limit "
                            "of {limit}. Use Export CSV (any length), or narrow the period "
                            "or the filters.",
        "export_csv_started": "The CSV is downloading",
    },
}
