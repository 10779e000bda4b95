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
    read by `find_column`, whose contract is `@home_page`). A spider without one (a platform's
    generic spider, a portal that starts at its home page) checks nothing here."""

    name = "start_page"
    #: Which start URLs the contract takes: columns (False) or home pages (True).
    home = False

    def __init__(self, method, *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = getattr(method, "__self__", None)

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        starts = [url for url in getattr(self.spider, "start_urls", None) or ()
                  if discovery.is_home_page(url) == self.home]
        if starts:
            args["url"] = starts[0]
            args["meta"] = {**(args.get("meta") or {}), "nianbao_root": True}
        return args


class HomePage(StartPage):
    """@home_page: request the spider's home-page start, which `find_column` reads to reach the
    annual-report column. A spider that starts at its columns checks nothing here."""

    name = "home_page"
    home = True
