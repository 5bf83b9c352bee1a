"""The officers view (``/officers``, ``/officers/CODE``) and the wall's officers panel, as
plain data over :func:`data.field.assessment.assess`.

:class:`OfficersState` is the view's address as one typed value (the region, the console's
period choices, the language); :func:`officers_table` is the assessment of a region over
that period; :func:`wall_officers` the wall's top and bottom five of the last 7 days;
:func:`officer_console_target` where a click on an officer leads (their home region and
their code). Plain Python and SQL: no Dash, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlencode

import pandas as pd
from sqlalchemy import Connection, select

from data.cases.filter import period_of
from data.console_state import DEFAULT_PERIOD, ConsoleState
from data.field.assessment import FIGURES, INACTIVE, RANKED, TOO_LITTLE_DATA, assess
from data.metrics import Period, ResultCache, local_date, period_for
from data.models import Officer, Region
from data.regions import RegionInfo
from data.store import deployment_timezone

OFFICERS_PATH = re.compile(r"^/officers(?:/(?P<code>[^/]+))?/?$")
#: The query parameters the view reads (the console's period and language).
PARAMETERS = ("period", "from", "to", "lang")
#: How many officers the wall shows at each end of the ranking.
WALL_ENDS = 5
#: The wall's officers panel looks at the last this many local days (today included).
WALL_DAYS = 7
#: Assessments kept per data version (the view's sorting, drilling and revisits).
_TABLES = ResultCache(size=16)


def is_officers_path(pathname: str | None) -> bool:
    """Whether ``pathname`` is the officers view (``/officers`` or ``/officers/CODE``)."""
    return OFFICERS_PATH.match(pathname or "") is not None


def officers_region_of_path(pathname: str | None) -> str | None:
    """The region code of ``/officers/CODE`` (quoted in addresses, as ``/region/CODE``);
    None for ``/officers`` and any other address."""
    match = OFFICERS_PATH.match(pathname or "")
    code = match.group("code") if match else None
    return unquote(code) if code else None


@dataclass(frozen=True)
class OfficersState:
    """What the officers view's address asks for: ``region`` (None: the user's own, or
    the top one), the console's ``period`` (today, 7d, 30d, custom with ``first`` and
    ``last``) and ``lang``. Other parameters of the address are ignored."""

    region: str | None = None
    period: str = DEFAULT_PERIOD
    first: str | None = None
    last: str | None = None
    lang: str = "zh"

    @classmethod
    def parse(cls, pathname: str | None, search: str | None,
              default_lang: str = "zh") -> OfficersState:
        """The view's state from its address; raises
        :class:`data.console_state.BadAddress` naming a bad period, date or range, as the
        console does (the console's own parser reads them)."""
        kept = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"),
                                             keep_blank_values=True) if k in PARAMETERS]
        console = ConsoleState.parse("/", "?" + urlencode(kept), default_lang)
        return cls(region=officers_region_of_path(pathname), period=console.period,
                   first=console.first, last=console.last, lang=console.lang)

    def to_query(self) -> dict[str, str]:
        """The query parameters (without ``lang``) that give this state back: the same
        as the console's for the same period, so links between the two keep it."""
        query: dict[str, str] = {}
        if self.period != DEFAULT_PERIOD:
            query["period"] = self.period
        if self.period == "custom":
            query["from"], query["to"] = self.first, self.last
        return query

    def with_period(self, period: str | None, start: str | None, end: str | None,
                    dates_picked: bool = False) -> OfficersState | None:
        """The state the period controls now show (picking both dates makes the period
        custom when ``dates_picked``); None for a custom period without both dates."""
        period = period or DEFAULT_PERIOD
        if dates_picked and start and end:
            period = "custom"
        if period == "custom":
            if not (start and end) or start[:10] > end[:10]:
                return None
            return replace(self, period=period, first=start[:10], last=end[:10])
        return replace(self, period=period, first=None, last=None)

    def period_of(self, conn: Connection, region_code: str | None, now: datetime) -> Period:
        """The local dates this state's period covers, as the console counts them (today
        and 7 days end on the newest case's day for an old export)."""
        console = ConsoleState(region=region_code, period=self.period, first=self.first,
                               last=self.last, lang=self.lang)
        return period_of(conn, console.case_filter(region_code), now)


