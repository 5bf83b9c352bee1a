"""The words of the interface, in Chinese (default) and English."""

from __future__ import annotations

from data.schema import (
    BASICALLY_SATISFIED, CLOSED, DISPATCHED, DISPUTE, DISSATISFIED, FACILITY, FILED, INCIDENT,
    MEDIATION_FAILURE, MEDIATION_SUCCESS, REPORTED, RESOLVED, SATISFIED, SUSPENDED, VOIDED,
)
from layouts.alert_words import ALERT_WORDS
from layouts.cli_words import CLI_WORDS
from layouts.console_words import CONSOLE_WORDS
from layouts.deadline_words import DEADLINE_WORDS
from layouts.ranking_words import RANKING_WORDS
from layouts.period_words import PERIOD_WORDS
from layouts.export_words import EXPORT_WORDS
from layouts.field_words import FIELD_LABELS, FIELD_WORDS
from layouts.intake_words import INTAKE_WORDS
from layouts.maps_words import MAPS_WORDS

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


# --- the commander console (appended; the keys above stay as they are) ---------------------
TEXT["zh"].update({
    "console_title": "指挥调度台",
    "period_today": "今日", "period_7d": "近7日", "period_30d": "近30日", "period_custom": "自定义",
    "filter_category": "问题类别", "filter_source": "来源", "filter_status": "状态",
    "hide_closed": "地图隐藏已结案", "status_open": "在办", "status_overdue": "超期",
    "map_title": "区域地图（点击下钻）", "map_metric": "在办事件",
    "trend": "每日上报与结案", "top_categories": "高发问题", "ranking_title": "按期结案率排名",
    "compare_title": "下级区域对比", "case_list": "事件列表", "case_count": "共 {n} 件",
    "export_csv": "导出 CSV", "export_xlsx": "导出 Excel",
    "detail_title": "事件详情", "detail_empty": "点击列表中的事件查看详情与流转记录",
    "timeline": "流转记录", "no_case": "没有编号为 {id} 的事件",
    "actions_title": "处置操作", "actions_none": "所选事件当前没有可执行的操作",
    "actions_select": "勾选或点击事件后可执行操作", "selected_n": "已选 {n} 件",
    "col_code": "编号", "col_reported_at": "上报时间", "col_category": "大类",
    "col_subcategory": "小类", "col_source": "来源", "col_status": "状态", "col_urgent": "紧急",
    "col_place": "网格", "col_department": "处置部门", "col_officer": "网格员",
    "col_due_at": "处置时限", "col_stage_light": "阶段", "col_overdue_hours": "超期(小时)",
    "light_green": "正常", "light_yellow": "临期", "light_red": "超时",
    "legend_long_unfixed": "超期7日以上", "legend_closed": "已结案", "legend_officer": "网格员位置",
    "field_reason": "原因", "field_department": "处置部门", "field_officer": "网格员",
    "field_due": "新的处置时限", "field_level": "解决层级", "field_note": "备注",
    "submit": "确定", "cancel": "取消",
    "action_file": "立案", "action_void": "作废", "action_dispatch": "派遣", "action_return": "回退",
    "action_postpone": "延期", "action_resolve": "处置完成", "action_close": "核查结案",
    "action_rework": "返工", "action_suspend": "挂账", "action_resume": "恢复",
    "action_urge": "督办",
    "suggested": "建议", "suggest_department": "按问题类别建议：{name}",
    "suggest_officer": "建议网格员：{name}（{why}）", "suggest_due": "处置时限：{due}",
    "suggest_none": "无建议：{why}", "batch_officer": "批量派遣时网格员按各案件建议",
    "done": "已完成：{action} {n} 件", "done_partly": "完成 {ok} 件，未完成 {failed} 件：",
    "forbidden": "无权访问：{why}", "bad_address": "地址参数有误：{why}",
    "detail_region": "所在区域", "detail_description": "问题描述", "detail_address": "地址",
    "detail_reporter": "上报人", "detail_deadline": "处置时限", "detail_version": "版本",
    "detail_class": "类别", "detail_resolved_level": "解决层级",
    "detail_satisfaction": "满意度", "detail_times": "时间",
    "step_reported_at": "上报", "step_filed_at": "立案", "step_dispatched_at": "派遣",
    "step_resolved_at": "处置", "step_closed_at": "结案", "step_voided_at": "作废",
    "unlocated": "未定位", "up": "返回上级",
})
TEXT["en"].update({
    "console_title": "Command Console",
    "period_today": "Today", "period_7d": "7 days", "period_30d": "30 days",
    "period_custom": "Custom",
    "filter_category": "Category", "filter_source": "Source", "filter_status": "Status",
    "hide_closed": "Hide closed on map", "status_open": "Open", "status_overdue": "Overdue",
    "map_title": "Map (click to drill down)", "map_metric": "Open cases",
    "trend": "Reported and closed per day", "top_categories": "Top problems",
    "ranking_title": "On-time closure ranking", "compare_title": "Sub-regions side by side",
    "case_list": "Cases", "case_count": "{n} cases",
    "export_csv": "Export CSV", "export_xlsx": "Export Excel",
    "detail_title": "Case details", "detail_empty": "Click a case in the list for its details and history",
    "timeline": "History", "no_case": "No case has the id {id}",
    "actions_title": "Actions", "actions_none": "No action is possible on the selected cases now",
    "actions_select": "Tick or click cases to act on them", "selected_n": "{n} selected",
    "col_code": "Code", "col_reported_at": "Reported", "col_category": "Category",
    "col_subcategory": "Subcategory", "col_source": "Source", "col_status": "Status",
    "col_urgent": "Urgent", "col_place": "Grid", "col_department": "Department",
    "col_officer": "Officer", "col_due_at": "Due", "col_stage_light": "Stage",
    "col_overdue_hours": "Overdue (h)",
    "light_green": "On time", "light_yellow": "Due soon", "light_red": "Late",
    "legend_long_unfixed": "Over 7 days overdue", "legend_closed": "Closed",
    "legend_officer": "Officer on patrol",
    "field_reason": "Reason", "field_department": "Department", "field_officer": "Officer",
    "field_due": "New deadline", "field_level": "Resolved at", "field_note": "Note",
    "submit": "OK", "cancel": "Cancel",
    "action_file": "File", "action_void": "Void", "action_dispatch": "Dispatch",
    "action_return": "Return", "action_postpone": "Postpone", "action_resolve": "Resolve",
    "action_close": "Verify & close", "action_rework": "Rework", "action_suspend": "Suspend",
    "action_resume": "Resume", "action_urge": "Urge",
    "suggested": "suggested", "suggest_department": "From the category table: {name}",
    "suggest_officer": "Suggested officer: {name} ({why})", "suggest_due": "Deadline: {due}",
    "suggest_none": "No suggestion: {why}",
    "batch_officer": "In a batch, each case gets its own suggested officer",
    "done": "Done: {action}, {n} case(s)", "done_partly": "{ok} done, {failed} not done:",
    "forbidden": "Not allowed: {why}", "bad_address": "The address is wrong: {why}",
    "detail_region": "Region", "detail_description": "Description", "detail_address": "Address",
    "detail_reporter": "Reporter", "detail_deadline": "Deadline", "detail_version": "Version",
    "detail_class": "Class", "detail_resolved_level": "Resolved at",
    "detail_satisfaction": "Satisfaction", "detail_times": "Times",
    "step_reported_at": "Reported", "step_filed_at": "Filed", "step_dispatched_at": "Dispatched",
    "step_resolved_at": "Resolved", "step_closed_at": "Closed", "step_voided_at": "Voided",
    "unlocated": "Unlocated", "up": "Up one level",
})
#: How errors from the workflow, the filters and sign-in read (``key`` → words with the
#: error's ``values`` as placeholders; a missing value shows as "?").
TEXT["zh"].update({
    "err_case_changed": "案件已被他人修改（当前状态：{status}，版本 {version}），请刷新后重试",
    "err_illegal_transition": "当前状态“{status}”下不能执行“{action}”，可执行：{allowed}",
    "err_invalid_parameter": "“{parameter}”的值“{value}”无效：{problem}",
    "err_case_not_found": "案件 {case_id} 不存在",
    "err_forbidden": "无权执行此操作",
    "err_unknown": "操作未完成：{detail}",
    "err_bad_filter": "参数 {parameter} 的值 {value} 无效",
})
TEXT["en"].update({
    "err_case_changed": "The case changed in the meantime (now {status}, version {version}): refresh and try again",
    "err_illegal_transition": "“{action}” is not possible while the case is {status}; possible: {allowed}",
    "err_invalid_parameter": "{parameter} “{value}” is not valid: {problem}",
    "err_case_not_found": "No case {case_id}",
    "err_forbidden": "You may not do this",
    "err_unknown": "Not done: {detail}",
    "err_bad_filter": "The parameter {parameter} has a bad value {value}",
})


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def t_error(key: str, values: dict | None, lang: str = "zh") -> str:
    """An error (a stable ``key`` and its ``values``) in words; unknown keys read as the
    generic "not done" message with the key, never as a stack trace."""
    table = TEXT.get(lang, TEXT["zh"])
    template = table.get(f"err_{key}") or TEXT["zh"].get(f"err_{key}")
    values = {k: ("" if v is None else v) for k, v in (values or {}).items()}
    for name, prefix in (("problem", "problem_"), ("parameter", "param_"),
                         ("action", "action_")):
        if name in values and f"{prefix}{values[name]}" in table:
            values[name] = table[f"{prefix}{values[name]}"]
    if "status" in values:
        values["status"] = label(str(values["status"]), lang)
    if isinstance(values.get("allowed"), (list, tuple)):
        values["allowed"] = ("、" if lang == "zh" else ", ").join(table.get(f"action_{a}", str(a)) for a in values["allowed"]) \
            or "—"
    if template is None:
        template, values = table["err_unknown"], {"detail": key, **values}
    return template.format_map(_Blank(values))


