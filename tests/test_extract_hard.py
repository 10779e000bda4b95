"""What hard real reports print, read figure by figure: tables that do not add up, digit runs the
report's own text resolves, numbered pre-2019 sub-rows, cells a conversion moved out of their row,
and signed numbers. Each input is a real report of ../shared perturbed into the shape; each class
has its negative case, where the evidence does not decide and the value stays out."""

from __future__ import annotations

import pytest

import extract
from conftest import SHARED
from extract_fixtures import assert_values, gold


def _report(name: str) -> str:
    return (SHARED / "reports" / name).read_text(encoding="utf-8")


def _perturbed(name: str, *swaps: tuple[str, str]) -> str:
    text = _report(name)
    for old, new in swaps:
        assert text.count(old) >= 1, f"{old!r} not in {name}"
        text = text.replace(old, new, 1)
    return text


def _parse(text: str, name: str = "report.txt"):
    return extract.parse(text.encode("utf-8"), filename=name)


def _expected(stem: str, changes: dict | None = None, left_out: tuple[str, ...] = ()) -> dict:
    values = {**gold(stem)["values"], **(changes or {})}
    return {k: v for k, v in values.items() if k not in left_out}


def _row(key: str, cells: list[int]) -> dict:
    columns = ("natural_person", "business", "research", "social_welfare", "legal_services", "other_org", "total")
    return {f"applications.{key}.{c}": v for c, v in zip(columns, cells)}


def _assert_exactly(report, expected: dict, absent: tuple[str, ...] = ()) -> None:
    assert_values(report, expected)
    for key in absent:
        assert key not in report.values, f"{key} = {report.values[key]} given though the evidence does not decide it"


# 1. A flattened table whose rows add up but whose columns do not -----------------------------------

GRANTED = "（一）予以公开7000007"
PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）1000001"


def test_a_row_split_one_way_is_kept_when_the_columns_do_not_add_up():
    """009 (2019 template, flattened page text) with 予以公开 printed as 8 where the column sums need 7:
    the row's run has one reading (8|0|0|0|0|0|8), which is what the report prints."""
    report = _parse(_perturbed("009.txt", (GRANTED, "（一）予以公开8000008")))
    _assert_exactly(report, _expected("009", _row("granted", [8, 0, 0, 0, 0, 0, 8])))
    assert {c["name"] for c in report.failed_checks} == {"applications.handled.natural_person",
                                                          "applications.handled.total"}


def test_a_row_with_two_readings_stays_out_when_the_columns_cannot_decide():
    """部分公开 printed as 11000011: 11|0|…|11 and 1|10|…|11 each fail one column sum, and the total
    column fails under both; nothing tells the readings apart."""
    report = _parse(_perturbed("009.txt", (PARTIAL, PARTIAL.replace("1000001", "11000011"))))
    row = tuple(_row("partially_granted", [0] * 7))
    _assert_exactly(report, _expected("009", left_out=row), absent=row)
    assert any(w.startswith("applications.partially_granted:") and "left out" in w for w in report.warnings)


def test_one_digit_per_cell_is_read_even_when_the_row_does_not_add_up():
    """Seven digits for seven cells (7000006) and fifteen for table 四's fifteen have one reading
    each; the printed totals that do not add up are recorded as failed checks."""
    report = _parse(_perturbed("009.txt", (GRANTED, "（一）予以公开7000006"),
                               ("000000000000000 五", "100000000000000 五")))
    appeals = {f"appeals.review.{c}": v for c, v in
               zip(("upheld", "corrected", "other", "pending", "total"), (1, 0, 0, 0, 0))}
    expected = _expected("009", {**_row("granted", [7, 0, 0, 0, 0, 0, 6]), **appeals})
    _assert_exactly(report, expected)
    failed = {c["name"] for c in report.failed_checks}
    assert {"applications.row.granted", "appeals.review"} <= failed


# 2. Digit runs that the report's own text resolves -------------------------------------------------

NORMATIVE_2021 = ("active.normative_documents.issued", "active.normative_documents.repealed",
                  "active.normative_documents.in_force")
TABLE_2 = "二、主动公开政府信息情况"


def test_the_reports_text_picks_the_one_reading_of_table_2():
    """007 prints 行政规范性文件693665 (69 | 3 | 665 run together); a sentence of its prose stating
    two of the three figures leaves one reading."""
    text = _perturbed("007.txt", (TABLE_2, "本年度制发行政规范性文件69件，现行有效665件。" + TABLE_2))
    report = _parse(text)
    expected = {**_expected("007"), **gold("007")["optional"]}
    _assert_exactly(report, expected)
    assert [report.values[k] for k in NORMATIVE_2021] == [69, 3, 665]
    assert any("本年度制发行政规范性文件69件" in w for w in report.warnings), "the deciding sentence is named"


