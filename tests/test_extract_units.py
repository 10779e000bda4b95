"""The parser's parts: digit splitting, alignment, dates, decoding, metadata, formats."""

from __future__ import annotations

import datetime as dt

import pytest

import extract
from extract import render
from extract.align import align
from extract.dates import first_date
from extract.decode import decode
from extract.metadata import split_title
from extract.normalize import nfkc
from extract.split import grouped_sum_splits, row_sum_ok, splits, sum_splits


def test_split_uses_the_row_identity_and_no_leading_zeros():
    assert splits(["640020470"], 7, row_sum_ok) == [("64", "0", "0", "2", "0", "4", "70")]
    # Two readings add up; the column identities must decide between them.
    assert len(splits(["270020130"], 7, row_sum_ok)) == 2
    # Surviving spaces are certain boundaries.
    assert splits(["230", "000023"], 7, row_sum_ok) == [("23", "0", "0", "0", "0", "0", "23")]
    assert splits(["000"], 3) == [("0", "0", "0")]
    assert len(splits(["898989"], 3)) > 1
    assert grouped_sum_splits(["10203120001200000"], 3, 5) == [
        ("1", "0", "2", "0", "3", "12", "0", "0", "0", "12", "0", "0", "0", "0", "0")]
    assert splits(["12"], 3) == []


def test_split_gives_up_on_runs_with_too_many_readings():
    assert splits(["1" * 40], 7) is None
    assert sum_splits(["1" * 56], 7) == []  # pruned: no cell can be longer than the total
    assert sum_splits(["120020470640020470"], 7, budget=[5]) is None  # out of search steps
    assert grouped_sum_splits(["12" * 30], 3, 5) in (None, [])


def test_sum_splits_agree_with_the_plain_enumeration():
    import random

    rnd = random.Random(7)
    for _ in range(80):
        cells = [rnd.choice([0, 0, 0, 1, 2, 5, 12, 30, 100, 7, 204]) for _ in range(6)]
        cells.append(sum(cells))
        run = "".join(map(str, cells))
        assert sorted(sum_splits([run], 7)) == sorted(splits([run], 7, row_sum_ok))
        assert tuple(map(str, cells)) in sum_splits([run], 7)


def test_alignment_follows_order_and_leaves_out_what_is_uncertain():
    assert align(3, 3, {}) == [0, 1, 2]
    # Two groups for three rows and nothing to tell which row is missing: neither is placed.
    assert align(2, 3, {}) == [None, None]
    # A label attached to the second group says it is the third row.
    assert align(2, 3, {(1, 2): 12}) == [None, 2]
    assert align(2, 3, {(0, 0): 12, (1, 2): 12}) == [0, 2]
    # A label next to a group (not attached) that contradicts the order is outweighed by it...
    assert align(3, 3, {(1, 2): 2}) == [0, 1, 2]
    # ...and an attached label against the order leaves the contradicted groups out.
    assert align(3, 3, {(1, 2): 12})[1:] == [None, None]
    # Loose labels on both sides of a missing row cannot place the groups around it.
    assert align(2, 3, {(0, 0): 3, (1, 1): 3, (0, 1): 2, (1, 2): 2}) == [None, None]


@pytest.mark.parametrize("text,expected", [
    ("发布时间：2019-01-10", dt.date(2019, 1, 10)),
    ("2024年1月20日", dt.date(2024, 1, 20)),
    ("二〇二四年一月二十日", dt.date(2024, 1, 20)),
    ("二〇二三年十二月三十一日", dt.date(2023, 12, 31)),
    ("2024/01/31 16:46", dt.date(2024, 1, 31)),
    ("2024-13-01", None),
])
def test_dates(text, expected):
    assert first_date(nfkc(text)) == expected


def test_decode_trusts_bytes_over_labels():
    text = "政府信息公开工作年度报告"
    assert decode(text.encode("gbk"), "text/html; charset=utf-8") == (text, "gb18030")
    assert decode(text.encode("utf-8"), "text/html; charset=gbk")[0] == text
    assert decode(text.encode("utf-8"), None)[0] == text
    page = f'<meta charset="gb2312"><p>{text}</p>'.encode("gbk")
    assert text in decode(page)[0]
    mixed = text.encode("utf-8") + text.encode("gbk")
    decoded, _ = decode(mixed)
    assert isinstance(decoded, str) and "政府信息公开" in decoded


def _page(title: str, body: str, **kw) -> bytes:
    return render.portal_page(title, body, **kw).encode()


def test_metadata_from_title_meta_and_labels():
    body = "<p>一、总体情况</p><p>2023年，本局……</p><p>索引号：11440000MB2C93xxxx/2024-00012</p>"
    r = extract.parse(_page("某市民政局2023年度政府信息公开工作年度报告", body, published="2024-01-20"))
    assert (r.agency, r.year, r.published) == ("某市民政局", 2023, "2024-01-20")
    assert r.index_no == "11440000MB2C93xxxx/2024-00012"
    r = extract.parse(_page("2022年某某镇人民政府政府信息公开工作年度报告", "<p>一、总体情况</p>", meta=False))
    assert (r.agency, r.year, r.published) == ("某某镇人民政府", 2022, None)


