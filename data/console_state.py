"""The console's state: one typed value read from, and written back to, its address.

Everything the console shows follows from its address: ``/region/CODE`` picks the region,
the query string the period, the filters and the language. :meth:`ConsoleState.parse`
reads an address, :meth:`ConsoleState.to_query` gives the query parameters back,
:meth:`ConsoleState.to_store` / :meth:`ConsoleState.from_store` carry the value through the
page's ``dcc.Store`` (a plain dict), and :meth:`ConsoleState.case_filter` turns it into the
data layer's case filter. The console, the briefing link and the router share this module.

Plain Python: no Dash, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import parse_qs, unquote

from data import schema
from data.cases.filter import CaseFilter

REGION_PATH = re.compile(r"^/region/(?P<code>[^/]+)/?$")
#: The periods the console offers: today and 7 days are the last 1 and 7 local days,
#: 30 days the data layer's default, custom the range given by ``from`` and ``to``.
PERIODS: tuple[str, ...] = ("today", "7d", "30d", "custom")
DEFAULT_PERIOD = "30d"
#: How many days the fixed periods count back (30 days: the data layer's default).
PERIOD_DAYS = {"today": 1, "7d": 7}
LANGS: tuple[str, ...] = ("zh", "en")
#: The longest search text kept.
MAX_TEXT = 100
#: An officer's external id (``officers.code``) as an address may carry it: 1 to 64
#: characters, none of them a control character, no space at either end.
OFFICER_CODE = re.compile(r"^(?! )[^\x00-\x1f\x7f]{1,64}(?<! )$")
#: An alert's id as an address carries it: digits, at most 18 of them.
ALERT_ID = re.compile(r"^[0-9]{1,18}$")


class BadAddress(ValueError):
    """A query parameter of the console's address has a value it cannot use."""

    def __init__(self, parameter: str, value: str) -> None:
        super().__init__(f"{parameter}={value!r}")
        self.key = "bad_filter"
        self.values = {"parameter": parameter, "value": value}


def region_of_path(pathname: str | None) -> str | None:
    """The region code of a ``/region/CODE`` address (codes are quoted in addresses:
    real ones hold spaces, e.g. LA's "REGION 2"); None for any other address."""
    match = REGION_PATH.match(pathname or "/")
    return unquote(match.group("code")) if match else None


def is_console_path(pathname: str | None) -> bool:
    """Whether ``pathname`` is a console page (``/`` or ``/region/CODE``)."""
    path = pathname or "/"
    return path in ("/", "") or REGION_PATH.match(path) is not None


def address_lang(search: str | None, default_lang: str) -> str:
    """The language an address's query asks for (``zh`` or ``en``), else ``default_lang``;
    read even when the rest of the address cannot be."""
    lang = (parse_qs((search or "").lstrip("?")).get("lang") or [default_lang])[0]
    return lang if lang in LANGS else default_lang


