"""The console's 预警 panel, and the map layer of the selected alert's cases, built from
plain data.

Builders only: the panel's shell (filters, the paged list, the selected alert, the
转办督办 / 关闭 form), one row per alert (level chip, rule, region, since when, how many
cases, the rule's explanation in words, its state and the actions the reader may take), the
selected alert's cases (each code opens the case's details, as the case list does) and the
map's markers of those cases. The data come from :mod:`data.alerts.book` through
:mod:`callbacks.console_alerts`; every name and note is put into components as plain text.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import dcc, html

from data.alerts.book import ACKNOWLEDGED, ASSIGNED, CLOSED, NEW, SYSTEM
from data.alerts.finding import LEVELS
from data.alerts.registry import RULES
from layouts import ids
from layouts.figures import plot_texts
from layouts.text import label, t

#: The alerts one page of the list shows; the count says how many the filters hold.
PAGE_ROWS = 30
#: The state filter's choices, in order, and the default.
STATE_CHOICES = (NEW, "open", CLOSED, "all")
DEFAULT_STATE = "open"
#: The map trace of the selected alert's cases (after the map's own and the patrol layer).
ALERT_TRACE = "alert-cases"
ALERT_COLOUR = "#8e24aa"
#: Which actions each state offers (data.alerts.actions.TRANSITIONS, as buttons).
ROW_ACTIONS: dict[str, tuple[str, ...]] = {
    NEW: ("acknowledge", "assign", "close"), ACKNOWLEDGED: ("assign", "close"),
    ASSIGNED: ("close",), CLOSED: (),
}
#: The actions that open the form first (acknowledge acts at once).
FORM_ACTIONS = ("assign", "close")
#: The longest description a supervision case takes from the form.
DESCRIPTION_LIMIT = 2000
SHOWN, HIDDEN = {"display": "block"}, {"display": "none"}


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A naive-UTC moment as the deployment's local ``YYYY-MM-DD HH:MM`` ("—": none)."""
    if moment is None:
        return "—"
    return f"{moment.replace(tzinfo=timezone.utc).astimezone(tz):%Y-%m-%d %H:%M}"


def state_options(lang: str) -> list[dict]:
    words = {NEW: t("alert_state_new", lang), "open": t("alert_filter_open", lang),
             CLOSED: t("alert_state_closed", lang), "all": t("alert_filter_all", lang)}
    return [{"label": words[s], "value": s} for s in STATE_CHOICES]


def build_alerts_panel(lang: str, refresh_seconds: int) -> html.Section:
    """The 预警 panel's shell, filled by the callbacks; the list is re-read whenever the
    alerts' version moves (polled every ``refresh_seconds``)."""
    return html.Section([
        dcc.Interval(id=ids.ALERTS_TICK, interval=max(int(refresh_seconds), 1) * 1000),
        dcc.Store(id=ids.ALERTS_VERSION), dcc.Store(id=ids.ALERTS_PAGE, data=0),
        dcc.Store(id=ids.ALERT_TARGET),
        html.Div([
            html.H2(t("alerts_title", lang)),
            dcc.RadioItems(id=ids.ALERTS_STATE, value=DEFAULT_STATE, inline=True,
                           className="period", inputClassName="period-input",
                           labelClassName="period-label", options=state_options(lang)),
            dcc.Dropdown(id=ids.ALERTS_RULE, clearable=True, className="alerts-filter",
                         placeholder=t("alerts_filter_rule", lang),
                         options=[{"label": t(f"alert_rule_{r.key}", lang), "value": r.key}
                                  for r in RULES]),
            dcc.Dropdown(id=ids.ALERTS_LEVEL, clearable=True, className="alerts-filter",
                         placeholder=t("alerts_filter_level", lang),
                         options=[{"label": t(f"alert_level_{v}", lang), "value": v}
                                  for v in LEVELS]),
            html.Span(id=ids.ALERTS_COUNT, className="alerts-count", role="status"),
            html.Button(t("alerts_prev", lang), id=ids.ALERTS_PREV, className="button"),
            html.Button(t("alerts_next", lang), id=ids.ALERTS_NEXT, className="button"),
        ], className="alerts-head"),
        html.Div(id=ids.ALERTS_FEEDBACK, className="feedback alerts-feedback", role="status"),
        html.Div([
            html.Div(id=ids.ALERTS_LIST, className="alerts-list"),
            html.Div([
                html.Div([html.H3(t("alert_cases_title", lang)),
                          html.Button(t("alert_clear", lang), id=ids.ALERT_CLEAR,
                                      className="button")], className="alert-selected-head"),
                html.Div(t("alert_selected_none", lang), id=ids.ALERT_SELECTED,
                         className="alert-selected"),
                build_alert_form(lang),
            ], className="alerts-side"),
        ], className="alerts-body"),
    ], className="panel alerts-panel")


