"""``dashboard alerts``: the alerts of the workflow's hand-built store (tests/workflow_store.py)
raised by fake rules (tests/alert_fakes.py standing in for the registry's), one line each
in Chinese, as JSON in English, by region and state; a rule that fails is named on stderr;
bad arguments are one line and exit status 2. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.cli import main
from dashboard.settings import Settings
from data import store
from data.alerts import registry
from data.alerts.finding import Finding
from data.alerts.registry import Rule
from data.models import Case
from tests import alert_fakes, workflow_store as ws
from tests.workflow_store import G1, G2, NOW

SURGE_LINE = ("[橙]  突增  第1网格  自 2026-11-17 14:00  新预警  "
              "本网格近7日“占道经营”上报23件，同期均值4.1件，概率<0.001")
STUCK_LINE = ("[红]  久拖未决  第2网格  自 2026-11-15 10:00  新预警  "
              "案件超期12日仍未办结")


@pytest.fixture
def county(engine, monkeypatch) -> Settings:
    ws.build(engine)
    with store.transaction(engine) as conn:
        cases = tuple(ws.add_case(conn) for _ in range(3))
        stuck = ws.add_case(conn, "dispatched", region_id=G2)
        store.bump_data_version(conn)
    alert_fakes.reset()
    alert_fakes.FOUND.update({
        "surge": [Finding("surge", "surge:G1:占道经营", "orange", G1,
                          NOW - timedelta(hours=20), cases,
                          {"count": 23, "expected": 4.1, "p": 0.0004, "days": 7,
                           "category": ws.HOURLY})],
        "stuck_case": [Finding("stuck_case", f"stuck_case:{stuck}", "red", G2,
                               NOW - timedelta(days=3), (stuck,),
                               {"reason": "overdue", "overdue_days": 12, "postponed": 0,
                                "reworked": 0})]})
    monkeypatch.setattr(registry, "RULES", alert_fakes.rules("surge", "stuck_case"))
    yield Settings(database_url=engine.url.render_as_string(hide_password=False))
    alert_fakes.reset()


def test_one_line_per_alert_in_chinese_most_urgent_first(county, capsys):
    assert main(["alerts"], county) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [STUCK_LINE, SURGE_LINE]
    assert captured.err == ""


def test_asking_again_when_nothing_changed_runs_no_rule(county, capsys):
    assert main(["alerts"], county) == 0
    assert len(alert_fakes.CALLS) == 2
    assert main(["alerts", "--region", "G1"], county) == 0
    assert len(alert_fakes.CALLS) == 2  # one meta read, no recompute
    assert capsys.readouterr().out.splitlines()[-1] == SURGE_LINE
    assert main(["alerts", "--refresh"], county) == 0
    assert len(alert_fakes.CALLS) == 4


def test_a_regions_alerts_only(county, capsys):
    assert main(["alerts", "--region", "G2"], county) == 0
    assert capsys.readouterr().out.splitlines() == [STUCK_LINE]
    assert main(["alerts", "--region", "T1", "--level", "orange"], county) == 0
    assert capsys.readouterr().out.splitlines() == [SURGE_LINE]
    assert main(["alerts", "--region", "G3"], county) == 0
    assert capsys.readouterr().out == "没有符合条件的预警\n"


def test_json_in_english_with_each_alerts_cases_and_explanation(county, capsys):
    english = county.with_(language="en")
    assert main(["alerts", "--json", "--rule", "surge"], english) == 0
    out = json.loads(capsys.readouterr().out)
    [alert] = out["alerts"]
    with store.make_engine(county.database_url).connect() as conn:
        g1_cases = conn.scalars(select(Case.id).where(Case.region_id == G1)
                                .order_by(Case.id)).all()
    assert (alert["rule"], alert["rule_name"], alert["level"], alert["state"]) == (
        "surge", "Surge", "orange", "new")
    assert (alert["region_code"], alert["version"], alert["case_ids"]) == ("G1", 1, g1_cases)
    assert alert["explanation"] == ("This grid reported 23 “占道经营” cases in the last 7 "
                                    "days, against 4.1 expected (p<0.001)")
    assert alert["facts"]["expected"] == 4.1 and alert["started_at"] == "2026-11-17T06:00:00"
    assert out["failed"] == [] and out["state"] == "open" and out["region"] is None


def test_an_alert_whose_condition_went_closes_itself_and_shows_under_all(county, capsys):
    assert main(["alerts"], county) == 0
    alert_fakes.FOUND["surge"] = []
    assert main(["alerts", "--refresh", "--rule", "surge"], county) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "没有符合条件的预警"
    assert main(["alerts", "--state", "all", "--rule", "surge"], county) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("[橙]  突增  第1网格  自 2026-11-17 14:00  "
                           "已关闭 (预警条件已不再成立，系统自动关闭)  本网格近7日")


def test_a_rule_that_fails_is_named_and_the_others_are_listed(county, capsys, monkeypatch):
    monkeypatch.setattr(registry, "RULES", (
        *alert_fakes.rules("surge"), Rule("blind_spot", "broken", "tests.alert_fakes_broken")))
    assert main(["alerts"], county) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [SURGE_LINE]
    assert captured.err == "规则“blind_spot”未能运行：RuntimeError: the fake rule broke\n"


def test_bad_arguments_are_one_line_and_status_2(county, capsys, tmp_path: Path):
    assert main(["alerts", "--region", "NOPE"], county) == 2
    assert capsys.readouterr().err == "error: no region has the code 'NOPE'\n"
    bad = tmp_path / "rules.toml"
    bad.write_text("[surge]\nmin_count = 0\n", encoding="utf-8")
    assert main(["alerts", "--rules", str(bad)], county) == 2
    assert capsys.readouterr().err == (f"error: {bad}: [surge] min_count = 0: must be at "
                                       "least 1\n")
    assert main(["alerts"], county.with_(alert_rules=str(bad))) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}: ")
    assert alert_fakes.CALLS == []
    with pytest.raises(SystemExit):
        main(["alerts", "--state", "opened"], county)