@pytest.mark.parametrize("sentence", ["现行有效行政规范性文件665件。", "本年度制发行政规范性文件7件。", ""],
                         ids=["one-figure-leaves-two-readings", "contradicts-every-reading", "no-sentence"])
def test_table_2_run_stays_out_when_the_text_does_not_decide(sentence):
    report = _parse(_perturbed("007.txt", (TABLE_2, sentence + TABLE_2)))
    _assert_exactly(report, _expected("007"), absent=NORMATIVE_2021)


NEW_RECEIVED = "一、本年新收政府信息公开申请数量230 000023"
CARRIED_OVER = "二、上年结转政府信息公开申请数量0000000"


@pytest.mark.parametrize("stated", [True, False], ids=["stated", "not-stated"])
def test_the_reports_text_picks_the_reading_of_a_table_3_row(stated):
    """`29510101955` adds up as 2|951|0|1|0|1|955 and as 2|9|5|10|10|19|55; with 上年结转 unreadable
    no column sum can choose, but 收到政府信息公开申请55件 in 一、总体情况 can."""
    swaps = [(NEW_RECEIVED, "一、本年新收政府信息公开申请数量29510101955"),
             (CARRIED_OVER, CARRIED_OVER[:-1])]
    if stated:
        swaps.append(("一、总体情况", "一、总体情况全年共收到政府信息公开申请55件。"))
    report = _parse(_perturbed("009.txt", *swaps))
    new = _row("new_received", [2, 9, 5, 10, 10, 19, 55])
    gone = tuple(_row("carried_over", [0] * 7))
    if stated:
        _assert_exactly(report, _expected("009", new, left_out=gone), absent=gone)
        assert any("全年共收到政府信息公开申请55件" in w for w in report.warnings)
    else:
        _assert_exactly(report, _expected("009", left_out=gone + tuple(new)), absent=gone + tuple(new))


# 3. Pre-2019 statistics tables with numbered sub-rows ----------------------------------------------

WEBSITE = "其中：1、政府网站公开数条212210037"
GAZETTE = "2、政府公报公开数条00"
COMPLAINTS = "接受行政诉讼、举报数件00"


@pytest.mark.parametrize("website,gazette", [
    ("1.网站公开条212210037", "2.政府公报公开条00"),
    ("其中：（1）政府网站公开条212210037", "（2）政府公报公开条00"),
    ("其中：1、网站公开数条212210037", "2、公报公开数条00"),
], ids=["dot", "bracketed", "comma"])
def test_numbered_sub_rows_glued_to_the_digits_before_them(website, gazette):
    """008 (flattened page text) with its sub-rows numbered as other reports number them: the
    number after a run (`…100372.政府公报…`) is the next row's, not a digit of this one."""
    report = _parse(_perturbed("008.txt", (WEBSITE, website), (GAZETTE, gazette)))
    _assert_exactly(report, _expected("008"))


@pytest.mark.parametrize("label", ["行政申述数件", "举报投诉件", "接受申诉、举报数件", "行政申诉数件"])
def test_complaints_rows_under_their_many_names(label):
    report = _parse(_perturbed("008.txt", (COMPLAINTS, label + "00")))
    _assert_exactly(report, _expected("008"))


ACTIVE_PROSE = "主动公开政府信息2122条"
ACTIVE_ROWS = "主动公开文件数条212210037" + WEBSITE + GAZETTE


@pytest.mark.parametrize("stated", [True, False], ids=["stated", "not-stated"])
def test_sub_row_runs_split_as_the_sums_and_the_text_decide(stated):
    """`81642039` (主动公开 8164 | 累计 20397 … ) has four readings with 累计 ≥ 本年, and so has the
    website row; the sum 主动公开 = 网站 + 公报 pairs them, and only the prose's 8164 picks the pair."""
    rows = "主动公开文件数条816420397其中：1.网站公开条8164203922.政府公报公开条05"
    prose = "主动公开政府信息8164条" if stated else "主动公开政府信息若干条"
    report = _parse(_perturbed("008.txt", (ACTIVE_ROWS, rows), (ACTIVE_PROSE, prose)))
    changed = {"stats.active.total": 8164, "stats.active.total.cumulative": 20397, "stats.active.website": 8164,
               "stats.active.website.cumulative": 20392, "stats.active.gazette": 0,
               "stats.active.gazette.cumulative": 5}
    if stated:
        _assert_exactly(report, _expected("008", changed))
        assert any("主动公开政府信息8164条" in w for w in report.warnings)
    else:
        undecided = tuple(k for k in changed if "gazette" not in k)
        _assert_exactly(report, _expected("008", changed, left_out=undecided), absent=undecided)


