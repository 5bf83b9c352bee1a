"""The export's formula guard: whatever a spreadsheet could run is written as text.

Excel, WPS and LibreOffice run a cell that starts with ``=`` ``+`` ``-`` ``@``; with a
Chinese or Japanese input method the fullwidth forms ＝ ＋ － ＠ are turned into those, and
importers may trim leading blanks or treat tab and carriage return as the start of a
formula (OWASP's advice). Each is prefixed with an apostrophe; plain texts are untouched.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from functools import partial

import openpyxl
import pytest
from sqlalchemy import update

from data import store
from data.cases import export
from data.cases.filter import CaseFilter
from data.models import Case
from layouts.text import word
from tests import tiny_store

RUN = [
    "=HYPERLINK(\"http://evil.example/\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)",
    "＝HYPERLINK(\"http://evil.example/\")", "＋1", "－1", "＠SUM(A1)", "﹦1", "﹢1", "﹣1", "﹫x",
    " =1+1", "\u3000＝1+1", "\u00a0+1", "\u200b=1", "\ufeff@x", "\u202e=1", "  \u3000 ＠x",
    "\t=1", "\r=1", "\n=1", "\tanything", "\x0b1", "−1",
]
PLAIN = ["正常的描述", "a=1", "1-2", "电话 110", "'=1 already quoted", "", "(=1)", "'＝1"]


@pytest.mark.parametrize("text", RUN)
def test_a_formula_in_any_width_after_any_blank_is_neutralised(text):
    assert export.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_alone(text):
    assert export.neutralise(text) == text


def test_values_that_are_not_text_are_left_alone():
    assert export.neutralise(-3) == -3 and export.neutralise(None) is None


@pytest.fixture
def hostile(sqlite_engine):
    store.init_db(sqlite_engine)
    tiny_store.build(sqlite_engine)
    with store.transaction(sqlite_engine) as conn:
        conn.execute(update(Case).where(Case.code == "K1").values(
            description="＝HYPERLINK(\"http://evil.example/\",\"点我\")", address="\u3000＠x"))
        conn.execute(update(Case).where(Case.code == "K2").values(
            description="\t=1+1", address="普通地址"))
    return sqlite_engine


def _export(engine, fmt: str) -> bytes:
    flt = CaseFilter(region_code="C", first=date(2026, 3, 1), last=date(2026, 3, 10))
    with engine.connect() as conn:
        return export.export_cases(conn, flt, datetime(2026, 3, 20), fmt, partial(word, lang="en"))


def test_csv_and_xlsx_exports_write_them_as_text(hostile):
    rows = list(csv.reader(io.StringIO(_export(hostile, "csv").decode("utf-8-sig"))))
    header = rows[0]
    by_code = {row[header.index("Case code")]: row for row in rows[1:]}
    description, address = header.index("Description"), header.index("Address")
    assert by_code["K1"][description] == "'＝HYPERLINK(\"http://evil.example/\",\"点我\")"
    assert by_code["K1"][address] == "'\u3000＠x"
    assert by_code["K2"][description] == "'\t=1+1"
    assert by_code["K2"][address] == "普通地址"

    sheet = openpyxl.load_workbook(io.BytesIO(_export(hostile, "xlsx"))).active
    cells = list(sheet.iter_rows())
    names = [c.value for c in cells[0]]
    by_code = {row[names.index("Case code")].value: row for row in cells[1:]}
    k1 = by_code["K1"][names.index("Description")]
    assert k1.data_type == "s" and k1.value.startswith("'＝HYPERLINK")
    assert by_code["K2"][names.index("Description")].value == "'\t=1+1"
