"""The domain's vocabularies: canonical statuses, sources, event actions and the like.

Every name the code uses for a status, a source or a workflow action lives here, in English;
the Chinese and English words a user reads are in :data:`layouts.text.LABELS`.
"""

from __future__ import annotations

# --- case statuses (DOMAIN.md: the canonical statuses) -------------------------------------
REPORTED = "reported"
FILED = "filed"
DISPATCHED = "dispatched"
RESOLVED = "resolved"
CLOSED = "closed"
VOIDED = "voided"
SUSPENDED = "suspended"

STATUSES: tuple[str, ...] = (REPORTED, FILED, DISPATCHED, RESOLVED, CLOSED, VOIDED, SUSPENDED)
STATUS_CHOICES: tuple[str, ...] = ("open", "overdue") + STATUSES
#: Statuses of a case that still needs someone to act on it.
OPEN_STATUSES: tuple[str, ...] = (REPORTED, FILED, DISPATCHED, RESOLVED, SUSPENDED)
#: Statuses that mean the case was accepted for handling (not waiting, not voided).
ACCEPTED_STATUSES: tuple[str, ...] = (FILED, DISPATCHED, RESOLVED, CLOSED, SUSPENDED)

# --- case classes -------------------------------------------------------------------------
FACILITY = "facility"  # 部件
INCIDENT = "incident"  # 事件
DISPUTE = "dispute"  # 矛盾纠纷
CASE_CLASSES: tuple[str, ...] = (FACILITY, INCIDENT, DISPUTE)

# --- sources ------------------------------------------------------------------------------
SOURCES: tuple[str, ...] = ("patrol", "hotline", "app", "video", "referral", "online", "other")

# --- the live doors a case can come in through (data/intake) --------------------------------
OPEN311 = "open311"  # the GeoReport v2 API, with an API key
DESK = "desk"  # the hotline desk in the console (新建事件)
DOORS: tuple[str, ...] = (OPEN311, DESK)
#: The channels an API key may give its cases (``api-key add --source``).
KEY_SOURCES: tuple[str, ...] = ("hotline", "app", "patrol", "video", "referral")

# --- suspected duplicates (case_links) --------------------------------------------------------
DUPLICATE = "duplicate"
SUSPECTED, DISMISSED, MERGED = "suspected", "dismissed", "merged"
LINK_STATES: tuple[str, ...] = (SUSPECTED, DISMISSED, MERGED)

# --- where a case was resolved --------------------------------------------------------------
RESOLVED_LEVELS: tuple[str, ...] = ("grid", "community", "town", "district", "city")
GRID_LEVEL = "grid"

# --- satisfaction ------------------------------------------------------------------------
SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
DISSATISFIED = "dissatisfied"
SATISFACTIONS: tuple[str, ...] = (SATISFIED, BASICALLY_SATISFIED, DISSATISFIED)
#: A return visit's result: a satisfaction, or nobody answered (left out of satisfaction).
UNREACHED = "unreached"
VISIT_RESULTS: tuple[str, ...] = SATISFACTIONS + (UNREACHED,)
#: How a return visit (回访) reached the resident.
VISIT_CHANNELS: tuple[str, ...] = ("phone", "in_person", "app")

# --- mediation outcomes --------------------------------------------------------------------
MEDIATION_SUCCESS = "success"
MEDIATION_FAILURE = "failure"
MEDIATION_REFERRED = "referred"  # 转入诉讼或仲裁
MEDIATION_OUTCOMES: tuple[str, ...] = (MEDIATION_SUCCESS, MEDIATION_FAILURE, MEDIATION_REFERRED)
#: 人民调解, 行政调解, 警民联调, 诉前调解
MEDIATION_KINDS: tuple[str, ...] = ("people", "administrative", "police_civil",
                                    "pre_litigation")
#: Where a mediation or return visit record came from.
CONSOLE_ORIGIN = "console"
IMPORT_ORIGIN = "import"

# --- the field force: officers' roles on the roster ------------------------------------------
#: 专职网格员, 兼职网格员, 网格长, 社区民警, 其他
FULL_TIME, PART_TIME, GRID_HEAD, POLICE, OTHER_ROLE = (
    "full_time", "part_time", "grid_head", "police", "other")
OFFICER_ROLES: tuple[str, ...] = (FULL_TIME, PART_TIME, GRID_HEAD, POLICE, OTHER_ROLE)

# --- how a case was placed in a region ---------------------------------------------------------
LOCATED_BY_POINT = "point"
LOCATED_BY_CODE = "code"
UNLOCATED = "none"
LOCATION_METHODS: tuple[str, ...] = (LOCATED_BY_POINT, LOCATED_BY_CODE, UNLOCATED)

# --- case history actions ------------------------------------------------------------------
ACTIONS: tuple[str, ...] = (
    "report", "file", "void", "dispatch", "return", "postpone", "resolve", "close",
    "rework", "suspend", "resume", "urge", "mediate", "rate", "import", "merge", "dismiss",
    "visit",
)

# --- time limit units of the category table ------------------------------------------------
#: Hours on the clock (自然小时), through nights, weekends and holidays.
HOURS = "hours"
#: Working days (工作日) of the holiday calendar (:mod:`data.deadlines`).
WORKING_DAYS = "working_days"
#: Hours of working time (工作时): 08:30-18:00 on working days (:mod:`data.deadlines`).
WORKING_HOURS = "working_hours"
#: Calendar days (自然日) on the local clock, through weekends and holidays.
NATURAL_DAYS = "natural_days"
TIME_UNITS: tuple[str, ...] = (HOURS, WORKING_DAYS, WORKING_HOURS, NATURAL_DAYS)
#: The units counted on the holiday calendar (a deadline in them reads the store's days).
CALENDAR_UNITS: tuple[str, ...] = (WORKING_DAYS, WORKING_HOURS)

# --- region levels ------------------------------------------------------------------------
#: The level names a deployment gets when it names none (district → town → community → grid).
DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (
    ("区县", "District"),
    ("乡镇街道", "Town/Street"),
    ("社区村", "Community/Village"),
    ("网格", "Grid"),
)
