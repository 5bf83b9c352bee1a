"""A running wall picks up new boundaries by itself, in Chromium.

A grid's boundary is redrawn in the store as an import of regions writes it (the geometry,
the regions version and the data version in one transaction); the open wall's next refresh
must draw the new polygon, with no reload.
"""

from __future__ import annotations

import shapely
from shapely import affinity
from sqlalchemy import select, update

from data import store
from data.models import Region
from tests.browser.conftest import open_page

FIRST_FEATURE_JS = """() => {
    const feature = document.querySelector('.wall-map .js-plotly-plot').data[0]
        .geojson.features[0];
    return [feature.id, feature.geometry.coordinates[0][0]];
}"""


def test_a_running_wall_draws_new_boundaries_on_its_next_refresh(browser, wall_server):
    context, page, log = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{wall_server.url}/wall")
        page.wait_for_selector(".wall-map .geo")
        grid_id, corner = page.evaluate(FIRST_FEATURE_JS)
        engine = store.make_engine(wall_server.settings.database_url)
        with store.transaction(engine) as conn:  # as a regions import writes it
            wkb = conn.scalar(select(Region.geometry).where(Region.id == int(grid_id)))
            moved = affinity.translate(shapely.from_wkb(wkb), xoff=0.01, yoff=0.01)
            conn.execute(update(Region).where(Region.id == int(grid_id))
                         .values(geometry=shapely.to_wkb(moved)))
            store.bump_regions_version(conn)
            store.bump_data_version(conn)
        engine.dispose()
        page.wait_for_function(
            """([id, corner]) => {
                const features = document.querySelector('.wall-map .js-plotly-plot').data[0]
                    .geojson.features;
                const f = features.find(x => String(x.id) === String(id));
                const c = f.geometry.coordinates[0][0];
                return Math.abs(c[0] - corner[0] - 0.01) < 1e-4
                    && Math.abs(c[1] - corner[1] - 0.01) < 1e-4;
            }""", arg=[grid_id, corner], timeout=10_000)
        assert page.locator(".wall-map .choroplethlocation").count() > 0  # still drawn
        assert log.page_errors == [] and log.console_errors == []
        assert log.request_hosts <= {wall_server.host}
    finally:
        context.close()
