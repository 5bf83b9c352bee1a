"""Figure builders: pure functions from plain data to fresh plotly figures.

The wall's map is plotly's ``geo`` subplot drawing only our own polygons (SVG, so it stays
crisp when the 1920×1080 canvas is scaled up to a 4K wall), with no base map: the page's
``topojsonURL`` points at the empty layers in ``assets/topojson/``, so nothing is fetched
from outside.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from layouts import map_names
from layouts.labels import distinct_short_lines
from layouts.map_names import PLOTLY_CLIP_PAD, framed

#: Light to red for counts, on every map (the wall's, the console's, the briefing's):
#: one warm hue family (ColorBrewer's YlOrRd), so that no step of it, nor any colour plotly
#: blends between two steps, is a grey or a brown that could read as "no data" or as the
#: grey of a closed case. More is darker and redder.
MAP_COLORSCALE = [[0.0, "#ffffcc"], [0.125, "#ffeda0"], [0.25, "#fed976"], [0.375, "#feb24c"],
                  [0.5, "#fd8d3c"], [0.625, "#fc4e2a"], [0.75, "#e31a1c"], [0.875, "#bd0026"],
                  [1.0, "#800026"]]
COLORSCALE = MAP_COLORSCALE
#: A region without a figure: a neutral grey the scale never reaches (the console's map
#: says what it means under its colour bar).
NO_DATA_COLOUR = "#bfc3c8"
MAP_CONFIG = {"displayModeBar": False, "topojsonURL": "/assets/topojson/", "responsive": False,
              "scrollZoom": True}


def plot_text(value: object) -> str:
    """Data text (a region, officer, category or case name) as plotly must be given it to
    show it literally.

    Plotly's text is not plain: plotly.js (``src/lib/svg_text_utils.js``) splits every
    label, title, tick and hover text at ``<...>``, turns ``<a href>``, ``<b>``, ``<i>``,
    ``<em>``, ``<s>``, ``<u>``, ``<sup>``, ``<sub>``, ``<span style>`` and ``<br>`` into
    SVG (a live link, for ``<a>``), and decodes the entities ``&lt;`` ``&gt;`` ``&amp;``
    ``&#60;`` ``&#x3c;`` (and a few named ones) in the text between, once. Escaping ``&``,
    ``<`` and ``>`` leaves no ``<`` to start a tag, and every ``&`` becomes ``&amp;``,
    which decodes back to ``&`` alone: ``&lt;`` in the data shows as ``&lt;``. None is
    shown as nothing."""
    return "" if value is None else html.escape(str(value), quote=False)


def plot_texts(values) -> list[str]:
    """:func:`plot_text` of each of ``values``."""
    return [plot_text(v) for v in values]


def ring_lines(rings: list[list[list[float]]]) -> tuple[list, list]:
    """Rings of ``[lon, lat]`` as one line trace's lon and lat lists, each ring ended by a
    gap (None), so one trace draws every outline."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in rings:
        lons += [p[0] for p in ring] + [None]
        lats += [p[1] for p in ring] + [None]
    return lons, lats


class SharedGeoJSON(dict):
    """A map's GeoJSON, made once per regions version and drawn by every wall: passed on
    as it is, never copied. Plotly deep-copies a trace's data when it is added to a
    figure and again when the figure is sent, which for a city's 10,000 grids cost
    seconds per wall; nothing changes the GeoJSON once it is made, so a copy is itself."""

    def __deepcopy__(self, memo: dict) -> "SharedGeoJSON":
        return self


#: Where :func:`grid_map` puts its traces: a refresh patches a trace through these names
#: (``patch["data"][TRACE_FLAGGED]``), never through a bare position.
TRACE_GRIDS, TRACE_OUTLINES, TRACE_FLAGGED, TRACE_OFFICERS, TRACE_LABELS = range(5)


