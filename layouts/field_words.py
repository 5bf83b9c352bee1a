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
    "import_title_officers": "导入网格员名册：{file}",
    "import_officers_left": "名册不再列出、设为离岗 {left} 人（保留其历史）",
    "problem_inactive_officer": "该网格员已离岗，不能派遣",
}, "en": {
    "import_title_officers": "imported the officers' roster from {file}",
    "import_officers_left": "{left} no longer listed, made inactive (their history kept)",
    "problem_inactive_officer": "this officer has left and cannot be dispatched to",
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
