"""Serve the app on a store and save a screenshot of one page with Debian's Chromium.

    DATABASE_URL=sqlite:///instance/dashboard.sqlite3 \\
        .venv/bin/python scripts/screenshot.py docs/overview.png [--path /?region=CODE] \\
        [--width 1920 --height 1080]

Used for the README's pictures and for looking at a page by eye; the browser tests have their
own fixtures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard import Settings, create_app  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--path", default="/")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--wait", default=".tile", help="CSS selector to wait for")
    args = parser.parse_args(argv)

    app = create_app(Settings.from_env())
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}{args.path}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(url)
            page.wait_for_selector(args.wait, timeout=60_000)
            page.wait_for_timeout(500)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
    finally:
        server.shutdown()
    print(f"saved {args.output} ({url})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
