"""Ranking a region's children by one registry metric, and falling back honestly.

The wall's and the console's ranking boards rank the children by 按期结案率
(``on_time_closure_rate``) unless told otherwise (``/wall?rank=NAME``). Where no child has
that figure (a store whose categories have no time limits: no case is ever due, so the
rate is unknown everywhere), a board of "—" tells nothing; the board then ranks by the
first metric of :data:`RANKABLE` that at least one child has, and says so
(:attr:`Ranking.fell_back`), so its title names what it ranks.

Order: the metric's direction (:attr:`data.metric_registry.Metric.higher_is_better`; a
median time to close ranks the quickest first), unknown values last; children with equal
values rank the one with more cases closed first (its figure stands on more cases), then
in the children's own order (by code, :func:`data.regions.children_of`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from data.metric_registry import BY_KEY

#: What a board ranks by when nobody chose.
DEFAULT = "on_time_closure_rate"
#: The metrics a board may rank by, in the order a fallback tries them.
RANKABLE: tuple[str, ...] = ("on_time_closure_rate", "closure_rate", "handling_rate",
                             "satisfaction_rate", "median_hours_to_close", "closed")
#: Short names the wall's address accepts (``/wall?rank=NAME``) beside the registry keys.
ALIASES: dict[str, str] = {"on_time": "on_time_closure_rate", "closure": "closure_rate",
                           "handling": "handling_rate", "satisfaction": "satisfaction_rate",
                           "median_hours": "median_hours_to_close", "closed": "closed"}
#: The metrics that stand on the categories' time limits: unknown everywhere when no case
#: in scope has a deadline (:attr:`Ranking.why`).
NEEDS_DEADLINES = frozenset({"on_time_closure_rate", "closure_rate", "handling_rate"})
#: The columns of :attr:`Ranking.rows`.
COLUMNS = ["code", "name", "value", "closed"]


class UnknownRankMetric(ValueError):
    """A ranking metric nobody knows (``value``, as given); names what is accepted."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"rank={value!r} is no ranking metric: expected one of "
                         f"{', '.join(accepted_names())}")


def accepted_names() -> tuple[str, ...]:
    """Every name :func:`rank_metric` accepts: the short ones, then the registry keys."""
    return (*ALIASES, *(key for key in RANKABLE if key not in ALIASES))


def rank_metric(name: object) -> str:
    """The registry key of a ranking metric named by its short name (:data:`ALIASES`) or
    its key; :data:`DEFAULT` for None or empty. :class:`UnknownRankMetric` for anything
    else (another metric, a typo, a value that is not text)."""
    if name is None or name == "":
        return DEFAULT
    if not isinstance(name, str):
        raise UnknownRankMetric(name)
    key = ALIASES.get(name, name)
    if key not in RANKABLE:
        raise UnknownRankMetric(name)
    return key


def _known(value: object) -> object:
    """``value``, or None for none at all (None, or a NaN a frame made of one)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def choose_metric(wanted: str, values: Iterable[Mapping[str, object]]) -> tuple[str, bool]:
    """The metric to rank by and whether it fell back: ``wanted`` when at least one
    child's ``values`` has it (or there are no children, or none has any rankable
    figure); else the first of :data:`RANKABLE` that one child has."""
    values = list(values)

    def known(key: str) -> bool:
        return any(_known(v.get(key)) is not None for v in values)

    if not values or known(wanted):
        return wanted, False
    for key in RANKABLE:
        if key != wanted and known(key):
            return key, True
    return wanted, False


def child_values(kids: Sequence, values: Mapping[int, Mapping[str, object]]
                 ) -> tuple[dict, ...]:
    """What a ranking needs of each child (``kids``: :class:`data.regions.RegionInfo`, in
    their order; ``values``: their metrics by id): code, name and each of
    :data:`RANKABLE`."""
    return tuple({"code": kid.code, "name": kid.name,
                  **{key: _known(values.get(kid.id, {}).get(key)) for key in RANKABLE}}
                 for kid in kids)


@dataclass(frozen=True)
class Ranking:
    """A ranking board: the metric asked for (``wanted``), the one ranked by
    (``metric``), the rows best first (:attr:`rows`: code, name, value, closed) and what
    it was made of (``children``, :func:`child_values`), so a board asking for another
    metric is made from it without counting again (:meth:`by`)."""

    wanted: str
    metric: str
    rows: pd.DataFrame = field(compare=False)
    children: tuple[dict, ...] = field(default=(), compare=False, repr=False)

    @property
    def why(self) -> str | None:
        """Why it fell back, for its title: ``"no_deadlines"`` when the metric asked for
        stands on time limits (:data:`NEEDS_DEADLINES`) and cases were closed, yet no
        child has it (none of those cases had a deadline); ``"no_figure"`` otherwise (no
        case to count it on, no rated case...); None when it did not fall back."""
        if not self.fell_back:
            return None
        closed = any((_known(c.get("closed")) or 0) > 0 for c in self.children)
        return "no_deadlines" if self.wanted in NEEDS_DEADLINES and closed else "no_figure"

    @property
    def fell_back(self) -> bool:
        """Whether it ranks by another metric than the one asked for (that one is
        unknown for every child)."""
        return self.metric != self.wanted

    @property
    def kind(self) -> str:
        """How its values read: "rate", "hours" or "count"."""
        return BY_KEY[self.metric].kind

    def by(self, wanted: str) -> Ranking:
        """The same children ranked by ``wanted`` (a :data:`RANKABLE` key), falling back
        as :func:`rank` does: itself when it was asked for that already."""
        return self if wanted == self.wanted else rank(self.children, wanted)

    def shown(self) -> tuple:
        """What a board shows, as plain values to compare between refreshes: the metrics,
        why it fell back, and each row's code and value (None for unknown: a NaN never equals itself)."""
        return (self.wanted, self.metric, self.why,
                tuple((code, _known(value)) for code, value in
                      zip(self.rows["code"].tolist(), self.rows["value"].tolist())))


def rank(children: Sequence[Mapping[str, object]], wanted: str = DEFAULT, *,
         fall_back: bool = True) -> Ranking:
    """``children`` (:func:`child_values`, in their order) ranked by ``wanted``, or by
    the first known metric when ``wanted`` is unknown for every child (unless
    ``fall_back`` is False), best first: see the module's note for the order."""
    if wanted not in RANKABLE:
        raise UnknownRankMetric(wanted)
    metric = choose_metric(wanted, children)[0] if fall_back else wanted
    lower_first = BY_KEY[metric].higher_is_better is False

    def order(row: dict) -> tuple:
        value = row["value"]
        if value is None:
            return (1, 0.0, 0)
        return (0, float(value) if lower_first else -float(value), -row["closed"])

    rows = [{"code": c["code"], "name": c["name"], "value": _known(c.get(metric)),
             "closed": _known(c.get("closed")) or 0} for c in children]
    rows.sort(key=order)  # stable: equal keys keep the children's order
    return Ranking(wanted, metric, pd.DataFrame(rows, columns=COLUMNS), tuple(children))
