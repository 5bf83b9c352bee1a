"""How long region names are shortened (layouts/labels.py), and the comparison chart that
writes them beside its bars with the full name on hover."""

from __future__ import annotations

import pytest

from layouts import figures
from layouts.labels import columns, distinct_short_lines, short_lines

#: Los Angeles' twelve service regions, as the city names them.
LA = ["REGION 1 - NORTH EAST VALLEY", "REGION 2 - NORTH WEST VALLEY",
      "REGION 3 - SOUTH WEST VALLEY", "REGION 4 - SOUTH EAST VALLEY", "REGION 5 - CENTRAL 1",
      "REGION 6 - CENTRAL 2", "REGION 7 - EAST", "REGION 8 - NORTH EAST LA",
      "REGION 9 - SOUTH LA 2", "REGION 10 - SOUTH LA 1", "REGION 11 - WEST LA",
      "REGION 12 - HARBOR"]


def test_a_chinese_character_is_two_columns_and_latin_one():
    assert columns("城关镇") == 6
    assert columns("REGION 1") == 8
    assert columns("第1网格") == 7
    assert columns("（一）") == 6  # full-width brackets are wide too


def test_a_name_that_fits_is_left_as_it_is():
    assert short_lines("REGION 11 - WEST LA", 19) == ["REGION 11 - WEST LA"]
    assert short_lines("  城关镇\n东  ", 9) == ["城关镇 东"]  # spacing made single
    assert short_lines("城关镇", 6) == ["城关镇"]


def test_latin_wraps_at_a_space_after_the_separator_when_the_rest_fits():
    assert short_lines("REGION 1 - NORTH EAST VALLEY", 20) == ["REGION 1 -",
                                                               "NORTH EAST VALLEY"]


def test_latin_without_a_separator_wraps_where_the_lines_balance():
    # "WEST ADAMS" / "NEIGHBORHOOD COUNCIL" would also fit; the even split is kept
    assert short_lines("WEST ADAMS NEIGHBORHOOD COUNCIL", 20) == ["WEST ADAMS",
                                                                  "NEIGHBORHOOD COUNCIL"]
    assert short_lines("NORTH HOLLYWOOD NORTHEAST NC", 18) == ["NORTH HOLLYWOOD",
                                                               "NORTHEAST NC"]


def test_a_hyphenated_word_may_break_after_its_hyphen():
    assert short_lines("SUNLAND-TUJUNGA", 10) == ["SUNLAND-", "TUJUNGA"]


def test_what_does_not_fit_on_two_lines_ends_in_an_ellipsis():
    name = "UNITED NEIGHBORHOODS OF THE HISTORIC ARLINGTON HEIGHTS"
    # first line: as many words as fit in 24; second: 23 characters and "…"
    assert short_lines(name, 24) == ["UNITED NEIGHBORHOODS OF", "THE HISTORIC ARLINGTON…"]
    assert short_lines(name, 12, lines=1) == ["UNITED NEIG…"]


def test_chinese_wraps_by_its_width_anywhere():
    # 12 columns = 6 characters a line; the second line 5 characters and "…" (11 columns)
    assert short_lines("清源县城关镇东城街道建设社区", 12) == ["清源县城关镇", "东城街道建…"]
    # "城关镇第" / "1网格" fits too (8 and 5 columns); 6 and 7 is the more even split
    assert short_lines("城关镇第1网格", 8) == ["城关镇", "第1网格"]


def test_a_mixed_name_counts_each_character_by_its_width():
    # "第" 2 + "REGION" 6 = 8, "一区" 4: both fit in 10, more evenly than 10 and 2
    assert short_lines("第REGION一区", 10) == ["第REGION", "一区"]
    # one line is cut anywhere: "城关镇RE" is 8 columns, and "…" makes 9
    assert short_lines("城关镇REGIONAL第一", 9, lines=1) == ["城关镇RE…"]


def test_a_word_longer_than_a_line_is_cut():
    assert short_lines("ABCDEFGHIJKLMNOP", 6) == ["ABCDEF", "GHIJK…"]


