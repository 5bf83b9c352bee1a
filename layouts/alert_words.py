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