TEXT["zh"].update({
    "problem_required": "必须填写", "problem_unknown_parameter": "不是此操作的参数",
    "problem_unknown_action": "没有这个操作", "problem_unknown_department": "没有这个部门",
    "problem_unknown_officer": "没有这个网格员", "problem_not_an_id": "不是有效的编号",
    "problem_unknown_resolved_level": "不是有效的解决层级",
    "problem_not_a_datetime": "不是有效的时间", "problem_not_after_now": "必须晚于现在",
    "problem_not_after_current_deadline": "必须晚于当前处置时限",
    "problem_no_time_limit": "该问题类别没有处置时限，请指定",
    "param_reason": "原因", "param_note": "备注", "param_department_id": "处置部门",
    "param_officer_id": "网格员", "param_due_at": "处置时限", "param_resolved_level": "解决层级",
})
TEXT["en"].update({
    "problem_required": "required", "problem_unknown_parameter": "not a parameter of this action",
    "problem_unknown_action": "no such action", "problem_unknown_department": "no such department",
    "problem_unknown_officer": "no such officer", "problem_not_an_id": "not an id",
    "problem_unknown_resolved_level": "not a level a case is resolved at",
    "problem_not_a_datetime": "not a date and time", "problem_not_after_now": "must be after now",
    "problem_not_after_current_deadline": "must be after the current deadline",
    "problem_no_time_limit": "the category has no time limit: give a deadline",
    "param_reason": "Reason", "param_note": "Note", "param_department_id": "Department",
    "param_officer_id": "Officer", "param_due_at": "Deadline", "param_resolved_level": "Resolved at",
})


