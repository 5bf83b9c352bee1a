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
    "fu_mediate": "调解", "fu_visit": "回访", "action_visit": "回访",
    "fu_title_mediate": "记录调解", "fu_title_visit": "记录回访",
    "fu_outcome": "调解结果", "fu_kind": "调解类型", "fu_officer": "调解员（服务本网格的网格员）",
    "fu_name": "或填写调解员姓名", "fu_agreement": "调解协议或备注",
    "fu_satisfaction": "回访结果", "fu_channel": "回访方式", "fu_note": "回访记录",
    "fu_reopen": "重新办理（返工）", "fu_due": "新的处置时限（不填则按类别时限）",
    "fu_channel_phone": "电话", "fu_channel_in_person": "上门", "fu_channel_app": "APP",
    "fu_done_mediate": "已记录 {code} 的调解：{outcome}",
    "fu_done_visit": "已记录 {code} 的回访：{answer}",
    "fu_done_reopen": "已记录 {code} 的回访：{answer}；案件已重新派遣（返工）",
    "fu_mediations": "调解记录", "fu_visits": "回访记录", "fu_reopened": "已重新办理",
    "fu_mediator": "调解员", "fu_none": "—",
    "fu_mediator_refused": "此网格员不服务于本案所在网格，请从列表中选择或填写姓名",
    "err_not_a_dispute": "案件 {code} 不是矛盾纠纷，不能记录调解",
    "problem_unknown_mediation_outcome": "不是有效的调解结果",
    "problem_unknown_mediation_kind": "不是有效的调解类型",
    "problem_unknown_visit_result": "不是有效的回访结果",
    "problem_unknown_visit_channel": "不是有效的回访方式",
    "problem_reopen_needs_dissatisfied": "只有“不满意”的回访才能重新办理",
    "problem_only_with_reopen": "只有重新办理时才需要新的处置时限",
    "problem_not_text": "必须是文字", "problem_too_long": "太长",
    "problem_not_a_choice": "只能选是或否",
    "param_outcome": "调解结果", "param_kind": "调解类型", "param_mediator": "调解员",
    "param_satisfaction": "回访结果", "param_channel": "回访方式", "param_reopen": "重新办理",
    "param_actor": "操作人",
    "fu_brief_screened": "本周排查矛盾纠纷{n}起，调解成功化解率{rate}（化解数／排查数）。",
}, "en": {
    "fu_mediate": "Mediate", "fu_visit": "Return visit", "action_visit": "Return visit",
    "fu_title_mediate": "Record a mediation", "fu_title_visit": "Record a return visit",
    "fu_outcome": "Outcome", "fu_kind": "Kind of mediation",
    "fu_officer": "Mediator (an officer serving this grid)", "fu_name": "or the mediator's name",
    "fu_agreement": "Agreement or note",
    "fu_satisfaction": "Result", "fu_channel": "Channel", "fu_note": "Note",
    "fu_reopen": "Reopen the case (rework)", "fu_due": "New deadline (default: the category's)",
    "fu_channel_phone": "Phone", "fu_channel_in_person": "In person", "fu_channel_app": "App",
    "fu_done_mediate": "Mediation of {code} recorded: {outcome}",
    "fu_done_visit": "Return visit of {code} recorded: {answer}",
    "fu_done_reopen": "Return visit of {code} recorded: {answer}; the case is dispatched again "
                      "(rework)",
    "fu_mediations": "Mediations", "fu_visits": "Return visits", "fu_reopened": "reopened",
    "fu_mediator": "Mediator", "fu_none": "—",
    "fu_mediator_refused": "This officer does not serve the case's grid: pick one from the list "
                           "or type a name",
    "err_not_a_dispute": "Case {code} is not a dispute: only disputes are mediated",
    "problem_unknown_mediation_outcome": "not a mediation outcome",
    "problem_unknown_mediation_kind": "not a kind of mediation",
    "problem_unknown_visit_result": "not a result of a return visit",
    "problem_unknown_visit_channel": "not a channel of a return visit",
    "problem_reopen_needs_dissatisfied": "only a dissatisfied visit may reopen the case",
    "problem_only_with_reopen": "a new deadline is given only when reopening",
    "problem_not_text": "must be text", "problem_too_long": "too long",
    "problem_not_a_choice": "must be yes or no",
    "param_outcome": "Outcome", "param_kind": "Kind", "param_mediator": "Mediator",
    "param_satisfaction": "Result", "param_channel": "Channel", "param_reopen": "Reopen",
    "param_actor": "Actor",
    "fu_brief_screened": "{n} disputes screened this week; {rate} of them resolved by a "
                         "successful mediation.",
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
