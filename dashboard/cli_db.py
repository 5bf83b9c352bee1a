"""``python -m dashboard db ...``: the store's schema and its safekeeping.

Each action is a function ``(args, settings) -> exit status`` registered in
:data:`ACTIONS` with the arguments it takes (:func:`add_parser`).
"""

from __future__ import annotations

from typing import Callable


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
    print(f"rollups: {state['rows']} rows, built for {state['zone']} "
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
