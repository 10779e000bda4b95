"""Where every value came from (issue 20): a table cell, and how it was read, or a sentence that
names that very figure; and never a figure the report does not print."""

from __future__ import annotations

import pytest

import extract
from extract.cells import SOURCES
from extract_fixtures import assert_values, gold, gold_inputs

CASES = gold_inputs()


@pytest.mark.parametrize("path,g", CASES, ids=[p.name for p, _ in CASES])
def test_every_value_names_its_source(path, g):
    report = extract.parse_path(path)
    assert list(report.sources) == list(report.values)
    assert set(report.sources.values()) <= set(SOURCES)
    # Every report of ../shared prints its figures in tables.
    assert not any(s == "sentence" for s in report.sources.values())
    # A blank 总计 given as its row's sum is what the gold calls optional, and only that.
    summed = {k for k, s in report.sources.items() if s == "table:row_sum"}
    assert summed <= set(g.get("optional", {})) | set(g["values"])


def test_blank_cells_sums_and_split_runs_are_told_apart(shared):
    page = extract.parse_path(shared / "reports" / "026.html")
    assert page.sources["applications.new_received.research"] == "table:blank"
    assert {k for k, s in page.sources.items() if s == "table:row_sum"} == set(gold("026")["optional"])
    assert all(page.values[k] == 0 for k, s in page.sources.items() if s == "table:blank")
    flat = extract.parse_path(shared / "reports" / "009.txt")
    assert {s for k, s in flat.sources.items() if k.startswith("applications.")} == {"table:split"}


def _prose_only(name: str) -> str:
    """A real pre-2019 report of ../shared with its statistics table cut off: its sentences alone."""
    from conftest import SHARED

    text = (SHARED / "reports" / name).read_text(encoding="utf-8")
    return text[: text.rfind("政府信息公开情况统计表")].rsplit("六、", 1)[0]


# 019 states 2014年主动公开政府信息 2543条, then its parts (区管委会及区直各部门 1687, 各乡镇 856),
# and 收到…信函申请1条; 008 states 2122 and its parts 1509 and 613.
TRAPS = (
    # A running total, not this year's figure.
    ("二、主动公开政府信息情况", "二、主动公开政府信息情况 历年累计主动公开政府信息78967条。"),
    # A heading naming the row, then the year that opens the next sentence.
    ("四、政府信息公开的收费及减免情况", "行政复议 2014年本区无此类案件。四、政府信息公开的收费及减免情况"),
)


@pytest.mark.parametrize("traps", [False, True], ids=["as-published", "with-traps"])
def test_a_report_whose_statistics_are_only_sentences(traps):
    text = _prose_only("019.txt")
    if traps:
        for old, new in TRAPS:
            assert old in text
            text = text.replace(old, new, 1)
    report = extract.parse(text.encode("utf-8"), filename="019.txt")
    assert report.template == "pre2019"
    # The total the parts add up to, and the one figure stated for its row; nothing else.
    assert report.values == {"stats.active.total": 2543, "stats.requests.letter": 1}
    assert set(report.sources.values()) == {"sentence"}


def test_parts_that_do_not_add_up_leave_the_total_out():
    text = _prose_only("008.txt")
    assert extract.parse(text.encode("utf-8"), filename="008.txt").values == {"stats.active.total": 2122}
    report = extract.parse(text.replace("1509条", "1500条", 1).encode("utf-8"), filename="008.txt")
    assert "stats.active.total" not in report.values
    assert any(w.startswith("stats.active.total:") and "left out" in w for w in report.warnings)


def test_a_table_figure_is_never_replaced_by_a_sentence(shared):
    text = (shared / "reports" / "019.txt").read_text(encoding="utf-8")
    report = extract.parse(text.encode("utf-8"), filename="019.txt")
    assert_values(report, gold("019")["values"])
    assert set(report.sources.values()) == {"table"}
