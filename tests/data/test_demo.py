"""The demo county: deterministic, nested, located, ordered, and shaped like real work.

The checks read the store back with plain SQL, pandas and shapely; none of them reuses the
generator's own arithmetic.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, text

from data import schema, store
from data.demo import county, places, world
from data.deadlines import deadline, deadlines
from data.report import summarize

AS_OF = datetime(2026, 11, 20, 9, 0)


def _frame(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def _times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], format="mixed")
    return frame


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, county.DemoReport]:
    """One small demo county in SQLite, shared by the read-only checks below."""
    path = tmp_path_factory.mktemp("demo") / "small.sqlite3"
    engine = store.make_engine(f"sqlite:///{path}")
    report = county.build_demo(engine, scale="small", seed=11, as_of=AS_OF)
    yield engine, report
    engine.dispose()


def _fingerprint(engine: Engine) -> str:
    digest = hashlib.sha256()
    for sql in ("SELECT code, name, level, depth, geometry FROM regions ORDER BY code",
                "SELECT code, status, source, subcategory, lon, lat, reported_at, closed_at, "
                "due_at, satisfaction FROM cases ORDER BY code",
                "SELECT case_id, action, at FROM case_events ORDER BY id",
                "SELECT officer_id, started_at, distance_m FROM patrols ORDER BY id",
                "SELECT patrol_id, at, lon, lat FROM patrol_points ORDER BY id"):
        with engine.connect() as conn:
            for row in conn.execute(text(sql)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_same_seed_same_county_other_seed_other_county(tmp_path, small):
    engine, _ = small
    again = store.make_engine(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    county.build_demo(again, scale="small", seed=11, as_of=AS_OF)
    other = store.make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    county.build_demo(other, scale="small", seed=12, as_of=AS_OF)
    assert _fingerprint(again) == _fingerprint(engine)
    assert _fingerprint(other) != _fingerprint(engine)


def test_report_counts_what_is_stored(small):
    engine, report = small
    counts = _frame(engine, """
        SELECT (SELECT COUNT(*) FROM regions) AS regions,
               (SELECT COUNT(*) FROM regions r WHERE NOT EXISTS
                   (SELECT 1 FROM regions c WHERE c.parent_id = r.id)) AS grids,
               (SELECT COUNT(*) FROM cases) AS cases,
               (SELECT COUNT(*) FROM case_events) AS events,
               (SELECT COUNT(*) FROM officers) AS officers,
               (SELECT COUNT(*) FROM patrols) AS patrols,
               (SELECT COUNT(*) FROM patrol_points) AS patrol_points""").iloc[0]
    for key in counts.index:
        assert getattr(report, key) == counts[key], key
    assert report.grids == report.officers


def test_levels_are_the_default_four_and_codes_nest(small):
    engine, _ = small
    levels = _frame(engine, "SELECT depth, name FROM region_levels ORDER BY depth")
    assert list(levels["name"]) == ["区县", "乡镇街道", "社区村", "网格"]
    regions = _frame(engine, "SELECT r.code, r.depth, r.level, p.code AS parent_code "
                             "FROM regions r LEFT JOIN regions p ON p.id = r.parent_id")
    assert (regions["level"] == regions["depth"].map(dict(zip(levels.depth, levels.name)))).all()
    child = regions.dropna(subset=["parent_code"])
    assert all(code.startswith(parent) and len(code) == len(parent) + 3
               for code, parent in zip(child["code"], child["parent_code"]))
    assert regions["code"].is_unique


def test_children_tile_their_parent_and_are_not_rectangles(small):
    engine, _ = small
    regions = _frame(engine, "SELECT id, parent_id, geometry FROM regions")
    geoms = dict(zip(regions["id"], shapely.from_wkb(regions["geometry"])))
    by_parent = regions.dropna(subset=["parent_id"]).groupby("parent_id")["id"].apply(list)
    for parent_id, child_ids in by_parent.items():
        parent = geoms[int(parent_id)]
        union = shapely.union_all([geoms[c] for c in child_ids])
        # the children cover the parent and nothing outside it, up to a strip one
        # storage-precision step (1e-6°) wide along the boundary
        assert shapely.symmetric_difference(union, parent).area < parent.length * 2e-6
        total = sum(geoms[c].area for c in child_ids)
        assert total == pytest.approx(parent.area, rel=1e-4)  # no overlaps either
    rectangular = [g for g in geoms.values()
                   if g.area / g.envelope.area > 0.999]
    assert len(rectangular) < len(geoms) * 0.05


def test_every_case_lies_in_its_grid(small):
    engine, _ = small
    cases = _frame(engine, "SELECT c.lon, c.lat, r.geometry, r.depth FROM cases c "
                           "JOIN regions r ON r.id = c.region_id")
    leaf_depth = _frame(engine, "SELECT MAX(depth) AS d FROM regions")["d"][0]
    assert (cases["depth"] == leaf_depth).all()
    polygons = shapely.from_wkb(cases["geometry"].to_numpy())
    points = shapely.points(cases["lon"].to_numpy(), cases["lat"].to_numpy())
    inside = shapely.covers(shapely.buffer(polygons, 1e-6), points)
    assert inside.all(), f"{(~inside).sum()} cases outside their grid"


def test_workflow_times_are_in_order_and_match_the_status(small):
    engine, report = small
    c = _times(_frame(engine, "SELECT * FROM cases"), "reported_at", "filed_at",
               "dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at")
    steps = ["reported_at", "filed_at", "dispatched_at", "resolved_at", "closed_at"]
    for earlier, later in zip(steps, steps[1:]):
        both = c[earlier].notna() & c[later].notna()
        assert (c.loc[both, earlier] <= c.loc[both, later]).all(), (earlier, later)
        # a later step never happens without the earlier one
        assert not (c[later].notna() & c[earlier].isna()).any(), (earlier, later)
    for column in [*steps, "voided_at"]:
        assert (c[column].dropna() <= pd.Timestamp(AS_OF)).all(), column
    status_by_last_step = np.select(
        [c["voided_at"].notna(), c["closed_at"].notna(), c["resolved_at"].notna(),
         c["dispatched_at"].notna(), c["filed_at"].notna()],
        ["voided", "closed", "resolved", "dispatched", "filed"], default="reported")
    suspended = c["status"] == schema.SUSPENDED
    assert (c.loc[suspended, "dispatched_at"].notna()).all()
    assert (c.loc[suspended, "resolved_at"].isna()).all()
    assert (c.loc[~suspended, "status"] == status_by_last_step[~suspended]).all()
    # the deadline follows the category's time limit from the (last) dispatch
    cats = _frame(engine, "SELECT subcategory, time_limit, time_unit FROM categories")
    events = _frame(engine, "SELECT case_id FROM case_events WHERE action = 'postpone'")
    plain = c[c["due_at"].notna() & ~c["id"].isin(events["case_id"])].merge(cats, on="subcategory")
    tz = ZoneInfo(world.TIMEZONE)
    sample = plain.sample(300, random_state=1)
    for row in sample.itertuples():
        expected = deadline(row.dispatched_at.to_pydatetime(), row.time_limit, row.time_unit, tz)
        assert abs(row.due_at.to_pydatetime() - expected) < timedelta(seconds=1)


def test_history_matches_the_timestamps(small):
    engine, _ = small
    c = _frame(engine, "SELECT id, status, dispatched_at, closed_at FROM cases")
    e = _frame(engine, "SELECT case_id, action, at FROM case_events")
    per_case = e.pivot_table(index="case_id", columns="action", aggfunc="size", fill_value=0)
    assert (per_case["report"] == 1).all() and len(per_case) == len(c)
    dispatched = set(c.loc[c["dispatched_at"].notna(), "id"])
    assert set(per_case.index[per_case["dispatch"] >= 1]) == dispatched
    closed = set(c.loc[c["status"] == "closed", "id"])
    assert set(per_case.index[per_case["close"] == 1]) == closed
    # a return is always followed by another dispatch of the same case
    returned = per_case.index[per_case["return"] > 0]
    assert (per_case.loc[returned, "dispatch"] == per_case.loc[returned, "return"] + 1).all()
    assert set(e["action"]) <= set(schema.ACTIONS)


def test_shares_look_like_a_real_centre(small):
    engine, _ = small
    c = _times(_frame(engine, "SELECT * FROM cases"), "reported_at", "closed_at", "due_at")
    n = len(c)
    share = c["source"].value_counts(normalize=True)
    assert 0.42 < share["patrol"] < 0.62  # grid officers find most problems
    assert 0.10 < share["hotline"] < 0.22
    assert set(share.index) == set(schema.SOURCES)
    klass = c["case_class"].value_counts(normalize=True)
    assert 0.05 < klass["dispute"] < 0.11 and klass["incident"] > klass["facility"]
    closed = c[c["closed_at"].notna()]
    late = (closed["closed_at"] > closed["due_at"]).mean()
    assert 0.03 < late < 0.25  # some close late, most on time
    open_ = c[c["status"].isin(schema.OPEN_STATUSES)]
    overdue = open_[(open_["status"] != "suspended") & (open_["due_at"] < pd.Timestamp(AS_OF))]
    assert len(overdue) > 0 and len(overdue) < 0.05 * n
    assert 0.02 < (c["status"] == "voided").mean() < 0.1
    rated = closed["satisfaction"].dropna()
    assert len(rated) > 0.2 * len(closed)
    assert 0.85 < rated.isin(["satisfied", "basically_satisfied"]).mean() < 0.99
    disputes = c[(c["case_class"] == "dispute") & c["mediated_at"].notna()]
    assert 0.9 < (disputes["mediation_outcome"] == "success").mean() < 1.0
    assert c.loc[c["case_class"] != "dispute", "mediation_outcome"].isna().all()
    grid = c["resolved_level"].dropna()
    assert 0.55 < (grid == "grid").mean() < 0.85  # "小事不出村"
    # daily rhythm: more cases at 10:00 than at 03:00 local; weekly: weekdays busier
    local = c["reported_at"].dt.tz_localize("UTC").dt.tz_convert(world.TIMEZONE)
    by_hour = local.dt.hour.value_counts()
    assert by_hour[10] > 3 * by_hour[3]
    weekday = local.dt.day_of_week
    assert (weekday < 5).sum() / 5 > 1.2 * (weekday >= 5).sum() / 2
    # at least a year of cases, up to the demo's present
    assert local.min() <= pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=365)
    # hot spots: the busiest tenth of grids holds well over a tenth of the cases
    per_grid = c["region_id"].value_counts()
    top = per_grid.nlargest(max(1, len(per_grid) // 10)).sum()
    assert top > 0.15 * n


def test_mediations_and_visits_are_records_the_cases_agree_with(small):
    """Every mediated dispute has its mediations, the latest one on the case; every answer
    on a case is a reached visit's; unreached visits leave the case unrated; a few disputes
    were mediated twice and a few referred."""
    engine, _ = small
    m = _times(_frame(engine, "SELECT * FROM mediations"), "at")
    v = _times(_frame(engine, "SELECT * FROM return_visits"), "at")
    c = _times(_frame(engine, "SELECT id, case_class, status, satisfaction, mediation_outcome, "
                              "mediated_at, closed_at FROM cases"), "mediated_at", "closed_at")
    latest = m.sort_values(["at", "id"]).groupby("case_id").tail(1).set_index("case_id")
    mediated = c[c["mediation_outcome"].notna()].set_index("id")
    assert set(latest.index) == set(mediated.index)
    assert (latest.loc[mediated.index, "outcome"] == mediated["mediation_outcome"]).all()
    assert (latest.loc[mediated.index, "at"] == mediated["mediated_at"]).all()
    assert (m.groupby("case_id").size() > 1).sum() > 0
    assert (mediated["mediation_outcome"] == "referred").sum() > 0
    assert set(m["kind"]) <= set(schema.MEDIATION_KINDS)
    assert (c.set_index("id").loc[m["case_id"], "case_class"] == "dispute").all()
    reached = v[v["satisfaction"] != schema.UNREACHED]
    rated = c[c["satisfaction"].notna()].set_index("id")
    answer = reached.sort_values(["at", "id"]).groupby("case_id").tail(1).set_index("case_id")
    assert set(answer.index) == set(rated.index)
    assert (answer.loc[rated.index, "satisfaction"] == rated["satisfaction"]).all()
    nobody = v[v["satisfaction"] == schema.UNREACHED]
    assert len(nobody) > 0
    assert c.set_index("id").loc[nobody["case_id"], "satisfaction"].isna().all()
    assert (c.set_index("id").loc[v["case_id"], "status"] == "closed").all()
    assert (v["at"] >= c.set_index("id").loc[v["case_id"], "closed_at"].to_numpy()).all()
    assert set(m["origin"]) == set(v["origin"]) == {"console"}
    assert not v["reopened"].astype(bool).any()


def test_patrols_cover_most_grids_and_tracks_stay_near_them(small):
    engine, _ = small
    p = _times(_frame(engine, "SELECT * FROM patrols"), "started_at", "ended_at")
    officers = _frame(engine, "SELECT id, region_id FROM officers")
    assert (p.merge(officers, left_on="officer_id", right_on="id")["region_id_x"]
            == p.merge(officers, left_on="officer_id", right_on="id")["region_id_y"]).all()
    last_week = p[p["started_at"] >= pd.Timestamp(AS_OF) - pd.Timedelta(days=7)]
    coverage = last_week["region_id"].nunique() / len(officers)
    assert 0.8 <= coverage <= 1.0
    finished = p.dropna(subset=["ended_at"])
    minutes = (finished["ended_at"] - finished["started_at"]).dt.total_seconds() / 60
    assert minutes.between(60, 200).all()
    pts = _frame(engine, "SELECT pp.lon, pp.lat, r.geometry FROM patrol_points pp "
                         "JOIN patrols p ON p.id = pp.patrol_id JOIN regions r ON r.id = p.region_id")
    assert len(pts) > 0
    near = shapely.dwithin(shapely.from_wkb(pts["geometry"].to_numpy()),
                           shapely.points(pts["lon"], pts["lat"]), 0.003)
    assert near.mean() > 0.99


def test_category_table_routes_every_subcategory(small):
    engine, _ = small
    cats = _frame(engine, "SELECT * FROM categories")
    assert 40 <= len(cats) <= 80
    assert set(cats["case_class"]) == {"facility", "incident", "dispute"}
    assert cats["department_id"].notna().all()
    assert set(cats["time_unit"]) <= {"hours", "working_days"}
    used = _frame(engine, "SELECT DISTINCT subcategory FROM cases")["subcategory"]
    assert set(used) <= set(cats["subcategory"])


def test_vectorised_deadlines_equal_the_scalar_rule():
    rng = np.random.default_rng(3)
    starts = pd.Series(pd.to_datetime("2026-01-01") + pd.to_timedelta(
        rng.integers(0, 365 * 24 * 60, 500), unit="min"))
    limits = pd.Series(rng.choice([0, 0.5, 1, 2, 3, 5, 9.5, 10, 15, 24, 2.5], 500))
    units = pd.Series(rng.choice(["hours", "working_days", "working_hours", "natural_days"],
                                 500))
    for zone in ("Asia/Shanghai", "America/Los_Angeles", "UTC"):
        tz = ZoneInfo(zone)
        got = deadlines(starts, limits, units, tz)
        for i in range(len(starts)):
            want = deadline(starts[i].to_pydatetime(), limits[i], units[i], tz)
            # exact, except an hour's slack where a daylight-saving jump meets a weekend roll
            slack = timedelta(hours=1) if zone == "America/Los_Angeles" else timedelta(0)
            assert abs(got[i].to_pydatetime() - want) <= slack, (zone, i)


def test_summary_of_the_demo_matches_an_independent_count(engine):
    """On both stores: the metrics code and pandas agree on the demo's last 30 days."""
    report = county.build_demo(engine, scale="small", seed=5, as_of=AS_OF)
    assert report.cases > 5000
    summary = summarize(engine, now=AS_OF)
    tz = ZoneInfo(world.TIMEZONE)
    last = pd.Timestamp(AS_OF, tz="UTC").tz_convert(tz).normalize()
    start = (last - pd.Timedelta(days=29)).tz_convert("UTC").tz_localize(None)
    c = _times(_frame(engine, "SELECT * FROM cases"), "reported_at", "closed_at",
               "resolved_at", "voided_at", "due_at")
    in_p = lambda col: (c[col] >= start) & (c[col] < pd.Timestamp(AS_OF))  # noqa: E731
    got = summary["metrics"]
    assert got["reported"] == int(in_p("reported_at").sum())
    assert got["closed"] == int(in_p("closed_at").sum())
    open_now = c["status"].isin(schema.OPEN_STATUSES)
    assert got["open"] == int(open_now.sum())
    assert got["overdue"] == int((open_now & (c["status"] != "suspended")
                                  & (c["due_at"] < pd.Timestamp(AS_OF))).sum())
    # the sequences moved past the demo's ids: a new case can be added by the ORM
    with store.transaction(engine) as conn:
        conn.execute(text("INSERT INTO departments (code, name) VALUES ('NEW', '新部门')"))
        conn.execute(text("INSERT INTO cases (code, status, location_method, reported_at, "
                          "version, urgent) VALUES ('NEW-1', 'reported', 'none', :t, 1, false)"),
                     {"t": AS_OF})


