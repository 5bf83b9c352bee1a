"""The server's log: configured in one place, one line per request, no secrets.

:func:`configure` sets the level (``Settings.log_level``, ``DASHBOARD_LOG_LEVEL``) and a
handler on stderr whose lines carry the worker's pid; ``serve`` calls it before serving,
and a worker process (gunicorn's ``post_fork``, or ``dashboard.wsgi``) calls it again,
harmlessly: it never adds a second handler.

:func:`init_app` wraps the app's WSGI callable so every request, including those the
sign-in guard or the Host check refuses and those that stream a file, ends in one INFO
line of ``dashboard.requests``: ``GET /region/T1 200 12.3 ms``. Only the method, the path,
the status and the time: never the query string (a wall's address carries ``?token=``,
Open311 ``api_key``), the body (a sign-in form's password), cookies or headers. At
WARNING the requests are silent. As a second line of defence every record that reaches
the handler has ``token=``, ``api_key=``, ``password=``, ``secret=`` and ``csrf=`` values
blanked, whoever logged it.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import IO, Callable, Iterable

from dash import Dash
from werkzeug.wsgi import ClosingIterator

from dashboard.settings import Settings

REQUEST_LOGGER = "dashboard.requests"
FORMAT = "%(asctime)s %(levelname)s pid=%(process)d %(name)s: %(message)s"
#: The attribute that marks the handler :func:`configure` installed (found again, not added twice).
_MARK = "_dashboard_handler"
#: ``name=value`` pairs whose value is a secret, in whatever text a record carries.
_SECRET_PAIR = re.compile(r"(?i)\b(token|api_key|password|secret|csrf)=([^&\s\"']+)")
#: The longest path a request line quotes (a longer one is cut, and says so).
MAX_PATH = 200

log = logging.getLogger(REQUEST_LOGGER)


def redact(text: str) -> str:
    """``text`` with the values of secret ``name=value`` pairs replaced by ``***``."""
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}=***", text)


class _Redacting(logging.Filter):
    """Blanks secret ``name=value`` pairs in every record's message (a handler filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Log at ``settings.log_level`` to ``stream`` (stderr), one handler on the root
    logger whatever the number of calls; werkzeug's own request lines (which quote the
    query string) are turned off, ours replace them, and alembic's notes on every store
    opened are kept for DEBUG. Returns the handler."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        setattr(handler, _MARK, True)
        handler.addFilter(_Redacting())
        root.addHandler(handler)
    elif stream is not None and isinstance(handler, logging.StreamHandler):
        handler.setStream(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(max(level, logging.WARNING))
    # alembic says which dialect it drives each time a store is opened: only when debugging
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING)
                                          if level > logging.DEBUG else level)
    return handler


def shown_path(environ: dict) -> str:
    """The request's path as a log line quotes it: no query string, control characters
    and other non-printables escaped (no forged lines), cut at :data:`MAX_PATH`."""
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    try:  # WSGI hands the path over as latin-1 of the bytes sent
        path = raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        path = raw
    path = "".join(c if c.isprintable() and c != " " else repr(c)[1:-1] or "?"
                   for c in path)
    return path if len(path) <= MAX_PATH else path[:MAX_PATH] + "...(cut)"


class RequestLog:
    """WSGI middleware: one INFO line per request when its response is done (its body
    sent, a stream included), with the method, the path, the status and the time."""

    def __init__(self, wsgi_app: Callable, logger: logging.Logger = log) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.logger.isEnabledFor(logging.INFO):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(code: str, headers, exc_info=None):
            status[:] = [code.split(" ", 1)[0]]
            return start_response(code, headers, exc_info)

        def done() -> None:
            ms = (time.perf_counter() - started) * 1000
            self.logger.info("%s %s %s %.1f ms", environ.get("REQUEST_METHOD", "-"),
                             shown_path(environ), status[0] if status else "-", ms)

        try:
            body = self.wsgi_app(environ, recording_start_response)
        except BaseException:
            status[:] = status or ["500"]
            done()
            raise
        return ClosingIterator(body, [done])


def init_app(app: Dash) -> None:
    """Log every request of ``app``'s server (:class:`RequestLog`), outermost, so it
    times what every ``before_request`` hook refuses too."""
    server = app.server
    server.wsgi_app = RequestLog(server.wsgi_app)
