"""``python -m dashboard db backup FILE`` and ``db restore FILE [--force]``
(:mod:`data.backup`), registered in :data:`dashboard.cli_db.ACTIONS`.

The signing key goes into a backup only with ``--with-secret-key``, and comes out of one
only with the same flag: a backup travels (to a disk, another machine), and whoever holds
the key can forge any account's session cookie, so by default a stolen backup cannot be
used to sign in to the running server.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dashboard import signing_key
from dashboard.settings import Settings
from data import backup, store


def _secret_key(settings: Settings) -> str:
    """The deployment's signing key as the server reads it (environment, else key file)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_path()
    if not path.is_file():
        raise backup.BackupError(f"--with-secret-key: there is no key file at {path} and "
                                 "SECRET_KEY is not set (the server makes the file on its "
                                 "first start)")
    return path.read_text().strip()


def _write_key(settings: Settings, key: str) -> str:
    """Put ``key`` where the server reads it; what was done, in words."""
    if settings.secret_key:
        return ("the backup's signing key was not written: SECRET_KEY is set in the "
                "environment, and it is the key the server uses")
    if len(key) < signing_key.MIN_KEY_LENGTH:
        raise backup.BackupError(f"the backup's signing key has {len(key)} characters, "
                                 f"fewer than {signing_key.MIN_KEY_LENGTH}: not written")
    path = settings.secret_key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    os.replace(partial, path)
    return f"signing key written to {path} (mode 0600)"


def _summary(report: backup.BackupReport) -> str:
    key = ", with the signing key" if report.secret_key else ""
    return (f"{report.store} store of {report.made_at}: {len(report.tables)} tables, "
            f"{report.rows} rows, {report.media_files} photos{key}")


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the backup to write (a folder: a dated "
                                                "dashboard-YYYYmmdd-HHMMSS.tar in it)")
    parser.add_argument("--with-secret-key", action="store_true",
                        help="put the session-signing key in it too (keep such a file as "
                             "safe as the key itself)")


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    engine = store.make_engine(settings.database_url)
    try:
        key = _secret_key(settings) if args.with_secret_key else None
        report = backup.make_backup(engine, args.file, settings.media_path(), secret_key=key)
    finally:
        engine.dispose()
    size = report.path.stat().st_size / 1e6
    print(f"backup written: {report.path} ({size:.1f} MB): {_summary(report)}")
    return 0


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a file made by db backup")
    parser.add_argument("--force", action="store_true",
                        help="replace a store that holds data (all of it)")
    parser.add_argument("--with-secret-key", action="store_true",
                        help="also put the backup's signing key where the server reads it")


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    engine = store.make_engine(settings.database_url)
    try:
        if args.with_secret_key and not backup.describe(args.file).secret_key:
            raise backup.BackupError(f"--with-secret-key: {args.file} holds no signing key "
                                     "(it was made without --with-secret-key)")
        report, key = backup.restore_backup(engine, args.file, settings.media_path(),
                                            force=args.force)
    finally:
        engine.dispose()
    print(f"restored {report.path}: {_summary(report)}; data version now "
          f"{report.versions.get(store.DATA_VERSION)}, regions version "
          f"{report.versions.get(store.REGIONS_VERSION)} (running walls redraw)")
    if args.with_secret_key and key:
        print(_write_key(settings, key))
    elif key:
        print("the backup holds a signing key, left unused (add --with-secret-key to "
              "restore it)")
    print("restart the server processes if the code's schema is newer than the backup's "
          "(python -m dashboard db upgrade first)")
    return 0


#: The actions this module adds to ``db``.
ACTIONS = {
    "backup": ("back up the store and its photos to one file (online: the server may run)",
               _backup_arguments, cmd_backup),
    "restore": ("replace the store and its photos with a backup (refused if the store "
                "holds data, without --force)", _restore_arguments, cmd_restore),
}
