"""``python -m dashboard import officers FILE --mapping M.toml`` on the tiny store."""

from __future__ import annotations

import json

from dashboard.cli import IMPORTS, main
from data.field.roster import import_officers
from tests.data.field.test_roster_import import ROWS, write_csv, write_toml


def test_the_import_kinds_come_from_one_table():
    assert getattr(*IMPORTS["officers"]) is import_officers


def test_import_officers_words_its_report_and_json(settings, tmp_path, capsys):
    path, mapping = write_csv(tmp_path / "roster.csv"), write_toml(tmp_path / "m.toml")
    assert main(["import", "officers", str(path), "--mapping", str(mapping)], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"导入网格员名册：{path}"
    assert out[1] == "读取 4 行；新增 4，更新 0，未变 0，拒收 0"
    assert out[2] == "名册不再列出、设为离岗 0 人（保留其历史）"
    write_csv(path, ROWS[:3])
    assert main(["import", "officers", str(path), "--mapping", str(mapping), "--json"],
                settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["kind"], report["rows_read"], report["unchanged"], report["left"]) == \
        ("officers", 3, 3, 1)


def test_import_officers_refuses_with_one_line(settings, tmp_path, capsys):
    rows = [["W1", "张伟", "", "专职", "G7"]]
    path, mapping = write_csv(tmp_path / "r.csv", rows), write_toml(tmp_path / "m.toml")
    assert main(["import", "officers", str(path), "--mapping", str(mapping)], settings) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: r.csv, row 2, column '服务网格', value 'G7': unknown region code(s) "
                   "'G7': no region has them (import the regions first) (nothing was "
                   "imported)"]
    assert main(["import", "officers", str(path)], settings) == 2
    assert capsys.readouterr().err == "错误：import officers 需要 --mapping（TOML 映射文件）\n"
