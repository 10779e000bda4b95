"""A hostile web server on 127.0.0.1 and a spider that crawls it (tests/test_crawl_hostile.py).

The server's one list page shows ordinary report pages next to hostile ones: a gzip bomb (1 GiB of
zeros in about 1 MB), a PDF whose content stream inflates to 256 MiB, a 200 MB PDF (announced) and a 200 MB page streamed without a length (both
generated as they are sent, never held), a DOCX whose ZIP member inflates to 256 MiB, a redirect
loop, a body that stalls, and one cut short of its announced length.

`python tests/hostile_site.py URL DB STATS [SETTINGS_JSON]` crawls it with the project's settings into the archive DB
and writes the run's stats and the crawl process's peak memory (VmHWM) as JSON to STATS.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import threading
import time
import zipfile
import zlib
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024

REPORT = "<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>" \
         "<p>一、总体情况</p><p>本年度共收到政府信息公开申请{n}件。</p></body></html>"
NORMAL = {f"/report{n}.html": f"某某镇{2020 + n}年政府信息公开工作年度报告" for n in range(1, 4)}
#: Path: (title on the list, the outcome the crawl must record for it).
HOSTILE = {
    "/gzip-bomb.html": ("某某街道2021年政府信息公开工作年度报告", "decompression_bomb"),
    "/huge.pdf": ("某某局2022年政府信息公开工作年度报告", "too_large"),
    "/endless.html": ("某某委2022年政府信息公开工作年度报告", "too_large"),
    "/bomb.docx": ("某某办2023年政府信息公开工作年度报告", "decompression_bomb"),
    "/bomb.pdf": ("某某院2023年政府信息公开工作年度报告", "decompression_bomb"),
    "/loop-a.html": ("某某乡2023年政府信息公开工作年度报告", "redirect_loop"),
    "/stall.html": ("某某所2024年政府信息公开工作年度报告", "timeout"),
    "/cut.html": ("某某中心2024年政府信息公开工作年度报告", "truncated"),
}
HUGE = 200 * 1000 * 1000
CUT_ANNOUNCED, CUT_SENT = 50_000, 2_000


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as f:
        zeros = bytes(MiB)
        for _ in range(1024):
            f.write(zeros)
    return out.getvalue()


@lru_cache(maxsize=1)
def docx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            spaces = b" " * MiB
            for _ in range(256):
                member.write(spaces)
    return out.getvalue()


@lru_cache(maxsize=1)
def pdf_bomb() -> bytes:
    """A PDF whose one content stream inflates to 256 MiB of drawing operators."""
    inflater = zlib.compressobj(9)
    ops = b"0 0 m 1 1 l S\n" * (MiB // 14)
    stream = b"".join(inflater.compress(ops) for _ in range(256)) + inflater.flush()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(stream)).encode() + b"/Filter/FlateDecode>>stream\n" + stream
            + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def list_page() -> bytes:
    links = [(path, title) for path, title in NORMAL.items()] + [(path, t) for path, (t, _) in HOSTILE.items()]
    items = "".join(f"<li><a href='{path}'>{title}</a><span>2024-03-01</span></li>" for path, title in links)
    return (f"<html><head><meta charset='utf-8'><title>政府信息公开工作年度报告</title></head>"
            f"<body><ul>{items}</ul></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        try:
            if path == "/list.html":
                return self.send(200, list_page())
            if path in NORMAL:
                return self.send(200, REPORT.format(title=NORMAL[path], n=len(path)).encode())
            handler = getattr(self, "serve_" + path.strip("/").split(".")[0].replace("-", "_"), None)
            if handler is None:
                return self.send(404, b"<html><body>404</body></html>")
            handler()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def serve_gzip_bomb(self) -> None:
        self.send(200, gzip_bomb(), Content_Encoding="gzip")

    def serve_bomb(self) -> None:
        if self.path.endswith(".pdf"):
            return self.send(200, pdf_bomb(), "application/pdf")
        self.send(200, docx_bomb(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    def serve_loop_a(self) -> None:
        self.send(302, b"", Location="/loop-b.html")

    def serve_loop_b(self) -> None:
        self.send(302, b"", Location="/loop-a.html")

    def serve_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        self.stream(HUGE)

    def serve_endless(self) -> None:
        # No length announced: only the bytes received can tell how big it is.
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.stream(HUGE)

    def stream(self, size: int) -> None:
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        sent = 0
        while sent < size:
            self.wfile.write(chunk)
            sent += len(chunk)

    def serve_stall(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"<html><body>" + b" " * 1000)
        self.wfile.flush()
        time.sleep(30)
        self.close_connection = True

    def serve_cut(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(CUT_ANNOUNCED))
        self.end_headers()
        self.wfile.write(b"<html><body>" + b"y" * (CUT_SENT - 12))
        self.wfile.flush()
        self.close_connection = True


class HostileServer:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        gzip_bomb(), docx_bomb(), pdf_bomb()  # built before the crawl starts, outside its clock
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def peak_rss_mb() -> float:
    """This process's peak resident memory since it was started. Not ru_maxrss: that keeps the peak of
    the process it was forked from (pytest, hundreds of MB late in the suite), exec or not; VmHWM
    belongs to this program's own address space."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crawl(list_url: str, db: str, stats_file: str, settings: dict | None = None) -> None:

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.spider import Entry, PortalSpider

    class HostileSpider(PortalSpider):
        name = "hostile"

        def parse(self, response):
            entries = [Entry(url=response.urljoin(a.attrib["href"]), title=a.xpath("string()").get())
                       for a in response.css("li a")]
            yield from self.report_requests(response, entries)

    project = get_project_settings()
    project.setdict({"NIANBAO_DB": db, "NIANBAO_STATS_FILE": stats_file, **(settings or {})}, priority="cmdline")
    process = CrawlerProcess(project)
    process.crawl(HostileSpider, start_url=list_url)
    process.start()
    stats = json.loads(Path(stats_file).read_text()) if Path(stats_file).exists() else {}
    stats["maxrss_mb"] = peak_rss_mb()
    Path(stats_file).write_text(json.dumps(stats, default=str))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    crawl(*sys.argv[1:4], json.loads(sys.argv[4]) if len(sys.argv) > 4 else None)
