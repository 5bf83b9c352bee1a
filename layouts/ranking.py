"""How a ranking board (:class:`data.ranking.Ranking`) reads, on the wall and the console:
its title, each value with its unit, and how full each row's bar is."""

from __future__ import annotations

import pandas as pd

from data.metric_registry import BY_KEY
from data.ranking import Ranking
from layouts.format import format_value
from layouts.text import metric_label, t

#: How full the bar of a board's worst row is where lower is better (:func:`rank_fills`).
SLIVER = 0.05


def ranking_title(ranking: Ranking, lang: str, period: bool = True) -> str:
    """A ranking board's title: what it ranks by, and, when that is not the metric asked
    for (unknown for every child), why in a word (:attr:`data.ranking.Ranking.why`: no
    time limits, or no such figure). ``period``: "last 30 days" added to a title that did
    not fall back (the wall's; a fallback's reason takes its room)."""
    title = t(f"rank_by_{ranking.metric}", lang)
    if ranking.why is None:
        return t("rank_period", lang, title=title) if period else title
    if ranking.why == "no_deadlines":
        return t("rank_fell_back", lang, title=title, why=t("rank_no_deadlines", lang))
    named = metric_label(ranking.wanted, lang)
    why = t("rank_no_figure", lang, metric=named if lang == "zh" else named.lower())
    return t("rank_fell_back", lang, title=title, why=why)


def fallback_hint(ranking: Ranking, lang: str) -> str:
    """What a board that fell back says on hover: which figure no child has, and what it
    ranks by instead; empty when it did not fall back."""
    if not ranking.fell_back:
        return ""
    return t("rank_fell_back_hint", lang, wanted=metric_label(ranking.wanted, lang),
             metric=metric_label(ranking.metric, lang))


def rank_text(value: object, kind: str, lang: str) -> str:
    """A ranking value as a board shows it: a rate in %, hours with their unit, a count;
    "—" for none (None, or the NaN a frame holds for it)."""
    if value is None or pd.isna(value):
        return format_value(None, kind)
    if kind != "hours":
        return format_value(value, kind)
    return t("rank_hours", lang, value=format_value(value, kind))


def rank_fills(ranking: Ranking) -> list[float]:
    """How full each row's bar is (0-1), in the rows' order: a rate's own share; a count
    against the largest; a figure where lower is better (hours to close) between the best
    and the worst of the board: the best full, the worst a sliver (:data:`SLIVER`), the
    others in a straight line between (all full when they are equal). Unknown: empty."""
    values = [None if pd.isna(v) else float(v) for v in ranking.rows["value"].tolist()]
    known = [v for v in values if v is not None]
    if not known:
        return [0.0] * len(values)
    if BY_KEY[ranking.metric].higher_is_better is False:
        best, worst = min(known), max(known)
        return [0.0 if v is None else 1.0 if worst == best else
                SLIVER + (1 - SLIVER) * (worst - v) / (worst - best) for v in values]
    if ranking.kind == "rate":
        return [0.0 if v is None else min(max(v, 0.0), 1.0) for v in values]
    top = max(known)
    return [0.0 if v is None or top <= 0 else max(v, 0.0) / top for v in values]
