"""The field force's words (issue 14: the officers' roster, patrols and their tracks,
mediations, return visits, the officers' assessment), zh and en: plain tables that
:mod:`layouts.text` merges into its own, so ``t(key, lang)`` and ``label(key, lang)`` stay
the one way to word anything. Each part of the work keeps its words in its own block."""

from __future__ import annotations

from data.schema import (
    FULL_TIME, GRID_HEAD, MEDIATION_REFERRED, OTHER_ROLE, PART_TIME, POLICE, UNREACHED,
)

#: Words of the new vocabularies of :mod:`data.schema`, merged into ``LABELS``.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        FULL_TIME: "专职网格员", PART_TIME: "兼职网格员", GRID_HEAD: "网格长",
        POLICE: "社区民警", OTHER_ROLE: "其他",
        MEDIATION_REFERRED: "转入诉讼或仲裁",
        "people": "人民调解", "administrative": "行政调解", "police_civil": "警民联调",
        "pre_litigation": "诉前调解",
        UNREACHED: "未接通",
        "phone": "电话回访", "in_person": "上门回访",
        "visit": "回访",
    },
    "en": {
        FULL_TIME: "Full-time grid officer", PART_TIME: "Part-time grid officer",
        GRID_HEAD: "Grid head", POLICE: "Community police", OTHER_ROLE: "Other",
        MEDIATION_REFERRED: "Referred to court or arbitration",
        "people": "People's mediation", "administrative": "Administrative mediation",
        "police_civil": "Police-civil mediation", "pre_litigation": "Pre-litigation mediation",
        UNREACHED: "Not reached",
        "phone": "By phone", "in_person": "In person",
        "visit": "Return visit",
    },
}


# --- helper "roster": the officers import -------------------------------------------------------
FIELD_WORDS_ROSTER: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "tracks": the patrols import, coverage ----------------------------------------------
FIELD_WORDS_TRACKS: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "patrolapi": the patrol feed from officers' phones ----------------------------------
FIELD_WORDS_PATROLAPI: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "followup": mediation and return visits in the console -----------------------------
FIELD_WORDS_FOLLOWUP: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "caseimport": the case import's field-force columns --------------------------------
FIELD_WORDS_CASEIMPORT: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "assess": the officers' assessment (figures, score, CLI, briefing page) ------------
# fig_<key>: a figure's name; fig_def_<key>: its definition for hover (the English one is
# data.field.assessment.FIGURES' own); standing_<x>: a standing; assess_*: the table's
# headers, the CLI's lines, the briefing page's words.
FIELD_WORDS_ASSESS: dict[str, dict[str, str]] = {"zh": {
    "fig_patrol_days": "巡查天数", "fig_patrol_hours": "巡查时长（小时）",
    "fig_patrol_km": "巡查里程（公里）", "fig_grids_covered": "巡查网格数",
    "fig_own_grid_coverage": "本网格巡查覆盖率", "fig_cases_found": "巡查发现事件",
    "fig_resolved_on_spot": "就地解决", "fig_on_time_closure_rate": "按期结案率",
    "fig_satisfaction_rate": "群众满意率", "fig_mediations": "参与调解次数",
    "fig_def_patrol_days": "统计期内有巡查记录的天数（按本地日期，同一天多次巡查计一天）。",
    "fig_def_patrol_hours": "统计期内各次巡查在各网格、各日停留时长之和（小时）。",
    "fig_def_patrol_km": "统计期内巡查轨迹里程之和（公里）。",
    "fig_def_grids_covered": "统计期内巡查到的网格数（含非本人负责的网格）。",
    "fig_def_own_grid_coverage": "本人负责网格每日是否巡查到：有巡查的（网格，日）数 ÷（负责网格数 × "
                                 "统计期已过天数）。未负责网格时为“—”。",
    "fig_def_cases_found": "统计期内本人巡查上报（来源为巡查）且未作废的事件数；上报人以接报记录中的"
                           "网格员为准，无记录时以事件的网格员为准。",
    "fig_def_resolved_on_spot": "巡查发现事件中，截至统计时点在网格层级解决的件数。",
    "fig_def_on_time_closure_rate": "本人承办事件的按期结案率，口径同指标库：按期结案数 ÷ "
                                    "有期限的应结案件数；无应结案件时为“—”。",
    "fig_def_satisfaction_rate": "本人承办且统计期内结案的事件中，回访满意和基本满意的占已评价事件的"
                                 "比例（未接通的回访不计入）；无评价时为“—”。",
    "fig_def_mediations": "统计期内本人主持或参与的调解次数（同一纠纷调解两次计两次）。",
    "standing_ranked": "参与排名", "standing_too_little_data": "数据不足",
    "standing_inactive": "已离岗",
    "assess_rank": "名次", "assess_name": "姓名", "assess_code": "编号", "assess_role": "岗位",
    "assess_home": "所在网格", "assess_score": "得分", "assess_standing": "状态",
    "assess_tied": "并列", "assess_title": "网格员考核",
    "assess_period": "{region}  {first} 至 {last}（截至 {as_of}）",
    "assess_none": "该区域没有网格员。",
    "assess_counts": "参与排名 {ranked} 人，数据不足 {too_little_data} 人，已离岗 {inactive} 人。",
    "assess_made_of_title": "得分构成",
    "assess_made_of": "各项指标先在参与排名人员中以“本人值 ÷ 最高值”折算，再按权重加权，"
                      "满分100；本人无数据的指标，其权重按比例分给其余指标。",
    "assess_figure": "指标", "assess_weight": "权重", "assess_share": "占比",
    "assess_min_days": "统计期内在岗不足 {days} 天（或未负责网格）者不参与排名。",
    "assess_top": "本周前五名", "assess_bottom": "本周后五名",
    "assess_bad_weights": "考核权重文件无法使用：{reason}",
}, "en": {
    "fig_patrol_days": "Days on patrol", "fig_patrol_hours": "Hours on patrol",
    "fig_patrol_km": "Distance (km)", "fig_grids_covered": "Grids patrolled",
    "fig_own_grid_coverage": "Own grids' coverage", "fig_cases_found": "Cases found",
    "fig_resolved_on_spot": "Resolved on the spot",
    "fig_on_time_closure_rate": "On-time closure rate",
    "fig_satisfaction_rate": "Satisfaction rate", "fig_mediations": "Mediations",
    "fig_def_patrol_days": "Distinct local days in the period with a patrol of the officer.",
    "fig_def_patrol_hours": "Hours the officer's patrols spent in grids on days of the period.",
    "fig_def_patrol_km": "Kilometres of the officer's patrol tracks on days of the period.",
    "fig_def_grids_covered": "Grids the officer patrolled in the period (their own or not).",
    "fig_def_own_grid_coverage": "(own grid, day) pairs with a patrol / (own grids x days "
                                 "of the period so far); '—' for an officer serving no grid.",
    "fig_def_cases_found": "Cases reported in the period from patrol (not voided) whose "
                           "finder is the officer (the intake's officer, else the case's).",
    "fig_def_resolved_on_spot": "Of the cases found, those resolved at grid level by now.",
    "fig_def_on_time_closure_rate": "The registry's on-time closure rate over the officer's "
                                    "cases; '—' when none fell due.",
    "fig_def_satisfaction_rate": "Of the officer's cases closed in the period and rated, the "
                                 "share satisfied or basically satisfied (an unreached visit "
                                 "rates nothing); '—' when none was rated.",
    "fig_def_mediations": "Mediation sittings of the officer in the period (a dispute "
                          "mediated twice counts twice).",
    "standing_ranked": "Ranked", "standing_too_little_data": "Too little data",
    "standing_inactive": "Left",
    "assess_rank": "#", "assess_name": "Name", "assess_code": "Code", "assess_role": "Role",
    "assess_home": "Home grid", "assess_score": "Score", "assess_standing": "Standing",
    "assess_tied": "tied", "assess_title": "Grid officers' assessment",
    "assess_period": "{region}  {first} to {last} (as of {as_of})",
    "assess_none": "No officer serves this region.",
    "assess_counts": "{ranked} ranked, {too_little_data} with too little data, "
                     "{inactive} who left.",
    "assess_made_of_title": "What the score is made of",
    "assess_made_of": "Each figure is taken as the officer's value / "
                      "the best value among those ranked, weighted, out of 100; a figure an "
                      "officer has no data for gives its weight to their other figures.",
    "assess_figure": "Figure", "assess_weight": "Weight", "assess_share": "Share",
    "assess_min_days": "Officers on the roster fewer than {days} days of the period (or "
                       "serving no grid) are not ranked.",
    "assess_top": "This week's top five", "assess_bottom": "This week's bottom five",
    "assess_bad_weights": "The assessment weights file cannot be used: {reason}",
}}


