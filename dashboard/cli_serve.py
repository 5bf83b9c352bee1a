"""``python -m dashboard serve``: its arguments, the refusals before anything starts, and
what it prints once the store is open (issue 18: the demo's accounts and wall address; on
a store with no accounts, the commands that make the first admin and a wall address).

The serving itself is :mod:`dashboard.serving`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from sqlalchemy import Engine, make_url

from dashboard import own_address, serving
from dashboard.app import create_app
from dashboard.cli_common import UsageError
from dashboard.settings import Settings
from data import store, users
from layouts.text import t


def add_parser(sub) -> None:
    """Register ``serve`` on the command line's subparsers."""
    serve = sub.add_parser("serve", help="serve the dashboard (a store that holds no "
                                         "regions is refused unless --demo-if-empty)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--dev", action="store_true", help="Flask's development server")
    serve.add_argument("--demo-if-empty", action="store_true",
                       help="build the demo county first when the store holds no regions "
                            "(or its SQLite file does not exist yet): make run does")
    serve.add_argument("--feed-every", type=float, default=serving.FEED_SECONDS,
                       metavar="SECONDS", help="seconds between the demo feed's steps (10)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (gunicorn; more than 1 needs PostgreSQL, and "
                            "REDIS_URL to share limits and counts: README, Several workers)")
    serve.add_argument("--no-feed", action="store_true",
                       help="on the demo county, do not keep adding cases while serving")
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    """Serve the dashboard: one process, or ``--workers N`` (:mod:`dashboard.serving`).
    ``settings.language`` stays the pages' default; ``lang`` words what is printed."""
    def announce(engine: Engine, base_url: str | None = None, secret_key: str = "") -> None:
        announce_access(engine, lang, base_url, secret_key)

    if args.dev:
        if args.workers != 1:
            raise UsageError("cli_dev_workers")
        serving.check_port(args.host, args.port)
        serving.check_store_exists(settings, args.demo_if_empty)
        engine = store.make_engine(settings.database_url)
        store.init_db(engine)
        serving.prepare(engine, settings, args.demo_if_empty, lang)
        app = create_app(settings)
        own_address.record(app, args.host, args.port)
        serving.start_background(app, settings, not args.no_feed, args.feed_every)
        announce(engine, f"http://{args.host}:{args.port}", app.server.secret_key)
        app.run(host=args.host, port=args.port, debug=settings.debug,
                dev_tools_disable_version_check=True)
        return 0
    serving.serve(settings, args.host, args.port, args.workers, not args.no_feed,
                  announce=announce, feed_every=args.feed_every,
                  demo_if_empty=args.demo_if_empty, lang=lang)
    return 0


def announce_access(engine: Engine, lang: str, base_url: str | None = None,
                    secret_key: str = "") -> None:
    """On the demo county: make its accounts if it has none, and print those that still
    have their demo password; with ``base_url`` and the server's signing key, print a wall
    address with the demo's display token (derived from the key). On any other store
    with no account at all (``serve`` only, given ``base_url``): the exact commands that
    make the first admin and a wall address, since nobody can pass the sign-in page."""
    users.ensure_demo_accounts(engine)
    still, _ = users.demo_sign_in_hints(engine)  # made now, or earlier and not yet changed
    if still:
        print(t("cli_demo_accounts", lang), flush=True)
        for account in still:
            print(t("cli_demo_account", lang, name=account.name, password=account.password,
                    role=account.role if lang == "en" else t(f"role_{account.role}", lang),
                    scope=account.region_code or t("cli_whole_deployment", lang)), flush=True)
    if base_url and secret_key:
        token = users.demo_wall_token(engine, secret_key)
        if token:
            print(t("cli_demo_wall", lang, url=f"{base_url}/wall?token={token}"), flush=True)
    if base_url and not users.list_users(engine):
        command = _command_prefix()
        print(t("cli_no_accounts", lang), flush=True)
        print(f"  {command} user add admin --role admin", flush=True)
        print(t("cli_no_wall_token", lang), flush=True)
        print(f"  {command} wall-token --region '*' --base-url {base_url}", flush=True)


def _command_prefix() -> str:
    """How to run this command line again from here: the same Python (relative to the
    working directory when inside it) and, when set, the same ``DATABASE_URL`` (its
    password hidden: never printed)."""
    python = Path(sys.executable)
    try:
        python = python.relative_to(Path.cwd())
    except ValueError:
        pass
    command = f"{shlex.quote(str(python))} -m dashboard"
    if os.environ.get("DATABASE_URL"):
        shown = make_url(os.environ["DATABASE_URL"]).render_as_string(hide_password=True)
        command = f"DATABASE_URL={shlex.quote(shown)} {command}"
    return command
