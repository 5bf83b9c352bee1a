"""The wall's early warnings drawn: the alert panel (``/wall?panel=alerts``), the header's
count and the alert markers on the map.

Builders only, from :class:`data.wall_alerts.WallAlert` lists (red first, then newest).
A row whose red alert is new to the wall carries ``pulse`` in the answer that first shows
it (``assets/wall_alerts.css`` plays three slow pulses, then the row stays still); which
rows do is decided by the callback (:mod:`callbacks.wall_alerts`), which keeps what the
wall has seen.
"""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import html

from data.alerts.finding import ORANGE, RED
from data.wall_alerts import WallAlert
from layouts import ids
from layouts.alert_words import explain
from layouts.figures import TRACE_LABELS, plot_text
from layouts.text import t

#: Where the wall's map draws the alert markers: after :func:`layouts.figures.grid_map`'s
#: traces (on top of the grid names); the refresh patches it by this name.
TRACE_ALERTS = TRACE_LABELS + 1
#: Rows the alert panel holds at 1920×1080 with the "+N more" line under them
#: (``assets/wall_alerts.css``: rows of 50 px and a line of 26 px in a body of 279 px).
ALERT_ROWS = 5
LEVEL_COLOURS = {RED: "#ff3b3b", ORANGE: "#ff9f1a"}
MARKER_SIZES = {RED: 15, ORANGE: 12}
#: Alerts named in a marker's hover text; the rest are counted.
MARKER_NAMES = 3

Mark = tuple[float, float, str, str]  # lon, lat, level, hover text (for plotly)


def explanation(alert: WallAlert, lang: str) -> str:
    """The alert's one sentence (:func:`layouts.alert_words.explain`), "this grid" worded
    with its region's level in ``lang``."""
    level = alert.level_name if lang == "zh" else (alert.level_name_en or "").lower() or None
    return explain(alert.rule, alert.facts, lang, level)


def alert_marks(alerts: list[WallAlert], lang: str) -> list[Mark]:
    """One marker per place holding alerts (alerts at the same point share it): the most
    urgent level's colour, its alerts named in the hover text (the first
    :data:`MARKER_NAMES`, the rest counted). Orange markers first, so the red ones are
    drawn over them. Alerts with no place get no marker."""
    places: dict[tuple[float, float], list[WallAlert]] = {}
    for alert in alerts:
        if alert.lon is not None and alert.lat is not None:
            places.setdefault((round(alert.lon, 6), round(alert.lat, 6)), []).append(alert)
    words: dict[tuple[str, str], str] = {}  # level and rule, worded once

    def headline(alert: WallAlert) -> str:
        said = words.get((alert.level, alert.rule))
        if said is None:
            said = words[(alert.level, alert.rule)] = (
                f"{t(f'alert_level_{alert.level}', lang)}·{t(f'alert_rule_{alert.rule}', lang)}·")
        return said + plot_text(alert.region_name or t("alert_region_all", lang))

    marks = []
    for (lon, lat), here in places.items():
        if len(here) > 1:
            here = sorted(here, key=lambda a: a.level != RED)  # red first, newest kept first
        lines = [headline(a) for a in here[:MARKER_NAMES]]
        if len(here) > MARKER_NAMES:
            lines.append(t("wall_alert_marker_more", lang, n=len(here) - MARKER_NAMES))
        level = RED if here[0].level == RED else ORANGE
        marks.append((lon, lat, level, "<br>".join(lines)))
    return sorted(marks, key=lambda m: m[2] == RED)


def alert_trace(marks: list[Mark]) -> go.Scattergeo:
    """The map's alert markers (:data:`TRACE_ALERTS`): a ring in the level's colour, apart
    from the flagged grids' diamonds and the officers' dots, a diamond showing inside."""
    return go.Scattergeo(lon=[m[0] for m in marks], lat=[m[1] for m in marks],
                         mode="markers", text=[m[3] for m in marks],
                         hovertemplate="%{text}<extra></extra>", showlegend=False,
                         marker=dict(symbol="circle-open", **marker_style(marks)))


def marker_style(marks: list[Mark]) -> dict[str, list]:
    """The markers' colours, sizes and ring widths, per mark (the refresh patches them)."""
    return {"color": [LEVEL_COLOURS[m[2]] for m in marks],
            "size": [MARKER_SIZES[m[2]] for m in marks],
            "line": {"width": 2}}


def patch_marks(trace, marks: list[Mark]) -> None:
    """Set the marks on ``trace``, a ``Patch`` of the map's :data:`TRACE_ALERTS`."""
    trace["lon"] = [m[0] for m in marks]
    trace["lat"] = [m[1] for m in marks]
    trace["text"] = [m[3] for m in marks]
    style = marker_style(marks)
    trace["marker"]["color"] = style["color"]
    trace["marker"]["size"] = style["size"]


def level_counts(alerts: list[WallAlert]) -> tuple[int, int]:
    """How many of ``alerts`` are red and how many orange."""
    reds = sum(1 for a in alerts if a.level == RED)
    return reds, len(alerts) - reds


def build_alert_count(counts: tuple[int, int], lang: str) -> list:
    """The header's count of open red and orange alerts: calm, a small label and two
    chips; a muted line when there is none."""
    reds, oranges = counts
    if not reds and not oranges:
        return [html.Span(t("wall_alert_count_none", lang), className="wall-alert-count-none")]
    return [html.Span(t("wall_alert_count", lang), className="wall-alert-count-label"),
            *[html.Span(f"{t(f'alert_level_{level}', lang)} {n}",
                        className=f"wall-alert-chip {level}", **{"data-level": level})
              for level, n in ((RED, reds), (ORANGE, oranges)) if n]]


def build_alert_rows(alerts: list[WallAlert], pulsing: set[int], tz: ZoneInfo,
                     lang: str) -> list:
    """The alert panel's rows: the first :data:`ALERT_ROWS` alerts (level chip, rule,
    region, since when; the explanation under them), "+N more" when there are more, a
    calm line when there is none. A row whose id is in ``pulsing`` carries ``pulse``."""
    if not alerts:
        return [html.Div(t("wall_alerts_none", lang), className="wall-alerts-none")]
    rows = [_row(alert, alert.id in pulsing, tz, lang) for alert in alerts[:ALERT_ROWS]]
    if len(alerts) > ALERT_ROWS:
        rows.append(html.Div(t("wall_alerts_more", lang, n=len(alerts) - ALERT_ROWS),
                             className="wall-alerts-more"))
    return rows


def _row(alert: WallAlert, pulse: bool, tz: ZoneInfo, lang: str) -> html.Div:
    since = alert.started_at.replace(tzinfo=timezone.utc).astimezone(tz)
    return html.Div([
        html.Div([
            html.Span(t(f"alert_level_{alert.level}", lang),
                      className=f"wall-alert-chip {alert.level}"),
            html.Span(t(f"alert_rule_{alert.rule}", lang), className="wall-alert-rule"),
            html.Span(alert.region_name or t("alert_region_all", lang),
                      className="wall-alert-place"),
            html.Span(t("alert_since", lang, at=f"{since:%m-%d %H:%M}"),
                      className="wall-alert-since"),
        ], className="wall-alert-head"),
        html.Div(explanation(alert, lang), className="wall-alert-why"),
    ], id=ids.wall_alert_row(alert.id),
        className=f"wall-alert-row {alert.level}" + (" pulse" if pulse else ""),
        **{"data-alert": str(alert.id), "data-level": alert.level})