# --- helper "officerview": the console's officers view, tracks, blind spots, the wall panel ------
FIELD_WORDS_OFFICERVIEW: dict[str, dict[str, str]] = {"zh": {
    "officers_link": "网格员考核", "officers_all": "全部区域",
    "officers_console": "返回指挥调度台",
    "officers_subtitle": "{region} · {first} 至 {last} · 排名 {ranked} 人，共 {total} 人",
    "officers_children": "下级区域（点击在其中排名）",
    "officers_children_none": "没有下级区域",
    "officers_click_hint": "点击姓名：在指挥调度台查看其 {day} 的巡查轨迹",
    "officers_head_rank": "按得分排名，得分相同者并列",
    "officer_refused": "无权查看该网格员",
    "wall_panel_officers": "网格员考核·近7日",
    "wall_officers_top": "前五名", "wall_officers_bottom": "后五名",
    "wall_officers_left_out": "{n} 人数据不足，未列入排名",
    "wall_officers_none": "近7日没有可排名的网格员",
}, "en": {
    "officers_link": "Officers",
    "officers_all": "All regions",
    "officers_console": "Back to the console",
    "officers_subtitle": "{region} · {first} to {last} · {ranked} ranked of {total}",
    "officers_children": "Sub-regions (click to rank within one)",
    "officers_children_none": "No sub-regions",
    "officers_click_hint": "Click a name to see their tracks of {day} in the console",
    "officers_head_rank": "By score; equal scores share a rank",
    "officer_refused": "You may not see this officer",
    "wall_panel_officers": "Officers · last 7 days",
    "wall_officers_top": "Top five", "wall_officers_bottom": "Bottom five",
    "wall_officers_left_out": "{n} with too little data not ranked",
    "wall_officers_none": "No officer ranked in the last 7 days",
}}


# --- helper "examples": the field-force example ------------------------------------------------
FIELD_WORDS_EXAMPLES: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


FIELD_WORDS: tuple[dict[str, dict[str, str]], ...] = (
    FIELD_WORDS_ROSTER, FIELD_WORDS_TRACKS, FIELD_WORDS_PATROLAPI, FIELD_WORDS_FOLLOWUP,
    FIELD_WORDS_CASEIMPORT, FIELD_WORDS_ASSESS, FIELD_WORDS_OFFICERVIEW, FIELD_WORDS_EXAMPLES,
)
