"""Fujian Yuanlue (远略) CMS portals.

A disclosure column page carries an agency menu and shows its list in an iframe,
`/cms/infopublic/publicInfoView.shtml?directoryId=..&siteId=..`: a `table.view` whose `tr.viewRow`
rows (序号 | 名称 | 生成日期 | 文号, plus a hidden cell of metadata) link static pages
`/cms/cms/html/<site>/<YYYY-MM-DD>/<id>.html` or `publicInfo.shtml?id=..`. Lists page by `?page=N`
(page 1 has no parameter), 20 rows a page, showing at most ten page numbers and `共N条信息`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import TextResponse

from ..spider import Entry, PortalSpider, entries_from_links
from ._common import folder, links, same_site

DETAIL = re.compile(r"/html/[\w-]+/\d{4}-\d{2}-\d{2}/\d+\.html|/publicInfo\.shtml\?")
LIST_VIEW = re.compile(r"/publicInfoView\.shtml\?|/infopublic/publicInfoList")
_TOTAL = re.compile(r"共\s*(\d+)\s*条")


class YuanlueSpider(PortalSpider):
    detail = DETAIL

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """A column page: its list frame, the agency menu's other columns and frames."""
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        for src in response.xpath("//iframe/@src | //frame/@src").getall():
            url = response.urljoin(src.strip())
            if same_site(url, self.hosts) and LIST_VIEW.search(url):
                request = self.list_request(url, callback=self.parse_list, column=column)
                if request is not None:
                    yield request
        for url, text in links(response):
            if not same_site(url, self.hosts):
                continue
            if LIST_VIEW.search(url):
                request = self.list_request(url, callback=self.parse_list, column=text)
            elif self.tree_of(url) is not None and not DETAIL.search(url):
                request = self.list_request(url, column=text)
            else:
                continue
            if request is not None:
                yield request
        # Lists drawn into the column page itself, without a frame.
        if response.xpath("//table[contains(@class,'view')]"):
            yield from self.parse_list(response)

    def parse_list(self, response: TextResponse) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        rows = response.xpath("//tr[contains(concat(' ', normalize-space(@class), ' '), ' viewRow ')]")
        scope = rows if rows else response.xpath("//table[contains(@class,'view')]") or [response]
        entries: list[Entry] = []
        for node in scope:
            entries += entries_from_links(node, response.url, self.detail, column)
        yield from self.report_requests(response, [e for e in entries if same_site(e.url, self.hosts)])
        yield from self.page_requests(response, column, len(rows))

    def page_requests(self, response: TextResponse, column: str, rows: int) -> Iterator[scrapy.Request]:
        here = urlsplit(response.url)
        urls = [u for u, _ in links(response) if urlsplit(u).path == here.path and re.search(r"[?&]page=\d+", u)]
        if (match := _TOTAL.search(response.text)) and rows:
            per_page = max(rows, 20) if "page=" not in here.query else 20
            pages = math.ceil(int(match.group(1)) / per_page)
            urls += [_with_page(response.url, n) for n in range(2, pages + 1)]
        for url in urls:
            request = self.list_request(url, callback=self.parse_list, column=column)
            if request is not None:
                yield request


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"] + [("page", str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))
