"""Every component id of the app, in one place."""

URL = "url"
PAGE = "page"
LANG_STORE = "lang"

# --- the wall ---------------------------------------------------------------------------------
WALL_TICK = "wall-tick"  # the refresh interval
WALL_CLOCK_TICK = "wall-clock-tick"  # one second, for the clock and the stale warning
WALL_STATE = "wall-state"  # what the page shows: version, region, metric, time zone
WALL_OK = "wall-ok"  # when the server last answered, and the data time it gave
WALL_CLOCK = "wall-clock"
WALL_AS_OF = "wall-as-of"
WALL_TILES = "wall-tiles"
WALL_MAP = "wall-map"
WALL_TICKER = "wall-ticker"
WALL_SEEN = "wall-seen"  # when this browser last heard from the server (its own clock)
WALL_REQUEST = "wall-request"  # a refresh asked of the server (set by the browser)
WALL_TREND = "wall-trend"
WALL_SOURCES = "wall-sources"
WALL_TOP = "wall-top"
WALL_RANKING = "wall-ranking"
WALL_RANKING_TITLE = "wall-ranking-title"  # what the board ranks by (it may fall back)
WALL_ROTATE = "wall-rotate"  # moves a rotating wall to its next view
WALL_REGION = "wall-region"  # the name of the region on screen

# --- the commander console ------------------------------------------------------------------
PAGE_KIND = "page-kind"  # which page shell is mounted ("console:zh", "wall"): the router
#                          rebuilds the shell only when it changes, never on a drill
CONSOLE = "console"
CONSOLE_STATE = "console-state"  # what the address asks for: region, period, filters, lang
CONSOLE_REFRESH = "console-refresh"  # bumped after an action changed cases: panels recount
CONSOLE_TITLE = "console-title"
CONSOLE_SUBTITLE = "console-subtitle"
CONSOLE_BREADCRUMB = "console-breadcrumb"
CONSOLE_MESSAGE = "console-message"  # refusals and bad addresses, in words
CONSOLE_PERIOD = "console-period"
CONSOLE_DATES = "console-dates"
CONSOLE_CATEGORY = "console-category"
CONSOLE_SOURCE = "console-source"
CONSOLE_STATUS = "console-status"
CONSOLE_HIDE_CLOSED = "console-hide-closed"
CONSOLE_TEXT = "console-text"  # free text: code, description, address
CONSOLE_MAP = "console-map"
CONSOLE_TILES = "console-tiles"
CONSOLE_TREND = "console-trend"
CONSOLE_CATEGORIES = "console-categories"
CONSOLE_RANKING = "console-ranking"
CONSOLE_RANKING_TITLE = "console-ranking-title"  # what the board ranks by (it may fall back)
CONSOLE_COMPARE_TABLE = "console-compare-table"
CONSOLE_COMPARE_BARS = "console-compare-bars"
CONSOLE_GRID = "console-grid"
CONSOLE_COUNT = "console-count"
CONSOLE_EXPORT_CSV = "console-export-csv"
CONSOLE_EXPORT_XLSX = "console-export-xlsx"
CONSOLE_DOWNLOAD = "console-download"
CONSOLE_EXPORT_URL = "console-export-url"  # the streamed CSV's address, opened by the browser
CONSOLE_EXPORT_MESSAGE = "console-export-message"  # why an export was not made
CONSOLE_CASE = "console-case"  # the id of the case whose details are open
CONSOLE_DETAIL = "console-detail"
CONSOLE_TARGETS = "console-targets"  # the cases an action applies to: id, version, status
CONSOLE_ACTIONS = "console-actions"  # the buttons of the actions allowed now
CONSOLE_ACTION = "console-action"  # the action whose form is open
CONSOLE_FORM = "console-form"
ACTION_REASON = "action-reason"
ACTION_DEPARTMENT = "action-department"
ACTION_OFFICER = "action-officer"
ACTION_DUE = "action-due"
ACTION_LEVEL = "action-level"
ACTION_NOTE = "action-note"
ACTION_HINT = "action-hint"  # why the suggestion, the deadline that follows
ACTION_SUBMIT = "action-submit"
ACTION_CANCEL = "action-cancel"
ACTION_FEEDBACK = "action-feedback"


def action_button(action: str) -> dict[str, str]:
    """The id of the button that opens the form of a workflow ``action``."""
    return {"type": "console-action-button", "action": action}


def field_row(field: str) -> dict[str, str]:
    """The id of the row holding one field of the action form (shown per action)."""
    return {"type": "console-form-row", "field": field}

