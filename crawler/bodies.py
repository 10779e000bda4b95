"""Bounded bodies: no response may cost more memory than the report it could hold is worth.

- `BodyLimitsMiddleware` gives each request the size limit of its kind (`NIANBAO_MAXSIZE`: an HTML
  page, a PDF, an office file) as Scrapy's per-request `download_maxsize`/`download_warnsize`, so
  the download handler drops a body that announces or reaches more (outcome `too_large`). It also
  counts the bytes announced and received, so a body cut short is recorded as `truncated` with both
  numbers.
- `BoundedDecompressionMiddleware` is Scrapy's HttpCompressionMiddleware (gzip, deflate, br, zstd,
  inflated in chunks) with a tighter bound: a body may inflate to at most
  `NIANBAO_MAX_INFLATE_RATIO` times its size on the wire (and never past its kind's limit), so a
  bomb is stopped after a few chunks, not at 1 GiB (outcome `decompression_bomb`).
- `OfficeArchiveGuardMiddleware` reads the ZIP directory of a DOCX/XLSX before anything opens it:
  python-docx and openpyxl inflate a member up to the size its directory entry declares, so
  declared sizes beyond the office limit, or a member declaring more than the ratio allows, make
  the file a `decompression_bomb` before the parser ever sees it.
- `PdfStreamGuardMiddleware` does the same for a PDF's compressed streams: pdfminer inflates each
  FlateDecode stream whole, in memory, so each is first inflated here in 64 KiB steps, keeping
  nothing, and a PDF whose streams inflate past the ratio or `NIANBAO_MAXSIZE["pdf_inflated"]` in
  all is a `decompression_bomb`.

The two checks on bytes are `nianbao.inflation`'s; the archive's parse path runs them too.
"""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

from nianbao.inflation import MiB, office_archive_problem, pdf_stream_problem  # noqa: F401 (re-exported)

from .urls import attachment_extension

logger = logging.getLogger(__name__)

OFFICE_EXTENSIONS = frozenset({"doc", "docx", "xls", "xlsx", "wps", "et", "dps", "ppt", "pptx", "ofd"})
_EXPECTED = "nianbao_bytes_expected"
_RECEIVED = "nianbao_bytes_received"


class DecompressionBomb(IgnoreRequest):
    """A body that would inflate far beyond what it carried on the wire or what its kind may hold."""


class BodyTooLarge(Exception):
    """A body that announced or reached more bytes than its kind's limit."""


class TruncatedBody(Exception):
    """A body that ended before the length its headers announced."""

    def __init__(self, expected: int | None, received: int) -> None:
        self.expected = expected
        self.received = received
        announced = f"{expected} bytes announced" if expected is not None else "no length announced"
        super().__init__(f"the body ended early: {announced}, {received} received")


class RedirectLoop(Exception):
    """Redirects that went round (or on) past REDIRECT_MAX_TIMES without reaching a page."""

    def __init__(self, urls: list[str]) -> None:
        distinct = list(dict.fromkeys(urls))
        shown = " -> ".join(distinct[:4]) + (" ..." if len(distinct) > 4 else "")
        super().__init__(f"{len(urls)} redirects through {len(distinct)} addresses without reaching a page: {shown}")


def body_kind(url: str) -> str:
    """`pdf`, `office` or `page`: which size limit a URL's body gets."""
    extension = attachment_extension(url)
    if extension == "pdf":
        return "pdf"
    if extension in OFFICE_EXTENSIONS:
        return "office"
    return "page"


def kind_limits(settings) -> dict[str, int]:
    return {kind: int(size) for kind, size in settings.getdict("NIANBAO_MAXSIZE").items()}


def bytes_of(request: Request | None) -> tuple[int | None, int]:
    """What the last attempt at `request` was announced (Content-Length) and received, in bytes."""
    if request is None:
        return None, 0
    return request.meta.get(_EXPECTED), request.meta.get(_RECEIVED, 0)