def grid_map(shapes: dict, values: list[int], flagged: list[dict], officers: list[dict], *,
             width: int, height: int, title: str) -> go.Figure:
    """The grid choropleth: every leaf region coloured by ``values`` (in the order of
    ``shapes["grids"]["features"]``), the outlines and names of the level below the
    region on top, a marker on each grid with long-overdue cases (``flagged``: dicts with
    lon, lat, n) and a dot for each officer on patrol now (``officers``: name, lon, lat).

    Trace order (the refresh patches by it): :data:`TRACE_GRIDS`, :data:`TRACE_OUTLINES`,
    :data:`TRACE_FLAGGED`, :data:`TRACE_OFFICERS`, :data:`TRACE_LABELS`."""
    features = shapes["grids"]["features"]
    # arrays: plotly checks a list of a city's 10,000 grids value by value, an array at
    # once; of objects, so that they go to the page as plain lists (as the refresh's
    # patches do), not as typed arrays
    ids = np.array([f["id"] for f in features], dtype=object)
    names = np.array(plot_texts(_with_parent(f["properties"]) for f in features), dtype=object)
    top = max((v for v in values if v is not None), default=0)
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson=SharedGeoJSON(shapes["grids"]), locations=ids,
        z=np.array(values, dtype=object), featureidkey="id", text=names, hovertemplate="%{text}: %{z}<extra></extra>",
        colorscale=COLORSCALE, zmin=0, zmax=max(top, 1),
        marker_line_color="rgba(11, 21, 38, 0.35)", marker_line_width=0.4,
        colorbar=dict(title=dict(text=title, font=dict(color="#8fa6c8", size=14)),
                      tickfont=dict(color="#8fa6c8", size=13), thickness=12, len=0.5,
                      tickformat=",d",
                      x=0.98, y=0.25, bgcolor="rgba(0,0,0,0)", outlinewidth=0),
    ))
    lons, lats = ring_lines(shapes["outlines"])
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                line=dict(color="#1f4f80", width=2), showlegend=False))
    fig.add_trace(go.Scattergeo(
        lon=[f["lon"] for f in flagged], lat=[f["lat"] for f in flagged], mode="markers",
        marker=dict(symbol="diamond", size=[min(6 + f["n"] * 2, 18) for f in flagged],
                    color="#ff3b3b", line=dict(color="#ffffff", width=0.8)),
        text=[str(f["n"]) for f in flagged], hovertemplate="%{text}<extra></extra>",
        showlegend=False))
    fig.add_trace(go.Scattergeo(
        lon=[o["lon"] for o in officers], lat=[o["lat"] for o in officers], mode="markers",
        marker=dict(size=7, color="#35d07f", line=dict(color="#07101f", width=1)),
        text=plot_texts(o["name"] for o in officers), hovertemplate="%{text}<extra></extra>",
        showlegend=False))
    fig.add_trace(name_trace(shapes["labels"], shapes.get("view"), width=width, height=height,
                             font_px=16, color="#1a1206", shadow=WALL_NAME_SHADOW))
    fig.update_geos(visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator",
                    **view_ranges(shapes.get("view")))
    fig.update_layout(width=width, height=height, margin=dict(l=0, r=0, t=0, b=0),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      uirevision="wall", font=dict(family="Noto Sans CJK SC, sans-serif"))
    return fig


#: Dark names on the light-to-red map read over a pale halo, on its dark reds too.
WALL_NAME_SHADOW = "0 0 3px #fffbe6, 0 0 2px #fffbe6, 0 0 1px #fffbe6"
#: Dark names on the console's light-to-red map read over a white halo ...
CONSOLE_NAME_SHADOW = "0 0 3px #ffffff, 0 0 2px #ffffff"
#: ... and on its dark reds (from this share of the scale up) white over a dark one:
#: the colour and the halo (:func:`name_trace`'s ``on_dark``).
DARK_FROM = 0.6
DARK_NAME = ("#ffffff", "0 0 3px #3a0010, 0 0 2px #3a0010")


def _with_parent(properties: dict) -> str:
    """A grid's hover name: its own, then the child of the map's region it lies in
    (``within``), whose name the map may have had no room for."""
    within = properties.get("within")
    return f"{properties['name']} · {within}" if within else str(properties["name"])


