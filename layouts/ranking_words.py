"""The words of the ranking boards (issue 17): their titles by the figure they rank, and
what they say when they fall back to another (:mod:`data.ranking`), zh and en: a plain
table that :mod:`layouts.text` merges into its own."""

from __future__ import annotations

RANKING_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "rank_by_on_time_closure_rate": "按期结案率排名", "rank_by_closure_rate": "结案率排名",
        "rank_by_handling_rate": "处置率排名", "rank_by_satisfaction_rate": "满意率排名",
        "rank_by_median_hours_to_close": "结案用时中位数排名", "rank_by_closed": "结案数排名",
        "rank_period": "{title}·近30日",
        "rank_fell_back": "{title} · {why}",
        "rank_no_deadlines": "无处置时限", "rank_no_figure": "无{metric}数据",
        "rank_fell_back_hint": "{wanted}：所有下级均无数据，改按{metric}排名",
        "rank_hours": "{value}h",
        "wall_unknown_rank": "大屏地址中的 rank={value} 不是可用的排名指标；可用：{names}",
    },
    "en": {
        "rank_by_on_time_closure_rate": "On-time closure ranking",
        "rank_by_closure_rate": "Closure rate ranking", "rank_by_handling_rate": "Handling rate ranking",
        "rank_by_satisfaction_rate": "Satisfaction ranking",
        "rank_by_median_hours_to_close": "Median time to close", "rank_by_closed": "Cases closed",
        "rank_period": "{title}, last 30 days",
        "rank_fell_back": "{title} · {why}",
        "rank_no_deadlines": "no time limits", "rank_no_figure": "no {metric}",
        "rank_fell_back_hint": "{wanted}: no sub-region has one, ranked by {metric} instead",
        "rank_hours": "{value} h",
        "wall_unknown_rank": "rank={value} in the wall's address is no ranking metric; use one of: "
                             "{names}",
    },
}
