"""The words of the interface, in Chinese (default) and English."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "网格化治理指挥中心",
        "wall_title": "社会治理综合指挥大屏",
        "reported_today": "今日上报", "reported_week": "本周上报", "closed_today": "今日结案",
        "open_now": "当前在办", "overdue_now": "当前超期",
        "last_30": "近30日", "data_as_of": "数据更新于", "stale": "数据未更新，请检查连接",
        "newest": "最新事件", "map_open": "在办事件", "map_overdue": "超期事件",
        "map_reported_week": "本周上报", "long_unfixed": "超期7日以上",
        "no_region": "请在地址中指定区域：/wall?region=编码",
        "trend_30": "近30日上报与结案", "sources": "事件来源·近30日",
        "top_subcategories": "高发问题·近30日", "ranking": "按期结案率排名·近30日",
        "patrol_today": "今日巡查覆盖率", "disputes_30": "纠纷调解·近30日",
        "series_reported": "上报", "series_closed": "结案",
        "regions": "区域",
        "whole": "全部区域",
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
        "whole": "All regions",
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

# --- sign-in, roles and scope (dashboard/auth.py, the login page, data/users.py errors) -------
TEXT["zh"].update({
    "login_title": "登录", "login_name": "账号", "login_password": "密码",
    "login_submit": "登录", "login_wrong": "账号或密码不正确",
    "login_throttled": "该账号登录失败次数过多，请 {seconds} 秒后再试",
    "login_expired": "登录页已过期，请重新提交",
    "login_hint": "账号由管理员用 python -m dashboard user add 创建",
    "signed_in_as": "当前用户", "sign_out": "退出登录", "sign_in_again": "重新登录",
    "role_viewer": "查看员", "role_commander": "指挥员", "role_admin": "管理员",
    "role_display": "大屏",
    "auth_signed_out": "未登录或登录已过期，请重新登录",
    "auth_token_invalid": "此大屏的显示令牌无效或已被撤销，请联系管理员重新生成",
    "auth_wall_needs_token": "此大屏需要显示令牌：请用 python -m dashboard wall-token --region 编码 生成地址",
    "auth_display_only": "显示令牌只能查看大屏",
    "auth_out_of_scope": "无权查看或操作区域 {region}",
    "auth_role": "此操作需要指挥员或管理员权限",
    "auth_admin": "此操作需要管理员权限",
    "auth_unavailable": "暂时无法核验身份，稍后自动重试",
    "auth_unknown_region": "没有编码为 {code} 的区域",
    "auth_unknown_role": "未知角色 {role}，可选：{roles}",
    "auth_empty_password": "密码不能为空",
    "auth_short_password": "密码只有 {length} 个字符，至少需要 {minimum} 个",
    "auth_weak_password": "密码太容易被猜到（常见密码、包含账号名，或重复字符）",
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
    "role_viewer": "Viewer", "role_commander": "Commander", "role_admin": "Administrator",
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
    "auth_unknown_region": "No region has the code {code}",
    "auth_unknown_role": "Unknown role {role}: expected one of {roles}",
    "auth_empty_password": "The password is empty",
    "auth_short_password": "The password has {length} characters; it needs at least {minimum}",
    "auth_weak_password": "The password is too easy to guess (common, contains the account "
                          "name, or repeats one or two characters)",
    "auth_bad_name": "{name} is not a usable account name (1-64 characters, no spaces)",
    "auth_duplicate_name": "An account named {name} exists",
    "auth_unknown_user": "No account is named {name}",
    "auth_unknown_token": "No display token has the id {id}",
})
TEXT["zh"].update({"demo_accounts": "演示县的账号（请在正式使用前修改密码）：",
                   "demo_wall": "打开演示大屏（无需登录）"})
TEXT["en"].update({"demo_accounts": "The demo county's accounts (change them before real use):",
                   "demo_wall": "Open the demo wall (no sign-in needed)"})