class BodyLimitsMiddleware:
    """Per-kind `download_maxsize` on every request, and a count of the bytes each one received."""

    def __init__(self, crawler) -> None:
        self.limits = kind_limits(crawler.settings)
        self.warn_share = crawler.settings.getfloat("NIANBAO_WARNSIZE_SHARE", 0.25)
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request, spider=None) -> None:
        limit = self.limits.get(body_kind(request.url))
        if limit:
            # A limit the spider set on the request itself wins.
            request.meta.setdefault("download_maxsize", limit)
            request.meta.setdefault("download_warnsize", int(limit * self.warn_share))
        request.meta[_EXPECTED] = None
        request.meta[_RECEIVED] = 0
        return None

    @staticmethod
    def headers_received(headers, body_length, request, spider=None) -> None:
        request.meta[_EXPECTED] = body_length if isinstance(body_length, int) and body_length >= 0 else None

    @staticmethod
    def bytes_received(data, request, spider=None) -> None:
        request.meta[_RECEIVED] = request.meta.get(_RECEIVED, 0) + len(data)


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware, stopping at NIANBAO_MAX_INFLATE_RATIO times the wire size."""

    def __init__(self, stats=None, *, crawler=None) -> None:
        super().__init__(stats, crawler=crawler)
        self.ratio = crawler.settings.getfloat("NIANBAO_MAX_INFLATE_RATIO", 100)
        # Small bodies may inflate freely up to this: a short page of repeated markup compresses well.
        self.floor = crawler.settings.getint("NIANBAO_INFLATE_FLOOR", MiB)

    def inflate_limit(self, request: Request, wire_size: int) -> int:
        kind_limit = request.meta.get("download_maxsize", self._max_size) or 0
        ratio_limit = max(self.floor, int(wire_size * self.ratio)) if self.ratio > 0 else 0
        limits = [limit for limit in (kind_limit, ratio_limit) if limit]
        return min(limits) if limits else 0

    def process_response(self, request: Request, response: Response, spider=None):
        if request.method == "HEAD" or not response.headers.getlist("Content-Encoding"):
            return response
        limit = self.inflate_limit(request, len(response.body))
        saved = request.meta.get("download_maxsize", _MISSING)
        request.meta["download_maxsize"] = limit
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if not isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                raise
            raise DecompressionBomb(
                f"{len(response.body)} bytes on the wire inflated past {limit} bytes "
                f"(more than {self.ratio:g} times their size or the limit for the kind) and were dropped"
            ) from exc.__cause__
        finally:
            if saved is _MISSING:
                request.meta.pop("download_maxsize", None)
            else:
                request.meta["download_maxsize"] = saved


_MISSING = object()


class OfficeArchiveGuardMiddleware:
    """Drop a DOCX/XLSX whose ZIP members would inflate beyond the office limit or ratio."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.max_total = kind_limits(settings).get("office_inflated", 0)
        self.ratio = settings.getfloat("NIANBAO_MAX_INFLATE_RATIO", 100)
        self.floor = settings.getint("NIANBAO_INFLATE_FLOOR", MiB)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if body_kind(request.url) != "office" and not response.body.startswith(b"PK\x03\x04"):
            return response
        problem = office_archive_problem(response.body, max_total=self.max_total, ratio=self.ratio, floor=self.floor)
        if problem:
            raise DecompressionBomb(f"{response.url}: {problem}")
        return response


def body_failure(exc: BaseException, request: Request | None) -> tuple[str, BaseException] | None:
    """(`too_large` | `truncated` | `decompression_bomb` | `redirect_loop`, an exception saying it in
    numbers) for a failure that is about the body or its redirects; None for any other."""
    if isinstance(exc, DecompressionBomb):
        return "decompression_bomb", exc
    message = str(exc)
    if isinstance(exc, IgnoreRequest) and "max redirections" in message:
        return "redirect_loop", RedirectLoop(request.meta.get("redirect_urls", []) if request is not None else [])
    expected, received = bytes_of(request)
    limit = (request.meta.get("download_maxsize") if request is not None else None) or 0
    if "larger than download max size" in message or (
        limit and type(exc).__name__ in {"CancelledError", "DownloadCancelledError"}
        and max(expected or 0, received) > limit
    ):
        size = expected if expected and expected > limit else received
        return "too_large", BodyTooLarge(
            f"{size} bytes {'announced' if size == expected else 'received'}, more than the {limit}-byte limit "
            f"for a {body_kind(request.url) if request is not None else 'body'}; dropped")
    return None


def truncated_failure(request: Request | None) -> TruncatedBody:
    expected, received = bytes_of(request)
    return TruncatedBody(expected, received)


class PdfStreamGuardMiddleware(OfficeArchiveGuardMiddleware):
    """Drop a PDF whose compressed streams would inflate beyond the ratio or the PDF limit."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.max_total = kind_limits(crawler.settings).get("pdf_inflated", 0)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if not response.body.startswith(b"%PDF"):
            return response
        problem = pdf_stream_problem(response.body, max_total=self.max_total, ratio=self.ratio, floor=self.floor)
        if problem:
            raise DecompressionBomb(f"{response.url}: {problem}")
        return response