def test_unknown_scale_is_refused(sqlite_engine):
    with pytest.raises(ValueError, match="scale must be one of"):
        county.build_demo(sqlite_engine, scale="province")


def test_county_and_city_region_trees_have_the_promised_sizes():
    county = places.region_tree(world.SCALES["county"], np.random.default_rng(42))
    assert county.groupby("depth").size().to_dict() == {0: 1, 1: 10, 2: 100, 3: 1000}
    assert county.iloc[1]["name"] == "城关镇"
    city = places.region_tree(world.SCALES["city"], np.random.default_rng(42))
    assert city.groupby("depth").size().to_dict() == {0: 1, 1: 10, 2: 100, 3: 1000, 4: 10000}
    assert city.attrs["levels"][0] == "市"
    # a year at county scale is at least 200,000 cases; at city about 2,000,000
    assert world.SCALES["county"].cases_per_year >= 200_000
    assert world.SCALES["city"].cases_per_year == 2_000_000


def test_the_roster_gives_every_officer_a_role_and_their_grid(small):
    engine, report = small
    officers = _frame(engine, """
        SELECT o.id, o.region_id, r.parent_id AS community, ro.role, ro.active, ro.left_at,
               ro.joined_at, (SELECT COUNT(*) FROM officer_regions s
                              WHERE s.officer_id = o.id) AS served,
               (SELECT MIN(s.region_id) FROM officer_regions s
                WHERE s.officer_id = o.id) AS served_region
          FROM officers o JOIN regions r ON r.id = o.region_id
          LEFT JOIN officer_roster ro ON ro.officer_id = o.id""")
    assert len(officers) == report.officers
    assert officers["role"].notna().all() and set(officers["role"]) <= set(schema.OFFICER_ROLES)
    assert officers["active"].astype(bool).all() and officers["left_at"].isna().all()
    assert (officers["served"] == 1).all()
    assert (officers["served_region"] == officers["region_id"]).all()
    heads = officers[officers["role"] == schema.GRID_HEAD].groupby("community").size()
    assert heads.index.nunique() == officers["community"].nunique()  # one per community
    assert (heads == 1).all()
    roles = officers["role"].value_counts()
    assert roles[schema.FULL_TIME] > len(officers) / 2  # most are full-time
    assert 0 < roles[schema.PART_TIME] < roles[schema.FULL_TIME]
    first_case = _frame(engine, "SELECT MIN(reported_at) AS at FROM cases")["at"][0]
    assert (pd.to_datetime(officers["joined_at"], format="mixed")
            <= pd.Timestamp(first_case)).all()
