"""Generate the field-force example (examples/fieldforce/data/): an imaginary county centre.

    .venv/bin/python examples/fieldforce/generate.py [--as-of 2026-11-30T10:00] [--out DIR]

Everything here is made up (see SOURCES.md): 云溪县 with two towns, five communities and 30
grids; a roster of 28 officers with invented names and numbers no phone can have; a month
of GPS fixes of their patrols; two months of cases with the columns another system's export
carries (the level a case was resolved at, mediations, return visits). Deterministic: the
same ``--as-of`` writes the same bytes (numpy's seeded generator, no clock read). The data
end at ``--as-of`` (local time), some patrols still under way then, as an export would.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

HERE = Path(__file__).resolve().parent
SEED = 14
AS_OF = datetime(2026, 11, 30, 10, 0)  # local time (Asia/Shanghai), a Monday morning
PATROL_DAYS, CASE_DAYS = 30, 61
ROWS, COLS = 5, 6
LON0, LAT0 = 118.4000, 30.6300  # the north-west corner; a cell is about 600 m square
DLON, DLAT = 0.0063, 0.0054
METRES_PER_DEGREE = 111_320.0

COUNTY = ("990101", "云溪县")
TOWNS = [("990101001", "溪口镇", range(0, 3)), ("990101002", "桂花街道", range(3, 6))]
#: (code, name, town code, rows, cols) over the lattice of cells
COMMUNITIES = [
    ("990101001001", "溪口社区", "990101001", range(0, 3), range(0, 3)),
    ("990101001002", "荷塘村", "990101001", range(3, 5), range(0, 3)),
    ("990101002001", "桂花社区", "990101002", range(0, 2), range(3, 6)),
    ("990101002002", "枫林社区", "990101002", range(2, 4), range(3, 6)),
    ("990101002003", "石桥村", "990101002", range(4, 5), range(3, 6)),
]
#: community code -> "town community", for addresses
PLACE = {code: next(t for c, t, _ in TOWNS if c == town) + name
         for code, name, town, _, _ in COMMUNITIES}
VACANT = ("990101001002005", "990101001002006", "990101002002006")  # no officer: never patrolled
LEAVER, LEFT_DAYS = "WG026", 10  # dropped from officers_update.csv; no fixes in the last 10 days
NEWCOMER = "WG027"  # only in officers_update.csv: takes the leaver's grid

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华志红玉兰海燕文斌晓东春梅国庆"
ROADS = ["溪口路", "荷花路", "桂花大道", "枫林巷", "石桥街", "新民路", "育才路", "滨河路", "光明街",
         "振兴路"]

#: subcategory: (category, department, share, time limit in hours)
CATEGORIES = {
    "井盖破损": ("市政设施", "云溪县住建局", 0.08, 48),
    "路灯不亮": ("市政设施", "云溪县住建局", 0.07, 72),
    "占道经营": ("市容环境", "云溪县城管局", 0.14, 24),
    "乱堆乱放": ("市容环境", "云溪县城管局", 0.13, 24),
    "垃圾暴露": ("市容环境", "云溪县城管局", 0.12, 24),
    "违章搭建": ("城乡建设", "云溪县自然资源局", 0.06, 120),
    "噪声扰民": ("生态环境", "云溪县生态环境分局", 0.07, 48),
    "食品安全隐患": ("市场监管", "云溪县市场监管局", 0.05, 72),
    "消防通道堵塞": ("安全隐患", "云溪县消防救援大队", 0.06, 24),
    "邻里纠纷": ("矛盾纠纷", "乡镇综治中心", 0.07, 120),
    "家庭纠纷": ("矛盾纠纷", "乡镇综治中心", 0.04, 120),
    "物业纠纷": ("矛盾纠纷", "乡镇综治中心", 0.05, 120),
    "劳资纠纷": ("矛盾纠纷", "云溪县人社局", 0.03, 168),
    "土地纠纷": ("矛盾纠纷", "乡镇综治中心", 0.03, 168),
}
DISPUTE = "矛盾纠纷"
DESCRIPTIONS = {
    "井盖破损": "井盖破损，行人有踩空危险", "路灯不亮": "路灯夜间不亮，路段漆黑",
    "占道经营": "流动摊贩占用人行道经营", "乱堆乱放": "建筑垃圾堆放在路边",
    "垃圾暴露": "垃圾桶满溢，垃圾散落地面", "违章搭建": "居民在屋顶搭建彩钢棚",
    "噪声扰民": "夜间施工噪声扰民", "食品安全隐患": "小餐馆后厨卫生条件差",
    "消防通道堵塞": "消防通道被车辆堵塞", "邻里纠纷": "邻居因漏水问题发生争执",
    "家庭纠纷": "家庭成员因赡养问题发生矛盾", "物业纠纷": "业主与物业因收费发生纠纷",
    "劳资纠纷": "工人反映被拖欠工资", "土地纠纷": "村民因宅基地界址发生争议",
}
#: the export's words (Chinese, as the other system writes them)
SOURCES = [("网格员上报", 0.5), ("12345热线", 0.3), ("群众APP", 0.15), ("上级交办", 0.05)]
LEVELS = [("网格", 0.6), ("社区村", 0.22), ("乡镇街道", 0.13), ("区县", 0.05)]
OUTCOMES = [("调解成功", 0.9), ("调解失败", 0.06), ("转入诉讼或仲裁", 0.04)]
KINDS = [("人民调解", 0.65), ("警民联调", 0.15), ("行政调解", 0.1), ("诉前调解", 0.1)]
VISITS = [("满意", 0.8), ("基本满意", 0.1), ("不满意", 0.03), ("未接通", 0.07)]
STATUS_WORDS = {"closed": "已结案", "resolved": "已办结待核查", "dispatched": "处置中",
                "filed": "待派遣", "voided": "已作废"}

CASE_HEADER = ["案卷编号", "上报时间", "派遣时间", "办结时间", "结案时间", "处置时限", "大类",
               "小类", "处置部门", "问题来源", "案卷状态", "经度", "纬度", "地址", "问题描述",
               "办结层级", "调解结果", "调解时间", "调解类型", "满意度", "回访时间", "网格员编号"]
OFFICER_HEADER = ["人员编号", "姓名", "联系电话", "岗位", "服务网格"]
FIX_HEADER = ["人员编号", "定位时间", "经度", "纬度"]


@dataclass(frozen=True)
class Grid:
    code: str
    name: str
    community: str
    row: int
    col: int
    polygon: Polygon


@dataclass(frozen=True)
class Officer:
    code: str
    name: str
    phone: str
    role: str
    grids: tuple[str, ...]  # the grid codes they patrol
    serves: str  # the roster's 服务网格 cell: grid codes, or a community code


def choose(rng: np.random.Generator, table: list[tuple[str, float]]) -> str:
    words, weights = zip(*table)
    p = np.asarray(weights, dtype=float)
    return words[int(rng.choice(len(words), p=p / p.sum()))]


# --- regions ----------------------------------------------------------------------------------

def lattice(rng: np.random.Generator) -> np.ndarray:
    """(ROWS+1) x (COLS+1) vertices, each moved a little so no grid is a plain rectangle;
    every shape below is made of these same vertices, so neighbours share edges exactly."""
    jitter = rng.uniform(-0.15, 0.15, (ROWS + 1, COLS + 1, 2))
    rows, cols = np.meshgrid(np.arange(ROWS + 1), np.arange(COLS + 1), indexing="ij")
    lon = LON0 + (cols + jitter[..., 0]) * DLON
    lat = LAT0 - (rows + jitter[..., 1]) * DLAT
    return np.round(np.stack([lon, lat], axis=-1), 6)


def make_grids(vertices: np.ndarray) -> list[Grid]:
    grids = []
    for code, name, _, rows, cols in COMMUNITIES:
        cells = [(r, c) for r in rows for c in cols]
        for number, (r, c) in enumerate(cells, start=1):
            ring = [vertices[r, c], vertices[r, c + 1], vertices[r + 1, c + 1], vertices[r + 1, c]]
            polygon = Polygon([tuple(map(float, p)) for p in ring])
            assert polygon.is_valid and abs(polygon.convex_hull.area - polygon.area) < 1e-12
            grids.append(Grid(f"{code}{number:03d}", f"{name}第{number}网格", code, r, c, polygon))
    return grids


def region_features(grids: list[Grid]) -> dict[str, list[dict]]:
    """The four levels' GeoJSON features: county, towns, communities (unions of their
    grids) and grids; properties 编码, 名称, 上级编码."""
    def feature(code: str, name: str, parent: str | None, geom) -> dict:
        props = {"编码": code, "名称": name}
        if parent:
            props["上级编码"] = parent
        return {"type": "Feature", "properties": props, "geometry": mapping(geom)}

    def union(items: list[Grid]):
        return shapely.union_all([g.polygon for g in items]).normalize()

    towns = {code: [g for g in grids if g.col in cols] for code, _, cols in TOWNS}
    return {
        "county": [feature(*COUNTY, None, union(grids))],
        "towns": [feature(code, name, COUNTY[0], union(towns[code])) for code, name, _ in TOWNS],
        "communities": [feature(code, name, town, union([g for g in grids if g.community == code]))
                        for code, name, town, _, _ in COMMUNITIES],
        "grids": [feature(g.code, g.name, g.community, g.polygon) for g in grids],
    }


# --- the roster -------------------------------------------------------------------------------

def make_officers(grids: list[Grid], rng: np.random.Generator) -> list[Officer]:
    """One full-time officer per grid, except the vacant grids and the two grids of 石桥村
    that one part-timer serves; a 网格长 for 溪口社区 and a 社区民警 for 桂花社区."""
    names = iter(_names(rng, 40))
    phone = iter(f"1000000{n:04d}" for n in range(1, 100))
    by_community = {code: [g.code for g in grids if g.community == code]
                    for code, *_ in COMMUNITIES}
    officers: list[Officer] = []
    shiqiao = by_community["990101002003"]
    number = 0
    for g in grids:
        if g.code in VACANT or g.code == shiqiao[1]:
            continue
        number += 1
        served = (g.code, shiqiao[1]) if g.code == shiqiao[0] else (g.code,)
        role = "兼职网格员" if len(served) > 1 else "专职网格员"
        officers.append(Officer(f"WG{number:03d}", next(names), next(phone), role, served,
                                ";".join(served)))
    officers.append(Officer("WGZ01", next(names), next(phone), "网格长",
                            tuple(by_community["990101001001"]), "990101001001"))
    officers.append(Officer("MJ01", next(names), next(phone), "社区民警",
                            tuple(by_community["990101002001"]), "990101002001"))
    assert [o.code for o in officers if o.grids == (shiqiao[2],)] == [LEAVER]
    newcomer = Officer(NEWCOMER, next(names), next(phone), "专职网格员", (shiqiao[2],), shiqiao[2])
    return officers + [newcomer]


def _names(rng: np.random.Generator, n: int) -> list[str]:
    seen: list[str] = []
    while len(seen) < n:
        name = SURNAMES[rng.integers(len(SURNAMES))] + "".join(
            GIVEN[i] for i in rng.integers(len(GIVEN), size=rng.integers(1, 3)))
        if name not in seen:
            seen.append(name)
    return seen


def roster_rows(officers: list[Officer], update: bool) -> list[list[str]]:
    """officers.csv (everyone but the newcomer) or officers_update.csv (the leaver gone,
    the newcomer in, one phone number changed)."""
    rows = []
    for o in officers:
        if (o.code == NEWCOMER and not update) or (o.code == LEAVER and update):
            continue
        phone = "10000009999" if update and o.code == "WG003" else o.phone
        rows.append([o.code, o.name, phone, o.role, o.serves])
    return rows


# --- patrols ----------------------------------------------------------------------------------

def point_in(polygon: Polygon, rng: np.random.Generator, margin: float = 0.0004) -> np.ndarray:
    inner = polygon.buffer(-margin)
    x0, y0, x1, y1 = inner.bounds
    while True:
        p = rng.uniform([x0, y0], [x1, y1])
        if inner.contains(shapely.Point(p)):
            return p


def crossing(a: Grid, b: Grid) -> np.ndarray:
    """The middle of the edge two neighbouring grids share: a track crosses there, so every
    segment stays in one (convex) grid and no third grid is touched."""
    shared = a.polygon.intersection(b.polygon)
    return np.asarray(shared.interpolate(0.5, normalized=True).coords[0])


def route(path: list[Grid], rng: np.random.Generator) -> np.ndarray:
    """Waypoints: a few points in each grid of ``path``, crossing between them at shared edges."""
    points: list[np.ndarray] = []
    for i, grid in enumerate(path):
        points.extend(point_in(grid.polygon, rng) for _ in range(rng.integers(4, 7)))
        if i + 1 < len(path):
            points.append(crossing(grid, path[i + 1]))
    return np.vstack(points)


def fixes_along(way: np.ndarray, start: datetime, minutes: float, stop: datetime,
                rng: np.random.Generator) -> list[tuple[datetime, float, float]]:
    """A fix every 60-120 s along the waypoints at an even pace, cut at ``stop`` (the
    export's moment: a patrol under way then has its fixes so far)."""
    steps = np.cumsum(rng.uniform(60, 120, int(minutes * 60 / 60) + 2))
    steps = np.concatenate([[0.0], steps[steps <= minutes * 60]])
    legs = np.hypot(*np.diff(way, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(legs)])
    at = steps / (minutes * 60) * along[-1]
    lon = np.interp(at, along, way[:, 0]) + rng.normal(0, 4 / METRES_PER_DEGREE, len(at))
    lat = np.interp(at, along, way[:, 1]) + rng.normal(0, 4 / METRES_PER_DEGREE, len(at))
    out = []
    for s, x, y in zip(steps, lon, lat):
        moment = start + timedelta(seconds=int(s))
        if moment <= stop:
            out.append((moment, round(float(x), 6), round(float(y), 6)))
    return out


def walk(served: list[Grid], length: int, rng: np.random.Generator) -> list[Grid]:
    """A path of ``length`` neighbouring grids among ``served`` (a random walk)."""
    path = [served[rng.integers(len(served))]]
    while len(path) < length:
        here = path[-1]
        near = [g for g in served if abs(g.row - here.row) + abs(g.col - here.col) == 1]
        if not near:
            break
        path.append(near[rng.integers(len(near))])
    return path


def patrol_plan(officer: Officer, day: date, rng: np.random.Generator
                ) -> list[tuple[datetime, float, int]]:
    """The patrols of ``officer`` on ``day``: (local start, minutes, grids on the path)."""
    weekend = day.weekday() >= 5
    midnight = datetime.combine(day, datetime.min.time())
    plans: list[tuple[datetime, float, int]] = []
    if officer.role in ("专职网格员", "兼职网格员"):
        if officer.role == "兼职网格员" and day.weekday() not in (0, 2, 4):
            return plans
        if rng.random() < (0.45 if weekend else 0.88):
            start = midnight + timedelta(hours=8, minutes=int(rng.integers(0, 90)))
            plans.append((start, float(rng.normal(120, 15)), len(officer.grids)))
        if not weekend and rng.random() < 0.15:
            start = midnight + timedelta(hours=14, minutes=int(rng.integers(30, 90)))
            plans.append((start, float(rng.normal(100, 10)), len(officer.grids)))
    elif officer.role == "网格长" and day.weekday() in (1, 3):
        start = midnight + timedelta(hours=9, minutes=int(rng.integers(0, 60)))
        plans.append((start, float(rng.normal(110, 10)), 3))
    elif officer.role == "社区民警" and day.weekday() in (2, 5):
        # Saturday nights run past midnight
        late = day.weekday() == 5
        start = midnight + timedelta(hours=23 if late else 19, minutes=20)
        plans.append((start, 105.0 if late else float(rng.normal(110, 10)), 3))
    return plans


def make_fixes(officers: list[Officer], grids: list[Grid], as_of: datetime,
               rng: np.random.Generator) -> list[list[str]]:
    by_code = {g.code: g for g in grids}
    rows: list[tuple[datetime, str, float, float]] = []
    first = as_of.date() - timedelta(days=PATROL_DAYS - 1)
    for o in officers:
        if o.code == NEWCOMER:
            continue
        served = [by_code[c] for c in o.grids]
        for offset in range(PATROL_DAYS):
            day = first + timedelta(days=offset)
            if o.code == LEAVER and day > as_of.date() - timedelta(days=LEFT_DAYS):
                break
            for start, minutes, length in patrol_plan(o, day, rng):
                if start > as_of:
                    continue
                path = walk(served, length, rng)
                if length == 2 and len(path) == 2:  # the part-timer comes back: a loop
                    path.append(path[0])
                for at, lon, lat in fixes_along(route(path, rng), start, minutes, as_of, rng):
                    rows.append((at, o.code, lon, lat))
    rows.sort()
    return [[code, at.strftime("%Y-%m-%d %H:%M:%S"), f"{lon:.6f}", f"{lat:.6f}"]
            for at, code, lon, lat in rows]


# --- cases ------------------------------------------------------------------------------------

def make_cases(officers: list[Officer], grids: list[Grid], as_of: datetime,
               rng: np.random.Generator) -> list[list[str]]:
    grid_officer = {c: o for o in officers if o.code != NEWCOMER and "网格员" in o.role
                    for c in o.grids}
    police = next(o for o in officers if o.role == "社区民警")
    subs = list(CATEGORIES)
    share = np.array([CATEGORIES[s][2] for s in subs])
    start = datetime.combine(as_of.date() - timedelta(days=CASE_DAYS - 1), datetime.min.time())
    span = (as_of - start).total_seconds()
    n = int(24 * CASE_DAYS)
    moments = sorted(start + timedelta(seconds=int(s)) for s in _daytime_seconds(rng, n, span))
    rows = []
    for seq, reported in enumerate(moments, start=1):
        grid = grids[rng.integers(len(grids))]
        sub = subs[int(rng.choice(len(subs), p=share / share.sum()))]
        officer = grid_officer.get(grid.code)
        if (officer is not None and officer.code == LEAVER
                and reported.date() > as_of.date() - timedelta(days=LEFT_DAYS)):
            officer = None
        rows.append(_case_row(seq, reported, grid, sub, officer, police, as_of, rng))
    return rows


def _daytime_seconds(rng: np.random.Generator, n: int, span: float) -> np.ndarray:
    """Seconds since the first day's midnight, mostly between 7:00 and 21:00."""
    days = int(span // 86400) + 1
    day = rng.integers(0, days, n)
    hour = np.clip(rng.normal(13.5, 3.5, n), 0, 23.99)
    seconds = day * 86400 + hour * 3600
    return seconds[seconds <= span]


def _case_row(seq: int, reported: datetime, grid: Grid, sub: str, officer: Officer | None,
              police: Officer, as_of: datetime, rng: np.random.Generator) -> list[str]:
    category, department, _, limit_hours = CATEGORIES[sub]
    source = choose(rng, SOURCES) if officer is not None else choose(rng, SOURCES[1:])
    on_spot = source == "网格员上报" and category != DISPUTE and rng.random() < 0.5
    dispatched = None if on_spot else reported + timedelta(minutes=float(rng.uniform(5, 90)))
    due = (reported if on_spot else dispatched) + timedelta(hours=limit_hours)
    if on_spot:
        resolved = reported + timedelta(minutes=float(rng.uniform(10, 40)))
    else:
        late = rng.random() < 0.12
        hours = limit_hours * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.1, 0.95))
        resolved = dispatched + timedelta(hours=float(hours))
    closed = resolved + timedelta(hours=float(rng.uniform(0.5, 6)))  # checked, then closed
    if resolved <= due < closed:
        closed = due
    voided = rng.random() < 0.01
    lon, lat = point_in(grid.polygon, rng, margin=0.0002)
    t = {"dispatched": dispatched, "resolved": resolved, "closed": closed, "due": due}
    if voided:
        status, t = "voided", {"due": None}
    elif closed <= as_of:
        status = "closed"
    elif resolved <= as_of:
        status, t["closed"] = "resolved", None
    elif dispatched is not None and dispatched <= as_of:
        status, t["closed"], t["resolved"] = "dispatched", None, None
    else:
        status, t = "filed", {"due": None}
    level = ("网格" if on_spot else choose(rng, LEVELS)) if t.get("resolved") else ""
    mediation = _mediation(category, t, officer, police, as_of, rng)
    visit = _visit(t.get("closed"), as_of, rng)
    road = ROADS[rng.integers(len(ROADS))]
    finder = officer.code if officer is not None and (source == "网格员上报" or level == "网格") else ""
    return [f"YX{reported:%Y%m%d}{seq:05d}", _fmt(reported), _fmt(t.get("dispatched")),
            _fmt(t.get("resolved")), _fmt(t.get("closed")), _fmt(t.get("due")), category, sub,
            department, source, STATUS_WORDS[status], f"{lon:.6f}", f"{lat:.6f}",
            f"{COUNTY[1]}{PLACE[grid.community]}{road}{rng.integers(1, 200)}号", DESCRIPTIONS[sub],
            level,
            *mediation[:3], visit[0], visit[1], mediation[3] or finder]