TEXT["zh"].update({
    "why_on_duty": "正在本网格巡查", "why_covering": "正在巡查本网格", "why_assigned": "本网格网格员",
    "why_nearest_fix": "最近定位最近", "why_no_location": "案件没有位置",
    "why_no_officer_seen": "近12小时无网格员定位", "why_category": "按问题类别",
    "why_no_subcategory": "案件没有小类", "why_no_category": "小类不在类别表中",
    "why_category_has_no_department": "类别表未指定部门",
})
TEXT["en"].update({
    "why_on_duty": "on patrol in the grid", "why_covering": "patrolling the grid",
    "why_assigned": "the grid's officer", "why_nearest_fix": "nearest latest fix",
    "why_no_location": "the case has no location",
    "why_no_officer_seen": "no officer seen in 12 hours", "why_category": "from the category",
    "why_no_subcategory": "the case has no subcategory",
    "why_no_category": "subcategory not in the category table",
    "why_category_has_no_department": "the category names no department",
})

TEXT["zh"].update({"yes": "是", "search": "搜索编号、描述、地址"})
TEXT["en"].update({"yes": "yes", "search": "Search code, description, address"})
TEXT["zh"].update({"date_from": "开始日期", "date_to": "结束日期"})
TEXT["en"].update({"date_from": "From", "date_to": "To"})
TEXT["zh"].update({"action_report": "上报", "action_import": "导入", "action_mediate": "调解",
                   "action_rate": "评价"})
TEXT["en"].update({"action_report": "Reported", "action_import": "Imported",
                   "action_mediate": "Mediated", "action_rate": "Rated"})
# --- sign-in, roles and scope (dashboard/auth.py, the login page, data/users.py errors) -------
TEXT["zh"].update({
    "login_title": "登录", "login_name": "账号", "login_password": "密码",
    "login_submit": "登录", "login_wrong": "账号或密码不正确",
    "login_throttled": "该账号登录失败次数过多，请 {seconds} 秒后再试",
    "login_expired": "登录页已过期，请重新提交",
    "login_hint": "账号由管理员用 python -m dashboard user add 创建",
    "signed_in_as": "当前用户", "sign_out": "退出登录", "sign_in_again": "重新登录",
    "role_viewer": "查看员", "role_operator": "受理员", "role_commander": "指挥员", "role_admin": "管理员",
    "role_display": "大屏",
    "auth_signed_out": "未登录或登录已过期，请重新登录",
    "auth_token_invalid": "此大屏的显示令牌无效或已被撤销，请联系管理员重新生成",
    "auth_wall_needs_token": "此大屏需要显示令牌：请用 python -m dashboard wall-token --region 编码 生成地址",
    "auth_display_only": "显示令牌只能查看大屏",
    "auth_out_of_scope": "无权查看或操作区域 {region}",
    "auth_role": "此操作需要指挥员或管理员权限",
    "auth_admin": "此操作需要管理员权限",
    "auth_unavailable": "暂时无法核验身份，稍后自动重试",
    "login_shared_unavailable": "登录暂不可用：登录次数限制的共享服务（Redis）无法连接，请稍后再试或联系管理员",
    "auth_unknown_region": "没有编码为 {code} 的区域",
    "auth_unknown_role": "未知角色 {role}，可选：{roles}",
    "auth_empty_password": "密码不能为空",
    "auth_short_password": "密码只有 {length} 个字符，至少需要 {minimum} 个",
    "auth_bad_name": "账号名 {name} 不可用（1–64 个字符，不含空格）",
    "auth_duplicate_name": "账号 {name} 已存在",
    "auth_unknown_user": "没有名为 {name} 的账号",
    "auth_unknown_token": "没有编号为 {id} 的显示令牌",
})
TEXT["en"].update({
    "login_title": "Sign in", "login_name": "Account", "login_password": "Password",
    "login_submit": "Sign in", "login_wrong": "Wrong account name or password",
    "login_throttled": "Too many failed sign-ins for this account: try again in {seconds} s",
    "login_expired": "The sign-in page expired: please submit again",
    "login_hint": "Accounts are created by an administrator with python -m dashboard user add",
    "signed_in_as": "Signed in", "sign_out": "Sign out", "sign_in_again": "Sign in again",
    "role_viewer": "Viewer", "role_operator": "Operator", "role_commander": "Commander",
    "role_admin": "Administrator",
    "role_display": "Wall",
    "auth_signed_out": "Not signed in, or the session expired: please sign in again",
    "auth_token_invalid": "This wall's display token is unknown or was revoked: ask an "
                          "administrator for a new wall address",
    "auth_wall_needs_token": "This wall needs a display token: make its address with "
                             "python -m dashboard wall-token --region CODE",
    "auth_display_only": "A display token may only show the wall",
    "auth_out_of_scope": "Region {region} is outside your area",
    "auth_role": "This needs a commander or an administrator",
    "auth_admin": "This needs an administrator",
    "auth_unavailable": "Cannot check who is asking right now; retrying by itself",
    "login_shared_unavailable": "Signing in is unavailable: the shared sign-in limits (Redis) cannot be reached; try again later or call the administrator",
    "auth_unknown_region": "No region has the code {code}",
    "auth_unknown_role": "Unknown role {role}: expected one of {roles}",
    "auth_empty_password": "The password is empty",
    "auth_short_password": "The password has {length} characters; it needs at least {minimum}",
    "auth_bad_name": "{name} is not a usable account name (1-64 characters, no spaces)",
    "auth_duplicate_name": "An account named {name} exists",
    "auth_unknown_user": "No account is named {name}",
    "auth_unknown_token": "No display token has the id {id}",
})
TEXT["zh"].update({"demo_accounts": "演示县的账号（请在正式使用前修改密码）：",
                   "demo_wall": "打开演示大屏（无需登录）"})
TEXT["en"].update({"demo_accounts": "The demo county's accounts (change them before real use):",
                   "demo_wall": "Open the demo wall (no sign-in needed)"})


