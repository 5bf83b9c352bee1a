"""The overview callback, called directly inside the app's context on a hand-built store."""

from __future__ import annotations

from pathlib import Path

import pytest

from callbacks.home import parse_query, render_home, visible_tree
from dashboard import Settings, create_app
from data.regions import region_table
from tests import tiny_store


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    return app


def _texts(component) -> list[str]:
    """Every string inside a component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


def _find(component, class_name: str) -> list:
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += _find(c, class_name)
        return found
    if getattr(component, "className", None) == class_name:
        found.append(component)
    children = getattr(component, "children", None)
    if children is not None:
        found += _find(children, class_name)
    return found


def test_empty_store_says_how_to_get_data(app):
    with app.server.app_context():
        page = render_home("")
    assert any("python -m dashboard demo" in s for s in _texts(page))


def test_overview_of_a_region_and_its_children(app):
    tiny_store.build(app.server.extensions["grid_dashboard"]["engine"])
    with app.server.app_context():
        page = render_home("?region=C")
    texts = _texts(page)
    assert "清源县" in " ".join(texts) and "城关镇" in texts and "青山镇" in texts
    tiles = _find(page, "tile-value")
    assert len(tiles) == 12
    assert [row for row in _find(page, "compare")], "the children comparison is shown"


def test_unknown_region_is_a_message_not_an_error(app):
    tiny_store.build(app.server.extensions["grid_dashboard"]["engine"])
    with app.server.app_context():
        page = render_home("?region=ZZZ&lang=en")
    assert any("No region has the code ZZZ" in s for s in _texts(page))


def test_parse_query():
    assert parse_query("?region=T1&lang=en", "zh") == ("T1", "en")
    assert parse_query("", "zh") == (None, "zh")
    assert parse_query("?lang=fr", "en") == (None, "en")


def test_tree_shows_the_branch_down_to_the_selected_region(app):
    engine = app.server.extensions["grid_dashboard"]["engine"]
    tiny_store.build(engine)
    regions = region_table(engine)
    shown, open_codes = visible_tree(regions, "G2")
    assert open_codes == {"G2", "T1", "C"}
    assert set(shown["code"]) == {"C", "T1", "T2", "G1", "G2", "G3"}


def test_a_single_county_opens_on_itself(app):
    """With one top-level region, the bare address shows that region and its towns."""
    tiny_store.build(app.server.extensions["grid_dashboard"]["engine"])
    with app.server.app_context():
        page = render_home("")
    rows = _find(page, "compare")
    assert rows, "the children comparison is shown"
    names = _texts(rows)
    assert "城关镇" in names and "青山镇" in names
