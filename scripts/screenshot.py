"""Serve the app on a store and save a screenshot of one page with Debian's Chromium.

    DATABASE_URL=sqlite:///instance/dashboard.sqlite3 \\
        .venv/bin/python scripts/screenshot.py docs/overview.png [--path /?region=CODE] \\
        [--width 1920 --height 1080] [--user NAME --password-stdin]

A wall (``--path /wall...``) is opened with a display token made for the shot and revoked
after it; a console page signs in as ``--user`` (password on stdin), or on the demo county
as its admin while that account keeps its demo password.

Used for the README's pictures and for looking at a page by eye; the browser tests have their
own fixtures.
"""

from __future__ import annotations

import argparse
import getpass
import re
import shutil
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import users  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--path", default="/")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--wait", default=".tile", help="CSS selector to wait for")
    parser.add_argument("--user", help="account to sign in as for a console page")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read --user's password from stdin")
    args = parser.parse_args(argv)

    app = create_app(Settings.from_env())
    engine = app.server.extensions["grid_dashboard"]["engine"]
    wall = args.path.split("?")[0].rstrip("/").endswith("/wall")
    token, login = None, None
    if wall:
        token = users.create_display_token(engine, None, label="screenshot")
    elif args.user:
        login = (args.user, sys.stdin.readline().rstrip("\r\n") if args.password_stdin
                 else getpass.getpass("password: "))
    else:
        demo, _ = users.demo_sign_in_hints(engine)
        admin = next((a for a in demo if a.role == users.ADMIN), None)
        if admin is None:
            print("error: a console page needs --user NAME (and --password-stdin)",
                  file=sys.stderr)
            return 2
        login = (admin.name, admin.password)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}{args.path}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": args.width, "height": args.height},
                extra_http_headers={"X-Display-Token": token} if token else None)
            if login is not None:
                base = f"http://127.0.0.1:{server.server_port}"
                form = context.request.get(f"{base}/login").text()
                csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
                context.request.post(f"{base}/login", form={
                    "name": login[0], "password": login[1], "csrf": csrf, "next": "/"})
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector(args.wait, timeout=60_000)
            page.wait_for_timeout(500)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
    finally:
        server.shutdown()
        if token is not None:
            users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    print(f"saved {args.output} ({url})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
