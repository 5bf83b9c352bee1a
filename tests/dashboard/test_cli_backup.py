"""``python -m dashboard db backup|restore`` (issue 15): what it prints, when it refuses, and
the signing key, which travels only when asked."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select

from dashboard.cli import main
from dashboard.settings import Settings
from data import store
from data.models import Case
from tests import tiny_store


def _deployment(folder: Path) -> Settings:
    """A SQLite deployment in ``folder`` (its store, photos and key file beside it)."""
    url = f"sqlite:///{folder / 'dashboard.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    (folder / "media").mkdir()
    (folder / "media" / "1.jpg").write_bytes(b"photo")
    return Settings(database_url=url)


def _cases(settings: Settings) -> int:
    engine = store.make_engine(settings.database_url)
    with engine.connect() as conn:
        found = len(conn.scalars(select(Case.id)).all())
    engine.dispose()
    return found


def test_backup_and_restore_from_the_command_line(tmp_path, capsys):
    settings = _deployment(tmp_path)
    target = tmp_path / "nightly.tar"
    assert main(["db", "backup", str(target)], settings) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"backup written: {target} (")
    assert "sqlite store of" in out and "1 photos" in out and "signing key" not in out
    engine = store.make_engine(settings.database_url)
    with store.transaction(engine) as conn:
        conn.execute(insert(Case).values(code="LATER", status="reported",
                                         location_method="point", version=1,
                                         reported_at=datetime(2026, 11, 30, 9)))
    engine.dispose()
    assert _cases(settings) == len(tiny_store.CASES) + 1

    assert main(["db", "restore", str(target)], settings) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: the store sqlite:///") and "add --force" in error
    assert _cases(settings) == len(tiny_store.CASES) + 1

    assert main(["db", "restore", str(target), "--force"], settings) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"restored {target}: sqlite store of") and "running walls" in out
    assert _cases(settings) == len(tiny_store.CASES)


def test_the_signing_key_travels_only_when_asked_both_ways(tmp_path, capsys):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    settings = _deployment(here)
    key = "k" * 40
    settings = settings.with_(secret_key=key)
    assert main(["db", "backup", str(tmp_path / "plain.tar")], settings) == 0
    assert main(["db", "backup", str(tmp_path / "keyed.tar"), "--with-secret-key"],
                settings) == 0
    assert "with the signing key" in capsys.readouterr().out

    elsewhere = Settings(database_url=f"sqlite:///{there / 'dashboard.sqlite3'}")
    assert main(["db", "restore", str(tmp_path / "plain.tar"), "--with-secret-key"],
                elsewhere) == 2
    assert "plain.tar holds no signing key" in capsys.readouterr().err
    assert main(["db", "restore", str(tmp_path / "keyed.tar")], elsewhere) == 0
    assert "left unused" in capsys.readouterr().out
    assert not elsewhere.secret_key_path().exists()
    assert main(["db", "restore", str(tmp_path / "keyed.tar"), "--force",
                 "--with-secret-key"], elsewhere) == 0
    key_file = elsewhere.secret_key_path()
    assert f"signing key written to {key_file}" in capsys.readouterr().out
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (there / "media" / "1.jpg").read_bytes() == b"photo"


def test_a_backup_that_is_not_one_is_refused_with_its_name(tmp_path, capsys):
    settings = _deployment(tmp_path)
    bogus = tmp_path / "notes.tar"
    bogus.write_text("not a backup")
    assert main(["db", "restore", str(bogus), "--force"], settings) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {bogus} is not a backup this command can restore: "
                            "not a readable tar file")
    assert main(["db", "restore", str(tmp_path / "missing.tar")], settings) == 2
    assert f"{tmp_path / 'missing.tar'}: no such file" in capsys.readouterr().err