# --- the weekly briefing (appended; the keys above stay as they are) --------------------------
TEXT["zh"].update({
    "brief_title": "社会治理工作周报", "brief_export": "导出周报",
    "brief_week_range": "{week}（{first} 至 {last}）",
    "brief_footer": "{centre} · 数据截至 {as_of} · 指标口径与大屏一致",
    "brief_page_of": "第 {n} / {total} 页", "brief_none": "本周无数据",
    "brief_future": "本周尚未到来，以下均为空白数据。",
    "brief_metric": "指标", "brief_this_week": "本周", "brief_prev_week": "上周（{first}至{last}）",
    "brief_vs_prev": "环比", "brief_year_ago": "去年同期（{week}）", "brief_vs_year": "同比",
    "brief_p_summary": "本周概况", "brief_p_map": "事件分布与每日走势",
    "brief_p_problems": "高发问题与热点网格", "brief_p_rankings": "按期结案率排名",
    "brief_p_cases": "超期与紧急事件", "brief_p_disputes": "矛盾纠纷调解与网格巡查",
    "brief_map": "本周事件分布（按网格上报数）", "brief_map_legend": "上报数",
    "brief_trend": "每日上报与结案", "brief_top": "高发问题（小类）",
    "brief_hot_grids": "热点网格", "brief_sources": "事件来源", "brief_source": "来源",
    "brief_share": "占比", "brief_rank": "名次", "brief_grid": "网格", "brief_parent": "所属社区村",
    "brief_reported": "上报数", "brief_department": "处置部门",
    "brief_children": "下级区域按期结案率排名", "brief_departments": "处置部门按期结案率排名",
    "brief_days": "{days}天", "brief_yes": "是", "brief_code": "案卷编号",
    "brief_subcategory": "问题小类", "brief_due": "处置时限", "brief_late": "已超期",
    "brief_urgent": "紧急", "brief_status": "状态",
    "brief_cases_intro": "统计时点在办超期事件共{overdue}件，连同紧急事件共{total}件；"
                         "按超期时长列出前{shown}件。",
    "brief_disputes": "矛盾纠纷调解", "brief_dispute_kind": "纠纷类型", "brief_mediated": "调解结束",
    "brief_success": "调解成功", "brief_failure": "调解失败",
    "brief_disputes_intro": "本周调解结束矛盾纠纷{n}起，调解成功率{rate}。",
    "brief_patrol": "网格巡查覆盖", "brief_patrol_intro": "本周网格巡查覆盖率{rate}（上周{previous}）。",
    "brief_toolbar": "周报预览", "brief_download_pdf": "下载PDF", "brief_slides": "幻灯片版式(16:9)",
    "brief_print": "A4打印版式",
    "brief_weekday_0": "周一", "brief_weekday_1": "周二", "brief_weekday_2": "周三",
    "brief_weekday_3": "周四", "brief_weekday_4": "周五", "brief_weekday_5": "周六",
    "brief_weekday_6": "周日",
    "brief_bad_week": "周次“{value}”无法识别：请写成 2026-W47 这样的ISO周",
    "brief_no_such_week": "没有这一周：{value}（该年只有{weeks}周）",
    "brief_unknown_region": "没有编码为 {code} 的区域",
    "brief_bad_format": "版式“{value}”无法识别：可选 print 或 slides",
    "brief_busy": "正在生成另一份周报，请稍后再试",
})
TEXT["en"].update({
    "brief_title": "Weekly Governance Briefing", "brief_export": "Export briefing",
    "brief_week_range": "{week} ({first} to {last})",
    "brief_footer": "{centre} · data as of {as_of} · same metric definitions as the wall",
    "brief_page_of": "Page {n} of {total}", "brief_none": "No data this week",
    "brief_future": "This week has not come yet: the figures below are empty.",
    "brief_metric": "Metric", "brief_this_week": "This week",
    "brief_prev_week": "Previous week ({first}–{last})", "brief_vs_prev": "Week on week",
    "brief_year_ago": "A year earlier ({week})", "brief_vs_year": "Year on year",
    "brief_p_summary": "The week at a glance", "brief_p_map": "Where and when",
    "brief_p_problems": "Top problems and hot-spot grids",
    "brief_p_rankings": "On-time closure rankings", "brief_p_cases": "Overdue and urgent cases",
    "brief_p_disputes": "Dispute mediation and grid patrols",
    "brief_map": "Cases reported per grid this week", "brief_map_legend": "Reported",
    "brief_trend": "Reported and closed per day", "brief_top": "Top problems (subcategory)",
    "brief_hot_grids": "Hot-spot grids", "brief_sources": "Sources", "brief_source": "Source",
    "brief_share": "Share", "brief_rank": "#", "brief_grid": "Grid",
    "brief_parent": "Community", "brief_reported": "Reported", "brief_department": "Department",
    "brief_children": "Regions by on-time closure rate",
    "brief_departments": "Departments by on-time closure rate",
    "brief_days": "{days} d", "brief_yes": "yes", "brief_code": "Case code",
    "brief_subcategory": "Subcategory", "brief_due": "Deadline", "brief_late": "Overdue by",
    "brief_urgent": "Urgent", "brief_status": "Status",
    "brief_cases_intro": "{overdue} open cases were overdue at the end of the week; with "
                         "urgent cases, {total} in all. The {shown} most overdue are listed.",
    "brief_disputes": "Dispute mediation", "brief_dispute_kind": "Kind of dispute",
    "brief_mediated": "Mediated", "brief_success": "Succeeded", "brief_failure": "Failed",
    "brief_disputes_intro": "{n} disputes finished mediation this week; success rate {rate}.",
    "brief_patrol": "Grid patrol coverage",
    "brief_patrol_intro": "Patrol coverage this week: {rate} (previous week {previous}).",
    "brief_toolbar": "Briefing preview", "brief_download_pdf": "Download PDF",
    "brief_slides": "Slides (16:9)", "brief_print": "A4 print",
    "brief_weekday_0": "Mon", "brief_weekday_1": "Tue", "brief_weekday_2": "Wed",
    "brief_weekday_3": "Thu", "brief_weekday_4": "Fri", "brief_weekday_5": "Sat",
    "brief_weekday_6": "Sun",
    "brief_bad_week": "Cannot read the week \"{value}\": write an ISO week like 2026-W47",
    "brief_no_such_week": "No such week: {value} (that year has {weeks} weeks)",
    "brief_unknown_region": "No region has the code {code}",
    "brief_bad_format": "Unknown layout \"{value}\": print or slides",
    "brief_busy": "Another briefing is being made: try again in a moment",
})


