"""The hotline desk (热线受理台): the 新建事件 form of the console, and its map.

Builders only: :mod:`callbacks.intake_desk` fills them from :mod:`data.intake` and
decides who may use them. Everything a caller or an import said (descriptions,
addresses, region and department names) goes into components as plain strings, which
React renders as text, never as HTML; the map's names are drawn by
:func:`layouts.figures.name_trace`, which escapes them for plotly.

How a click on the map becomes a point: plotly's ``geo`` map reports clicks on data
points only, never on empty ground, and draws no tiles here (offline). So the map carries
an invisible lattice of points (:func:`lattice`, :data:`LATTICE_STEPS` across the longer
side of the region, square in metres) over the region's bounds; a click anywhere lands on
the nearest lattice point (``hoverdistance``), whose ``lon``/``lat`` the click data carries.
The point is therefore real coordinates, snapped to the lattice: 1/80 of the width the map
shows. Zooming the map (scroll, or drag to pan) moves the lattice to the part on screen
(:func:`visible_window`), so the step shrinks with the zoom: about 200 m on the demo's
17 km town at first, 50 m at 4×, 12 m at 16×. The coordinates then fill the typed lon/lat
fields, where the operator may refine them, and the grid is found from the point
(:func:`data.intake.placement.place`), never from the polygon under the mouse.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from dash import dcc, html

from layouts import ids
from layouts.figures import MAP_CONFIG, name_trace, ring_lines, view_ranges
from layouts.text import t

#: Lattice points across the longer side of the region (the click's resolution).
LATTICE_STEPS = 80
#: Where :func:`desk_map` puts its traces: the callbacks patch the marker through this.
TRACE_FILL, TRACE_LINES, TRACE_NAMES, TRACE_LATTICE, TRACE_MARKER = range(5)
MAP_HEIGHT = 300
MAP_WIDTH = 440
#: The form's fields that have a problem line under them; a :class:`Problem` of another
#: field is shown on the line of the field it belongs to (:func:`problem_line_of`).
PROBLEM_LINES = ("description", "service_code", "reporter_name", "reporter_phone",
                 "address", "place", "urgent")
_LINE_OF = {"lon": "place", "lat": "place", "region_code": "place", "location": "place",
            "resolved_on_spot": "urgent", "resolution_note": "description"}


def problem_line_of(field: str) -> str | None:
    """The form line that shows a problem of ``field`` (None: the form's general line)."""
    if field in PROBLEM_LINES:
        return field
    return _LINE_OF.get(field)


# --- the map ------------------------------------------------------------------------------------

def lattice(bounds: tuple[float, float, float, float] | None,
            steps: int = LATTICE_STEPS) -> tuple[list[float], list[float]]:
    """Points spread evenly (square in metres) over ``bounds`` (west, south, east, north),
    ``steps`` across the longer side: the invisible targets of a map click."""
    if not bounds:
        return [], []
    west, south, east, north = bounds
    mid = math.cos(math.radians((south + north) / 2)) or 1.0
    width_m, height_m = (east - west) * mid, north - south
    step = max(width_m, height_m, 1e-6) / steps
    nx = max(2, round(width_m / step) + 1)
    ny = max(2, round(height_m / step) + 1)
    lons, lats = [], []
    for j in range(ny):
        lat = south + (north - south) * j / (ny - 1)
        for i in range(nx):
            lons.append(round(west + (east - west) * i / (nx - 1), 6))
            lats.append(round(lat, 6))
    return lons, lats


def visible_window(bounds: tuple[float, float, float, float] | None, scale: float,
                   centre: tuple[float, float] | None) -> tuple[float, float, float, float] | None:
    """The part of the region a zoomed map shows: the map's frame around ``bounds``
    (:func:`layouts.figures.view_ranges`) shrunk ``scale`` times around ``centre`` (lon,
    lat; None: the frame's middle), kept inside that frame. Near enough for the lattice:
    a few hundred metres of Mercator are linear."""
    if not bounds:
        return None
    framed = view_ranges(bounds)
    (west, east), (south, north) = framed["lonaxis"]["range"], framed["lataxis"]["range"]
    scale = min(max(scale, 1.0), 4096.0)
    lon, lat = centre or ((west + east) / 2, (south + north) / 2)
    half_x, half_y = (east - west) / scale / 2, (north - south) / scale / 2
    lon = min(max(lon, west + half_x), east - half_x)
    lat = min(max(lat, south + half_y), north - half_y)
    return lon - half_x, lat - half_y, lon + half_x, lat + half_y


def _rings(geometry: dict | None) -> list[list[list[float]]]:
    """The rings of a GeoJSON Polygon or MultiPolygon."""
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry.get("coordinates") or [])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry.get("coordinates") or [] for ring in polygon]
    return []


