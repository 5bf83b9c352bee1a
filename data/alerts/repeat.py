"""Repeat location (重复投诉): the same spot reporting again and again.

``min_cases`` or more cases within ``radius_m`` metres of one of them (a spot: near
neighbours are linked into clusters, and a cluster spread wider than that, such as a
chain of graffiti along a street, is cut into spots, :func:`spots`), reported within the last
``days`` days up to ``as_of`` (the interval ``(as_of - days, as_of]``), closed or not;
voided ones (voided by ``as_of``) and cases without a point (lon/lat) are left out. With
``same_category`` only cases of one subcategory make a cluster (cases without one none).
A spot must have been reported on at least ``min_days`` local days of the deployment
(default 1): a problem that comes back, not one event reported many times over within
hours (a crew logging each tag of one wall, a crowd calling about one fire: those are
duplicates, for the intake's duplicate hints).

Distances: the points (WGS-84 lon/lat) are projected to metres by an equirectangular
projection about the cases' mean latitude (x = R·λ·cos φ₀, y = R·φ): over a county the
error is well under a metre at 50 m. Neighbours come from a grid hash (each point
compared with those of its own and the neighbouring cells, :func:`close_pairs`),
clusters from the pairs' connected components: no comparison of every pair, so a month
of a county's cases (~18,000 points) takes milliseconds.

A finding per cluster, keyed by its episode so that the same problem keeps one alert
while it goes on, even longer than the window: key ``repeat_location:<case id>`` (with
``same_category``: ``repeat_location:<subcategory>:<case id>``), the case being the
earliest (smallest id) of the cases linked to the cluster by steps within ``radius_m``
metres and ``days`` days of each other, among those reported since the start of the
fixed epoch (``days`` long, counted from :data:`EPOCH`) that holds the window's start.
The key stays as the cluster grows and as its first cases leave the window; a spot quiet
for longer than ``days`` starts a new episode; a spot that never goes quiet gets a new
key at most once an epoch (the rule reads no state, and no further back than that).
Two clusters of one episode: the one holding its earliest case has that key, the other
its own earliest case's.

Level by size: ``red_cases`` or more red, ``orange_cases`` or more orange, else yellow.
``region_id``: the region holding most of the cluster's cases (ties: the smallest region
id; None when none is placed). ``started_at``: the report of the key's case (the
episode's start). ``facts``: ``cases`` (how many), ``radius_m``, ``days``, ``category``
(the subcategory with ``same_category``, else None), ``lon``/``lat`` (the mean of the
cases' points, where a map puts the alert's marker).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, case, select

from data.alerts.finding import ORANGE, RED, YELLOW, Finding
from data.alerts.history import not_voided_at, reports_only, rows_by_id
from data.models import Case
from data.periods import local_date
from data.sql import epoch_hours, plain_rows
from data.store import deployment_timezone

RULE = "repeat_location"
#: The mean Earth radius (metres) of the projection.
EARTH_RADIUS_M = 6_371_008.8
#: Where the fixed epochs of the keys are counted from (:func:`epoch_start`).
EPOCH = datetime(2000, 1, 1)


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The clusters of cases close together at ``as_of`` (naive UTC)."""
    radius = float(params["radius_m"])
    min_cases = int(params["min_cases"])
    min_days = int(params.get("min_days", 1))
    same_category = bool(params["same_category"])
    red_cases, orange_cases = int(params["red_cases"]), int(params["orange_cases"])
    if radius <= 0 or min_cases < 2:
        raise ValueError(f"{RULE}: radius_m must be above 0 and min_cases at least 2, got "
                         f"{params['radius_m']!r} and {params['min_cases']!r}")
    span = timedelta(days=float(params["days"]))
    window_start = as_of - span
    since = epoch_start(window_start, span)
    c = Case
    # the window's cases and those of the epoch before it (for the keys), straight from
    # the driver (datetimes cost PostgreSQL's driver and numpy more than the query):
    # whether in the window, the report in hours; in the order of the ids, sorted here
    # (SQLite's sort of the rows took longer than reading them)
    query = (select(c.id, c.lon, c.lat, c.subcategory, c.region_id,
                    case((c.reported_at > window_start, 1), else_=0),
                    epoch_hours(c.reported_at))
             .where(c.reported_at > since, c.reported_at <= as_of, c.lon.is_not(None),
                    c.lat.is_not(None), not_voided_at(as_of), reports_only()))
    rows = sorted(plain_rows(conn.execute(query)))
    in_window = np.array([row[5] for row in rows], dtype=bool)
    if in_window.sum() < min_cases:
        return []
    hours = np.array([row[6] for row in rows], dtype=float)
    xy = project([row[1] for row in rows], [row[2] for row in rows])
    if same_category:
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row[3] is not None:  # a case of no subcategory is of no one subcategory
                groups.setdefault(row[3], []).append(i)
        members = [np.array(idx) for idx in groups.values()
                   if in_window[idx].sum() >= min_cases]
    else:
        members = [np.arange(len(rows))]
    found = [(among[cluster], among[anchor]) for among in members
             for cluster, anchor in anchored_clusters(
                 xy[among], hours[among], in_window[among], radius,
                 span.total_seconds() / 3600, min_cases)]
    if min_days > 1:  # a problem coming back, not one event reported over and over
        found = _on_days(conn, found, [row[0] for row in rows], min_days)
    # one key per cluster: its episode's earliest case, unless a cluster of the same
    # episode with an earlier case of its own took it (then its own earliest)
    found.sort(key=lambda f: f[0][0])
    taken: set[int] = set()
    keyed = []
    for cluster, anchor in found:
        if rows[anchor][0] in taken:
            anchor = cluster[0]
        taken.add(rows[anchor][0])
        keyed.append(([rows[i] for i in cluster], rows[anchor][0]))
    reported = dict(rows_by_id(conn, [c.id, c.reported_at],
                               [anchor_id for _, anchor_id in keyed]))
    findings = [_finding(cluster, anchor_id, reported[anchor_id], params, same_category,
                         red_cases, orange_cases) for cluster, anchor_id in keyed]
    findings.sort(key=lambda f: f.key)
    return findings


