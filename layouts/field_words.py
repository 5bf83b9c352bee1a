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
    "audit_event_patrol_started": "开始巡查", "audit_event_patrol_stopped": "结束巡查",
    "audit_event_patrol_points": "上传巡查轨迹",
}, "en": {
    "audit_event_patrol_started": "Patrol started", "audit_event_patrol_stopped": "Patrol stopped",
    "audit_event_patrol_points": "Patrol fixes uploaded",
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


# --- helper "examples": the field-force example ------------------------------------------------
FIELD_WORDS_EXAMPLES: dict[str, dict[str, str]] = {"zh": {
}, "en": {
}}


FIELD_WORDS: tuple[dict[str, dict[str, str]], ...] = (
    FIELD_WORDS_ROSTER, FIELD_WORDS_TRACKS, FIELD_WORDS_PATROLAPI, FIELD_WORDS_FOLLOWUP,
    FIELD_WORDS_CASEIMPORT, FIELD_WORDS_ASSESS, FIELD_WORDS_OFFICERVIEW, FIELD_WORDS_EXAMPLES,
)