def build_alert_form(lang: str) -> html.Div:
    """The form of 转办督办 (category, description) and 关闭 (note); which half shows is
    set when a button opens it."""
    return html.Div([
        html.H3(id=ids.ALERT_FORM_TITLE),
        html.Div([
            html.Label(t("alert_field_category", lang)),
            dcc.Dropdown(id=ids.ALERT_CATEGORY, clearable=True),
            html.Label(t("alert_field_description", lang)),
            dcc.Textarea(id=ids.ALERT_DESCRIPTION, rows=4, className="textarea",
                         maxLength=DESCRIPTION_LIMIT),
        ], id=ids.ALERT_ASSIGN_FIELDS, className="form-row", style=HIDDEN),
        html.Div([
            html.Label(t("alert_field_note", lang)),
            dcc.Textarea(id=ids.ALERT_NOTE, rows=3, className="textarea", maxLength=500),
        ], id=ids.ALERT_CLOSE_FIELDS, className="form-row", style=HIDDEN),
        html.Div([html.Button(t("alert_submit", lang), id=ids.ALERT_SUBMIT,
                              className="button primary"),
                  html.Button(t("alert_cancel", lang), id=ids.ALERT_CANCEL, className="button")],
                 className="form-buttons"),
    ], id=ids.ALERT_FORM, className="action-form alert-form", style=HIDDEN)


def count_words(total: int, page: int, shown: int, lang: str) -> str:
    """How many alerts the filters hold, and which of them the page shows."""
    if not total:
        return t("alerts_count_none", lang)
    first = page * PAGE_ROWS + 1
    return t("alerts_count", lang, n=f"{total:,}", first=first, last=first + shown - 1)


def state_words(row, case_codes: dict[int, str], tz: ZoneInfo, lang: str) -> list:
    """An alert's state: new; acknowledged by whom and when; assigned (the supervision
    case's code, a link that opens it); closed by whom with the note, or by the system in
    its own words."""
    parts: list = [html.Span(t(f"alert_state_{row.state}", lang),
                             className=f"alert-state-word state-{row.state}")]
    if row.state == CLOSED:
        if row.closed_by == SYSTEM:
            parts.append(html.Span(t("alert_closed_system_at", lang,
                                     at=local_time(row.closed_at, tz))))
        else:
            parts.append(html.Span(t("alert_closed_by", lang, who=row.closed_by or "?",
                                     at=local_time(row.closed_at, tz),
                                     note=row.close_note or "")))
        return parts
    if row.acknowledged_by:
        parts.append(html.Span(t("alert_acknowledged_by", lang, who=row.acknowledged_by,
                                 at=local_time(row.acknowledged_at, tz))))
    if row.state == ASSIGNED:
        code = case_codes.get(row.assigned_case_id) if row.assigned_case_id else None
        parts.append(html.Span([t("alert_assigned_to", lang), html.Button(
            code, id=ids.alert_case(row.assigned_case_id, "row"), className="case-link",
            **{"data-case": code})] if code else t("alert_assigned_case_gone", lang)))
    return parts


