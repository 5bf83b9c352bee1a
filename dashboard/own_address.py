"""The server's own address, for the headless browser that prints ``/briefing.pdf``, and
the ``Host`` names the server answers to.

The printer must never go where a request points it: the ``Host`` and ``X-Forwarded-*``
headers are the client's to write. Its base URL is, in this order:

1. ``Settings.internal_url`` (``DASHBOARD_INTERNAL_URL``), when the operator set one;
2. the address ``serve`` bound (recorded on the app by :func:`record`; ``0.0.0.0`` and
   ``::`` mean this machine's loopback);
3. under waitress or werkzeug, the port the WSGI server reports in ``SERVER_PORT``: both
   take it from the listening socket, never from a header (gunicorn, for one, takes it
   from ``Host``, so other servers are not trusted here);

and otherwise there is none, and the PDF is refused with a reason naming the setting.

Behind a reverse proxy (``Settings.proxy_hops``, ``DASHBOARD_PROXY_HOPS``), the client's
address and scheme are the proxy's to tell: :func:`trust_proxies` reads them from the last
``proxy_hops`` entries of ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (werkzeug's
``ProxyFix``), so the sign-in throttle, the audit log and the log lines see the browser's
address, and a request that came in over HTTPS is one. With 0 (the default) those headers
are never read: a client that writes them changes nothing. ``X-Forwarded-Host`` is not
trusted either way: the proxy passes the browser's ``Host`` as it is, which the trusted-host
check reads, and the printer's address above never depends on it.
"""

from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.settings import Settings

#: ``app.server.config`` key: the ``(host, port)`` the running server is bound to.
CONFIG_KEY = "DASHBOARD_OWN_ADDRESS"
#: Host names the printer may use for the loopback (always trusted when a list is set).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
#: WSGI environ keys only these servers set (a client's headers all become ``HTTP_*``).
_SOCKET_SERVERS = {"werkzeug.socket": "werkzeug", "waitress.client_disconnected": "waitress"}


class NoOwnAddress(Exception):
    """The server does not know an address of its own to print from."""


def loopback_url(host: str, port: int) -> str:
    """``http://host:port`` for reaching a server bound to ``host``: a wildcard address
    (``0.0.0.0``, ``::``, empty) becomes this machine's loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "localhost"  # ::1 or 127.0.0.1, whichever the socket accepts
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _host_of(url: str) -> str:
    """The host name of ``url``, lower case; "" for an IPv6 address, which werkzeug's
    trusted-host check cannot match."""
    name = urlsplit(url).hostname or ""
    return "" if ":" in name else name


def record(app, host: str, port: int) -> None:
    """Tell ``app`` (a Dash app or its Flask server) the address it is being served on,
    so its printer opens itself there. A port of 0 (chosen by the system) records
    nothing: the WSGI server's own ``SERVER_PORT`` says it then."""
    server: Flask = getattr(app, "server", app)
    if not port:
        return
    server.config[CONFIG_KEY] = (host, int(port))
    trusted = server.config.get("TRUSTED_HOSTS")
    name = _host_of(loopback_url(host, port))
    if trusted is not None and name and name not in trusted:
        server.config["TRUSTED_HOSTS"] = [*trusted, name]


def base_url(settings: Settings, config: Mapping, environ: Mapping) -> str:
    """Where this server's printer opens the briefing (see the module's docstring).
    Raises :class:`NoOwnAddress` when there is no address it may trust."""
    if settings.internal_url:
        return settings.internal_url
    host, port = config.get(CONFIG_KEY) or ("", 0)
    if port:
        return loopback_url(host, port)
    server = next((name for key, name in _SOCKET_SERVERS.items() if key in environ), None)
    if server is not None and str(environ.get("SERVER_PORT", "")).isdigit():
        # werkzeug's SERVER_NAME is the bound address; waitress's a configured label
        bound = environ.get("SERVER_NAME", "") if server == "werkzeug" else ""
        return loopback_url(str(bound), int(environ["SERVER_PORT"]))
    raise NoOwnAddress("this WSGI server does not say which port it listens on: set "
                       "DASHBOARD_INTERNAL_URL to the dashboard's address on this machine")


def trusted_hosts(settings: Settings) -> list[str] | None:
    """Flask's ``TRUSTED_HOSTS`` for ``settings``: None (any host) when none are set,
    else those and the printer's own host names."""
    if not settings.trusted_hosts:
        return None
    hosts = list(settings.trusted_hosts)
    extra = list(LOOPBACK_HOSTS)
    if settings.internal_url:
        extra.append(_host_of(settings.internal_url))
    return hosts + [h for h in dict.fromkeys(extra) if h and h not in hosts]


def _refuse_untrusted_host() -> None:
    """Before anything else (the sign-in guard included), a ``Host`` outside
    ``TRUSTED_HOSTS`` is a 400, on every path alike."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def trust_proxies(server: Flask, hops: int) -> None:
    """Read the client's address and scheme from the last ``hops`` entries of the
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` headers the proxies in front append
    (none when ``hops`` is 0: nothing changes)."""
    if hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=0,
                                   x_port=0, x_prefix=0)


def init_app(app, settings: Settings) -> None:
    """Set ``app``'s trusted hosts and proxies. Call it before the sign-in guard is
    installed, so an untrusted ``Host`` is refused before the guard answers (with a
    redirect, say)."""
    server: Flask = app.server
    server.config["TRUSTED_HOSTS"] = trusted_hosts(settings)
    server.before_request(_refuse_untrusted_host)
    trust_proxies(server, settings.proxy_hops)
