"""Hostile and damaged input: the parser answers every input, in bounded time, without losing more
than the damaged part. Inputs are ../shared reports mutated at run time (extract.mutate, fixed
seeds); `bench/fuzz.py` runs 2,000 of them and prints the slowest and the peak memory."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest

import extract
from conftest import SHARED
from extract import mutate
from extract_fixtures import assert_values, gold, portal_html

#: Far above any parse seen (the slowest of 2,000 mutated inputs takes about a second): reaching it
#: means the parser hangs, as it did on digit runs around a dash.
HANG_S = 30


@contextmanager
def no_hang(seconds: int = HANG_S):
    def fail(*_):
        raise TimeoutError(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _sources() -> list[tuple[str, bytes]]:
    reports = [p for p in sorted((SHARED / "reports").iterdir()) if p.suffix in (".txt", ".md", ".pdf", ".html")]
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    return [(p.name, p.read_bytes()) for p in reports + seeds]


CASES = 300
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
def test_mutated_reports_get_an_answer_without_a_parser_error(part):
    """300 mutated reports (byte flips, truncation, shuffled and duplicated lines, digit runs, tags,
    deep nesting), in four parts: each parse returns, says what it could not read, and never fails
    inside."""
    cases = list(mutate.cases(_sources(), CASES, seed=0))
    assert {kind for c in cases for kind in c.name.split(":")[1].split("+")} == set(mutate.MUTATIONS)
    size = CASES // PARTS
    for case in cases[part * size : (part + 1) * size]:
        with no_hang():
            report = extract.parse(case.body, filename=case.filename)
        internal = [w for w in report.warnings if w.startswith(("parser error", "input nested too deeply"))]
        assert not internal, f"{case.name}: {internal}"


SEED = "001_7841e5a45d261ac2"
TOTAL_ROW = "(七)总计 | 18 |"


def _seed_with(old: str, new: str) -> bytes:
    text = (SHARED / "seeds" / f"{SEED}.txt").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def _without_row(values: dict, row: str) -> dict:
    return {k: v for k, v in values.items() if not k.startswith(f"applications.{row}.")}


@pytest.mark.parametrize("digits", [40, 400, 4000])
def test_digit_runs_around_a_dash_in_a_cell_leave_out_only_that_row(digits):
    body = _seed_with(TOTAL_ROW, "(七)总计 | 18" + "1" * digits + "——" + "1" * digits + " |")
    with no_hang():
        report = extract.parse(body, filename="report.txt")
    assert_values(report, _without_row(gold(SEED)["values"], "total_handled"))
    assert any(w.startswith("applications.total_handled:") and "no readable figure" in w for w in report.warnings)


def test_a_number_longer_than_any_figure_is_not_a_number():
    """5,000 digits in a cell once made the whole report unreadable (Python's int conversion limit)."""
    report = extract.parse(_seed_with(TOTAL_ROW, "(七)总计 | " + "1" * 5000 + " |"), filename="report.txt")
    assert report.readable
    assert_values(report, _without_row(gold(SEED)["values"], "total_handled"))


def test_twenty_digits_in_a_cell_are_left_out_with_a_warning():
    report = extract.parse(_seed_with(TOTAL_ROW, "(七)总计 | " + "1" * 20 + " |"), filename="report.txt")
    assert "applications.total_handled.natural_person" not in report.values
    assert any("longer than any figure" in w for w in report.warnings)


@pytest.mark.parametrize("depth,how", [(1000, "read in full"), (3000, "wrappers removed")])
def test_content_nested_deep_is_read_with_a_warning(depth, how):
    stem = "000_3734af7a9bdc841a"
    page = portal_html(stem)
    start = page.index(">", page.index("<body")) + 1
    end = page.rindex("</body>")
    nested = page[:start] + "<div>" * depth + page[start:end] + "</div>" * depth + page[end:]
    report = extract.parse(nested.encode("utf-8"), content_type="text/html", url="https://www.example.gov.cn/a.html")
    assert_values(report, gold(stem)["values"])
    assert any("nests elements" in w and how in w for w in report.warnings)


def test_decompression_bombs_are_refused_before_a_reader_inflates_them():
    """`extract.parse` (and so `nianbao parse FILE`) judges a DOCX by its ZIP directory and a PDF by
    its streams inflated in steps, as the crawl and the archive do (nianbao.inflation)."""
    from hostile_site import docx_bomb, pdf_bomb

    for body, name in ((docx_bomb(), "bomb.docx"), (pdf_bomb(), "bomb.pdf")):
        with no_hang():
            report = extract.parse(body, filename=name)
        assert not report.readable and report.warnings[0].startswith("not read: "), report.warnings
    real = extract.parse((SHARED / "reports" / "001.pdf").read_bytes(), filename="001.pdf")
    assert real.readable and real.values
