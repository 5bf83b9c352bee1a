"""The store's counters: the data version and the regions version live views key on."""

from __future__ import annotations

from datetime import datetime

from data import store
from data.demo import county


def test_the_regions_version_counts_apart_from_the_data_version(engine):
    with store.transaction(engine) as conn:
        assert store.regions_version(conn) == 0
        assert store.bump_regions_version(conn) == 1
        assert store.bump_regions_version(conn) == 2
        store.bump_data_version(conn)
    with engine.connect() as conn:
        assert (store.data_version(conn), store.regions_version(conn)) == (1, 2)
    assert store.versions(engine) == {"data_version": 1, "regions_version": 2}


def test_a_store_without_tables_has_no_counters(tmp_path):
    bare = store.make_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    assert store.versions(bare) == {"data_version": 0, "regions_version": 0}
    bare.dispose()


def test_building_the_demo_again_moves_both_counters_on(tmp_path):
    # a running server keeps maps by the regions version: a store rebuilt from nothing
    # must not start again at a number it kept maps for
    engine = store.make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    as_of = datetime(2026, 11, 20, 9, 0)
    county.build_demo(engine, scale="small", seed=3, as_of=as_of)
    first = store.versions(engine)
    assert first["regions_version"] >= 1 and first["data_version"] >= 1
    county.build_demo(engine, scale="small", seed=3, as_of=as_of)
    again = store.versions(engine)
    assert again["regions_version"] > first["regions_version"]
    assert again["data_version"] > first["data_version"]
    engine.dispose()
