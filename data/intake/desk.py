"""What the hotline desk's form reads to offer its choices: the category table.

The desk files through :func:`data.intake.create.create_case` like every door; this module
only lists the categories its searchable picker offers (:func:`category_choices`).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from data.models import Category


def category_choices(conn: Connection) -> list[dict]:
    """Every category of the routing table as ``{"code", "category", "subcategory"}``,
    by category then subcategory (the picker's order)."""
    rows = conn.execute(select(Category.code, Category.category, Category.subcategory)
                        .order_by(Category.category, Category.subcategory, Category.code))
    return [{"code": r.code, "category": r.category, "subcategory": r.subcategory}
            for r in rows]
