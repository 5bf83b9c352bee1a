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
    "import_title_patrols": "导入巡查轨迹：{file}",
    "import_patrol_counts": "读取 {rows_read} 行；新增定位点 {imported}，已有 {unchanged}，"
                            "拒收 {rejected}",
    "import_patrols_made": "新建巡查 {patrols_new}，延续已有巡查 {patrols_extended}；"
                           "不在任何网格内的定位点 {outside}（计入巡查里程，不计入网格）",
}, "en": {
    "import_title_patrols": "imported patrol tracks from {file}",
    "import_patrol_counts": "{rows_read} rows read: {imported} new fixes, {unchanged} already "
                            "there, {rejected} rejected",
    "import_patrols_made": "{patrols_new} new patrols, {patrols_extended} patrols extended; "
                           "{outside} fixes outside every grid (in the patrols' distance, in "
                           "no grid's visits)",
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
}, "en": {
}}


# --- helper "patrolmap": the console's 巡查 panel, tracks and blind spots on its map ----------
FIELD_WORDS_PATROLMAP: dict[str, dict[str, str]] = {"zh": {
    "patrol_title": "巡查",
    "patrol_day": "轨迹日期",
    "patrol_officer": "网格员（全部）",
    "patrol_officer_more": "另有 {n} 名网格员：下钻后可选",
    "patrol_coverage_today": "今日巡查覆盖率",
    "patrol_blind_title": "巡查盲区",
    "patrol_blind_days": "近{n}日",
    "patrol_blind_none": "近{n}日每个网格都有人巡查",
    "patrol_blind_never": "从未巡查",
    "patrol_blind_since": "{n}天未巡查（最近 {at}）",
    "patrol_blind_officers": "网格员：{names}",
    "patrol_blind_nobody": "无网格员",
    "patrol_blind_open": "在办 {n}",
    "patrol_blind_more": "另有 {n} 个网格未列出",
    "patrol_hint_pick": "选择日期和网格员，或下钻到一个网格，地图即画出当日巡查轨迹；"
                        "紫色星标为网格员最新位置",
    "patrol_hint_grid": "选择网格员，或下钻到一个网格，即可画出 {day} 的巡查轨迹",
    "patrol_hint_tracks": "{day} 巡查轨迹 {n} 条（{who}）：圆点为起点，方块为终点",
    "patrol_hint_none": "{day} 没有{who}的巡查轨迹",
    "patrol_hint_thinned": "；轨迹点较多，已抽稀显示",
    "patrol_who_grid": "本网格",
    "patrol_officer_refused": "无法查看此网格员的巡查：网格员不存在，或不在您的辖区内",
    "patrol_position": "{name} 最新位置 {at}",
    "param_day": "轨迹日期", "param_officer": "网格员",
}, "en": {
    "patrol_title": "Patrols",
    "patrol_day": "Tracks of day",
    "patrol_officer": "Officer (all)",
    "patrol_officer_more": "{n} more officers: drill down to choose",
    "patrol_coverage_today": "Patrol coverage today",
    "patrol_blind_title": "Blind spots",
    "patrol_blind_days": "{n} days",
    "patrol_blind_none": "Every grid was patrolled in the last {n} days",
    "patrol_blind_never": "Never patrolled",
    "patrol_blind_since": "{n} days unpatrolled (last {at})",
    "patrol_blind_officers": "Officers: {names}",
    "patrol_blind_nobody": "No officer",
    "patrol_blind_open": "{n} open",
    "patrol_blind_more": "{n} more grids not listed",
    "patrol_hint_pick": "Pick a day and an officer, or drill to a grid, to draw that day's "
                        "patrol tracks; purple stars are officers' latest positions",
    "patrol_hint_grid": "Pick an officer, or drill to a grid, to draw the tracks of {day}",
    "patrol_hint_tracks": "{n} patrol tracks on {day} ({who}): a circle starts, a square ends",
    "patrol_hint_none": "No patrol tracks of {who} on {day}",
    "patrol_hint_thinned": "; a long day, shown thinned",
    "patrol_who_grid": "this grid",
    "patrol_officer_refused": "Cannot show this officer's patrols: unknown, or outside your area",
    "patrol_position": "{name}, last seen {at}",
    "param_day": "tracks day", "param_officer": "officer",
}}


# --- helper "examples": the field-force example ------------------------------------------------
FIELD_WORDS_EXAMPLES: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


FIELD_WORDS: tuple[dict[str, dict[str, str]], ...] = (
    FIELD_WORDS_ROSTER, FIELD_WORDS_TRACKS, FIELD_WORDS_PATROLAPI, FIELD_WORDS_FOLLOWUP,
    FIELD_WORDS_CASEIMPORT, FIELD_WORDS_ASSESS, FIELD_WORDS_OFFICERVIEW, FIELD_WORDS_EXAMPLES,
    FIELD_WORDS_PATROLMAP,
)
