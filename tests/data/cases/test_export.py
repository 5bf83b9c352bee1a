"""Exports of the case list: the filtered list in words, formulas neutralised."""

from __future__ import annotations

import io
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

from data.cases import export
from data.cases.filter import CaseFilter, FilterError
from data.cases.listing import case_page
from layouts.text import word
from tests.data.cases.hand_store import FIRST, LAST, NOW, flt

ZH, EN = partial(word, lang="zh"), partial(word, lang="en")


def test_csv_export_is_the_filtered_list(hand):
    f = flt(region_code="T1")
    model = {"status": {"filterType": "set", "values": ["closed", "dispatched"]}}
    with hand.connect() as conn:
        data = export.export_cases(conn, f, NOW, "csv", ZH, filter_model=model)
        rows, _ = case_page(conn, f, NOW, filter_model=model)
    assert data.startswith("\ufeff".encode("utf-8"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns)[:3] == ["案卷编号", "上报时间", "大类"]
    assert "问题描述" in frame.columns and "状态" in frame.columns
    # T1 cases reported in the period that are closed or dispatched, newest first
    assert frame["案卷编号"].tolist() == ["A3", "A12", "A2", "A11", "A1"]
    assert frame["案卷编号"].tolist() == [r["code"] for r in rows]
    by_code = frame.set_index("案卷编号")
    assert by_code.loc["A2", "状态"] == "已派遣" and by_code.loc["A2", "阶段亮灯"] == "红灯"
    assert by_code.loc["A2", "超期(小时)"] == "204.0"
    assert by_code.loc["A11", "问题描述"] == "<script>alert(1)</script>"
    assert by_code.loc["A12", "问题描述"] == "'=1+1"  # a formula is shown, never run
    assert by_code.loc["A12", "地址"] == "'@home"
    assert by_code.loc["A11", "紧急"] == "是"


def test_xlsx_export_in_english(hand):
    with hand.connect() as conn:
        data = export.export_cases(conn, flt(), NOW, "xlsx", EN,
                                   sort_model=[{"colId": "code", "sort": "asc"}])
        with pytest.raises(FilterError):
            export.export_cases(conn, flt(), NOW, "pdf", EN)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "cases"
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert header[:4] == ("Case code", "Reported at", "Category", "Subcategory")
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["Case code"]] for r in body] == sorted(
        ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A11", "A12"])
    a12 = next(r for r in body if r[col["Case code"]] == "A12")
    assert a12[col["Description"]] == "'=1+1" and a12[col["Address"]] == "'@home"
    a11 = next(r for r in body if r[col["Case code"]] == "A11")
    assert a11[col["Description"]] == "<script>alert(1)</script>"
    assert a11[col["Status"]] == "Closed" and a11[col["Source"]] == "Grid patrol"
    a2 = next(r for r in body if r[col["Case code"]] == "A2")
    assert a2[col["Overdue (hours)"]] == 204.0 and a2[col["Stage light"]] == "Red"


def test_export_filename():
    name = export.export_filename(CaseFilter(region_code="REGION 2 - N/W", first=FIRST,
                                             last=LAST), "xlsx", NOW)
    assert name == "cases_REGION-2-N-W_20260301-20260320_20260320-1200.xlsx"
    assert export.export_filename(CaseFilter(days=7), "csv", NOW) == \
        "cases_all_last7d_20260320-1200.csv"


def test_export_filename_is_in_the_deployments_zone():
    """The time a person reads in the name is the pages' local time (issue 18): 18:30 UTC
    is 02:30 of the next day in Shanghai (UTC+8), 11:30 the same day in Los Angeles
    (UTC-7 on 20 March 2026, daylight time)."""
    evening = datetime(2026, 3, 20, 18, 30)  # naive UTC, as stored
    assert export.export_filename(CaseFilter(days=7), "csv", evening,
                                  ZoneInfo("Asia/Shanghai")) == \
        "cases_all_last7d_20260321-0230.csv"
    assert export.export_filename(CaseFilter(days=7), "xlsx", evening,
                                  ZoneInfo("America/Los_Angeles")) == \
        "cases_all_last7d_20260320-1130.xlsx"


def test_neutralise():
    assert [export.neutralise(v) for v in ("=A1", "+1", "-1", "@x", "\tx", "a=b", 5)] == \
        ["'=A1", "'+1", "'-1", "'@x", "'\tx", "a=b", 5]


def test_the_csv_stream_is_the_csv_export_block_by_block(hand):
    f = flt(region_code="T1")
    sort = [{"colId": "code", "sort": "asc"}]
    with hand.connect() as conn:
        whole = export.export_cases(conn, f, NOW, "csv", ZH, sort_model=sort)
    blocks = list(export.csv_chunks(hand, f, NOW, ZH, sort_model=sort, block=2))
    assert b"".join(blocks) == whole
    frame = pd.read_csv(io.BytesIO(whole), encoding="utf-8-sig", dtype=str)
    rows = len(frame)
    assert rows == 7  # by hand: A1 A2 A8 A11 (G1), A3 A4 A12 (G2); A9 is of February
    # the header, then the rows two at a time
    assert len(blocks) == 1 + (rows + 1) // 2
    assert [len(b.decode("utf-8-sig").splitlines()) for b in blocks[1:]] == [2, 2, 2, 1]


def test_the_csv_stream_checks_before_sending_and_gives_its_connection_back(hand):
    with pytest.raises(FilterError):  # raised at the call: no response has begun
        export.csv_chunks(hand, flt(), NOW, ZH, sort_model=[{"colId": "secret", "sort": "asc"}])
    pool = hand.pool
    stream = export.csv_chunks(hand, flt(), NOW, ZH, block=1)
    assert pool.checkedout() == 0  # nothing held until the body is sent
    next(stream), next(stream)
    assert pool.checkedout() == 1
    stream.close()  # the client went away
    assert pool.checkedout() == 0


def test_an_xlsx_over_the_cap_is_refused_before_a_row_is_read(hand):
    with hand.connect() as conn:
        with pytest.raises(export.ExportTooLarge) as refused:
            export.export_cases(conn, flt(), NOW, "xlsx", EN, max_rows=9)
        at_cap = export.export_cases(conn, flt(), NOW, "xlsx", EN, max_rows=10)
        csv_any_length = export.export_cases(conn, flt(), NOW, "csv", EN, max_rows=1)
    # by hand: T1's 7, G3's A5 A6 A7; A10 is unlocated, A9 of February
    assert (refused.value.rows, refused.value.limit) == (10, 9)
    assert len(list(openpyxl.load_workbook(io.BytesIO(at_cap)).active.iter_rows())) == 11
    assert len(csv_any_length.decode("utf-8-sig").splitlines()) == 11
