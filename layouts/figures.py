"""Figure builders: pure functions from plain data to fresh plotly figures.

The wall's map is plotly's ``geo`` subplot drawing only our own polygons (SVG, so it stays
crisp when the 1920×1080 canvas is scaled up to a 4K wall), with no base map: the page's
``topojsonURL`` points at the empty layers in ``assets/topojson/``, so nothing is fetched
from outside.
"""

from __future__ import annotations

import plotly.graph_objects as go

#: Dark-to-hot colours for counts on a dark wall.
COLORSCALE = [[0.0, "#0f2a4a"], [0.25, "#1f5f8b"], [0.5, "#e0a526"], [0.75, "#f0652f"],
              [1.0, "#ff2d2d"]]
MAP_CONFIG = {"displayModeBar": False, "topojsonURL": "/assets/topojson/", "responsive": False,
              "scrollZoom": True}


def grid_map(shapes: dict, values: list[int], flagged: list[dict], *, width: int,
             height: int, title: str) -> go.Figure:
    """The grid choropleth: every leaf region coloured by ``values`` (in the order of
    ``shapes["grids"]["features"]``), the outlines and names of the level below the
    region on top, and a marker on each grid with long-unfixed cases (``flagged``:
    dicts with lon, lat, n)."""
    features = shapes["grids"]["features"]
    ids = [f["id"] for f in features]
    names = [f["properties"]["name"] for f in features]
    top = max(values) if values else 0
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson=shapes["grids"], locations=ids, z=values, featureidkey="id",
        text=names, hovertemplate="%{text}: %{z}<extra></extra>",
        colorscale=COLORSCALE, zmin=0, zmax=max(top, 1),
        marker_line_color="#0b1526", marker_line_width=0.4,
        colorbar=dict(title=dict(text=title, font=dict(color="#8fa6c8", size=14)),
                      tickfont=dict(color="#8fa6c8", size=13), thickness=12, len=0.5,
                      x=0.98, y=0.25, bgcolor="rgba(0,0,0,0)", outlinewidth=0),
    ))
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in shapes["outlines"]:
        lons += [p[0] for p in ring] + [None]
        lats += [p[1] for p in ring] + [None]
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                line=dict(color="#6fd3ff", width=1.6), showlegend=False))
    fig.add_trace(go.Scattergeo(
        lon=[f["lon"] for f in flagged], lat=[f["lat"] for f in flagged], mode="markers",
        marker=dict(symbol="diamond", size=[min(6 + f["n"] * 2, 18) for f in flagged],
                    color="#ff3b3b", line=dict(color="#ffffff", width=0.8)),
        text=[str(f["n"]) for f in flagged], hovertemplate="%{text}<extra></extra>",
        showlegend=False))
    fig.add_trace(go.Scattergeo(
        lon=[label["lon"] for label in shapes["labels"]],
        lat=[label["lat"] for label in shapes["labels"]],
        text=[label["name"] for label in shapes["labels"]], mode="text", hoverinfo="skip",
        textfont=dict(color="#ffffff", size=16), showlegend=False))
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)",
                    projection_type="mercator")
    fig.update_layout(width=width, height=height, margin=dict(l=0, r=0, t=0, b=0),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      uirevision="wall", font=dict(family="Noto Sans CJK SC, sans-serif"))
    return fig
