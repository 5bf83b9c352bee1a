"""The early warning's words (issue 16), zh and en: the rules' names, the levels, the
states, the errors of the alerts' actions, and one explanation sentence per rule worded
from the alert's facts (:func:`explain`). :mod:`layouts.text` merges the table into its own,
so ``t(key, lang)`` stays the one way to word anything."""

from __future__ import annotations

from typing import Any, Mapping

ALERT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "alert_rule_surge": "突增", "alert_rule_repeat_location": "重复投诉",
        "alert_rule_recurring_dispute": "矛盾反复", "alert_rule_stuck_case": "久拖未决",
        "alert_rule_blind_spot": "巡查盲区",
        "alert_level_red": "红", "alert_level_orange": "橙", "alert_level_yellow": "黄",
        "alert_state_new": "新预警", "alert_state_acknowledged": "已确认",
        "alert_state_assigned": "已转办", "alert_state_closed": "已关闭",
        "alert_filter_open": "未关闭", "alert_filter_all": "全部",
        "alerts_none": "没有符合条件的预警",
        "alert_since": "自 {at}", "alert_cases": "相关案件 {n} 件",
        "alert_closed_by_system": "预警条件已不再成立，系统自动关闭",
        "alert_region_all": "全域", "alert_here": "本区域", "alert_here_level": "本{level}",
        "alert_supervision": "【预警督办】{rule}：{explanation}（预警 #{alert_id}）{cases}",
        "alert_supervision_cases": "相关案件：{codes}。",
        "alert_failed_rule": "规则“{rule}”未能运行：{error}",
        # the explanations, one per rule (and reason), worded from the alert's facts
        "alert_explain_surge": "{here}{window}“{category}”上报{count}件，同期均值{expected}件，"
                               "概率{p}",
        "alert_window_today": "今日", "alert_window_days": "近{days}日",
        "alert_explain_repeat_location": "近{days}日内{radius_m}米范围内{category}反复上报{cases}件",
        "alert_explain_repeat_location_category": "“{category}”",
        "alert_explain_recurring_dispute_address": "“{address}”的纠纷在{mediated_at}调解后"
                                                   "再次发生（前案 #{earlier_case_id}）",
        "alert_explain_recurring_dispute_party": "当事人“{party}”的纠纷在{mediated_at}调解后"
                                                 "再次发生（前案 #{earlier_case_id}）",
        "alert_explain_stuck_case_overdue": "案件超期{overdue_days}日仍未办结",
        "alert_explain_stuck_case_postponed": "案件已延期{postponed}次仍未办结",
        "alert_explain_stuck_case_reworked": "案件已返工{reworked}次仍未办结",
        "alert_explain_blind_spot": "{here}已{days_without_patrol}日无巡查，期间上报{cases}件",
        "audit_event_alert_action": "预警操作",
        "err_alert_not_found": "预警 {alert_id} 不存在",
        "err_alert_changed": "预警已被他人处理（当前：{state}，版本 {version}），请刷新后重试",
        "err_alert_illegal_action": "预警当前为“{state}”，不能执行“{action}”",
        "err_alert_invalid_parameter": "“{parameter}”的值“{value}”无效：{problem}",
        "alert_action_acknowledge": "确认", "alert_action_assign": "转办督办",
        "alert_action_close": "关闭",
        # --- the weekly briefing's alerts page ---
        "alert_brief_title": "本周预警",
        "alert_brief_summary": "本周新增预警{raised}条（红{red}、橙{orange}、黄{yellow}）",
        "alert_brief_carried": "，另有此前未关闭的{carried}条",
        "alert_brief_outcome": "；截至{when}，人工处置关闭{person}条，系统自动关闭{system}条，"
                               "仍有{open}条未关闭",
        "alert_brief_open_parts": "（新预警{new}条、已确认{acknowledged}条、已转办{assigned}条）",
        "alert_brief_week_end": "周末", "alert_brief_as_of": "{as_of}",
        "alert_brief_ack": "本周新增预警中{n}条已确认，确认用时中位数{hours}小时。",
        "alert_brief_ack_none": "本周新增预警在统计时点前均未确认。",
        "alert_brief_quiet": "本周无预警。",
        "alert_brief_before": "预警自{since}起记录：本周在此之前，没有预警数据（不是没有预警）。",
        "alert_brief_partial": "预警自{since}起记录：本周此前的预警未计入。",
        "alert_brief_never": "尚未计算过预警：本周没有预警数据。",
        "alert_brief_running": "本周尚未结束：预警的处置情况截至{as_of}。",
        "alert_brief_stale": "预警最近一次计算于{at}：此后的变化未计入。",
        "alert_brief_future": "本周尚未到来，暂无预警。",
        "alert_brief_table": "各规则预警数", "alert_brief_rule": "规则",
        "alert_brief_raised": "本周新增", "alert_brief_carried_col": "此前遗留",
        "alert_brief_closed_person": "人工关闭", "alert_brief_closed_system": "系统关闭",
        "alert_brief_open": "未关闭", "alert_brief_total": "合计",
        "alert_brief_list": "红色、橙色预警及处置结果",
        "alert_brief_list_more": "共{total}条，列出前{shown}条（红色在前，新的在前）。",
        "alert_brief_list_none": "本周无红色、橙色预警。",
        "alert_brief_level": "级别", "alert_brief_region": "区域", "alert_brief_explain": "说明",
        "alert_brief_first_seen": "发现时间", "alert_brief_result": "截至统计时点",
        "alert_brief_carried_mark": "此前遗留",
        "alert_brief_out_new": "未处理", "alert_brief_out_acknowledged": "已确认（{who}）",
        "alert_brief_out_assigned": "已转办督办 {code}（{status}）",
        "alert_brief_out_closed_by_person": "{who}关闭：{note}",
        "alert_brief_out_closed_by_system": "条件不再成立，系统自动关闭",
        "alert_backfill_line": "{day}：新增{created}条，系统关闭{closed}条，重开{reopened}条（{seconds} 秒）",
        "alert_backfill_now": "现在",
        "alert_backfill_done": "已回溯{days}日及现在，用时{seconds}秒：新增预警{created}条，"
                               "系统自动关闭{closed}条，现有未关闭预警{open}条",
        # --- the console's alert panel ---
        "alerts_title": "预警", "alerts_filter_rule": "预警规则", "alerts_filter_level": "级别",
        "alerts_count": "共 {n} 条，显示第 {first}–{last} 条", "alerts_count_none": "共 0 条",
        "alerts_prev": "上一页", "alerts_next": "下一页",
        "alert_acknowledged_by": "{who} 于 {at} 确认",
        "alert_assigned_to": "已转办督办：", "alert_assigned_case_gone": "督办案件已不存在",
        "alert_closed_by": "{who} 于 {at} 关闭：{note}",
        "alert_closed_system_at": "{at} 系统自动关闭：预警条件已不再成立",
        "alert_refused": "无法查看或操作此预警：预警不存在，或不在您的辖区内",
        "alert_bad_version": "预警版本号应为整数，收到的是 {value}，请刷新页面",
        "alert_done_acknowledge": "已确认预警 #{alert_id}",
        "alert_done_assign": "预警 #{alert_id} 已转办督办，督办案件 {code} 已立案",
        "alert_done_close": "已关闭预警 #{alert_id}",
        "alert_form_assign": "转办督办：预警 #{alert_id}", "alert_form_close": "关闭预警 #{alert_id}",
        "alert_field_category": "督办案件类别（默认：相关案件最常见的类别）",
        "alert_field_description": "督办说明", "alert_field_note": "关闭说明（必填）",
        "alert_note_required": "请填写关闭说明：关闭预警须说明原因",
        "alert_description_too_long": "督办说明过长：最多 {limit} 字，现为 {n} 字",
        "alert_submit": "提交", "alert_cancel": "取消",
        "alert_selected_none": "点击一条预警，在地图上标出其相关案件（紫色圆圈）并在此列出",
        "alert_clear": "取消选择",
        "alert_map_note": "地图上标出 {mapped} 件", "alert_unmapped": "；{n} 件无坐标，仅列出",
        "alert_hidden_cases": "；另有 {n} 件不在您的辖区内，未显示",
        "alert_cases_title": "相关案件", "alert_viewer_note": "您的账号只能查看预警，不能操作",
        "alert_case_hover": "预警案件 {code} {sub}",
        "param_service_code": "督办案件类别", "param_region_id": "所在区域",
        "problem_no_region": "预警没有所在区域，无法立案",
        "problem_no_category": "相关案件没有可用的类别，请选择督办案件类别",
        "problem_unknown_service": "没有此类别代码",
        # --- the wall's alert panel ---
        "wall_panel_alerts": "研判预警",
        "wall_alerts_none": "当前没有红色、橙色预警",
        "wall_alerts_more": "另有 {n} 条红色、橙色预警",
        "wall_alert_count": "预警",
        "wall_alert_count_none": "无红橙预警",
        "wall_alert_marker_more": "另有 {n} 条",
    },
    "en": {
        "alert_rule_surge": "Surge", "alert_rule_repeat_location": "Repeat location",
        "alert_rule_recurring_dispute": "Recurring dispute",
        "alert_rule_stuck_case": "Stuck case",
        "alert_rule_blind_spot": "Blind spot",
        "alert_level_red": "Red", "alert_level_orange": "Orange", "alert_level_yellow": "Yellow",
        "alert_state_new": "New", "alert_state_acknowledged": "Acknowledged",
        "alert_state_assigned": "Assigned", "alert_state_closed": "Closed",
        "alert_filter_open": "Open", "alert_filter_all": "All",
        "alerts_none": "No alert matches",
        "alert_since": "since {at}", "alert_cases": "{n} case(s)",
        "alert_closed_by_system": "Its condition no longer holds: closed by the system",
        "alert_region_all": "everywhere", "alert_here": "This region",
        "alert_here_level": "This {level}",
        "alert_supervision": "[Alert supervision] {rule}: {explanation} (alert #{alert_id}) {cases}",
        "alert_supervision_cases": "Cases: {codes}.",
        "alert_failed_rule": "the rule {rule} could not run: {error}",
        "alert_explain_surge": "{here} reported {count} “{category}” cases {window}, against "
                               "{expected} expected (p{p})",
        "alert_window_today": "today", "alert_window_days": "in the last {days} days",
        "alert_explain_repeat_location": "{cases} {category}cases reported within {radius_m} m of "
                                         "each other in {days} days",
        "alert_explain_repeat_location_category": "“{category}” ",
        "alert_explain_recurring_dispute_address": "A dispute at “{address}” again after its "
                                                   "mediation on {mediated_at} (earlier case "
                                                   "#{earlier_case_id})",
        "alert_explain_recurring_dispute_party": "A dispute of “{party}” again after the "
                                                 "mediation on {mediated_at} (earlier case "
                                                 "#{earlier_case_id})",
        "alert_explain_stuck_case_overdue": "Open {overdue_days} days past its deadline",
        "alert_explain_stuck_case_postponed": "Postponed {postponed} times and still open",
        "alert_explain_stuck_case_reworked": "Reworked {reworked} times and still open",
        "alert_explain_blind_spot": "{here}: no patrol for {days_without_patrol} days while "
                                    "{cases} case(s) were reported",
        "audit_event_alert_action": "Alert action",
        "err_alert_not_found": "No alert {alert_id}",
        "err_alert_changed": "The alert changed in the meantime (now {state}, version "
                             "{version}): refresh and try again",
        "err_alert_illegal_action": "“{action}” is not possible while the alert is {state}",
        "err_alert_invalid_parameter": "{parameter} “{value}” is not valid: {problem}",
        "alert_action_acknowledge": "Acknowledge",
        "alert_action_assign": "Assign for supervision", "alert_action_close": "Close",
        # --- the weekly briefing's alerts page ---
        "alert_brief_title": "Alerts of the week",
        "alert_brief_summary": "{raised} alerts were raised this week ({red} red, {orange} "
                               "orange, {yellow} yellow)",
        "alert_brief_carried": ", and {carried} raised earlier were still open",
        "alert_brief_outcome": "; by {when}, {person} were closed by a person, {system} "
                               "closed themselves and {open} were still open",
        "alert_brief_open_parts": " ({new} new, {acknowledged} acknowledged, {assigned} "
                                  "assigned)",
        "alert_brief_week_end": "the end of the week", "alert_brief_as_of": "{as_of}",
        "alert_brief_ack": "{n} of the week's new alerts were acknowledged, after a median "
                           "of {hours} hours.",
        "alert_brief_ack_none": "None of the week's new alerts was acknowledged.",
        "alert_brief_quiet": "No alert this week.",
        "alert_brief_before": "Alerts are recorded since {since}: there is no alert data for "
                              "this week (which is not the same as no alerts).",
        "alert_brief_partial": "Alerts are recorded since {since}: the week's earlier alerts "
                               "are not counted.",
        "alert_brief_never": "The alerts were never computed: no alert data for this week.",
        "alert_brief_running": "This week is not over: the alerts' outcomes are as of "
                               "{as_of}.",
        "alert_brief_stale": "The alerts were last computed at {at}: later changes are not "
                             "counted.",
        "alert_brief_future": "This week has not come yet: no alerts.",
        "alert_brief_table": "Alerts by rule", "alert_brief_rule": "Rule",
        "alert_brief_raised": "New", "alert_brief_carried_col": "Earlier",
        "alert_brief_closed_person": "Closed by a person",
        "alert_brief_closed_system": "Closed by the system",
        "alert_brief_open": "Open", "alert_brief_total": "Total",
        "alert_brief_list": "Red and orange alerts and their outcome",
        "alert_brief_list_more": "{total} in all; the first {shown} are listed (red first, "
                                 "newest first).",
        "alert_brief_list_none": "No red or orange alert this week.",
        "alert_brief_level": "Level", "alert_brief_region": "Region",
        "alert_brief_explain": "Why", "alert_brief_first_seen": "Found",
        "alert_brief_result": "Outcome", "alert_brief_carried_mark": "earlier",
        "alert_brief_out_new": "Not acted on",
        "alert_brief_out_acknowledged": "Acknowledged ({who})",
        "alert_brief_out_assigned": "Assigned as {code} ({status})",
        "alert_brief_out_closed_by_person": "Closed by {who}: {note}",
        "alert_brief_out_closed_by_system": "Condition no longer held: closed by the system",
        "alert_backfill_line": "{day}: {created} raised, {closed} closed by the system, "
                               "{reopened} reopened ({seconds} s)",
        "alert_backfill_now": "now",
        "alert_backfill_done": "backfilled {days} days and now in {seconds} s: {created} "
                               "alerts raised, {closed} closed by the system, {open} open now",
        # --- the console's alert panel ---
        "alerts_title": "Alerts", "alerts_filter_rule": "Rule", "alerts_filter_level": "Level",
        "alerts_count": "{n} alerts, showing {first}–{last}", "alerts_count_none": "0 alerts",
        "alerts_prev": "Previous", "alerts_next": "Next",
        "alert_acknowledged_by": "acknowledged by {who} at {at}",
        "alert_assigned_to": "Assigned as supervision case ",
        "alert_assigned_case_gone": "its supervision case no longer exists",
        "alert_closed_by": "closed by {who} at {at}: {note}",
        "alert_closed_system_at": "closed by the system at {at}: its condition no longer holds",
        "alert_refused": "This alert cannot be shown or acted on: it does not exist, or lies "
                         "outside your area",
        "alert_bad_version": "An alert version must be a whole number, not {value}: reload "
                             "the page",
        "alert_done_acknowledge": "Alert #{alert_id} acknowledged",
        "alert_done_assign": "Alert #{alert_id} assigned: supervision case {code} filed",
        "alert_done_close": "Alert #{alert_id} closed",
        "alert_form_assign": "Assign alert #{alert_id} for supervision",
        "alert_form_close": "Close alert #{alert_id}",
        "alert_field_category": "Category of the supervision case (default: that of most of "
                                "its cases)",
        "alert_field_description": "Description", "alert_field_note": "Why it is closed "
                                                                       "(required)",
        "alert_note_required": "Say why the alert is closed: a note is required",
        "alert_description_too_long": "The description is too long: at most {limit} "
                                      "characters, not {n}",
        "alert_submit": "Submit", "alert_cancel": "Cancel",
        "alert_selected_none": "Click an alert to mark its cases on the map (purple rings) "
                               "and list them here",
        "alert_clear": "Unselect",
        "alert_map_note": "{mapped} marked on the map", "alert_unmapped": "; {n} without a "
                                                                         "point, listed only",
        "alert_hidden_cases": "; {n} more outside your area, not shown",
        "alert_cases_title": "Cases behind it",
        "alert_viewer_note": "Your account may see alerts, not act on them",
        "alert_case_hover": "Alert case {code} {sub}",
        "param_service_code": "Category", "param_region_id": "Region",
        "problem_no_region": "the alert has no region to file a case in",
        "problem_no_category": "its cases name no category: choose one",
        "problem_unknown_service": "no category has this code",
        # --- the wall's alert panel ---
        "wall_panel_alerts": "Early warning",
        "wall_alerts_none": "No red or orange alert",
        "wall_alerts_more": "{n} more red and orange alert(s)",
        "wall_alert_count": "Alerts",
        "wall_alert_count_none": "no red or orange alert",
        "wall_alert_marker_more": "{n} more",
    },
}