# --- issue 11, the briefing's PDF on the server (/briefing.pdf): why a print failed ------------
TEXT["zh"].update({
    "brief_pdf_no_playwright": "无法生成PDF：服务器未安装 Playwright（pip install -r requirements.txt）",
    "brief_pdf_no_browser": "无法生成PDF：服务器未安装 Chromium（apt-get install chromium）",
    "brief_pdf_no_address": "无法生成PDF：服务器不知道自己的访问地址，请设置 DASHBOARD_INTERNAL_URL",
    "brief_pdf_timeout": "无法生成PDF：{seconds} 秒内未能完成，请稍后再试",
    "brief_pdf_browser": "无法生成PDF：浏览器出错：{detail}",
    "brief_pdf_refused": "无法生成PDF：周报页面拒绝了打印：{detail}",
    "brief_pdf_page_error": "无法生成PDF：周报页面出错：{detail}",
})
TEXT["en"].update({
    "brief_pdf_no_playwright": "Cannot make the PDF: Playwright is not installed on the server "
                               "(pip install -r requirements.txt)",
    "brief_pdf_no_browser": "Cannot make the PDF: Chromium is not installed on the server "
                            "(apt-get install chromium)",
    "brief_pdf_no_address": "Cannot make the PDF: the server does not know its own address; "
                            "set DASHBOARD_INTERNAL_URL",
    "brief_pdf_timeout": "Cannot make the PDF: it was not done within {seconds} s; try again "
                         "in a moment",
    "brief_pdf_browser": "Cannot make the PDF: the browser failed: {detail}",
    "brief_pdf_refused": "Cannot make the PDF: the briefing page refused the printer: {detail}",
    "brief_pdf_page_error": "Cannot make the PDF: the briefing page failed: {detail}",
})


# --- the audit log (issue 11): /admin/audit, `dashboard audit`, the badge's link ---------------
TEXT["zh"].update({
    "audit_title": "审计日志", "audit_link": "审计日志", "audit_back": "返回指挥调度台",
    "audit_kind": "事件类型", "audit_actor": "操作人", "audit_since": "起始日期",
    "audit_until": "截止日期", "audit_filter": "筛选", "audit_all": "全部",
    "audit_at": "时间", "audit_event": "事件", "audit_who": "操作人", "audit_source": "来源地址",
    "audit_target": "对象", "audit_region": "区域", "audit_result": "结果",
    "audit_detail": "详情", "audit_none": "没有符合条件的记录",
    "audit_newer": "← 较新", "audit_older": "较早 →",
    "audit_event_sign_in": "登录", "audit_event_sign_in_failed": "登录失败",
    "audit_event_sign_out": "退出登录", "audit_event_refused": "拒绝访问",
    "audit_event_user_added": "新增账号", "audit_event_password_set": "修改密码",
    "audit_event_user_disabled": "停用账号", "audit_event_token_made": "生成显示令牌",
    "audit_event_token_revoked": "撤销显示令牌", "audit_event_case_action": "案件操作",
    "audit_actor_user": "账号", "audit_actor_display": "大屏令牌",
    "audit_actor_anonymous": "未登录", "audit_actor_cli": "命令行",
    "audit_actor_api_key": "接口密钥",
    "audit_result_ok": "成功", "audit_result_failed": "失败",
    "audit_why_wrong": "账号或密码错误", "audit_why_throttled": "尝试过多，已限制",
    "audit_why_expired_form": "登录表单已过期",
    "audit_repeated": "共 {n} 次，最后一次 {last}",
    "audit_bad_filter": "筛选条件有误：{why}",
})
TEXT["en"].update({
    "audit_title": "Audit log", "audit_link": "Audit log", "audit_back": "Back to the console",
    "audit_kind": "Event", "audit_actor": "Actor", "audit_since": "From",
    "audit_until": "To", "audit_filter": "Filter", "audit_all": "All",
    "audit_at": "Time", "audit_event": "Event", "audit_who": "Actor", "audit_source": "From",
    "audit_target": "Target", "audit_region": "Region", "audit_result": "Result",
    "audit_detail": "Detail", "audit_none": "No entries match",
    "audit_newer": "← Newer", "audit_older": "Older →",
    "audit_event_sign_in": "Signed in", "audit_event_sign_in_failed": "Sign-in failed",
    "audit_event_sign_out": "Signed out", "audit_event_refused": "Refused",
    "audit_event_user_added": "Account added", "audit_event_password_set": "Password set",
    "audit_event_user_disabled": "Account disabled",
    "audit_event_token_made": "Display token made",
    "audit_event_token_revoked": "Display token revoked",
    "audit_event_case_action": "Case action",
    "audit_actor_user": "account", "audit_actor_display": "wall token",
    "audit_actor_anonymous": "not signed in", "audit_actor_cli": "command line",
    "audit_actor_api_key": "API key",
    "audit_result_ok": "ok", "audit_result_failed": "failed",
    "audit_why_wrong": "wrong name or password", "audit_why_throttled": "too many tries",
    "audit_why_expired_form": "the sign-in form had expired",
    "audit_repeated": "{n} times, the last at {last}",
    "audit_bad_filter": "A filter cannot be used: {why}",
})


