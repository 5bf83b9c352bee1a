"""What the command line's modules share: the usage error, the language of the run and
the one error line (issue 18: one language per run).

The run's language is ``--lang zh|en`` (before or after the command), else the setting
``DASHBOARD_LANGUAGE``, else Chinese. ``LANG``/``LC_ALL`` are not read: a server's locale
(``C.UTF-8``, ``en_US.UTF-8`` on many images) says nothing of who reads its output.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from pathlib import Path

from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from dashboard.settings import Settings
from data import audit, store
from data.regions import UnknownRegion
from layouts.text import TEXT, t

LANGUAGES = ("zh", "en")
#: The command that builds the demo county (named by the refusals of a missing store).
DEMO_COMMAND = "python -m dashboard demo"


class UsageError(Exception):
    """A command-line argument that cannot be used. ``UsageError("cli_...", **values)`` is
    worded in the run's language (``layouts.cli_words``); any other text is shown as it is."""

    def __init__(self, key_or_message: str, **values: object) -> None:
        keyed = key_or_message.startswith("cli_") and key_or_message in TEXT["en"]
        super().__init__(t(key_or_message, "en", **values) if keyed else key_or_message)
        self.key, self.values = (key_or_message if keyed else ""), values


def add_lang_option(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """``--lang zh|en`` on ``parser`` and, after the command, on every command under it
    that has no ``--lang`` of its own (``alerts`` and ``briefing`` have: the same choice)."""
    if top or "--lang" not in parser._option_string_actions:
        parser.add_argument("--lang", dest="cli_lang", choices=LANGUAGES,
                            default=None if top else argparse.SUPPRESS,
                            help="the language of what the command prints: zh or en "
                                 "(default: DASHBOARD_LANGUAGE, else zh)")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                add_lang_option(child)


def run_language(args: argparse.Namespace, default: str | None = None, environ=None) -> str:
    """``--lang`` (the run's, or the one ``alerts`` and ``briefing`` take), else
    ``default`` (the setting), else ``DASHBOARD_LANGUAGE`` when it is zh or en (the lines
    printed before the settings are read: a setting that cannot be used), else zh."""
    for chosen in (getattr(args, "cli_lang", None), getattr(args, "lang", None), default):
        if chosen in LANGUAGES:
            return chosen
    chosen = (os.environ if environ is None else environ).get("DASHBOARD_LANGUAGE", "")
    return chosen.strip().lower() if chosen.strip().lower() in LANGUAGES else "zh"


def error_line(exc: BaseException, lang: str) -> str:
    """The one line a known failure ends in, wholly in one language. In English its own
    text (errors are raised in English, with every detail). In Chinese its key worded when
    it has one (usage errors, port and store refusals, accounts, an unknown region, the
    common store errors); a rarer error that has no Chinese words yet (a bad row of an
    import, a bad option of ``simulate``) keeps its English line, "error: " included,
    rather than a line half in each language."""
    key, values = getattr(exc, "key", ""), getattr(exc, "values", None) or {}
    if lang != "en":
        if isinstance(exc, UnknownRegion):
            return t("cli_error", lang, message=t("cli_unknown_region", lang,
                                                  code=repr(exc.code)))
        if isinstance(key, str) and key in TEXT[lang] and isinstance(values, dict):
            try:
                return t("cli_error", lang, message=t(key, lang, **values))
            except (KeyError, IndexError, ValueError):  # words that need other facts
                pass
    return t("cli_error", "en", message=str(exc))


def print_error(exc: BaseException, lang: str) -> int:
    print(error_line(exc, lang), file=sys.stderr)
    return 2


def cli_who() -> audit.Who:
    """The audit log's "who and from where" of a command: ``cli:`` and the operating
    system's user, on this machine."""
    try:
        os_user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        os_user = "unknown"
    return audit.Who(f"cli:{os_user}", audit.CLI, f"cli@{socket.gethostname()}")


def store_address(settings: Settings) -> URL | None:
    """The store's address, None when it cannot be read (opening it then says so, in one
    line)."""
    try:
        return make_url(settings.database_url)
    except ArgumentError:
        return None


def missing_sqlite_file(settings: Settings) -> tuple[str, str] | None:
    """(path, address without password) when the store is a SQLite file that does not
    exist (opening it would make it), else None. An address that cannot be read is not
    missing: opening it says what is wrong with it, in one line."""
    url = store_address(settings)
    if url is None:
        return None
    path = url.database
    if url.get_backend_name() != "sqlite" or path in (None, "", ":memory:") \
            or Path(path).exists():
        return None
    return path, url.render_as_string(hide_password=True)


def open_store(settings: Settings, *, existing: bool) -> Engine:
    """The store of ``settings``, its tables made or upgraded. ``existing``: a command that
    reads a store (``user``, ``wall-token``, ``summary``...) refuses a SQLite file that is
    not there, as ``serve`` does, rather than leave an empty store at a mistyped path;
    ``import`` and ``demo`` make it."""
    missing = missing_sqlite_file(settings) if existing else None
    if missing is not None:
        raise UsageError("cli_store_missing_read", path=missing[0], url=missing[1],
                         demo=DEMO_COMMAND)
    engine = store.make_engine(settings.database_url)
    store.init_db(engine)
    return engine
