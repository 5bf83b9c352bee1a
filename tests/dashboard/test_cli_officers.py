"""``dashboard officers``: the assessment of the hand-counted store
(tests/data/field/assessment_store.py) as a table and as JSON, on SQLite and PostgreSQL;
bad arguments are one line and exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.settings import Settings
from data.field.assessment import FIGURE_KEYS
from tests.data.field import assessment_store as world

WEEK = ["--from", "2026-03-02", "--to", "2026-03-08"]


@pytest.fixture
def county(engine) -> Settings:
    world.build(engine)
    return Settings(database_url=engine.url.render_as_string(hide_password=False))


def test_the_table_in_chinese(county, capsys) -> None:
    assert main(["officers", *WEEK], county) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "网格员考核  全部区域  2026-03-02 至 2026-03-08（截至 2026-03-09 00:00）"
    assert lines[1].split()[:5] == ["名次", "姓名", "岗位", "所在网格", "巡查天数"]
    assert lines[1].split()[-2:] == ["得分", "状态"]
    cells = [line.split() for line in lines[2:]]
    assert [c[1] for c in cells] == ["张伟", "刘洋", "李娜", "杨帆", "赵强", "王芳"]
    # W1: rank, name, role, home, days 3, hours 1.8, km 4.7, grids 3, own 3/14, found 2,
    # on spot 1, on time 1/3, satisfaction 1/2, mediations 1, score 77.1
    assert cells[0] == ["1", "张伟", "专职网格员", "城关镇第1网格", "3", "1.8", "4.7", "3",
                        "21.4%", "2", "1", "33.3%", "50.0%", "1", "77.1", "参与排名"]
    assert cells[1][0] == cells[2][0] == "2（并列）"
    # unknown rates and unranked scores read "—", never 0
    assert cells[3][11:13] == ["—", "—"] and cells[3][14] == "0.0"
    assert cells[4][0] == "—" and cells[4][-2:] == ["—", "数据不足"]
    assert cells[5][-1] == "已离岗"


def test_json_of_a_town_in_english(county, capsys) -> None:
    english = Settings(database_url=county.database_url, language="en")
    assert main(["officers", "--region", "T1", *WEEK, "--json"], english) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["region"] == {"code": "T1", "name": "城关镇"}
    assert out["period"] == {"from": "2026-03-02", "to": "2026-03-08",
                             "as_of": "2026-03-09 00:00"}
    assert [o["code"] for o in out["officers"]] == ["W1", "W2"]
    w2 = out["officers"][1]
    assert w2["figures"]["own_grid_coverage"] == pytest.approx(2 / 7)
    assert w2["figures"]["mediations"] == 2
    assert (w2["score"], w2["rank"], w2["tied"], w2["standing"]) == (66.7, 2, False, "ranked")
    assert out["weights"]["own_grid_coverage"] == 20 and out["min_days"] == 3


def test_a_weights_file(county, capsys, tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    body = "".join(f"{key} = 0\n" for key in FIGURE_KEYS if key != "patrol_days")
    path.write_text("[weights]\npatrol_days = 1\n" + body, encoding="utf-8")
    assert main(["officers", *WEEK, "--json", "--weights", str(path)], county) == 0
    out = json.loads(capsys.readouterr().out)
    # patrol days alone: W1 3/3, W2 and W5 2/3, W7 0
    scores = {o["code"]: o["score"] for o in out["officers"]}
    assert scores == {"W1": 100.0, "W2": 66.7, "W5": 66.7, "W7": 0.0, "W4": None, "W3": None}


@pytest.mark.parametrize("args, words", [
    (["--region", "NOPE"], "错误：没有编码为 'NOPE' 的区域"),
    (["--from", "2026-03-02"], "give both --from and --to"),
    (["--from", "2026-03-08", "--to", "2026-03-02"], "--from 2026-03-08 is after --to"),
])
def test_bad_arguments(settings, capsys, args, words) -> None:
    assert main(["officers", *args], settings) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_a_bad_weights_file_is_one_line(settings, capsys, tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[weights]\npatrol_days = -2\n", encoding="utf-8")
    assert main(["officers", "--weights", str(path)], settings) == 2
    err = capsys.readouterr().err
    assert err == f"error: {path}: [weights] patrol_days = -2: expected a finite number >= 0\n"
    # the setting names the file when --weights does not
    configured = Settings(database_url=settings.database_url,
                          assessment_weights=str(tmp_path / "missing.toml"))
    assert main(["officers"], configured) == 2
    assert "missing.toml: cannot be read" in capsys.readouterr().err


def test_no_officer(settings, capsys) -> None:
    assert main(["officers", "--from", "2026-03-01", "--to", "2026-03-10"], settings) == 0
    assert capsys.readouterr().out.splitlines()[1] == "该区域没有网格员。"


def test_the_default_period_ends_at_the_newest_case_of_old_data(county, capsys) -> None:
    # the store's newest case (K12) was reported on 2026-03-04 local, long before today:
    # the 30 days up to that day, as `summary` does
    assert main(["officers", "--json"], county) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == {"from": "2026-02-03", "to": "2026-03-04",
                             "as_of": "2026-03-05 00:00"}
