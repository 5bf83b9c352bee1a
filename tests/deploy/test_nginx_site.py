"""``deploy/nginx.conf`` (issue 15) is a site Debian's nginx accepts, and in front of the real
server it does what docs/deployment.md says: HTTP goes to HTTPS, the browser's address
reaches the app (and what a browser writes in ``X-Forwarded-For`` does not), the session
cookie is Secure, bodies over the app's limit stop at nginx.

The site is used as written, with only its certificate (a self-signed one made here), its
ports and its upstream's address replaced. Debian's ``nginx-light`` (or ``nginx``) runs it;
``make test`` installs it.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from waitress import wasyncore

from dashboard import http_guard
from dashboard.app import create_app
from dashboard.settings import Settings
from data import audit, store
from tests import tiny_store
from tests.conftest import ROOT

SITE = ROOT / "deploy" / "nginx.conf"
HOST = "dash.centre.lan"  # the site's server_name
BROWSER = "127.0.0.2"  # a browser's address, other than the proxy's own 127.0.0.1


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must check the nginx site: install nginx-light (make test does)")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return found


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(folder: Path, http_port: int, https_port: int, app_port: int) -> Path:
    """A main nginx.conf in ``folder`` including the site, with a self-signed certificate
    for :data:`HOST` in the site's place and the site's ports and upstream moved."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
                    "-keyout", str(folder / "dashboard.key"),
                    "-out", str(folder / "dashboard.crt")], check=True, capture_output=True)
    site = SITE.read_text()
    assert "/etc/ssl/dashboard/" in site and "server 127.0.0.1:8050;" in site
    site = site.replace("/etc/ssl/dashboard/", f"{folder}/")
    site = site.replace("server 127.0.0.1:8050;", f"server 127.0.0.1:{app_port};")
    site = re.sub(r"listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
                    "events {}\n"
                    f"http {{\n    access_log off;\n    include {folder}/site.conf;\n}}\n")
    return main


def test_the_site_is_valid_nginx(tmp_path):
    nginx = _nginx()
    main = _config(tmp_path, 80, 443, 8050)
    done = subprocess.run([nginx, "-t", "-c", str(main), "-p", f"{tmp_path}/"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@contextmanager
def _app_server(url: str) -> Iterator[tuple[int, object]]:
    settings = Settings(database_url=url, proxy_hops=1, secure_cookies=True,
                        trusted_hosts=(HOST,), connections_per_client=0, server_threads=2)
    app = create_app(settings)
    server = http_guard.make_server(app, "127.0.0.1", 0, settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port), app
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
        app.server.extensions["grid_dashboard"]["engine"].dispose()


@contextmanager
def _nginx_running(main: Path, folder: Path, https_port: int) -> Iterator[None]:
    proxy = subprocess.Popen([_nginx(), "-c", str(main), "-p", f"{folder}/", "-g",
                              "daemon off;"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if proxy.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"nginx did not start: {proxy.stderr.read()!r}")
                time.sleep(0.05)
        yield
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        proxy.stderr.close()


def _https(port: int, certificate: Path) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(certificate))
    context.check_hostname = False  # reached as 127.0.0.1; the certificate is still checked
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30,
                                       source_address=(BROWSER, 0))


def _ask(conn, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> http.client.HTTPResponse:
    conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
    response = conn.getresponse()
    response.body = response.read()
    return response


def test_behind_the_site_the_app_sees_the_browser_over_https(sqlite_engine, tmp_path):
    tiny_store.build(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    http_port, https_port = _free_port(), _free_port()
    with _app_server(url) as (app_port, _app):
        main = _config(tmp_path, http_port, https_port, app_port)
        with _nginx_running(main, tmp_path, https_port):
            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30,
                                               source_address=(BROWSER, 0))
            moved = _ask(plain, "GET", "/login?lang=en")
            assert moved.status == 301
            assert moved.getheader("Location") == f"https://{HOST}/login?lang=en"

            conn = _https(https_port, tmp_path / "dashboard.crt")
            # the app's own redirects stay on the address the browser used (HTTPS)
            to_login = _ask(conn, "GET", "/")
            assert to_login.status == 302
            location = to_login.getheader("Location")
            assert location.startswith(("/login", f"https://{HOST}/login")), location
            page = _ask(conn, "GET", "/login")
            assert page.status == 200
            cookie = page.getheader("Set-Cookie")
            assert "; Secure" in cookie and "; HttpOnly" in cookie
            csrf = page.body.decode().split('name="csrf" value="')[1].split('"')[0]
            # a wrong password, with an address the browser made up
            form = f"name=nobody&password=wrong-guess&csrf={csrf}".encode()
            refused = _ask(conn, "POST", "/login", form, {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie.split(";")[0], "X-Forwarded-For": "198.51.100.66"})
            assert refused.status == 401
            # a Host the deployment does not answer to, refused by the app behind nginx
            assert _ask(conn, "GET", "/login", headers={"Host": "elsewhere.example"}
                        ).status == 400
            # more than DASHBOARD_MAX_REQUEST_MB (4) stops at nginx, never reaching the app
            big = _ask(conn, "POST", "/login", b"x" * (6 * 1024 * 1024),
                       {"Content-Type": "application/x-www-form-urlencoded"})
            assert big.status == 413 and b"nginx" in big.body
    failed = audit.query(sqlite_engine, kinds=[audit.SIGN_IN_FAILED], limit=10).rows
    assert [row.source for row in failed] == [BROWSER]
    store.versions(sqlite_engine)  # the store is still there and readable
