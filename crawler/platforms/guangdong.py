"""Guangdong's provincial site platform: NFCMS columns and gkmlpt disclosure catalogues.

The disclosure catalogue (`/zwgk/zfxxgkml/index.html`) links each unit's annual-report column
`/zwgk/zfxxgkml/<unit>/zfxxgkgzndbg/index.html` (or the unit's catalogue page that links it), whose
lists page as `index.html`, `index_2.html`, ... by a `createPageHTML(...)` script (or by a prefix
of their own, `createPageHTML('page_div', 10, 1, 'xlist', 'shtml', 189)`: `xlist_2.shtml` ...; a
pager none of these reads is noted, a notice); reports are `.../content/post_<id>.html`. Units that
run a gkmlpt catalogue (`/<unit>/gkmlpt/index`, or the mobile `/<unit>/gkmlpt/mindex/`) define
`window._CONFIG = {SID, TREE}` and list through JSON `/<unit>/gkmlpt/api/all/<catId>?page=N&sid=<SID>`
(100 items a page; page 0 repeats page 1), on the catalogue's own path whatever page of it linked.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import chompjs
import scrapy
from scrapy.http import TextResponse

from .. import registry
from ..dates import parse_date
from ..spider import Entry, PortalSpider, entries_from_links, is_generic_column
from ..urls import TwinRules
from ..titles import normalise_title
from ._common import check_pager, folder, gkmlpt_root, links, pager_of, same_site

POST = re.compile(r"/content/(?:[\w/]+/)?post_\d+\.html")
#: A gkmlpt catalogue's desktop or mobile index (`/gkmlpt/index`, `/gkmlpt/mindex/`), on any path.
GKMLPT = re.compile(r"/gkmlpt/(?:m?index/?)?(?:$|[?#])")
_REPORT_COLUMN = re.compile(r"年度报告|年报")
_CONFIG = re.compile(r"_CONFIG\s*=\s*(\{.*?\})\s*;?\s*(?:</script>|window\.|var\s)", re.S)
_SID = re.compile(r"\bSID['\"]?\s*[:=]\s*['\"]([^'\"]+)['\"]")


#: Mobile twins of gkmlpt details (`mpost_<id>.html`) fold into `post_<id>.html`.
GUANGDONG_TWINS = TwinRules(path_rewrites=((r"/mpost_(\d+)\.html$", r"/post_\1.html"),))


class GuangdongSpider(PortalSpider):
    twins = GUANGDONG_TWINS
    post = POST
    #: The folder name of the annual-report column in every unit's catalogue.
    column_slug = "zfxxgkgzndbg"

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """The catalogue index (and units' catalogue pages): annual-report columns and gkmlpt catalogues.

        @start_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        if _SID.search(response.text) and _CONFIG.search(response.text):
            # The start page is a gkmlpt catalogue itself.
            yield from self.parse_gkmlpt(response)
            return
        if self.is_column_page(response):
            # The start page is an annual-report column (a department's or a town's NFCMS column).
            yield from self.parse_list(response)
            return
        depth = response.meta.get("nianbao_depth", 0)
        catalogue = urlsplit(folder(response.url)).path
        for url, text in links(response):
            path = urlsplit(url).path
            if GKMLPT.search(path + "?") and self.is_department_host(url):
                request = self.list_request(url, callback=self.parse_gkmlpt, column=text)
                if request is not None:
                    yield request
                continue
            if not same_site(url, self.hosts):
                continue
            if GKMLPT.search(path + "?"):
                request = self.list_request(url, callback=self.parse_gkmlpt, column=text)
            elif self.column_slug in path or (_REPORT_COLUMN.search(text) and not self.post.search(path)):
                request = self.list_request(url, callback=self.parse_list, column=self._unit_name(response, text))
            elif depth == 0 and re.fullmatch(re.escape(catalogue) + r"[\w-]+/(?:index\.html)?", path):
                # A unit's own catalogue page, which links its annual-report column.
                request = self.list_request(url, column=text, meta={"nianbao_depth": 1})
            else:
                continue
            if request is not None:
                yield request
        # Catalogue pages are menus; reports they happen to list are still taken.
        yield from self.report_requests(response, self._entries(response, self.column_of(response)), empty_ok=True)

    def is_column_page(self, response: TextResponse) -> bool:
        """Whether a page is an NFCMS column's list: it links reports in its own `content/` folder."""
        own = folder(response.url) + "content/"
        return any(e.url.startswith(own) for e in self._entries(response, ""))

    def find_column(self, response, **kwargs):
        """A home page or menu page on the way to the column; a page that links several units'
        annual-report columns or gkmlpt catalogues is the disclosure catalogue itself, read as one.

        @home_page
        @returns requests 1
        """
        if isinstance(response, TextResponse) and self.is_catalogue_page(response):
            self.column_found(response.url)
            yield from self.parse(response)
            return
        yield from super().find_column(response)

    def is_catalogue_page(self, response: TextResponse) -> bool:
        units = {u for u, _ in links(response) if self.column_slug in urlsplit(u).path or GKMLPT.search(urlsplit(u).path + "?")}
        return len(units) >= 2

    def is_department_host(self, url: str) -> bool:
        """A department's subdomain of the portal's domain (`audit.dg.gov.cn` for www.dg.gov.cn) that
        is no registry portal of its own: its gkmlpt catalogue is this portal's."""
        host = (urlsplit(url).hostname or "").lower()
        domains = {h[4:] if h.startswith("www.") else h for h in self.hosts}
        if host in self.hosts or not any(host.endswith("." + d) for d in domains):
            return False
        return host not in {h for p in registry.load() for h in p.hosts}

    def _unit_name(self, response: TextResponse, text: str) -> str:
        unit = response.meta.get("nianbao_column") if response.meta.get("nianbao_depth") else ""
        return unit or ("" if _REPORT_COLUMN.search(text) else text)

    def _entries(self, response: TextResponse, column: str) -> list[Entry]:
        entries = entries_from_links(response, response.url, self.post, column)
        return [e for e in entries if same_site(e.url, self.hosts)]

    def parse_list(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """An annual-report column page: its reports and its other pages."""
        if not isinstance(response, TextResponse):
            return
        column = self.column_of(response)
        pages = list(self.page_requests(response, column))
        yield from self.report_requests(response, self._entries(response, column), paged=bool(pages))
        yield from pages

    def page_requests(self, response: TextResponse, column: str) -> Iterator[scrapy.Request]:
        """A column page's other pages."""
        base = folder(response.url)
        # NFCMS numbers page 2 `index_2` (`createPageHTML(pages, 0, ...)`, counted from 1).
        urls = pager.urls(base, 2) if (pager := pager_of(response.text)) else []
        urls += [u for u, _ in links(response) if folder(u) == base and re.search(r"/index_\d+\.s?html?$", u)]
        check_pager(self, response, asked=bool(urls))
        for url in urls:
            request = self.list_request(url, callback=self.parse_list, column=column, meta={"nianbao_page": True})
            if request is not None:
                yield request

    # -- gkmlpt ---------------------------------------------------------------------------------

    def parse_gkmlpt(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A gkmlpt catalogue: the annual-report categories of its TREE, listed through the API."""
        if not isinstance(response, TextResponse):
            return
        config = self._config(response.text)
        sid = str(config.get("SID") or "") or ((m := _SID.search(response.text)) and m.group(1)) or ""
        categories = list(_report_categories(config.get("TREE") or []))
        title = str(config.get("TITLE") or "").replace("政府信息公开目录", "").strip()
        column = response.meta.get("nianbao_column") or ""
        column = column if column and not is_generic_column(column) else title or self.column_of(response)
        if not sid or not categories:
            self.warn_empty(response, "no SID or no annual-report category in window._CONFIG")
            self.crawler.stats.inc_value("nianbao/list_pages")
            return
        for cat_id, _name in categories:
            url = gkmlpt_root(response.url) + f"api/all/{cat_id}?page=1&sid={sid}"
            request = self.list_request(url, callback=self.parse_api, column=column, meta={"nianbao_gkmlpt": (cat_id, sid)})
            if request is not None:
                yield request

    @staticmethod
    def _config(text: str) -> dict[str, Any]:
        match = _CONFIG.search(text)
        if not match:
            return {}
        try:
            value = chompjs.parse_js_object(match.group(1))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def parse_api(self, response: TextResponse) -> Iterator[scrapy.Request]:
        try:
            data = json.loads(response.text)
        except ValueError:
            self.warn_empty(response, "the catalogue API answered no JSON")
            self.crawler.stats.inc_value("nianbao/list_pages")
            return
        column = self.column_of(response)
        articles = _first(data, "articles", "data", "list", "records") or []
        if isinstance(articles, dict):
            articles = _first(articles, "articles", "list", "records") or []
        entries = []
        for article in articles if isinstance(articles, list) else []:
            if not isinstance(article, dict):
                continue
            url = _first(article, "url", "link", "href")
            if not url:
                continue
            date = next(
                (d for key in ("display_publish_time", "publish_time", "first_publish_time", "date", "created_at")
                 if (d := parse_date(article.get(key)))),
                None,
            )
            title = normalise_title(str(_first(article, "title", "name") or ""))
            entries.append(Entry(url=response.urljoin(str(url)), title=title, date=date, column=column))
        yield from self.report_requests(response, entries)
        if response.meta.get("nianbao_api_page", 1) == 1:
            total = _first(data, "total", "count", "totalCount") or 0
            per_page = len(articles) or 100
            cat_id, sid = response.meta["nianbao_gkmlpt"]
            for page in range(2, math.ceil(int(total) / per_page) + 1):
                url = response.urljoin(f"{cat_id}?page={page}&sid={sid}")
                request = self.list_request(
                    url, callback=self.parse_api, column=column,
                    meta={"nianbao_gkmlpt": (cat_id, sid), "nianbao_api_page": page},
                )
                if request is not None:
                    yield request


def _first(mapping: Any, *keys: str) -> Any:
    if not isinstance(mapping, dict):
        return None
    return next((mapping[k] for k in keys if mapping.get(k) not in (None, "")), None)


def _report_categories(tree: Any) -> Iterator[tuple[str, str]]:
    """(id, name) of every category in a gkmlpt TREE whose name says annual report."""
    nodes = tree if isinstance(tree, list) else [tree]
    for node in nodes:
        if not isinstance(node, dict):
            continue
        name = str(node.get("name") or node.get("title") or "")
        cat_id = node.get("id") or node.get("catId") or node.get("cat_id")
        if node.get("jump_url"):
            # A link to elsewhere (often another site's catalogue), not a category of this one.
            continue
        if cat_id is not None and _REPORT_COLUMN.search(name):
            yield str(cat_id), name
        yield from _report_categories(node.get("children") or node.get("child") or [])
