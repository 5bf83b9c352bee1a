"""The GeoReport v2 (Open311) view of the store: the category table as *services*, cases
as *service requests*, and the mapping of a GeoReport ``POST`` onto :mod:`data.intake.fields`.

Plain Python and SQL; :mod:`dashboard.open311` serves it under ``/open311/v2/``. The field
lists are the spec's (wiki.open311.org/GeoReport_v2), nothing more and nothing less:

* a service: ``service_code`` (``categories.code``), ``service_name`` (the subcategory),
  ``description`` (the filing condition, else the subcategory), ``metadata`` (always
  false: no extra attributes are asked), ``type`` (``realtime``: a request becomes a case at
  once), ``keywords`` (case class and category) and ``group`` (the category, 大类);
* a service request: ``service_request_id`` (``cases.code``), ``status`` (``closed`` for a
  closed or voided case, else ``open``), ``status_notes`` (the canonical status word, or
  ``duplicate of CODE`` for a case merged into an older one), ``service_name``,
  ``service_code``, ``description``, ``agency_responsible`` (the department's name),
  ``service_notice``, ``requested_datetime``, ``updated_datetime``, ``expected_datetime``
  (the deadline), ``address``, ``address_id`` (the region's code), ``zipcode`` (none
  here), ``lat``, ``long`` and ``media_url`` (empty: photos are never public).

Public fields only: a read never says who reported a case (``cases.reporter``), their
phone (``case_intake``) or which officer handles it. Times are W3C datetimes with the
deployment's offset (``meta.timezone``).
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, func, or_, select
from sqlalchemy.orm import aliased

from data import schema, store
from data.intake.fields import IntakeRefused, Problem
from data.models import (
    CATEGORY_SERVICE_CODE, Case, CaseLink, Category, Department, Region, category_by_code,
)

#: The fields of a service, in the spec's order.
SERVICE_FIELDS: tuple[str, ...] = ("service_code", "service_name", "description", "metadata",
                                   "type", "keywords", "group")
#: The fields of a service request, in the spec's order.
REQUEST_FIELDS: tuple[str, ...] = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url")
#: The spec's window of ``GET requests`` when no date is given.
DEFAULT_WINDOW = timedelta(days=90)
#: The most requests one ``GET requests`` returns (the spec's default cap).
MAX_REQUESTS = 1000
OPEN, CLOSED = "open", "closed"
#: Canonical statuses GeoReport calls ``closed``; every other one is ``open``.
CLOSED_STATUSES: tuple[str, ...] = (schema.CLOSED, schema.VOIDED)

#: GeoReport ``POST`` field → :data:`data.intake.fields.FIELDS` name.
_POST_FIELDS: dict[str, str] = {
    "service_code": "service_code", "description": "description", "lat": "lat",
    "long": "lon", "address_string": "address", "address_id": "region_code",
    "region_code": "region_code", "phone": "reporter_phone", "urgent": "urgent",
    "resolved_on_spot": "resolved_on_spot", "resolution_note": "resolution_note",
}
_NAME_FIELDS = ("first_name", "last_name", "name")
#: Our field name → the GeoReport name a problem is reported under.
_THEIR_NAMES: dict[str, str] = {
    "lon": "long", "address": "address_string", "region_code": "address_id",
    "reporter_name": "first_name", "reporter_phone": "phone",
    "idempotency_key": "Idempotency-Key",  # the header of a retried request
}
#: Longest request id or service code worth looking up (the columns' lengths).
_CODE_MAX = 64
_SERVICE_CODE_MAX = 32
#: Most ids or codes one filter may list.
_MAX_LISTED = 1000


# --- services ---------------------------------------------------------------------------------

def _service(row: Any) -> dict:
    keywords = ",".join(k for k in (row.case_class, row.category) if k)
    return {"service_code": row.service_code, "service_name": row.subcategory,
            "description": row.filing_condition or row.subcategory, "metadata": False,
            "type": "realtime", "keywords": keywords, "group": row.category}


def services(conn: Connection) -> list[dict]:
    """Every category of the routing table as a GeoReport service, ordered by code."""
    rows = conn.execute(select(CATEGORY_SERVICE_CODE.label("service_code"),
                               Category.subcategory, Category.category,
                               Category.case_class, Category.filing_condition)
                        .order_by(CATEGORY_SERVICE_CODE)).all()
    return [_service(row) for row in rows]


def service(conn: Connection, code: object) -> dict | None:
    """The service definition of ``code`` (``{"service_code", "attributes"}``; no extra
    attributes are asked, so ``attributes`` is empty), or None if there is no such code."""
    if not _plausible(code, _SERVICE_CODE_MAX):
        return None
    found = conn.execute(category_by_code(select(CATEGORY_SERVICE_CODE), code)).scalar()
    return None if found is None else {"service_code": found, "attributes": []}


# --- service requests ---------------------------------------------------------------------------

def _plausible(code: object, longest: int) -> bool:
    """Whether ``code`` could be a stored code at all (text, short, no control character):
    anything else matches nothing and never reaches the database."""
    return (isinstance(code, str) and 0 < len(code) <= longest
            and not any(ord(c) < 32 for c in code))


def _listed(value: object, field: str, longest: int) -> list[str] | None:
    """A comma-separated list (or an iterable of texts) as the codes worth looking up;
    None when not given."""
    if value is None:
        return None
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        raise IntakeRefused([Problem(field, "wrong_type", f"{field} must be text")])
    if len(items) > _MAX_LISTED:
        raise IntakeRefused([Problem(field, "out_of_range",
                                     f"{field} lists {len(items)} values; at most "
                                     f"{_MAX_LISTED} are allowed")])
    codes = [i.strip() for i in items if isinstance(i, str)]
    return [c for c in codes if _plausible(c, longest)]


def parse_datetime(value: object, field: str, tz: ZoneInfo) -> datetime:
    """A W3C datetime (``2026-11-18T10:00:00+08:00``, ``...Z``, or a bare date) as naive
    UTC, the store's clock; one without an offset is read in the deployment's time zone.
    Anything else is refused as a :class:`Problem` of ``field``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and 0 < len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        shown = value if isinstance(value, str) and len(value) <= 40 else "the value given"
        raise IntakeRefused([Problem(field, "wrong_type",
                                     f"{field} must be a W3C datetime such as "
                                     f"2026-11-18T10:00:00+08:00, not {shown!r}")])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def _window(start: object, end: object, now: datetime, tz: ZoneInfo
            ) -> tuple[datetime | None, datetime | None]:
    """The ``requested_datetime`` range asked for: the last 90 days when no date is
    given, the 90 days before ``end`` when only it is."""
    problems: list[Problem] = []
    lower = upper = None
    for field, value in (("start_date", start), ("end_date", end)):
        if value is None or value == "":
            continue
        try:
            parsed = parse_datetime(value, field, tz)
        except IntakeRefused as refused:
            problems.extend(refused.problems)
            continue
        if field == "start_date":
            lower = parsed
        else:
            upper = parsed
    if problems:
        raise IntakeRefused(problems)
    if lower is not None and upper is not None and upper < lower:
        raise IntakeRefused([Problem("end_date", "out_of_range",
                                     "end_date is before start_date")])
    if lower is None and upper is None:
        return now - DEFAULT_WINDOW, None
    if lower is None:
        return upper - DEFAULT_WINDOW, upper
    return lower, upper


