"""The alerts are recomputed in the background, once per deployment
(:class:`dashboard.serving.AlertsJob`, run by the leader of :mod:`dashboard.background`),
with the rules' parameters the app was started with; a bad rules file stops the start."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard import serving
from dashboard import cli
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.alerts import book
from data.alerts.params import ParamsError
from data.models import Alert
from tests import alert_store


def _three_cases_at_one_spot(engine) -> None:
    now = store.utcnow()
    alert_store.add(engine, *[
        alert_store.case(f"R{i}", now - timedelta(days=i + 1), lon=alert_store.LON,
                         lat=alert_store.north(5 * i)) for i in range(3)])


def test_the_leader_recomputes_the_alerts_when_the_data_changes(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    app = create_app(Settings(database_url=url))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    alert_store.build(engine)
    monkeypatch.setattr(serving, "ALERTS_SECONDS", 0.05)
    running = serving.start_background(
        app, app.server.extensions["grid_dashboard"]["settings"], with_feed=False)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not book.is_current(
                engine, store.utcnow(), app.server.extensions["grid_dashboard"]["alert_params"]):
            time.sleep(0.05)
        with engine.connect() as conn:
            assert conn.execute(select(Alert.rule)).scalars().all() == []
        _three_cases_at_one_spot(engine)  # a repeat location, and the data version moves
        found: list[str] = []
        while time.monotonic() < deadline and not found:
            time.sleep(0.05)
            with engine.connect() as conn:
                found = conn.execute(select(Alert.rule)).scalars().all()
        assert found == ["repeat_location"]
    finally:
        serving.stop_background(running)


def test_the_app_starts_with_the_centres_rules(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[repeat_location]\nmin_cases = 4\n", encoding="utf-8")
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.sqlite3'}",
                              alert_rules=str(rules)))
    assert app.server.extensions["grid_dashboard"]["alert_params"]["repeat_location"][
        "min_cases"] == 4


def test_a_bad_rules_file_stops_the_app_and_serve_with_one_line(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text("[repeat_location]\nmin_cases = 'three'\n", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}",
                        alert_rules=str(rules))
    with pytest.raises(ParamsError, match="min_cases"):
        create_app(settings)
    assert cli.main(["serve", "--port", "8059", "--no-feed"], settings=settings) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rules.toml" in err[0] and "min_cases" in err[0], err


def test_after_a_recompute_the_job_rests_in_proportion_to_its_cost(monkeypatch):
    clock = [100.0]
    calls: list[float] = []
    answers = iter([object(), None, object()])  # recomputed, nothing to do, recomputed

    def ensure_current(engine, rule_params):
        calls.append(clock[0])
        clock[0] += 2.0  # a recompute of 2 s
        return next(answers)

    monkeypatch.setattr(serving.alert_book, "ensure_current", ensure_current)
    job = serving.AlertsJob(engine=None, rule_params={}, clock=lambda: clock[0])
    job()  # recomputes for 2 s: no look again for 5 x 2 s from its start
    clock[0] = 109.9
    job()
    assert calls == [100.0]
    clock[0] = 110.0
    job()  # nothing to do: no rest after it
    job()
    assert calls == [100.0, 110.0, 112.0]