def test_a_nonsense_width_is_refused_by_name():
    with pytest.raises(ValueError, match="width"):
        short_lines("x", 1)


def test_la_s_regions_stay_twelve_different_labels_within_the_limit():
    for width in (12, 16, 30):
        short = distinct_short_lines(LA, width)
        assert len({tuple(lines) for lines in short}) == 12
        assert all(columns(line) <= width and len(lines) <= 2
                   for lines in short for line in lines)


def test_names_that_would_shorten_alike_keep_the_words_where_they_differ():
    names = ["EMPOWERMENT CONGRESS NORTH AREA NDC", "EMPOWERMENT CONGRESS SOUTHWEST AREA NDC",
             "EMPOWERMENT CONGRESS SOUTHEAST AREA NDC"]
    # on one line of 16 each would be "EMPOWERMENT CON…" (one line is cut anywhere)
    assert short_lines(names[0], 16, lines=1) == ["EMPOWERMENT CON…"]
    assert distinct_short_lines(names, 16, lines=1) == [
        ["…NORTH AREA NDC"], ["…SOUTHWEST AREA…"], ["…SOUTHEAST AREA…"]]


def test_names_alike_to_the_last_column_are_numbered():
    names = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ1", "ABCDEFGHIJKLMNOPQRSTUVWXYZ2",
             "ABCDEFGHIJKLMNOPQRSTUVWXYZ2"]
    assert distinct_short_lines(names, 3, lines=1) == [["…1"], ["…2"], ["…2"]]
    alike = ["ABCDEFGHIJ 1", "ABCDEFGHIJ 2"]  # they differ after the cut, in a short word
    assert distinct_short_lines(alike, 6, lines=1) == [["…1"], ["…2"]]


def test_the_comparison_chart_writes_short_names_and_hovers_the_full_ones():
    names = [*LA, "UNITED NEIGHBORHOODS OF THE HISTORIC ARLINGTON HEIGHTS, WEST ADAMS, "
                  "AND JEFFERSON PARK COMMUNITY", "城关镇"]
    codes = [f"C{i}" for i in range(len(names))]
    rates = [("结案率", [0.5] * len(names)), ("按期结案率", [None] * len(names))]
    fig = figures.compare_bars(names, codes, rates)
    yaxis = fig.layout.yaxis
    assert list(yaxis.tickvals) == codes and yaxis.type == "category"
    lines = [text.split("<br>") for text in yaxis.ticktext]
    assert all(columns(line) <= figures.COMPARE_NAME_COLUMNS and len(tick) <= 2
               for tick in lines for line in tick)
    assert lines[0] == ["REGION 1 - NORTH EAST VALLEY"]  # 28 columns: one line
    assert lines[12] == ["UNITED NEIGHBORHOODS OF THE", "HISTORIC ARLINGTON HEIGHTS, W…"]
    assert lines[13] == ["城关镇"]
    for trace in fig.data:
        assert list(trace.y) == codes and list(trace.customdata) == codes
        assert list(trace.hovertext) == names  # the full names
        assert "%{hovertext}" in trace.hovertemplate
    # a row per name, 32 px each (some take two lines), and 64 for legend and axis
    assert fig.layout.height == 64 + 14 * 32


def test_the_comparison_chart_of_short_names_takes_a_line_a_row():
    fig = figures.compare_bars(["城关镇", "东城街道"], ["1", "2"], [("结案率", [0.25, 1.0])])
    assert fig.layout.height == 64 + 2 * 22
    assert list(fig.data[0].x) == [25.0, 100.0]


def test_a_label_is_set_smaller_to_fit_but_never_below_the_smallest():
    from layouts.labels import fitting_size

    assert fitting_size("今日上报", 164, 17, 13) == 17  # fits as it is
    # ten em of Chinese (the "·" drawn full width) in 164 px: 16 px
    assert fitting_size("网格内解决率·近30日", 164, 17, 13) == 16
    assert fitting_size("x" * 200, 164, 17, 13) == 13  # cut below that
    assert fitting_size("", 164, 17, 13) == 17
