"""``python -m dashboard db ...``: the store's schema and its safekeeping.

Each action is a function ``(args, settings) -> exit status`` registered in
:data:`ACTIONS` with the arguments it takes (:func:`add_parser`).

``db current`` exits 0 when the store is at the code's schema (the head revision), 1 when
it is not (behind, made before migrations, or empty: ``db upgrade`` brings it there), and
2 on an error (no store to reach, or a revision this code does not know). ``db upgrade``
exits 0 when the store is at the head afterwards, 2 on an error (the upgrade is one
transaction: nothing is then changed).
"""

from __future__ import annotations

import argparse
from typing import Callable

from dashboard import cli_backup
from dashboard.settings import Settings
from data import migrate, store
from data.errors import StoreError

#: action name -> (help, add its arguments, run it). Filled below by each part.
ACTIONS: dict[str, tuple[str, Callable, Callable]] = {}


def add_parser(sub) -> None:
    """Register ``db`` and its actions on the command line's subparsers."""
    db = sub.add_parser("db", help="the store's schema (upgrade, current) and backups")
    actions = db.add_subparsers(dest="action", required=True)
    for name, (help_text, add_arguments, run) in ACTIONS.items():
        parser = actions.add_parser(name, help=help_text)
        add_arguments(parser)
        parser.set_defaults(run=run)


# --- migrations ----------------------------------------------------------------------------------

def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """An action that takes no argument."""


def _upgrade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", default="head", metavar="REVISION",
                        help="the revision to bring the store to (default: head, the code's)")


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the store to the code's schema; print from which revision to which, and what
    was done."""
    engine = store.make_engine(settings.database_url)
    try:
        report = migrate.upgrade(engine, args.to)
    finally:
        engine.dispose()
    if not report.changed:
        print(f"the store is at revision {report.after} already: nothing to do")
        return 0
    print(f"upgraded the store from revision {report.before} to {report.after}")
    for note in report.notes:
        print(f"  {note}")
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
    """Print the store's revision, the code's and whether the store is up to date."""
    engine = store.make_engine(settings.database_url)
    try:
        state = migrate.status(engine)
    finally:
        engine.dispose()
    print(f"store revision: {state.describe()}")
    print(f"code revision:  {state.head} (head)")
    if state.current:
        print("the store is up to date")
        return 0
    if state.empty:
        print(f"the store is empty: `{migrate.UPGRADE_COMMAND}` (or any command that opens "
              "it) creates it at the head")
        return 1
    message = migrate.behind_message(state)
    if state.revision is not None and not migrate.is_known(state.revision):
        raise StoreError(message)
    print(message)
    return 1


ACTIONS["upgrade"] = ("bring the store to the code's schema (back it up first)",
                      _upgrade_arguments, run_upgrade)
ACTIONS["current"] = ("the store's schema revision and the code's (exit 1: upgrade needed)",
                      _no_arguments, run_current)


# --- rollups (issue 15: the day counts kept as cases change) ---------------------------------

def _rollups_arguments(parser) -> None:
    parser.add_argument("--rebuild", action="store_true",
                        help="count every case again into the rollups")
    parser.add_argument("--check", action="store_true",
                        help="compare the rollups with direct counts; exit 1 on a difference")


def _rollups_run(args, settings) -> int:
    import time

    from data import rollup_check, rollups, store

    engine = store.make_engine(settings.database_url)
    store.init_db(engine)
    began = time.perf_counter()
    if args.rebuild:
        with engine.begin() as conn:
            rows = rollups.rebuild(conn)
        print(f"rollups rebuilt: {rows} rows in {time.perf_counter() - began:.1f} s")
    else:
        applied = rollups.catch_up(engine)
        if applied:
            print("rollups rebuilt" if applied < 0 else f"applied {applied} queued changes")
    with engine.connect() as conn:
        state = rollups.status(conn)
    print(f"rollups: {state['rows']} rows ({state['hour_rows']} of hours to close), built "
          f"for {state['zone']} "
          f"(store: {state['store_zone']}), regions version {state['regions_version']}, "
          f"{state['queued']} changes queued")
    if not args.check:
        return 0
    with engine.connect() as conn:
        lines = rollup_check.check(conn, store.utcnow())
    if lines:
        print("\n".join(["rollups differ from the direct counts:", *lines]))
        return 1
    print("rollups agree with the direct counts")
    return 0


ACTIONS["rollups"] = ("the per-day counts kept as cases change: state, --rebuild, --check",
                      _rollups_arguments, _rollups_run)
ACTIONS.update(cli_backup.ACTIONS)  # backup, restore
