"""Where a running wall's browser memory goes: two heap snapshots and what survived between.

    .venv/bin/python bench/wall_heap.py [--grids 1000] [--warm-minutes 2] [--minutes 10]

Opens the wall in headless Chromium with 1-second refreshes and a case arriving every few
seconds (as ``bench/wall.py`` does), takes a heap snapshot after the warm-up and another at
the end (each after a forced GC), and prints the objects allocated after the first snapshot
and still alive at the second, grouped by constructor, largest first. Node ids are stable
within a session, so "new and still alive" is exact, not a difference of totals.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wall import CHROMIUM_ARGS, CaseFeed, _store  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import users  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def take_snapshot(cdp) -> dict:
    chunks: list[str] = []

    def chunk(event: dict) -> None:
        chunks.append(event["chunk"])

    cdp.on("HeapProfiler.addHeapSnapshotChunk", chunk)
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    cdp.remove_listener("HeapProfiler.addHeapSnapshotChunk", chunk)
    return json.loads("".join(chunks))


def nodes_of(snapshot: dict) -> dict[int, tuple[str, int]]:
    """Node id -> (group name, self size)."""
    meta = snapshot["snapshot"]["meta"]
    fields = meta["node_fields"]
    types = meta["node_types"][0]
    width = len(fields)
    at = {name: fields.index(name) for name in ("type", "name", "id", "self_size")}
    strings = snapshot["strings"]
    flat = snapshot["nodes"]
    out = {}
    for i in range(0, len(flat), width):
        kind = types[flat[i + at["type"]]]
        name = strings[flat[i + at["name"]]]
        if kind in ("string", "concatenated string", "sliced string"):
            group = "(string)"
        elif kind in ("object", "closure", "native", "array"):
            group = f"{kind}:{name[:80]}"
        else:
            group = f"({kind})"
        out[flat[i + at["id"]]] = (group, flat[i + at["self_size"]])
    return out


def names_of(snapshot: dict) -> dict[int, tuple[str, str, int]]:
    """Node id -> (type, name, self size): a string's name is its text, code's its kind."""
    meta = snapshot["snapshot"]["meta"]
    fields = meta["node_fields"]
    types = meta["node_types"][0]
    width = len(fields)
    at = {name: fields.index(name) for name in ("type", "name", "id", "self_size")}
    flat, strings = snapshot["nodes"], snapshot["strings"]
    return {flat[i + at["id"]]: (types[flat[i + at["type"]]], strings[flat[i + at["name"]]],
                                 flat[i + at["self_size"]])
            for i in range(0, len(flat), width)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--warm-minutes", type=float, default=2)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--keep", help="a folder to keep the two snapshots in "
                        "(open them in Chromium's DevTools, Memory tab)")
    args = parser.parse_args()
    url = _store(args.grids, args.cases)
    app = create_app(Settings(database_url=url, wall_refresh_seconds=1))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = app.server.extensions["grid_dashboard"]["engine"]
    token = users.create_display_token(engine, None, label="bench-heap")
    feed = CaseFeed(url)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"http://127.0.0.1:{server.server_port}/wall?token={token}")
        page.wait_for_function(
            f"document.querySelectorAll('.wall-map .choroplethlocation').length >= {args.grids}",
            timeout=180_000)
        cdp = page.context.new_cdp_session(page)
        cdp.send("HeapProfiler.enable")

        def run(minutes: float) -> None:
            stop = time.monotonic() + minutes * 60
            while time.monotonic() < stop:
                feed.add()
                page.wait_for_timeout(3000)

        def snap(name: str) -> dict:
            taken = take_snapshot(cdp)
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                (Path(args.keep) / f"{name}.heapsnapshot").write_text(json.dumps(taken))
            return taken

        run(args.warm_minutes)
        first_snapshot = snap("first")
        first = nodes_of(first_snapshot)
        run(args.minutes)
        second_snapshot = snap("second")
        second = nodes_of(second_snapshot)
        browser.close()
    server.shutdown()
    users.revoke_display_token(engine, users.check_display_token(engine, token).id)
    size = lambda nodes: sum(s for _, s in nodes.values())  # noqa: E731
    print(f"heap: {size(first) / 2**20:.2f} MB -> {size(second) / 2**20:.2f} MB; "
          f"nodes {len(first)} -> {len(second)}; cases added {feed.n}")
    fresh = collections.Counter()
    counts = collections.Counter()
    for node_id, (group, self_size) in second.items():
        if node_id not in first:
            fresh[group] += self_size
            counts[group] += 1
    gone = sum(s for node_id, (_, s) in first.items() if node_id not in second)
    print(f"new and alive: {sum(fresh.values()) / 2**20:.2f} MB in {sum(counts.values())} "
          f"objects; freed since the first: {gone / 2**20:.2f} MB")
    for group, self_size in fresh.most_common(args.top):
        print(f"{self_size / 1024:10.1f} KB {counts[group]:8d}  {group}")
    net, net_counts = collections.Counter(), collections.Counter()
    for nodes, sign in ((second, 1), (first, -1)):
        for group, self_size in nodes.values():
            net[group] += sign * self_size
            net_counts[group] += sign
    print("\nnew and alive code and strings, by name:")
    named = collections.Counter()
    for node_id, (kind, name, self_size) in names_of(second_snapshot).items():
        if node_id not in first and kind in ("code", "string", "concatenated string"):
            named[f"{kind}: {name[:100]!r}"] += self_size
    for group, self_size in named.most_common(args.top):
        print(f"{self_size / 1024:10.1f} KB  {group}")
    print("\nnet change by group (second minus first), largest growth first:")
    for group, change in net.most_common(args.top):
        if change > 0:
            print(f"{change / 1024:+10.1f} KB {net_counts[group]:+8d}  {group}")


if __name__ == "__main__":
    main()