def view_ranges(bounds: tuple[float, float, float, float] | None, pad: float = 0.04) -> dict:
    """The geo subplot's settings that show ``bounds`` (west, south, east, north) with a
    margin; fit to every location when there are none."""
    if bounds is None:
        return {"fitbounds": "locations"}
    # plotly fits the view to the ranges shrunk by its clip pad on every side, which zooms
    # a single grid (about 0.01 degrees) a fifth too far and cuts it: give that back
    west, south, east, north = framed(bounds, pad, extra=PLOTLY_CLIP_PAD)
    return {"fitbounds": False, "lonaxis": {"range": [west, east]},
            "lataxis": {"range": [south, north]}}


def placed_labels(labels: list[dict], bounds: tuple[float, float, float, float] | None, *,
                  width: int, height: int, font_px: float, min_px: float | None = None,
                  pad: float = 0.04) -> list[dict]:
    """:func:`layouts.map_names.placed_labels`, each name's lines as plotly's markup
    (``text``: each line escaped by :func:`plot_text`, ``<br>`` between two), with its
    size and index."""
    return [{"lon": x["lon"], "lat": x["lat"], "text": "<br>".join(plot_texts(x["lines"])),
             "size": x["size"], "index": x["index"]}
            for x in map_names.placed_labels(labels, bounds, width=width, height=height,
                                             font_px=font_px, min_px=min_px, pad=pad)]


def name_trace(labels: list[dict], bounds: tuple[float, float, float, float] | None, *,
               width: int, height: int, font_px: int, color: str,
               shadow: str | None = None, on_dark: list[bool] | None = None
               ) -> go.Scattergeo:
    """The map's region names as a text trace, placed by :func:`placed_labels` (each at
    its own size) in ``color`` over a ``shadow`` (CSS text-shadow: a halo that keeps them
    legible on any colour of the scale); a name whose ``on_dark`` (one per label) is
    true is written white over a dark halo instead."""
    names = placed_labels(labels, bounds, width=width, height=height, font_px=font_px)
    dark = [bool(on_dark and on_dark[label["index"]]) for label in names]
    font = dict(color=[DARK_NAME[0] if d else color for d in dark],
                size=[label["size"] for label in names])
    if shadow or any(dark):
        font["shadow"] = [DARK_NAME[1] if d else (shadow or "none") for d in dark]
    return go.Scattergeo(
        lon=[label["lon"] for label in names], lat=[label["lat"] for label in names],
        text=[label["text"] for label in names], mode="text", hoverinfo="skip",
        textfont=font, showlegend=False)


DARK_LAYOUT = dict(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                   font=dict(family="Noto Sans CJK SC, sans-serif", color="#c9d7ee", size=14),
                   margin=dict(l=48, r=16, t=10, b=30), uirevision="wall")
SOURCE_COLOURS = ["#37b6ff", "#35d07f", "#ffc443", "#b07cff", "#ff7a59", "#4fd6c9", "#8fa6c8"]


#: Where :func:`trend` puts its two series (the refresh patches them by these names).
TRACE_REPORTED, TRACE_CLOSED = range(2)
#: The one trace of :func:`source_split` (the ring) and of :func:`top_bars` (the bars).
TRACE_RING = TRACE_BARS = 0


def trend(days: list[str], reported: list[int], closed: list[int], *, names: tuple[str, str],
          width: int, height: int) -> go.Figure:
    """Reported (bars) against closed (line) per day."""
    fig = go.Figure([
        go.Bar(x=days, y=reported, name=names[0], marker_color="#1f6fb2"),
        go.Scatter(x=days, y=closed, name=names[1], mode="lines+markers",
                   line=dict(color="#35d07f", width=3), marker=dict(size=5)),
    ])
    fig.update_layout(width=width, height=height, bargap=0.25, **DARK_LAYOUT,
                      legend=dict(orientation="h", x=0, y=1.12, bgcolor="rgba(0,0,0,0)"))
    fig.update_xaxes(showgrid=False, tickformat="%m-%d", color="#8fa6c8")
    fig.update_yaxes(gridcolor="#1b3252", color="#8fa6c8", rangemode="tozero")
    return fig


