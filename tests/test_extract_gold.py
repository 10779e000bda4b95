"""The seeds and every real report in ../shared parse to their hand-checked values (gold)."""

from __future__ import annotations

import pytest

import extract
from extract import templates
from extract_fixtures import assert_values, gold_inputs

CASES = gold_inputs()


def test_every_gold_file_has_an_input():
    stems = {path.stem for path, _ in CASES}
    assert len(CASES) >= 16 and {"000_3734af7a9bdc841a", "001", "026"} <= stems


@pytest.mark.parametrize("path,gold", CASES, ids=[p.name for p, _ in CASES])
def test_parses_to_gold(path, gold):
    report = extract.parse_path(path)
    assert report.template == gold["template"]
    assert report.year == gold["year"]
    assert report.agency == gold["agency"]
    if "published" in gold:
        assert report.published == gold["published"]
    assert_values(report, gold["values"], gold.get("optional"))
    # Values come in the template's key order, keys from the schema.
    known = set(templates.keys("2021")) | set(templates.keys("2019")) | set(templates.keys("pre2019"))
    assert set(report.values) <= known


@pytest.mark.parametrize("path,gold", [c for c in CASES if c[1]["template"] != "pre2019"],
                         ids=[p.name for p, g in CASES if g["template"] != "pre2019"])
def test_checks_record_what_the_printed_tables_say(path, gold):
    report = extract.parse_path(path)
    assert report.checks, "a 2019/2021 report gets its identities checked"
    for check in report.checks:
        assert set(check) == {"name", "ok", "detail"} and isinstance(check["ok"], bool)
    failed = {c["name"] for c in report.failed_checks}
    if path.stem == "001":
        # 001 prints 行政复议 10 1 0 0 with 总计 0, and 复议后起诉 5 0 0 0 with 总计 0.
        assert failed == {"appeals.review", "appeals.litigation_after_review"}
    else:
        assert failed == set()


def test_report_text_is_the_report_without_chrome(shared):
    report = extract.parse_path(shared / "seeds" / "002_d14223c41a91255a.txt")
    assert "总体情况" in report.text and "存在的主要问题" in report.text
    page = extract.parse_path(shared / "reports" / "026.html")
    assert page.text.startswith("2019年上海市人民政府办公厅政府信息公开工作年度报告")
    assert "<td" not in page.text and "821" in page.text
