"""Repeat location (重复投诉): the same spot reporting again and again.

``min_cases`` or more cases, each within ``radius_m`` metres of another of them
(single-linkage: a chain of near neighbours is one cluster), reported within the last
``days`` days up to ``as_of`` (the interval ``(as_of - days, as_of]``), closed or not;
voided ones (voided by ``as_of``) and cases without a point (lon/lat) are left out. With
``same_category`` only cases of one subcategory make a cluster (cases without one none).

Distances: the points (WGS-84 lon/lat) are projected to metres by an equirectangular
projection about the cases' mean latitude (x = R·λ·cos φ₀, y = R·φ): over a county the
error is well under a metre at 50 m. Neighbours come from a grid hash (each point
compared with those of its own and the neighbouring cells, :func:`close_pairs`),
clusters from the pairs' connected components: no comparison of every pair, so a month
of a county's cases (~18,000 points) takes milliseconds.

A finding per cluster: key ``repeat_location:<the cluster's earliest case id>`` (with
``same_category``: ``repeat_location:<subcategory>:<earliest case id>``), which stays as
the cluster grows, so the same problem keeps one alert. (When a cluster outlives the
window its earliest case leaves it and the key moves to the next earliest: the old alert
closes and a new one opens. A rule that reads only the window cannot know an older
episode; a spot that reports every day for months changes key each time its earliest
case ages out.) Level by size: ``red_cases`` or more red, ``orange_cases``
or more orange, else yellow. ``region_id``: the region holding most of the cluster's
cases (ties: the smallest region id; None when none is placed). ``started_at``: the
earliest case's report. ``facts``: ``cases`` (how many), ``radius_m``, ``days``,
``category`` (the subcategory with ``same_category``, else None), ``lon``/``lat`` (the
mean of the cases' points, where a map puts the alert's marker).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, select

from data.alerts.finding import ORANGE, RED, YELLOW, Finding
from data.alerts.history import not_voided_at, rows_by_id
from data.models import Case
from data.sql import plain_rows

RULE = "repeat_location"
#: The mean Earth radius (metres) of the projection.
EARTH_RADIUS_M = 6_371_008.8


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The clusters of cases close together at ``as_of`` (naive UTC)."""
    radius = float(params["radius_m"])
    days = params["days"]
    min_cases = int(params["min_cases"])
    same_category = bool(params["same_category"])
    red_cases, orange_cases = int(params["red_cases"]), int(params["orange_cases"])
    if radius <= 0 or min_cases < 2:
        raise ValueError(f"{RULE}: radius_m must be above 0 and min_cases at least 2, got "
                         f"{params['radius_m']!r} and {params['min_cases']!r}")
    c = Case
    # numbers and texts straight from the driver; the report times of the clusters only
    query = (select(c.id, c.lon, c.lat, c.subcategory, c.region_id)
             .where(c.reported_at > as_of - timedelta(days=float(days)),
                    c.reported_at <= as_of, c.lon.is_not(None), c.lat.is_not(None),
                    not_voided_at(as_of))
             .order_by(c.id))
    rows = plain_rows(conn.execute(query))
    if len(rows) < min_cases:
        return []
    xy = project([row[1] for row in rows], [row[2] for row in rows])
    if same_category:
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row[3] is not None:  # a case of no subcategory is of no one subcategory
                groups.setdefault(row[3], []).append(i)
        members = [np.array(idx) for idx in groups.values() if len(idx) >= min_cases]
    else:
        members = [np.arange(len(rows))]
    found = [[rows[i] for i in among[cluster]]
             for among in members for cluster in clusters(xy[among], radius, min_cases)]
    reported = dict(rows_by_id(conn, [c.id, c.reported_at],
                               [row[0] for cluster in found for row in cluster]))
    findings = [_finding(cluster, reported, params, same_category, red_cases, orange_cases)
                for cluster in found]
    findings.sort(key=lambda f: f.key)
    return findings


