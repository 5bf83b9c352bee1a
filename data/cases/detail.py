"""One case for the console: its fields, where it lies, its stage light and its history;
for a case that came in live, the door it came through, its photos and its duplicate links.

Plain Python and SQL, no Dash. What it returns includes the reporter's name and phone: only
the console's case detail reads it, for signed-in users of the case's region (never a wall's
display token).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Connection, select

from data.cases.filter import FilterError
from data.cases.listing import local_text
from data.cases.stages import is_overdue, stage_light, stage_start
from data.field.followup import records_of
from data.intake.media import photos_of
from data.intake.merge import links_of
from data.models import ApiKey, Case, CaseEvent, CaseIntake, Department, Officer, Region
from data.regions import ancestors_of, get_region
from data.store import deployment_timezone


def case_detail(conn: Connection, case_id: int | str, now: datetime) -> dict | None:
    """Everything a commander needs about one case, and its ``timeline``: the history
    events in the order they happened (action, from_status, to_status, actor, note, at).
    Times are local ``YYYY-MM-DD HH:MM:SS`` text; vocabulary fields (case class, source,
    status, resolved level, satisfaction, mediation outcome) are keys. None when no case
    has that id.

    A case that came in through a live door also has ``intake`` (:func:`intake_of`; None
    for imported and demo cases), and every case has ``followup`` (its mediations and
    return visits, :func:`data.field.followup.records_of`, times as local text), ``photos``
    (:func:`data.intake.media.photos_of`) and ``links`` (:func:`data.intake.merge.links_of`,
    its times as local text)."""
    if isinstance(case_id, str) and case_id.strip().isdigit():
        case_id = int(case_id)
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise FilterError("case_id", case_id, "bad_case_id")
    tz = deployment_timezone(conn)
    row = conn.execute(
        select(Case.__table__, Region.code.label("_region_code"),
               Region.name.label("_region_name"), Department.name.label("_department"),
               Officer.name.label("_officer"), Officer.phone.label("_phone"))
        .outerjoin(Region, Region.id == Case.region_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .outerjoin(Officer, Officer.id == Case.officer_id)
        .where(Case.id == case_id)).mappings().one_or_none()
    if row is None:
        return None
    c = _Record(row)
    region_code, region_name = row["_region_code"], row["_region_name"]
    department, officer, phone = row["_department"], row["_officer"], row["_phone"]
    path: list[dict] = []
    if c.region_id is not None:
        info = get_region(conn, region_code)
        path = [a.as_dict() for a in ancestors_of(conn, info)]
    since = stage_start(c.status, c.reported_at, c.filed_at, c.dispatched_at, c.resolved_at)
    events = conn.execute(
        select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status, CaseEvent.actor,
               CaseEvent.note, CaseEvent.at)
        .where(CaseEvent.case_id == c.id).order_by(CaseEvent.at, CaseEvent.id)).all()

    out: dict[str, Any] = {
        "id": c.id, "code": c.code, "external_id": c.external_id,
        "case_class": c.case_class,
        "category": c.category, "subcategory": c.subcategory,
        "source": c.source, "status": c.status,
        "urgent": bool(c.urgent), "description": c.description, "address": c.address,
        "lon": c.lon, "lat": c.lat,
        "region_id": c.region_id, "region_code": region_code, "place": region_name,
        "regions": path,
        "location_method": c.location_method, "reporter": c.reporter,
        "department": department, "officer": officer, "officer_phone": phone,
    }
    for step in ("reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at",
                 "voided_at", "due_at", "mediated_at", "updated_at"):
        out[step] = local_text(getattr(c, step), tz)
    out.update({
        "stage_light": stage_light(c.status, since, c.due_at, now),
        "overdue_hours": (round((now - c.due_at).total_seconds() / 3600, 1)
                          if is_overdue(c.status, c.due_at, now) else None),
        "resolved_level": c.resolved_level, "satisfaction": c.satisfaction,
        "mediation_outcome": c.mediation_outcome,
        "photos_before": c.photos_before, "photos_after": c.photos_after,
        "version": c.version,
        "timeline": [
            {"action": action, "from_status": before, "to_status": after, "actor": actor,
             "note": note, "at": local_text(at, tz)}
            for action, before, after, actor, note, at in events],
        "intake": intake_of(conn, c.id, tz),
        "followup": _followup(conn, c.id, tz),
        "photos": photos_of(conn, c.id),
        "links": [{**link, "created_at": local_text(link["created_at"], tz),
                   "decided_at": local_text(link["decided_at"], tz)}
                  for link in links_of(conn, c.id)],
    })
    return out


def _followup(conn: Connection, case_id: int, tz) -> dict[str, list[dict]]:
    """The case's mediations and return visits (:func:`data.field.followup.records_of`),
    their times as local text."""
    records = records_of(conn, case_id)
    return {part: [{**row, "at": local_text(row["at"], tz)} for row in rows]
            for part, rows in records.items()}


def intake_of(conn: Connection, case_id: int, tz=None) -> dict | None:
    """How a case came in live: ``door`` (open311, desk), ``api_key`` (the key's name),
    ``user_name`` (the desk's operator), ``officer`` (the reporting grid officer's name),
    ``reporter_phone`` and ``received_at`` (local text when ``tz`` is given); None for a
    case with no intake row (imported, demo)."""
    row = conn.execute(
        select(CaseIntake.door, ApiKey.name.label("api_key"), CaseIntake.user_name,
               Officer.name.label("officer"), CaseIntake.reporter_phone,
               CaseIntake.received_at)
        .outerjoin(ApiKey, ApiKey.id == CaseIntake.api_key_id)
        .outerjoin(Officer, Officer.id == CaseIntake.officer_id)
        .where(CaseIntake.case_id == case_id)).mappings().one_or_none()
    if row is None:
        return None
    out = dict(row)
    if tz is not None:
        out["received_at"] = local_text(out["received_at"], tz)
    return out


class _Record:
    """Attribute access to a result row's columns."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None
