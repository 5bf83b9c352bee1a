"""Data text reaches plotly as text: no tag, no entity, no link, whatever a name holds.

Each figure is built with hostile names and then read the way plotly.js reads its text:
:func:`_plotly_reads` follows ``buildSVGText`` and ``convertEntities`` of plotly.js 4
(``src/lib/svg_text_utils.js``, the copy dash serves from ``plotly/package_data``), with
its regular expressions, so the test does not trust the escaping it checks.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from data.ranking import rank
from layouts import figures

# plotly.js src/lib/svg_text_utils.js
SPLIT_TAGS = re.compile(r"(<[^<>]*>)")
ONE_TAG = re.compile(r"<(/?)([^ >]*)(\s+(.*))?>", re.I)
ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")
ENTITY_TO_UNICODE = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0",
                     "times": "×", "plusmn": "±", "deg": "°"}
TAG_STYLES = {"sup", "sub", "s", "u", "b", "i", "a", "span", "em"}

HOSTILE = [
    '<a href="http://evil.example/">点我</a>',
    "<b>加粗</b>",
    "&lt;a&gt;",
    "&#60;a href=&#34;http://evil.example/&#34;&#62;x",
    '<span style="font-size:90px">大</span>',
    "第一行<br>第二行",
    "R&D 1 < 2 > 0 &amp;",
]


def _entity(match: re.Match) -> str:
    name = match.group(1)
    if name.startswith("#"):
        number = int(name[2:], 16) if name[1] == "x" else int(name[1:])
        return chr(number) if number <= 0x10FFFF else match.group(0)
    return ENTITY_TO_UNICODE.get(name, match.group(0))


def _plotly_reads(text: str) -> tuple[list[str], list[str]]:
    """The lines of plain text plotly.js draws for ``text``, and the tags it obeys."""
    text = re.sub(r"\r\n?|\n", " ", text)
    lines, tags = [""], []
    for part in SPLIT_TAGS.split(text):
        match = ONE_TAG.match(part)
        tag = match.group(2).lower() if match else None
        if tag == "br":
            lines.append("")
        elif tag in TAG_STYLES:
            tags.append(part)
        else:
            lines[-1] += ENTITY.sub(_entity, part)
    return lines, tags


def _shows(text: str) -> str:
    lines, tags = _plotly_reads(text)
    assert tags == [], f"plotly would obey {tags} in {text!r}"
    return " ".join(lines)


def test_the_reader_follows_plotly():
    # the reader itself: unescaped markup is obeyed and entities decoded, as in plotly.js
    assert _plotly_reads(HOSTILE[0]) == (["点我"], ['<a href="http://evil.example/">', "</a>"])
    assert _plotly_reads("&lt;a&gt;") == (["<a>"], [])
    assert _plotly_reads("甲<br>乙") == (["甲", "乙"], [])


@pytest.mark.parametrize("name", HOSTILE)
def test_plot_text_is_shown_literally(name):
    assert _shows(figures.plot_text(name)) == name
    assert "<" not in figures.plot_text(name)


def test_plot_text_of_nothing_is_empty():
    assert figures.plot_text(None) == ""
    assert figures.plot_text(12) == "12"


def _square(i: int) -> list:
    return [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]


def _features() -> list[dict]:
    return [{"type": "Feature", "id": str(i), "properties": {"name": name, "code": str(i)},
             "geometry": {"type": "Polygon", "coordinates": _square(i)}}
            for i, name in enumerate(HOSTILE)]


def _labels() -> list[dict]:
    return [{"name": name, "lon": i + 0.5, "lat": 0.5, "weight": 1}
            for i, name in enumerate(HOSTILE)]


def _texts(figure) -> list[str]:
    """Every text the figure gives plotly to draw: trace texts, hover texts and labels,
    category ticks and the ticks' own texts, names placed on the map."""
    out = []
    for trace in figure.data:
        for key in ("text", "hovertext", "labels", "x", "y"):
            values = getattr(trace, key, None)
            if values is not None and not isinstance(values, str):
                out.extend(v for v in values if isinstance(v, str))
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        out.extend(axis.ticktext or ())
    return out


def _assert_literal(figure, expected: list[str]) -> None:
    texts = _texts(figure)
    shown = [_shows(text) for text in texts]
    for name in expected:
        assert name in shown, (name, shown)


