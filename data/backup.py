"""Backups of a store and its photos, and restoring one: ``python -m dashboard db backup|restore``.

A backup is one tar file (:data:`FORMAT`) holding

* ``store.sqlite3`` (a SQLite store, copied online through SQLite's backup API: a
  consistent snapshot while the server goes on writing) or ``store.pgdump`` (a PostgreSQL
  store, ``pg_dump -Fc`` of its schema, in a snapshot whose rows were counted in the same
  transaction: :mod:`data.backup_pg`);
* ``media/...``: the photos sent with cases (the store names them, the files are on disk);
* ``secret_key``, only when asked: the key that signs session cookies is kept apart from
  the data on purpose (whoever holds it can forge an admin's cookie);
* ``manifest.json``, last: the kind of store, when, the data and regions versions, the rows
  of every table, and the size and SHA-256 of every other member.

Restoring checks the whole file first (every member's size and hash, the store's own
integrity, its row counts against the manifest) and refuses, naming the file and why,
before anything is touched. Then it replaces the store in one step (SQLite: the backup API
into the live file, one write transaction; PostgreSQL: one transaction that drops the
schema's objects, loads the dump, checks the row counts and moves the versions), and swaps
the media folder in by renaming. The data and regions versions end past both the backup's
and the store's own, so a running wall or console never takes the restored data for data it
has already drawn.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from data import backup_pg, store
from data.backup_pg import BackupError, count_rows

FORMAT = "grid-dashboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "store.sqlite3"
POSTGRES_MEMBER = "store.pgdump"
KEY_MEMBER = "secret_key"
MEDIA_PREFIX = "media/"
#: The store member of each kind of store.
STORE_MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": POSTGRES_MEMBER}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds, or what a restore put back."""

    path: Path
    store: str  # "sqlite" or "postgresql"
    made_at: str
    tables: dict[str, int]
    media_files: int
    secret_key: bool
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def store_kind(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``; anything else cannot be backed up here."""
    name = engine.dialect.name
    if name not in STORE_MEMBERS:
        raise BackupError(f"a {name} store cannot be backed up: only SQLite and PostgreSQL")
    return name


# --- making a backup ----------------------------------------------------------------------------

def _sqlite_file(engine: Engine) -> Path:
    database = make_url(engine.url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite store has no file to back up or restore into")
    return Path(database)


def _sqlite_snapshot(engine: Engine, target: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Copy the live SQLite store into ``target`` through the backup API (one step, under a
    read lock that writers in WAL mode do not wait for), as a single file; its row counts
    and versions, read from the copy."""
    live = _sqlite_file(engine)
    if not live.is_file():  # connecting would make an empty store there
        raise BackupError(f"there is no store at {live} to back up")
    source = sqlite3.connect(live, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    snapshot = store.make_engine(f"sqlite:///{target}")
    try:
        return count_rows(snapshot), store.versions(snapshot)
    finally:
        snapshot.dispose()


class _Hashing:
    """A file read for ``tarfile``, hashed as it goes; at most ``size`` bytes."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle, self.left, self.sha = handle, size, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.handle.read(n)
        self.left -= len(data)
        self.sha.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, object]:
    """Add ``path`` as ``name``; its size and SHA-256 for the manifest."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o600
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        reader = _Hashing(handle, size)
        tar.addfile(info, reader)
    return {"size": size, "sha256": reader.sha.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, data: bytes, name: str) -> dict[str, object]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    tar.addfile(info, io.BytesIO(data))
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _media_files(media_dir: Path) -> Iterator[tuple[Path, str]]:
    """The photos under ``media_dir`` (path, name in the archive), sorted; links are not
    followed (the media route serves none either)."""
    if not media_dir.is_dir():
        return
    for path in sorted(media_dir.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, MEDIA_PREFIX + path.relative_to(media_dir).as_posix()


def _target_file(path: Path) -> Path:
    """Where to write the backup: ``path``, or a dated name inside it if it is a folder;
    an existing file is never overwritten."""
    if path.is_dir():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = path / f"dashboard-{stamp}.tar"
    if path.exists():
        raise BackupError(f"{path} exists: a backup never overwrites a file (choose another "
                          "name, or a folder to get a dated one)")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder: cannot write {path.name} there")
    return path


def make_backup(engine: Engine, path: Path, media_dir: Path,
                secret_key: str | None = None) -> BackupReport:
    """Back up the store of ``engine`` and the photos in ``media_dir`` to ``path`` (a file
    name, or a folder for a dated name), with ``secret_key`` only if given. The file is
    written under a temporary name and renamed when complete: nothing half-written."""
    kind = store_kind(engine)
    path = _target_file(Path(path))
    made_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=path.parent) as work:
        work_dir = Path(work)
        dump = work_dir / STORE_MEMBERS[kind]
        if kind == "sqlite":
            tables, versions = _sqlite_snapshot(engine, dump)
        else:
            tables, versions = backup_pg.dump(engine, dump)
        partial = work_dir / "backup.tar"
        files: dict[str, dict[str, object]] = {}
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            files[dump.name] = _add_file(tar, dump, dump.name)
            dump.unlink()  # its space back before the photos are read
            for media_path, name in _media_files(media_dir):
                files[name] = _add_file(tar, media_path, name)
            if secret_key:
                files[KEY_MEMBER] = _add_bytes(tar, secret_key.encode(), KEY_MEMBER)
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "store": kind,
                        "made_at": made_at, "versions": versions, "tables": tables,
                        "files": files}
            _add_bytes(tar, json.dumps(manifest, indent=1, sort_keys=True).encode(), MANIFEST)
        os.chmod(partial, 0o600)  # the photos are residents' own; the store holds names
        os.replace(partial, path)
    return _report(path, manifest)


def _report(path: Path, manifest: dict) -> BackupReport:
    files = manifest["files"]
    return BackupReport(path=path, store=manifest["store"], made_at=manifest["made_at"],
                        tables=dict(manifest["tables"]), versions=dict(manifest["versions"]),
                        media_files=sum(1 for name in files if name.startswith(MEDIA_PREFIX)),
                        secret_key=KEY_MEMBER in files)


# --- reading one --------------------------------------------------------------------------------

def _not_a_backup(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} is not a backup this command can restore: {why}; nothing "
                       "was changed")


