"""The rules' parameters (:mod:`data.alerts.params`): rules.toml is every rule's section,
a centre's file changes only what it names, and a file that cannot be used is refused with
a message naming the file, the section, the key and why."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dashboard.settings import Settings
from data.alerts import params
from data.alerts.registry import RULES


#: rules.toml's own orange surge probability (a centre's red one must not exceed it)
_DEFAULT_ORANGE = tomllib.loads(
    params.DEFAULT_PATH.read_text(encoding="utf-8"))["surge"]["p_orange"]


def _own(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "centre_rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults_are_rules_toml_with_one_section_per_rule():
    loaded = params.load()
    raw = tomllib.loads(params.DEFAULT_PATH.read_text(encoding="utf-8"))
    assert loaded == raw
    assert list(loaded) == [rule.key for rule in RULES]
    assert all(table["enabled"] is True for table in loaded.values())


def test_a_centres_file_changes_only_what_it_names(tmp_path):
    path = _own(tmp_path, "[surge]\nmin_count = 8\nmin_ratio = 3\np_yellow = 0.005\n"
                          "windows = [1, 3, 7]\n\n[blind_spot]\nenabled = false\n")
    loaded = params.load(path)
    defaults = params.load()
    assert loaded["surge"] == {**defaults["surge"], "min_count": 8, "min_ratio": 3.0,
                               "p_yellow": 0.005, "windows": [1, 3, 7]}
    assert isinstance(loaded["surge"]["min_ratio"], float)  # a whole number is a number
    assert loaded["blind_spot"]["enabled"] is False
    assert {k: v for k, v in loaded.items() if k not in ("surge", "blind_spot")} == {
        k: v for k, v in defaults.items() if k not in ("surge", "blind_spot")}
    assert params.load("") == defaults


@pytest.mark.parametrize("text, message", [
    ("[flood]\ndays = 3\n",
     r"\[flood\] is not a rule \(expected one of surge, repeat_location, "),
    ("[surge]\nmin_cout = 3\n",
     r"\[surge\] min_cout = 3: no such parameter \(expected one of enabled, "),
    ("[surge]\nmin_count = true\n", r"\[surge\] min_count = True: expected a whole number"),
    ("[surge]\nmin_count = 2.5\n", r"\[surge\] min_count = 2.5: expected a whole number"),
    ("[surge]\nenabled = 1\n", r"\[surge\] enabled = 1: expected true or false"),
    ("[surge]\nwindows = [1, \"7\"]\n",
     r"\[surge\] windows = \[1, '7'\]: expected a list of a whole numbers, found '7'"),
    ("[surge]\nwindows = []\n", r"\[surge\] windows = \[\]: expected a list of at least one"),
    ("[surge]\nwindows = 7\n", r"\[surge\] windows = 7: expected a list"),
    ("[surge]\nwindows = [0, 7]\n", r"\[surge\] windows = \[0, 7\]: must lie from 1 to 366"),
    ("[surge]\np_red = 0.9\n", r"\[surge\] p_red = 0.9: must lie from 1e-12 to 0.5"),
    ("[surge]\nmin_ratio = 0.5\n", r"\[surge\] min_ratio = 0.5: must be at least 1.0"),
    ("[surge]\nmin_ratio = nan\n", r"\[surge\] min_ratio = nan: must be a finite number"),
    ("[surge]\np_red = 0.5\n",
     rf"\[surge\] p_red = 0.5: must be at most p_orange \({_DEFAULT_ORANGE!r}\)"),
    ("[surge]\np_red = 0.005\np_orange = 0.002\n",
     r"\[surge\] p_orange = 0.002: must be at least p_red \(0.005\)"),
    ("[repeat_location]\nred_cases = 3\n",
     r"\[repeat_location\] red_cases = 3: must be at least orange_cases \(4\)"),
    ("[stuck_case]\noverdue_days = -1\n",
     r"\[stuck_case\] overdue_days = -1: must lie from 0 to 3660"),
    ("surge = 3\n", r"surge = 3: expected a table \[surge\]"),
])
def test_a_bad_value_is_refused_naming_file_section_key_and_why(tmp_path, text, message):
    path = _own(tmp_path, text)
    with pytest.raises(params.ParamsError, match=message) as refused:
        params.load(path)
    assert str(refused.value).startswith(f"{path}: ")


def test_every_problem_is_named_at_once(tmp_path):
    path = _own(tmp_path, "[surge]\nmin_count = 0\n[blind_spot]\ndayz = 3\n")
    with pytest.raises(params.ParamsError) as refused:
        params.load(path)
    assert len(refused.value.problems) == 2
    assert "[blind_spot] dayz = 3: no such parameter" in refused.value.problems[0]
    assert "[surge] min_count = 0: must be at least 1" in refused.value.problems[1]


def test_a_file_that_is_missing_or_not_toml_is_refused(tmp_path):
    with pytest.raises(params.ParamsError, match=r"nowhere.toml: cannot be read"):
        params.load(tmp_path / "nowhere.toml")
    with pytest.raises(params.ParamsError, match=r"centre_rules.toml: not a TOML file"):
        params.load(_own(tmp_path, "[surge\nmin_count = 3\n"))


def test_a_bad_default_is_refused_too_naming_the_defaults_file(tmp_path):
    defaults = tmp_path / "rules.toml"
    defaults.write_text("[blind_spot]\nenabled = true\ndays = 0\nred_days = 30\n",
                        encoding="utf-8")
    with pytest.raises(params.ParamsError, match=r"rules.toml: \[blind_spot\] days = 0: "):
        params.load(defaults=defaults)


def test_the_setting_alert_rules_names_the_centres_file():
    assert Settings.from_env({"ALERT_RULES": " /etc/centre/rules.toml "}).alert_rules \
        == "/etc/centre/rules.toml"
    assert Settings.from_env({}).alert_rules == ""
