"""The words of the interface, in Chinese (default) and English."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "网格化治理指挥中心",
        "regions": "区域",
        "whole": "全部区域",
        "period": "统计周期",
        "vs_previous": "较上期",
        "children": "下级区域对比",
        "name": "名称",
        "level": "层级",
        "empty": "暂无数据：请导入区域和事件，或运行 python -m dashboard demo",
        "unknown_region": "没有编码为 {code} 的区域",
        "as_of": "数据截至",
        "language": "English",
        "other_lang": "en",
    },
    "en": {
        "app_title": "Grid Governance Command Centre",
        "regions": "Regions",
        "whole": "All regions",
        "period": "Period",
        "vs_previous": "vs previous",
        "children": "Compare sub-regions",
        "name": "Name",
        "level": "Level",
        "empty": "No data yet: import regions and cases, or run python -m dashboard demo",
        "unknown_region": "No region has the code {code}",
        "as_of": "Data as of",
        "language": "中文",
        "other_lang": "zh",
    },
}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The interface text ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    table = TEXT.get(lang, TEXT["zh"])
    return table.get(key, TEXT["zh"].get(key, key)).format(**values)