def _mediation(category: str, t: dict, officer: Officer | None, police: Officer,
               as_of: datetime, rng: np.random.Generator) -> tuple[str, str, str, str]:
    """A dispute's mediation (outcome, at, kind, mediating officer), once it was resolved."""
    if category != DISPUTE or t.get("resolved") is None:
        return "", "", "", ""
    at = t["resolved"] - timedelta(hours=float(rng.uniform(0.5, 6)))
    at = min(max(at, t["dispatched"] or at), as_of)
    kind = choose(rng, KINDS)
    mediator = police if kind == "警民联调" else officer
    return choose(rng, OUTCOMES), _fmt(at), kind, "" if mediator is None else mediator.code


def _visit(closed: datetime | None, as_of: datetime, rng: np.random.Generator
           ) -> tuple[str, str]:
    """The return visit (回访) of a closed case, a few hours to three days after it closed."""
    if closed is None or rng.random() < 0.1:
        return "", ""
    at = closed + timedelta(hours=float(rng.uniform(4, 72)))
    if at > as_of:
        return "", ""
    return choose(rng, VISITS), _fmt(at)


def _fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


# --- writing ----------------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(out: Path, as_of: datetime = AS_OF) -> dict[str, int]:
    """Write every file of the example into ``out``; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    grids = make_grids(lattice(rng))
    for level, features in region_features(grids).items():
        body = {"type": "FeatureCollection", "features": features}
        (out / f"{level}.geojson").write_text(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    officers = make_officers(grids, rng)
    first, update = roster_rows(officers, False), roster_rows(officers, True)
    write_csv(out / "officers.csv", OFFICER_HEADER, first)
    write_csv(out / "officers_update.csv", OFFICER_HEADER, update)
    fixes = make_fixes(officers, grids, as_of, np.random.default_rng(SEED + 1))
    write_csv(out / "patrol_fixes.csv", FIX_HEADER, fixes)
    cases = make_cases(officers, grids, as_of, np.random.default_rng(SEED + 2))
    write_csv(out / "cases.csv", CASE_HEADER, cases)
    return {"grids": len(grids), "officers": len(first), "officers_update": len(update),
            "patrol_fixes": len(fixes), "cases": len(cases)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=datetime.fromisoformat, default=AS_OF,
                        help="the export's local moment (default %(default)s)")
    parser.add_argument("--out", type=Path, default=HERE / "data")
    args = parser.parse_args()
    counts = generate(args.out, args.as_of)
    print(", ".join(f"{key} {value:,}" for key, value in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