@pytest.mark.parametrize("title,agency,year", [
    ("重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告", "重庆市长寿区万顺镇人民政府", 2022),
    ("2023年暨阳街道办事处政府信息公开工作年度报告", "暨阳街道办事处", 2023),
    ("某区民政局政府信息公开工作年度报告（2023年度）", "某区民政局", 2023),
    ("某区民政局政府信息公开工作2023年度报告", "某区民政局", 2023),
    ("关于某区民政局2023年度政府信息公开工作年度报告", "某区民政局", 2023),
    ("某区民政局2023年政务公开工作年度报告", "某区民政局", 2023),
    ("某县二〇二三年度政府信息公开工作年度报告", "某县", 2023),
    ("2023年度政府信息公开工作年度报告", None, 2023),
])
def test_agency_and_year_as_the_title_prints_them(title, agency, year):
    assert split_title(title) == (agency, year)


def test_published_from_a_signature_date_and_not_from_the_statistics_period():
    text = ("某某县人民政府2023年政府信息公开工作年度报告\n本报告统计期限自2023年1月1日起至2023年12月31日止。\n"
            "一、总体情况\n2023年，我县……\n六、其他需要报告的事项\n无。\n某某县人民政府\n2024年1月20日\n")
    r = extract.parse(text.encode(), filename="r.txt")
    assert r.published == "2024-01-20" and r.year == 2023
    r = extract.parse(text.replace("2024年1月20日", "二〇二四年一月十八日").encode(), filename="r.txt")
    assert r.published == "2024-01-18"
    r = extract.parse(text.replace("2024年1月20日", "").encode(), filename="r.txt")
    assert r.published is None


def test_a_page_that_is_not_a_report_says_so():
    page = _page("关于开展2024年度安全生产检查的通知", "<p>各单位：现将有关事项通知如下。</p><p>联系电话：12345678</p>", meta=False)
    r = extract.parse(page, content_type="text/html")
    assert r.template is None and r.values == {}
    assert any("not a government information disclosure annual report" in w for w in r.warnings)


def test_a_list_of_reports_is_not_a_report():
    items = "".join(f'<li><a href="/a/{i}.html">某镇{2015 + i}年政府信息公开工作年度报告</a><span>{2016 + i}-01-20</span></li>'
                    for i in range(9))
    page = f"<html><head><title>政府信息公开年报</title></head><body><h2>政府信息公开年报</h2><ul>{items}</ul></body></html>"
    r = extract.parse(page.encode(), url="https://www.example.gov.cn/nb/index.html")
    assert r.template is None and r.values == {} and r.year is None
    assert any("list page" in w for w in r.warnings)


def test_a_report_page_without_tables_infers_the_template_from_the_year():
    page = _page("某某区2022年政府信息公开工作年度报告", "<p>一、总体情况</p><p>详见附件。</p>")
    r = extract.parse(page)
    assert (r.template, r.year, r.values) == ("2021", 2022, {})
    assert any("no statistics tables" in w for w in r.warnings)


@pytest.mark.parametrize("name,body", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("report.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "no Chinese text in here at all".encode("utf-16-le")),
    ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ("broken.pdf", b"%PDF-1.4\n%garbage"),
    ("broken.docx", b"PK\x03\x04garbage"),
], ids=["doc", "xls", "wps", "png", "pdf", "docx", "doc-without-text"])
def test_unreadable_formats_are_a_warning_not_a_crash(name, body):
    r = extract.parse(body, filename=name)
    assert not r.readable and r.warnings and r.template is None
    if name.endswith((".doc", ".xls", ".wps")):
        assert "not readable" in r.warnings[-1] and name[-4:].lstrip(".") in r.warnings[-1]


def test_parse_path_names_a_missing_file(tmp_path):
    r = extract.parse_path(tmp_path / "missing.pdf")
    assert not r.readable and "missing.pdf" in r.warnings[0]


def test_to_json_is_exactly_the_issue_object(shared):
    r = extract.parse_path(shared / "seeds" / "000_3734af7a9bdc841a.txt")
    # Issue 3's object, with issue 20's `sources` (where each value came from) beside the values.
    assert list(r.to_json()) == ["source", "title", "agency", "year", "published", "index_no", "template",
                                 "values", "sources", "checks", "warnings"]
    assert list(r.to_json()["sources"]) == list(r.values)
    assert isinstance(extract.PARSER_VERSION, str)


def _legacy_word(lines: list[list[str]]) -> bytes:
    """Bytes shaped like a Word 97-2003 / WPS file: OLE signature, then the text as UTF-16 with
    table cells ended by \\x07 and rows by a second \\x07 (as Word stores them)."""
    parts = []
    for cells in lines:
        parts.append("\x07".join(cells) + "\x07\x07" if len(cells) > 1 else cells[0] + "\r")
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    return header + "".join(parts).encode("utf-16-le")


@pytest.mark.parametrize("ext", [".doc", ".wps"])
def test_legacy_word_files_are_read_from_their_text(ext):
    from extract_fixtures import SEEDS_2021, gold, prose, title

    stem = SEEDS_2021[1]
    g = gold(stem)
    before, after = prose(stem)
    lines = [[title(stem)], *[[p] for p in before]]
    for heading, rows in render.tables("2021", g["values"]):
        lines.append([heading])
        lines += [[c.text for c in row] for row in rows]
    lines += [[p] for p in after]
    r = extract.parse(_legacy_word(lines), filename="report" + ext)
    assert r.template == "2021" and r.year == g["year"]
    got = r.values
    assert all(got[k] == v for k, v in g["values"].items() if k in got)
    assert sum(k.startswith("applications.") for k in got) >= 150
    assert any("legacy binary format" in w for w in r.warnings)