# --- accounts: sign-in throttle and password rules (issue 11) --------------------------------
TEXT["zh"].update({
    "login_throttled_client": "这台电脑登录失败次数过多，请 {seconds} 秒后再试",
    "auth_weak_password": "密码太容易被猜到（常见密码、键盘连续键、单词或日期、包含账号名、"
                          "重复字符，或演示账号公开的密码）",
})
TEXT["en"].update({
    "login_throttled_client": "Too many failed sign-ins from this computer: try again in "
                              "{seconds} s",
    "auth_weak_password": "The password is too easy to guess (a common password, a keyboard "
                          "pattern, words or dates, the account name, repeated characters, "
                          "or a password the demo publishes)",
})


# --- issue 11, authorization inside the callbacks (dashboard/auth.py require_*) ------------
TEXT["zh"].update({
    "auth_case_refused": "无法查看或处理此案卷：案卷不存在，或不在您的辖区内",
    "auth_officer_refused": "无法派遣给此网格员：网格员不存在，或不在您的辖区内",
    "auth_bad_state": "无法读取大屏的页面状态，请刷新页面",
    "auth_bad_region": "区域编码应为文字，收到的是 {value}",
    "auth_bad_case": "案卷编号应为整数，收到的是 {value}",
    "auth_bad_officer": "网格员编号应为整数，收到的是 {value}",
    "auth_bad_version": "案卷版本号应为整数，收到的是 {value}，请刷新页面",
    "why_outside_area": "最合适的网格员不在您的辖区内",
})
TEXT["en"].update({
    "auth_case_refused": "This case cannot be shown or acted on: it does not exist, or lies "
                         "outside your area",
    "auth_officer_refused": "Cannot dispatch to this officer: unknown, or outside your area",
    "auth_bad_state": "Cannot read the wall's page state: reload the page",
    "auth_bad_region": "A region code must be text, not {value}",
    "auth_bad_case": "A case id must be a whole number, not {value}",
    "auth_bad_officer": "An officer id must be a whole number, not {value}",
    "auth_bad_version": "A case version must be a whole number, not {value}: reload the page",
    "why_outside_area": "the best officer is outside your area",
})


# --- the HTTP server's refusals (issue 11, dashboard/http_guard.py) -------------------------
TEXT["zh"].update({
    "http_not_json": "回调请求须为 JSON（Content-Type: application/json）。",
    "http_bad_json": "请求体不是可读的 JSON。",
    "http_body_not_object": "请求体应为 JSON 对象。",
    "http_no_output": "请求缺少字符串字段 output。",
    "http_unknown_callback": "本服务器没有输出为 {output} 的回调。",
    "http_not_a_list": "字段 {field} 应为列表。",
    "http_count": "字段 {field} 应有 {expected} 项，收到 {got} 项。",
    "http_entry": "字段 {field} 第 {index} 项应为含 id 和 property 的对象。",
    "http_entry_list": "字段 {field} 第 {index} 项应为由含 id 和 property 的对象组成的列表。",
    "http_outputs_mismatch": "字段 outputs 与回调 {output} 的输出不符。",
    "http_changed": "字段 changedPropIds 应为字符串列表。",
    "http_value_refused": "回调无法处理请求中的值（{error}），未执行任何操作。",
    "http_too_large": "请求体过大：上限为 {limit} MB。",
})
TEXT["en"].update({
    "http_not_json": "A callback request must be JSON (Content-Type: application/json).",
    "http_bad_json": "The request body is not readable JSON.",
    "http_body_not_object": "The request body must be a JSON object.",
    "http_no_output": "The request has no string field 'output'.",
    "http_unknown_callback": "This server has no callback whose output is {output}.",
    "http_not_a_list": "The field '{field}' must be a list.",
    "http_count": "The field '{field}' must have {expected} entries, not {got}.",
    "http_entry": "Entry {index} of '{field}' must be an object with an id and a property.",
    "http_entry_list": "Entry {index} of '{field}' must be a list of objects with an id and "
                       "a property.",
    "http_outputs_mismatch": "The field 'outputs' does not match the outputs of {output}.",
    "http_changed": "The field 'changedPropIds' must be a list of strings.",
    "http_value_refused": "The callback cannot use the values sent ({error}); nothing was "
                          "done.",
    "http_too_large": "The request body is too large: the limit is {limit} MB.",
})

# --- issue 12: console state
TEXT["zh"].update({
    "officer_choice": "{name}（{why}）",
})
TEXT["en"].update({
    "officer_choice": "{name} ({why})",
})



# --- issue 12: case list words --------------------------------------------------------------
# The words of what data/cases/ returns as keys: export headers and values, stage lights,
# yes/no, the export's sheet; looked up by :func:`word` under "cases_<key>".
TEXT["zh"].update({
    "cases_id": "序号", "cases_code": "案卷编号", "cases_reported_at": "上报时间",
    "cases_category": "大类", "cases_subcategory": "小类", "cases_source": "来源",
    "cases_status": "状态", "cases_urgent": "紧急", "cases_place": "网格",
    "cases_department": "处置部门", "cases_officer": "网格员", "cases_due_at": "处置时限",
    "cases_stage_light": "阶段亮灯", "cases_overdue_hours": "超期(小时)", "cases_version": "版本",
    "cases_description": "问题描述", "cases_address": "地址",
    "cases_green": "绿灯", "cases_yellow": "黄灯", "cases_red": "红灯",
    "cases_yes": "是", "cases_no": "否", "cases_sheet": "案卷",
})
TEXT["en"].update({
    "cases_id": "No.", "cases_code": "Case code", "cases_reported_at": "Reported at",
    "cases_category": "Category", "cases_subcategory": "Subcategory", "cases_source": "Source",
    "cases_status": "Status", "cases_urgent": "Urgent", "cases_place": "Grid",
    "cases_department": "Department", "cases_officer": "Grid officer",
    "cases_due_at": "Deadline", "cases_stage_light": "Stage light",
    "cases_overdue_hours": "Overdue (hours)", "cases_version": "Version",
    "cases_description": "Description", "cases_address": "Address",
    "cases_green": "Green", "cases_yellow": "Yellow", "cases_red": "Red",
    "cases_yes": "Yes", "cases_no": "No", "cases_sheet": "cases",
})


