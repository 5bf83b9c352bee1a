"""``dashboard alerts``: the alerts of the workflow's hand-built store (tests/workflow_store.py)
raised by fake rules (tests/alert_fakes.py standing in for the registry's), one line each
in Chinese, as JSON in English, by region and state; a rule that fails is named on stderr;
bad arguments are one line and exit status 2. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.cli import main
from dashboard.settings import Settings
from data import store
from data.alerts import book
from data.alerts import registry
from data.alerts.finding import Finding
from data.alerts.registry import Rule
from data.models import Alert, AlertCase, Case
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
    assert capsys.readouterr().err == "错误：没有编码为 'NOPE' 的区域\n"  # the default: zh
    assert main(["alerts", "--region", "NOPE", "--lang", "en"], county) == 2
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


# --- --backfill: the last days replayed (the real stuck-case rule, tests/alert_store.py) --------

@pytest.fixture
def overdue(engine, tmp_path: Path) -> tuple[Settings, datetime]:
    """Two overdue cases around the last local days (the tiny county's time zone is UTC),
    the stuck-case rule alone on; returns the settings and today's midnight."""
    from tests import alert_store as st

    st.build(engine)
    midnight = store.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    long_ago = midnight - timedelta(days=40)
    st.add(engine,
           # 7.5 days past its deadline at the end of the day three days ago: alerts then
           st.case("A", long_ago, due_at=midnight - timedelta(days=10, hours=12)),
           # 7.5 days past it only at the end of the day before yesterday; closed
           # yesterday at noon, so its alert closes itself at the end of yesterday
           st.case("B", long_ago, due_at=midnight - timedelta(days=8, hours=12),
                   status="closed", closed_at=midnight - timedelta(hours=12)),
           # a case of this week, no deadline: the data is current, not an old export
           # (which the rules would judge as of its newest case's day)
           st.case("C", midnight - timedelta(days=4)))
    rules = tmp_path / "rules.toml"
    rules.write_text("".join(f"[{key}]\nenabled = false\n" for key in
                             ("surge", "repeat_location", "recurring_dispute", "blind_spot")),
                     encoding="utf-8")
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        alert_rules=str(rules))
    return settings, midnight


def test_backfill_replays_each_day_then_now_and_writes_a_sane_history(overdue, capsys):
    settings, midnight = overdue
    assert main(["alerts", "--backfill", "3"], settings) == 0
    lines = capsys.readouterr().out.splitlines()
    days = [(midnight - timedelta(days=n)).date().isoformat() for n in (3, 2, 1)]
    assert [line.split("：")[0] for line in lines[:4]] == [*days, "现在"]
    assert [line.split("（")[0] for line in lines[:4]] == [
        f"{days[0]}：新增1条，系统关闭0条，重开0条", f"{days[1]}：新增1条，系统关闭0条，重开0条",
        f"{days[2]}：新增0条，系统关闭1条，重开0条", "现在：新增0条，系统关闭0条，重开0条"]
    assert lines[4].startswith("已回溯3日及现在") and lines[4].endswith(
        "新增预警2条，系统自动关闭1条，现有未关闭预警1条")
    engine = store.make_engine(settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Case.code, Alert.first_seen_at, Alert.closed_at,
                                   Alert.closed_by, Alert.state)
                            .join(AlertCase, AlertCase.alert_id == Alert.id)
                            .join(Case, Case.id == AlertCase.case_id)
                            .order_by(Case.code)).all()
        first = store.get_meta(conn, book.FIRST_COMPUTED)
    engine.dispose()
    end_of = lambda n: midnight - timedelta(days=n, seconds=1)  # noqa: E731
    assert [tuple(r) for r in rows] == [
        ("A", end_of(2), None, None, "new"),
        ("B", end_of(1), end_of(0), book.SYSTEM, "closed")]
    assert first == end_of(2).isoformat()


def test_backfill_refuses_a_store_whose_alerts_were_computed_and_bad_days(overdue, capsys):
    settings, _ = overdue
    assert main(["alerts"], settings) == 0  # computed now
    capsys.readouterr()
    assert main(["alerts", "--backfill", "3"], settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the alerts were computed already at ") and \
        err.count("\n") == 1 and "dashboard demo" in err
    for days in ("0", "367"):
        assert main(["alerts", "--backfill", days], settings) == 2
        assert capsys.readouterr().err == (f"error: --backfill {days}: expected a number "
                                           "of days from 1 to 366\n")
