"""Fujian Yuanlue (远略) CMS portals.

A disclosure column page carries an agency menu and shows its list in an iframe,
`/cms/infopublic/publicInfoView.shtml?directoryId=..&siteId=..`: a `table.view` whose `tr.viewRow`
rows (序号 | 名称 | 生成日期 | 文号, plus a hidden cell of metadata) link static pages
`/cms/cms/html/<site>/<YYYY-MM-DD>/<id>.html` or `publicInfo.shtml?id=..`. Lists page by `?page=N`
(page 1 has no parameter), 20 rows a page, showing at most ten page numbers and `共N条信息`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import TextResponse

from ..spider import Entry, PortalSpider, entries_from_links
from ..urls import TwinRules
from ._common import links, same_site

#: Static pages (`/cms/cms/html/<site>/`, `/cms/html/<site>/`, or `/html/` with no site code) and the dynamic view.
DETAIL = re.compile(r"/html/(?:[\w-]+/)?\d{4}-\d{2}-\d{2}/\d+\.html|/publicInfo\.shtml\?")
#: The agency tree a script builds: its JSON source.
_CHILD_NODES = re.compile(r"listChildNodesUrl\s*=\s*['\"]([^'\"]+)['\"]")
#: `seq` is a random number that only defeats caches: one list page, whatever its value.
YUANLUE_TWINS = TwinRules(drop_params=frozenset({"seq"}))
LIST_VIEW = re.compile(r"/publicInfoView\.shtml\?|/infopublic/publicInfoList")
_TOTAL = re.compile(r"共\s*(\d+)\s*条")


class YuanlueSpider(PortalSpider):
    twins = YUANLUE_TWINS
    detail = DETAIL

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """A column page: its list frame, the agency menu's other columns and frames.

        @start_page
        @returns requests 1
        """
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
        if (tree := _CHILD_NODES.search(response.text)) is not None:
            frames = [response.urljoin(src) for src in response.xpath("//iframe/@src | //frame/@src").getall()]
            request = self.list_request(response.urljoin(tree.group(1)), callback=self.parse_tree, column=column,
                                        meta={"nianbao_frame": next((f for f in frames if LIST_VIEW.search(f)), "")})
            if request is not None:
                yield request
        # Lists drawn into the column page itself, without a frame.
        if response.xpath("//table[contains(@class,'view')]"):
            yield from self.parse_list(response)

    def parse_tree(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """The agency tree's JSON: each directory's list, addressed like the column's own frame."""
        try:
            nodes = json.loads(response.text)
        except ValueError:
            nodes = []
        self.crawler.stats.inc_value("nianbao/list_pages")
        frame = response.meta.get("nianbao_frame") or ""
        for node in nodes if isinstance(nodes, list) else []:
            if not isinstance(node, dict) or node.get("id") is None:
                continue
            url = _with_param(frame, "directoryId", str(node["id"])) if frame else response.urljoin(
                f"/cms/infopublic/publicInfoView.shtml?directoryId={node['id']}")
            request = self.list_request(url, callback=self.parse_list, column=str(node.get("name") or ""))
            if request is not None:
                yield request

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
    return _with_param(url, "page", str(page))


def _with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, value)]
    return urlunsplit(parts._replace(query=urlencode(query)))
