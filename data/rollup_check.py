"""The rollups' check: every metric from the rollups against the direct count.

Used by ``python -m dashboard db rollups --check`` and by the tests; the registry
(:mod:`data.metric_registry`) stays the one definition, and :func:`data.metrics.compute`
with ``source="direct"`` counts it straight from the cases.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from data.metrics import Period, compute, local_date, period_for
from data.models import Region
from data.store import deployment_timezone


def differences(conn: Connection, groups: list[int] | None, period: Period,
                as_of: datetime) -> list[tuple[int, str, object, object]]:
    """(group, metric, direct, rollups) for every metric on which the two disagree."""
    direct = compute(conn, groups, period, as_of, source="direct")
    rolled = compute(conn, groups, period, as_of, source="rollups")
    out = []
    for g, values in direct.items():
        for key, value in values.items():
            other = rolled.get(g, {}).get(key)
            if not _equal(value, other):
                out.append((g, key, value, other))
    return out


def _equal(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return a == b


def standard_periods(conn: Connection, now: datetime) -> list[Period]:
    """Today, the last 7, 30 and 365 days, yesterday, and the 30 days a year ago."""
    tz = deployment_timezone(conn)
    today = local_date(now, tz)
    spans = [(0, 0), (6, 0), (29, 0), (364, 0), (1, 1), (394, 365)]
    return [period_for(today - timedelta(days=a), today - timedelta(days=b), tz)
            for a, b in spans]


def check(conn: Connection, now: datetime) -> list[str]:
    """Lines describing each difference over :func:`standard_periods`, for the whole
    deployment and the top-level regions with their children (empty: all agree)."""
    tops = [rid for (rid,) in conn.execute(select(Region.id).where(Region.parent_id.is_(None)))]
    kids = [rid for (rid,) in conn.execute(select(Region.id).where(Region.parent_id.in_(tops)))]
    lines = []
    for period in standard_periods(conn, now):
        as_of = min(now, period.end)
        for groups in (None, tops + kids):
            for g, key, direct, rolled in differences(conn, groups, period, as_of):
                lines.append(f"{period.first}..{period.last} region {g} {key}: "
                             f"direct {direct}, rollups {rolled}")
    return lines
