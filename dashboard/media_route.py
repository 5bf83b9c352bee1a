"""``GET /media/<id>``: a photo sent with a case, for those who may see the case.

Only a signed-in *user* gets a photo, and only when their scope covers the case's region
(an unlocated case belongs to the whole deployment: unscoped users only). A wall's display
token never does, whether it comes as ``?token=`` or in the ``X-Display-Token`` header: a
wall shows figures, not residents' photos. The refusals are 403 JSON as the auth guard's
(signed out included: an ``<img>`` gets no login page), an id no photo has is 404, and a
photo whose file is missing on disk is 404 with a log line.

The file's name comes from the store (:func:`data.intake.media.find_photo`), yet it is
still checked: it must be a name :func:`data.intake.media.store` makes, and resolve to a
file directly inside the media folder (:meth:`dashboard.settings.Settings.media_path`), so
neither a tampered row nor a link in the folder serves anything else. The answer is the
file as kept (already stripped of metadata), with its content type, ``nosniff``, a
private cache of an hour and an inline disposition under a name made of ids only.

The auth guard (:func:`dashboard.auth._guard`) lets this endpoint through untouched
(:data:`dashboard.auth.SELF_GUARDED`): the checks are here, on the photo actually asked for.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from dash import Dash
from flask import Response, jsonify, send_file
from sqlalchemy.exc import SQLAlchemyError

from dashboard import auth, services
from data.intake import media
from layouts.text import t

log = logging.getLogger(__name__)

PATH = "/media/<int:media_id>"
ENDPOINT = "case_media"
CACHE_CONTROL = "private, max-age=3600"
#: The names :func:`data.intake.media.store` gives files: 128 random bits and a kept kind.
_STORED_NAME = re.compile(r"[0-9a-f]{32}(\.jpg|\.png)")


def media_view(media_id: int) -> Response:
    """The photo ``media_id`` as a file, or a JSON refusal (403, 404, 503)."""
    try:
        return _serve(media_id)
    except SQLAlchemyError:
        return _json_error("auth_unavailable", 503)


def _serve(media_id: int) -> Response:
    principal = auth.current_user()
    if principal is None:
        raise auth.Forbidden("auth_token_invalid" if auth.presented_token()
                             else "auth_signed_out")
    if principal.is_display:
        raise auth.Forbidden("auth_display_only")
    with services.engine().connect() as conn:
        photo = media.find_photo(conn, media_id)
    if photo is None:
        return _json_error("media_not_found", 404)
    if not principal.can_see(photo["region_id"]):
        raise auth.Forbidden("auth_case_refused")  # names neither the case nor its region
    path = stored_file(services.settings().media_path(), photo["filename"])
    if path is None:
        log.warning("photo %s of case %s: no file %r inside the media folder %s", media_id,
                    photo["case_id"], photo["filename"], services.settings().media_path())
        return _json_error("media_not_found", 404)
    response = send_file(path, mimetype=media.EXTENSIONS[path.suffix], conditional=True,
                         download_name=f"case-{photo['case_id']}-photo-{media_id}{path.suffix}")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def stored_file(folder: Path, filename: object) -> Path | None:
    """The file ``filename`` names directly inside ``folder``, if it is a name the store
    gives photos and a regular file there (a link is followed, and must land there too);
    None otherwise."""
    if not isinstance(filename, str) or not _STORED_NAME.fullmatch(filename):
        return None
    try:
        root = folder.resolve()
        path = (root / filename).resolve()
    except (OSError, RuntimeError):
        return None
    if path.parent != root or not path.is_file():
        return None
    return path


def _json_error(key: str, status: int) -> Response:
    """The auth guard's JSON shape (a key and its words in both languages)."""
    response = jsonify({"error": {"key": key, "message": {lang: t(key, lang)
                                                         for lang in ("zh", "en")}}})
    response.status_code = status
    return response


def init_app(app: Dash) -> None:
    """Serve ``/media/<id>`` from ``app``'s server."""
    app.server.add_url_rule(PATH, ENDPOINT, media_view, methods=["GET"])
