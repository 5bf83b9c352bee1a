"""``python -m dashboard user add|list|passwd|disable|signout`` and ``wall-token``: the
accounts and the walls' display tokens, worded in the run's language; the times a person
reads (when made, when revoked) in the deployment's time zone, which the lists name."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone, tzinfo

from sqlalchemy import Engine

from dashboard.cli_common import UsageError, cli_who, open_store
from dashboard.settings import Settings
from data import sessions, store, users
from layouts.labels import columns
from layouts.text import t


def add_parsers(sub) -> None:
    """Register ``user`` and ``wall-token`` on the command line's subparsers."""
    user = sub.add_parser("user", help="accounts: add, list, passwd, disable, signout")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="create an account (the password is asked for)")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="viewer, operator, commander or admin")
    add.add_argument("--region", help="region code the account is limited to "
                                      "(default: the whole deployment)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    user_sub.add_parser("list", help="list the accounts")
    passwd = user_sub.add_parser("passwd", help="change an account's password")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    off = user_sub.add_parser("disable", help="disable an account")
    off.add_argument("name")
    out = user_sub.add_parser("signout", help="end every session of an account (it may "
                                              "sign in again)")
    out.add_argument("name")
    user.set_defaults(run=cmd_user)

    token = sub.add_parser("wall-token", help="a long-lived read-only address for a wall")
    token.add_argument("--region", help="region code of the wall ('*': whole deployment)")
    token.add_argument("--label", help="a note to recognise the token by (e.g. the room)")
    token.add_argument("--list", action="store_true", help="list the display tokens")
    token.add_argument("--revoke", type=int, metavar="ID", help="revoke token ID")
    token.add_argument("--base-url", default="http://127.0.0.1:8050",
                       help="the server's address, for the printed wall address")
    token.set_defaults(run=cmd_wall_token)


def read_password(args: argparse.Namespace, lang: str, confirm: bool = True) -> str:
    """The password from stdin (``--password-stdin``, for scripts) or typed at a terminal;
    never from the command line, where other users' ``ps`` would see it."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("cli_no_terminal")
    password = getpass.getpass(t("cli_password", lang))
    if confirm and getpass.getpass(t("cli_password_again", lang)) != password:
        raise UsageError("cli_passwords_differ")
    return password


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.language
    engine = open_store(settings, existing=True)
    if args.action == "add":
        users.check_new_user(engine, args.name, args.role, args.region)  # before the password
        user = users.add_user(engine, args.name, read_password(args, lang), args.role,
                              args.region, audit=cli_who())
        print(t("cli_user_created", lang, name=user.name, role=_role(user.role, lang),
                scope=user.region_code or t("cli_whole_deployment", lang)))
    elif args.action == "list":
        _list_users(engine, lang)
    elif args.action == "passwd":
        users.get_user(engine, args.name)  # an unknown name fails before the password prompt
        users.set_password(engine, args.name, read_password(args, lang), audit=cli_who())
        print(t("cli_user_passwd", lang, name=args.name))
    elif args.action == "disable":
        users.disable(engine, args.name, audit=cli_who())
        print(t("cli_user_disable", lang, name=args.name))
    elif args.action == "signout":
        ended = users.sign_out_everywhere(engine, args.name)
        print(t("cli_user_signout", lang, name=args.name, n=ended,
                s="" if ended == 1 else "s"))
    return 0


def _list_users(engine: Engine, lang: str) -> None:
    listed = users.list_users(engine)
    if not listed:
        print(t("cli_no_users", lang))
        return
    tz = _zone(engine)
    print(t("cli_token_zone", lang, zone=_zone_name(tz)))
    for user in listed:
        state = "cli_user_disabled_state" if user.disabled else "cli_user_active"
        print(t("cli_user_row", lang, name=pad(user.name, 20),
                role=pad(_role(user.role, lang), 14),
                region=pad(user.region_code or "*", 16), state=pad(t(state, lang), 8),
                created=local_time(user.created_at, tz),
                live=sessions.live_count(engine, user.id)))


def cmd_wall_token(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.language
    engine = open_store(settings, existing=True)
    if args.list:
        _list_tokens(engine, lang)
        return 0
    if args.revoke is not None:
        users.revoke_display_token(engine, args.revoke, audit=cli_who())
        print(t("cli_token_revoked", lang, id=args.revoke))
        return 0
    if args.region is None:
        raise UsageError("cli_token_needs_region")
    region = None if args.region == "*" else args.region
    token = users.create_display_token(engine, region, label=args.label or "",
                                       audit=cli_who())
    print(t("cli_token_made", lang, scope=region or t("cli_whole_deployment", lang)))
    print(token)
    print(t("cli_token_address", lang,
            url=f"{args.base_url.rstrip('/')}/wall?token={token}"))
    return 0


def _list_tokens(engine: Engine, lang: str) -> None:
    tokens = users.list_display_tokens(engine)
    if not tokens:
        print(t("cli_no_tokens", lang))
        return
    tz = _zone(engine)
    print(t("cli_token_zone", lang, zone=_zone_name(tz)))
    for token in tokens:
        state = (t("cli_token_revoked_at", lang, at=local_time(token.revoked_at, tz))
                 if token.revoked_at else t("cli_token_active", lang))
        print(t("cli_token_row", lang, id=token.id, region=token.region_code or "*",
                state=pad(state, 22), created=local_time(token.created_at, tz),
                label=token.label).rstrip())


def _role(role: str, lang: str) -> str:
    """A role as the run reads it: 管理员 in Chinese; in English the code itself (admin),
    the word ``--role`` takes."""
    return role if lang == "en" else t(f"role_{role}", lang)


def _zone(engine: Engine) -> tzinfo:
    with engine.connect() as conn:
        return store.deployment_timezone(conn)


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def local_time(at: datetime, tz: tzinfo) -> str:
    """A stored moment (naive UTC) as the deployment's local ``YYYY-MM-DD HH:MM``."""
    return f"{at.replace(tzinfo=timezone.utc).astimezone(tz):%Y-%m-%d %H:%M}"


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    return text + " " * max(0, width - columns(text))
