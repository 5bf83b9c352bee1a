"""Backing up a store and its photos, and restoring it (issue 15), on SQLite and PostgreSQL.

Row counts are read by the tests' own query, never from the backup's manifest; the store
is changed between backup and restore, and the change must be gone afterwards.
"""

from __future__ import annotations

import io
import json
import tarfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, insert, select, text

from data import backup, store
from data.demo import county
from data.models import Case, Region
from tests import tiny_store


def _rows(engine: Engine) -> dict[str, int]:
    """Every table's rows, counted here."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def _add_case(engine: Engine, code: str) -> None:
    with store.transaction(engine) as conn:
        grid = conn.scalar(select(Region.id).order_by(Region.depth.desc(), Region.id).limit(1))
        conn.execute(insert(Case).values(code=code, status="reported", location_method="point",
                                         region_id=grid, reported_at=datetime(2026, 11, 30, 9),
                                         version=1))
        store.bump_data_version(conn)


def _case_codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(Case.code)))


def _media(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _rewrite(source: Path, target: Path, change) -> None:
    """A copy of the tar ``source`` whose members pass through ``change(name, data)``."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def test_a_restore_brings_back_the_store_and_photos_of_the_backup_moment(engine, tmp_path):
    county.build_demo(engine, scale="small")
    media = tmp_path / "media"
    (media / "2026").mkdir(parents=True)
    (media / "2026" / "17-1.jpg").write_bytes(b"\xff\xd8 a photo")
    rows_then = _rows(engine)
    codes_then = _case_codes(engine)
    made = backup.make_backup(engine, tmp_path / "b.tar", media)
    assert made.path == tmp_path / "b.tar" and made.path.is_file()

    _add_case(engine, "ADDED-AFTER-BACKUP")
    (media / "2026" / "17-1.jpg").unlink()
    (media / "new.jpg").write_bytes(b"a later photo")
    assert _rows(engine)["cases"] == rows_then["cases"] + 1
    before = store.versions(engine)

    restored, key = backup.restore_backup(engine, tmp_path / "b.tar", media, force=True)
    assert key is None  # the signing key was not asked for
    assert _rows(engine) == rows_then
    assert _case_codes(engine) == codes_then and "ADDED-AFTER-BACKUP" not in codes_then
    assert _media(media) == {"2026/17-1.jpg": b"\xff\xd8 a photo"}
    after = store.versions(engine)
    # running walls keyed by the old numbers must never meet them again
    for name in (store.DATA_VERSION, store.REGIONS_VERSION):
        assert after[name] > before[name] and after[name] > made.versions[name]
    assert restored.versions == after
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_restore_into_a_store_that_holds_data_needs_force(engine, tmp_path):
    tiny_store.build(engine)
    media = tmp_path / "media"
    backup.make_backup(engine, tmp_path / "b.tar", media)
    _add_case(engine, "KEPT")
    rows = _rows(engine)
    with pytest.raises(backup.BackupError, match=r"holds data: restoring .*b\.tar would "
                                                 r"replace all of it; add --force"):
        backup.restore_backup(engine, tmp_path / "b.tar", media)
    assert _rows(engine) == rows


def test_a_restore_into_an_empty_store_needs_no_force(engine, tmp_path):
    tiny_store.build(engine)
    backup.make_backup(engine, tmp_path / "b.tar", tmp_path / "media")
    rows = _rows(engine)
    store.drop_all(engine)
    store.init_db(engine)  # made again, and stamped at the schema's revision
    assert {name for name, n in _rows(engine).items() if n} == {"alembic_version"}
    backup.restore_backup(engine, tmp_path / "b.tar", tmp_path / "media")
    restored = _rows(engine)
    assert restored.pop("meta") >= rows.pop("meta")  # the versions may be new rows
    assert restored == rows


def _damage_store_member(name: str, data: bytes) -> bytes:
    if name in backup.STORE_MEMBERS.values():
        middle = len(data) // 2
        return data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + \
            data[middle + 64:]
    return data


@pytest.mark.parametrize("how, words", [
    ("damaged", "store.* is damaged \\(its SHA-256 is not the manifest's\\)"),
    ("not a tar", "not a readable tar file"),
    ("no manifest", "it holds no manifest.json"),
    ("a stranger's tar", "its manifest.json is not a dashboard backup's"),
    ("an escaping name", "it holds a member it should not: 'media/../../etc/x'"),
    ("an absolute name", "it holds a member it should not: 'media//etc/x'"),
])
def test_a_file_that_is_not_a_whole_backup_is_refused_and_the_store_untouched(
        engine, tmp_path, how, words):
    tiny_store.build(engine)
    media = tmp_path / "media"
    media.mkdir()
    (media / "1.jpg").write_bytes(b"photo")
    good = backup.make_backup(engine, tmp_path / "good.tar", media).path
    bad = tmp_path / "bad.tar"
    if how == "damaged":
        _rewrite(good, bad, _damage_store_member)
    elif how == "not a tar":
        bad.write_bytes(b"this is a shopping list, not a backup\n" * 100)
    elif how == "no manifest":
        with tarfile.open(bad, "w") as tar:
            tar.add(media / "1.jpg", "media/1.jpg")
    else:
        def change(name: str, data: bytes) -> bytes:
            if name != backup.MANIFEST:
                return data
            manifest = json.loads(data)
            if how == "a stranger's tar":
                manifest["format"] = "something-else"
            elif how == "an escaping name":
                manifest["files"]["media/../../etc/x"] = {"size": 1, "sha256": "0"}
            else:
                manifest["files"]["media//etc/x"] = {"size": 1, "sha256": "0"}
            return json.dumps(manifest).encode()
        _rewrite(good, bad, change)
    _add_case(engine, "KEPT")
    rows, codes, photos = _rows(engine), _case_codes(engine), _media(media)
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(engine, bad, media, force=True)
    assert str(bad) in str(refused.value) and "nothing was changed" in str(refused.value)
    assert refused.match(words)
    assert (_rows(engine), _case_codes(engine), _media(media)) == (rows, codes, photos)