# 4. A cell a conversion moved out of its row ------------------------------------------------------

NORMATIVE_MD = "| 规范性文件 | 13 | 0 | 55 |"


def test_a_cell_dumped_after_the_table_goes_back_to_its_only_hole():
    """004 (PDF converted to markdown) with 本年废止 printed as `9（其中修订3件）`, which the
    conversion moved out of the row: the row keeps an empty cell, the figure stands after the table."""
    text = _perturbed("004.md", (NORMATIVE_MD, "| 规范性文件 | 13 |  | 55 |\n9（其中修订3件）"))
    report = _parse(text, "report.md")
    _assert_exactly(report, _expected("004", {"active.normative_documents.repealed": 9}))


def test_a_bare_figure_after_the_table_is_not_a_cell():
    """A figure alone on a line with no note may be a page number: the empty cell stays a blank (0)."""
    text = _perturbed("004.md", (NORMATIVE_MD, "| 规范性文件 | 13 |  | 55 |\n9"))
    _assert_exactly(_parse(text, "report.md"), _expected("004"))


@pytest.mark.parametrize("stated", [True, False], ids=["stated", "not-stated"])
def test_a_row_short_of_a_cell_takes_the_dumped_figure_only_where_the_text_places_it(stated):
    """The row printed with two numbers for three cells: the figure after the table fits three
    places, and only a sentence stating one of the row's figures can choose."""
    swaps = [(NORMATIVE_MD, "| 规范性文件 | 13 | 55 |\n9（其中修订3件）")]
    if stated:
        swaps.append(("一、总体情况", "一、总体情况\n本年废止规范性文件9件。"))
    report = _parse(_perturbed("004.md", *swaps), "report.md")
    keys = ("active.normative_documents.issued", "active.normative_documents.repealed",
            "active.normative_documents.in_force")
    if stated:
        _assert_exactly(report, _expected("004", {"active.normative_documents.repealed": 9}))
    else:
        _assert_exactly(report, _expected("004", left_out=keys), absent=keys)


# 5. Signed numbers in 本年增/减 --------------------------------------------------------------------

def test_a_minus_between_two_cells_is_the_change_columns_sign():
    report = _parse(_perturbed("009.txt", ("行政事业性收费350", "行政事业性收费48-12")))
    assert report.values["active.fees.previous_count"] == 48
    assert report.values["active.fees.change"] == -12
    _assert_exactly(report, _expected("009", {"active.fees.previous_count": 48, "active.fees.change": -12}))


def test_a_signed_cell_inside_a_run():
    spaced = _parse(_perturbed("009.txt", ("行政许可3960181", "行政许可396 -10 181")))
    assert [spaced.values.get(f"active.licensing.{c}") for c in ("previous_count", "change", "decisions")] == \
        [396, -10, 181]
    # 396-10181: the minus starts the change cell, but where the change ends is open (-10|181, -101|81, -1018|1).
    run = _parse(_perturbed("009.txt", ("行政许可3960181", "行政许可396-10181")))
    keys = tuple(f"active.licensing.{c}" for c in ("previous_count", "change", "decisions"))
    _assert_exactly(run, _expected("009"), absent=keys)


# The statements themselves ---------------------------------------------------------------------------

def test_what_a_sentence_states_and_what_it_does_not():
    from extract import prose

    text = ("本年度制发行政规范性文件12件，废止3件，现行有效156件。全年收到政府信息公开申请34件，其中自然人32件，"
            "法人2件。主动公开政府信息3120条，同比增长12条。办理行政许可550件。")
    subjects = ["active.normative_documents", "active.licensing", "applications.new_received", "stats.active.total"]
    found = {(s.key, s.value) for s in prose.statements(text, subjects, "2021")}
    assert found == {("active.normative_documents.issued", 12), ("active.normative_documents.repealed", 3),
                     ("active.normative_documents.in_force", 156), ("applications.new_received.total", 34),
                     ("stats.active.total", 3120), ("active.licensing.decisions", 550)}
    # 2019's columns are other words: 制发 is 新制作 there, 现行有效 names none of them.
    found_2019 = {(s.key, s.value) for s in prose.statements(text, ["active.normative_documents"], "2019")}
    assert found_2019 == {("active.normative_documents.new_made", 12)}
