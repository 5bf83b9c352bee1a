"""Figures that stand on deadlines (issue 17), counted by hand on both stores: over the cases
that have a deadline only, with the share they cover, and unknown (``None``, JSON ``null``)
when no case has one, never closed / closed = 100% nor 0 overdue.

The store is :mod:`tests.data.test_metrics`' (P = 2026-03-01..03-10 in UTC, as_of = P's end,
03-11 00:00), with its own cases, all in grid G1.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from dashboard.cli import main
from dashboard.settings import Settings
from data import report
from data.metrics import compute
from data.periods import period_for
from tests.data.test_metrics import END, FIELDS, G1, NOW, START, build, d

#: code, status, reported, dispatched, resolved, closed, due (every case in G1, an incident)
HALF = [
    ("T1", "closed", d(2), d(2, 1), d(3), d(3), d(5)),          # on time
    ("T2", "closed", d(2), d(2, 1), d(6), d(6), d(4)),          # late
    ("U1", "closed", d(2), d(2, 1), d(3), d(3), None),
    ("U2", "closed", d(4), d(4, 1), d(7), d(7), None),
    ("T3", "dispatched", d(1), d(1, 1), None, None, d(4)),      # open, overdue at as_of
    ("T4", "dispatched", d(8), d(8, 1), None, None, d(25)),     # open, due after P
    ("U3", "dispatched", d(8), d(8, 1), None, None, None),      # open
    ("U4", "filed", d(9), None, None, None, None),               # open
]


def _cases(rows, timed: bool = True):
    out = []
    for code, status, reported, dispatched, resolved, closed, due in rows:
        values = {"code": code, "region_id": G1, "status": status, "case_class": "incident",
                  "reported_at": reported, "dispatched_at": dispatched,
                  "resolved_at": resolved, "closed_at": closed,
                  "due_at": due if timed else None}
        out.append(tuple(values.get(f) for f in FIELDS))
    return out


def _both(engine):
    """The county's metrics counted directly and from the rollups (they must agree)."""
    period = period_for(START, END, ZoneInfo("UTC"))
    with engine.connect() as conn:
        direct = compute(conn, [1], period, period.end, source="direct")[1]
        rolled = compute(conn, [1], period, period.end, source="rollups")[1]
    return direct, rolled


def test_half_the_cases_timed_reads_the_rates_over_the_timed_half_and_says_how_much(engine):
    build(engine, cases=_cases(HALF), events=[], patrols=[])
    for got in _both(engine):
        # due to close: closed in P T1 T2 U1 U2, due in P and open T3; with a deadline T1 T2 T3
        assert got["due_to_close"] == 5
        assert got["deadline_coverage"] == pytest.approx(3 / 5)
        assert got["closure_rate"] == pytest.approx(2 / 3)         # T1 T2 of T1 T2 T3
        assert got["on_time_closure_rate"] == pytest.approx(1 / 3)  # T1
        # due to handle: resolved in P T1 T2 U1 U2, dispatched and due in P T3: timed 3
        assert got["handling_deadline_coverage"] == pytest.approx(3 / 5)
        assert got["handling_rate"] == pytest.approx(2 / 3)
        # open at as_of: T3 T4 U3 U4, two with a deadline; T3 overdue; U4, awaiting
        # dispatch, has no deadline yet, rightly: the share is of T3 T4 U3
        assert (got["open"], got["overdue"]) == (4, 1)
        assert got["open_deadline_coverage"] == pytest.approx(2 / 3)


def test_a_store_without_deadlines_has_every_deadline_figure_unknown(engine):
    build(engine, cases=_cases(HALF, timed=False), events=[], patrols=[])
    for got in _both(engine):
        assert (got["closed"], got["open"], got["due_to_close"]) == (4, 4, 4)
        for key in ("closure_rate", "on_time_closure_rate", "handling_rate", "overdue",
                    "closed_on_time"):
            assert got[key] is None, key
        assert got["deadline_coverage"] == 0.0
        assert got["open_deadline_coverage"] == 0.0


def test_summary_json_says_null_not_100_or_0(engine, capsys):
    build(engine, cases=_cases(HALF, timed=False), events=[], patrols=[])
    url = engine.url.render_as_string(hide_password=False)
    assert main(["summary", "--from", START.isoformat(), "--to", END.isoformat(), "--json"],
                Settings(database_url=url)) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert {k: metrics[k] for k in ("closure_rate", "on_time_closure_rate", "handling_rate",
                                    "overdue")} == dict.fromkeys(
        ("closure_rate", "on_time_closure_rate", "handling_rate", "overdue"))
    assert metrics["closed"] == 4 and metrics["deadline_coverage"] == 0.0
    assert report.summarize(engine, "C", START, END, now=NOW)["metrics"]["overdue"] is None


def test_nothing_open_is_nothing_overdue_even_without_deadlines(engine):
    build(engine, cases=_cases(HALF[:4], timed=False), events=[], patrols=[])
    for got in _both(engine):
        assert (got["open"], got["overdue"], got["open_deadline_coverage"]) == (0, 0, None)
