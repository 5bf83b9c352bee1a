"""How a long name is shortened where a chart or a map names a region: one rule for all.

A name is measured in columns, as a terminal would: a Chinese (or other East Asian wide)
character is two columns, anything else one. A name wider than the limit is wrapped onto
at most ``lines`` lines, broken at a space, after a hyphen or a slash inside a word, or
between wide characters; on two lines, after a separator when both parts then fit
(``REGION 11 -`` / ``WEST LA``), else where they are most even. Whatever still does not
fit ends in "…". The full name is for the hover: the figure builders in
:mod:`layouts.figures` put it there.

Plain text in, plain lines out: the caller escapes each line for plotly
(:func:`layouts.figures.plot_text`) and joins them with ``<br>``, so shortening never cuts
through an escape.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
#: Words after which a name breaks best: "REGION 11 -" / "WEST LA".
SEPARATORS = frozenset({"-", "–", "—", "·", "/", "|", ":"})


def columns(text: str) -> int:
    """How many columns ``text`` takes: 2 for each East Asian wide or full-width character
    (汉字, full-width punctuation), 1 for any other."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def fitting_size(text: str, width: float, largest: float, smallest: float) -> float:
    """The font size (px, whole or half) at which one line of ``text`` fits ``width`` px, at
    most ``largest`` and at least ``smallest`` (below that it is cut with an ellipsis): a
    wide character takes 1 em, and so does an ambiguous one (the CJK font draws 中文's "·"
    full width), any other about 0.56 em (Noto Sans CJK's Latin average)."""
    ems = sum(1.0 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 0.56
              for char in text) or 1.0
    return max(smallest, min(largest, int(width / ems * 2) / 2))


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _breaks(text: str) -> list[tuple[int, int]]:
    """Where ``text`` may be broken, as (end of the first line, start of the next): at a
    space (which is dropped), after a hyphen or a slash inside a word, and between two
    characters of which one is wide (Chinese breaks anywhere)."""
    out = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after == " ":
            continue
        if before == " ":
            out.append((i - 1, i))
        elif before in "-/" and i > 1 and text[i - 2] != " ":
            out.append((i, i))
        elif _wide(before) or _wide(after):
            out.append((i, i))
    return out


def _cut(text: str, width: int) -> str:
    """``text`` within ``width`` columns: as it is when it fits, else its longest start
    that leaves room for "…", then "…"."""
    if columns(text) <= width:
        return text
    kept = ""
    for char in text:
        if columns(kept + char) + columns(ELLIPSIS) > width:
            break
        kept += char
    return kept.rstrip() + ELLIPSIS


def _after_separator(text: str, end: int) -> bool:
    words = text[:end].split()
    return bool(words) and words[-1] in SEPARATORS


def short_lines(name: object, width: int, lines: int = 2) -> list[str]:
    """``name`` as at most ``lines`` lines of at most ``width`` columns each (see the
    module's rule), the last one ending in "…" when the name is longer than that.

    >>> short_lines("REGION 1 - NORTH EAST VALLEY", 12)
    ['REGION 1 -', 'NORTH EAST…']
    >>> short_lines("清源县城关镇人民政府", 8)
    ['清源县城', '关镇人…']
    """
    if width < 2 or lines < 1:
        raise ValueError(f"short_lines: width must be at least 2 and lines at least 1, "
                         f"got width={width!r}, lines={lines!r}")
    text = " ".join(str(name).split())  # one line of single spaces, whatever it held
    if columns(text) <= width:
        return [text]
    if lines == 1:
        return [_cut(text, width)]
    fitting = [b for b in _breaks(text) if columns(text[:b[0]]) <= width]
    if lines == 2:
        # both parts fit: after a separator if one allows it, else the most even split
        whole = [b for b in fitting if columns(text[b[1]:]) <= width]
        if whole:
            best = min(whole, key=lambda b: (not _after_separator(text, b[0]),
                                             max(columns(text[:b[0]]),
                                                 columns(text[b[1]:]))))
            return [text[:best[0]], text[best[1]:]]
    if fitting:  # as much as fits on the first line, the rest below
        end, start = fitting[-1]
    else:  # one word longer than a line: cut it
        end = start = len(_cut(text, width + 1)) - 1
        while columns(text[:end]) > width:
            end = start = end - 1
    return [text[:end]] + short_lines(text[start:], width, lines - 1)


def distinct_short_lines(names: list[object], width: int, lines: int = 2) -> list[list[str]]:
    """:func:`short_lines` of each of ``names``, kept apart: names that would read the same
    once shortened show, after their first lines, "…" and the words where they differ
    ("EMPOWERMENT" / "…SOUTHWEST AREA…"), and any still alike are numbered, so that two
    regions never share a label. A name repeated as it is stays repeated (it is the same
    text: the hover and the order tell them apart)."""
    full = [" ".join(str(name).split()) for name in names]
    shortened = [short_lines(name, width, lines) for name in full]
    for attempt in (_from_difference, _numbered):
        groups: dict[tuple, list[str]] = {}
        for short, name in zip(shortened, full):
            group = groups.setdefault(tuple(short), [])
            if name not in group:
                group.append(name)
        clashing = {key: sorted(group) for key, group in groups.items() if len(group) > 1}
        if not clashing:
            break
        for i, short in enumerate(shortened):
            if tuple(short) in clashing:
                shortened[i] = attempt(full[i], width, lines, clashing[tuple(short)])
    return shortened


def _from_difference(text: str, width: int, lines: int, group: list[str]) -> list[str]:
    """``text``'s first lines as :func:`short_lines` gives them, then "…" and ``text``
    from the start of the word where it first differs from the others of ``group``."""
    same = 0
    while all(same < len(other) and other[same] == text[same] for other in group
              if other != text) and same < len(text):
        same += 1
    head = short_lines(text, width, lines)[:lines - 1]
    done = len(" ".join(head))
    start = max([b for _, b in _breaks(text) if done <= b <= same], default=max(done, same))
    return head + [_cut(ELLIPSIS + text[start:], width)]


def _numbered(text: str, width: int, lines: int, group: list[str]) -> list[str]:
    """``text`` shortened by :func:`short_lines`, with " (n)" at its end: n its place in
    ``group``."""
    mark = f" ({group.index(text) + 1})"
    short = short_lines(text, width, lines)
    return short[:-1] + [_cut(short[-1], width - len(mark)) + mark]
