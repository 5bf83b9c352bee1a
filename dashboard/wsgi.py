"""The dashboard as a WSGI application for a gunicorn started by hand (README: Several
workers)::

    gunicorn --workers 4 --worker-class gthread --threads 8 --bind 127.0.0.1:8050 \\
        dashboard.wsgi:app

``app`` is the Flask server of ``create_app(Settings.from_env())``, made when gunicorn
imports this module: in each worker, after its fork, as long as gunicorn is not told to
``--preload`` (engines must not cross a fork). The worker also takes part in the
deployment's background work (:func:`dashboard.serving.start_background`: the demo feed
and the console's warming run in the one worker that leads). Unlike ``serve``, it neither
builds the demo nor prints its accounts: run ``python -m dashboard demo`` (or ``serve``
once) first.
"""

from __future__ import annotations

from dashboard import logs, serving
from dashboard.app import create_app
from dashboard.settings import Settings

_settings = Settings.from_env()
logs.configure(_settings)  # the level, one handler, a line per request at INFO
_dash = create_app(_settings)
serving.start_background(_dash, _settings, with_feed=True)
app = _dash.server