def source_split(labels: list[str], values: list[int], *, width: int, height: int) -> go.Figure:
    """The share of each source (channel) as a ring."""
    fig = go.Figure(go.Pie(labels=plot_texts(labels), values=values, hole=0.55, sort=False,
                           marker=dict(colors=SOURCE_COLOURS,  # whole: a refresh may bring more
                                       line=dict(color="#07101f", width=2)),
                           textinfo="percent", textfont=dict(size=14),
                           hovertemplate="%{label}: %{value}<extra></extra>"))
    fig.update_layout(width=width, height=height, showlegend=True,
                      legend=dict(x=1.0, y=0.5, font=dict(size=14), bgcolor="rgba(0,0,0,0)"),
                      **{**DARK_LAYOUT, "margin": dict(l=4, r=4, t=4, b=4)})
    return fig


def top_bars(labels: list[str], values: list[int], *, width: int, height: int) -> go.Figure:
    """The most reported subcategories, largest at the top."""
    fig = go.Figure(go.Bar(x=values[::-1], y=plot_texts(labels[::-1]), orientation="h",
                           marker_color="#e0a526", text=values[::-1], textposition="outside",
                           cliponaxis=False))
    fig.update_layout(width=width, height=height,
                      **{**DARK_LAYOUT, "margin": dict(l=110, r=40, t=4, b=4)})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(color="#c9d7ee", tickfont=dict(size=15))
    return fig


# --- the commander console (a light desk theme) -------------------------------------------------
#: The console's map: :data:`MAP_COLORSCALE`.
LIGHT_COLORSCALE = MAP_COLORSCALE
#: Stage traffic lights (DOMAIN.md), and grey for closed cases.
LIGHT_COLOURS = {"green": "#2e9e4f", "yellow": "#e8a70c", "red": "#d62d2d", None: "#8c8c8c"}
CLOSED_COLOUR = "#a0a0a0"
LIGHT_LAYOUT = dict(paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
                    font=dict(family="Noto Sans CJK SC, sans-serif", color="#333a45", size=12),
                    margin=dict(l=40, r=12, t=8, b=28))


