"""Downloader middlewares: the offline replica, JavaScript challenges, backoff, mislabeled encodings.

Each has one job and is wired in `settings.DOWNLOADER_MIDDLEWARES`; spiders know nothing of them.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import logging
import os
import random
import re
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import Settings
from scrapy.utils.asyncio import sleep
from scrapy_playwright.page import PageMethod
from tenacity import wait_exponential

logger = logging.getLogger(__name__)

_ORIGINAL = "nianbao_original_url"
_WIRE = "nianbao_wire_url"


def original_request(request: Request) -> Request:
    """The request as the spider made it (its https URL), even if it went to the replica as http."""
    original = request.meta.get(_ORIGINAL)
    if original and request.url == request.meta.get(_WIRE) and original != request.url:
        return request.replace(url=original)
    return request


class ReplicaProxyMiddleware:
    """With NIANBAO_REPLICA set, send every request to the replica as to an HTTP proxy.

    Spiders keep the real portal addresses. On the wire an https request goes out as plain http
    (the replica speaks no TLS), and the response gets its https address back before anything else
    sees it, so cookies, redirects and items all carry the real URL. Sits last, next to the download
    handler.
    """

    def __init__(self, replica: str) -> None:
        self.replica = replica.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler):
        replica = crawler.settings.get("NIANBAO_REPLICA")
        if not replica:
            raise NotConfigured
        _offline_public_suffixes()
        return cls(replica)

    def process_request(self, request: Request, spider=None) -> Request | None:
        if request.url == request.meta.get(_WIRE):
            request.meta["proxy"] = self.replica
            return None
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            return None
        wire = urlunsplit(("http",) + tuple(parts[1:]))
        original = request.url
        if parts.scheme == "http" and str(request.meta.get(_ORIGINAL, "")).startswith("https:"):
            # A redirect or retry of an https request, built from its http wire address.
            original = urlunsplit(("https",) + tuple(parts[1:]))
        meta = {**request.meta, _ORIGINAL: original, _WIRE: wire, "proxy": self.replica}
        if wire == request.url:
            request.meta.update(meta)
            return None
        # A changed URL must go round the scheduler again; our own dedup already ran.
        return request.replace(url=wire, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        original = request.meta.get(_ORIGINAL)
        if not original or original == request.url:
            return response
        # Redirects inside the replica keep their path; only the scheme goes back.
        parts = urlsplit(response.url)
        if parts.scheme == "http" and urlsplit(original).scheme == "https":
            return response.replace(url=urlunsplit(("https",) + tuple(parts[1:])))
        return response


def _offline_public_suffixes() -> None:
    """Offline, Scrapy's cookie middleware must not try to download the Public Suffix List.

    It builds a `TLDExtract` that fetches the list on first use; with no network that costs a
    timeout and two warnings per crawl. The snapshot tldextract ships is enough for the replica.
    """
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


_CHALLENGE = re.compile(rb"document\.cookie", re.I)
_RELOAD = re.compile(rb"location\s*(?:\.\s*(?:reload|replace|assign)|\.href\s*=|=)|window\.location|setTimeout", re.I)
#: Request headers that only make sense to a client holding a copy of the page.
_REVALIDATION = {b"if-none-match", b"if-modified-since", b"cache-control"}


def is_js_challenge(response: Response) -> bool:
    """A 412/521 whose body is a script that sets a cookie and reloads (瑞数-style or 521 cookies)."""
    if response.status not in (412, 521):
        return False
    body = response.body[:200_000]
    return b"<script" in body.lower() and bool(_CHALLENGE.search(body)) and bool(_RELOAD.search(body))


class JavaScriptChallengeMiddleware:
    """Answer a JavaScript cookie challenge once with a real browser, then go on without it.

    The challenged request is repeated through scrapy-playwright; the cookies the browser ends up
    with are copied into Scrapy's cookie jar, and the original request is sent again plainly, so
    the rest of the crawl passes without the browser. A second challenge on the same request is
    passed on (the spider's errback records it as an HTTP error). Requests challenged on a host
    while the browser answers it (a portal's start pages, asked at once) wait for that answer and
    are sent again with its cookies: one browser visit a host.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.wait = crawler.settings.getfloat("NIANBAO_CHALLENGE_WAIT", 10.0)
        self.answer_timeout = self.wait + crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 60)
        #: Hosts whose challenge the browser is answering now, set when it is answered.
        self.answering: dict[str, asyncio.Event] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        stage = request.meta.get("nianbao_challenge")
        host = urlsplit(request.url).hostname or ""
        if stage == "browser":
            try:
                await self._copy_cookies(request, response)
            finally:
                self._answered(host)
            retry = request.replace(meta=self._plain_meta(request.meta, "solved"), dont_filter=True)
            self.crawler.stats.inc_value("nianbao/challenge/solved")
            return retry
        if not is_js_challenge(response) or stage == "solved" or request.meta.get("playwright"):
            if is_js_challenge(response):
                self.crawler.stats.inc_value("nianbao/challenge/failed")
                logger.warning("JavaScript challenge (HTTP %s) persists at %s after the browser answered it",
                               response.status, request.meta.get(_ORIGINAL, request.url))
            return response
        if (answering := self.answering.get(host)) is not None:
            try:
                await asyncio.wait_for(answering.wait(), self.answer_timeout)
                self.crawler.stats.inc_value("nianbao/challenge/waited")
                return request.replace(meta=self._plain_meta(request.meta, "solved"), dont_filter=True)
            except asyncio.TimeoutError:
                pass  # the other answer is lost: this request answers it itself
        self.answering[host] = asyncio.Event()
        logger.info("HTTP %s JavaScript challenge at %s: answering it with the browser",
                    response.status, request.meta.get(_ORIGINAL, request.url))
        self.crawler.stats.inc_value("nianbao/challenge/seen")
        meta = {
            **request.meta,
            "playwright": True,
            "playwright_include_page": True,
            "nianbao_challenge": "browser",
        }
        # The browser asks as a fresh visitor: its reload must get the page, not a bodiless 304
        # answering validators it never stored.
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _REVALIDATION}
        return request.replace(meta=meta, headers=headers, dont_filter=True)

    async def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        page = request.meta.pop("playwright_page", None)
        if page is not None:
            await page.close()
        if request.meta.get("nianbao_challenge") == "browser":
            self._answered(urlsplit(request.url).hostname or "")
        return None

    def _answered(self, host: str) -> None:
        """The browser's answer on `host` is in (or failed): the requests waiting for it go on."""
        if (event := self.answering.pop(host, None)) is not None:
            event.set()

    @staticmethod
    def _plain_meta(meta: dict[str, Any], stage: str) -> dict[str, Any]:
        meta = {k: v for k, v in meta.items() if not k.startswith("playwright") and k not in ("download_slot",)}
        meta["nianbao_challenge"] = stage
        return meta

    async def _copy_cookies(self, request: Request, response: Response) -> None:
        page = request.meta.pop("playwright_page", None)
        if page is None:
            return
        try:
            cookies = await self._wait_for_cookies(page)
        finally:
            await page.close()
        jar = self._jar(request)
        if jar is None:
            return
        for c in cookies:
            domain = c.get("domain") or urlsplit(request.url).hostname or ""
            jar.set_cookie(
                Cookie(
                    version=0, name=c["name"], value=c["value"], port=None, port_specified=False,
                    domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
                    path=c.get("path") or "/", path_specified=True,
                    # The replica is reached over plain http; a Secure flag would keep the cookie back.
                    secure=False, expires=int(c["expires"]) if c.get("expires", -1) > 0 else None,
                    discard=c.get("expires", -1) <= 0, comment=None, comment_url=None,
                    rest={"HttpOnly": None} if c.get("httpOnly") else {},
                )
            )
        logger.info("copied %d browser cookie(s) for %s into the cookie jar", len(cookies), urlsplit(request.url).hostname)

    async def _wait_for_cookies(self, page) -> list[dict[str, Any]]:
        """The challenge script may set its cookie after a delay: wait until one is there, or give up."""
        waited = 0.0
        cookies: list[dict[str, Any]] = []
        while waited <= self.wait:
            cookies = await page.context.cookies()
            if cookies:
                # One more beat for a reload that sets a second cookie.
                await sleep(0.2)
                return await page.context.cookies()
            await sleep(0.1)
            waited += 0.1
        return cookies

    def _jar(self, request: Request):
        for mw in self.crawler.engine.downloader.middleware.middlewares:
            if isinstance(mw, CookiesMiddleware):
                return mw.jars[request.meta.get("cookiejar")]
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after an exponentially growing, jittered pause that blocks nothing.

    RETRY_BACKOFF_BASE (seconds) and RETRY_BACKOFF_MAX bound the pause; 0 turns pauses off.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.wait = wait_exponential(multiplier=base, max=settings.getfloat("RETRY_BACKOFF_MAX", 60.0)) if base > 0 else None

    async def _paused(self, retry: Request | None) -> Request | None:
        if retry is not None and self.wait is not None:
            attempt = retry.meta.get("retry_times", 1)

            class _State:  # the part of tenacity's RetryCallState its wait strategies read
                attempt_number = attempt

            delay = self.wait(_State()) * random.uniform(0.75, 1.25)
            await sleep(delay)
        return retry

    async def process_response(self, request: Request, response: Response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            return await self._paused(result)
        return result

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            return await self._paused(result)
        return result


class ConditionalRequestMiddleware:
    """Ask for archived reports conditionally: an unchanged page costs a 304, not a new copy.

    On when NIANBAO_DB names an existing archive: at start it reads the archive's
    `page_validators` view (the ETag and Last-Modified of each page's latest full response) and
    adds If-None-Match / If-Modified-Since to report requests (`meta["nianbao_report"]`) only.
    """

    def __init__(self, crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        import os

        path = crawler.settings.get("NIANBAO_DB") or os.environ.get("NIANBAO_DB")
        if not path or not os.path.exists(path):
            raise NotConfigured
        mw = cls(crawler, path)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider) -> None:
        import sqlite3

        portal = getattr(spider, "portal", spider.name)
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as db:
                rows = db.execute(
                    "SELECT v.url, v.etag, v.last_modified FROM page_validators v JOIN pages p ON p.id = v.page_id"
                    " WHERE p.portal = ? AND v.gone_at IS NULL AND (v.etag IS NOT NULL OR v.last_modified IS NOT NULL)",
                    [portal],
                ).fetchall()
        except sqlite3.Error as exc:
            logger.warning("no conditional requests: cannot read validators from %s (%s)", self.path, exc)
            return
        self.validators = {url: (etag, modified) for url, etag, modified in rows}
        logger.info("%s: conditional requests for %d archived pages", portal, len(self.validators))

    def process_request(self, request: Request, spider=None) -> None:
        if not request.meta.get("nianbao_report"):
            return None
        etag, modified = self.validators.get(request.meta.get(_ORIGINAL, request.url), (None, None))
        if (etag or modified) and not (b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers):
            if etag:
                request.headers[b"If-None-Match"] = etag
            if modified:
                request.headers[b"If-Modified-Since"] = modified
            self.crawler.stats.inc_value("nianbao/conditional_requests")
        return None


class ListPageCacheMiddleware(HttpCacheMiddleware):
    """List pages revalidated on every run: unchanged ones cost a 304, not their bytes.

    Scrapy's HTTP cache with its RFC 2616 policy, beside the archive (`<db>.httpcache`), for list
    and navigation pages only: report pages and files get their validators from the archive
    (`ConditionalRequestMiddleware`), and pages rendered by the browser are not the server's
    answer. Every list request carries `Cache-Control: max-age=0`, as a browser's reload does, so
    the cache never answers from storage without asking the server; a list page with no ETag or
    Last-Modified is simply fetched again. Unlike the stock policy, a failure is never hidden
    behind a stored copy: a 5xx or a download error reaches the retry and the spider's errback.
    """

    @classmethod
    def from_crawler(cls, crawler):
        db = crawler.settings.get("NIANBAO_DB")
        if not db or not crawler.settings.getbool("NIANBAO_LIST_CACHE", True):
            raise NotConfigured
        settings = Settings(crawler.settings.copy_to_dict())
        settings.set("HTTPCACHE_ENABLED", True)
        settings.set("HTTPCACHE_POLICY", "scrapy.extensions.httpcache.RFC2616Policy")
        folder = crawler.settings.get("NIANBAO_LIST_CACHE_DIR") or f"{db}.httpcache"
        settings.set("HTTPCACHE_DIR", os.path.abspath(folder))
        settings.set("HTTPCACHE_GZIP", True)
        mw = cls(settings, crawler.stats)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        mw.crawler = crawler
        return mw

    @staticmethod
    def _skips(request: Request) -> bool:
        return bool(request.meta.get("nianbao_report") or request.meta.get("playwright"))

    def process_request(self, request: Request, spider=None):
        if self._skips(request):
            return None
        request.headers.setdefault(b"Cache-Control", b"max-age=0")
        return super().process_request(request)

    def process_response(self, request: Request, response: Response, spider=None):
        if self._skips(request):
            return response
        if response.status >= 500:
            request.meta.pop("cached_response", None)
            return response
        return super().process_response(request, response)

    def process_exception(self, request: Request, exception: Exception, spider=None):
        request.meta.pop("cached_response", None)
        return None


class NetworkStats(DownloaderStats):
    """Scrapy's downloader stats, counting only what crossed the network: a page answered from
    what the crawl kept (a reused rendering) is not a response received."""

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if "reused" in response.flags:
            return response
        return super().process_response(request, response)


#: What the browser reports of the requests a page made: address and kind (the Performance API).
_RESOURCES = "() => performance.getEntriesByType('resource').map(e => [e.name, e.initiatorType])"
#: The kinds of request that can change what a page's scripts draw (not pictures or styles).
_INPUT_KINDS = {"xmlhttprequest", "fetch", "script"}
_RECORD = "nianbao_render_record"


class RenderedListCacheMiddleware:
    """A list page drawn by scripts is rendered again only when what it is drawn from changed.

    After the browser renders a list page, the page's address and the data and scripts it loaded
    are fetched plainly once, and their digests kept with the rendered page beside the archive
    (`<db>.rendered/`). On the next run those inputs are fetched plainly again (the page itself is
    revalidated by the list cache): when every one is the same, the kept rendering is the answer
    and the browser is not started; when any changed or failed, the page is rendered afresh. The
    spider sees the same page either way.
    """

    def __init__(self, crawler, folder: str) -> None:
        self.crawler = crawler
        self.folder = folder

    @classmethod
    def from_crawler(cls, crawler):
        db = crawler.settings.get("NIANBAO_DB")
        if not db or not crawler.settings.getbool("NIANBAO_RENDER_CACHE", True):
            raise NotConfigured
        folder = crawler.settings.get("NIANBAO_RENDER_CACHE_DIR") or f"{db}.rendered"
        return cls(crawler, os.path.abspath(folder))

    @staticmethod
    def _applies(request: Request) -> bool:
        meta = request.meta
        return bool(meta.get("playwright") and not meta.get("nianbao_report") and not meta.get("nianbao_challenge")
                    and not meta.get("nianbao_rerendered") and _WIRE not in meta)

    def _path(self, url: str) -> str:
        return os.path.join(self.folder, hashlib.sha1(url.encode()).hexdigest() + ".json.gz")

    async def process_request(self, request: Request, spider=None) -> Response | None:
        if not self._applies(request):
            return None
        kept = self._load(request.url)
        if kept is not None:
            digests = await self._digests([url for url, _ in kept["inputs"]])
            if digests == [digest for _, digest in kept["inputs"]]:
                self.crawler.stats.inc_value("nianbao/render/reused")
                return HtmlResponse(request.url, body=kept["body"].encode(), encoding="utf-8", request=request,
                                    flags=["rendered", "reused"])
            self.crawler.stats.inc_value("nianbao/render/inputs_changed")
        methods = list(request.meta.get("playwright_page_methods") or [])
        request.meta["playwright_page_methods"] = [*methods, PageMethod("evaluate", _RESOURCES)]
        request.meta[_RECORD] = request.url
        return None

    async def process_response(self, request: Request, response: Response, spider=None) -> Response:
        # In replica mode this is the request as sent (its http wire copy); the key is the address
        # the decision above was made for.
        url = request.meta.get(_RECORD)
        if not url or "reused" in response.flags or response.status != 200 or not isinstance(response, TextResponse):
            return response
        methods = request.meta.get("playwright_page_methods") or []
        resources = getattr(methods[-1], "result", None) if methods else None
        if not isinstance(resources, list):
            return response
        inputs = [url] + sorted({u for u, kind in resources if kind in _INPUT_KINDS and u.startswith("http")})
        digests = await self._digests(inputs)
        if None in digests:
            logger.debug("rendered %s: not kept, an input could not be fetched (%s)", url,
                         [u for u, d in zip(inputs, digests) if d is None])
        else:
            try:
                self._save(url, {"inputs": list(zip(inputs, digests)), "body": response.text})
            except OSError as error:  # a full disk costs a render next time, not this page
                logger.warning("could not keep the rendering of %s: %s", url, error)
        return response

    async def _digests(self, urls: list[str]) -> list[str | None]:
        """The SHA-256 of each address fetched plainly (None where it failed)."""

        async def digest(url: str) -> str | None:
            try:
                response = await self.crawler.engine.download_async(
                    Request(url, meta={"dont_retry": True}, dont_filter=True))
            except Exception as error:
                logger.debug("input %s of a rendered page: %r", url, error)
                return None
            return hashlib.sha256(response.body).hexdigest() if response.status == 200 else None

        # scrapy-playwright runs Scrapy on the asyncio reactor: coroutines here are asyncio's.
        return list(await asyncio.gather(*(digest(u) for u in urls)))

    def _load(self, url: str) -> dict | None:
        try:
            with gzip.open(self._path(url), "rt", encoding="utf-8") as f:
                kept = json.load(f)
        except (OSError, ValueError):
            return None
        return kept if kept.get("inputs") and isinstance(kept.get("body"), str) else None

    def _save(self, url: str, record: dict) -> None:
        os.makedirs(self.folder, exist_ok=True)
        path = self._path(url)
        with gzip.open(path + ".tmp", "wt", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)


_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_LATIN = {"iso-8859-1", "latin-1", "latin1", "cp1252", "windows-1252", "us-ascii", "ascii", "iso8859-1"}


class EncodingMiddleware:
    """Decode pages by what they are, not by a wrong label.

    The five portals serve UTF-8, some with no charset at all (Scrapy then sniffs, which is right),
    some mislabeled. When the declared encoding cannot be right (a UTF-8 body labeled Latin-1 or GBK,
    or a label whose decoding fails), the response is re-read in the encoding the body shows and
    the fix is counted as `nianbao/outcome/encoding_mislabeled`. The raw bytes are never changed.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        fixed = read_as_what_it_is(response)
        if fixed is not response:
            url = request.meta.get(_ORIGINAL, response.url)
            logger.warning("%s declares charset %s but is %s: read as %s", url, declared_charset(response),
                           fixed.encoding, fixed.encoding)
            self.crawler.stats.inc_value("nianbao/outcome/encoding_mislabeled")
        return fixed


def read_as_what_it_is(response: Response) -> Response:
    """The response re-read in the encoding its body shows when the declared one cannot be right
    (a UTF-8 body labeled Latin-1 or GBK, or a label whose decoding fails); else the response itself."""
    if not isinstance(response, TextResponse) or not response.body:
        return response
    declared = declared_charset(response)
    body = response.body
    if not declared or _is_ascii(body):
        return response
    actual = None
    if _is_utf8(body):
        # Chinese text in any other encoding is practically never valid UTF-8.
        actual = "utf-8" if declared not in ("utf-8", "utf8") else None
    elif declared in ("utf-8", "utf8") or declared in _LATIN or not _decodes(body, declared):
        actual = _sniff(body)
    if not actual or actual.replace("_", "-").lower() == declared:
        return response
    return response.replace(encoding=actual)


def declared_charset(response: TextResponse) -> str | None:
    """The charset the Content-Type header, or else the page's own meta tag, declares."""
    header = response.headers.get(b"Content-Type") or b""
    match = _CHARSET.search(header)
    if not match and isinstance(response, HtmlResponse):
        match = _CHARSET.search(response.body[:4096])
    if not match:
        return None
    return match.group(1).decode("ascii", "replace").lower().replace("_", "-")


def _is_ascii(body: bytes) -> bool:
    return body.isascii()


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # A body cut inside a multi-byte character is still UTF-8.
        try:
            body[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _sniff(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    if best is None:
        return None
    encoding = best.encoding.replace("_", "-").lower()
    # GB2312 labels undersell what Chinese pages use.
    return "gb18030" if encoding in ("gb2312", "gbk") else encoding
