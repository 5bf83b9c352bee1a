"""Benchmark of the console: server time from a click on a region to the panels redrawn.

    .venv/bin/python bench/console.py [--stores PATH ...] [--repeat 10]

A click on the map runs, on the server, the callbacks a real click triggers, in this order:
``navigate`` (the click becomes an address), the router (which finds the console already
mounted), ``sync_state`` (the address becomes the state), ``update_panels`` (every panel:
map, crumbs, tiles, trend, top problems, ranking, comparison) and ``grid_rows`` (the case
list's first block of 100 rows). This script calls exactly those functions inside a request
of a Flask app holding the store, as Dash does, for the top region, one of its children (a
town) and a grid, and reports the total's median and p95:

* ``cold``: nothing remembered yet (the first click after the server started, or after
  the data changed): the map's shapes and every count are made afresh;
* ``drill``: the page was opened on the top region (which counted every region's cases
  into the server's :class:`data.metrics.ResultCache`), then this region is clicked: the
  usual click of a commander drilling down;
* ``warm``: the same region again (the back button, a second commander on the view).

The stores are bench/wall.py's (1,000 and 10,000 grids with 1,000,000 cases), opened
read-only: nothing is written to them. The machine is shared and noisy: read medians.
Results: bench/results/console.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, g  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from callbacks import console as cb  # noqa: E402
from callbacks import pages  # noqa: E402
from dashboard import console_cache, services  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data.console_state import ConsoleState  # noqa: E402
from data.models import Region  # noqa: E402
from data.users import Principal  # noqa: E402
from layouts import ids  # noqa: E402

STORES = [ROOT / "bench" / "data" / "wall-1000-1000000.sqlite3",
          ROOT / "bench" / "data" / "wall-10000-1000000.sqlite3"]
RESULTS = ROOT / "bench" / "results"


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "runs": len(ordered)}


def read_only_engine(path: Path):
    """The store opened read-only (SQLite's ``mode=ro``): the benchmark cannot change it."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true",
                         connect_args={"timeout": 30})


def _regions(engine) -> dict[str, str]:
    """The top region, its first child (a town or district) and a grid under that child."""
    with engine.connect() as conn:
        top = conn.scalar(select(Region.code).where(Region.parent_id.is_(None))
                          .order_by(Region.code))
        top_id = conn.scalar(select(Region.id).where(Region.code == top))
        town, town_id = conn.execute(select(Region.code, Region.id)
                                     .where(Region.parent_id == top_id)
                                     .order_by(Region.code)).first()
        node = town_id
        while True:  # down the first branch to a leaf
            child = conn.execute(select(Region.id, Region.code).where(Region.parent_id == node)
                                 .order_by(Region.code)).first()
            if child is None:
                break
            node, grid = child
    return {"top": top, "town": town, "grid": grid}


def click(state: dict, code: str) -> dict:
    """The server's work for one click on region ``code`` (see the module docstring)."""
    path, search = cb.navigate({"points": [{"location": code}]}, None, state["period"], None,
                               None, state["categories"], state["sources"], state["statuses"],
                               ["hide"], "", state, "/", "", trigger=ids.CONSOLE_MAP)
    pathname = path if isinstance(path, str) else f"/region/{code}"
    pages.render_page(pathname, "", "console:zh")
    new_state = cb.sync_state(pathname, "", state)[0]
    panels = cb.update_panels(new_state, 0)
    rows = cb.grid_rows({"startRow": 0, "endRow": 100}, new_state)
    assert panels[-1] == "", panels[-1]  # no refusal or error message
    return {"state": new_state, "rows": rows[0]["rowCount"]}


def _forget() -> None:
    """Empty the server's memory of shapes and counts (as after a restart)."""
    services.extension().pop(console_cache.SHAPES_CACHE, None)
    services.extension().pop(console_cache.RESULTS_CACHE, None)


@contextmanager
def console_request(engine) -> Iterator[None]:
    """A request of a Flask app holding ``engine``, asked by an admin: where :func:`click`
    runs the console's callbacks as Dash does."""
    app = Flask(__name__)
    app.extensions[services.EXTENSION] = {"engine": engine,
                                          "settings": Settings(database_url="sqlite://")}
    with app.test_request_context("/"):
        g._principal = Principal("bench", "admin", None, None, engine=engine)
        yield


def bench_store(path: Path, repeat: int) -> dict:
    engine = read_only_engine(path)
    regions = _regions(engine)
    start = ConsoleState.parse("/", "").to_store()
    out: dict[str, object] = {"store": path.name, "regions": regions}
    with console_request(engine):
        for name, code in regions.items():
            cold, drill, warm = [], [], []
            for _ in range(repeat):
                _forget()
                began = time.perf_counter()
                result = click(start, code)
                cold.append(time.perf_counter() - began)
                began = time.perf_counter()
                click(start, code)
                warm.append(time.perf_counter() - began)
                _forget()
                cb.update_panels(start, 0)  # the page opened on the top region
                began = time.perf_counter()
                click(start, code)
                drill.append(time.perf_counter() - began)
            out[name] = {"code": code, "list_rows": result["rows"], "cold": _stats(cold),
                         "drill": _stats(drill), "warm": _stats(warm)}
            print(f"{path.name} {name:5} {code}: cold {out[name]['cold']}, "
                  f"drill {out[name]['drill']}, warm {out[name]['warm']} "
                  f"({result['rows']} cases listed)", flush=True)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", nargs="*", type=Path, default=STORES)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    results = [bench_store(path, args.repeat) for path in args.stores if path.exists()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "console.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written {RESULTS / 'console.json'}")


if __name__ == "__main__":
    main()
