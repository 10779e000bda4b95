"""Random, truncated and mixed-encoding input: no crash, no hang, always the issue-3 object."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extract
from extract import render
from extract.cells import SOURCES
from extract_fixtures import SEEDS_2021, gold, pdf_report, portal_html

FIELDS = ["source", "title", "agency", "year", "published", "index_no", "template", "values", "sources", "checks",
          "warnings"]
_PAGE = portal_html(SEEDS_2021[0]).encode("utf-8")
_GBK = portal_html(SEEDS_2021[1]).encode("gb18030")
_PDF = pdf_report(SEEDS_2021[2])
_TEXT = render.flattened("2021", gold(SEEDS_2021[3])["values"]).encode("utf-8")
FAST = settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow])


def _ok(report) -> None:
    data = report.to_json()
    assert list(data) == FIELDS
    assert isinstance(data["values"], dict) and isinstance(data["warnings"], list)
    assert all(isinstance(v, (int, float)) for v in data["values"].values())
    assert data["sources"].keys() == data["values"].keys()
    assert set(data["sources"].values()) <= set(SOURCES)


@FAST
@given(st.binary(max_size=4096), st.sampled_from([None, "a.html", "a.txt", "a.pdf", "a.docx", "a.xlsx", "a.md"]))
def test_random_bytes(body, filename):
    _ok(extract.parse(body, filename=filename))


@FAST
@given(st.text(max_size=3000))
def test_random_text_as_page(text):
    _ok(extract.parse(text.encode("utf-8", "surrogatepass"), content_type="text/html"))


@FAST
@given(st.sampled_from([_PAGE, _GBK, _PDF, _TEXT]), st.floats(0, 1), st.floats(0, 1))
def test_truncated_reports(body, a, b):
    start, end = sorted((int(a * len(body)), int(b * len(body))))
    started = time.perf_counter()
    _ok(extract.parse(body[start:end], filename="x.pdf" if body is _PDF else None))
    assert time.perf_counter() - started < 5


@FAST
@given(st.lists(st.sampled_from(["utf-8", "gb18030", "big5", "utf-16", "latin-1"]), min_size=2, max_size=4),
       st.integers(0, 3))
def test_mixed_encodings(encodings, seed):
    text = portal_html(SEEDS_2021[seed % len(SEEDS_2021)])
    chunk = len(text) // len(encodings) + 1
    body = b"".join(text[i * chunk : (i + 1) * chunk].encode(enc, "replace") for i, enc in enumerate(encodings))
    _ok(extract.parse(body, content_type="text/html; charset=utf-8"))


@settings(max_examples=30, deadline=3000)
@given(st.lists(st.sampled_from(["0", "1", "12", "640020470", " ", "|", "\n", "（一）予以公开", "本年新收政府信息公开申请数量",
                                 "第二十条第（一）项", "行政复议", "总计", "3.其他", "历年累计", "主动公开文件数", "<td>", "</tr>"]),
                max_size=300))
def test_table_like_noise(parts):
    _ok(extract.parse("".join(parts).encode(), filename="x.txt"))
    _ok(extract.parse(("<table><tr><td>" + "</td><td>".join(parts) + "</td></tr></table>").encode(), filename="x.html"))


def test_deeply_nested_html():
    body = ("<div>" * 5000 + "一、总体情况" + "</div>" * 5000).encode()
    _ok(extract.parse(body, filename="deep.html"))