def test_a_restore_that_fails_midway_leaves_the_store_as_it_was(engine, tmp_path):
    """The backup's manifest counts one case more than its store holds: PostgreSQL finds
    it after dropping and loading everything, SQLite before copying; either way nothing
    of the store changed."""
    tiny_store.build(engine)
    good = backup.make_backup(engine, tmp_path / "good.tar", tmp_path / "media").path

    def miscount(name: str, data: bytes) -> bytes:
        if name != backup.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["tables"]["cases"] += 1
        return json.dumps(manifest).encode()

    _rewrite(good, tmp_path / "bad.tar", miscount)
    _add_case(engine, "KEPT")
    rows, versions = _rows(engine), store.versions(engine)
    words = ("rolled back\\): ERROR:  table cases: 4 rows, the backup counted 5$"
             if engine.dialect.name == "postgresql" else "table cases: 4 rows, the manifest "
                                                         "counts 5")
    with pytest.raises(backup.BackupError, match=words):
        backup.restore_backup(engine, tmp_path / "bad.tar", tmp_path / "media", force=True)
    assert _rows(engine) == rows and "KEPT" in _case_codes(engine)
    assert store.versions(engine) == versions


def test_a_backup_of_the_other_kind_of_store_is_refused(engine, tmp_path, sqlite_engine):
    tiny_store.build(sqlite_engine)
    other = sqlite_engine if engine.dialect.name == "postgresql" else None
    if other is None:  # a SQLite store meets a PostgreSQL backup: made by hand
        source = tmp_path / "source.tar"
        backup.make_backup(engine, source, tmp_path / "m")

        def relabel(name: str, data: bytes) -> bytes:
            if name != backup.MANIFEST:
                return data
            manifest = json.loads(data)
            manifest["store"] = "postgresql"
            manifest["files"]["store.pgdump"] = manifest["files"].pop("store.sqlite3")
            return json.dumps(manifest).encode()
        _rewrite(source, tmp_path / "b.tar", relabel)
        words = "a backup of a postgresql store, and this store is sqlite"
    else:
        backup.make_backup(other, tmp_path / "b.tar", tmp_path / "m")
        words = "a backup of a sqlite store, and this store is postgresql"
    with pytest.raises(backup.BackupError, match=words):
        backup.restore_backup(engine, tmp_path / "b.tar", tmp_path / "m", force=True)


def test_a_backup_never_overwrites_a_file_and_names_a_folder_s_file_by_date(sqlite_engine,
                                                                           tmp_path):
    tiny_store.build(sqlite_engine)
    (tmp_path / "old.tar").write_text("yesterday's")
    with pytest.raises(backup.BackupError, match="old.tar exists: a backup never overwrites"):
        backup.make_backup(sqlite_engine, tmp_path / "old.tar", tmp_path / "media")
    assert (tmp_path / "old.tar").read_text() == "yesterday's"
    folder = tmp_path / "backups"
    folder.mkdir()
    made = backup.make_backup(sqlite_engine, folder, tmp_path / "media")
    assert made.path.parent == folder and made.path.name.startswith("dashboard-")
    assert [p.name for p in folder.iterdir()] == [made.path.name]  # no temporary left


def test_the_postgresql_tools_get_the_password_only_in_their_environment():
    from sqlalchemy import create_engine

    from data import backup_pg

    engine = create_engine("postgresql+psycopg://ops:s3cret%20pw@db.lan:5433/dash"
                           "?sslmode=require")
    conninfo, env = backup_pg.connection(engine)
    assert "s3cret" not in conninfo
    assert env["PGPASSWORD"] == "s3cret pw"
    assert set(conninfo.split()) == {"dbname=dash", "host=db.lan", "port=5433", "user=ops",
                                     "sslmode=require"}


def test_a_missing_client_program_names_the_package(monkeypatch):
    from data import backup_pg

    monkeypatch.setattr(backup_pg.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_pg, "_TOOLS_GLOB", "/nonexistent/*/bin")
    with pytest.raises(backup.BackupError, match="pg_dump was not found .* install Debian's "
                                                 "postgresql-client"):
        backup_pg.tool("pg_dump")


def test_a_backup_made_while_cases_are_written_is_one_moment(engine, tmp_path):
    """A writer adds cases the whole time two backups are made: each backup restores (the
    restore checks every table's rows against the counts taken with the copy) to a number
    of cases between the store's before and after."""
    import threading

    tiny_store.build(engine)
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        while not stop.is_set():
            _add_case(engine, f"W{len(written)}")
            written.append(1)

    before = len(_case_codes(engine))
    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        made = [backup.make_backup(engine, tmp_path / f"{n}.tar", tmp_path / "media")
                for n in range(2)]
    finally:
        stop.set()
        writer.join()
    after = len(_case_codes(engine))
    assert after > before + 5
    for one in made:
        backup.restore_backup(engine, one.path, tmp_path / "media", force=True)
        assert before <= len(_case_codes(engine)) <= after
        assert _rows(engine)["cases"] == one.tables["cases"]


def test_a_sqlite_store_that_is_not_there_is_not_made_by_a_backup(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'none' / 'dashboard.sqlite3'}")
    with pytest.raises(backup.BackupError, match="there is no store at .*none/dashboard"):
        backup.make_backup(engine, tmp_path / "b.tar", tmp_path / "media")
    assert not (tmp_path / "none" / "dashboard.sqlite3").exists()
    assert not (tmp_path / "b.tar").exists()