def region_map(features: list[dict], values: dict[str, float], outline: list[list[list[float]]],
               labels: list[dict], points: list[dict], *, title: str, revision: str,
               height: int = 460, width: int = 800,
               bounds: tuple[float, float, float, float] | None = None,
               no_data: str = "") -> go.Figure:
    """The console's map: the region's children (``features``: GeoJSON features whose id
    is the child's code) coloured by ``values`` (code → number), the region's outline,
    the children's names (``labels``: name, lon, lat, spots, weight, and code: a name on
    a dark red is written white) and case points (``points``: id,
    code, lon, lat, light, closed, long_unfixed).

    Clicking a child gives ``points[0].location`` = its code; clicking a case point gives
    ``points[0].customdata`` = the case id. ``revision`` keeps the user's zoom while it
    stays the same (one region), and resets it on a drill. ``bounds`` (west, south, east,
    north) frames the map; without them it fits every child. ``width`` is the map's
    usual width on a desk screen (the map itself fills its panel): names are placed for it.

    A child without a value (when others have one) is not coloured by the scale: it is
    drawn in :data:`NO_DATA_COLOUR` (:data:`TRACE_NO_DATA`), which the scale never
    reaches, its hover says so, and a note under the colour bar says what the grey means
    (``no_data``: its words).

    Trace order: 0 children, 1 outline, 2 labels, 3 cases, 4 long-unfixed marks,
    5 children without a value (:data:`TRACE_NO_DATA`)."""
    coloured = bool(values)  # a single grid is drawn plain: its cases are the points
    known = [f for f in features if not coloured or values.get(f["id"]) is not None]
    missing = [f for f in features if coloured and values.get(f["id"]) is None]
    codes = [f["id"] for f in known]
    names = plot_texts(f.get("properties", {}).get("name", f["id"]) for f in known)
    z = [values.get(code) or 0 for code in codes]
    top = max(z, default=0)
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson={"type": "FeatureCollection", "features": known}, locations=codes,
        z=z, featureidkey="id", text=names,
        hovertemplate="%{text}: %{z}<extra></extra>" if coloured else "%{text}<extra></extra>",
        colorscale=LIGHT_COLORSCALE, zmin=0, zmax=max(top, 1), showscale=coloured,
        marker_line_color="#ffffff", marker_line_width=1,
        colorbar=dict(title=dict(text=title, font=dict(size=12)), thickness=10, len=0.45,
                      x=0.99, y=0.25, tickformat=",d", dtick=max(1, -(-top // 5)),
                      outlinewidth=0)))
    lons, lats = ring_lines(outline)
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                line=dict(color="#24466e", width=2), showlegend=False))
    dark = [(values.get(x.get("code")) or 0) >= DARK_FROM * max(top, 1) for x in labels]
    fig.add_trace(name_trace(labels, bounds, width=width, height=height, font_px=12,
                             color="#1d2733", shadow=CONSOLE_NAME_SHADOW, on_dark=dark))
    fig.add_trace(go.Scattergeo(
        lon=[p["lon"] for p in points], lat=[p["lat"] for p in points], mode="markers",
        customdata=[p["id"] for p in points], text=plot_texts(p["code"] for p in points),
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker=dict(size=9, line=dict(color="#ffffff", width=1),
                    color=[CLOSED_COLOUR if p.get("closed") else
                           LIGHT_COLOURS.get(p.get("light"), LIGHT_COLOURS[None])
                           for p in points])))
    flagged = [p for p in points if p.get("long_unfixed")]
    fig.add_trace(go.Scattergeo(
        lon=[p["lon"] for p in flagged], lat=[p["lat"] for p in flagged], mode="markers",
        customdata=[p["id"] for p in flagged], text=plot_texts(p["code"] for p in flagged),
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker=dict(symbol="circle-open", size=17, color="#7a0000", line=dict(width=2.5))))
    fig.add_trace(_no_data_trace(missing, no_data))
    if missing:
        fig.add_annotation(text=f'<span style="color:{NO_DATA_COLOUR}">■</span> '
                           + plot_text(no_data), x=0.99, y=0.0, xref="paper", yref="paper",
                           xanchor="right", yanchor="bottom", showarrow=False,
                           font=dict(size=12, color="#333a45"))
    fig.update_geos(visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator",
                    **view_ranges(bounds))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=0, b=0), paper_bgcolor="#ffffff",
                      uirevision=revision, clickmode="event",
                      font=dict(family="Noto Sans CJK SC, sans-serif"))
    return fig


#: :func:`region_map`'s children without a value, drawn grey after its other traces (a
#: choropleth is drawn under every marker whatever its place).
TRACE_NO_DATA = 5
#: The console map's patrol layer (:func:`add_patrol_layer`) follows :func:`region_map`'s
#: six traces: the officers' latest positions, then one line per patrol.
TRACE_POSITIONS = 6
TRACE_FIRST_PATROL = 7


def _no_data_trace(features: list[dict], words: str) -> go.Choropleth:
    """The children in ``features`` drawn in :data:`NO_DATA_COLOUR`, their hover "name:
    ``words``" (an empty trace when there are none: the trace order stays the same)."""
    codes = [f["id"] for f in features]
    names = plot_texts(f.get("properties", {}).get("name", f["id"]) for f in features)
    return go.Choropleth(
        geojson={"type": "FeatureCollection", "features": features}, locations=codes,
        z=[0] * len(codes), featureidkey="id", text=names, showscale=False,
        colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]], zmin=0, zmax=1,
        hovertemplate="%{text}: " + plot_text(words) + "<extra></extra>",
        marker_line_color="#ffffff", marker_line_width=1)
