"""The words of figures that stand on deadlines (issue 17: no category table, or one that
times part of the cases) and of the category table's import and time units, zh and en: a plain table that :mod:`layouts.text` merges into its
own, so ``t(key, lang)`` stays the one way to word anything."""

from __future__ import annotations

DEADLINE_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "change_none": "持平",
        "no_deadlines": "无处置时限",
        "no_deadlines_hint": "范围内没有案件有处置时限，此项无从计算（不是 0，也不是 100%）。"
                             "导入分类表（python -m dashboard import categories）后即可计算。",
        "deadline_covers": "覆盖 {share} 的案件",
        "deadline_covers_short": "覆盖{share}",
        "deadline_covers_hint": "范围内只有 {share} 的案件有处置时限，此项只按这些案件计算；"
                                "其余案件的分类没有时限，请在分类表中补全。",
        # the category table's import and its time units
        "import_title_categories": "导入分类表：{file}",
        "import_categories_derived": "为 {derived} 件案件按新分类表计算了处置时限；新建部门 "
                                     "{departments_created} 个",
        "desk_unit_working_hours": "个工作时", "desk_unit_natural_days": "个自然日",
    },
    "en": {
        "change_none": "no change",
        "no_deadlines": "No deadlines",
        "no_deadlines_hint": "No case in scope has a deadline, so this cannot be counted (it "
                             "is neither 0 nor 100%). Import a category table (python -m "
                             "dashboard import categories) to count it.",
        "deadline_covers": "covers {share} of cases",
        "deadline_covers_short": "covers {share}",
        "deadline_covers_hint": "Only {share} of the cases in scope have a deadline; this "
                                "figure is counted over those. The others' categories have "
                                "no time limit: complete the category table.",
        # the category table's import and its time units
        "import_title_categories": "imported the category table from {file}",
        "import_categories_derived": "deadlines set from the new category table for {derived} "
                                     "case(s); {departments_created} department(s) created",
        "desk_unit_working_hours": "working hours", "desk_unit_natural_days": "calendar days",
    },
}
