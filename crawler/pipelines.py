"""Item pipelines: archive what the spiders fetch.

`ArchivePipeline` is on when `NIANBAO_DB` (setting or environment) names an archive file. Every
`ReportItem` is recorded by the archive's writer thread in one transaction; the item is passed on
once it is committed. Parsing runs in worker processes and never holds up the crawl (see
`archive.writer`). Failures the spiders report through `crawler.signals.fetch_failed` are
recorded too; a 404 or 410 on an archived report marks it gone.

All spiders of one process share one writer per archive file, so SQLite is written from one
thread only.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from . import signals
from .items import ReportItem

logger = logging.getLogger(__name__)

_writers: dict[str, list[Any]] = {}
_writers_lock = threading.Lock()


def _acquire_writer(path: str, **options: Any):
    """The process's writer for `path`, shared by every spider that archives into it."""
    from archive import ArchiveWriter

    key = os.path.realpath(path)
    with _writers_lock:
        entry = _writers.get(key)
        if entry is None:
            entry = _writers[key] = [ArchiveWriter(path, **options), 0]
        entry[1] += 1
        return entry[0]


def _release_writer(writer: Any) -> bool:
    """Drop one reference; close the writer when it was the last. True if it closed."""
    with _writers_lock:
        key = os.path.realpath(writer.path)
        entry = _writers.get(key)
        if entry is None:
            return False
        entry[1] -= 1
        if entry[1] > 0:
            return False
        del _writers[key]
    writer.close()
    return True


def _deferred(future: Future) -> Deferred:
    """A Deferred that fires, on the reactor thread, with a concurrent future's result."""
    from twisted.internet import reactor

    deferred: Deferred = Deferred()

    def settle(done: Future) -> None:
        error = done.exception()
        if error is not None:
            reactor.callFromThread(deferred.errback, error)
        else:
            reactor.callFromThread(deferred.callback, done.result())

    future.add_done_callback(settle)
    return deferred


def _response_of(failure: Any):
    value = getattr(failure, "value", None)
    return getattr(value, "response", None)


class ArchivePipeline:
    """Record each `ReportItem` in the archive named by NIANBAO_DB."""

    def __init__(self, crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        settings = crawler.settings
        run_id = settings.get("NIANBAO_RUN_ID") or os.environ.get("NIANBAO_RUN_ID")
        workers = settings.get("NIANBAO_PARSE_WORKERS") or os.environ.get("NIANBAO_PARSE_WORKERS")
        self.options = {
            "parser": settings.get("NIANBAO_PARSER") or os.environ.get("NIANBAO_PARSER") or "extract",
            "parse_workers": int(workers) if workers not in (None, "") else None,
            "run_id": int(run_id) if run_id else None,
            "create_run": not run_id,
        }
        self.writer = None
        crawler.signals.connect(self.fetch_failed, signal=signals.fetch_failed)

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("NIANBAO_DB") or os.environ.get("NIANBAO_DB")
        if not path:
            # Scrapy logs a NotConfigured with a message as a warning; a crawl without an archive
            # (`scrapy crawl x -O out.jsonl`) is a normal way to work, so say it at INFO instead.
            logger.info("NIANBAO_DB is not set: nothing is archived")
            raise NotConfigured
        return cls(crawler, path)

    @property
    def spider_name(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider is not None else "?"

    async def open_spider(self) -> None:
        # Opening creates the schema and queues leftover parses: a thread, not the reactor.
        self.writer = await maybe_deferred_to_future(deferToThread(_acquire_writer, self.path, **self.options))
        await maybe_deferred_to_future(deferToThread(self.writer.add_portal, self.spider_name))
        logger.info("archiving into %s (run %s)", self.path, self.writer.run_id)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportItem):
            return item
        from archive import Fetch

        fetch = Fetch.from_item(item, spider=self.spider_name)
        try:
            recorded = await maybe_deferred_to_future(_deferred(self.writer.submit_fetch(fetch)))
        except Exception:
            # The crawl goes on; the item is logged as not archived (and counted) rather than lost silently.
            logger.exception("could not archive %s", item.url)
            self.crawler.stats.inc_value("nianbao/archive/failed")
            return item
        self.crawler.stats.inc_value(f"nianbao/archive/{recorded.outcome}")
        return item

    def fetch_failed(self, request, failure, spider, outcome: str) -> None:
        if self.writer is None:
            return
        from archive import Failure

        response = _response_of(failure)
        headers = None
        if response is not None:
            headers = {
                k.decode("latin-1"): [v.decode("latin-1") for v in values] for k, values in response.headers.items()
            }
        message = failure.getErrorMessage() if hasattr(failure, "getErrorMessage") else str(failure)
        self.writer.submit_failure(
            Failure(
                url=request.url,
                outcome=outcome,
                portal=getattr(spider, "portal", None) or spider.name,
                status=getattr(response, "status", None),
                headers=headers,
                message=message,
                spider=spider.name,
                is_report=bool(request.meta.get("nianbao_report")),
            )
        )

    async def close_spider(self) -> None:
        if self.writer is None:
            return
        stats = self.crawler.stats
        requests = stats.get_value("downloader/request_count", 0) or 0
        received = stats.get_value("downloader/response_bytes", 0) or 0
        writer = self.writer
        self.writer = None

        def finish() -> None:
            writer.add_traffic(self.spider_name, requests, received)
            # The last spider out closes the writer, which first waits for every pending parse.
            _release_writer(writer)

        await maybe_deferred_to_future(deferToThread(finish))

