"""Bounded bodies: a crawl of a hostile server on 127.0.0.1 records each hostile answer as its own
outcome, stays within bounded memory and archives the ordinary reports beside them.

The server and its spider are in tests/hostile_site.py; the crawl runs in a subprocess so that its
peak memory (VmHWM, not the ru_maxrss it inherits from pytest) is its own.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.bodies import (BoundedDecompressionMiddleware, DecompressionBomb, body_kind, office_archive_problem,
                            pdf_stream_problem)

sys.path.insert(0, str(Path(__file__).parent))
from hostile_site import CUT_ANNOUNCED, CUT_SENT, HOSTILE, NORMAL, HostileServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db, stats_file = folder / "archive.db", folder / "stats.json"
    with HostileServer() as server:
        settings = {"DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.1}
        done = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "hostile_site.py"), f"{server.url}/list.html", str(db),
             str(stats_file), json.dumps(settings)],
            cwd=ROOT, capture_output=True, text=True, timeout=240,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        stats = json.loads(stats_file.read_text())
        with sqlite3.connect(db) as conn:
            failures = {url.removeprefix(server.url): (outcome, message)
                        for url, outcome, message in conn.execute("SELECT url, outcome, message FROM fetch_failures")}
            archived = {url.removeprefix(server.url) for (url,) in conn.execute("SELECT url FROM pages")}
    return {"stats": stats, "failures": failures, "archived": archived, "log": done.stderr}


def test_each_hostile_answer_ends_as_its_own_outcome(hostile_crawl):
    failures = hostile_crawl["failures"]
    assert {path: failures.get(path, ("none",))[0] for path in HOSTILE} == {
        path: outcome for path, (_, outcome) in HOSTILE.items()}


def test_the_records_say_what_happened_in_numbers(hostile_crawl):
    failures = hostile_crawl["failures"]
    assert failures["/cut.html"][1] == f"the body ended early: {CUT_ANNOUNCED} bytes announced, {CUT_SENT} received"
    assert "200000000 bytes announced" in failures["/huge.pdf"][1]
    assert "bytes received, more than the 16777216-byte limit for a page" in failures["/endless.html"][1]
    assert "ZIP members declare" in failures["/bomb.docx"][1]
    assert "inflates past" in failures["/bomb.pdf"][1]
    assert "on the wire inflated past" in failures["/gzip-bomb.html"][1]
    assert "redirects through 2 addresses" in failures["/loop-a.html"][1]


def test_the_crawl_goes_on_archives_the_other_reports_and_stays_small(hostile_crawl):
    assert set(NORMAL) <= hostile_crawl["archived"]
    assert not set(HOSTILE) & hostile_crawl["archived"]
    stats = hostile_crawl["stats"]
    assert stats["finish_reason"] == "finished"
    # The issue measured 1,120 MB for the gzip bomb alone and 3,094 MB for a 200 MB body.
    assert stats["maxrss_mb"] < 500, stats["maxrss_mb"]


# -- the pieces on their own ------------------------------------------------------------------


def test_each_kind_has_its_limit():
    assert body_kind("https://x.gov.cn/a/2024.pdf") == "pdf"
    assert body_kind("https://x.gov.cn/a/2024.DOCX") == "office"
    assert body_kind("https://x.gov.cn/download?filename=report.xlsx") == "office"
    assert body_kind("https://x.gov.cn/a/t2024.html") == "page"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_an_office_file_is_judged_by_its_zip_directory():
    ordinary = _zip({"word/document.xml": "<w:p>一、总体情况</w:p>".encode() * 2000})
    assert office_archive_problem(ordinary, max_total=128 * MiB, ratio=100) is None
    dense = _zip({"word/document.xml": b" " * (8 * MiB)})
    assert "more than 100 times" in office_archive_problem(dense, max_total=128 * MiB, ratio=100)
    assert "declare" in office_archive_problem(dense, max_total=4 * MiB, ratio=0)
    assert office_archive_problem(b"\xd0\xcf\x11\xe0 an old .doc", max_total=MiB, ratio=100) is None
    assert office_archive_problem(b"PK but no archive", max_total=MiB, ratio=100) is None


def test_a_pdf_is_judged_by_how_far_its_streams_inflate():
    import zlib

    shared = sorted((ROOT.parent / "shared" / "reports").glob("*.pdf"))
    assert shared, "../shared/reports holds real report PDFs"
    for path in shared:
        assert pdf_stream_problem(path.read_bytes(), max_total=512 * MiB, ratio=100) is None, path
    stream = zlib.compress(b"0 0 m 1 1 l S\n" * (MiB // 2), 9)
    bomb = b"%PDF-1.4\n4 0 obj<</Length 9/Filter/FlateDecode>>stream\n" + stream + b"\nendstream\nendobj\n"
    assert "more than 100 times" in pdf_stream_problem(bomb, max_total=512 * MiB, ratio=100)
    assert "more than the" in pdf_stream_problem(bomb, max_total=2 * MiB, ratio=0)
    assert pdf_stream_problem(b"<html>not a pdf</html>", max_total=MiB, ratio=100) is None


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)


def test_a_compressed_body_may_inflate_only_so_far():
    crawler = get_crawler(settings_dict={"NIANBAO_MAX_INFLATE_RATIO": 100, "NIANBAO_INFLATE_FLOOR": 64 * 1024})
    middleware = BoundedDecompressionMiddleware.from_crawler(crawler)
    from scrapy.http import HtmlResponse

    def response(body: bytes) -> HtmlResponse:
        return HtmlResponse("https://x.gov.cn/t.html", body=body, headers={"Content-Encoding": "gzip"})

    page = "".join(f"<tr><td>（{n}）申请</td><td>{n * 7919 % 10007}</td></tr>" for n in range(5000)).encode()
    request = Request("https://x.gov.cn/t.html", meta={"download_maxsize": 16 * MiB})
    assert middleware.process_response(request, response(_gzip(page))).body == page
    assert request.meta["download_maxsize"] == 16 * MiB, "the request's own limit is left as it was"
    bomb = _gzip(bytes(8 * MiB))
    with pytest.raises(DecompressionBomb, match="inflated past"):
        middleware.process_response(request, response(bomb))


def test_the_archive_parse_path_refuses_bombs_before_the_parser_inflates_them():
    from archive.parsing import parse_body
    from hostile_site import docx_bomb, pdf_bomb

    for body, name in ((docx_bomb(), "a.docx"), (pdf_bomb(), "a.pdf")):
        parsed = parse_body(body, url=f"https://x.gov.cn/{name}", content_type=None, filename=name, parser="extract")
        assert parsed.error.startswith("not parsed: a decompression bomb: "), parsed.error
        assert not parsed.report
    real = (ROOT.parent / "shared" / "reports" / "001.pdf").read_bytes()
    assert parse_body(real, url="https://x.gov.cn/001.pdf", content_type="application/pdf", filename="001.pdf",
                      parser="extract").error is None
