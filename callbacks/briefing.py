"""The briefing page (``/briefing?week=2026-W47&region=CODE[&lang=en][&format=slides]``).

The router (:mod:`callbacks.pages`) checks who is asking and the region's scope, then
calls :func:`render_briefing`, which reads the address, asks :mod:`data.briefing` for the
week's data and hands it to :mod:`layouts.briefing`. The page has no callbacks of its own:
it is drawn once, which is what a printer or a screenshot wants.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash, Input, Output, html

from dashboard.region_scope import region_shown
from dashboard import services
from data import briefing
from data.cases.filter import period_of
from data.console_state import BadAddress, ConsoleState
from data.field.assessment import WeightsError, load_weights
from data.regions import UnknownRegion
from data.store import utcnow
from layouts import ids
from layouts.briefing import FORMATS, briefing_href, build_briefing, build_briefing_message
from layouts.text import t


def register(app: Dash) -> None:
    """The console's "export the briefing" link follows the console's address."""
    app.callback(Output(ids.CONSOLE_BRIEFING, "href"), Input(ids.URL, "pathname"),
                 Input(ids.URL, "search"))(briefing_link)


def parse_briefing_query(search: str | None, default_lang: str) -> tuple[str, str | None, str,
                                                                         str]:
    """(week text, region code or None, lang, format) from the address's query; a missing
    week is the current one (empty text here)."""
    params = parse_qs((search or "").lstrip("?"))

    def one(key: str) -> str:
        return (params.get(key) or [""])[0].strip()

    lang = one("lang") if one("lang") in ("zh", "en") else default_lang
    return one("week"), one("region") or None, lang, one("format") or "print"


def render_briefing(search: str | None) -> html.Div:
    """The briefing named by ``search``, or a page saying why there is none."""
    week_text, region, lang, fmt = parse_briefing_query(search, services.settings().language)
    if fmt not in FORMATS:
        return build_briefing_message(t("brief_bad_format", lang, value=fmt), "bad_format", lang)
    now = utcnow()
    engine = services.engine()
    weights_file = services.settings().assessment_weights
    with engine.connect() as conn:
        try:
            weights = load_weights(weights_file) if weights_file else None
            # no week named: the last complete one (the toolbar offers the running one)
            week = briefing.parse_week(week_text) if week_text else \
                briefing.default_week(conn, now)
            data = briefing.briefing_data(conn, region, week, now, weights=weights)
        except WeightsError as exc:
            return build_briefing_message(t("assess_bad_weights", lang, reason=str(exc)),
                                          "bad_weights", lang)
        except briefing.BriefingError as exc:
            return build_briefing_message(t(f"brief_{exc.key}", lang, **exc.values), exc.key,
                                          lang)
        except UnknownRegion as exc:
            return build_briefing_message(t("brief_unknown_region", lang, code=exc.code),
                                          "unknown_region", lang)
    return build_briefing(data, lang, fmt)


def briefing_link(pathname: str | None, search: str | None) -> str:
    """The briefing of what the console looks at: its region, and the ISO week of its
    period's last day (for the default periods, today or the newest case's day), in its
    language. A console address that cannot be read links to the current briefing."""
    default = services.settings().language
    try:
        state = ConsoleState.parse(pathname, search, default)
    except BadAddress:
        return "/briefing"
    with services.engine().connect() as conn:
        # the region the console shows (the user's own when the address names none),
        # once the user may see it: the period's last day is read for that region only
        try:
            code = region_shown(conn, state.region)
        except UnknownRegion:  # the console says no region has the code
            return "/briefing"
        now = utcnow()
        period = period_of(conn, state.case_filter(code), now)
        week = briefing.week_of(period.last)
        if week == briefing.current_week(conn, now):
            # a period ending today: the last complete week, compared with whole weeks
            # (its page offers the running one, compared like with like)
            week = briefing.default_week(conn, now)
    return briefing_href(str(week), state.region, state.lang)
