import pytest

from dashboard.settings import Settings, SettingsError, default_database_url


def test_defaults_when_environment_is_empty():
    s = Settings.from_env({})
    assert s.database_url == default_database_url()
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("instance/dashboard.sqlite3")
    assert (s.language, s.wall_refresh_seconds, s.debug) == ("zh", 10, False)
    assert s.wall_reload_at == "04:00:00"  # walls reload themselves at 4 in the morning


def test_values_are_parsed_explicitly():
    s = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://u@h/db", "DASHBOARD_DEBUG": "no",
                           "WALL_REFRESH_SECONDS": "30", "DASHBOARD_LANGUAGE": "EN"})
    assert (s.database_url, s.debug, s.wall_refresh_seconds, s.language) == (
        "postgresql+psycopg://u@h/db", False, 30, "en")
    assert Settings.from_env({"DASHBOARD_DEBUG": "true"}).debug is True
    assert Settings.from_env({"WALL_RELOAD_AT": "3:30"}).wall_reload_at == "03:30:00"
    assert Settings.from_env({"WALL_RELOAD_AT": "off"}).wall_reload_at == ""


@pytest.mark.parametrize("env, words", [
    ({"DASHBOARD_DEBUG": "maybe"}, "DASHBOARD_DEBUG='maybe'"),
    ({"WALL_REFRESH_SECONDS": "ten"}, "whole number"),
    ({"WALL_REFRESH_SECONDS": "0"}, "at least 1"),
    ({"DASHBOARD_LANGUAGE": "fr"}, "'zh' or 'en'"),
    ({"WALL_RELOAD_AT": "25:00"}, "WALL_RELOAD_AT='25:00': expected a time of day"),
])
def test_bad_values_are_refused_with_the_name_and_value(env, words):
    with pytest.raises(SettingsError, match=words.replace("(", r"\(")):
        Settings.from_env(env)
