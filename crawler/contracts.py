"""Scrapy contracts of the platform bases, which `scrapy check` runs (SPIDER_CONTRACTS).

A base's callback is shared by every portal of its platform, so its contract names no fixed URL:
`@start_page` asks each portal's spider for its own start page (its first registry start URL),
and Scrapy's `@returns` / `@scrapes` judge what the callback made of it. Run them against the
replicas (`NIANBAO_REPLICA=http://127.0.0.1:N scrapy check`) or, as a smoke test, the real sites.
"""

from __future__ import annotations

from typing import Any

from scrapy.contracts import Contract

from . import discovery


class StartPage(Contract):
    """@start_page: request the spider's own start page (a column, not a home page: a home page is
    read by `find_column`). A spider without one (a platform's generic spider) checks nothing."""

    name = "start_page"

    def __init__(self, method, *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = getattr(method, "__self__", None)

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        starts = [url for url in getattr(self.spider, "start_urls", None) or () if not discovery.is_home_page(url)]
        if starts:
            args["url"] = starts[0]
            args["meta"] = {**(args.get("meta") or {}), "nianbao_root": True}
        return args
