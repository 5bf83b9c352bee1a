"""The console's background warming skips the rounds a commander's action would waste
(:class:`dashboard.console_cache.PacedPrewarm`), with the counts in this process or in
Redis."""

from __future__ import annotations

import pytest

from dashboard import console_cache, shared_state
from dashboard.app import create_app
from dashboard.settings import Settings


@pytest.fixture(params=["process", "redis"])
def app(request, tmp_path):
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}",
                        redis_url=redis_url)
    yield create_app(settings)
    if redis_url:
        state = shared_state.of(settings)
        for key in state.client.scan_iter(state.prefix + "*"):
            state.client.delete(key)


def test_a_round_after_an_action_is_skipped_and_a_calm_one_warms(app, monkeypatch):
    warmed = []
    monkeypatch.setattr(console_cache, "prewarm_once", lambda app_, now=None: warmed.append(1))
    paced = console_cache.PacedPrewarm(app)
    assert paced() and paced()  # the first round, and a round with nothing acted on
    with app.server.app_context():
        console_cache.forget_counts()  # a commander acted: what was warmed is forgotten
    assert not paced()  # this round's warming would be forgotten by the next action
    assert len(warmed) == 2
    with app.server.app_context():
        console_cache.forget_counts()
        console_cache.forget_counts()
    assert not paced()  # still acting
    assert paced() and len(warmed) == 3  # a calm round: warmed again


def test_calm_is_counted_from_the_end_of_the_last_warming(app, monkeypatch):
    def warm_while_acted_on(app_, now=None):
        with app_.server.app_context():
            console_cache.forget_counts()

    monkeypatch.setattr(console_cache, "prewarm_once", warm_while_acted_on)
    paced = console_cache.PacedPrewarm(app)
    assert paced()
    monkeypatch.setattr(console_cache, "prewarm_once", lambda app_, now=None: None)
    assert paced()  # acted on during the last round, not since: this one warms
    with app.server.app_context():
        console_cache.forget_counts()
    assert not paced()
