"""Reading the common options of an address (the region and the language).

The overview page that lived here was replaced by the commander console
(:mod:`callbacks.console`); the wall still reads its ``?region=`` and ``?lang=`` here.
"""

from __future__ import annotations

from urllib.parse import parse_qs


def parse_query(search: str | None, default_lang: str) -> tuple[str | None, str]:
    """(region code or None, language) from a query string like ``?region=X&lang=en``."""
    query = parse_qs((search or "").lstrip("?"))
    region = (query.get("region") or [None])[0] or None
    lang = (query.get("lang") or [default_lang])[0]
    return region, lang if lang in ("zh", "en") else default_lang