def _on_days(conn: Connection, found: list, ids: list[int], min_days: int) -> list:
    """The ``found`` (cluster rows, anchor row) whose cases were reported on at least
    ``min_days`` local days of the deployment (``ids``: the case id of each row)."""
    wanted = sorted({ids[i] for cluster, _ in found for i in cluster})
    reported = dict(rows_by_id(conn, [Case.id, Case.reported_at], wanted))
    tz = deployment_timezone(conn)
    day = {case_id: local_date(at, tz) for case_id, at in reported.items()}
    return [(cluster, anchor) for cluster, anchor in found
            if len({day[ids[i]] for i in cluster}) >= min_days]


def epoch_start(moment: datetime, span: timedelta) -> datetime:
    """The start of the fixed epoch of length ``span`` (counted from :data:`EPOCH`) that
    holds ``moment``: the same for every moment of the epoch."""
    return EPOCH + span * ((moment - EPOCH) // span)


def _finding(rows: list, anchor_id: int, started_at: datetime, params: dict,
             same_category: bool, red_cases: int, orange_cases: int) -> Finding:
    """One cluster's finding (``rows``: id, lon, lat, subcategory, region id, ...)."""
    category = rows[0][3] if same_category else None
    key = f"{RULE}:{category}:{anchor_id}" if same_category else f"{RULE}:{anchor_id}"
    n = len(rows)
    level = RED if n >= red_cases else ORANGE if n >= orange_cases else YELLOW
    held = Counter(row[4] for row in rows if row[4] is not None)
    region_id = min(held, key=lambda r: (-held[r], r)) if held else None
    return Finding(rule=RULE, key=key, level=level, region_id=region_id,
                   started_at=started_at, case_ids=tuple(sorted(row[0] for row in rows)),
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
    return _groups(_components(n, left, right), np.ones(n, dtype=bool), min_size)


def anchored_clusters(xy: np.ndarray, hours: np.ndarray, in_window: np.ndarray,
                      radius: float, span_hours: float, min_size: int
                      ) -> list[tuple[np.ndarray, int]]:
    """The clusters (:func:`clusters`) of the points ``in_window``, each with its anchor:
    the first point (rows in the order of the cases' ids) of its episode, the points
    linked to it by steps within ``radius`` metres and ``span_hours`` hours of each other
    (every point given, the window's and those before it)."""
    n = len(xy)
    if n == 0:
        return []
    left, right = close_pairs(xy, radius)
    near = np.abs(hours[left] - hours[right]) <= span_hours
    episode = _components(n, left[near], right[near])
    both = in_window[left] & in_window[right]
    left, right = left[both], right[both]
    labels = _components(n, left, right)
    # each cluster's own pairs, found once: the pairs sorted by their cluster's label
    order = np.argsort(labels[left], kind="stable")
    sorted_labels = labels[left][order]
    found = []
    for cluster in _groups(labels, in_window, min_size):
        label = labels[cluster[0]]
        mine = order[np.searchsorted(sorted_labels, label, "left"):
                     np.searchsorted(sorted_labels, label, "right")]
        found += spots(cluster, left[mine], right[mine], min_size)
    return [(cluster, int(episode[cluster[0]])) for cluster in sorted(found, key=lambda c: c[0])]


def spots(cluster: np.ndarray, left: np.ndarray, right: np.ndarray,
          min_size: int) -> list[np.ndarray]:
    """A single-linkage ``cluster`` (row positions; ``left``–``right``: its close pairs)
    cut into spots, so that a chain along a street is not one
    "location": each spot is a case and the cases within the radius of it (every pair of
    a spot at most twice the radius apart). Greedy and deterministic: the case with the
    most unassigned neighbours (ties: the first row, the smallest id) takes them, while one
    can still make a spot of ``min_size``; cases left over make none. A cluster whose
    cases are all within the radius of one of them is one spot, unchanged."""
    degree = np.bincount(np.concatenate([left, right]), minlength=int(cluster.max()) + 1)
    if (degree[cluster] >= len(cluster) - 1).any():
        return [cluster]
    near: dict[int, set[int]] = {int(i): {int(i)} for i in cluster}
    for a, b in zip(left.tolist(), right.tolist()):
        near[a].add(b)
        near[b].add(a)
    free = set(near)
    found = []
    while free:
        count, centre = max((len(near[i] & free), -i) for i in free)
        if count < min_size:
            break
        spot = near[-centre] & free
        found.append(np.array(sorted(spot)))
        free -= spot
    return found


def _groups(labels: np.ndarray, kept: np.ndarray, min_size: int) -> list[np.ndarray]:
    """The rows of each label among the ``kept`` rows, for labels of ``min_size`` or more
    of them, in the order of their first rows."""
    kept = np.flatnonzero(kept)
    sizes = np.bincount(labels[kept], minlength=len(labels))
    kept = kept[sizes[labels[kept]] >= min_size]
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
