"""``python -m dashboard import categories FILE --mapping M.toml`` on the tiny store (UTC)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

from sqlalchemy import insert, select

from dashboard.cli import IMPORTS, main
from data import store
from data.category_import import import_categories
from data.models import Case
from tests.data.test_category_import import TABLE, TABLE_HEADER, TABLE_TOML


def _files(tmp_path, rows=TABLE):
    data, mapping = tmp_path / "cats.csv", tmp_path / "cats.toml"
    data.write_text("\n".join([TABLE_HEADER, *rows]) + "\n", encoding="utf-8")
    mapping.write_text(TABLE_TOML, encoding="utf-8")
    return str(data), str(mapping)


def test_import_categories_words_its_report_and_dates_the_cases(settings, tmp_path, capsys):
    assert getattr(*IMPORTS["categories"]) is import_categories
    engine = store.make_engine(settings.database_url)
    with store.transaction(engine) as conn:  # a case of 占道经营 (2 hours) with no deadline
        conn.execute(insert(Case).values(code="K9", status="filed", location_method="point",
                                         region_id=4, subcategory="占道经营", version=1,
                                         reported_at=datetime(2026, 3, 2, 8)))
    data, mapping = _files(tmp_path)
    assert main(["import", "categories", data, "--mapping", mapping], settings) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"导入分类表：{data}", "读取 2 行；新增 2，更新 0，未变 0，拒收 0",
        "为 1 件案件按新分类表计算了处置时限；新建部门 2 个"]
    with engine.connect() as conn:
        assert conn.scalar(select(Case.due_at).where(Case.code == "K9")) == \
            datetime(2026, 3, 2, 10)
    english = dataclasses.replace(settings, language="en")
    assert main(["import", "categories", data, "--mapping", mapping], english) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "2 rows read: 0 new, 0 updated, 2 unchanged, 0 rejected",
        "deadlines set from the new category table for 0 case(s); 0 department(s) created"]
    assert main(["import", "categories", data, "--mapping", mapping, "--json"], settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["kind"], report["unchanged"], report["deadlines_derived"]) == \
        ("categories", 2, 0)
    engine.dispose()


def test_import_categories_refuses_with_one_line(settings, tmp_path, capsys):
    data, mapping = _files(tmp_path, [TABLE[0].replace(",2,工作日,", ",两天,工作日,")])
    assert main(["import", "categories", data, "--mapping", mapping], settings) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: cats.csv, row 2, column '时限', value '两天': not a number of hours or days "
        "(e.g. 2, 0.5, 2工作日) (nothing was imported)"]
