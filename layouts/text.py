"""The words of the interface, in Chinese (default) and English."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "网格化治理指挥中心",
        "wall_title": "社会治理综合指挥大屏",
        "reported_today": "今日上报", "reported_week": "本周上报", "closed_today": "今日结案",
        "open_now": "当前在办", "overdue_now": "当前超期",
        "historical": "历史数据 · 截至 {day}",
        "last_30": "近30日", "data_as_of": "数据更新于", "stale": "数据未更新，请检查连接",
        "newest": "最新事件", "map_open": "在办事件", "map_overdue": "超期事件",
        "map_reported_week": "本周上报", "long_unfixed": "超期7日以上",
        "no_region": "请在地址中指定区域：/wall?region=编码",
        "trend_30": "近30日上报与结案", "sources": "事件来源·近30日",
        "top_subcategories": "高发问题·近30日", "ranking": "按期结案率排名·近30日",
        "patrol_today": "今日巡查覆盖率", "disputes_30": "纠纷调解·近30日",
        "series_reported": "上报", "series_closed": "结案",
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
        "wall_title": "Governance Command Wall",
        "reported_today": "Reported today", "reported_week": "Reported this week",
        "closed_today": "Closed today", "open_now": "Open now", "overdue_now": "Overdue now",
        "historical": "Historical data, up to {day}",
        "last_30": "last 30 days", "data_as_of": "Data as of", "stale": "Data not updating: check the connection",
        "newest": "Newest cases", "map_open": "Open cases", "map_overdue": "Overdue cases",
        "map_reported_week": "Reported this week", "long_unfixed": "Over 7 days overdue",
        "no_region": "Name a region in the address: /wall?region=CODE",
        "trend_30": "Reported and closed, last 30 days", "sources": "Sources, last 30 days",
        "top_subcategories": "Top problems, last 30 days",
        "ranking": "On-time closure ranking, last 30 days",
        "patrol_today": "Patrol coverage today", "disputes_30": "Disputes mediated, 30 days",
        "series_reported": "Reported", "series_closed": "Closed",
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