# --- the weekly briefing (appended) -----------------------------------------------------------
CONSOLE_BRIEFING = "console-briefing"  # the console's "export the briefing" link

# --- issue 13: the case detail's duplicate decisions (callbacks/duplicates.py) ---------------
DUPLICATE_FEEDBACK = "console-duplicate-feedback"  # what a merge or a dismissal did


def duplicate_button(decision: str, newer: int, older: int, newer_version: int,
                     older_version: int) -> dict[str, object]:
    """The id of a 合并 (``merge``) or 不是重复 (``dismiss``) button of one duplicate hint:
    the two cases and the versions the commander sees. The server checks the user may act
    on both cases before it uses them."""
    return {"type": "console-duplicate", "decision": decision, "newer": newer,
            "older": older, "newer_version": newer_version, "older_version": older_version}


def linked_case(case_id: int) -> dict[str, object]:
    """The id of a link in the case detail that opens another case (a duplicate's pair)."""
    return {"type": "console-linked-case", "case": case_id}


# --- the hotline desk, 新建事件 (issue 13) ---------------------------------------------------
DESK_OPEN = "desk-open"  # the console header's 新建事件 button (shown to reporters only)
DESK_AGAIN = "desk-again"  # a fresh form after a case was saved
DESK_PANEL = "desk-panel"  # the form, over the console
DESK_CLOSE = "desk-close"
DESK_KEY = "desk-key"  # the idempotency key of the open form (one per opening)
DESK_PLACE = "desk-place"  # where the case goes: lon, lat, region_code, how it was chosen
DESK_DESCRIPTION = "desk-description"
DESK_CATEGORY = "desk-category"  # searchable: "大类 / 小类 (code)" → categories.code
DESK_URGENT = "desk-urgent"
DESK_REPORTER_NAME = "desk-reporter-name"
DESK_REPORTER_PHONE = "desk-reporter-phone"
DESK_ADDRESS = "desk-address"  # the address as the caller said it (searched as typed)
DESK_MATCHES = "desk-matches"  # the places the address matches: pick one
DESK_FOUND = "desk-found"  # those matches' points, for the pick
DESK_MAP = "desk-map"  # the current region: a click places the case
DESK_VIEW = "desk-view"  # the map's zoom and centre: the click lattice follows them
DESK_LON = "desk-lon"
DESK_LAT = "desk-lat"
DESK_PREVIEW = "desk-preview"  # the grid, department, deadline and 疑似重复 before saving
DESK_SAVE = "desk-save"
DESK_FEEDBACK = "desk-feedback"  # the saved case's code, or why nothing was saved


def desk_problem(field: str) -> dict[str, str]:
    """The id of the line under one desk field that says what is wrong with it."""
    return {"type": "desk-problem", "field": field}


# --- mediation and return visits, 调解 / 回访 (issue 14, layouts/followup.py) ----------------
FOLLOWUP_ACTIONS = "followup-actions"  # the 调解 / 回访 buttons of the open case
FOLLOWUP_CASE = "followup-case"  # the open case's id and the version its buttons were offered at
FOLLOWUP_KIND = "followup-kind"  # which form is open: "mediate" or "visit"
FOLLOWUP_FORM = "followup-form"
MEDIATE_FIELDS = "mediate-fields"
MEDIATE_OUTCOME = "mediate-outcome"
MEDIATE_KIND = "mediate-kind"
MEDIATE_OFFICER = "mediate-officer"  # an officer serving the case's region
MEDIATE_NAME = "mediate-name"  # or a mediator's name
MEDIATE_NOTE = "mediate-note"  # the agreement or a note
VISIT_FIELDS = "visit-fields"
VISIT_SATISFACTION = "visit-satisfaction"
VISIT_CHANNEL = "visit-channel"
VISIT_NOTE = "visit-note"
VISIT_REOPEN_ROW = "visit-reopen-row"  # shown for 不满意 only
VISIT_REOPEN = "visit-reopen"
VISIT_DUE = "visit-due"
FOLLOWUP_SUBMIT = "followup-submit"
FOLLOWUP_CANCEL = "followup-cancel"
FOLLOWUP_FEEDBACK = "followup-feedback"


def followup_button(step: str) -> dict[str, str]:
    """The id of the open case's 调解 (``mediate``) or 回访 (``visit``) button."""
    return {"type": "followup-button", "step": step}


