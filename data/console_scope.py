"""Which regions cases lie in: what the console asks before it lets a user see or act.

Plain SQL, no Dash: the console's callbacks call :func:`case_region_ids` and hand the
regions to :mod:`dashboard.auth`'s checks.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, select

from data.models import Case


def case_region_ids(conn: Connection, case_ids: Iterable[int]) -> dict[int, int | None]:
    """case id → the id of the region the case lies in (None: unlocated), for the cases
    that exist among ``case_ids``."""
    wanted = sorted({int(i) for i in case_ids})
    if not wanted:
        return {}
    rows = conn.execute(select(Case.id, Case.region_id).where(Case.id.in_(wanted))).all()
    return {int(cid): (None if rid is None else int(rid)) for cid, rid in rows}