#: A patrol line's name starts with this (``patrol-<id>``), so a test or a patch finds it.
PATROL_TRACE_PREFIX = "patrol-"
TRACK_COLOURS = ["#7b2ff7", "#e4572e", "#17a398", "#d99a00", "#2d7dd2", "#c9184a"]
POSITION_COLOUR = "#6a3d9a"


def add_patrol_layer(fig: go.Figure, positions: list[dict], patrols: list[dict]) -> go.Figure:
    """Draw the field force on the console's map (:func:`region_map`'s figure, changed in
    place and returned): a star for each officer's latest position (``positions``: lon,
    lat, hover, region) at :data:`TRACE_POSITIONS`, then one line per patrol of the chosen
    day (``patrols``: id, lons, lats, hovers: the officer and local time of each fix, and
    regions), a circle where it starts and a square where it ends. Each point's
    ``customdata`` is the code of the map's region it lies in (``region``/``regions``;
    None outside them): a click on it drills there as a click on the region does, and
    opens no case (a case point's ``customdata`` is a number)."""
    fig.add_trace(go.Scattergeo(
        lon=[p["lon"] for p in positions], lat=[p["lat"] for p in positions], mode="markers",
        text=plot_texts(p["hover"] for p in positions), name="positions",
        customdata=[p.get("region") for p in positions],
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker=dict(symbol="star", size=position_size(len(positions)), color=POSITION_COLOUR,
                    line=dict(color="#ffffff", width=1 if len(positions) <= 40 else 0.5))))
    for n, patrol in enumerate(patrols):
        count = len(patrol["lons"])
        colour = TRACK_COLOURS[n % len(TRACK_COLOURS)]
        ends = ["circle"] + ["circle"] * max(count - 2, 0) + (["square"] if count > 1 else [])
        sizes = [11] + [4] * max(count - 2, 0) + ([11] if count > 1 else [])
        fig.add_trace(go.Scattergeo(
            lon=patrol["lons"], lat=patrol["lats"], mode="lines+markers",
            name=f"{PATROL_TRACE_PREFIX}{patrol['id']}",
            customdata=patrol.get("regions") or [None] * count,
            text=plot_texts(patrol["hovers"]), hovertemplate="%{text}<extra></extra>",
            showlegend=False, line=dict(color=colour, width=3),
            marker=dict(symbol=ends, size=sizes, color=colour,
                        line=dict(color="#ffffff", width=1))))
    _widen_to(fig, [x for p in patrols for x in p["lons"]],
              [y for p in patrols for y in p["lats"]])
    return fig


def position_size(count: int) -> int:
    """The officers' stars' size: large for a grid's or a community's few, small for a
    county's hundreds, which at full size would hide the regions and their names."""
    return 14 if count <= 40 else 10 if count <= 150 else 7


def _widen_to(fig: go.Figure, lons: list[float], lats: list[float]) -> None:
    """Widen the map's framed ranges (when it has them) so the patrol lines that leave the
    region are drawn whole."""
    ranges = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range
    if not lons or ranges[0] is None or ranges[1] is None:
        return
    west, south, east, north = framed((min(lons), min(lats), max(lons), max(lats)), 0.04,
                                       extra=PLOTLY_CLIP_PAD)
    fig.update_geos(lonaxis_range=[min(ranges[0][0], west), max(ranges[0][1], east)],
                    lataxis_range=[min(ranges[1][0], south), max(ranges[1][1], north)])


def light_trend(days: list[str], reported: list[int], closed: list[int], *,
                names: tuple[str, str], height: int = 220) -> go.Figure:
    """Reported (bars) against closed (line) per day, on the light page."""
    fig = go.Figure([
        go.Bar(x=days, y=reported, name=names[0], marker_color="#4a90c9"),
        go.Scatter(x=days, y=closed, name=names[1], mode="lines+markers",
                   line=dict(color="#2e9e4f", width=2), marker=dict(size=4)),
    ])
    fig.update_layout(height=height, bargap=0.2, **LIGHT_LAYOUT, uirevision="trend",
                      legend=dict(orientation="h", x=0, y=1.15))
    fig.update_xaxes(showgrid=False, tickformat="%m-%d")
    fig.update_yaxes(gridcolor="#e6e9ee", rangemode="tozero")
    return fig


