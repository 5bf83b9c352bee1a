"""``python -m dashboard db ...``: the store's schema and its safekeeping.

Each action is a function ``(args, settings) -> exit status`` registered in
:data:`ACTIONS` with the arguments it takes (:func:`add_parser`).
"""

from __future__ import annotations

from typing import Callable

from dashboard import cli_backup

#: action name -> (help, add its arguments, run it). Filled below by each part.
ACTIONS: dict[str, tuple[str, Callable, Callable]] = {}
ACTIONS.update(cli_backup.ACTIONS)  # backup, restore


def add_parser(sub) -> None:
    """Register ``db`` and its actions on the command line's subparsers."""
    db = sub.add_parser("db", help="the store's schema (upgrade, current) and backups")
    actions = db.add_subparsers(dest="action", required=True)
    for name, (help_text, add_arguments, run) in ACTIONS.items():
        parser = actions.add_parser(name, help=help_text)
        add_arguments(parser)
        parser.set_defaults(run=run)
