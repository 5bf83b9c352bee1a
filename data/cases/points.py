"""The cases the console's map draws as points under a region.

Plain Python and SQL, no Dash; thousands of points, so the rows are read into a frame and
worked on per column.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from data import metrics, schema
from data.cases.filter import CaseFilter, case_conditions, period_of, subtree_condition
from data.cases.stages import stage_lights
from data.models import Case
from data.regions import get_region
from data.store import deployment_timezone
from data.wall import LONG_UNFIXED

POINT_COLUMNS = ("id", "code", "lon", "lat", "status", "stage_light", "long_unfixed",
                 "subcategory", "reported_at")


def open_case_points(conn: Connection, region_code: str | None, now: datetime,
                     flt: CaseFilter | None = None, include_closed: bool = False
                     ) -> pd.DataFrame:
    """The cases to draw as points under a region: every case open now (whenever it was
    reported) that has coordinates and matches the filter's categories, sources,
    statuses and text; with ``include_closed`` also the cases closed in the filter's
    period. Columns :data:`POINT_COLUMNS`; ``long_unfixed`` flags open, not suspended
    cases more than :data:`data.wall.LONG_UNFIXED` past their deadline (as the wall);
    ``reported_at`` is local text."""
    flt = flt or CaseFilter()
    tz = deployment_timezone(conn)
    region = None if region_code is None else get_region(conn, region_code)
    c = Case
    wanted = c.status.in_(schema.OPEN_STATUSES)
    if include_closed:
        period = period_of(conn, flt, now)
        wanted = or_(wanted, and_(c.status == schema.CLOSED, c.closed_at >= period.start,
                                  c.closed_at < period.end))
    conditions = [wanted, c.lon.is_not(None), c.lat.is_not(None), *case_conditions(flt, now)]
    subtree = subtree_condition(conn, region)
    if subtree is not None:
        conditions.append(subtree)
    query = select(c.id, c.code, c.lon, c.lat, c.status, c.subcategory, c.reported_at,
                   c.filed_at, c.dispatched_at, c.resolved_at, c.due_at).where(*conditions)
    times = ["reported_at", "filed_at", "dispatched_at", "resolved_at", "due_at"]
    # thousands of points: the driver's rows, and times parsed per column, not per row
    raw = pd.DataFrame(metrics.plain_rows(conn.execute(query.order_by(c.id))),
                       columns=["id", "code", "lon", "lat", "status", "subcategory", *times])
    for column in times:
        raw[column] = _utc_times(raw[column])
    frame = raw[["id", "code", "lon", "lat", "status"]].astype(object)
    frame["stage_light"] = stage_lights(raw, now)
    frame["long_unfixed"] = (raw["status"].isin(schema.OPEN_STATUSES)
                             & (raw["status"] != schema.SUSPENDED)
                             & (raw["due_at"] < now - LONG_UNFIXED)).astype(bool)
    frame["subcategory"] = raw["subcategory"].astype(object)
    frame["reported_at"] = _local_texts(raw["reported_at"], tz)
    # numbers as numbers; texts stay objects so a missing light is None, not NaN
    return frame.astype({"id": "int64", "lon": "float64", "lat": "float64",
                         "long_unfixed": "bool"})


def _utc_times(values: pd.Series) -> pd.Series:
    """Stored naive-UTC times (datetimes, or SQLite's text) as ``datetime64``."""
    return pd.to_datetime(values, format="ISO8601") if values.dtype == object or \
        values.dtype == "str" else pd.to_datetime(values)


def _local_texts(moments: pd.Series, tz: ZoneInfo) -> pd.Series:
    """:func:`data.cases.listing.local_text` for a whole column at once (None stays None)."""
    if moments.empty:
        return moments
    local = (pd.to_datetime(moments).dt.tz_localize("UTC").dt.tz_convert(tz)
             .dt.strftime("%Y-%m-%d %H:%M:%S"))
    return local.astype(object).where(local.notna(), None)
