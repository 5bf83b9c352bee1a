"""The console's 调解 (mediation) and 回访 (return visit) steps: the open case's buttons, their
form, and the case detail's list of its mediations and visits.

Builders only (:mod:`callbacks.followup` decides what is offered to whom); every value that
came from the store is put into components as plain text.
"""

from __future__ import annotations

from dash import dcc, html

from data import schema
from layouts import ids
from layouts.text import label, t

HIDDEN = {"display": "none"}
SHOWN = {"display": "block"}


def build_followup_buttons(steps: list[str], lang: str) -> list:
    """One button per follow-up step that applies to the open case (none: nothing)."""
    if not steps:
        return []
    return [html.Div([
        html.Button(t(f"fu_{step}", lang), id=ids.followup_button(step), n_clicks=0,
                    className="button action followup", **{"data-step": step})
        for step in steps], className="action-buttons followup-buttons")]


def _options(values, lang: str) -> list[dict[str, str]]:
    return [{"label": label(v, lang), "value": v} for v in values]


def officer_options(officers: list[dict]) -> list[dict]:
    """The mediator pick list: the officers serving the case's region."""
    return [{"label": f"{o['name']} ({o['code']})", "value": int(o["id"])} for o in officers]


def _row(name: str, control, lang: str) -> html.Div:
    return html.Div([html.Label(t(name, lang)), control], className="form-row")


def build_followup_form(lang: str) -> html.Div:
    """The form of a mediation and of a return visit (one shows at a time), hidden until a
    button opens it."""

    def row(name: str, control) -> html.Div:
        return _row(name, control, lang)

    mediate = html.Div([
        row("fu_outcome", dcc.RadioItems(id=ids.MEDIATE_OUTCOME, inline=True,
                                         options=_options(schema.MEDIATION_OUTCOMES, lang))),
        row("fu_kind", dcc.Dropdown(id=ids.MEDIATE_KIND, clearable=True,
                                    options=_options(schema.MEDIATION_KINDS, lang))),
        row("fu_officer", dcc.Dropdown(id=ids.MEDIATE_OFFICER, clearable=True)),
        row("fu_name", dcc.Input(id=ids.MEDIATE_NAME, type="text", maxLength=100,
                                 className="search")),
        row("fu_agreement", dcc.Textarea(id=ids.MEDIATE_NOTE, rows=2, className="textarea",
                                         maxLength=2000)),
    ], id=ids.MEDIATE_FIELDS, style=HIDDEN)
    visit = html.Div([
        row("fu_satisfaction", dcc.RadioItems(id=ids.VISIT_SATISFACTION, inline=True,
                                              options=_options(schema.VISIT_RESULTS, lang))),
        row("fu_channel", dcc.RadioItems(
            id=ids.VISIT_CHANNEL, inline=True,
            options=[{"label": t(f"fu_channel_{c}", lang), "value": c}
                     for c in schema.VISIT_CHANNELS])),
        row("fu_note", dcc.Textarea(id=ids.VISIT_NOTE, rows=2, className="textarea",
                                    maxLength=2000)),
        html.Div([
            dcc.Checklist(id=ids.VISIT_REOPEN, value=[],
                          options=[{"label": t("fu_reopen", lang), "value": "reopen"}]),
            html.Label(t("fu_due", lang)),
            dcc.DatePickerSingle(id=ids.VISIT_DUE, display_format="YYYY-MM-DD",
                                 first_day_of_week=1, clearable=True),
        ], id=ids.VISIT_REOPEN_ROW, className="form-row", style=HIDDEN),
    ], id=ids.VISIT_FIELDS, style=HIDDEN)
    return html.Div([
        mediate, visit,
        html.Div([html.Button(t("submit", lang), id=ids.FOLLOWUP_SUBMIT,
                              className="button primary"),
                  html.Button(t("cancel", lang), id=ids.FOLLOWUP_CANCEL, className="button")],
                 className="form-buttons"),
    ], id=ids.FOLLOWUP_FORM, className="action-form followup-form", style=HIDDEN)


def build_followup(lang: str) -> html.Div:
    """The follow-up part of the actions panel: the stores, the buttons, the form and what
    the last step did."""
    return html.Div([
        dcc.Store(id=ids.FOLLOWUP_CASE), dcc.Store(id=ids.FOLLOWUP_KIND),
        html.Div(id=ids.FOLLOWUP_ACTIONS, className="actions followup-actions"),
        build_followup_form(lang),
        html.Div(id=ids.FOLLOWUP_FEEDBACK, className="feedback", role="status"),
    ], className="followup")


def _when(value: object) -> str:
    return "—" if value in (None, "") else str(value).replace("T", " ")[:16]


def _mediator(m: dict) -> str:
    names = [str(x) for x in (m.get("officer"), m.get("mediator")) if x]
    return " / ".join(dict.fromkeys(names)) or "—"


def build_records(records: dict | None, lang: str) -> html.Div | None:
    """The case's mediations (outcome, kind, mediator, when) and return visits
    (result, channel, when, reopened), oldest first; None for a case with neither."""
    records = records or {}
    mediations, visits = records.get("mediations") or [], records.get("visits") or []
    if not mediations and not visits:
        return None
    parts: list = []
    if mediations:
        parts += [html.H3(t("fu_mediations", lang)), html.Ul([html.Li([
            html.Span(_when(m.get("at")), className="tl-at"),
            html.Span(label(str(m.get("outcome")), lang), className="fu-outcome",
                      **{"data-outcome": str(m.get("outcome"))}),
            html.Span(label(str(m.get("kind")), lang) if m.get("kind") else "",
                      className="fu-kind"),
            html.Span(f"{t('fu_mediator', lang)}: {_mediator(m)}", className="fu-mediator"),
            html.Div(str(m.get("note") or ""), className="tl-note"),
        ], className="fu-mediation") for m in mediations], className="fu-list")]
    if visits:
        parts += [html.H3(t("fu_visits", lang)), html.Ul([html.Li([
            html.Span(_when(v.get("at")), className="tl-at"),
            html.Span(label(str(v.get("satisfaction")), lang), className="fu-answer",
                      **{"data-satisfaction": str(v.get("satisfaction"))}),
            html.Span(t(f"fu_channel_{v['channel']}", lang) if v.get("channel") else "",
                      className="fu-channel"),
            html.Strong(t("fu_reopened", lang), className="fu-reopened")
            if v.get("reopened") else None,
            html.Div(str(v.get("note") or ""), className="tl-note"),
        ], className="fu-visit") for v in visits], className="fu-list")]
    return html.Div(parts, className="followup-records")
