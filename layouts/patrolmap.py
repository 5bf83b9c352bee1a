"""The console's 巡查 panel and its patrol layer on the map, built from plain data.

Builders only: the day and officer pickers (they change the address's ``day`` and
``officer``), what the map's patrol layer shows (a hint), today's patrol coverage, and
the blind spots (巡查盲区: grids no one patrolled in the last N days), each a link that
drills there like the console's other region links. The data come from
:mod:`data.field.coverage` through :mod:`callbacks.patrolmap`; the traces from
:func:`layouts.figures.add_patrol_layer`.
"""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.console import console_href
from layouts.format import format_value
from layouts.text import t

#: The blind spots' "last N days" choices (the settings' default is added when missing).
BLIND_DAY_CHOICES = (3, 7, 14, 30)
#: The most blind spots listed; the rest are counted.
BLIND_ROWS = 50
#: The most officers the picker offers (a county of thousands: drill down to choose).
OFFICER_ROWS = 300


def blind_day_choices(default: int) -> list[int]:
    """The chooser's day counts: :data:`BLIND_DAY_CHOICES` and ``default``, in order."""
    return sorted({*BLIND_DAY_CHOICES, int(default)})


def build_patrol_panel(lang: str, state: dict, blind_days: int) -> html.Section:
    """The 巡查 panel, set as the address says (``state``: the console's store dict);
    ``blind_days`` the chooser's default (:attr:`Settings.blind_spot_days`)."""
    return html.Section([
        html.H2(t("patrol_title", lang)),
        html.Div([
            html.Div([
                html.Div([
                    dcc.DatePickerSingle(id=ids.PATROL_DAY, date=state.get("day"),
                                         display_format="YYYY-MM-DD", first_day_of_week=1,
                                         clearable=True, placeholder=t("patrol_day", lang),
                                         className="patrol-day"),
                    dcc.Dropdown(id=ids.PATROL_OFFICER, value=state.get("officer"),
                                 options=[], clearable=True, className="patrol-officer",
                                 placeholder=t("patrol_officer", lang)),
                ], className="patrol-pickers"),
                html.Div(id=ids.PATROL_HINT, className="patrol-hint", role="status"),
                html.Div([html.Span(t("patrol_coverage_today", lang),
                                    className="tile-label"),
                          html.Span("—", id=ids.PATROL_COVERAGE, className="tile-value",
                                    **{"data-metric": "patrol_coverage"})],
                         className="patrol-coverage"),
            ], className="patrol-left"),
            html.Div([
                html.Div([
                    html.H3(t("patrol_blind_title", lang)),
                    dcc.RadioItems(id=ids.PATROL_BLIND_DAYS, value=blind_days, inline=True,
                                   className="period", inputClassName="period-input",
                                   labelClassName="period-label",
                                   options=[{"label": t("patrol_blind_days", lang, n=n),
                                             "value": n}
                                            for n in blind_day_choices(blind_days)]),
                ], className="patrol-blind-head"),
                html.Div(id=ids.PATROL_BLIND, className="patrol-blind"),
            ], className="patrol-right"),
        ], className="patrol-body"),
    ], className="panel patrol-panel")


def officer_options(officers: list[dict], current: str | None, lang: str) -> list[dict]:
    """The officer picker's choices (``officers``: code, name; the first
    :data:`OFFICER_ROWS`, then a line saying how many more a drill would show), and the
    address's own code when it is not among them (so the picker keeps showing what the
    address says)."""
    shown = officers[:OFFICER_ROWS]
    options = [{"label": f"{o['name']} ({o['code']})", "value": o["code"]} for o in shown]
    if len(officers) > OFFICER_ROWS:
        options.append({"label": t("patrol_officer_more", lang, n=len(officers) - OFFICER_ROWS),
                        "value": "", "disabled": True})
    if current and current not in {o["code"] for o in shown}:
        name = next((o["name"] for o in officers if o["code"] == current), None)
        options.append({"label": current if name is None else f"{name} ({current})",
                        "value": current})
    return options


def coverage_text(value: float | None) -> str:
    """Today's patrol coverage as the tiles write a rate ("—" with no basis)."""
    return format_value(value, "rate")


def tracks_hint(lang: str, *, day: str | None, who: str | None, patrols: int | None,
                thinned: bool = False, refused: bool = False) -> str:
    """What the map's patrol layer shows: nothing yet (how to get tracks), the tracks of
    ``day`` of ``who`` (an officer's name; None: the grid shown) and how many, or that an
    officer may not be shown."""
    if refused:
        return t("patrol_officer_refused", lang)
    if day is None:
        return t("patrol_hint_pick", lang)
    if patrols is None:
        return t("patrol_hint_grid", lang, day=day)
    whose = who or t("patrol_who_grid", lang)
    if not patrols:
        return t("patrol_hint_none", lang, day=day, who=whose)
    text = t("patrol_hint_tracks", lang, day=day, n=patrols, who=whose)
    return text + (t("patrol_hint_thinned", lang) if thinned else "")


def build_blind_spots(spots: list[dict], days: int, query: dict, lang: str) -> list:
    """The 巡查盲区 list: each grid (its town, how long unpatrolled, who serves it, its
    open cases) a link to its console page keeping the address's ``query``; the first
    :data:`BLIND_ROWS`, the rest counted."""
    if not spots:
        return [html.Div(t("patrol_blind_none", lang, n=days), className="muted")]
    rows = []
    for spot in spots[:BLIND_ROWS]:
        if spot["days_since"] is None:
            since = t("patrol_blind_never", lang)
        else:
            since = t("patrol_blind_since", lang, n=spot["days_since"],
                      at=str(spot["last_local"])[:16])
        names = spot.get("officers") or []
        serving = (t("patrol_blind_officers", lang, names="、".join(names)) if names
                   else t("patrol_blind_nobody", lang))
        rows.append(html.Li([
            dcc.Link(spot["name"], href=console_href(spot["code"], query, lang),
                     className="blind-name"),
            html.Span(spot.get("parent") or "", className="blind-parent"),
            html.Span(since, className="blind-since"),
            html.Span(serving, className="blind-officers"),
            html.Span(t("patrol_blind_open", lang, n=spot.get("open_cases", 0)),
                      className="blind-open"),
        ], className="blind-row", **{"data-code": spot["code"]}))
    more = len(spots) - BLIND_ROWS
    tail = [html.Div(t("patrol_blind_more", lang, n=more), className="muted")] if more > 0 else []
    return [html.Ol(rows, className="blind-list"), *tail]


def position_hover(name: str, at_local: str, lang: str) -> str:
    """The hover of an officer's latest position."""
    return t("patrol_position", lang, name=name, at=at_local)