def _statuses(value: object) -> set[str] | None:
    """``open``, ``closed`` or both (comma-separated); None: either."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise IntakeRefused([Problem("status", "wrong_type", "status must be text")])
    wanted = {part.strip().lower() for part in value.split(",") if part.strip()}
    wrong = sorted(wanted - {OPEN, CLOSED})
    if wrong:
        shown = wrong[0] if len(wrong[0]) <= 20 else wrong[0][:20] + "..."
        raise IntakeRefused([Problem("status", "out_of_range",
                                     f"status must be open or closed, not {shown!r}")])
    return wanted or None


@functools.cache
def _request_query() -> Select:
    """Every column a service request is made of: the case, its category, department,
    region and (for a merged one) the older case it duplicates. Built once (aliases are
    costly to make); each call site adds its own conditions to a copy."""
    other = aliased(Case)
    dept_of_category = aliased(Department)
    merged_into = (select(other.code)
                   .join(CaseLink, CaseLink.other_id == other.id)
                   .where(CaseLink.case_id == Case.id, CaseLink.kind == schema.DUPLICATE,
                          CaseLink.state == schema.MERGED)
                   .order_by(CaseLink.id).limit(1).scalar_subquery())
    return (select(Case.id, Case.code, Case.status, Case.subcategory, Case.description,
                   Case.address, Case.lon, Case.lat, Case.reported_at, Case.updated_at,
                   Case.filed_at, Case.dispatched_at, Case.resolved_at, Case.closed_at,
                   Case.voided_at, Case.due_at, CATEGORY_SERVICE_CODE.label("service_code"),
                   func.coalesce(Department.name, dept_of_category.name).label("agency"),
                   Region.code.label("region_code"), merged_into.label("merged_into"))
            .outerjoin(Category, Category.subcategory == Case.subcategory)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(dept_of_category, dept_of_category.id == Category.department_id)
            .outerjoin(Region, Region.id == Case.region_id))


def w3c(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """A naive UTC time of the store as a W3C datetime with the deployment's offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(timespec="seconds")


