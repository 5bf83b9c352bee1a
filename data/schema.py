"""The domain's vocabularies: canonical statuses, sources, event actions and the like.

Every name the code uses for a status, a source or a workflow action lives here, in English;
the Chinese and English words a user reads are in :data:`LABELS`.
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

# --- where a case was resolved --------------------------------------------------------------
RESOLVED_LEVELS: tuple[str, ...] = ("grid", "community", "town", "district", "city")
GRID_LEVEL = "grid"

# --- satisfaction ------------------------------------------------------------------------
SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
DISSATISFIED = "dissatisfied"
SATISFACTIONS: tuple[str, ...] = (SATISFIED, BASICALLY_SATISFIED, DISSATISFIED)

# --- mediation outcomes --------------------------------------------------------------------
MEDIATION_SUCCESS = "success"
MEDIATION_FAILURE = "failure"
MEDIATION_OUTCOMES: tuple[str, ...] = (MEDIATION_SUCCESS, MEDIATION_FAILURE)

# --- how a case was placed in a region ---------------------------------------------------------
LOCATED_BY_POINT = "point"
LOCATED_BY_CODE = "code"
UNLOCATED = "none"
LOCATION_METHODS: tuple[str, ...] = (LOCATED_BY_POINT, LOCATED_BY_CODE, UNLOCATED)

# --- case history actions ------------------------------------------------------------------
ACTIONS: tuple[str, ...] = (
    "report", "file", "void", "dispatch", "return", "postpone", "resolve", "close",
    "rework", "suspend", "resume", "urge", "mediate", "rate", "import",
)

# --- time limit units of the category table ------------------------------------------------
HOURS = "hours"
WORKING_DAYS = "working_days"
TIME_UNITS: tuple[str, ...] = (HOURS, WORKING_DAYS)

# --- region levels ------------------------------------------------------------------------
#: The level names a deployment gets when it names none (district → town → community → grid).
DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (
    ("区县", "District"),
    ("乡镇街道", "Town/Street"),
    ("社区村", "Community/Village"),
    ("网格", "Grid"),
)

#: Words the user reads, per language.
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        REPORTED: "已上报", FILED: "已立案", DISPATCHED: "已派遣", RESOLVED: "已处置",
        CLOSED: "已结案", VOIDED: "已作废", SUSPENDED: "挂账",
        FACILITY: "部件", INCIDENT: "事件", DISPUTE: "矛盾纠纷",
        "patrol": "网格员巡查", "hotline": "12345热线", "app": "群众APP", "video": "视频/AI发现",
        "referral": "上级交办", "online": "大屏在线发现", "other": "其他",
        "grid": "网格", "community": "社区村", "town": "乡镇街道", "district": "区县", "city": "市级",
        SATISFIED: "满意", BASICALLY_SATISFIED: "基本满意", DISSATISFIED: "不满意",
        MEDIATION_SUCCESS: "调解成功", MEDIATION_FAILURE: "调解失败",
    },
    "en": {
        REPORTED: "Reported", FILED: "Filed", DISPATCHED: "Dispatched", RESOLVED: "Resolved",
        CLOSED: "Closed", VOIDED: "Voided", SUSPENDED: "Suspended",
        FACILITY: "Facility", INCIDENT: "Incident", DISPUTE: "Dispute",
        "patrol": "Grid patrol", "hotline": "12345 hotline", "app": "Citizen app",
        "video": "Video/AI", "referral": "Referral", "online": "Online discovery", "other": "Other",
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


# --- words for the case history actions (appended for the commander console) ----------------
#: zh/en words of :data:`ACTIONS`, merged into :data:`LABELS` (no key clashes with the rest).
ACTION_LABELS: dict[str, dict[str, str]] = {
    "zh": {"report": "上报", "file": "立案", "void": "作废", "dispatch": "派遣", "return": "回退",
           "postpone": "延期", "resolve": "处置", "close": "结案", "rework": "返工",
           "suspend": "挂账", "resume": "恢复办理", "urge": "督办", "mediate": "调解",
           "rate": "评价", "import": "导入"},
    "en": {"report": "Report", "file": "File", "void": "Void", "dispatch": "Dispatch",
           "return": "Return", "postpone": "Postpone", "resolve": "Resolve", "close": "Close",
           "rework": "Rework", "suspend": "Suspend", "resume": "Resume", "urge": "Urge",
           "mediate": "Mediate", "rate": "Rate", "import": "Import"},
}
LABELS["zh"].update(ACTION_LABELS["zh"])
LABELS["en"].update(ACTION_LABELS["en"])
