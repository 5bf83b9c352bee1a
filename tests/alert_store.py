"""Small hand-built stores for the early-warning rules' tests (data/alerts): the county of
:mod:`tests.tiny_store` (two towns, three grids, time zone UTC) without its cases, and a
helper to add cases one by one, each named by its code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select

from data import schema, store
from data.models import Case, CaseEvent
from tests import tiny_store

#: Grid ids of the tiny county (G1, G2 in town T1; G3 in town T2) and a town.
G1, G2, G3, T1 = 4, 5, 6, 2
#: A point in the county (metres north of it: :func:`north`).
LON, LAT = 116.40, 39.90
#: Metres per degree of latitude on the rules' sphere (data.alerts.repeat).
M_PER_DEGREE = 6_371_008.8 * 3.141592653589793 / 180


def north(metres: float) -> float:
    """The latitude ``metres`` north of :data:`LAT`."""
    return LAT + metres / M_PER_DEGREE


def build(engine: Engine) -> None:
    """The tiny county's regions, no cases (time zone UTC)."""
    with store.transaction(engine) as conn:
        tiny_store.build_regions(conn)


def case(code: str, reported: datetime, *, region_id: int | None = G1,
         status: str = schema.DISPATCHED, case_class: str = schema.INCIDENT,
         subcategory: str = "占道经营", lon: float | None = None, lat: float | None = None,
         **times) -> dict:
    """The row of one case; ``times`` and other columns by name (``due_at``,
    ``closed_at``, ``voided_at``, ``mediated_at``, ``address``, ``reporter``...)."""
    return {"code": code, "status": status, "case_class": case_class,
            "subcategory": subcategory, "location_method": "point", "region_id": region_id,
            "reported_at": reported, "lon": lon, "lat": lat, "version": 1, **times}


def add(engine: Engine, *cases: dict, events: list[tuple] = ()) -> dict[str, int]:
    """Insert ``cases`` and ``events`` (code, action, at); the ids of every case by code."""
    with store.transaction(engine) as conn:
        if cases:
            # one set of columns for all (an executemany takes the first row's)
            columns = {name for row in cases for name in row}
            conn.execute(insert(Case), [{name: row.get(name) for name in columns}
                                        for row in cases])
        ids = dict(conn.execute(select(Case.code, Case.id)).all())
        if events:
            conn.execute(insert(CaseEvent), [
                {"case_id": ids[code], "action": action, "at": at}
                for code, action, at in events])
        store.bump_data_version(conn)
    return ids
