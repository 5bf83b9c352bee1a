"""``GET /export/cases.csv``: the console's case list as a CSV file, streamed.

The console's 导出 CSV button asks its callback (:func:`callbacks.console.export_list`)
for this address, made by :func:`csv_address` from the console's state and the grid's
own sort and filters; the browser then opens it and receives the file block by block
(:func:`data.cases.export.csv_chunks`), so a year of a county (224,000 rows) holds
neither a worker's memory nor a callback for the minute it takes.

The address is only a request: the checks are made here, on its values, as the export
callback made them: someone signed in (not a wall's display token), the region named (or
the user's own) inside their scope (:func:`dashboard.region_scope.region_shown` and
:func:`~dashboard.region_scope.require_region_viewer`), the filters valid. A refusal
is 403 JSON, a bad value 400 JSON (the auth guard's shape); nothing is sent before every
check has passed. The sign-in guard has already sent a signed-out browser to the login
page (and back here after it).
"""

from __future__ import annotations

import json
from functools import partial
from urllib.parse import urlencode

from dash import Dash
from flask import Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard.region_scope import region_shown, require_region_viewer
from dashboard import services
from data.cases.export import csv_chunks, export_filename
from data.cases.filter import FilterError
from data.console_state import BadAddress, ConsoleState
from data.regions import UnknownRegion
from data.store import deployment_timezone, utcnow
from layouts.text import t, t_error, word

PATH = "/export/cases.csv"
ENDPOINT = "export_cases_csv"


def csv_address(state: ConsoleState, region_code: str | None, sort_model: object = None,
                filter_model: object = None) -> str:
    """The address of the CSV of the list ``state`` shows for ``region_code`` (the region
    the console resolved), in the state's language, with the grid's sort and filters."""
    query = {**state.to_query(), "lang": state.lang}
    if region_code is not None:
        query["region"] = region_code
    if sort_model:
        query["sort"] = json.dumps(sort_model, ensure_ascii=False, separators=(",", ":"))
    if filter_model:
        query["filter"] = json.dumps(filter_model, ensure_ascii=False, separators=(",", ":"))
    return f"{PATH}?{urlencode(query, doseq=True)}"


def _model(name: str) -> object:
    """The grid model ``name`` of the address (JSON), or None; :class:`FilterError` for a
    value that is not JSON."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise FilterError(name, raw[:40], "bad_json") from None


def export_csv() -> Response:
    """The list as a CSV download (200, streamed), or a JSON refusal (400, 403, 503)."""
    lang = "en" if request.args.get("lang") == "en" else services.settings().language
    try:
        state = ConsoleState.parse(None, request.query_string.decode("utf-8", "replace"),
                                   services.settings().language)
        lang = state.lang
        sort_model, filter_model = _model("sort"), _model("filter")
        now = utcnow()
        with services.engine().connect() as conn:
            code = region_shown(conn, state.region)  # a user, not a wall; in scope
            require_region_viewer(conn, code)
            zone = deployment_timezone(conn)  # the file's name says local time
        flt = state.case_filter(code)
        chunks = csv_chunks(services.engine(), flt, now, partial(word, lang=lang),
                            sort_model, filter_model)
    except BadAddress as bad:
        return _refusal(t("bad_address", lang, why=t_error(bad.key, bad.values, lang)), 400)
    except FilterError as bad:
        return _refusal(t_error("bad_filter", {"parameter": bad.param, "value": bad.value},
                                lang), 400)
    except UnknownRegion as missing:
        return _refusal(t("unknown_region", lang, code=missing.code), 404)
    except SQLAlchemyError:
        return _refusal(t("auth_unavailable", lang), 503)
    response = Response(chunks, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(flt, "csv", now, zone)}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _refusal(message: str, status: int) -> Response:
    response = jsonify({"error": {"message": message}})
    response.status_code = status
    return response


def init_app(app: Dash) -> None:
    """Serve ``/export/cases.csv`` from ``app``'s server."""
    app.server.add_url_rule(PATH, ENDPOINT, export_csv, methods=["GET"])
