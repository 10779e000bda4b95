"""The Lincang city site cluster (临沧市政府网站群): one disclosure subsite per agency.

The district's disclosure index links each agency's subsite `/zfxxgk_<site>_<dept>/`; a subsite's
annual-report page `zfxxgknb.html?nbYear=YYYY` has one tab per year and a report list that exists
only after its JavaScript ran, so these pages (and no others) are rendered by the browser. Reports
are `artview/<catalogue>/<id>.html?nbYear=..&orgCode=..`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy_playwright.page import PageMethod

from ..spider import PortalSpider, entries_from_links
from ._common import links, same_site

#: Report addresses: `artview/<catalogue>/<id>.html` (catalogues differ by subsite), and the older
#: `/info/<col>/<id>.htm` some county sites kept.
ARTVIEW = re.compile(r"/artview/\d+/\d+\.html|/info/\d+/\d+\.htm")
YEAR_PAGE = re.compile(r"/zfxxgknb\.html(?:\?.*nbYear=\d{4}.*)?$|/zfxxgknb\.html$")


def nb_year(url: str) -> str | None:
    """The `nbYear` of a year page or report address, None where it has none."""
    return (parse_qs(urlsplit(url).query).get("nbYear") or [None])[0]


class LincangSpider(PortalSpider):
    uses_browser = True

    #: Browser options for the year pages: wait until the list's requests have settled.
    browser_meta = {
        "playwright": True,
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
    }

    #: The same, for a second try at a page whose list did not show: waits a few seconds more.
    slow_browser_meta = {
        "playwright": True,
        "playwright_page_methods": [
            PageMethod("wait_for_load_state", "networkidle"),
            PageMethod("wait_for_timeout", 3000),
            PageMethod("wait_for_load_state", "networkidle"),
        ],
    }

    @cached_property
    def years_shown(self) -> set[tuple[str, str]]:
        """(subsite, year) lists already rendered from a subsite's page without `nbYear`."""
        return set()

    @property
    def subsite_prefix(self) -> str:
        """`/zfxxgk_lxq` for `/zfxxgk_lxq/index.html`: agencies' subsites are `/zfxxgk_lxq_<dept>/`."""
        return urlsplit(self.start_urls[0]).path.strip("/").split("/")[0]

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """The district's disclosure index: one subsite per agency.

        @start_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        for url, text in links(response):
            if self.is_subsite(url):
                request = self.list_request(url, callback=self.parse_subsite, column=text)
                if request is not None:
                    yield request
            elif same_site(url, self.hosts) and YEAR_PAGE.search(url):
                yield from self.year_request(url, column=text)

    def is_subsite(self, url: str) -> bool:
        """An agency's subsite home, `/zfxxgk_lxq_<dept>/` (also linked without the trailing slash)."""
        pattern = rf"^/{re.escape(self.subsite_prefix)}_\w+/?(?:index\.html?)?$"
        return same_site(url, self.hosts) and bool(re.match(pattern, urlsplit(url).path))

    def parse_subsite(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """An agency's subsite: its annual-report page (linked, or at its known address)."""
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        url = response.url if re.search(r"/$|\.\w+$", urlsplit(response.url).path) else response.url + "/"
        home = urljoin(url, "./")
        year_pages = [u for u, _ in links(response) if same_site(u, self.hosts) and YEAR_PAGE.search(u) and u.startswith(home)]
        for url in year_pages or [urljoin(home, "zfxxgknb.html")]:
            yield from self.year_request(url, column=column)

    def year_request(self, url: str, column: str) -> Iterator[scrapy.Request]:
        request = self.list_request(url, callback=self.parse_year, column=column, meta=dict(self.browser_meta))
        if request is not None:
            yield request

    def parse_year(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A rendered year page: the other years' tabs and this year's reports."""
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        home = urljoin(response.url, "./")
        entries = [e for e in entries_from_links(response, response.url, ARTVIEW, column) if same_site(e.url, self.hosts)]
        if not nb_year(response.url):
            # The page without `nbYear` shows one year's list: that year's tab would render it again.
            self.years_shown.update((home, year) for year in {nb_year(e.url) for e in entries} - {None})
        for url, text in links(response):
            if url.startswith(home) and YEAR_PAGE.search(url) and (home, nb_year(url)) not in self.years_shown:
                yield from self.year_request(url, column=column)
            elif self.is_subsite(url):
                # A menu of the site's units, each a subsite of its own.
                request = self.list_request(url, callback=self.parse_subsite, column=text)
                if request is not None:
                    yield request
        if not entries and not response.meta.get("nianbao_rerendered"):
            # Scripts on a busy portal can draw the list late: render once more, waiting longer,
            # before calling the page empty.
            self.crawler.stats.inc_value("nianbao/rerendered")
            meta = {**response.meta, **self.slow_browser_meta, "nianbao_rerendered": True}
            yield response.request.replace(meta=meta, dont_filter=True)
            return
        yield from self.report_requests(response, entries)