def _safe_media_name(name: str) -> bool:
    """Whether ``media/...`` names a file inside the media folder (no ``..``, not absolute,
    no backslash)."""
    rest = PurePosixPath(name[len(MEDIA_PREFIX):])
    return (bool(rest.parts) and not rest.is_absolute() and "\\" not in name
            and all(part not in ("", ".", "..") for part in rest.parts))


def _checked_manifest(path: Path, manifest: object) -> dict:
    """``manifest`` if it is one this release writes, with plain counts and file entries."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_a_backup(path, "its manifest.json is not a dashboard backup's")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _not_a_backup(path, f"format version {manifest.get('format_version')!r}, "
                                  f"this release reads {FORMAT_VERSION}")
    kind, tables, files = manifest.get("store"), manifest.get("tables"), manifest.get("files")
    if kind not in STORE_MEMBERS or not isinstance(tables, dict) or not isinstance(files, dict):
        raise _not_a_backup(path, "its manifest lacks the store's kind, tables or files")
    if not all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in tables.items()):
        raise _not_a_backup(path, "its manifest's row counts are not whole numbers")
    for name, entry in files.items():
        if not (name in (STORE_MEMBERS[kind], KEY_MEMBER)
                or (name.startswith(MEDIA_PREFIX) and _safe_media_name(name))):
            raise _not_a_backup(path, f"it holds a member it should not: {name!r}")
        if not (isinstance(entry, dict) and type(entry.get("size")) is int
                and isinstance(entry.get("sha256"), str)):
            raise _not_a_backup(path, f"its manifest's entry for {name!r} is malformed")
    if STORE_MEMBERS[kind] not in files:
        raise _not_a_backup(path, f"it holds no {STORE_MEMBERS[kind]}")
    versions = manifest.get("versions")
    if not isinstance(versions, dict) or not all(type(v) is int for v in versions.values()):
        raise _not_a_backup(path, "its manifest's versions are not whole numbers")
    return manifest


def read_manifest(path: Path) -> dict:
    """The manifest of backup ``path``, checked for form (not yet the members' hashes)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.getmember(MANIFEST)
            if not member.isfile() or member.size > 64 * _CHUNK:
                raise _not_a_backup(path, "its manifest.json is not a plain file")
            manifest = json.loads(tar.extractfile(member).read())
    except KeyError:
        raise _not_a_backup(path, "it holds no manifest.json") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _not_a_backup(path, f"not a readable tar file ({exc})") from None
    except ValueError as exc:
        raise _not_a_backup(path, f"its manifest.json is not JSON ({exc})") from None
    return _checked_manifest(path, manifest)


def describe(path: Path) -> BackupReport:
    """What the backup ``path`` holds, from its manifest."""
    return _report(Path(path), read_manifest(path))


def _extract(path: Path, tar: tarfile.TarFile, name: str, entry: dict, target: Path) -> None:
    """Write member ``name`` to ``target``, refusing it unless its size and SHA-256 are
    the manifest's."""
    try:
        member = tar.getmember(name)
    except KeyError:
        raise _not_a_backup(path, f"{name} is missing") from None
    if not member.isfile() or member.size != entry["size"]:
        raise _not_a_backup(path, f"{name} is damaged (its size is not the manifest's)")
    sha = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(member) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            sha.update(chunk)
            out.write(chunk)
    if sha.hexdigest() != entry["sha256"]:
        raise _not_a_backup(path, f"{name} is damaged (its SHA-256 is not the manifest's)")


@dataclass
class _Unpacked:
    manifest: dict
    store_file: Path
    media_dir: Path
    secret_key: str | None


def _unpack(path: Path, manifest: dict, work_dir: Path, media_stage: Path) -> _Unpacked:
    """Every member of backup ``path``, checked against ``manifest``: the store into
    ``work_dir``, the photos into ``media_stage``."""
    kind = manifest["store"]
    store_file = work_dir / STORE_MEMBERS[kind]
    key = None
    try:
        with tarfile.open(path, "r:") as tar:
            for name, entry in manifest["files"].items():
                if name.startswith(MEDIA_PREFIX):
                    target = media_stage.joinpath(*PurePosixPath(name[len(MEDIA_PREFIX):]).parts)
                else:
                    target = work_dir / name
                _extract(path, tar, name, entry, target)
            if KEY_MEMBER in manifest["files"]:
                key = (work_dir / KEY_MEMBER).read_text().strip()
    except (tarfile.TarError, EOFError) as exc:
        raise _not_a_backup(path, f"the tar file is damaged ({exc})") from None
    return _Unpacked(manifest, store_file, media_stage, key)


# --- restoring ----------------------------------------------------------------------------------

def store_is_empty(engine: Engine) -> bool:
    """Whether no table of the store holds a row (a store not made yet is empty); the
    schema's revision stamp (``alembic_version``) of a store just made is not data."""
    if engine.dialect.name == "sqlite" and not _sqlite_file(engine).exists():
        return True
    return not any(n for name, n in count_rows(engine).items() if name != "alembic_version")


def _next_versions(current: dict[str, int], backup: dict[str, int]) -> dict[str, int]:
    """Each counter one past the larger of the store's and the backup's."""
    keys = (store.DATA_VERSION, store.REGIONS_VERSION)
    return {key: max(int(current.get(key, 0)), int(backup.get(key, 0))) + 1 for key in keys}


def _check_sqlite_copy(path: Path, unpacked: _Unpacked) -> None:
    """The unpacked SQLite file is a sound database holding the manifest's rows."""
    try:
        conn = sqlite3.connect(f"file:{unpacked.store_file}?mode=rw", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _not_a_backup(path, f"its {SQLITE_MEMBER} is not a SQLite database ({exc})") \
            from None
    if result != "ok":
        raise _not_a_backup(path, f"its {SQLITE_MEMBER} fails SQLite's integrity check "
                                  f"({result})")
    copy = store.make_engine(f"sqlite:///{unpacked.store_file}")
    try:
        found = count_rows(copy)
    finally:
        copy.dispose()
    counted = unpacked.manifest["tables"]
    wrong = [f"table {name}: {found.get(name, 'no such table')} rows, the manifest counts "
             f"{counted.get(name, 'none')}" for name in sorted(set(found) | set(counted))
             if found.get(name) != counted.get(name)]
    if wrong:
        raise _not_a_backup(path, "its store's rows are not those its manifest counted ("
                                  + "; ".join(wrong[:3]) + ")")


def _restore_sqlite(engine: Engine, path: Path, unpacked: _Unpacked) -> dict[str, int]:
    _check_sqlite_copy(path, unpacked)
    live = _sqlite_file(engine)
    versions = _next_versions(store.versions(engine), unpacked.manifest["versions"])
    copy = store.make_engine(f"sqlite:///{unpacked.store_file}")
    try:
        with copy.begin() as conn:
            for key, value in versions.items():
                store.set_meta(conn, key, str(value))
    finally:
        copy.dispose()
    live.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(unpacked.store_file)
    target = sqlite3.connect(live, timeout=30)
    try:
        # one write transaction on the live file: all of it, or (on failure) none of it
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"restoring {path} into {live} failed, and the store was left as "
                          f"it was: {exc}") from None
    finally:
        target.close()
        source.close()
    # a writer that slipped in between reading the versions and the copy cannot have used
    # the restored numbers: one more step past them
    with store.transaction(engine) as conn:
        store.bump_data_version(conn)
        store.bump_regions_version(conn)
        return {store.DATA_VERSION: store.data_version(conn),
                store.REGIONS_VERSION: store.regions_version(conn)}


def _swap_media(stage: Path, media_dir: Path) -> None:
    """Put ``stage`` in the place of ``media_dir`` by renames (the old one is removed)."""
    old = None
    if media_dir.exists():
        os.chmod(stage, media_dir.stat().st_mode & 0o7777)  # as the folder it replaces
        old = media_dir.with_name(f".{media_dir.name}.old-{os.getpid()}")
        os.replace(media_dir, old)
    os.replace(stage, media_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def restore_backup(engine: Engine, path: Path, media_dir: Path, *,
                   force: bool = False) -> tuple[BackupReport, str | None]:
    """Replace the store of ``engine`` and the photos in ``media_dir`` with backup
    ``path``. Refused (nothing changed) when the file is not a whole backup of this kind
    of store, or the store holds data and ``force`` is not given. Returns what was
    restored, with its versions now, and the backup's signing key if it held one."""
    path, media_dir = Path(path), Path(media_dir)
    manifest = read_manifest(path)
    kind = store_kind(engine)
    if manifest["store"] != kind:
        raise _not_a_backup(path, f"it is a backup of a {manifest['store']} store, and this "
                                  f"store is {kind}")
    if not force and not store_is_empty(engine):
        raise BackupError(f"the store {engine.url.render_as_string()} holds data: restoring "
                          f"{path} would replace all of it; add --force to do that")
    media_dir.parent.mkdir(parents=True, exist_ok=True)
    work_parent = _sqlite_file(engine).parent if kind == "sqlite" else media_dir.parent
    work_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=work_parent) as work:
        stage = Path(tempfile.mkdtemp(prefix=f".{media_dir.name}.restore-",
                                      dir=media_dir.parent))
        try:
            unpacked = _unpack(path, manifest, Path(work), stage)
            if kind == "sqlite":
                versions = _restore_sqlite(engine, path, unpacked)
            else:
                versions = backup_pg.restore(engine, path, unpacked.store_file,
                                             manifest["tables"], manifest["versions"])
            _swap_media(stage, media_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    engine.dispose()  # connections opened before the restore hold nothing of it
    report = _report(path, manifest)
    return (BackupReport(**{**report.__dict__, "versions": versions}), unpacked.secret_key)