def _finding(rows: list, reported: dict, params: dict, same_category: bool,
             red_cases: int, orange_cases: int) -> Finding:
    """One cluster's finding (``rows``: id, lon, lat, subcategory, region id)."""
    earliest_id = min(row[0] for row in rows)
    category = rows[0][3] if same_category else None
    key = f"{RULE}:{category}:{earliest_id}" if same_category else f"{RULE}:{earliest_id}"
    n = len(rows)
    level = RED if n >= red_cases else ORANGE if n >= orange_cases else YELLOW
    held = Counter(row[4] for row in rows if row[4] is not None)
    region_id = min(held, key=lambda r: (-held[r], r)) if held else None
    return Finding(rule=RULE, key=key, level=level, region_id=region_id,
                   started_at=min(reported[row[0]] for row in rows),
                   case_ids=tuple(sorted(row[0] for row in rows)),
                   facts={"cases": n, "radius_m": params["radius_m"], "days": params["days"],
                          "category": category,
                          "lon": round(sum(row[1] for row in rows) / n, 6),
                          "lat": round(sum(row[2] for row in rows) / n, 6)})


def project(lon, lat) -> np.ndarray:
    """WGS-84 lon/lat (degrees) to metres, equirectangular about their mean latitude:
    an (n, 2) array."""
    lon = np.radians(np.asarray(lon, dtype=float))
    lat = np.radians(np.asarray(lat, dtype=float))
    scale = np.cos(lat.mean()) if len(lat) else 1.0
    return np.column_stack([EARTH_RADIUS_M * lon * scale, EARTH_RADIUS_M * lat])


def clusters(xy: np.ndarray, radius: float, min_size: int = 1) -> list[np.ndarray]:
    """Single-linkage clusters of the points ``xy`` (metres): the connected components of
    "within ``radius`` of each other" of ``min_size`` or more points, as arrays of row
    positions."""
    n = len(xy)
    if n == 0:
        return []
    left, right = close_pairs(xy, radius)
    labels = _components(n, left, right)
    sizes = np.bincount(labels, minlength=n)
    kept = np.flatnonzero(sizes[labels] >= min_size)
    order = kept[np.argsort(labels[kept], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, cuts) if len(order) else []


#: The neighbouring cells a cell's points are compared with: itself and half of the eight
#: around it (the other half compares with it from their side), so each pair once.
_FORWARD = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))


def close_pairs(xy: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows of ``xy`` (metres) at most ``radius`` apart, once each: a grid
    hash of cells ``radius`` wide, so each point is compared only with the points of its
    own and the neighbouring cells (vectorised: sorted cell keys and range lookups)."""
    n = len(xy)
    cell = np.floor(xy / radius).astype(np.int64)
    cell -= cell.min(axis=0) - 1  # columns from 1, so that a step of -1 stays in range
    width = int(cell[:, 1].max()) + 2
    key = cell[:, 0] * width + cell[:, 1]
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    lefts, rights = [], []
    for dx, dy in _FORWARD:
        target = key + dx * width + dy
        start = np.searchsorted(ordered, target, "left")
        counts = np.searchsorted(ordered, target, "right") - start
        total = int(counts.sum())
        left = np.repeat(np.arange(n), counts)
        within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        right = order[np.repeat(start, counts) + within]
        if (dx, dy) == (0, 0):
            keep = left < right
            left, right = left[keep], right[keep]
        lefts.append(left)
        rights.append(right)
    left, right = np.concatenate(lefts), np.concatenate(rights)
    close = ((xy[left] - xy[right]) ** 2).sum(axis=1) <= radius * radius
    return left[close], right[close]


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Each node's component (its smallest member) for the edges ``left``–``right``, by
    repeated minimum label propagation with pointer jumping (vectorised)."""
    labels = np.arange(n)
    keep = left != right
    left, right = left[keep], right[keep]
    while True:
        low = np.minimum(labels[left], labels[right])
        new = labels.copy()
        np.minimum.at(new, left, low)
        np.minimum.at(new, right, low)
        while True:  # pointer jumping: each node to its label's label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new
