"""The demo's patrols: each grid's officer out on most mornings, with GPS tracks for the
last days, and where they went (``patrol_visits``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data import store
from data.demo.geometry import points_in
from data.demo.world import PATROL_DAYS, TRACK_DAYS, timespan
from data.field.tracks import locate_in, visit_rows


def patrols_and_tracks(grids: pd.DataFrame, officers: pd.DataFrame, rng: np.random.Generator,
                       as_of: datetime, tz: ZoneInfo) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A patrol per officer on most days (a few officers skip many), tracks for the last days."""
    local_now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    days = pd.date_range(end=local_now.normalize(), periods=PATROL_DAYS, freq="D")
    n_off = len(officers)
    diligence = np.where(rng.random(n_off) < 0.06, rng.uniform(0.15, 0.5, n_off),
                         rng.uniform(0.82, 0.98, n_off))
    weekend = np.asarray(days.day_of_week >= 5)
    p = diligence[:, None] * np.where(weekend, 0.5, 1.0)[None, :]
    went = rng.random((n_off, len(days))) < p
    # a few grids have had no officer for weeks (a vacancy the wall must show)
    vacant = rng.random(n_off) < 0.012
    gap = rng.integers(20, 60, n_off)
    went &= ~(vacant[:, None] & (np.arange(len(days))[None, :] >= len(days) - gap[:, None]))
    off_i, day_i = np.nonzero(went)
    start_local = (days.to_numpy()[day_i] + np.timedelta64(8, "h")
                   + (rng.uniform(0, 2.5, len(day_i)) * 3600).astype("timedelta64[s]"))
    minutes = rng.normal(125, 20, len(day_i)).clip(60, 200)
    start = (pd.Series(start_local).dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
             .dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"))
    ended = start + timespan(minutes, unit="m")
    end = pd.Timestamp(as_of)
    keep = (start <= end).to_numpy()
    patrols = pd.DataFrame({
        "officer_id": officers["id"].to_numpy()[off_i], "region_id":
        officers["region_id"].to_numpy()[off_i], "started_at": start,
        "ended_at": ended.where(ended <= end), "minutes": minutes,
    })[keep].sort_values(["started_at", "officer_id"]).reset_index(drop=True)
    patrols.insert(0, "id", np.arange(1, len(patrols) + 1))

    # tracks: one GPS fix every two minutes along a loop of waypoints inside the grid
    geom_of = dict(zip(grids["id"], grids["geom"]))
    recent = patrols["started_at"] >= end - pd.Timedelta(days=TRACK_DAYS)
    tracks: list[pd.DataFrame] = []
    speed_m_per_min = 55.0
    distance = np.full(len(patrols), np.nan)
    for row in patrols[recent].itertuples():
        geom = geom_of[row.region_id]
        way = points_in(geom, 7, rng)
        centre = way.mean(axis=0)
        way = way[np.argsort(np.arctan2(way[:, 1] - centre[1], way[:, 0] - centre[0]))]
        way = np.vstack([way, way[:1]])
        n_fix = max(int(row.minutes // 2), 2)
        t = np.linspace(0, len(way) - 1, n_fix)
        xs = np.interp(t, np.arange(len(way)), way[:, 0]) + rng.normal(0, 0.00004, n_fix)
        ys = np.interp(t, np.arange(len(way)), way[:, 1]) + rng.normal(0, 0.00004, n_fix)
        at = row.started_at + timespan(np.arange(n_fix) * 2, unit="m")
        ok = at <= end
        tracks.append(pd.DataFrame({"patrol_id": row.id, "at": at[ok], "lon": xs[ok].round(6),
                                    "lat": ys[ok].round(6)}))
    for row in patrols.itertuples():
        distance[row.id - 1] = row.minutes * speed_m_per_min * rng.uniform(0.8, 1.2)
    patrols["distance_m"] = distance.round(0)
    points = pd.concat(tracks, ignore_index=True) if tracks else pd.DataFrame(
        columns=["patrol_id", "at", "lon", "lat"])
    points.insert(0, "id", np.arange(1, len(points) + 1))
    return patrols.drop(columns=["minutes"]), points


def patrol_visits(patrols: pd.DataFrame, points: pd.DataFrame, grids: pd.DataFrame,
                  tz: ZoneInfo) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The patrols (a tracked one's distance is its track's) and their visits: from the
    track for a patrol with one (:func:`data.field.tracks.visit_rows`, the fixes placed in
    ``grids``), else one row in its own grid on the day it started (as a store made before
    visits were kept gets them: :func:`data.store.start_visits`)."""
    tracked = patrols["id"].isin(points["patrol_id"]).to_numpy()
    fixes = points.merge(patrols[["id", "officer_id"]].rename(columns={"id": "patrol_id"}),
                         on="patrol_id")
    fixes["region_id"] = locate_in(grids["id"].to_numpy(), grids["geom"].to_numpy(),
                                   grids["code"].to_numpy(), fixes["lon"].to_numpy(),
                                   fixes["lat"].to_numpy())
    from_tracks, distance = visit_rows(fixes, tz)
    patrols = patrols.copy()
    patrols.loc[tracked, "distance_m"] = (patrols.loc[tracked, "id"].map(distance)
                                          .round(0).to_numpy())
    visits = pd.concat([from_tracks, store.start_visits(patrols[~tracked], tz)],
                       ignore_index=True)
    visits["day"] = pd.to_datetime(visits["day"]).dt.strftime("%Y-%m-%d")
    for column in ("first_at", "last_at"):
        visits[column] = pd.to_datetime(visits[column]).astype("datetime64[us]")
    return patrols, visits.sort_values(["patrol_id", "day", "region_id"], ignore_index=True)
