"""Where a map writes its regions' names, and how large: one rule for the wall's, the
console's, the desk's and the briefing's maps (issue 18: every child named where it fits,
never one name over another; a name with no room is in the region's hover).

Plain geometry and text widths, no plotly: :func:`layouts.figures.name_trace` turns the
placed names into a trace (escaping each line).
"""

from __future__ import annotations

import math

from layouts.labels import ELLIPSIS, SEPARATORS, short_lines

PLOTLY_CLIP_PAD = 0.001  # degrees: plotly.js src/plots/geo/constants.js, clipPad


def framed(bounds: tuple[float, float, float, float], pad: float,
            extra: float = 0.0) -> tuple[float, float, float, float]:
    """``bounds`` (west, south, east, north) widened by ``pad`` of their size (and
    ``extra`` degrees) on every side: the rectangle a map shows."""
    west, south, east, north = bounds
    pad_x, pad_y = (east - west) * pad + extra, (north - south) * pad + extra
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def _text_width(text: str, font_px: float) -> float:
    """About how wide ``text`` is drawn in Noto Sans CJK at ``font_px``: a Han character is
    one em, Latin capitals and digits about 0.62, small letters 0.52, a space 0.28."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x2E80:
            width += 1.0
        elif char == " ":
            width += 0.28
        elif char.isupper() or char.isdigit():
            width += 0.62
        else:
            width += 0.52
    return width * font_px


def _two_lines(text: str) -> tuple[str, str] | None:
    """``text`` broken at a space into two lines, or None if it has none: after a
    separator ("REGION 11 -" / "WEST LA") when it has one, else where they balance best."""
    words = text.split(" ")
    if len(words) < 2:
        return None
    breaks = [i for i in range(1, len(words)) if words[i - 1] in SEPARATORS] or \
        list(range(1, len(words)))
    best = min(breaks, key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return " ".join(words[:best]), " ".join(words[best:])


#: The widest a name is written on a map, on each of its two lines (in
#: :func:`layouts.labels.columns`); a longer one is shortened with "…", and the map's hover
#: (the region under it) has it whole.
MAP_NAME_COLUMNS = 24
#: How wide a region's name may be written against the side of its area's square
#: (:func:`label_font`): a little wider than the region, so a small region gets a small
#: name and leaves room for its neighbours'.
NAME_PER_SIDE = 1.3
#: How much higher than its font a line of a map's name is (plotly's line spacing, and a
#: little air between two names).
LINE_HEIGHT = 1.3


def label_font(area_px: float | None, name: str, font_px: float, min_px: float) -> float:
    """The largest font a region's name starts at: ``font_px``, smaller when ``name`` (on
    two lines if it has a space) would be wider than :data:`NAME_PER_SIDE` times the side
    of the square of the region's ``area_px`` (square pixels), never below ``min_px``;
    ``font_px`` when the area is not known."""
    if area_px is None:
        return font_px
    lines = _two_lines(name) or (name,)
    ems = max(max(_text_width(line, 1.0) for line in lines), 1.0)
    fit = math.sqrt(max(area_px, 0.0)) * NAME_PER_SIDE / ems
    return float(min(font_px, max(min_px, math.floor(fit))))


def _font_steps(start: float, min_px: float) -> list[float]:
    """The sizes a name is tried at, largest first: ``start`` down to ``min_px`` by 1 px."""
    steps = [start]
    while steps[-1] - 1 >= min_px:
        steps.append(steps[-1] - 1)
    return steps


def placed_labels(labels: list[dict], bounds: tuple[float, float, float, float] | None, *,
                  width: int, height: int, font_px: float, min_px: float | None = None,
                  pad: float = 0.04) -> list[dict]:
    """The region names that can be read on a map ``width`` × ``height`` px framed on
    ``bounds`` (as :func:`view_ranges` frames it, Mercator), each at a point inside its
    region: the first of the label's ``spots`` (:func:`data.maps.label_spots`, best first)
    where it fits, else at its lon, lat.

    Largest region first (a label's ``weight``, its area in square degrees, else its
    order), greedily: each name starts at the size its area allows (:func:`label_font`,
    at most ``font_px``) and, while it would overlap a name already placed at each of its
    spots, is tried smaller, down to ``min_px`` (default: 0.7 of ``font_px``, at least 9 px); a long name
    is stacked on two lines (and any name when that lets it fit; one too long for two
    lines of :data:`MAP_NAME_COLUMNS` is shortened by :func:`layouts.labels.short_lines`).
    A name is kept inside the map's frame (near the edge it moves inwards instead of
    being cut off), and left out when even its smallest size would overlap a name
    already placed: overlapping names are read by nobody, and the region's hover has
    it. Returns dicts of lon, lat, lines (plain text: one or two), size (px) and index
    (the label's place in ``labels``)."""
    if bounds is None or not labels:
        return [{"lon": x["lon"], "lat": x["lat"], "lines": (str(x["name"]),),
                 "size": font_px, "index": i} for i, x in enumerate(labels)]
    min_px = min(font_px, max(9.0, round(font_px * 0.7))) if min_px is None else min_px
    west, south, east, north = framed(bounds, pad)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85), -85)) / 2))

    x0, x1 = math.radians(west), math.radians(east)
    y0, y1 = merc(south), merc(north)
    scale = min(width / max(x1 - x0, 1e-12), height / max(y1 - y0, 1e-12))
    frame_w, frame_h = (x1 - x0) * scale, (y1 - y0) * scale
    placed: list[tuple[float, float, float, float]] = []
    out = []
    order = sorted(range(len(labels)), key=lambda i: -float(labels[i].get("weight", -i)))
    for i in order:
        label = labels[i]
        spots = [((math.radians(lon) - x0) * scale, (y1 - merc(lat)) * scale)
                 for lon, lat in label.get("spots") or [(label["lon"], label["lat"])]]
        weight = label.get("weight")
        # square degrees to square pixels: a degree is scale·π/180 px wide, and Mercator
        # stretches it by 1/cos(lat) north-south
        area_px = None if weight is None else float(weight) * (scale * math.pi / 180) ** 2 \
            / max(math.cos(math.radians(label["lat"])), 1e-6)
        found = next((box for size in _font_steps(label_font(area_px, str(label["name"]), font_px,
                                                           min_px), min_px)
                      for cx, cy in spots
                      if (box := _free_box(str(label["name"]), size, cx, cy, frame_w,
                                           frame_h, placed)) is not None), None)
        if found is not None:
            lines, size, (left, top, right, bottom) = found
            placed.append((left, top, right, bottom))
            x, y = (left + right) / 2, (top + bottom) / 2
            lat = math.degrees(2 * math.atan(math.exp(y1 - y / scale)) - math.pi / 2)
            out.append({"lon": math.degrees(x0 + x / scale), "lat": lat, "lines": lines,
                        "size": size, "index": i})
    return out


def _free_box(name: str, size: float, cx: float, cy: float, frame_w: float, frame_h: float,
              placed: list[tuple[float, float, float, float]]
              ) -> tuple[tuple[str, ...], float, tuple[float, float, float, float]] | None:
    """``name``'s lines, ``size`` and box (left, top, right, bottom, px) centred on
    (``cx``, ``cy``) and kept inside the frame, on one line or two, the first that
    overlaps none of ``placed``; None when each does."""
    one, two = (name,), _two_lines(name)
    # a long name reads as well on two lines and takes half the width: stack it first
    tries = (two, one) if _text_width(name, size) > 7 * size else (one, two)
    short = short_lines(name, MAP_NAME_COLUMNS, 2)
    if short[-1].endswith(ELLIPSIS):  # too long for two lines: shortened, on two
        tries = (tuple(short),)
    for lines in filter(None, tries):
        half_w = max(_text_width(line, size) for line in lines) / 2 + 2
        half_h = size * LINE_HEIGHT * len(lines) / 2
        x = min(max(cx, half_w), max(frame_w - half_w, half_w))
        y = min(max(cy, half_h), max(frame_h - half_h, half_h))
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]
               for b in placed):
            return lines, size, box
    return None
