"""New boundaries imported into a running app's store reach its walls and consoles.

The app keeps every region's map shapes (they are slow to make); they are kept by the
store's regions version, which an import of regions moves on. A running wall's next
refresh sends the whole new map (a patch of colours onto old polygons would colour the
wrong grids), a rotating wall's next step too, and the console's next click draws them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from dash import Patch
from plotly.basedatatypes import BaseFigure
from shapely.geometry import box
from sqlalchemy import insert, select

from callbacks import console as console_cb
from callbacks import wall as wall_cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import region_import, store
from data.console_state import ConsoleState
from data.models import Case, Region
from layouts import ids
from tests.auth_helpers import acting_as, make_user, make_wall_token

TOWNS = {"T1": ("城关镇", box(116.0, 39.0, 116.5, 39.5)),
         "T2": ("青山镇", box(116.5, 39.0, 117.0, 39.5))}
GRIDS = {"G1": ("一网格", "T1", box(116.0, 39.0, 116.25, 39.5)),
         "G2": ("二网格", "T1", box(116.25, 39.0, 116.5, 39.5)),
         "G3": ("三网格", "T2", box(116.5, 39.0, 117.0, 39.5))}
#: G1 and G2 redrawn: the line between them moves from 116.25 to 116.40
REDRAWN = {**GRIDS, "G1": ("一网格", "T1", box(116.0, 39.0, 116.40, 39.5)),
           "G2": ("二网格", "T1", box(116.40, 39.0, 116.5, 39.5))}
TOWN_TOML = """
[source]
level = "乡镇街道"
[columns]
code = "code"
name = "name"
geometry = "wkt"
"""
GRID_TOML = """
[source]
level = "网格"
parent_level = "乡镇街道"
[columns]
code = "code"
name = "name"
parent = "town"
"""


def _import_grids(engine, folder: Path, grids: dict, name: str):
    frame = gpd.GeoDataFrame(
        {"code": list(grids), "name": [g[0] for g in grids.values()],
         "town": [g[1] for g in grids.values()]},
        geometry=[g[2] for g in grids.values()], crs="EPSG:4326")
    path = folder / f"{name}.geojson"
    frame.to_file(path)
    toml = folder / "grids.toml"
    toml.write_text(GRID_TOML, encoding="utf-8")
    return region_import.import_regions(engine, path, toml)


@pytest.fixture
def running(tmp_path: Path):
    """An app on a store of two towns and three grids, with a wall token and an admin."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    towns = tmp_path / "towns.csv"
    with towns.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "wkt"])
        writer.writerows([code, name, shape.wkt] for code, (name, shape) in TOWNS.items())
    (tmp_path / "towns.toml").write_text(TOWN_TOML, encoding="utf-8")
    region_import.import_regions(engine, towns, tmp_path / "towns.toml")
    _import_grids(engine, tmp_path, GRIDS, "grids")
    make_user(engine, "admin", "admin")
    return app, engine, make_wall_token(engine), tmp_path


def _find(component, component_id: str):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def _east_edge(features: list[dict], feature_id) -> float:
    """The east edge of a feature of a figure's GeoJSON (its polygon, as drawn)."""
    feature = next(f for f in features if str(f["id"]) == str(feature_id))
    return shapely.geometry.shape(feature["geometry"]).bounds[2]


def _add_case(engine) -> None:
    with store.transaction(engine) as conn:
        grid = conn.scalar(select(Region.id).where(Region.code == "G3"))
        conn.execute(insert(Case).values(
            code=f"N{store.data_version(conn)}", status="reported", location_method="point",
            region_id=grid, reported_at=store.utcnow(), lon=116.7, lat=39.2, version=1))
        store.bump_data_version(conn)


def test_an_import_moves_the_regions_version_and_an_unchanged_one_does_not(running):
    app, engine, _, folder = running
    with engine.connect() as conn:
        before = store.regions_version(conn)
    assert before >= 2  # the towns, then the grids
    _import_grids(engine, folder, GRIDS, "same")
    with engine.connect() as conn:
        assert store.regions_version(conn) == before
    _import_grids(engine, folder, REDRAWN, "redrawn")
    with engine.connect() as conn:
        assert store.regions_version(conn) == before + 1


