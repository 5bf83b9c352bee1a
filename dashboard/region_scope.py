"""The region a console request shows, checked against who is asking.

The console's callbacks (:mod:`callbacks.console_targets` hands these on) and the routes
that serve the console's files (:mod:`dashboard.export_route`) resolve and check the region
the same way, here.
"""

from __future__ import annotations

from dashboard import auth
from data.regions import get_region, root_region


def region_shown(conn, code: str | None) -> str | None:
    """The region the console shows, once the principal asking may see it: the one named;
    else the signed-in user's own region, or the single top-level region. Raises
    :class:`auth.Forbidden` (a display token, signed out, outside the scope, or a code no
    region has when the principal is scoped) before reading anything."""
    if code is None:
        principal = auth.current_user()
        code = getattr(principal, "region_code", None)
    auth.require_viewer_code(code)
    region = root_region(conn, code)
    return None if region is None else region.code


def require_region_viewer(conn, code: str | None):
    """The signed-in principal when it may see ``code`` (None: the whole deployment)."""
    return auth.require_viewer(None if code is None else get_region(conn, code).id)
