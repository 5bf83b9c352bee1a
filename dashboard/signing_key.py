"""The key that signs session cookies: from the environment or a key file, never the store.

Whoever holds this key can make a cookie that says "admin", so it must not travel with the
data: a backup of the store (a SQLite file, a ``pg_dump``) holds no key. In order:

1. ``SECRET_KEY`` in the environment (:attr:`Settings.secret_key`);
2. else the key file (:meth:`Settings.secret_key_path`: ``SECRET_KEY_FILE``, or
   ``secret_key`` beside a SQLite store, or ``instance/secret_key`` for PostgreSQL), made on
   first start with owner-only permissions (0600). A key file that its group or anyone
   else may read is refused at start, with the command that fixes it.

A key that an older release kept in the store (``meta.secret_key``) is written to the key
file (so sessions survive the upgrade) and deleted from the store; the demo wall token that
release kept there in clear is revoked and deleted too (:func:`data.users.forget_legacy_secrets`).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import Engine

from dashboard.settings import Settings, SettingsError
from data import users

#: Shortest key accepted from a file (``SECRET_KEY`` is checked in :mod:`dashboard.settings`).
MIN_KEY_LENGTH = 32


def signing_key(settings: Settings, engine: Engine) -> str:
    """The key to sign session cookies with (see the module's docstring); the store's old
    secrets are moved out on the way."""
    legacy = users.legacy_secret_key(engine)
    if settings.secret_key:
        key = settings.secret_key
    else:
        key = read_or_create(settings.secret_key_path(), initial=legacy)
    users.forget_legacy_secrets(engine)
    return key


def read_or_create(path: Path, initial: str | None = None) -> str:
    """The key kept in ``path``; made first (``initial``, else 32 random bytes in hex) if
    the file does not exist. Refuses a file others may read, or one too short to be a key."""
    if not path.exists():
        _create(path, initial or secrets.token_hex(32))
    check_permissions(path)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise SettingsError(f"the signing key file {path} holds {len(key)} characters; a key "
                            f"needs at least {MIN_KEY_LENGTH} (delete the file and one is made "
                            "on the next start; everyone signs in again)")
    return key


def check_permissions(path: Path) -> None:
    """Refuse a key file that its group or other users may read or write."""
    if os.name != "posix":  # pragma: no cover - the product runs on Linux
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SettingsError(f"the signing key file {path} may be read by other users "
                            f"(mode {mode:04o}); make it the owner's alone: chmod 600 {path}")


def _create(path: Path, key: str) -> None:
    """Write ``key`` to ``path`` with mode 0600, whole or not at all: two processes starting
    at once both end up with the first one's file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)  # fails if another process made the file meanwhile
        except FileExistsError:
            pass
    finally:
        draft.unlink(missing_ok=True)