def test_a_running_wall_refresh_sends_the_new_boundaries(running):
    app, engine, token, folder = running
    with engine.connect() as conn:
        g1 = conn.scalar(select(Region.id).where(Region.code == "G1"))
    with acting_as(app, token=token):
        page = wall_cb.render_wall("")
    state = _find(page, ids.WALL_STATE).data
    first = _find(page, ids.WALL_MAP).figure
    assert _east_edge(first.data[0].geojson["features"], g1) == pytest.approx(116.25)

    _add_case(engine)  # a new case: the refresh patches numbers, never the polygons
    with acting_as(app, token=token):
        figure = wall_cb.refresh_wall(1, state)[2]
    assert isinstance(figure, Patch)
    assert "coordinates" not in json.dumps(figure.to_plotly_json())
    with engine.connect() as conn:  # as the refresh's patch of the page's state says
        state = {**state, "version": store.data_version(conn)}

    _import_grids(engine, folder, REDRAWN, "redrawn")  # while the wall runs
    with acting_as(app, token=token):
        figure = wall_cb.refresh_wall(2, state)[2]
    assert isinstance(figure, BaseFigure)  # the whole map, on the new polygons
    assert _east_edge(figure.data[0].geojson["features"], g1) == pytest.approx(116.40)


def test_a_rotating_wall_s_next_step_draws_the_new_boundaries(running):
    app, engine, token, folder = running
    with engine.connect() as conn:
        g1 = conn.scalar(select(Region.id).where(Region.code == "G1"))
    with acting_as(app, token=token):
        page = wall_cb.render_wall("?rotate=30")
        state = _find(page, ids.WALL_STATE).data
        step = wall_cb.rotate_wall(1, state)  # to the first town: a patch, same polygons
    assert not isinstance(step[2], BaseFigure)
    _import_grids(engine, folder, REDRAWN, "redrawn")
    with acting_as(app, token=token):
        step = wall_cb.rotate_wall(2, step[7])
    assert isinstance(step[2], BaseFigure)
    assert _east_edge(step[2].data[0].geojson["features"], g1) == pytest.approx(116.40)


def test_the_console_s_next_click_draws_the_new_boundaries(running):
    app, engine, _, folder = running
    state = ConsoleState.parse("/region/T1", "")
    with acting_as(app, "admin"):
        before = console_cb.panels(state)["map"]
    assert _east_edge(before.data[0].geojson["features"], "G1") == pytest.approx(116.25)
    _import_grids(engine, folder, REDRAWN, "redrawn")
    with acting_as(app, "admin"):
        after = console_cb.panels(state)["map"]
    assert _east_edge(after.data[0].geojson["features"], "G1") == pytest.approx(116.40)


def _apply_state(state: dict, patch) -> dict:
    """The wall's state after the browser applied a refresh's Patch of it."""
    applied = dict(state)
    for op in patch.to_plotly_json()["operations"]:
        assert op["operation"] == "Assign"
        applied[op["location"][0]] = op["params"]["value"]
    return applied


def test_a_worker_never_patches_a_wall_from_what_another_worker_sent_it(running, tmp_path):
    """Two workers (two apps on one store) answer one wall's refreshes in turn: each answer
    carries a new page token, so a worker that did not send the page's last answer sends
    the whole ticker, never a patch made from an older answer it remembers."""
    app, engine, token, _ = running
    other = create_app(app.server.extensions["grid_dashboard"]["settings"])
    try:
        with acting_as(app, token=token):
            state = _find(wall_cb.render_wall(""), ids.WALL_STATE).data
        _add_case(engine)
        with acting_as(other, token=token):  # B has never seen this page: sends it all
            answer = wall_cb.refresh_wall(1, state)
        assert isinstance(answer[1], list)  # the ticker, whole
        state = _apply_state(state, answer[7])
        _add_case(engine)
        with acting_as(app, token=token):  # A sent the page an older answer: sends it all
            answer = wall_cb.refresh_wall(2, state)
        assert isinstance(answer[1], list)
        state = _apply_state(state, answer[7])
        _add_case(engine)
        with acting_as(app, token=token):  # A sent the last answer: a patch, one new row
            answer = wall_cb.refresh_wall(3, state)
        assert isinstance(answer[1], Patch)
        assert sum(op["operation"] == "Prepend"
                   for op in answer[1].to_plotly_json()["operations"]) == 1
    finally:
        other.server.extensions["grid_dashboard"]["engine"].dispose()