def _status_notes(row: Any) -> str:
    if row.merged_into is not None:
        return f"duplicate of {row.merged_into}"
    return row.status


def _request(row: Any, tz: ZoneInfo) -> dict:
    updated = row.updated_at or max(
        (t for t in (row.reported_at, row.filed_at, row.dispatched_at, row.resolved_at,
                     row.closed_at, row.voided_at) if t is not None), default=None)
    return {
        "service_request_id": row.code,
        "status": CLOSED if row.status in CLOSED_STATUSES else OPEN,
        "status_notes": _status_notes(row),
        "service_name": row.subcategory,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": row.agency,
        "service_notice": None,
        "requested_datetime": w3c(row.reported_at, tz),
        "updated_datetime": w3c(updated, tz),
        "expected_datetime": w3c(row.due_at, tz),
        "address": row.address,
        "address_id": row.region_code,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lon,
        "media_url": "",
    }


def _checked(problems: list[Problem], parse: Callable[..., Any], *args: object) -> Any:
    """``parse(*args)``, or None with its problems added to ``problems``."""
    try:
        return parse(*args)
    except IntakeRefused as refused:
        problems.extend(refused.problems)
        return None


def requests(conn: Connection, *, ids: object = None, service_codes: object = None,
             start: object = None, end: object = None, status: object = None,
             now: datetime, limit: int = MAX_REQUESTS) -> list[dict]:
    """Service requests, newest first, at most ``limit`` (and never over 1,000).

    Parameters
    ----------
    ids
        Case codes (``service_request_id``: comma-separated text or an iterable). As the
        spec has it, they override every other filter.
    service_codes
        Category codes (``service_code``), comma-separated or an iterable.
    start, end
        W3C datetimes (``start_date``, ``end_date``) bounding ``requested_datetime``;
        without either, the 90 days before ``now`` (naive UTC).
    status
        ``open``, ``closed`` or ``open,closed``.

    Raises
    ------
    IntakeRefused
        A filter that cannot be used, named by its GeoReport parameter.
    """
    tz = store.deployment_timezone(conn)
    limit = max(0, min(int(limit), MAX_REQUESTS))
    query = _request_query()
    wanted_ids = _listed(ids, "service_request_id", _CODE_MAX)
    if wanted_ids is not None:
        if not wanted_ids:
            return []
        query = query.where(Case.code.in_(wanted_ids))
    else:
        problems: list[Problem] = []
        codes = _checked(problems, _listed, service_codes, "service_code", _SERVICE_CODE_MAX)
        lower, upper = _checked(problems, _window, start, end, now, tz) or (None, None)
        statuses = _checked(problems, _statuses, status)
        if problems:
            raise IntakeRefused(problems)
        if codes is not None:
            if not codes:
                return []
            query = query.where(or_(Category.service_code.in_(codes), Category.code.in_(codes)))
        if lower is not None:
            query = query.where(Case.reported_at >= lower)
        if upper is not None:
            query = query.where(Case.reported_at <= upper)
        if statuses == {OPEN}:
            query = query.where(Case.status.not_in(CLOSED_STATUSES))
        elif statuses == {CLOSED}:
            query = query.where(Case.status.in_(CLOSED_STATUSES))
    rows = conn.execute(query.order_by(Case.reported_at.desc(), Case.id.desc())
                        .limit(limit)).all()
    return [_request(row, tz) for row in rows]