def word(key: str, lang: str = "zh") -> str:
    """The word a user reads for a key the case list's data hands over (a column, a stage
    light, ``yes``/``no``, ``sheet``), else for a vocabulary key (status, source): what
    :mod:`data.cases` asks for through its ``label`` argument
    (``functools.partial(word, lang=lang)``)."""
    table = TEXT.get(lang, TEXT["zh"])
    return table.get(f"cases_{key}") or label(key, lang)



# --- issue 12: shared queries -------------------------------------------------------------
TEXT["zh"].update({
    "region_all": "全部区域",
})
TEXT["en"].update({
    "region_all": "All regions",
})


def region_name(region: dict, lang: str = "zh") -> str:
    """The name a region dict shows: its own, or, for the whole deployment (the data's
    key ``all`` and no code, :func:`data.report.whole_deployment`), the word for it."""
    key = region.get("key")
    return t(f"region_{key}", lang) if key else region["name"]


# --- issue 12: words moved from data/schema.py (the vocabularies' words) --------------------
#: Words the user reads for the vocabularies of :mod:`data.schema`, per language.
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        REPORTED: "已上报", FILED: "已立案", DISPATCHED: "已派遣", RESOLVED: "已处置",
        CLOSED: "已结案", VOIDED: "已作废", SUSPENDED: "挂账",
        FACILITY: "部件", INCIDENT: "事件", DISPUTE: "矛盾纠纷",
        "patrol": "网格员巡查", "hotline": "12345热线", "app": "群众APP", "video": "视频/AI发现",
        "referral": "上级交办", "online": "网上受理", "other": "其他",
        "grid": "网格", "community": "社区村", "town": "乡镇街道", "district": "区县", "city": "市级",
        SATISFIED: "满意", BASICALLY_SATISFIED: "基本满意", DISSATISFIED: "不满意",
        MEDIATION_SUCCESS: "调解成功", MEDIATION_FAILURE: "调解失败",
    },
    "en": {
        REPORTED: "Reported", FILED: "Filed", DISPATCHED: "Dispatched", RESOLVED: "Resolved",
        CLOSED: "Closed", VOIDED: "Voided", SUSPENDED: "Suspended",
        FACILITY: "Facility", INCIDENT: "Incident", DISPUTE: "Dispute",
        "patrol": "Grid patrol", "hotline": "12345 hotline", "app": "Citizen app",
        "video": "Video/AI", "referral": "Referral", "online": "Online (web, e-mail)", "other": "Other",
        "grid": "Grid", "community": "Community", "town": "Town", "district": "District",
        "city": "City",
        SATISFIED: "Satisfied", BASICALLY_SATISFIED: "Basically satisfied",
        DISSATISFIED: "Dissatisfied",
        MEDIATION_SUCCESS: "Mediated", MEDIATION_FAILURE: "Mediation failed",
    },
}


def label(key: str, lang: str = "zh") -> str:
    """The word a user reads for a vocabulary key; the key itself if none is known."""
    return LABELS.get(lang, LABELS["zh"]).get(key, key)


#: zh/en words of :data:`data.schema.ACTIONS` (the case history's actions), merged into
#: :data:`LABELS` (no key clashes with the rest).
ACTION_LABELS: dict[str, dict[str, str]] = {
    "zh": {"report": "上报", "file": "立案", "void": "作废", "dispatch": "派遣", "return": "回退",
           "postpone": "延期", "resolve": "处置", "close": "结案", "rework": "返工",
           "suspend": "挂账", "resume": "恢复办理", "urge": "督办", "mediate": "调解",
           "rate": "评价", "import": "导入", "merge": "合并重复", "dismiss": "排除重复"},
    "en": {"report": "Report", "file": "File", "void": "Void", "dispatch": "Dispatch",
           "return": "Return", "postpone": "Postpone", "resolve": "Resolve", "close": "Close",
           "rework": "Rework", "suspend": "Suspend", "resume": "Resume", "urge": "Urge",
           "mediate": "Mediate", "rate": "Rate", "import": "Import",
           "merge": "Merge duplicate", "dismiss": "Not a duplicate"},
}
LABELS["zh"].update(ACTION_LABELS["zh"])
LABELS["en"].update(ACTION_LABELS["en"])
LABELS["zh"].update(FIELD_LABELS["zh"])
LABELS["en"].update(FIELD_LABELS["en"])


