"""The demo's cases and their history: when, where and what each case is, how the workflow
took it (returns, postponements, rework, suspensions, a share late), who reported it, and the
append-only events those times imply.

Every step draws from the one generator in a fixed order, so the same seed and ``as_of``
give the same cases; a step that drew earlier or later would change them all.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data import schema
from data.deadlines import deadlines
from data.demo.catalogue import CATEGORIES, STREETS
from data.demo.geometry import points_in
from data.demo.world import CASE_DAYS, Scale, timespan

SOURCE_SHARES = {"patrol": 0.52, "hotline": 0.16, "app": 0.12, "video": 0.11,
                 "referral": 0.04, "online": 0.03, "other": 0.02}
CLASS_SHARES = {schema.FACILITY: 0.28, schema.INCIDENT: 0.64, schema.DISPUTE: 0.08}


def _day_weights(days: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Relative case volume per local day: weekly rhythm, summer peak, slow growth, noise."""
    dow = days.day_of_week.to_numpy()
    weekly = np.where(dow >= 5, 0.62, 1.0) * np.where(dow == 0, 1.08, 1.0)
    doy = days.day_of_year.to_numpy()
    seasonal = 1 + 0.22 * np.sin(2 * np.pi * (doy - 100) / 365.25)
    trend = np.linspace(0.92, 1.08, len(days))
    holiday = np.ones(len(days))
    # Spring Festival lull (roughly late January to mid February)
    holiday[(days.month == 2) & (days.day <= 12)] = 0.55
    noise = rng.lognormal(0, 0.08, len(days))
    return weekly * seasonal * trend * holiday * noise


HOUR_CITIZEN = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.4, 2.2, 2.6, 2.6, 2.3,
                         1.6, 1.8, 2.3, 2.4, 2.2, 1.9, 1.7, 1.6, 1.5, 1.2, 0.8, 0.5])
HOUR_PATROL = np.array([0, 0, 0, 0, 0, 0, 0.1, 0.8, 3.0, 3.6, 3.4, 2.4,
                        0.6, 0.9, 2.8, 3.2, 2.9, 1.6, 0.4, 0.1, 0, 0, 0, 0])


