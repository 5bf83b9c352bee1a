"""The quiet picture a chart shows until its data arrives: no axes, no grid, no
made-up range (plotly's empty figure draws bare axes from −1 to 6), only a small
"加载中…" / "Loading…" in the middle. The console's charts start with it, and the wall's
30-day charts show it while those panels are counted for the first time today."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts.text import t

#: The word's colour on the console's white panels and on the wall's dark ones.
MUTED = {"light": "#8a97a8", "dark": "#6f86a8"}


def loading_figure(lang: str, *, height: int | None = None, width: int | None = None,
                   theme: str = "light") -> go.Figure:
    """An empty figure with hidden axes and the word for loading, ``height`` and
    ``width`` pixels (None: the container's), on a transparent background; ``theme``
    "light" (the console) or "dark" (the wall) picks the word's colour."""
    hidden = dict(visible=False, showgrid=False, zeroline=False, range=[0, 1])
    figure = go.Figure()
    _add_word(figure, lang, 13, MUTED.get(theme, MUTED["light"]))
    figure.update_layout(xaxis=hidden, yaxis=hidden, paper_bgcolor="rgba(0,0,0,0)",
                         plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=0, r=0, t=0, b=0),
                         font=dict(family="Noto Sans CJK SC, sans-serif"),
                         height=height, width=width, meta={"loading": True})
    return figure


def dress_loading(figure: go.Figure, lang: str, *, axes: bool = True) -> go.Figure:
    """``figure`` (a chart with its traces, as yet without values) shown as loading: its
    axes hidden (``axes``: it has some) and the word for loading in the middle. The
    traces stay, so a refresh can patch its values in by position;
    :func:`undress_patch` then takes the word away and shows the axes again."""
    _add_word(figure, lang, 15, MUTED["dark"])
    if axes:
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    return figure


def _add_word(figure: go.Figure, lang: str, size: int, colour: str) -> None:
    """The word for loading, in the middle of ``figure``."""
    figure.add_annotation(text=t("chart_loading", lang), x=0.5, y=0.5, xref="paper",
                          yref="paper", showarrow=False, font=dict(size=size, color=colour))


def undress_patch(patch, *, axes: bool = True) -> None:
    """Into a ``Patch`` of a chart that may have been :func:`dress_loading`'s: no word,
    the axes shown (``axes``: it has some)."""
    patch["layout"]["annotations"] = []
    if axes:
        patch["layout"]["xaxis"]["visible"] = True
        patch["layout"]["yaxis"]["visible"] = True
