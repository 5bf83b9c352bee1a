"""The demo world's fixed facts: where it lies, how big each scale is, how far back it reaches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIMEZONE = "Asia/Shanghai"
COUNTY_NAME = "清源县"
CITY_NAME = "清源市"
CENTRE_NAME = {"county": "清源县社会治理综合指挥中心", "small": "清源县社会治理综合指挥中心",
               "city": "清源市社会治理综合指挥中心"}
CENTRE = (117.02, 36.65)  # a fictional county on the North China plain (lon, lat)
#: Days of cases before ``as_of``: a whole year plus the month before it, for comparisons.
CASE_DAYS = 400
PATROL_DAYS = 90
TRACK_DAYS = 7


@dataclass(frozen=True)
class Scale:
    """How big a demo deployment is."""

    districts: int  # 0: the root is the county itself
    towns: int  # per district (or in the county)
    communities: int  # per town, on average
    grids: int  # per community, on average
    cases_per_year: int
    radius_deg: float


SCALES: dict[str, Scale] = {
    "small": Scale(0, 3, 4, 5, 9_000, 0.08),
    "county": Scale(0, 10, 10, 10, 220_000, 0.22),
    "city": Scale(10, 10, 10, 10, 2_000_000, 0.75),
}


def timespan(values, unit: str = "h") -> np.ndarray:
    """Durations as whole seconds (``timedelta64[s]``), so every time column stays in µs."""
    seconds = {"h": 3600.0, "m": 60.0, "D": 86400.0}[unit]
    return np.round(np.asarray(values, dtype=float) * seconds).astype("timedelta64[s]")
