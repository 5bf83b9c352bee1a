"""A serving process gives its free C heap back to the OS (:mod:`dashboard.heap`), and
``serve``'s background work of every process does it every few seconds."""

from __future__ import annotations

import os
import threading

import pytest

from dashboard import heap, serving
from dashboard.app import create_app
from dashboard.settings import Settings

glibc = pytest.mark.skipif(heap._LIBC is None, reason="the C library is not glibc")


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@glibc
def test_free_heap_pages_in_the_middle_of_an_arena_go_back_to_the_os():
    kept: list = []

    def fragment() -> None:
        # 120 MB of blocks malloc serves from its heap (past pymalloc's 512 bytes, below
        # the mmap threshold), then all but one block in a hundred freed: the free pages
        # lie between blocks still in use, so nothing but malloc_trim returns them
        blocks = [bytes(1000) for _ in range(120_000)]
        kept.extend(blocks[::100])
        del blocks

    worker = threading.Thread(target=fragment)  # a thread of its own, as a request's
    worker.start()
    worker.join()
    before = _rss_mb()
    assert heap.trim()
    after = _rss_mb()
    assert before - after > 50, (before, after)
    assert len(kept) == 1200


@glibc
def test_the_arenas_are_limited():
    assert heap.limit_arenas(4) and heap.limit_arenas()


def test_off_glibc_both_do_nothing(monkeypatch):
    monkeypatch.setattr(heap, "_LIBC", None)
    assert heap.trim() is False and heap.limit_arenas() is False


def test_serving_processes_trim_their_heap_in_the_background(tmp_path, monkeypatch):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    trims = []
    done = threading.Event()

    def counted() -> bool:
        trims.append(1)
        if len(trims) >= 2:
            done.set()
        return True

    monkeypatch.setattr(heap, "trim", counted)
    monkeypatch.setattr(heap, "TRIM_SECONDS", 0.01)
    running = serving.start_background(
        app, app.server.extensions["grid_dashboard"]["settings"], with_feed=False)
    try:
        assert done.wait(5), "every serving process trims its heap again and again"
    finally:
        serving.stop_background(running)
