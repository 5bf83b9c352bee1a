"""Imported names that look like markup stay text in the console's charts, in Chromium.

Plotly turns ``<a href>`` in any label into a live SVG link (and ``<b>``, ``<br>``, entities
into formatting): the console is opened on a tiny store whose town names and categories
are markup, and the page must show them letter for letter with no link anywhere.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.models import Case, Region
from tests import tiny_store
from tests.auth_helpers import make_user
from tests.browser.conftest import open_console

pytestmark = pytest.mark.browser

LINK = '<a href="http://evil.example/">点我</a>'
BOLD = "<b>青山</b>镇 &lt;a&gt;"
CATEGORY = '<a href="http://evil.example/x">暴露垃圾</a>'
ENTITY = "&#60;a href=&#34;http://evil.example/&#34;&#62;占道"
PERIOD = "?period=custom&from=2026-03-01&to=2026-03-10"


@pytest.fixture
def hostile_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'hostile.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(update(Region).where(Region.code == "T1").values(name=LINK))
        conn.execute(update(Region).where(Region.code == "T2").values(name=BOLD))
        conn.execute(update(Case).where(Case.code.in_(["K1", "K2"]))
                     .values(category=CATEGORY, subcategory=CATEGORY))
        conn.execute(update(Case).where(Case.code.in_(["K3", "K4"]))
                     .values(category=ENTITY, subcategory=ENTITY))
    password = make_user(engine, "admin-x", "admin")
    engine.dispose()
    app = create_app(Settings(database_url=url, wall_reload_at=""))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class Live:
        url = f"http://127.0.0.1:{server.server_port}"
        host = f"127.0.0.1:{server.server_port}"
        user = ("admin-x", password)
    yield Live
    server.shutdown()


LINKS_JS = """() => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {  // what can navigate or run: links, sources, handlers
            if (/^(href|src|action|formaction|on.*)$/i.test(attr.localName)
                    && /evil\\.example/.test(attr.value)) {
                found.push(el.tagName + ' ' + attr.name);
            }
        }
        if (el.localName === 'a' && el.closest('.js-plotly-plot')) { found.push('a in a chart'); }
    }
    return found;
}"""
# a text's lines (plotly's tspan.line) joined by a space, as a long name is stacked
TEXTS_JS = """sel => Array.from(document.querySelectorAll(sel + ' text')).map(t => {
    const lines = t.querySelectorAll('tspan.line');
    return lines.length ? Array.from(lines).map(l => l.textContent).join(' ') : t.textContent;
})"""


def test_markup_in_names_is_shown_as_text_and_never_becomes_a_link(browser, hostile_server):
    context, page, log = open_console(browser, hostile_server, f"/region/C{PERIOD}",
                                      user=hostile_server.user)
    try:
        page.wait_for_selector("#console-breadcrumb .crumb.current[data-code='C']")
        page.wait_for_selector("#console-map .choroplethlocation")
        page.wait_for_function(
            "() => document.querySelectorAll('#console-categories .ytick text').length >= 2")
        page.wait_for_function(
            "() => document.querySelectorAll('#console-compare-bars .ytick text').length >= 2")
        categories = page.evaluate(TEXTS_JS, "#console-categories .ytick")
        towns = page.evaluate(TEXTS_JS, "#console-compare-bars .ytick")
        names = page.evaluate(TEXTS_JS, "#console-map .scattergeo")
        assert sorted(categories) == sorted([CATEGORY, ENTITY])
        # LINK is 39 columns: wider than the chart's 30, it is written on two lines, at
        # the most even break ("http://" after 16 columns, 23 left), each line literal
        assert sorted(towns) == sorted(['<a href="http:// evil.example/">点我</a>', BOLD])
        # the map leaves out a name that would overlap another: those it shows are whole
        assert names and set(names) <= {LINK, BOLD}, names
        # no <a> in any chart, no link, source or handler anywhere naming the link's host
        assert page.evaluate(LINKS_JS) == []
        assert page.locator('a[href^="http://evil"]').count() == 0
        assert log.page_errors == [] and log.console_errors == []
        assert log.request_hosts <= {hostile_server.host}
    finally:
        context.close()
