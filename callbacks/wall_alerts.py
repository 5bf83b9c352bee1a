"""The wall's early warnings in its picture and its refresh (:mod:`callbacks.wall` calls
these): the open red and orange alerts of the wall's region, read again only when the
alerts version moved (:func:`dashboard.wall_share.alerts` keeps them per region and
version), and what a page shows of them as plain values to compare between refreshes.

A red alert draws the eye once: the wall's state keeps the ids of the red alerts it has
seen (``seen``). A red alert's row on the panel carries ``pulse`` (``assets/wall_alerts.css``:
three pulses, then still) in the one answer where it is not among them; the rows sent
after are plain (the browser makes a row anew whenever the panel's rows are sent, so a
row that kept the class would pulse again), and an alert seen before, or back on the
panel after leaving it, never pulses. The seen ids are kept by a wall showing the panel.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import Patch, no_update

from dashboard import wall_share
from data.alerts.finding import RED
from data.wall_alerts import Versions, WallAlert, wall_alerts
from layouts.wall_alerts import (
    ALERT_ROWS, TRACE_ALERTS, alert_marks, build_alert_count, build_alert_rows, explanation,
    level_counts, patch_marks,
)

PANEL = "alerts"
#: What a page shows of the alerts, among its shown values (:func:`alert_values`).
ALERT_KEYS = ("alert_marks", "alert_counts", "alert_rows")
#: Red alert ids a wall remembers having seen (the highest, which are the newest).
SEEN_LIMIT = 2000


class HeldAlerts(list):
    """A region's wall alerts as kept for every wall of it in this worker, with their
    markers worded once per language (``marks``): a county's hundreds cost milliseconds."""

    def __init__(self, alerts: list[WallAlert]) -> None:
        super().__init__(alerts)
        self.marks: dict[str, list] = {}


def held_alerts(conn, region_code: str | None, versions: Versions) -> list[WallAlert]:
    """The wall alerts of ``region_code`` (the caller checked its scope), read again only
    when the alerts or the regions version moved."""
    return wall_share.alerts(region_code, (versions.alerts, versions.regions),
                             lambda: HeldAlerts(wall_alerts(conn, region_code)))


def _marks(alerts: list[WallAlert], lang: str) -> list:
    kept = getattr(alerts, "marks", None)
    if kept is None:
        return alert_marks(alerts, lang)
    if lang not in kept:
        kept[lang] = alert_marks(alerts, lang)
    return kept[lang]


def _ids(value: object) -> set[int]:
    """The whole numbers in a state's list (anything else in it is not an alert id the
    wall saw: left out)."""
    if not isinstance(value, list):
        return set()
    return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}


def seen_after(alerts: list[WallAlert], state: dict) -> tuple[list[int], list[int]]:
    """The red alerts a wall has seen once it shows ``alerts`` (its state's ``seen`` and
    the red ones now, the newest :data:`SEEN_LIMIT`), and the rows that pulse: the red
    ones on the panel now that it had not seen."""
    seen = _ids(state.get("seen"))
    pulsing = [a.id for a in alerts[:ALERT_ROWS] if a.level == RED and a.id not in seen]
    seen |= {a.id for a in alerts if a.level == RED}
    return sorted(seen)[-SEEN_LIMIT:], pulsing


def alert_values(alerts: list[WallAlert], state: dict, lang: str) -> tuple[dict, dict]:
    """What a wall shows of ``alerts`` as plain values (the markers, the counts and, on
    the alert panel, its rows: a row's pulse is not among them, so rows that only stop
    pulsing are not sent again) and what it keeps in its state (``seen``, on the panel)
    or passes on to the rows (``pulsing``)."""
    shown: dict[str, object] = {"alert_marks": _marks(alerts, lang),
                                "alert_counts": level_counts(alerts)}
    kept: dict[str, object] = {}
    if state.get("panel") == PANEL:
        seen, pulsing = seen_after(alerts, state)
        kept = {"seen": seen, "pulsing": pulsing}
        shown["alert_rows"] = (
            [(a.id, a.level, a.rule, a.region_name, explanation(a, lang),
              a.started_at.isoformat()) for a in alerts[:ALERT_ROWS]], len(alerts))
    return shown, kept


def panel_rows(alerts: list[WallAlert], kept: dict, tz: ZoneInfo, lang: str) -> list:
    """The alert panel's rows, pulsing as ``kept`` (:func:`alert_values`) says."""
    return build_alert_rows(alerts, set(kept.get("pulsing", [])), tz, lang)


def alert_outputs(old: dict, new: dict, alerts: list[WallAlert], kept: dict, state: dict,
                  lang: str) -> tuple:
    """The header's count and the panel's rows as a refresh sends them: built again only
    when what they show moved since the page was last sent ``old`` (everything for a page
    the server does not remember), ``no_update`` otherwise (and always for the rows of a
    wall without the panel)."""
    count = no_update
    if old.get("alert_counts") != new["alert_counts"]:
        count = build_alert_count(new["alert_counts"], lang)
    rows = no_update
    if "alert_rows" in new and old.get("alert_rows") != new["alert_rows"]:
        rows = panel_rows(alerts, kept, ZoneInfo(state["timezone"]), lang)
    return count, rows


def marks_patch(figure, old: dict, new: dict):
    """``figure`` (a ``Patch`` of the map, or None for none yet) with the alert markers
    set when they moved since ``old``; the figure unchanged (None or as given) else."""
    if old.get("alert_marks") == new["alert_marks"]:
        return figure
    figure = Patch() if figure is None else figure
    patch_marks(figure["data"][TRACE_ALERTS], new["alert_marks"])
    return figure


def state_items(versions: Versions, kept: dict, state: dict) -> dict:
    """The state's entries a refresh moves: the alerts version shown, and on the alert
    panel the red ids seen, when they changed."""
    items: dict[str, object] = {}
    if state.get("alerts") != versions.alerts:
        items["alerts"] = versions.alerts
    if "seen" in kept and state.get("seen") != kept["seen"]:
        items["seen"] = kept["seen"]
    return items

