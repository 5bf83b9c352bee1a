"""The case detail's parts for a case that came in live: how it came in (the door, who
took it, the reporter's phone), its photos, and its duplicate hints with the 合并 / 不是重复
buttons.

Builders only, called by :func:`layouts.console.build_detail`; every value is put into
components as plain text. What a link may show and whether its buttons are offered is
decided by the callback before (``visible``, ``may_decide`` on each link:
:func:`callbacks.duplicates.annotate_links`); a link without them shows no code and no
button.
"""

from __future__ import annotations

from dash import html

from layouts import ids
from layouts.text import label, t

#: The sources whose short channel word the intake rows use (others: the source's label).
CHANNELS = ("hotline", "app", "patrol", "video", "referral")


def _row(name: str, value: object) -> html.Tr:
    return html.Tr([html.Th(name), html.Td("—" if value in (None, "") else str(value))])


def intake_rows(case: dict, lang: str) -> list[html.Tr]:
    """The rows of how a case came in live: 受理渠道 (its channel), 接入方式 (Open311 or
    the hotline desk), the key, operator or grid officer who brought it, the reporter's
    phone and when it was received. None for an imported or demo case."""
    intake = case.get("intake")
    if not intake:
        return []
    source = case.get("source") or ""
    channel = t(f"intake_channel_{source}", lang) if source in CHANNELS else label(source, lang)
    rows = [_row(t("intake_channel", lang), channel),
            _row(t("intake_door", lang), t(f"intake_door_{intake.get('door')}", lang))]
    for key, name in (("api_key", "intake_key"), ("user_name", "intake_operator"),
                      ("officer", "intake_officer")):
        if intake.get(key):
            rows.append(_row(t(name, lang), intake[key]))
    rows.append(_row(t("detail_phone", lang), intake.get("reporter_phone")))
    rows.append(_row(t("intake_received", lang), str(intake.get("received_at") or "")[:16]))
    return rows


def build_photos(photos: list[dict] | None, lang: str) -> html.Div | None:
    """The case's photos as thumbnails, each a link to the full image (``/media/ID``,
    served only to signed-in users in the case's scope)."""
    if not photos:
        return None
    items = []
    for n, photo in enumerate(photos, start=1):
        src = f"/media/{int(photo['id'])}"
        items.append(html.A(html.Img(src=src, alt=t("photo_alt", lang, n=n),
                                     className="photo-thumb"),
                            href=src, target="_blank", rel="noopener", className="photo-link"))
    return html.Div([html.H3(t("photos_title", lang)),
                     html.Div(items, className="photo-strip")], className="photos")


def _other(link: dict, lang: str):
    """The other case of a link: a button that opens it in the detail, or, when the reader
    may not see it, words that name nothing."""
    if not link.get("visible"):
        return html.Span(t("dup_outside", lang), className="dup-outside")
    return html.Button(str(link.get("other_code")), id=ids.linked_case(int(link["other_id"])),
                       className="link-button case-link", n_clicks=0,
                       **{"data-case": str(link["other_code"])})


def _distance(link: dict, lang: str) -> str:
    metres = link.get("distance_m")
    return "" if metres is None else t("dup_distance", lang, m=f"{float(metres):.0f}")


def _buttons(link: dict, lang: str) -> html.Div | None:
    if not (link.get("may_decide") and link.get("visible") and link.get("decidable")):
        return None
    versions = (int(link["newer_id"]), int(link["older_id"]), int(link["newer_version"]),
                int(link["older_version"]))
    return html.Div([
        html.Button(t("dup_merge", lang), id=ids.duplicate_button("merge", *versions),
                    className="button primary dup-merge", n_clicks=0),
        html.Button(t("dup_dismiss", lang), id=ids.duplicate_button("dismiss", *versions),
                    className="button dup-dismiss", n_clicks=0),
    ], className="dup-buttons")


def _one_link(link: dict, lang: str) -> html.Div | None:
    state, newer = link.get("state"), link.get("this_is_newer")
    decided = " ".join(str(x) for x in (link.get("decided_by"),
                                        str(link.get("decided_at") or "")[:16]) if x)
    if state == "suspected":
        if not link.get("decidable"):
            return None  # one of the two was closed, voided or merged since: nothing to do
        words = t("dup_of" if newer else "dup_has", lang)
        return html.Div([html.Strong(t("dup_suspected", lang), className="dup-flag"),
                         html.Span(words), _other(link, lang),
                         html.Span(_distance(link, lang)), _buttons(link, lang)],
                        className="dup-banner", role="note")
    if state == "merged":
        words = t("dup_merged_into" if newer else "dup_merged_from", lang)
        return html.Div([html.Strong(words, className="dup-flag"), _other(link, lang),
                         html.Span(decided, className="muted")], className="dup-merged")
    if state == "dismissed":
        return html.Div([html.Span(t("dup_dismissed", lang)), _other(link, lang),
                         html.Span(decided, className="muted")], className="dup-dismissed")
    return None


def build_links(links: list[dict] | None, lang: str) -> html.Div | None:
    """The duplicate hints of a case: 疑似重复 with the other case and, for a commander of
    both cases' areas, 合并 and 不是重复; a merged pair says 作废（重复）→ the older case on
    the newer and 已合并 → the newer case on the older; a dismissed hint is noted."""
    parts = [part for part in (_one_link(link, lang) for link in links or []) if part]
    return html.Div(parts, className="dup-links") if parts else None