def build_alert_rows(rows: list, words: dict[int, str], case_codes: dict[int, str],
                     acts: set[int], selected: int | None, tz: ZoneInfo, lang: str) -> list:
    """The list: one row per alert (``words``: alert id → its explanation; ``acts``: the
    ids of the alerts the reader may act on, whose rows get buttons; ``selected``: the
    alert the address selects)."""
    if not rows:
        return [html.Div(t("alerts_none", lang), className="muted")]
    items = []
    for row in rows:
        region = row.region_name or t("alert_region_all", lang)
        body = html.Div([
            html.Span(t(f"alert_level_{row.level}", lang),
                      className=f"alert-chip chip-{row.level}"),
            html.Span(t(f"alert_rule_{row.rule}", lang), className="alert-rule"),
            html.Span(region, className="alert-region"),
            html.Span(t("alert_since", lang, at=local_time(row.started_at, tz)),
                      className="alert-since"),
            html.Span(t("alert_cases", lang, n=len(row.case_ids)), className="alert-ncases"),
            html.Div(words.get(row.id, ""), className="alert-words"),
        ], id=ids.alert_pick(row.id), n_clicks=0, className="alert-body", role="button",
            title=f"#{row.id}")
        buttons = [html.Button(t(f"alert_action_{action}", lang),
                               id=ids.alert_button(action, row.id, row.version),
                               className="button alert-action", **{"data-action": action})
                   for action in ROW_ACTIONS.get(row.state, ()) if row.id in acts]
        items.append(html.Li([
            body,
            html.Div(state_words(row, case_codes, tz, lang), className="alert-state"),
            html.Div(buttons, className="alert-buttons") if buttons else None,
        ], className=f"alert-row level-{row.level} state-{row.state}"
                     + (" selected" if row.id == selected else ""),
            **{"data-alert": str(row.id), "data-state": row.state, "data-level": row.level}))
    return [html.Ol(items, className="alerts-ol")]


def build_selected(row, explanation: str, cases: list[dict], hidden: int, lang: str,
                   tz: ZoneInfo, note: str | None = None) -> list:
    """The selected alert: what it is, and its cases the reader may see (``cases``: id,
    code, status, subcategory, lon, lat), each code a link that opens the case;
    ``hidden`` how many more lie outside the reader's area; ``note`` a line for a reader
    who may not act."""
    mapped = sum(1 for c in cases if c.get("lon") is not None and c.get("lat") is not None)
    where = t("alert_map_note", lang, mapped=mapped)
    if len(cases) > mapped:
        where += t("alert_unmapped", lang, n=len(cases) - mapped)
    if hidden:
        where += t("alert_hidden_cases", lang, n=hidden)
    region = row.region_name or t("alert_region_all", lang)
    return [
        html.Div([html.Span(t(f"alert_level_{row.level}", lang),
                            className=f"alert-chip chip-{row.level}"),
                  html.Span(f"#{row.id} {t(f'alert_rule_{row.rule}', lang)}",
                            className="alert-rule"),
                  html.Span(region, className="alert-region"),
                  html.Span(t("alert_since", lang, at=local_time(row.started_at, tz)),
                            className="alert-since")], className="alert-selected-title",
                 **{"data-alert": str(row.id)}),
        html.Div(explanation, className="alert-words"),
        html.Div(where, className="muted alert-map-note"),
        html.Ul([html.Li([
            html.Button(c["code"], id=ids.alert_case(c["id"], "selected"),
                        className="case-link",
                        **{"data-case": c["code"]}),
            html.Span(c.get("subcategory") or "", className="alert-case-sub"),
            html.Span(label(c.get("status") or "", lang), className="alert-case-status"),
            html.Span("" if c.get("lon") is not None and c.get("lat") is not None
                      else t("unlocated", lang), className="muted"),
        ], className="alert-case") for c in cases], className="alert-cases"),
        *([html.Div(note, className="muted")] if note else []),
    ]


def add_alert_layer(fig: go.Figure, cases: list[dict], lang: str) -> go.Figure:
    """Mark the selected alert's cases that have a point on the console's map (changed in
    place and returned): one trace, :data:`ALERT_TRACE`, of purple rings drawn over
    everything else. Each ring's ``customdata`` is the case id, so a click on it opens
    the case as a click on a case point does."""
    points = [c for c in cases if c.get("lon") is not None and c.get("lat") is not None]
    if not points:
        return fig
    fig.add_trace(go.Scattergeo(
        lon=[c["lon"] for c in points], lat=[c["lat"] for c in points], mode="markers",
        name=ALERT_TRACE, customdata=[int(c["id"]) for c in points],
        text=plot_texts(t("alert_case_hover", lang, code=c["code"], sub=c.get("subcategory")
                          or "") for c in points),
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker=dict(symbol="circle-open", size=18, color=ALERT_COLOUR,
                    line=dict(color=ALERT_COLOUR, width=3))))
    return fig