def desk_map(shapes: dict, point: tuple[float, float] | None = None, *,
             revision: str = "desk") -> go.Figure:
    """The desk's map of a region: its children (``shapes``: as
    :func:`data.maps.region_shapes` gives them) filled plain with their outlines and names,
    the invisible click lattice over its bounds, and the chosen ``point`` (lon, lat)."""
    features = shapes.get("features") or []
    bounds = shapes.get("bounds")
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson={"type": "FeatureCollection", "features": features},
        locations=[f["id"] for f in features], z=[0] * len(features), featureidkey="id",
        colorscale=[[0, "#eef2f7"], [1, "#eef2f7"]], showscale=False, hoverinfo="skip",
        marker_line_color="#9fb0c6", marker_line_width=0.8))
    rings = [ring for f in features for ring in _rings(f.get("geometry"))]
    rings += shapes.get("outline") or []
    lons, lats = ring_lines(rings)
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                line=dict(color="#24466e", width=1), showlegend=False))
    labels = [{"name": f["properties"].get("name", f["id"]), "lon": f["properties"]["label"][0],
               "lat": f["properties"]["label"][1], "weight": f["properties"].get("area", 0)}
              for f in features if (f.get("properties") or {}).get("label")]
    fig.add_trace(name_trace(labels, bounds, width=MAP_WIDTH, height=MAP_HEIGHT, font_px=11,
                             color="#1d2733"))
    grid_lons, grid_lats = lattice(bounds)
    fig.add_trace(go.Scattergeo(
        lon=grid_lons, lat=grid_lats, mode="markers", hoverinfo="none", showlegend=False,
        marker=dict(size=6, color="rgba(0,0,0,0)")))
    fig.add_trace(marker_trace(point))
    fig.update_geos(visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator",
                    **view_ranges(bounds))
    fig.update_layout(height=MAP_HEIGHT, margin=dict(l=0, r=0, t=0, b=0),
                      paper_bgcolor="#ffffff", uirevision=revision, clickmode="event",
                      hovermode="closest", hoverdistance=40, dragmode="pan",
                      font=dict(family="Noto Sans CJK SC, sans-serif"))
    return fig


def marker_trace(point: tuple[float, float] | None) -> go.Scattergeo:
    """The chosen point, a red pin (empty while nothing is chosen)."""
    lon, lat = point if point else (None, None)
    return go.Scattergeo(
        lon=[] if lon is None else [lon], lat=[] if lat is None else [lat], mode="markers",
        hoverinfo="skip", showlegend=False,
        marker=dict(size=14, color="#d62828", symbol="circle",
                    line=dict(color="#ffffff", width=2)))


# --- the form -----------------------------------------------------------------------------------

def build_desk_button(lang: str) -> html.Button:
    """The console header's 新建事件 button; hidden until the server says the user may
    file cases in the region on screen."""
    return html.Button(t("desk_new_case", lang), id=ids.DESK_OPEN,
                       className="button primary desk-open", style={"display": "none"})


def _row(field: str, label_key: str, control, lang: str) -> html.Div:
    return html.Div([html.Label(t(label_key, lang), className="desk-label"), control,
                     html.Div(id=ids.desk_problem(field), className="desk-problem",
                              role="alert")],
                    className=f"desk-row desk-row-{field}")


