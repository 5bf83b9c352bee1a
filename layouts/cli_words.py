"""The command line's words (issue 18: one language per run, Chinese by default, English
with ``--lang en`` or ``DASHBOARD_LANGUAGE=en``), zh and en: a plain table that
:mod:`layouts.text` merges into its own, so ``t(key, lang)`` stays the one way to word
anything. Keys start with ``cli_``."""

from __future__ import annotations

CLI_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        # errors: one line, "错误：" and what, where, why
        "cli_error": "错误：{message}",
        "cli_store_unusable": "无法使用数据库：{reason}",
        "cli_store_refused": "数据库拒绝了这些数据，未写入任何内容：{reason}",
        "cli_unknown_region": "没有编码为 {code} 的区域",
        "cli_store_not_address": "数据库地址（DATABASE_URL）不是数据库地址：请写 "
                                 "sqlite:///路径 或 postgresql+psycopg://用户@主机/库名",
        "cli_store_unsupported": "不支持 {backend} 数据库（{address}）：本系统运行于 SQLite"
                                 "（sqlite:///路径）或 PostgreSQL"
                                 "（postgresql+psycopg://用户@主机/库名）",
        "cli_store_behind": "数据库结构版本为 {revision}，程序需要 {head}：请先备份，再运行 "
                            "`{command}`",
        "cli_store_before_migrations": "数据库建于迁移机制之前（没有结构版本），程序需要 {head}："
                                       "请先备份，再运行 `{command}`",
        "cli_store_newer": "数据库结构版本为 {revision}，本程序不认识（需要 {head}）：它由更新的"
                           "版本建立或升级；请运行那个版本，或恢复为本版本做的备份",
        "cli_store_missing": "没有找到数据库文件 {path}（DATABASE_URL={url}）：路径写错了？"
                             "要在这里生成演示县，运行 `{demo}`，或给 serve 加 --demo-if-empty",
        "cli_store_missing_read": "没有找到数据库文件 {path}（DATABASE_URL={url}）：路径写错了？"
                                  "新的部署先导入区域和案件（README：Importing real data），"
                                  "或生成演示县：`{demo}`",
        "cli_store_empty": "数据库 {url} 中还没有区域：导入区域和案件（README：Importing "
                           "real data），或生成演示县：`{demo}`（或给 serve 加 --demo-if-empty）",
        "cli_port_range": "--port {port}：端口是 1 到 65535 之间的数",
        "cli_port_taken": "{host} 上的端口 {port} 无法使用（{reason}）：已有别的服务占用？"
                          "停掉它，或换一个 --port",
        "cli_host_bad": "--host {host}：不是本机的地址（{reason}）",
        "cli_workers_min": "--workers {workers}：至少为 1",
        "cli_workers_sqlite": "--workers {workers} 需要 PostgreSQL：SQLite 同一时间只允许一个"
                              "写入者，而本进程的写锁（data/intake/create.py _SQLITE_WRITER）"
                              "只在一个进程内有效；请设置 "
                              "DATABASE_URL=postgresql+psycopg://...，或用 --workers 1",
        "cli_feed_every": "--feed-every {value}：应为大于 0 的秒数",
        "cli_dev_workers": "--dev 只用一个进程：请去掉 --workers",
        "cli_demo_refused": "数据库 {url} 中是导入的数据（{cases} 件案件），demo 会删除它们："
                            "请把 DATABASE_URL 指向另一个数据库，或加 --replace",
        "cli_import_needs_mapping": "import {kind} 需要 --mapping（TOML 映射文件）",
        "cli_from_to": "请同时给出 --from 和 --to，或都不给",
        "cli_period_backwards": "时段起点（{first}）晚于终点（{last}）",
        "cli_no_terminal": "没有可输入密码的终端：请用 --password-stdin 从标准输入传入",
        "cli_passwords_differ": "两次输入的密码不同；未做任何更改",
        "cli_token_needs_region": "请给出 --region 编码（全辖区用 --region '*'）、--list 或 "
                                  "--revoke 编号",
        "cli_interrupted": "在第一件案件之前已中断",
        # serve
        "cli_serve_building_demo": "按 --demo-if-empty 的要求，数据库为空：先生成演示县"
                                   "（约一分钟）……",
        "cli_serve_demo_ready": "演示县已就绪：{grids} 个网格，{cases} 件案件",
        "cli_serve_feed": "演示县在运行中：后台每 {every} 秒推进一步，白天（{busy_from}–"
                          "{busy_to} 时）约每 {busy} 分钟新增一件案件，其余时间约每 {quiet} "
                          "分钟一件，在办案件随之流转（--no-feed 关闭）",
        "cli_serve_no_redis": "没有 REDIS_URL 时，每个工作进程各自保存登录限流、接入限速、"
                              "打印锁和调度台计数（README：Several workers）",
        "cli_serving": "服务地址：http://{host}:{port}/",
        "cli_serving_workers": "服务地址：http://{host}:{port}/（{workers} 个工作进程）",
        "cli_demo_accounts": "演示账号（README：Signing in）：",
        "cli_demo_account": "  {name:<10} 密码 {password:<18} {role}，{scope}",
        "cli_demo_wall": "大屏地址（无需登录）：{url}",
        "cli_no_accounts": "数据库中还没有任何账号，登录页无人能进。建立第一个管理员（会提示"
                           "输入两次密码）：",
        "cli_no_wall_token": "大屏地址（无需登录，收藏到大屏的浏览器；令牌只显示一次）：",
        "cli_whole_deployment": "全辖区",
        "cli_demo_built": "演示县已生成（{scale}，种子 {seed}），用时 {seconds} 秒：{regions} 个"
                          "区域（{grids} 个网格），{cases} 件案件，{events} 条流转记录，"
                          "{officers} 名网格员，{patrols} 次巡查",
        # user
        "cli_password": "密码：",
        "cli_password_again": "再输一次密码：",
        "cli_user_created": "账号 {name} 已建立：{role}，{scope}",
        "cli_user_row": "{name}  {role}  {region}  {state}  建于 {created}  {live} 个会话在线",
        "cli_user_active": "启用",
        "cli_user_disabled_state": "停用",
        "cli_user_passwd": "{name} 的密码已更改；其会话全部结束",
        "cli_user_disable": "账号 {name} 已停用；其会话全部结束",
        "cli_user_signout": "账号 {name}：结束了 {n} 个会话",
        "cli_no_users": "还没有账号：python -m dashboard user add NAME --role admin",
        # wall-token
        "cli_token_zone": "时间按 {zone} 时区",
        "cli_token_row": "{id:>4}  {region:<16}  {state}  建于 {created}  {label}",
        "cli_token_active": "有效",
        "cli_token_revoked_at": "{at} 已吊销",
        "cli_token_revoked": "大屏令牌 {id} 已吊销：其大屏下次刷新时显示提示",
        "cli_token_made": "{scope}的大屏令牌（只显示这一次，请像钥匙一样保管）：",
        "cli_token_address": "大屏收藏地址：{url}",
        "cli_no_tokens": "还没有大屏令牌：python -m dashboard wall-token --region '*'",
        # import reports' notes (data/importer.py and the imports)
        "cli_note_duplicate_header": "{file}：表头中 {names} 出现了不止一次；映射没有用到它们，"
                                     "所以未读取",
        "cli_note_blank_rows": "{file}：跳过了 {n} 个空行",
        "cli_note_first_sheet": "{file}：只读取了第一个工作表 {sheet}（共 {count} 个：{names}）",
        "cli_note_unknown_codes": "{n} 件案件不在任何边界内，且所带区域编码没有对应的区域"
                                  "（{examples}）；已按未定位保存",
        "cli_note_no_close_time": "{n} 件已结案案件没有结案时间：算作已结案，但不计入任何时段"
                                  "的结案数",
        "cli_note_repaired": "用 shapely 的 make_valid 修复了 {n} 个无效边界：{listed}",
        "cli_holidays_counts": "已导入节假日：休息日 {off} 天，调休上班日 {on} 天（{replaced} 天"
                               "替换了原有记录）",
        "cli_holidays_years": "表中涵盖的年份：{years}；chinesecalendar 涵盖 {first}–{last}",
        "cli_none": "无",
    },
    "en": {
        "cli_error": "error: {message}",
        "cli_store_unusable": "the store could not be used: {reason}",
        "cli_store_refused": "the store refused the data, and nothing was written: {reason}",
        "cli_unknown_region": "no region has the code {code}",
        "cli_store_not_address": "the store's address (DATABASE_URL) is not a database "
                                 "address: give sqlite:///PATH or "
                                 "postgresql+psycopg://USER@HOST/DB",
        "cli_store_unsupported": "{backend} stores are not supported ({address}): this "
                                 "dashboard runs on SQLite (sqlite:///PATH) or PostgreSQL "
                                 "(postgresql+psycopg://USER@HOST/DB)",
        "cli_store_behind": "the store's schema is at revision {revision}, the code needs "
                            "{head}: run `{command}` (back up the store first)",
        "cli_store_before_migrations": "the store predates migrations (no revision), the "
                                       "code needs {head}: run `{command}` (back up the "
                                       "store first)",
        "cli_store_newer": "the store's schema is at revision {revision}, which this code "
                           "does not know (it needs {head}): a newer release made or "
                           "upgraded it; run that release, or restore a backup made for "
                           "this one",
        "cli_store_missing": "no store at {path} (DATABASE_URL={url}): a mistyped path? To "
                             "build the demo county there, run `{demo}`, or add "
                             "--demo-if-empty to serve",
        "cli_store_missing_read": "no store at {path} (DATABASE_URL={url}): a mistyped "
                                  "path? A new deployment imports its regions and cases "
                                  "first (README: Importing real data), or builds the demo "
                                  "county: `{demo}`",
        "cli_store_empty": "the store {url} holds no regions yet: import regions and cases "
                           "(README: Importing real data), or build the demo county: "
                           "`{demo}` (or add --demo-if-empty to serve)",
        "cli_port_range": "--port {port}: a port is a number from 1 to 65535",
        "cli_port_taken": "port {port} on {host} cannot be used ({reason}): another server "
                          "holds it? stop it, or choose another --port",
        "cli_host_bad": "--host {host}: not an address of this machine ({reason})",
        "cli_workers_min": "--workers {workers}: at least 1",
        "cli_workers_sqlite": "--workers {workers} needs PostgreSQL: SQLite lets one writer "
                              "at a time, and this process' writer lock (data/intake/create.py "
                              "_SQLITE_WRITER) holds only within one process; set "
                              "DATABASE_URL=postgresql+psycopg://... or serve with --workers 1",
        "cli_feed_every": "--feed-every {value}: a number of seconds above 0",
        "cli_dev_workers": "--dev serves one process: leave out --workers",
        "cli_demo_refused": "the store {url} holds imported data ({cases} cases), and demo "
                            "would delete it; point DATABASE_URL at another store, or add "
                            "--replace",
        "cli_import_needs_mapping": "import {kind} needs --mapping, the TOML mapping file",
        "cli_from_to": "give both --from and --to, or neither",
        "cli_period_backwards": "the period starts ({first}) after it ends ({last})",
        "cli_no_terminal": "no terminal to type the password at: pipe it in with "
                           "--password-stdin",
        "cli_passwords_differ": "the two passwords differ; nothing was changed",
        "cli_token_needs_region": "give --region CODE (or --region '*' for the whole "
                                  "deployment), --list or --revoke ID",
        "cli_interrupted": "interrupted before the first case",
        "cli_serve_building_demo": "the store is empty and --demo-if-empty was given: "
                                   "building the demo county first (under a minute) ...",
        "cli_serve_demo_ready": "demo county ready: {grids} grids, {cases} cases",
        "cli_serve_feed": "the demo county moves: a step every {every} s in the background, "
                          "a new case about every {busy} min by day ({busy_from}:00-"
                          "{busy_to}:00), every {quiet} min otherwise, open cases moving "
                          "along (--no-feed stops it)",
        "cli_serve_no_redis": "without REDIS_URL each worker keeps its own sign-in throttle, "
                              "intake rate limits, print lock and console counts (README: "
                              "Several workers)",
        "cli_serving": "serving on http://{host}:{port}/",
        "cli_serving_workers": "serving on http://{host}:{port}/ with {workers} workers",
        "cli_demo_accounts": "demo accounts (README: Signing in):",
        "cli_demo_account": "  {name:<10} password {password:<18} {role} of {scope}",
        "cli_demo_wall": "wall (no sign-in needed): {url}",
        "cli_no_accounts": "the store has no accounts yet, so nobody can pass the sign-in "
                           "page. Make the first admin (it asks for the password twice):",
        "cli_no_wall_token": "a wall address (no sign-in; bookmark it on the wall's browser; "
                             "the token is shown once):",
        "cli_whole_deployment": "the whole deployment",
        "cli_demo_built": "demo county built ({scale}, seed {seed}) in {seconds} s: {regions} "
                          "regions ({grids} grids), {cases} cases, {events} case events, "
                          "{officers} officers, {patrols} patrols",
        "cli_password": "password: ",
        "cli_password_again": "password again: ",
        "cli_user_created": "account {name} created: {role}, {scope}",
        "cli_user_row": "{name}  {role}  {region}  {state}  created {created}  {live} signed in",
        "cli_user_active": "active",
        "cli_user_disabled_state": "disabled",
        "cli_user_passwd": "password of {name} changed; its sessions end",
        "cli_user_disable": "account {name} disabled; its sessions end",
        "cli_user_signout": "account {name}: {n} session{s} ended",
        "cli_no_users": "no accounts yet: python -m dashboard user add NAME --role admin",
        "cli_token_zone": "times in {zone}",
        "cli_token_row": "{id:>4}  {region:<16}  {state}  created {created}  {label}",
        "cli_token_active": "active",
        "cli_token_revoked_at": "revoked {at}",
        "cli_token_revoked": "display token {id} revoked: its walls show a notice from their "
                             "next refresh",
        "cli_token_made": "display token for {scope} (shown once; keep it like a key):",
        "cli_token_address": "wall address to bookmark: {url}",
        "cli_no_tokens": "no display tokens yet: python -m dashboard wall-token --region '*'",
        "cli_note_duplicate_header": "{file}: the header names {names} more than once; the "
                                     "mapping uses none of them, so they were not read",
        "cli_note_blank_rows": "{file}: {n} empty row(s) skipped",
        "cli_note_first_sheet": "{file}: read its first sheet {sheet} only, of {count}: {names}",
        "cli_note_unknown_codes": "{n} case(s) outside every boundary carry a region code no "
                                  "region has ({examples}); they are stored unlocated",
        "cli_note_no_close_time": "{n} closed case(s) have no close time: they count as "
                                  "closed, but in no period's closed figures",
        "cli_note_repaired": "{n} invalid boundary(ies) repaired with shapely's make_valid: "
                             "{listed}",
        "cli_holidays_counts": "holidays imported: {off} day(s) off, {on} working day(s) "
                               "({replaced} replaced an earlier entry)",
        "cli_holidays_years": "years the table covers: {years}; chinesecalendar covers "
                              "{first}-{last}",
        "cli_none": "none",
    },
}
