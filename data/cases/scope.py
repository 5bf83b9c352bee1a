"""Which regions cases and officers lie in: what the console asks before it lets a user
see or act.

Plain SQL, no Dash: the console's callbacks call :func:`case_region_ids` and hand the
regions to :mod:`dashboard.auth`'s checks.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, select

from data.models import Case, Officer


def case_region_ids(conn: Connection, case_ids: Iterable[int]) -> dict[int, int | None]:
    """case id → the id of the region the case lies in (None: unlocated), for the cases
    that exist among ``case_ids``."""
    wanted = sorted({int(i) for i in case_ids})
    if not wanted:
        return {}
    rows = conn.execute(select(Case.id, Case.region_id).where(Case.id.in_(wanted))).all()
    return {int(cid): (None if rid is None else int(rid)) for cid, rid in rows}


def case_facts(conn: Connection, case_ids: Iterable[int]) -> dict[int, dict]:
    """case id → its ``code``, ``status`` and ``version`` as the store has them now, for
    the cases that exist among ``case_ids`` (what an action is offered on and applied
    to: never what a request says about them)."""
    wanted = sorted({int(i) for i in case_ids})
    if not wanted:
        return {}
    rows = conn.execute(select(Case.id, Case.code, Case.status, Case.version)
                        .where(Case.id.in_(wanted))).all()
    return {int(cid): {"code": code, "status": status, "version": int(version)}
            for cid, code, status, version in rows}


def officer_region_ids(conn: Connection, officer_ids: Iterable[int]) -> dict[int, int | None]:
    """officer id → the id of the region the officer is assigned to (None: no grid), for
    the officers that exist among ``officer_ids``."""
    wanted = sorted({int(i) for i in officer_ids})
    if not wanted:
        return {}
    rows = conn.execute(select(Officer.id, Officer.region_id)
                        .where(Officer.id.in_(wanted))).all()
    return {int(oid): (None if rid is None else int(rid)) for oid, rid in rows}
