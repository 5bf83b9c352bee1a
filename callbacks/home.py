"""The overview page's one callback: the address decides the region and the language."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash

from dashboard import services
from data import metrics
from data.regions import UnknownRegion, region_table
from data.store import get_meta
from layouts import home
from layouts.text import t

TREE_DEPTH = 2  # levels always shown in the tree, below the top


def parse_query(search: str | None, default_lang: str) -> tuple[str | None, str]:
    """(region code or None, language) from a query string like ``?region=X&lang=en``."""
    query = parse_qs((search or "").lstrip("?"))
    region = (query.get("region") or [None])[0] or None
    lang = (query.get("lang") or [default_lang])[0]
    return region, lang if lang in ("zh", "en") else default_lang


def register(app: Dash) -> None:
    """The overview has no callbacks of its own: :mod:`callbacks.pages` renders it."""


def render_home(search: str | None) -> list:
    """Build the overview for the region and language named in the address."""
    region_code, lang = parse_query(search, services.settings().language)
    engine = services.engine()
    with engine.connect() as conn:
        regions = region_table(conn)
        if regions.empty:
            return home.build_message(t("empty", lang), lang)
        roots = regions.loc[regions["parent_code"].isna(), "code"]
        if region_code is None and len(roots) == 1:
            region_code = roots.iloc[0]  # one county: open on it, its towns side by side
        try:
            summary = metrics.summarize(conn, region_code, lang=lang)
        except UnknownRegion:
            return home.build_message(t("unknown_region", lang, code=region_code), lang)
        centre = services.settings().centre_name or get_meta(conn, "centre_name", "") or ""
    shown, open_codes = visible_tree(regions, region_code)
    tree = home.build_region_tree(shown, region_code, lang, open_codes)
    return home.build_overview(summary, tree, centre if lang == "zh" else "", lang)


def visible_tree(regions, selected: str | None):
    """The rows of the tree to draw: the top levels, and the branch down to ``selected``
    with its children; and the codes whose branches start open."""
    top = int(regions["depth"].min())
    keep = regions["depth"] <= top + TREE_DEPTH
    open_codes: set[str] = set()
    if selected is not None:
        parents = dict(zip(regions["code"], regions["parent_code"]))
        node = selected
        while isinstance(node, str):
            open_codes.add(node)
            node = parents.get(node)
        keep |= regions["parent_code"].isin(open_codes)
    return regions[keep], open_codes