def _words(lang: str) -> dict[str, str]:
    return ALERT_WORDS.get(lang, ALERT_WORDS["zh"])


def _say(key: str, lang: str, **values: Any) -> str:
    return _words(lang).get(key, ALERT_WORDS["zh"][key]).format(**values)


def p_words(p: Any) -> str:
    """A tail probability as the explanation says it: ``<0.001`` below a round bound,
    else ``=0.04``."""
    if not isinstance(p, (int, float)):
        return "=?"
    for bound in (0.0001, 0.001, 0.01):
        if p < bound:
            return f"<{bound:g}"
    return f"={p:.2f}"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return "?" if value is None else str(value)


def explain(rule: str, facts: Mapping[str, Any], lang: str = "zh",
            level_name: str | None = None) -> str:
    """The sentence that explains an alert of ``rule`` from its ``facts`` (the keys each
    rule documents), e.g. 本网格近7日“占道经营”上报23件，同期均值4.1件，概率<0.001.
    ``level_name`` is the alert's region's level (网格, 社区) for "this grid"; a fact that
    is missing reads "?", never an error (an alert from an older rule version)."""
    facts = {key: ("?" if value is None else value) for key, value in facts.items()}

    def get(key: str) -> Any:
        return facts.get(key, "?")

    here = _say("alert_here_level", lang, level=level_name) if level_name \
        else _say("alert_here", lang)
    if rule == "surge":
        days = get("days")
        window = _say("alert_window_today", lang) if days == 1 \
            else _say("alert_window_days", lang, days=days)
        return _say("alert_explain_surge", lang, here=here, window=window,
                    category=get("category"), count=get("count"),
                    expected=_number(get("expected")), p=p_words(get("p")))
    if rule == "repeat_location":
        cases = get("cases")
        category = facts.get("category")
        named = _say("alert_explain_repeat_location_category", lang, category=category) \
            if category not in (None, "?", "") else ""
        return _say("alert_explain_repeat_location", lang, days=get("days"),
                    radius_m=_number(get("radius_m")), category=named,
                    cases=len(cases) if isinstance(cases, list) else cases)
    if rule == "recurring_dispute":
        which = "address" if facts.get("address") not in (None, "?", "") else "party"
        return _say(f"alert_explain_recurring_dispute_{which}", lang,
                    address=get("address"), party=get("party"),
                    mediated_at=str(get("mediated_at"))[:10],
                    earlier_case_id=get("earlier_case_id"))
    if rule == "stuck_case":
        reason = get("reason")
        reason = reason if reason in ("overdue", "postponed", "reworked") else "overdue"
        return _say(f"alert_explain_stuck_case_{reason}", lang,
                    overdue_days=_number(get("overdue_days")), postponed=get("postponed"),
                    reworked=get("reworked"))
    if rule == "blind_spot":
        cases = get("cases")
        return _say("alert_explain_blind_spot", lang, here=here,
                    days_without_patrol=get("days_without_patrol"),
                    cases=len(cases) if isinstance(cases, list) else cases)
    return ", ".join(f"{key}={value}" for key, value in sorted(facts.items()))
