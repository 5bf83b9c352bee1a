import re

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


def test_the_printer_and_host_settings():
    s = Settings.from_env({})
    assert (s.internal_url, s.trusted_hosts, s.print_timeout_seconds) == ("", (), 45)
    s = Settings.from_env({"DASHBOARD_INTERNAL_URL": " http://127.0.0.1:8050/ ",
                           "DASHBOARD_TRUSTED_HOSTS": "Dash.Example.org, .corp.example,,指挥.中国",
                           "DASHBOARD_PRINT_TIMEOUT": "30"})
    assert s.internal_url == "http://127.0.0.1:8050"
    assert s.trusted_hosts == ("dash.example.org", ".corp.example", "xn--xuuoc.xn--fiqs8s")
    assert s.print_timeout_seconds == 30
    assert Settings.from_env({"DASHBOARD_TRUSTED_HOSTS": " , "}).trusted_hosts == ()


@pytest.mark.parametrize("env, words", [
    ({"DASHBOARD_INTERNAL_URL": "127.0.0.1:8050"}, "expected an address like"),
    ({"DASHBOARD_INTERNAL_URL": "ftp://host"}, "expected an address like"),
    ({"DASHBOARD_INTERNAL_URL": "http://host/dash"}, "only scheme, host and port"),
    ({"DASHBOARD_INTERNAL_URL": "http://user@host"}, "only scheme, host and port"),
    ({"DASHBOARD_INTERNAL_URL": "http://host:99999"}, "DASHBOARD_INTERNAL_URL='http://host:99999'"),
    ({"DASHBOARD_TRUSTED_HOSTS": "dash.example.org,http://evil"}, "'http://evil' is not a host"),
    ({"DASHBOARD_TRUSTED_HOSTS": "dash.example.org:8050"}, "without scheme, port or path"),
    ({"DASHBOARD_TRUSTED_HOSTS": "[::1]"}, "'[::1]' is not a host name"),
    ({"DASHBOARD_PRINT_TIMEOUT": "0"}, "at least 1"),
    ({"DASHBOARD_PRINT_TIMEOUT": "601"}, "at most 600"),
    ({"DASHBOARD_PRINT_TIMEOUT": "soon"}, "whole number"),
])
def test_bad_printer_and_host_settings_are_refused(env, words):
    with pytest.raises(SettingsError, match=re.escape(words)):
        Settings.from_env(env)



def test_settings_made_in_code_are_checked_too():
    with pytest.raises(SettingsError, match="internal_url"):
        Settings(internal_url="http://host/")
    with pytest.raises(SettingsError, match="trusted_hosts"):
        Settings(trusted_hosts=("Evil Host",))
    with pytest.raises(SettingsError, match="print_timeout_seconds"):
        Settings(print_timeout_seconds=0)
