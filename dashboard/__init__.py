"""The top of the command-centre dashboard, and the services its callbacks use.

Two layers share this folder. The top puts the product together; the services are what
callbacks (and the top) call while a request runs. A service imports no top module and
nothing of ``callbacks/``, so callbacks can use it without an import circle;
``tests/test_layers.py`` keeps it so. This package imports nothing itself: import the
module you need (``from dashboard.app import create_app``,
``from dashboard.settings import Settings``).

===================  ========  ======================================================
module               layer     what it is
===================  ========  ======================================================
``app``              top       ``create_app(settings)``: server, layout, callbacks, routes
``cli``              top       the command line (``python -m dashboard ...``)
``cli_serve``        top       ``serve``'s arguments, refusals and what it prints first
``__main__``         top       ``python -m dashboard``
``serving``          top       ``serve``: waitress, or gunicorn's workers; background work
``wsgi``             top       ``dashboard.wsgi:app`` for a gunicorn started by hand
``briefing_export``  top       printing the briefing (Chromium) and ``/briefing.pdf``
``audit_page``       top       the ``/admin/audit`` route, and the rows ``cli audit`` prints
``auth``             service   sign-in, the guard on every request, the scope checks
``media_route``      service   ``/media/<id>``: case photos, for signed-in users in scope
``services``         service   the store and settings of the running app
``settings``         service   the settings read from the environment
``http_guard``       service   request checks, headers, the waitress server
``own_address``      service   trusted Host names and proxies, the server's own address
``throttle``         service   failed sign-ins slowed down
``session_store``    service   sessions recorded in the store
``signing_key``      service   the session cookie's signing key
``audit_hooks``      service   audit rows of sign-ins and refusals
``console_cache``    service   the console's caches and the job keeping them warm
``intake_limits``    service   the intake API's per-key rate limit (in-process or Redis)
``shared_state``     service   what workers share: in this process, or in Redis
``background``       service   background work run by the deployment's one leader
``open311``          service   ``/open311/v2/``: the GeoReport v2 API (public reads, keyed writes)
``simulate``         service   ``simulate``'s client: cases posted to an Open311 API
``patrol_api``       service   ``/api/patrols``: the patrol feed from officers' phones (keyed)
``cli_backup``       service   ``db backup`` / ``db restore`` (:mod:`data.backup`)
``cli_accounts``     service   ``user`` and ``wall-token``
``cli_common``       service   the command line's usage error, run language, error line
``export_route``     service   ``/export/cases.csv``: the console's case list, streamed
``region_scope``     service   the region a console request shows, checked
``health``           service   ``/healthz``: the store answers, its counters, the newest case
``logs``             service   the log's configuration, one line per request
===================  ========  ======================================================

Any other module here is a service.
"""
