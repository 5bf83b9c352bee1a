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
FIELD_WORDS_ASSESS: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


# --- helper "officerview": the console's officers view, tracks, blind spots, the wall panel ------
FIELD_WORDS_OFFICERVIEW: dict[str, dict[str, str]] = {"zh": {
    "officers_title": "网格员考核", "officers_link": "网格员考核", "officers_all": "全部区域",
    "officers_console": "返回指挥调度台",
    "officers_subtitle": "{region} · {first} 至 {last} · 排名 {ranked} 人，共 {total} 人",
    "officers_children": "下级区域（点击在其中排名）",
    "officers_children_none": "没有下级区域",
    "officers_none": "该区域没有网格员",
    "officers_click_hint": "点击姓名：在指挥调度台查看其 {day} 的巡查轨迹",
    "officers_col_rank": "排名", "officers_col_name": "姓名", "officers_col_code": "编号",
    "officers_col_role": "岗位", "officers_col_home": "所属网格", "officers_col_score": "得分",
    "officers_col_standing": "状态",
    "officers_rank_tied": "{rank}（并列）",
    "officers_standing_ranked": "参与排名", "officers_standing_too_little_data": "数据不足",
    "officers_standing_inactive": "已离岗",
    "officers_head_score": "各项指标按组内最优者折算后加权平均，满分100；数据不足、已离岗者不排名",
    "officers_head_rank": "按得分排名，得分相同者并列",
    "officers_fig_patrol_days": "巡查天数", "officers_fig_patrol_hours": "巡查时长(小时)",
    "officers_fig_patrol_km": "巡查里程(公里)", "officers_fig_grids_covered": "巡查网格数",
    "officers_fig_own_grid_coverage": "本网格覆盖率", "officers_fig_cases_found": "发现上报",
    "officers_fig_resolved_on_spot": "就地解决", "officers_fig_on_time_closure_rate": "按期结案率",
    "officers_fig_satisfaction_rate": "满意率", "officers_fig_mediations": "调解次数",
    "officer_refused": "无权查看该网格员",
    "officers_bad_weights": "考核权重文件有误：{why}",
    "wall_panel_officers": "网格员考核·近7日",
    "wall_officers_top": "前五名", "wall_officers_bottom": "后五名",
    "wall_officers_left_out": "{n} 人数据不足，未列入排名",
    "wall_officers_none": "近7日没有可排名的网格员",
}, "en": {
    "officers_title": "Officers' assessment", "officers_link": "Officers",
    "officers_all": "All regions",
    "officers_console": "Back to the console",
    "officers_subtitle": "{region} · {first} to {last} · {ranked} ranked of {total}",
    "officers_children": "Sub-regions (click to rank within one)",
    "officers_children_none": "No sub-regions",
    "officers_none": "No officers in this region",
    "officers_click_hint": "Click a name to see their tracks of {day} in the console",
    "officers_col_rank": "Rank", "officers_col_name": "Name", "officers_col_code": "Code",
    "officers_col_role": "Role", "officers_col_home": "Home grid", "officers_col_score": "Score",
    "officers_col_standing": "Standing",
    "officers_rank_tied": "{rank} (tied)",
    "officers_standing_ranked": "Ranked", "officers_standing_too_little_data": "Too little data",
    "officers_standing_inactive": "Inactive",
    "officers_head_score": ("The figures, each scaled to the best in the group, weighted and "
                            "averaged, out of 100; officers with too little data and inactive "
                            "ones are not ranked"),
    "officers_head_rank": "By score; equal scores share a rank",
    "officers_fig_patrol_days": "Patrol days", "officers_fig_patrol_hours": "Patrol hours",
    "officers_fig_patrol_km": "Patrol km", "officers_fig_grids_covered": "Grids patrolled",
    "officers_fig_own_grid_coverage": "Own grids covered", "officers_fig_cases_found": "Cases found",
    "officers_fig_resolved_on_spot": "Resolved on the spot",
    "officers_fig_on_time_closure_rate": "On-time closure", "officers_fig_satisfaction_rate":
    "Satisfaction", "officers_fig_mediations": "Mediations",
    "officer_refused": "You may not see this officer",
    "officers_bad_weights": "The assessment's weights file cannot be used: {why}",
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
