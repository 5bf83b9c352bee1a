"""docs/deployment.md and the files of ``deploy/`` say what this release does (issue 15):
every ``python -m dashboard`` command they give parses with the real command line, the
example environment is a valid one, the systemd units and the CLI wrapper are well formed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import pytest

from dashboard.cli import build_parser
from dashboard.settings import Settings
from tests.conftest import ROOT

DOC = ROOT / "docs" / "deployment.md"
DEPLOY = ROOT / "deploy"
UNITS = ["dashboard.service", "dashboard-backup.service", "dashboard-backup.timer"]


def _shell_lines(text: str) -> list[str]:
    """The lines of the page's ``sh`` blocks (continuation lines joined, comments cut) and
    its inline commands (`` `dashboard ...` ``)."""
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            lines.append(re.sub(r"\s+#\s.*$", "", line).strip())
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    lines += [span.replace("\n", " ") for span in
              re.findall(r"`((?:dashboard|/usr/local/bin/dashboard) [^`]*)`", text)]
    return [line for line in lines if line]


def _dashboard_commands(lines: list[str]) -> list[list[str]]:
    """The arguments of each ``python -m dashboard ...`` or ``dashboard ...`` (the wrapper)
    in ``lines``, pipes and ``&&`` split apart."""
    found = []
    for line in lines:
        for part in re.split(r"\s*(?:&&|\|\|?|;)\s*", line):
            words = shlex.split(part)
            for index, word in enumerate(words):
                if word == "-m" and words[index + 1:index + 2] == ["dashboard"]:
                    found.append(words[index + 2:])
                    break
                if word in ("dashboard", "/usr/local/bin/dashboard") and index == 0:
                    found.append(words[1:])
                    break
    return found


def _unit_commands() -> list[list[str]]:
    lines = []
    for name in UNITS:
        for line in (DEPLOY / name).read_text().splitlines():
            if line.startswith("ExecStart="):
                lines.append(line.removeprefix("ExecStart="))
    return _dashboard_commands(lines)


def _parses(args: list[str]) -> bool:
    try:
        build_parser().parse_args(args)
    except SystemExit:
        return False
    return True


def test_every_command_on_the_page_and_in_the_units_parses():
    commands = _dashboard_commands(_shell_lines(DOC.read_text())) + _unit_commands()
    kinds = {" ".join(args[:2]) for args in commands}
    # the page does give the commands it must
    for expected in ("db backup", "db restore", "user add", "wall-token --region",
                     "serve --workers", "import regions"):
        assert expected in kinds, expected
    assert [" ".join(args) for args in commands if not _parses(args)] == []


def test_the_sites_access_log_never_holds_a_query_string():
    """A wall's address carries its token (?token=...): nginx's default log format
    ($request) would write it to disk. Every server logs with the format that leaves the
    query out, and that format names none of the variables that hold it."""
    site = (DEPLOY / "nginx.conf").read_text()
    declared = re.search(r"log_format dashboard_noquery (.*?);", site, re.S)
    assert declared is not None
    for variable in ("$request ", "$request\"", "$request_uri", "$args", "$query_string",
                     "$request_body", "$arg_"):
        assert variable not in declared.group(1), variable
    servers = site.count("server {")
    assert site.count("access_log /var/log/nginx/dashboard.access.log dashboard_noquery;") \
        == servers == 2


def test_the_example_environment_is_a_valid_one():
    env = {}
    for line in (DEPLOY / "dashboard.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert key == key.strip() and re.fullmatch(r"[A-Z_]+", key), line
            env[key] = value
    settings = Settings.from_env(env)
    assert settings.proxy_hops == 1 and settings.secure_cookies
    assert settings.trusted_hosts == ("dash.centre.lan",)
    assert settings.connections_per_client == 0
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.internal_url == "http://127.0.0.1:8050"
    # the name nginx serves is the one the app answers to
    assert "server_name dash.centre.lan;" in (DEPLOY / "nginx.conf").read_text()


def test_the_systemd_units_are_well_formed(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI must check the units: install systemd (make test does)")
        pytest.skip("systemd-analyze is not installed (package systemd)")
    python = str(ROOT / ".venv" / "bin" / "python")
    if not os.access(python, os.X_OK):
        python = shutil.which("python3")
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/opt/dashboard/.venv/bin/python", python)
        (tmp_path / name).write_text(text)
    done = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in UNITS)],
                          capture_output=True, text=True)
    # an unknown key or section is only a warning: none may be printed
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_cli_wrapper_is_a_valid_shell_script():
    done = subprocess.run(["sh", "-n", str(DEPLOY / "dashboard-cli")], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert os.access(DEPLOY / "dashboard-cli", os.X_OK)