def _lognormal_hours(rng, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


#: The case frame's columns in order; those starting with "_" date the history's extra steps
#: and are used for events only.
_COLUMNS = (
    "reported_at", "source", "case_class", "category", "subcategory", "department_id",
    "status", "urgent", "description", "address", "lon", "lat", "region_id", "officer_id",
    "reporter", "filed_at", "dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at",
    "resolved_level", "satisfaction", "mediation_outcome", "mediated_at",
    "_returned", "_returned_at", "_first_dispatch", "_postponed", "_postponed_at", "_rework",
    "_first_resolve", "_rework_at", "_suspended", "_suspended_at", "_rated_at", "_rated",
)


def cases_and_history(regions: pd.DataFrame, officers: pd.DataFrame, categories: pd.DataFrame,
                      scale: Scale, rng: np.random.Generator, as_of: datetime, tz: ZoneInfo
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases and their history, as two frames ready to insert."""
    end = pd.Timestamp(as_of)
    reported, source = _report_times(scale, rng, as_of, tz)
    grids = regions[regions["is_leaf"]].reset_index(drop=True)
    grid_i, places = _places(grids, len(source), rng)
    cat, dispute = _categories(categories, len(source), rng)
    plan = _dispatch_plan(reported, source, cat, rng, tz)
    plan = _handling_plan(plan, reported, cat, rng)
    done = _steps_taken(plan, end)
    outcomes = _outcomes(source, dispute, plan["late"], done, rng, end)
    people = _reporters(grids, grid_i, officers, source)
    texts = _texts(grids, grid_i, cat, rng)
    history = {"_returned": plan["returned"], "_returned_at": plan["returned_at"],
               "_first_dispatch": plan["first_dispatch"], "_postponed": plan["postponed"],
               "_postponed_at": plan["postponed_at"], "_rework": plan["rework"],
               "_first_resolve": plan["first_resolve"], "_rework_at": plan["rework_at"],
               "_suspended": done.pop("suspended_now"), "_suspended_at": plan["suspended_at"]}
    columns = {"reported_at": reported, "source": source, "case_class": cat["case_class"],
               "category": cat["category"], "subcategory": cat["subcategory"],
               "department_id": cat["department_id"], **places, **done, **outcomes, **people,
               **texts, **history}
    frame = _case_frame(columns, tz)
    events = _events(frame, end)
    return frame, events


def _report_times(scale: Scale, rng: np.random.Generator, as_of: datetime, tz: ZoneInfo
                  ) -> tuple[pd.Series, np.ndarray]:
    """When and by which channel each case was reported (up to ``as_of``): a local day by the
    day weights, an hour by the source's daily profile."""
    n = int(round(scale.cases_per_year * CASE_DAYS / 365))
    local_now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    days = pd.date_range(end=local_now.normalize(), periods=CASE_DAYS, freq="D")
    source_keys = np.array(list(SOURCE_SHARES))
    source = source_keys[rng.choice(len(source_keys), n, p=list(SOURCE_SHARES.values()))]
    patrol = source == "patrol"
    w = _day_weights(days, rng)
    day_i = rng.choice(len(days), n, p=w / w.sum())
    # patrols pause at weekends more than citizens do
    weekend = days.day_of_week.to_numpy()[day_i] >= 5
    redraw = patrol & weekend & (rng.random(n) < 0.35)
    day_i[redraw] = rng.choice(len(days), redraw.sum(), p=w / w.sum())
    hour = np.where(patrol, rng.choice(24, n, p=HOUR_PATROL / HOUR_PATROL.sum()),
                    rng.choice(24, n, p=HOUR_CITIZEN / HOUR_CITIZEN.sum()))
    video = source == "video"
    hour[video] = rng.integers(0, 24, video.sum())
    local = (days.to_numpy()[day_i] + hour.astype("timedelta64[h]")
             + rng.integers(0, 3600, n).astype("timedelta64[s]"))
    reported = (pd.Series(local).dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
                .dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"))
    keep = (reported <= pd.Timestamp(as_of)).to_numpy()
    return reported[keep].reset_index(drop=True), source[keep]


def _places(grids: pd.DataFrame, n: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Where: a grid by its weight (urban, busy, hot spots), a point inside it; the grids'
    positions and the points' ``lon``/``lat``."""
    gw = (0.35 + grids["urban"].to_numpy()) * rng.lognormal(0, 0.45, len(grids))
    hot = rng.random(len(grids)) < 0.04
    gw[hot] *= 4.0
    grid_i = rng.choice(len(grids), n, p=gw / gw.sum())
    lon = np.empty(n)
    lat = np.empty(n)
    order = np.argsort(grid_i, kind="stable")
    bounds = np.searchsorted(grid_i[order], np.arange(len(grids) + 1))
    for g in range(len(grids)):
        idx = order[bounds[g]:bounds[g + 1]]
        if len(idx) == 0:
            continue
        geom = grids.at[g, "geom"]
        n_hot = int(len(idx) * (0.45 if hot[g] else 0.15))
        spot = np.array(geom.representative_point().coords[0])
        spread = np.sqrt(geom.area) * 0.08
        pts = np.concatenate([points_in(geom, n_hot, rng, around=spot, spread=spread),
                              points_in(geom, len(idx) - n_hot, rng)])
        lon[idx], lat[idx] = pts[:, 0], pts[:, 1]
    return grid_i, {"lon": lon.round(6), "lat": lat.round(6)}


def _categories(categories: pd.DataFrame, n: int, rng: np.random.Generator
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """What: a class, then a subcategory by its weight within the class; each case's row of
    the category table, and whether it is a dispute."""
    klass_keys = np.array(list(CLASS_SHARES))
    klass = klass_keys[rng.choice(3, n, p=list(CLASS_SHARES.values()))]
    cat_i = np.empty(n, dtype=int)
    for k in klass_keys:
        rows = np.flatnonzero(categories["case_class"].to_numpy() == k)
        weights = categories["weight"].to_numpy()[rows]
        mask = klass == k
        cat_i[mask] = rows[rng.choice(len(rows), mask.sum(), p=weights / weights.sum())]
    cat = categories.iloc[cat_i].reset_index(drop=True)
    dispute = klass == schema.DISPUTE
    return cat, dispute


def _dispatch_plan(reported: pd.Series, source: np.ndarray, cat: pd.DataFrame,
                   rng: np.random.Generator, tz: ZoneInfo) -> dict:
    """The workflow's planned times up to dispatch and the deadline (they happen only if
    before ``as_of``): some cases are voided, some returned and dispatched again, a few
    postponed."""
    n = len(source)
    voided = rng.random(n) < np.where(source == "hotline", 0.09, 0.045)
    filed = reported + timespan(_lognormal_hours(rng, 0.35, 0.9, n), unit="h")
    first_dispatch = filed + timespan(_lognormal_hours(rng, 0.4, 0.9, n), unit="h")
    returned = (~voided) & (rng.random(n) < 0.07)
    dispatched = first_dispatch.copy()
    dispatched[returned] = first_dispatch[returned] + timespan(
        _lognormal_hours(rng, 3, 0.7, returned.sum()), unit="h")
    returned_at = first_dispatch + (dispatched - first_dispatch) * 0.6

    due = deadlines(dispatched, cat["time_limit"], cat["time_unit"], tz)
    span = (due - dispatched).dt.total_seconds().to_numpy() / 3600
    postponed = (~voided) & (rng.random(n) < 0.035)
    postponed_at = dispatched + timespan(span * rng.uniform(0.3, 0.9, n), unit="h")
    due[postponed] = due[postponed] + timespan(span[postponed] * 0.8 + 24, unit="h")
    span_final = (due - dispatched).dt.total_seconds().to_numpy() / 3600
    return {"voided": voided, "filed": filed, "first_dispatch": first_dispatch,
            "returned": returned, "dispatched": dispatched, "returned_at": returned_at,
            "due": due, "postponed": postponed, "postponed_at": postponed_at,
            "span_final": span_final}


def _handling_plan(plan: dict, reported: pd.Series, cat: pd.DataFrame,
                   rng: np.random.Generator) -> dict:
    """``plan`` with the planned times after dispatch: how long handling takes, as a share of
    the time allowed (a tail runs late, some stall), rework, verification, suspensions; and
    when a voided case is found out."""
    n = len(reported)
    voided, dispatched, span_final = plan["voided"], plan["dispatched"], plan["span_final"]
    share = rng.lognormal(np.log(0.4), 0.5, n)
    late = rng.random(n) < 0.04
    share[late] = rng.uniform(1.02, 2.5, late.sum())
    stalled = (~voided) & (rng.random(n) < 0.008)
    share[stalled] = rng.uniform(4, 40, stalled.sum())
    handle_h = np.maximum(span_final * share, 0.2)
    resolved = dispatched + timespan(handle_h, unit="h")
    rework = (~voided) & (rng.random(n) < 0.035)
    first_resolve = resolved.copy()
    resolved[rework] = resolved[rework] + timespan(
        span_final[rework] * rng.uniform(0.1, 0.4, rework.sum()) + 2, unit="h")
    rework_at = first_resolve + (resolved - first_resolve) * 0.3
    # verification: quick, and on schedule for a case handled in time
    verify_h = _lognormal_hours(rng, 1.2, 0.8, n)
    in_time = (share < 1) & ~rework
    room = np.maximum(span_final * (1 - share), 0.05) * rng.uniform(0.2, 0.9, n)
    verify_h[in_time] = np.minimum(verify_h, room)[in_time]
    verify_h[late] *= 2
    closed = resolved + timespan(verify_h, unit="h")
    suspended = (~voided) & (rng.random(n) < 0.004) & (cat["case_class"] != schema.DISPUTE)
    suspended_at = dispatched + timespan(span_final * 0.5, unit="h")
    # a suspended case waits for seasonal or engineering work: months, not days
    long_wait = timespan(rng.uniform(60, 200, n), unit="D")
    resolved[suspended] = resolved[suspended] + long_wait[suspended]
    closed[suspended] = closed[suspended] + long_wait[suspended]

    voided_at = reported + timespan(_lognormal_hours(rng, 1.5, 0.8, n), unit="h")
    return {**plan, "late": late, "resolved": resolved, "rework": rework,
            "first_resolve": first_resolve, "rework_at": rework_at, "closed": closed,
            "suspended": suspended, "suspended_at": suspended_at, "voided_at": voided_at}


def _happened(times: pd.Series, end: pd.Timestamp, mask=None) -> pd.Series:
    """``times`` where they are not after ``end`` (and ``mask`` holds), else missing."""
    ok = times <= end
    if mask is not None:
        ok &= mask
    return times.where(ok)


def _steps_taken(plan: dict, end: pd.Timestamp) -> dict:
    """The planned times that happened by ``end``, the status each case is left in, and its
    deadline once dispatched."""
    voided, suspended, suspended_at = plan["voided"], plan["suspended"], plan["suspended_at"]
    voided_at = _happened(plan["voided_at"], end, voided)
    is_void = voided_at.notna().to_numpy()
    live = ~voided
    filed_at = _happened(plan["filed"], end, live)
    dispatched_at = _happened(plan["dispatched"], end, live & filed_at.notna().to_numpy())
    resolved_at = _happened(plan["resolved"], end, dispatched_at.notna().to_numpy())
    closed_at = _happened(plan["closed"], end, resolved_at.notna().to_numpy())
    suspended_now = suspended & dispatched_at.notna().to_numpy() & resolved_at.isna().to_numpy() \
        & (suspended_at <= end).to_numpy()

    status = np.full(len(voided), schema.REPORTED, dtype=object)
    status[filed_at.notna().to_numpy()] = schema.FILED
    status[dispatched_at.notna().to_numpy()] = schema.DISPATCHED
    status[suspended_now] = schema.SUSPENDED
    status[resolved_at.notna().to_numpy()] = schema.RESOLVED
    status[closed_at.notna().to_numpy()] = schema.CLOSED
    status[is_void] = schema.VOIDED
    # a case to be voided but not yet verified still waits as "reported"
    due_at = plan["due"].where(dispatched_at.notna())
    return {"status": status, "filed_at": filed_at, "dispatched_at": dispatched_at,
            "resolved_at": resolved_at, "closed_at": closed_at, "voided_at": voided_at,
            "due_at": due_at, "suspended_now": suspended_now}


def _outcomes(source: np.ndarray, dispute: np.ndarray, late: np.ndarray, done: dict,
              rng: np.random.Generator, end: pd.Timestamp) -> dict:
    """Where each case was resolved (patrol finds are mostly fixed in the grid), how its
    mediation ended, and whether and how the reporter rated it."""
    n = len(source)
    patrol = source == "patrol"
    resolved_at, closed_at = done["resolved_at"], done["closed_at"]
    levels = np.array(["grid", "community", "town", "district"])
    p_patrol = np.array([0.86, 0.08, 0.04, 0.02])
    p_other = np.array([0.52, 0.20, 0.17, 0.11])
    level_draw = np.where(patrol, _choice_rows(rng, p_patrol, n), _choice_rows(rng, p_other, n))
    resolved_level = pd.Series(levels[level_draw]).where(resolved_at.notna())

    # mediation and satisfaction
    mediated_at = resolved_at.where(dispute)
    outcome = np.where(rng.random(n) < 0.965, schema.MEDIATION_SUCCESS, schema.MEDIATION_FAILURE)
    mediation = pd.Series(outcome).where(mediated_at.notna())
    citizen = np.isin(source, ["hotline", "app", "online"])
    rated_at = closed_at + timespan(_lognormal_hours(rng, 6, 0.7, n), unit="h")
    rated = closed_at.notna().to_numpy() & (rng.random(n) < np.where(citizen, 0.75, 0.25)) \
        & (rated_at <= end).to_numpy()
    sat_draw = _choice_rows(rng, np.array([0.87, 0.095, 0.035]), n)
    sat_draw[late & (rng.random(n) < 0.5)] = 2
    satisfaction = pd.Series(np.array(schema.SATISFACTIONS)[sat_draw]).where(rated)
    return {"resolved_level": resolved_level, "satisfaction": satisfaction,
            "mediation_outcome": mediation, "mediated_at": mediated_at, "_rated_at": rated_at,
            "_rated": rated}


def _reporters(grids: pd.DataFrame, grid_i: np.ndarray, officers: pd.DataFrame,
               source: np.ndarray) -> dict:
    """Who: each case's grid and its officer; the officer reports the patrol finds, the
    channel names the reporter of the others."""
    patrol = source == "patrol"
    grid_ids = grids["id"].to_numpy()[grid_i]
    officer_of = dict(zip(officers["region_id"], officers["id"]))
    officer_name = dict(zip(officers["id"], officers["name"]))
    officer_id = np.array([officer_of[g] for g in grid_ids])
    reporter = np.where(patrol, pd.Series(officer_id).map(officer_name).to_numpy(),
                        pd.Series(source).map(_REPORTER).to_numpy())
    return {"region_id": grid_ids, "officer_id": officer_id, "reporter": reporter}


def _texts(grids: pd.DataFrame, grid_i: np.ndarray, cat: pd.DataFrame,
           rng: np.random.Generator) -> dict:
    """Whether a case is urgent, its street address in the grid, and its description."""
    n = len(grid_i)
    urgent = (cat["time_unit"].to_numpy() == schema.HOURS) & (cat["time_limit"].to_numpy() <= 2) \
        & (rng.random(n) < 0.3)
    town_name = grids["town_name"].to_numpy()[grid_i]
    comm_name = grids["community_name"].to_numpy()[grid_i]
    street = np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    number = rng.integers(1, 400, n).astype(str)
    address = (pd.Series(town_name) + pd.Series(comm_name) + pd.Series(street)
               + pd.Series(number) + "号")
    description = cat["subcategory"].map(_DESCRIPTION_OF).to_numpy()
    return {"urgent": urgent, "description": description, "address": address}


def _case_frame(columns: dict, tz: ZoneInfo) -> pd.DataFrame:
    """The cases in the order they were reported, with ids and codes: one code for life, the
    date of report and the running number of that day (local)."""
    reported = columns["reported_at"]
    order = np.argsort(reported.to_numpy(), kind="stable")
    frame = pd.DataFrame({name: columns[name] for name in _COLUMNS}
                         ).iloc[order].reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    local_day = (frame["reported_at"].dt.tz_localize("UTC").dt.tz_convert(tz)
                 .dt.strftime("%Y%m%d"))
    seq = frame.groupby(local_day).cumcount() + 1
    frame.insert(1, "code", "SJ" + local_day + seq.map("{:05d}".format))
    frame["location_method"] = schema.LOCATED_BY_POINT
    frame["version"] = 1
    frame["updated_at"] = frame[["reported_at", "filed_at", "dispatched_at", "resolved_at",
                                 "closed_at", "voided_at"]].max(axis=1)
    return frame


def _choice_rows(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(p), n, p=p / p.sum())


_REPORTER = {"hotline": "12345热线来电", "app": "群众APP上报", "video": "视频智能识别",
             "referral": "上级交办", "online": "网上受理", "other": "其他渠道"}
_DESCRIPTION_OF = {
    sub: (f"{sub}损坏或缺失，影响使用" if klass == schema.FACILITY
          else f"{sub}，当事人申请调解" if klass == schema.DISPUTE
          else f"发现{sub}，请及时处置")
    for _, klass, _, sub, *_ in CATEGORIES
}


def _events(cases: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The append-only history each case's timestamps imply."""
    parts: list[pd.DataFrame] = []

    def add(mask, at, action, from_status, to_status, actor=None, note=None):
        times = cases[at] if isinstance(at, str) else at
        mask = (np.array(mask, dtype=bool) & (times <= end).to_numpy()
                & times.notna().to_numpy())
        if not mask.any():
            return
        parts.append(pd.DataFrame({
            "case_id": cases["id"].to_numpy()[mask], "action": action,
            "from_status": from_status, "to_status": to_status,
            "actor": actor if isinstance(actor, str) or actor is None else actor[mask],
            "note": note, "at": times.to_numpy()[mask],
        }))

    every = np.ones(len(cases), dtype=bool)
    dispatched = cases["dispatched_at"].notna().to_numpy()
    add(every, "reported_at", "report", None, schema.REPORTED, cases["reporter"].to_numpy())
    add(every, "voided_at", "void", schema.REPORTED, schema.VOIDED, "指挥中心", "核实不属实，作废")
    add(every, "filed_at", "file", schema.REPORTED, schema.FILED, "指挥中心")
    returned = cases["_returned"].to_numpy() & dispatched
    add(returned, cases["_first_dispatch"], "dispatch", schema.FILED, schema.DISPATCHED, "指挥中心")
    add(returned, cases["_returned_at"], "return", schema.DISPATCHED, schema.FILED, None,
        "非本单位职责，申请回退")
    add(every, "dispatched_at", "dispatch", schema.FILED, schema.DISPATCHED, "指挥中心")
    add(cases["_postponed"].to_numpy() & dispatched, cases["_postponed_at"], "postpone",
        schema.DISPATCHED, schema.DISPATCHED, None, "申请延期，已批准")
    add(cases["_suspended"].to_numpy(), cases["_suspended_at"], "suspend", schema.DISPATCHED,
        schema.SUSPENDED, "指挥中心", "需季节性或工程性处置，挂账")
    rework = cases["_rework"].to_numpy() & cases["resolved_at"].notna().to_numpy()
    add(rework, cases["_first_resolve"], "resolve", schema.DISPATCHED, schema.RESOLVED)
    add(rework, cases["_rework_at"], "rework", schema.RESOLVED, schema.DISPATCHED, "指挥中心",
        "核查未通过，返工")
    add(every, "resolved_at", "resolve", schema.DISPATCHED, schema.RESOLVED)
    add(cases["mediation_outcome"].notna().to_numpy(), "mediated_at", "mediate",
        schema.RESOLVED, schema.RESOLVED, None, None)
    add(every, "closed_at", "close", schema.RESOLVED, schema.CLOSED, "指挥中心", "核查通过，结案")
    add(cases["_rated"].to_numpy(), cases["_rated_at"], "rate", schema.CLOSED, schema.CLOSED,
        None, None)
    events = pd.concat(parts, ignore_index=True)
    events = events.sort_values(["at", "case_id"], kind="stable").reset_index(drop=True)
    events.insert(0, "id", np.arange(1, len(events) + 1))
    return events
