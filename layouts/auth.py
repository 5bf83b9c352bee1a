"""Small pieces of the interface about who is signed in."""

from __future__ import annotations

from dash import html

from data.users import ADMIN, Principal
from layouts.text import t

AUDIT_PATH = "/admin/audit"


def build_user_badge(principal: Principal, lang: str, region_name: str | None = None
                     ) -> html.Div:
    """Who is signed in, their role and area (by its ``region_name``, the code on hover;
    the code when no name is given), the way out (a plain link to /logout) and, for an
    admin, the way to the audit log."""
    parts: list = [html.Span(f"{t('signed_in_as', lang)}: {principal.name}",
                             className="auth-badge-name"),
                   html.Span(f" · {t('role_' + principal.role, lang)}",
                             className="auth-badge-role")]
    if principal.region_code:
        shown = region_name or principal.region_code
        parts.append(html.Span(f" · {shown}", className="auth-badge-region",
                               title=f"{shown} ({principal.region_code})"))
    if principal.role == ADMIN and not principal.is_display:  # the audit log: admins only
        parts.append(html.A(t("audit_link", lang), className="auth-badge-audit",
                            href=AUDIT_PATH + ("?lang=en" if lang == "en" else "")))
    if not principal.is_display:
        parts.append(html.A(t("sign_out", lang), href="/logout" + ("?lang=en" if lang == "en"
                                                                   else ""),
                            className="auth-badge-logout"))
    return html.Div(parts, className="auth-badge")
