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

from data import audit
from data.regions import UnknownRegion
from layouts.text import TEXT, t

LANGUAGES = ("zh", "en")


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
                            help="the language of what the command prints: zh (default) "
                                 "or en (default: DASHBOARD_LANGUAGE)")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                add_lang_option(child)


def run_language(args: argparse.Namespace, environ=None) -> str:
    """``--lang``, else ``DASHBOARD_LANGUAGE`` when it is zh or en, else zh: for the lines
    printed before the settings are read (a setting that cannot be used)."""
    if getattr(args, "cli_lang", None):
        return args.cli_lang
    chosen = (os.environ if environ is None else environ).get("DASHBOARD_LANGUAGE", "")
    return chosen.strip().lower() if chosen.strip().lower() in LANGUAGES else "zh"


def error_line(exc: BaseException, lang: str) -> str:
    """The one line a known failure ends in. In English its own text (the errors are
    raised in English, with every detail); in Chinese its key worded when it has one
    (usage errors, port refusals, accounts, the common store errors), else its text."""
    key, values = getattr(exc, "key", ""), getattr(exc, "values", None) or {}
    message = str(exc)
    if lang == "en":
        pass
    elif isinstance(exc, UnknownRegion):
        message = t("cli_unknown_region", lang, code=repr(exc.code))
    elif isinstance(key, str) and key in TEXT[lang] and isinstance(values, dict):
        try:
            message = t(key, lang, **values)
        except (KeyError, IndexError, ValueError):  # words that need other facts: as raised
            pass
    return t("cli_error", lang, message=message)


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
