"""TRS WCM portals (Chongqing's municipal cluster and many others).

The annual-report tree is a folder of columns (`qzfxxgknb/csq/`, `xzndbg/<town>_<id>/`); every page
in it may carry a menu of further columns, a list of detail pages `YYYYMM/tYYYYMMDD_<docid>.html`,
and a pager: `createPage(<pages>, <current>, "index", "html")` or `var countPage = <pages>` in a
script (pages `index.html`, `index_1.html`, ... `index_<pages-1>.html`),
`createPageHTML('page_div', <pages>, 1, 'xlist', 'shtml', <records>)` (`xlist_2.shtml` ...), or
`prepage`/`recordCount` with the later pages from the TRS list API the script names
(`/was5/web/search?channelid=<id>&page=<n>`). A pager none of these reads is noted (a notice).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import chompjs
import scrapy
from scrapy.http import TextResponse

from ..dates import parse_date
from ..spider import Entry, PortalSpider, entries_from_links
from ..titles import normalise_title
from ..urls import TwinRules
from ._common import RECORD_COUNT, check_pager, folder, links, pager_of, same_site

DETAIL = re.compile(r"/t\d{8}_\d+(?:_wap)?\.s?html?(?:$|\?)")
_PAGE_FILE = re.compile(r"/index(?:_\d+)?\.s?html?$")


_PREPAGE = re.compile(r"\bprepage\s*=\s*(\d+)", re.I)
#: The list API a script names: an address with the column's channel id (`/was5/web/search?channelid=N`).
_LIST_API = re.compile(r"[\"']((?:https?://[^\"'\s/]+)?/[^\"'\s]*\?[^\"'\s]*\bchannelid=\d+[^\"'\s]*)[\"']", re.I)


def list_api_pages(response: TextResponse) -> list[str]:
    """Pages 2 .. N of a list whose script sets `prepage` (rows a page) and `recordCount`, and names
    the list API the later pages come from (`...?channelid=N`, page n as `&page=n`)."""
    text = response.text
    records, size, api = RECORD_COUNT.search(text), _PREPAGE.search(text), _LIST_API.search(text)
    if not (records and size and api) or not int(size.group(1)):
        return []
    address = response.urljoin(api.group(1))
    pages = math.ceil(int(records.group(1)) / int(size.group(1)))
    return [f"{address}{'&' if '?' in address else '?'}page={n}" for n in range(2, pages + 1)]


_SCRIPT_DOC = re.compile(r"\{[^{}]*[\"']?chnldocurl[\"']?\s*:[^{}]*\}")


def script_entries(response: TextResponse, column: str) -> list[Entry]:
    """The entries of a list a script draws from JSON (`chnldocurl`, `doctitle`, `docreltime`)."""
    entries = []
    for match in _SCRIPT_DOC.finditer(response.text):
        try:
            doc = chompjs.parse_js_object(match.group(0))
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("chnldocurl"):
            entries.append(Entry(url=response.urljoin(str(doc["chnldocurl"])), title=normalise_title(str(doc.get("doctitle") or "")),
                                 date=parse_date(str(doc.get("docreltime") or "")), column=column))
    return entries


#: Chongqing's TRS sites give every detail page a mobile twin `..._wap.html`.
TRS_TWINS = TwinRules(path_rewrites=((r"_wap(\.s?html?)$", r"\1"),))


class TrsSpider(PortalSpider):
    twins = TRS_TWINS
    #: Addresses of report pages.
    detail = DETAIL
    #: Page n (1-based) of a column is `index_<n-1>` (TRS), not `index_<n>` (NFCMS).
    first_page_suffix = 1

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """A column page: its reports, its later pages and sub-columns.

        @start_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        children = list(self.column_requests(response))
        yield from children
        entries = entries_from_links(response, response.url, self.detail, column) + script_entries(response, column)
        entries = [e for e in entries if same_site(e.url, self.hosts)]
        # A page that leads to sub-columns is a menu; only a leaf column must list reports.
        leads_down = any(self._is_child(r.url, response.url) for r in children) or self._has_child_links(response)
        pages = list(self.page_requests(response, column))
        yield from self.report_requests(response, entries, empty_ok=leads_down, paged=bool(pages))
        yield from pages

    def column_requests(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for url, text in links(response):
            if not same_site(url, self.hosts) or self.detail.search(url):
                continue
            path = urlsplit(url).path
            tree = self.tree_of(url)
            if tree is None or path == tree:
                continue
            if not (path.endswith("/") or re.search(r"/index\.s?html?$", path)):
                continue
            request = self.list_request(url, column=text)
            if request is not None:
                yield request

    def _has_child_links(self, response: TextResponse) -> bool:
        return any(
            self._is_child(url, response.url) and not self.detail.search(url) and not _PAGE_FILE.search(url)
            for url, _ in links(response)
        )

    @staticmethod
    def _is_child(url: str, parent: str) -> bool:
        child, base = urlsplit(folder(url)).path, urlsplit(folder(parent)).path
        return child != base and child.startswith(base)

    def page_requests(self, response: TextResponse, column: str) -> Iterator[scrapy.Request]:
        base = folder(response.url)
        urls = pager.urls(base, self.first_page_suffix) if (pager := pager_of(response.text)) else []
        # Pagers drawn without a script still link their pages.
        urls += [u for u, _ in links(response) if folder(u) == base and re.search(r"/index_\d+\.s?html?$", u)]
        api = list_api_pages(response)
        check_pager(self, response, asked=bool(urls or api))
        for url in urls:
            request = self.list_request(url, column=column, meta={"nianbao_page": True})
            if request is not None:
                yield request
        for url in api:
            request = self.list_request(url, callback=self.parse_api_list, column=column, meta={"nianbao_page": True})
            if request is not None:
                yield request

    def parse_api_list(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A page of the TRS list API: the column's rows (absolute addresses), nothing more to follow."""
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        entries = entries_from_links(response, response.url, self.detail, column) + script_entries(response, column)
        yield from self.report_requests(response, [e for e in entries if same_site(e.url, self.hosts)])
