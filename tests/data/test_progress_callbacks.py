"""The progress callbacks of the long data functions (the imports, the demo's build): each
stage's counts start at 0, never go back and end at the stage's total, and the totals are
what was read and written; a run watched reports the same as one not watched."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Engine, text

from data import case_import
from data.demo import county
from data.field.patrol_import import import_patrols
from data.models import Base
from tests.data.field import track_store
from tests.data.field.test_patrol_import import FIRST
from tests.data.field.test_patrol_import import _files as patrol_files
from tests.data.test_importer import ROWS, case_toml, regions, write_csv  # noqa: F401


class Heard:
    """A progress callback that keeps what it hears, stage by stage, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.calls.append((stage, done, total))

    def stages(self) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {}
        for stage, done, total in self.calls:
            out.setdefault(stage, []).append((done, total))
        return out

    def check(self) -> dict[str, int]:
        """Every stage: one total, counts from 0 up to it, never back; its total."""
        totals = {}
        order = list(dict.fromkeys(stage for stage, _, _ in self.calls))
        # a stage is heard in one stretch, not begun again after another
        assert [s for i, (s, _, _) in enumerate(self.calls)
                if i == 0 or self.calls[i - 1][0] != s] == order
        for stage, calls in self.stages().items():
            assert len({total for _, total in calls}) == 1, (stage, calls)
            counts = [done for done, _ in calls]
            assert counts[0] == 0 and counts == sorted(counts), (stage, counts)
            assert counts[-1] == calls[0][1], (stage, calls)
            totals[stage] = calls[0][1]
        return totals


def _many_rows(n: int) -> list[list[str]]:
    """``n`` cases like ROWS' first (closed, in G1), each with its own external id."""
    first = ROWS[0]
    return [[f"M{i}", *first[1:]] for i in range(n)]


def test_a_case_import_is_heard_stage_by_stage_and_reports_the_same(regions, tmp_path):
    engine: Engine = regions
    path = write_csv(tmp_path / "cases.csv", _many_rows(10_050))
    heard = Heard()
    report = case_import.import_cases(engine, path, case_toml(tmp_path), progress=heard)
    totals = heard.check()
    assert list(totals) == ["read", "check", "locate", "write"]
    assert totals == {"read": 1, "check": 10_050, "locate": 10_050, "write": 10_050}
    writes = [done for stage, done, _ in heard.calls if stage == "write"]
    assert writes == [0, 5000, 10_000, 10_050, 10_050]  # a call per chunk of 5,000 inserted
    # the same file again, unwatched: the report of an unchanged import, as always
    again = case_import.import_cases(engine, path, case_toml(tmp_path))
    assert (report.imported, again.imported, again.unchanged) == (10_050, 0, 10_050)


def test_a_patrol_import_is_heard_stage_by_stage(engine, tmp_path):
    track_store.build(engine)
    data, mapping = patrol_files(tmp_path, FIRST)
    heard = Heard()
    report = import_patrols(engine, data, mapping, progress=heard)
    assert heard.check() == {"read": 1, "check": 7, "locate": 7, "write": 7}
    assert report.imported == 7


def test_the_demo_build_is_heard_and_writes_the_rows_it_counted(sqlite_engine):
    heard = Heard()
    report = county.build_demo(sqlite_engine, scale="small", seed=3,
                               as_of=datetime(2026, 6, 1, 8, 0), progress=heard)
    totals = heard.check()
    assert list(totals) == ["regions", "generate", "write", "index", "rollups"]
    assert totals["regions"] == 3  # the small county's towns
    with sqlite_engine.connect() as conn:
        stored = {name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar()
                  for name in Base.metadata.tables}
    demo_tables = ("regions", "departments", "categories", "officers", "officer_roster",
                   "officer_regions", "cases", "case_events", "mediations", "return_visits",
                   "patrols", "patrol_points", "patrol_visits")
    assert totals["write"] == sum(stored[name] for name in demo_tables)
    assert stored["cases"] == report.cases and asdict(report)["cases"] > 0
    assert totals["index"] > 0 and totals["rollups"] == 1
