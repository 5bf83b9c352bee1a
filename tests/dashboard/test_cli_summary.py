"""``dashboard summary`` of the whole deployment: the region's word comes from the interface."""

from __future__ import annotations

import json

from dashboard.settings import Settings
from dashboard.cli import main


def test_the_whole_deployment_is_named_in_the_users_language(settings, capsys):
    assert main(["summary", "--from", "2026-03-01", "--to", "2026-03-10", "--json"],
                settings) == 0
    region = json.loads(capsys.readouterr().out)["region"]
    assert region == {"code": None, "key": "all", "name": "全部区域", "level": None, "depth": -1}
    english = Settings(database_url=settings.database_url, language="en")
    assert main(["summary", "--from", "2026-03-01", "--to", "2026-03-10"], english) == 0
    assert capsys.readouterr().out.startswith("All regions (*)  2026-03-01 .. 2026-03-10\n")
