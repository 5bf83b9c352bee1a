"""The one registry of early-warning rules: each has one key, one definition and one
detector (its zh/en names and explanation sentences are :mod:`layouts.text`'s; its
parameters are ``rules.toml``'s section of the same key)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rule:
    """One rule: its key, its definition (what makes it fire, in the parameters' names),
    and the module whose ``detect(conn, params, as_of) -> list[Finding]`` applies it."""

    key: str
    definition: str
    module: str

    def detector(self) -> Callable:
        return importlib.import_module(self.module).detect


RULES: tuple[Rule, ...] = (
    Rule("surge", "a region's (grid, community, town) count of one subcategory over the "
         "last `window` days far above its expected count from the same weekdays of the "
         "`baseline_weeks` weeks before (holidays compared with holidays): at least "
         "`min_count` cases, `min_ratio` times the expected count, and a Poisson tail "
         "probability P(X >= count) below `p_yellow` (orange, red below `p_orange`, "
         "`p_red`)", "data.alerts.surge"),
    Rule("repeat_location", "`min_cases` or more cases (of any subcategory, or of one "
         "with `same_category`) each within `radius_m` metres of another, reported within "
         "`days` days, closed or not", "data.alerts.repeat"),
    Rule("recurring_dispute", "a dispute reported at the same address, or by the same "
         "party, as a dispute mediated within `days` days before it",
         "data.alerts.disputes"),
    Rule("stuck_case", "an open case past its deadline by more than `overdue_days` days, "
         "postponed `postponed` times or more, or reworked `reworked` times or more",
         "data.alerts.stuck"),
    Rule("blind_spot", "a leaf region with no patrol visit for `days` days while "
         "`min_cases` or more cases were reported in it in those days (only in a "
         "deployment that records patrols)", "data.alerts.blind"),
)

BY_KEY = {rule.key: rule for rule in RULES}