def officers_table(conn: Connection, region: RegionInfo | None, period: Period,
                   now: datetime, weights: dict | None = None) -> pd.DataFrame:
    """The assessment of the officers under ``region`` (None: everyone) over ``period``
    with ``weights`` (:func:`data.field.assessment.load_weights`; None: the defaults),
    standing at ``now`` (to the minute) or the period's end, whichever is earlier: one row
    per officer, sorted by rank then name (:func:`data.field.assessment.assess`'s frame),
    kept per data version for a revisit within the minute."""
    as_of = min(now.replace(second=0, microsecond=0), period.end)
    return assess(conn, None if region is None else region.id, period, as_of, weights,
                  cache=_TABLES)


def figure_kinds() -> dict[str, str]:
    """Each figure's key → how it reads (``days``, ``hours``, ``km``, ``count``, ``rate``)."""
    return {figure.key: figure.kind for figure in FIGURES}


def wall_period(conn: Connection, moment: datetime) -> Period:
    """The wall's officers period: the last :data:`WALL_DAYS` local days up to
    ``moment``'s day."""
    tz = deployment_timezone(conn)
    today = local_date(moment, tz)
    return period_for(today - timedelta(days=WALL_DAYS - 1), today, tz)


def ends_of(frame: pd.DataFrame, n: int = WALL_ENDS) -> dict[str, object]:
    """The top ``n`` and the bottom ``n`` of an assessment frame's ranked officers (fewer
    than ``2n`` ranked: every one, once, the top first), and how many were left out as
    having too little data or being inactive. Each officer a dict of ``officer_id``,
    ``code``, ``name``, ``home_region``, ``score``, ``rank``, ``tied``."""
    standing = frame["standing"] if len(frame) else pd.Series(dtype=object)
    ranked = frame[standing == RANKED]
    rows = [{"officer_id": int(officer_id), "code": row["code"], "name": row["name"],
             "home_region": row["home_region"], "score": float(row["score"]),
             "rank": int(row["rank"]), "tied": bool(row["tied"])}
            for officer_id, row in ranked.iterrows()]
    top = rows[:n]
    bottom = rows[max(n, len(rows) - n):]
    return {"top": top, "bottom": bottom, "ranked": len(rows),
            "too_little_data": int((standing == TOO_LITTLE_DATA).sum()),
            "inactive": int((standing == INACTIVE).sum())}


def wall_officers(conn: Connection, region: RegionInfo | None, moment: datetime,
                  weights: dict | None = None) -> dict[str, object]:
    """The wall's officers panel for ``region``: :func:`ends_of` the assessment (with
    ``weights``, None: the defaults) of the last :data:`WALL_DAYS` local days up to
    ``moment`` (the wall's data moment)."""
    period = wall_period(conn, moment)
    frame = assess(conn, None if region is None else region.id, period, moment, weights)
    return {**ends_of(frame), "first": period.first, "last": period.last}


@dataclass(frozen=True)
class OfficerTarget:
    """Where a click on an officer leads: their code, their home region's id and code."""

    officer_id: int
    code: str
    home_region_id: int | None
    home_code: str | None


def officer_console_target(conn: Connection, officer_id: int) -> OfficerTarget | None:
    """The officer ``officer_id``'s code and home region (``officers.region_id``); None
    when no officer has that id."""
    row = conn.execute(
        select(Officer.id, Officer.code, Officer.region_id, Region.code)
        .join(Region, Region.id == Officer.region_id, isouter=True)
        .where(Officer.id == officer_id)).first()
    return None if row is None else OfficerTarget(int(row[0]), row[1], row[2], row[3])