def test_wall_map_names_officers_and_labels():
    shapes = {"grids": {"type": "FeatureCollection", "features": _features()},
              "outlines": [], "labels": _labels(), "points": {}, "view": None}
    officers = [{"name": name, "lon": 0.5, "lat": 0.5} for name in HOSTILE]
    figure = figures.grid_map(shapes, [1] * len(HOSTILE), [], officers, width=600,
                              height=400, title="在办")
    _assert_literal(figure, HOSTILE)
    assert [_shows(t) for t in figure.data[3].text] == HOSTILE  # officers, by name


def test_placed_names_are_escaped_line_by_line():
    name = "<b>REGION 2</b> - NORTH <a href='x'>VALLEY</a>"  # 46 columns: two lines
    placed = figures.placed_labels([{"name": name, "lon": 118.5, "lat": 30.3}],
                                   (118.0, 30.0, 119.0, 30.6), width=300, height=200,
                                   font_px=16)
    lines, tags = _plotly_reads(placed[0]["text"])
    assert tags == []  # stacked on two lines, by our own break only
    assert lines == ["<b>REGION 2</b> -", "NORTH <a href='x'>VALLEY</a>"]


def test_a_shortened_map_name_is_cut_before_it_is_escaped():
    long_name = "<b>REGION 2</b> - NORTH WEST <a href='http://evil.example/'>VALLEY</a>"
    placed = figures.placed_labels([{"name": long_name, "lon": 118.5, "lat": 30.3}],
                                   (118.0, 30.0, 119.0, 30.6), width=300, height=200,
                                   font_px=16)
    lines, tags = _plotly_reads(placed[0]["text"])
    assert tags == []
    # 24 columns a line (MAP_NAME_COLUMNS): the first up to the last space that fits, the
    # second 23 characters and "…"; no "&lt;" or "&amp;" cut in half
    assert lines == ["<b>REGION 2</b> - NORTH", "WEST <a href='http://ev…"]


def test_console_figures():
    points = [{"id": i, "code": name, "lon": 0.5, "lat": 0.5, "light": "red",
               "long_unfixed": True} for i, name in enumerate(HOSTILE)]
    _assert_literal(figures.region_map(_features(), {}, [], _labels(), points, title="t",
                                       revision="r", bounds=(0, 0, 7, 1)), HOSTILE)
    _assert_literal(figures.light_bars(HOSTILE, list(range(len(HOSTILE)))), HOSTILE)
    compare = figures.compare_bars(HOSTILE, [str(i) for i in range(len(HOSTILE))],
                                   [("结案率", [0.5] * len(HOSTILE))])
    _assert_literal(compare, HOSTILE)
    assert list(compare.data[0].customdata) == [str(i) for i in range(len(HOSTILE))]


def test_wall_and_briefing_charts():
    counts = list(range(len(HOSTILE)))
    _assert_literal(figures.source_split(HOSTILE, counts, width=300, height=200), HOSTILE)
    _assert_literal(figures.top_bars(HOSTILE, counts, width=300, height=200), HOSTILE)
    _assert_literal(figures.print_bars(HOSTILE, counts, width=300, height=200), HOSTILE)
    shapes = {"grids": {"type": "FeatureCollection", "features": _features()},
              "outlines": [], "labels": _labels(), "points": {}, "view": None}
    _assert_literal(figures.print_grid_map(shapes, {}, width=600, height=400, title="t"),
                    HOSTILE)


def test_a_wall_refresh_patches_names_escaped():
    from callbacks.wall import shown_values

    shapes = {"grids": {"type": "FeatureCollection", "features": _features()},
              "outlines": [], "labels": [], "points": {}, "view": None}
    snap = {
        "grids": pd.DataFrame({"open": [1] * len(HOSTILE), "long_unfixed": [0] * len(HOSTILE)},
                              index=[str(i) for i in range(len(HOSTILE))]),
        "patrolling": pd.DataFrame({"name": HOSTILE, "lon": [0.5] * len(HOSTILE),
                                    "lat": [0.5] * len(HOSTILE)}),
        "subcategories": pd.DataFrame({"key": HOSTILE, "n": [1] * len(HOSTILE)}),
        "sources": pd.DataFrame({"key": HOSTILE, "n": [1] * len(HOSTILE)}),
        "counters": {"overdue": 0}, "newest": pd.DataFrame({"code": []}),
        "trend": pd.DataFrame({"day": [], "reported": [], "closed": []}),
        "ranking": rank(()),
    }
    shown = shown_values(snap, shapes, "open", "zh")
    assert [_shows(o[2]) for o in shown["officers"]] == HOSTILE
    assert [_shows(t) for t in shown["top"][0]] == HOSTILE
    assert [_shows(t) for t in shown["sources"][0]] == HOSTILE