# --- issue 12: words moved from data/metric_registry.py (the metrics' names) ----------------
#: The name of each metric of :data:`data.metric_registry.METRICS`, per language.
METRIC_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "reported": "上报数", "filed": "立案数", "dispatched": "派遣数", "resolved": "处置数", "closed": "结案数",
        "closed_on_time": "按期结案数", "due_to_close": "应结案数", "due_to_handle": "应处置数",
        "closure_rate": "结案率", "on_time_closure_rate": "按期结案率", "handling_rate": "处置率",
        "rework_rate": "返工率", "postponement_rate": "延期率", "open": "在办数", "overdue": "超期数",
        "dispatches": "派遣次数", "returns": "回退次数", "accurate_dispatch_rate": "准确派遣率",
        "in_grid_resolution_rate": "网格内解决率", "disputes_mediated": "调解纠纷数",
        "mediation_success_rate": "调解成功率", "disputes_screened": "排查纠纷数",
        "dispute_resolution_rate": "纠纷化解率", "satisfaction_rate": "满意率",
        "median_hours_to_close": "结案时长中位数(小时)", "patrol_coverage": "巡查覆盖率",
        "deadline_coverage": "结案时限覆盖率", "handling_deadline_coverage": "处置时限覆盖率",
        "open_deadline_coverage": "在办时限覆盖率",
    },
    "en": {
        "reported": "Reported", "filed": "Filed", "dispatched": "Dispatched",
        "resolved": "Resolved", "closed": "Closed", "closed_on_time": "Closed on time",
        "due_to_close": "Due to close", "due_to_handle": "Due to handle",
        "closure_rate": "Closure rate", "on_time_closure_rate": "On-time closure rate",
        "handling_rate": "Handling rate", "rework_rate": "Rework rate",
        "postponement_rate": "Postponement rate", "open": "Open", "overdue": "Overdue",
        "dispatches": "Dispatches", "returns": "Returns",
        "accurate_dispatch_rate": "Accurate dispatch rate",
        "in_grid_resolution_rate": "In-grid resolution rate",
        "disputes_mediated": "Disputes mediated",
        "mediation_success_rate": "Mediation success rate",
        "disputes_screened": "Disputes screened",
        "dispute_resolution_rate": "Dispute resolution rate",
        "satisfaction_rate": "Satisfaction rate", "median_hours_to_close": "Median hours to close",
        "patrol_coverage": "Patrol coverage",
        "deadline_coverage": "Deadline coverage (closing)",
        "handling_deadline_coverage": "Deadline coverage (handling)",
        "open_deadline_coverage": "Deadline coverage (open cases)",
    },
}


def metric_label(key: str, lang: str = "zh") -> str:
    """The name of a metric in the user's language."""
    return METRIC_NAMES["zh" if lang == "zh" else "en"][key]


# --- issue 12: words moved from layouts/console.py (ag-grid's own words) ------------------
#: ag-grid's own words (menus, filters, overlays) in Chinese; English is its default.
GRID_WORDS = {"zh": {
    "contains": "包含", "notContains": "不包含", "equals": "等于", "notEqual": "不等于",
    "startsWith": "开头是", "endsWith": "结尾是", "greaterThan": "大于", "lessThan": "小于",
    "greaterThanOrEqual": "大于等于", "lessThanOrEqual": "小于等于", "inRange": "介于",
    "blank": "为空", "notBlank": "不为空", "andCondition": "且", "orCondition": "或",
    "filterOoo": "筛选…", "searchOoo": "搜索…", "applyFilter": "应用", "resetFilter": "重置",
    "clearFilter": "清除", "cancelFilter": "取消", "loadingOoo": "加载中…",
    "noRowsToShow": "没有符合条件的事件", "selectAll": "全选", "blanks": "（空白）",
    "pinColumn": "固定列", "autosizeThisColumn": "自动调整此列宽", "resetColumns": "重置列",
    "sortAscending": "升序", "sortDescending": "降序", "sortUnSort": "取消排序",
    "columnFilter": "列筛选", "columnChooser": "选择列", "pinLeft": "固定在左侧",
    "pinRight": "固定在右侧", "noPin": "不固定", "autosizeAllColumns": "自动调整所有列宽",
    "ariaChecked": "已选", "ariaUnchecked": "未选",
}}



# --- issue 12: import report words (data/importer.py ImportReport.summary) -----------------
TEXT["zh"].update({
    "import_title_regions": "导入区域：{file}",
    "import_title_cases": "导入事件：{file}",
    "import_counts": "读取 {rows_read} 行；新增 {imported}，更新 {updated}，未变 {unchanged}，"
                     "拒收 {rejected}",
    "import_located": "按坐标落位 {located_by_point}，按区域编码落位 {located_by_code}，"
                      "未落位 {unlocated}，边界重叠 {overlaps}",
    "import_parents": "新建上级区域 {parents_created}，修复几何 {repaired}，按位置归属重叠 {overlaps}",
    "import_rejects": "拒收行及原因已写入 {rejects_path}",
})
TEXT["en"].update({
    "import_title_regions": "imported regions from {file}",
    "import_title_cases": "imported cases from {file}",
    "import_counts": "{rows_read} rows read: {imported} new, {updated} updated, "
                     "{unchanged} unchanged, {rejected} rejected",
    "import_located": "located by point {located_by_point}, by region code {located_by_code}, "
                      "unlocated {unlocated}, overlaps {overlaps}",
    "import_parents": "parents created {parents_created}, geometries repaired {repaired}, "
                      "overlaps {overlaps}",
    "import_rejects": "rejected rows and reasons written to {rejects_path}",
})


# --- the live intake's words (layouts/intake_words.py) -------------------------------------------
for _table in INTAKE_WORDS:
    TEXT["zh"].update(_table["zh"])
    TEXT["en"].update(_table["en"])


# --- the field force's words (layouts/field_words.py) --------------------------------------------
for _table in FIELD_WORDS:
    TEXT["zh"].update(_table["zh"])
    TEXT["en"].update(_table["en"])


# --- the exports' words (layouts/export_words.py) ------------------------------------------------
TEXT["zh"].update(EXPORT_WORDS["zh"])
TEXT["en"].update(EXPORT_WORDS["en"])


# --- the early warning's words (layouts/alert_words.py) ------------------------------------------
TEXT["zh"].update(ALERT_WORDS["zh"])
TEXT["en"].update(ALERT_WORDS["en"])
TEXT["zh"].update(DEADLINE_WORDS["zh"])
TEXT["en"].update(DEADLINE_WORDS["en"])
TEXT["zh"].update(RANKING_WORDS["zh"])
TEXT["en"].update(RANKING_WORDS["en"])
TEXT["zh"].update(PERIOD_WORDS["zh"])
TEXT["en"].update(PERIOD_WORDS["en"])
TEXT["zh"].update(MAPS_WORDS["zh"])
TEXT["en"].update(MAPS_WORDS["en"])
TEXT["zh"].update(CLI_WORDS["zh"])
TEXT["en"].update(CLI_WORDS["en"])
TEXT["zh"].update(CONSOLE_WORDS["zh"])
TEXT["en"].update(CONSOLE_WORDS["en"])
