"""The download handler: scrapy-playwright's (plain HTTP through Scrapy's HTTP/1.1 handler, pages
marked `playwright` through the browser), with one race of Scrapy's closing mended.

When a handler closes, Scrapy's HTTP/1.1 handler waits for its idle connections to close and, in
case they hang, fires the same Deferred itself one second later from a timer. On a loaded machine
the connections' closing and that timer come due in the same turn of the event loop: the
connections fire the Deferred, the timer fires it again before the waiting coroutine has cancelled
the timer, and Twisted prints an `AlreadyCalledError` traceback ("while handling timed call") at
the end of a crawl that went well. Here the Deferred takes its first result and ignores the second.
"""

from __future__ import annotations

from typing import Any, Callable

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from twisted.internet.defer import Deferred


class FirstResultDeferred(Deferred):
    """A Deferred that keeps the first result it is given and ignores any later one."""

    def callback(self, result: Any) -> None:
        if not self.called:
            super().callback(result)

    def errback(self, fail: Any = None) -> None:
        if not self.called:
            super().errback(fail)


def first_result_only(start: Callable[[], Deferred]) -> Callable[[], Deferred]:
    """`start`, returning a FirstResultDeferred that fires with the result of the Deferred it gave."""

    def started() -> Deferred:
        result = FirstResultDeferred()
        start().chainDeferred(result)
        return result

    return started


class DownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler whose closing ignores the hung-connection timer once closed."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool.closeCachedConnections = first_result_only(self._pool.closeCachedConnections)