def light_bars(labels: list[str], values: list[float], *, height: int = 220,
               colour: str = "#e8a70c", percent: bool = False,
               customdata: list[str] | None = None) -> go.Figure:
    """Horizontal bars, largest at the top; ``customdata`` (region codes) makes them
    clickable for a drill."""
    shown = [None if v is None else (v * 100 if percent else v) for v in values]
    texts = ["—" if v is None else (f"{v:.1f}%" if percent else f"{v:,.0f}") for v in shown]
    fig = go.Figure(go.Bar(
        x=shown[::-1], y=plot_texts(labels[::-1]), orientation="h", marker_color=colour,
        text=texts[::-1], textposition="outside", cliponaxis=False,
        customdata=None if customdata is None else customdata[::-1],
        hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(height=height, **{**LIGHT_LAYOUT, "margin": dict(l=8, r=48, t=4, b=4)},
                      uirevision="bars")
    fig.update_xaxes(visible=False, range=[0, 100] if percent else None)
    fig.update_yaxes(automargin=True, tickfont=dict(size=12))
    return fig


#: How wide (in :func:`layouts.labels.columns`: a Chinese character is 2) and on how many
#: lines a child's name is written beside its bars; the hover has the full name.
COMPARE_NAME_COLUMNS = 30
COMPARE_NAME_LINES = 2


def compare_height(lines_per_name: list[int]) -> int:
    """The comparison chart's height in px for children whose names take
    ``lines_per_name`` lines: a row per child, tall enough for its two bars and its name
    (so that twelve or fifteen names never print over each other), the legend above
    and the axis below."""
    row = 22 if max(lines_per_name, default=1) < 2 else 32
    return 64 + row * max(len(lines_per_name), 1)


def compare_bars(names: list[str], codes: list[str], series: list[tuple[str, list]], *,
                 height: int | None = None) -> go.Figure:
    """Children side by side: a row per child (in the given order, top to bottom), one bar
    per rate in ``series`` ((label, fractions)); a click gives ``customdata`` = the child's
    code.

    The rows are the children's codes (so two children never share a row); beside them
    is each name shortened by :func:`layouts.labels.distinct_short_lines` to
    :data:`COMPARE_NAME_COLUMNS` on at most :data:`COMPARE_NAME_LINES` lines, and the
    hover gives the full name. ``height`` defaults to :func:`compare_height`."""
    colours = ["#4a90c9", "#2e9e4f", "#e8a70c", "#d62d2d"]
    short = distinct_short_lines(names, COMPARE_NAME_COLUMNS, COMPARE_NAME_LINES)
    full = plot_texts(names)
    fig = go.Figure([
        go.Bar(y=codes, x=[None if v is None else v * 100 for v in values], orientation="h",
               name=label, customdata=codes, hovertext=full,
               marker_color=colours[i % len(colours)],
               hovertemplate="%{hovertext} " + plot_text(label)
               + ": %{x:.1f}%<extra></extra>")
        for i, (label, values) in enumerate(series)
    ])
    fig.update_layout(height=compare_height([len(s) for s in short]) if height is None
                      else height, barmode="group", bargap=0.3, **LIGHT_LAYOUT,
                      uirevision="compare", legend=dict(orientation="h", x=0, y=1.0,
                                                        yanchor="bottom"))
    if not names:  # a grid has no children to compare
        fig.update_layout(showlegend=False)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return fig
    fig.update_layout(margin=dict(l=8, r=16, t=30, b=24))
    fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor="#e6e9ee", side="bottom")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=codes,
                     autorange="reversed", tickvals=codes,
                     ticktext=["<br>".join(plot_texts(lines)) for lines in short],
                     automargin=True, tickfont=dict(size=12))
    return fig


