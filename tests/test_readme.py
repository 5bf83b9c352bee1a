"""The README promises what the code does: two commands first, the registry's definitions."""

from __future__ import annotations

import re

from data.metric_registry import METRICS
from layouts.text import metric_label
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_section_gives_exactly_two_commands():
    first = README.split("\n## ", 2)[1]
    block = re.search(r"```sh\n(.*?)```", first, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_metric_definition_is_in_the_readme_as_written_in_the_registry():
    for metric in METRICS:
        name = metric_label(metric.key, "zh")
        assert f"| `{metric.key}` | {name} | {metric.definition} |" in README, metric.key


def test_the_console_picture_exists():
    assert (ROOT / "docs" / "console.png").stat().st_size > 10_000


def test_the_briefing_picture_exists():
    assert (ROOT / "docs" / "briefing.png").stat().st_size > 10_000