def _alert(value: object) -> int | None:
    """An alert id from an address or a store (None: none selected); anything but a
    whole number is a :class:`BadAddress`. Whether the reader may see it is checked where
    it is read (:mod:`callbacks.console_alerts`)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** 18:
        return value
    if isinstance(value, str) and ALERT_ID.match(value):
        return int(value)
    raise BadAddress("alert", value[:40] if isinstance(value, str) else repr(value)[:40])


def _date(name: str, value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise BadAddress(name, value or "") from None


@dataclass(frozen=True)
class ConsoleState:
    """What the console's address asks for.

    ``region`` is a region code (None: the user's own region, or the top one); ``period``
    one of :data:`PERIODS`, with ``first`` and ``last`` (YYYY-MM-DD, as the address and the
    date picker write them) for a custom one; ``categories``, ``sources`` and ``statuses``
    the list's filters; ``hide_closed`` leaves closed cases off the map; ``text`` the
    search; ``lang`` the language; ``day`` (YYYY-MM-DD) the local day whose patrol tracks
    the map draws, of ``officer`` (an officer's code) or, on a grid, of the grid; ``alert``
    the id of the alert (预警) selected in the alerts panel, whose cases the map marks."""

    region: str | None = None
    period: str = DEFAULT_PERIOD
    first: str | None = None
    last: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    hide_closed: bool = True
    text: str = ""
    lang: str = "zh"
    day: str | None = None
    officer: str | None = None
    alert: int | None = None

    @classmethod
    def parse(cls, pathname: str | None, search: str | None,
              default_lang: str = "zh") -> ConsoleState:
        """The console's state from its address.

        ``/region/CODE`` names the region (``/``: the top region); the query string holds
        ``period`` (today, 7d, 30d, custom with ``from`` and ``to`` as YYYY-MM-DD), repeated
        ``cat``, ``src`` and ``status`` filters, ``closed=show`` to draw closed cases on the
        map, ``q`` (the search), ``lang``, ``day`` (YYYY-MM-DD: the patrol tracks of that
        day), ``officer`` (an officer's code: whose tracks) and ``alert`` (the selected
        alert's id); ``/?region=CODE`` is read
        as ``/region/CODE`` (older bookmarks). Raises :class:`BadAddress` naming the first
        bad parameter."""
        query = parse_qs((search or "").lstrip("?"))
        region = region_of_path(pathname) or (query.get("region") or [None])[0] or None

        def one(name: str, default: str | None = None) -> str | None:
            return (query.get(name) or [default])[0]

        lang = one("lang", default_lang)
        lang = lang if lang in LANGS else default_lang
        period = one("period", DEFAULT_PERIOD)
        if period not in PERIODS:
            raise BadAddress("period", period)
        first = last = None
        if period == "custom":
            first, last = _date("from", one("from")), _date("to", one("to"))
            if first > last:
                raise BadAddress("to", one("to"))
        sources = query.get("src", [])
        for value in sources:
            if value not in schema.SOURCES:
                raise BadAddress("src", value)
        statuses = query.get("status", [])
        for value in statuses:
            if value not in schema.STATUS_CHOICES:
                raise BadAddress("status", value)
        closed = one("closed", "hide")
        if closed not in ("hide", "show"):
            raise BadAddress("closed", closed)
        day = one("day")
        day = None if day is None else _date("day", day).isoformat()
        officer = one("officer")
        if officer is not None and not OFFICER_CODE.match(officer):
            raise BadAddress("officer", officer)
        return cls(region=region, period=period,
                   first=None if first is None else first.isoformat(),
                   last=None if last is None else last.isoformat(),
                   categories=tuple(query.get("cat", [])), sources=tuple(sources),
                   statuses=tuple(statuses), hide_closed=closed == "hide",
                   text=(one("q", "") or "").strip()[:MAX_TEXT], lang=lang,
                   day=day, officer=officer, alert=_alert(one("alert")))

    def to_query(self) -> dict[str, object]:
        """The query parameters (without ``lang``) that give this state back."""
        query: dict[str, object] = {}
        if self.period != DEFAULT_PERIOD:
            query["period"] = self.period
        if self.period == "custom":
            query["from"], query["to"] = self.first, self.last
        query["cat"] = list(self.categories)
        query["src"] = list(self.sources)
        query["status"] = list(self.statuses)
        if not self.hide_closed:
            query["closed"] = "show"
        if self.text:
            query["q"] = self.text
        if self.day:
            query["day"] = self.day
        if self.officer:
            query["officer"] = self.officer
        if self.alert is not None:
            query["alert"] = str(self.alert)
        return query

    def to_store(self) -> dict:
        """The state as the page's ``dcc.Store`` keeps it (lists, not tuples)."""
        return {"region": self.region, "period": self.period,
                "first": self.first, "last": self.last,
                "categories": list(self.categories), "sources": list(self.sources),
                "statuses": list(self.statuses), "hide_closed": self.hide_closed,
                "text": self.text, "lang": self.lang, "day": self.day,
                "officer": self.officer, "alert": self.alert}

    @classmethod
    def from_store(cls, data: dict) -> ConsoleState:
        """The state a ``dcc.Store`` sent back (:meth:`to_store`'s dict; ``text``, ``day``,
        ``officer`` and ``alert`` may be missing). A value that is not such a dict raises
        ``KeyError`` or ``TypeError``; a ``day``, ``officer`` or ``alert`` the address
        could not carry, :class:`BadAddress`."""
        if not isinstance(data, dict):
            raise TypeError(f"a console state is a dict, not {type(data).__name__}")
        day, officer = data.get("day"), data.get("officer")
        if day is not None:
            if not isinstance(day, str):
                raise BadAddress("day", repr(day)[:40])
            day = _date("day", day).isoformat()
        if officer is not None and not (isinstance(officer, str)
                                        and OFFICER_CODE.match(officer)):
            raise BadAddress("officer", repr(officer)[:40])
        return cls(region=data["region"], period=data["period"],
                   first=data["first"], last=data["last"],
                   categories=tuple(data["categories"]), sources=tuple(data["sources"]),
                   statuses=tuple(data["statuses"]), hide_closed=data["hide_closed"],
                   text=data.get("text", ""), lang=data["lang"], day=day, officer=officer,
                   alert=_alert(data.get("alert")))

    def case_filter(self, region_code: str | None) -> CaseFilter:
        """The data layer's filter for this state: today and 7 days are the last 1 and 7
        local days, 30 days the data layer's default (both follow old data to its newest
        case), custom the range given."""
        first = last = None
        days = PERIOD_DAYS.get(self.period)
        if self.period == "custom":
            first, last = date.fromisoformat(self.first), date.fromisoformat(self.last)
        return CaseFilter(region_code=region_code, first=first, last=last, days=days,
                                  categories=self.categories, sources=self.sources,
                                  statuses=self.statuses, text=self.text)

    def drilled(self, region_code: str | None) -> ConsoleState | None:
        """The state on ``region_code`` with the same period and filters; None when that
        names no region or this one (nothing moves)."""
        if region_code is None or region_code == self.region:
            return None
        return replace(self, region=region_code)

    def with_controls(self, period: str | None, start: str | None, end: str | None,
                      categories: list | None, sources: list | None, statuses: list | None,
                      hide_closed: bool, text: str | None,
                      dates_picked: bool = False) -> ConsoleState | None:
        """The state the console's controls now show: a period (none: the default), the
        date picker's ``start`` and ``end`` (picking both makes the period custom when
        ``dates_picked``), the filters, the map toggle and the search. None for a custom
        period without both dates (nothing moves yet)."""
        period = period or DEFAULT_PERIOD
        if dates_picked and start and end:
            period = "custom"
        first = last = None
        if period == "custom":
            if not (start and end):
                return None
            first, last = start[:10], end[:10]
        return replace(self, period=period, first=first, last=last,
                       categories=tuple(categories or []), sources=tuple(sources or []),
                       statuses=tuple(statuses or []), hide_closed=hide_closed,
                       text=(text or "").strip()[:MAX_TEXT])