def request(conn: Connection, code: object) -> dict | None:
    """The service request of case ``code``, or None if there is no such case."""
    if not _plausible(code, _CODE_MAX):
        return None
    row = conn.execute(_request_query().where(Case.code == code)).first()
    return None if row is None else _request(row, store.deployment_timezone(conn))


# --- a GeoReport POST as a new case -----------------------------------------------------------

def _text_or_problem(form: Mapping, field: str, problems: list[Problem]) -> str | None:
    value = form.get(field)
    if value is None or isinstance(value, str):
        return value
    problems.append(Problem(field, "wrong_type", f"{field} must be text"))
    return None


#: A Chinese, Japanese or Korean character: a name written in them puts the family first.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _reporter_name(form: Mapping, problems: list[Problem]) -> str | None:
    """``first_name`` and ``last_name`` joined, else ``name``: a Chinese name family name
    first and without a space (王 + 伟 is 王伟), any other given name first (Jane Doe)."""
    first = _text_or_problem(form, "first_name", problems)
    last = _text_or_problem(form, "last_name", problems)
    name = _text_or_problem(form, "name", problems)
    parts = [part.strip() for part in (first, last) if part and part.strip()]
    if len(parts) == 2 and all(_CJK.search(part) for part in parts):
        joined = parts[1] + parts[0]
    else:
        joined = " ".join(parts)
    return joined or (name if name is not None else None)


def to_new_case_values(form: Mapping) -> dict:
    """The values of a GeoReport ``POST`` (form or JSON object) under the names of
    :data:`data.intake.fields.FIELDS`, for :func:`data.intake.fields.parse_new_case`.

    ``long`` → ``lon``, ``address_string`` → ``address``, ``address_id`` (or
    ``region_code``) → ``region_code``, ``first_name`` + ``last_name`` (or ``name``) →
    ``reporter_name``, ``phone`` → ``reporter_phone``; ``service_code``, ``description``,
    ``lat`` and the extensions ``urgent``, ``resolved_on_spot`` and ``resolution_note``
    keep their names. A null is as good as absent. The values themselves are checked by
    ``parse_new_case``.

    The spec's other fields (``email``, ``device_id``, ``account_id``, ``jurisdiction_id``,
    ``media_url``, ``attribute[...]``, ``api_key``) and any unknown field are accepted
    and ignored, but a value that is not text (a JSON number, list or object) is refused
    as ``wrong_type``: a client sending one has misunderstood the field.

    Raises
    ------
    IntakeRefused
        Some ignored or name field is not text.
    """
    problems: list[Problem] = []
    values: dict = {}
    for theirs, ours in _POST_FIELDS.items():
        value = form.get(theirs)
        if value is None or (ours in values and theirs == "region_code"):
            continue
        values[ours] = value
    name = _reporter_name(form, problems)
    if name is not None:
        values["reporter_name"] = name
    for field in form:
        if field in _POST_FIELDS or field in _NAME_FIELDS:
            continue
        value = form.get(field)
        if value is not None and not isinstance(value, str):
            shown = field if isinstance(field, str) and len(field) <= 40 else "a field"
            problems.append(Problem(shown, "wrong_type", f"{shown} must be text (the field "
                                    "is ignored, but a value that is not text is a mistake)"))
    if problems:
        raise IntakeRefused(problems)
    return values


def field_name(ours: str, form: Mapping | None = None) -> str:
    """The GeoReport name of our field ``ours``, so a problem names what the caller sent:
    ``lon`` → ``long``, ``address`` → ``address_string``, ``reporter_name`` →
    ``first_name`` (or ``name`` when the caller sent that), ``region_code`` →
    ``address_id`` (or ``region_code`` when the caller sent that). Others keep theirs."""
    if form is not None:
        if ours == "region_code" and "address_id" not in form and "region_code" in form:
            return "region_code"
        if ours == "reporter_name" and "first_name" not in form:
            return "last_name" if "last_name" in form else "name" if "name" in form \
                else "first_name"
    return _THEIR_NAMES.get(ours, ours)
