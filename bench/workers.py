"""Benchmark: what a console click costs in a worker that did not warm the counts itself.

    .venv/bin/python bench/workers.py --store PATH --redis redis://127.0.0.1:6390/0 [--repeat 5]

With several workers the console's warming (:func:`dashboard.console_cache.prewarm_once`)
runs where the deployment's background work runs. This measures, on a store (the county
demo: ``DATABASE_URL=sqlite:////work/benchdata/county.sqlite3 python -m dashboard demo``),
the server's work for a click (``bench/console.py``'s :func:`click`: navigate, router,
state, every panel, the case list's first block) on the top region, a town and a grid:

* ``cold``: nothing counted anywhere (what every worker but the leader pays, on each
  region, once a minute, when counts are kept per worker);
* ``shared``: the leader warmed the counts into Redis (:class:`RedisResultCache`) and this
  worker, which never counted anything itself, reads them (it holds its map shapes, kept
  per regions version, as a worker does after its first click);
* ``local``: this worker warmed its own in-process counts (the one-process case).

The store is opened read-only. The machine is shared and noisy: read medians.
Results: bench/results/workers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, g  # noqa: E402

from bench.console import RESULTS, _regions, _stats, click, read_only_engine  # noqa: E402
from dashboard import console_cache, services, shared_state  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import region_view as views  # noqa: E402
from data.console_state import ConsoleState  # noqa: E402
from data.store import utcnow  # noqa: E402
from data.users import Principal  # noqa: E402


def _new_worker(settings: Settings) -> None:
    """Forget everything this process kept (counts and shared-state connections): the
    next click is a worker's that counted nothing itself."""
    shared_state._STATES.clear()
    services.extension().pop(console_cache.RESULTS_CACHE, None)


def _empty_redis(settings: Settings) -> None:
    state = shared_state.of(settings)
    for key in state.client.scan_iter(state.prefix + "counts:*"):
        state.client.delete(key)


def bench(path: Path, redis_url: str, repeat: int) -> dict:
    engine = read_only_engine(path)
    shared = Settings(database_url=f"sqlite:///{path}", redis_url=redis_url)
    alone = Settings(database_url=f"sqlite:///{path}")
    app = Flask(__name__)
    regions = _regions(engine)
    start = ConsoleState.parse("/", "").to_store()
    out: dict[str, object] = {"store": path.name, "regions": regions}
    with app.test_request_context("/"):
        g._principal = Principal("bench", "admin", None, None, engine=engine)
        app.extensions[services.EXTENSION] = {"engine": engine, "settings": shared}
        for name, code in regions.items():
            cold, warm_shared, warm_local = [], [], []
            for _ in range(repeat):
                app.extensions[services.EXTENSION]["settings"] = shared
                _empty_redis(shared)
                _new_worker(shared)
                began = time.perf_counter()
                click(start, code)
                cold.append(time.perf_counter() - began)
                _empty_redis(shared)
                with engine.connect() as conn:  # the leader warms Redis
                    views.prewarm(conn, console_cache.results_cache(), utcnow())
                _new_worker(shared)  # another worker, which counted nothing
                began = time.perf_counter()
                click(start, code)
                warm_shared.append(time.perf_counter() - began)
                app.extensions[services.EXTENSION]["settings"] = alone
                _new_worker(alone)
                with engine.connect() as conn:  # this worker warms its own
                    views.prewarm(conn, console_cache.results_cache(), utcnow())
                began = time.perf_counter()
                click(start, code)
                warm_local.append(time.perf_counter() - began)
            out[name] = {"code": code, "cold": _stats(cold), "shared": _stats(warm_shared),
                         "local": _stats(warm_local)}
            print(f"{name:5} {code}: cold {out[name]['cold']}, shared {out[name]['shared']}, "
                  f"local {out[name]['local']}", flush=True)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = bench(args.store, args.redis, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workers.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written {RESULTS / 'workers.json'}")


if __name__ == "__main__":
    main()