def build_desk(lang: str) -> html.Div:
    """The 新建事件 form, hidden until opened: what the caller said, the category, the
    reporter, and the place (address, map click or typed coordinates), the preview of
    where it goes and who handles it by when, and 保存."""
    place = html.Div([
        html.Div(t("desk_place_help", lang), className="desk-help"),
        dcc.Input(id=ids.DESK_ADDRESS, type="text", debounce=0.4, maxLength=200,
                  placeholder=t("desk_address_placeholder", lang), className="desk-input"),
        dcc.RadioItems(id=ids.DESK_MATCHES, options=[], value=None, className="desk-matches",
                       labelClassName="desk-match"),
        html.Div(id=ids.desk_problem("address"), className="desk-problem", role="alert"),
        dcc.Graph(id=ids.DESK_MAP, figure=go.Figure(), className="desk-map",
                  config={**MAP_CONFIG, "displayModeBar": False},
                  style={"height": f"{MAP_HEIGHT}px"}),
        html.Div([
            html.Label(t("desk_lon", lang)),
            dcc.Input(id=ids.DESK_LON, type="number", debounce=True, step="any",
                      className="desk-coord"),
            html.Label(t("desk_lat", lang)),
            dcc.Input(id=ids.DESK_LAT, type="number", debounce=True, step="any",
                      className="desk-coord"),
            html.Span(t("desk_wgs84", lang), className="desk-muted"),
        ], className="desk-coords"),
        html.Div(id=ids.desk_problem("place"), className="desk-problem", role="alert"),
    ], className="desk-place")
    form = html.Div([
        _row("description", "desk_description",
             dcc.Textarea(id=ids.DESK_DESCRIPTION, rows=3, maxLength=2000,
                          className="textarea desk-input",
                          placeholder=t("desk_description_placeholder", lang)), lang),
        _row("service_code", "desk_category",
             dcc.Dropdown(id=ids.DESK_CATEGORY, options=[], searchable=True, clearable=True,
                          placeholder=t("desk_category_placeholder", lang),
                          labels={"search": t("desk_category_search", lang),
                                  "clear_search": t("desk_clear", lang),
                                  "clear_selection": t("desk_clear", lang),
                                  "no_options_found": t("desk_no_category", lang)}),
             lang),
        _row("urgent", "desk_urgent_label",
             dcc.Checklist(id=ids.DESK_URGENT, value=[],
                           options=[{"label": t("desk_urgent", lang), "value": "urgent"}]),
             lang),
        html.Div([
            _row("reporter_name", "desk_reporter_name",
                 dcc.Input(id=ids.DESK_REPORTER_NAME, type="text", maxLength=100,
                           className="desk-input"), lang),
            _row("reporter_phone", "desk_reporter_phone",
                 dcc.Input(id=ids.DESK_REPORTER_PHONE, type="tel", maxLength=40,
                           className="desk-input"), lang),
        ], className="desk-pair"),
        html.Div([html.Label(t("desk_place", lang), className="desk-label"), place],
                 className="desk-row"),
    ], className="desk-fields")
    return html.Div(html.Div([
        dcc.Store(id=ids.DESK_KEY),
        dcc.Store(id=ids.DESK_PLACE),
        dcc.Store(id=ids.DESK_FOUND),
        dcc.Store(id=ids.DESK_VIEW),
        html.Div([html.H2(t("desk_title", lang)),
                  html.Button("×", id=ids.DESK_CLOSE, className="button desk-close",
                              title=t("cancel", lang))], className="desk-head"),
        html.Div([form,
                  html.Aside([html.H3(t("desk_preview", lang)),
                              html.Div(t("desk_preview_empty", lang), id=ids.DESK_PREVIEW,
                                       className="desk-preview")],
                             className="desk-side")], className="desk-body"),
        html.Div([html.Button(t("desk_save", lang), id=ids.DESK_SAVE,
                              className="button primary desk-save"),
                  html.Button(t("desk_again", lang), id=ids.DESK_AGAIN,
                              className="button desk-again", style={"display": "none"}),
                  html.Div(id=ids.DESK_FEEDBACK, className="desk-feedback", role="status")],
                 className="desk-buttons"),
    ], className="desk-dialog", role="dialog", **{"aria-modal": "true"}),
        id=ids.DESK_PANEL, className="desk-overlay", style={"display": "none"})


def category_options(categories: list[dict]) -> list[dict]:
    """The category picker's choices: "大类 / 小类 (code)" → the category's code; the
    label is what the dropdown searches."""
    return [{"label": f"{c['category']} / {c['subcategory']} ({c['code']})",
             "value": c["code"]} for c in categories]


def match_options(placements: list, lang: str) -> list[dict]:
    """The places an address matches, each a choice: its region path (and its address,
    when it has one); the value is the match's position in the list."""
    options = []
    for i, placement in enumerate(placements):
        text = place_words(placement, lang)
        options.append({"label": text, "value": i})
    return options


def place_words(placement, lang: str) -> str:
    """A placement in words: its region path from the top, and its address if any."""
    path = " › ".join(str(n) for n in (getattr(placement, "names", None) or ()) if n)
    address = getattr(placement, "address", None)
    text = path or str(getattr(placement, "region_code", "") or "")
    return f"{text} · {address}" if address else text


def _line(label_key: str, value: object, lang: str) -> html.Tr:
    return html.Tr([html.Th(t(label_key, lang)),
                    html.Td("—" if value in (None, "") else str(value))])


def build_preview(facts: dict | None, lang: str) -> list:
    """Where the case will land and who handles it by when, before saving (``facts``:
    ``path``, ``point``, ``category``, ``department``, ``deadline``, ``suspects``: a list
    of (code, distance in metres, status word)); None: nothing placed yet."""
    if not facts:
        return [html.Div(t("desk_preview_empty", lang), className="desk-muted")]
    rows = [_line("desk_grid", facts.get("path"), lang),
            _line("desk_point", facts.get("point"), lang),
            _line("desk_category", facts.get("category"), lang),
            _line("desk_department", facts.get("department"), lang),
            _line("desk_deadline", facts.get("deadline"), lang)]
    parts: list = [html.Table(html.Tbody(rows), className="detail-table desk-facts")]
    suspects = facts.get("suspects") or []
    if suspects:
        parts.append(html.Div([
            html.Div(t("desk_suspects", lang, n=len(suspects)), className="desk-suspect-head"),
            html.Ul([html.Li(t("desk_suspect", lang, code=code, metres=metres, status=status),
                             className="desk-suspect", **{"data-code": code})
                     for code, metres, status in suspects])], className="desk-suspects"))
    return parts


def build_saved(code: str, replayed: bool, suspected: int, lang: str) -> list:
    """The saved case's code (and whether this was a repeat of the same form)."""
    parts = [html.Span(t("desk_saved", lang), className="desk-ok"),
             html.Strong(code, className="desk-code", **{"data-code": code})]
    if replayed:
        parts.append(html.Span(t("desk_replayed", lang), className="desk-muted"))
    if suspected:
        parts.append(html.Span(t("desk_saved_suspected", lang, n=suspected),
                               className="desk-warn"))
    return parts
