"""Reading the region hierarchy: one region, its children, its ancestors, the whole tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import pandas as pd
from sqlalchemy import Connection, Engine, select

from data.models import Region, RegionAncestor, RegionLevel


class UnknownRegion(LookupError):
    """No region has the code that was asked for."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no region has the code {code!r}")
        self.code = code


@dataclass(frozen=True)
class RegionInfo:
    """The facts about a region that views and reports show."""

    id: int
    code: str
    name: str
    level: str
    depth: int
    parent_id: int | None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "level": self.level, "depth": self.depth}


_COLUMNS = (Region.id, Region.code, Region.name, Region.level, Region.depth, Region.parent_id)


def get_region(conn: Connection, code: str) -> RegionInfo:
    """The region with ``code``; :class:`UnknownRegion` if there is none."""
    row = conn.execute(select(*_COLUMNS).where(Region.code == code)).one_or_none()
    if row is None:
        raise UnknownRegion(code)
    return RegionInfo(*row)


def ids_of_codes(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """code → id of the regions among ``codes``; a code no region has is left out."""
    return dict(conn.execute(select(Region.code, Region.id)
                             .where(Region.code.in_(set(codes)))).all())


def code_of_id(conn: Connection, region_id: int) -> str | None:
    """The code of the region with ``region_id``; None if there is none."""
    return conn.scalar(select(Region.code).where(Region.id == region_id))


def children_of(conn: Connection, region: RegionInfo | None) -> list[RegionInfo]:
    """Direct children of ``region`` ordered by code; the top-level regions for ``None``."""
    parent = Region.parent_id.is_(None) if region is None else Region.parent_id == region.id
    rows = conn.execute(select(*_COLUMNS).where(parent)).all()
    return sorted((RegionInfo(*row) for row in rows), key=lambda r: natural_key(r.code))


def within(column, region: RegionInfo | None, conn: Connection | None = None):
    """A condition keeping rows whose region id (``column``) lies in ``region``'s subtree;
    None (no condition) for the whole deployment. Given ``conn``, the deployment's one
    top-level region holds every located row, so no lookup is needed."""
    if region is None:
        return None
    if conn is not None and region.parent_id is None and len(children_of(conn, None)) == 1:
        return column.is_not(None)
    return column.in_(select(RegionAncestor.descendant_id)
                      .where(RegionAncestor.ancestor_id == region.id))


def natural_key(code: str) -> tuple:
    """Sort key that puts "REGION 2" before "REGION 10" and "G9" before "G10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", code) if part)


def ancestors_of(conn: Connection, region: RegionInfo) -> list[RegionInfo]:
    """The chain from the top-level region down to ``region`` itself (for breadcrumbs)."""
    rows = conn.execute(
        select(*_COLUMNS)
        .join(RegionAncestor, RegionAncestor.ancestor_id == Region.id)
        .where(RegionAncestor.descendant_id == region.id)
        .order_by(RegionAncestor.distance.desc())
    ).all()
    return [RegionInfo(*row) for row in rows]


def region_table(engine: Engine | Connection) -> pd.DataFrame:
    """Every region without geometry: id, code, name, level, depth, parent_id, parent_code."""
    parent = Region.__table__.alias("parent")
    query = (
        select(*_COLUMNS, parent.c.code.label("parent_code"))
        .outerjoin(parent, parent.c.id == Region.parent_id)
        .order_by(Region.depth, Region.code)
    )
    if isinstance(engine, Connection):
        frame = pd.DataFrame(engine.execute(query).mappings().all(),
                             columns=["id", "code", "name", "level", "depth", "parent_id",
                                      "parent_code"])
        order = sorted(range(len(frame)), key=lambda i: (int(frame["depth"].iat[i]),
                                                         natural_key(frame["code"].iat[i])))
        return frame.iloc[order].reset_index(drop=True)
    with engine.connect() as conn:
        return region_table(conn)


def level_names(conn: Connection) -> dict[int, tuple[str, str]]:
    """depth → (name, English name) of the deployment's levels."""
    rows = conn.execute(select(RegionLevel.depth, RegionLevel.name, RegionLevel.name_en)).all()
    return {depth: (name, name_en) for depth, name, name_en in rows}


def level_words(conn: Connection, lang: str) -> dict[str, str]:
    """Each level's name → how an alert's explanation names it ("本网格" / "this grid"):
    the name itself in Chinese; the English name, lower case, in English (a level with
    none is left out: the explanation then says "this region")."""
    names = level_names(conn).values()
    if lang == "zh":
        return {name: name for name, _ in names}
    return {name: name_en.lower() for name, name_en in names if name_en}


def root_region(conn: Connection, code: str | None) -> RegionInfo | None:
    """The region a view shows: the one named, or the single top-level region (None, the
    whole deployment, when there are several)."""
    if code:
        return get_region(conn, code)
    tops = children_of(conn, None)
    return tops[0] if len(tops) == 1 else None