# --- issue 14: the console's 巡查 panel (callbacks/patrolmap.py) ------------------------------
PATROL_DAY = "patrol-day"  # the day whose tracks the map draws (the address's day=)
PATROL_OFFICER = "patrol-officer"  # whose tracks: an officer's code (the address's officer=)
PATROL_HINT = "patrol-hint"  # what the map's patrol layer shows, or why not
PATROL_COVERAGE = "patrol-coverage"  # today's patrol coverage of the region
PATROL_BLIND_DAYS = "patrol-blind-days"  # N of "no one patrolled in the last N days"
PATROL_BLIND = "patrol-blind"  # the list of 巡查盲区, each a link to drill


# --- issue 14: the officers view (/officers, callbacks/officers.py) and the wall's panel ------
OFFICERS_MESSAGE = "officers-message"  # refusals and bad addresses, in words
OFFICERS_BREADCRUMB = "officers-breadcrumb"
OFFICERS_SUBTITLE = "officers-subtitle"  # the region, the period, how many are ranked
OFFICERS_PERIOD = "officers-period"
OFFICERS_DATES = "officers-dates"
OFFICERS_CHILDREN = "officers-children"  # the region's children: click to rank within one
OFFICERS_GRID = "officers-grid"  # the sortable table of officers
OFFICERS_CONSOLE = "officers-console"  # back to the console on the same region
CONSOLE_OFFICERS = "console-officers"  # the console's link to the officers view
WALL_OFFICERS = "wall-officers"  # /wall?panel=officers: the top and bottom five


# --- issue 16: the console's alerts panel, 预警 (callbacks/console_alerts.py) ---------------
ALERTS_TICK = "alerts-tick"  # polls the alerts' version (book.alerts_version)
ALERTS_VERSION = "alerts-version"  # the alerts' version last seen: the list redraws when it moves
ALERTS_STATE = "alerts-state"  # the state filter: new, open, closed, all
ALERTS_RULE = "alerts-rule"  # the rule filter (None: any)
ALERTS_LEVEL = "alerts-level"  # the level filter (None: any)
ALERTS_PAGE = "alerts-page"  # which page of the list (0: the first)
ALERTS_PREV = "alerts-prev"
ALERTS_NEXT = "alerts-next"
ALERTS_COUNT = "alerts-count"  # how many alerts the filters hold, and which are shown
ALERTS_LIST = "alerts-list"
ALERTS_FEEDBACK = "alerts-feedback"  # what an action did, or why not, in words
ALERT_SELECTED = "alert-selected"  # the selected alert: its words, state and cases
ALERT_FORM = "alert-form"  # the 转办督办 / 关闭 form
ALERT_FORM_TITLE = "alert-form-title"
ALERT_TARGET = "alert-target"  # the form's alert: id, version seen, action
ALERT_ASSIGN_FIELDS = "alert-assign-fields"
ALERT_CATEGORY = "alert-category"  # the supervision case's category (categories.code)
ALERT_DESCRIPTION = "alert-description"
ALERT_CLOSE_FIELDS = "alert-close-fields"
ALERT_NOTE = "alert-note"  # why a person closes the alert (required)
ALERT_SUBMIT = "alert-submit"
ALERT_CANCEL = "alert-cancel"
ALERT_CLEAR = "alert-clear"  # unselect the alert (the address loses alert=)


def alert_pick(alert_id: int) -> dict[str, object]:
    """The id of an alert row's body: a click selects the alert (the address's alert=)."""
    return {"type": "alert-pick", "alert": alert_id}


def alert_case(case_id: int, where: str) -> dict[str, object]:
    """The id of a case code in the alerts panel (``where``: ``row``, the supervision case
    on an alert's row; ``selected``, a case behind the selected alert): a click opens the
    case's details, whose callback checks the reader may see it."""
    return {"type": "alert-case", "case": case_id, "where": where}


def alert_button(action: str, alert_id: int, version: int) -> dict[str, object]:
    """The id of an alert row's 确认 (``acknowledge``), 转办督办 (``assign``) or 关闭
    (``close``) button: the alert and the version the commander sees. The server reads
    the alert by its id and checks the user may act on its region before using them."""
    return {"type": "alert-action", "action": action, "alert": alert_id, "version": version}


# --- the wall's early warnings (issue 16) ---
WALL_ALERTS = "wall-alerts"  # /wall?panel=alerts: the open red and orange alerts
WALL_ALERT_COUNT = "wall-alert-count"  # the header's count of open red and orange alerts
WALL_ALERT_ROW = "wall-alert-row"


def wall_alert_row(alert_id: int) -> dict[str, object]:
    """The id of an alert's row on the wall: the browser keeps the row (and a pulse it
    plays) for as long as the alert stays on the panel, however the rows move."""
    return {"type": WALL_ALERT_ROW, "alert": alert_id}
