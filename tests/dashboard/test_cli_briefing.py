"""``python -m dashboard briefing``: its refusals, before any browser starts.

The PDF and PNG outputs themselves are made in ``tests/browser/test_briefing.py``.
"""

from __future__ import annotations


import pytest

from dashboard.cli import main
from data import store, users


@pytest.mark.parametrize("argv, words", [
    (["--week", "2026-47"], ["bad week", "'2026-47'", "2026-W47"]),
    (["--week", "2025-W53"], ["no such week", "2025-W53", "52"]),
    (["--week", "2026-W10", "--region", "NOPE"], ["NOPE"]),
    (["--week", "2026-W10", "--lang", "fr"], ["--lang fr", "zh or en"]),
    (["--week", "2026-W10", "--out-is-not-pdf"], [".pdf"]),
])
def test_refusals_are_one_line_status_2_and_write_nothing(settings, tmp_path, capsys, argv,
                                                         words):
    out = tmp_path / "out" / "briefing.pdf"
    if argv[-1] == "--out-is-not-pdf":
        argv, out = argv[:-1], tmp_path / "out" / "briefing.txt"
    status = main(["briefing", *argv, "--out", str(out)], settings.with_(language="en"))
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not out.exists() and not out.parent.exists()
    # no token was left behind for a run that never started
    engine = store.make_engine(settings.database_url)
    assert users.list_display_tokens(engine) == []
    engine.dispose()


def test_png_pages_need_a_directory_not_a_file(settings, tmp_path, capsys):
    target = tmp_path / "pages"
    target.write_text("a file, not a directory")
    assert main(["briefing", "--week", "2026-W10", "--format", "png", "--out", str(target)],
                settings) == 2
    assert "directory" in capsys.readouterr().err
    assert target.read_text() == "a file, not a directory"