# --- the weekly briefing: light, print-ready figures -----------------------------------------

#: The briefing's map: :data:`MAP_COLORSCALE`.
PRINT_COLORSCALE = MAP_COLORSCALE
#: The briefing's plotly config: static (a printed page does not zoom), no base map fetched.
PRINT_CONFIG = {"displayModeBar": False, "staticPlot": True,
                "topojsonURL": "/assets/topojson/", "responsive": False}
PRINT_LAYOUT = dict(paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
                    font=dict(family="Noto Sans CJK SC, sans-serif", color="#1d2733", size=13),
                    margin=dict(l=44, r=12, t=8, b=28))


def print_grid_map(shapes: dict, values: dict, *, width: int, height: int,
                   title: str) -> go.Figure:
    """The week's map for print: every leaf region of ``shapes`` (from
    :func:`data.panels.grid_shapes`) coloured by ``values`` (region id → count, missing is
    0) on white, with the outlines and names of the level below the region."""
    features = shapes["grids"]["features"]
    ids = [f["id"] for f in features]
    z = [int(values.get(i, 0)) for i in ids]
    names = plot_texts(f["properties"]["name"] for f in features)
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson=shapes["grids"], locations=ids, z=z, featureidkey="id", text=names,
        hovertemplate="%{text}: %{z}<extra></extra>", colorscale=PRINT_COLORSCALE,
        zmin=0, zmax=max(max(z, default=0), 1), marker_line_color="#ffffff",
        marker_line_width=0.3,
        colorbar=dict(title=dict(text=title, font=dict(size=12)), thickness=10, len=0.45,
                      tickformat=",d", x=0.99, y=0.25, outlinewidth=0)))
    lons, lats = ring_lines(shapes["outlines"])
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                line=dict(color="#31475e", width=1.1), showlegend=False))
    fig.add_trace(name_trace(shapes["labels"], shapes.get("view"), width=width, height=height,
                             font_px=12, color="#10202f"))
    fig.update_geos(visible=False, bgcolor="#ffffff", projection_type="mercator",
                    **view_ranges(shapes.get("view")))
    fig.update_layout(width=width, height=height, margin=dict(l=0, r=0, t=0, b=0),
                      paper_bgcolor="#ffffff", font=PRINT_LAYOUT["font"])
    return fig


def print_trend(days: list[str], reported: list[int], closed: list[int], *,
                names: tuple[str, str], width: int, height: int) -> go.Figure:
    """Reported (bars) against closed (line) per day, for print."""
    fig = go.Figure([
        go.Bar(x=days, y=reported, name=names[0], marker_color="#4a90c8",
               text=reported, textposition="outside", cliponaxis=False),
        go.Scatter(x=days, y=closed, name=names[1], mode="lines+markers",
                   line=dict(color="#2e9e5b", width=3), marker=dict(size=6)),
    ])
    fig.update_layout(width=width, height=height, bargap=0.35, **PRINT_LAYOUT,
                      legend=dict(orientation="h", x=0, y=1.1))
    fig.update_xaxes(showgrid=False, type="category", color="#3d4b5c")
    fig.update_yaxes(gridcolor="#e3e8ef", color="#3d4b5c", rangemode="tozero")
    return fig


def print_bars(labels: list[str], values: list[int], *, width: int, height: int,
               colour: str = "#e08a1e") -> go.Figure:
    """Horizontal bars, largest at the top, for print."""
    fig = go.Figure(go.Bar(x=values[::-1], y=plot_texts(labels[::-1]), orientation="h",
                           marker_color=colour, text=values[::-1], textposition="outside",
                           cliponaxis=False))
    fig.update_layout(width=width, height=height,
                      **{**PRINT_LAYOUT, "margin": dict(l=120, r=40, t=4, b=4)})
    fig.update_xaxes(visible=False, rangemode="tozero")
    fig.update_yaxes(color="#1d2733", tickfont=dict(size=13))
    return fig
