"""Hanweb (大汉) jcms portals, as Zhejiang's governments run them.

A column `/col/col<ID>/index.html` embeds its first group of records in a datastore
(`<script type="text/xml"><datastore>...<record><![CDATA[<li><a href='/art/...'>`), drawn by
JavaScript; later groups come from a POST to `/module/jpage/dataproxy.jsp?startrecord=A&endrecord=B
&perpage=M` with the form fields of the page's `param_<uid>` object, or, where the datastore gives a
`<totalpage>`, from a GET of the `<nextgroup>` address page by page (`?page=N&webid=...`, the
proxy's own page size). A column page showing a pager none of these reads is noted (a notice). The
annual-report column's menu
lists one sub-column per agency. Articles are `/art/YYYY/M/D/art_<col>_<id>.html`, also shown as
`?xxgkhide=1` inside the disclosure module.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from html import unescape as html_unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import chompjs
import scrapy
from parsel import Selector
from scrapy.http import TextResponse

from ..spider import Entry, PortalSpider, breadcrumb, entries_from_links
from ..titles import normalise_title
from ..urls import TwinRules
from ._common import check_pager, links, same_site

#: Classic article addresses, and those of the jpaas publishing service (`/col/colN/art/YYYY/art_<uuid>.html`).
ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html|/col/col\d+/art/\d{4}/art_[0-9a-f]{16,}\.html")
COLUMN = re.compile(r"/col/col(\d+)/(?:index\.html)?(?:$|\?)")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_PARAM = re.compile(r"var\s+param_(\w+)\s*=\s*(\{.*?\})\s*;", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.S)
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*(\{[^{}]*\})", re.S)
_JPAAS = re.compile(r"['\"]([^'\"]*/jpaas-publish-server/front/page/build/unit\?[^'\"]*)['\"]")
_XXGK_PAGES = re.compile(r"第\s*\d+\s*/\s*(\d+)\s*页")
_JS_PAIR = re.compile(r"(\w+)\s*:\s*['\"]([^'\"]*)['\"]")
_UNIT = re.compile(r"<div[^>]+id=['\"]?(\d+)['\"]?[^>]*>\s*<script[^>]+text/xml", re.I)

HANWEB_TWINS = TwinRules(drop_params=frozenset({"xxgkhide"}))


class HanwebSpider(PortalSpider):
    twins = HANWEB_TWINS
    article = ARTICLE
    dataproxy = "/module/jpage/dataproxy.jsp"

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """A column page: its records, its later record groups, and (in the report tree) sub-columns.

        @start_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        is_root = response.meta.get("nianbao_root", response.url in self.start_urls)
        if is_root:
            self.root_names = self._names(response)
        in_tree = is_root or self._in_tree(response)
        column = self.column_of(response)
        entries = self.page_entries(response, column)
        subcolumns = []
        if in_tree:
            for url, text in links(response):
                if COLUMN.search(url) or "xxgkAnnualReport" in url:
                    if same_site(url, self.hosts):
                        request = self.list_request(url, column=text)
                        if request is not None:
                            subcolumns.append(request)
        yield from subcolumns
        groups = list(self.group_requests(response, column))
        yield from groups
        service = list(self.jpaas_requests(response, column)) + list(self.xxgk_requests(response, column))
        yield from service
        if in_tree:
            check_pager(self, response, asked=bool(groups or service))
        # The root column may only be a menu; pages outside the report tree need list no report; a
        # page whose list the jpaas service or the disclosure module answers shows none itself.
        empty_ok = not in_tree or (is_root and bool(subcolumns)) or bool(service)
        yield from self.report_requests(response, entries, empty_ok=empty_ok)

    def page_entries(self, response: TextResponse, column: str) -> list[Entry]:
        records = _RECORD.findall(response.text)
        entries = []
        if records:
            entries = entries_from_links(Selector(text="".join(records)), response.url, self.article, column)
        # Server-rendered lists (and lists drawn by other components) carry the same links.
        entries += entries_from_links(response, response.url, self.article, column)
        return [e for e in entries if same_site(e.url, self.hosts)]

    def group_requests(self, response: TextResponse, column: str) -> Iterator[scrapy.Request]:
        text = response.text
        if pages := _TOTAL_PAGE.search(text):
            yield from self.page_param_requests(response, int(pages.group(1)), column)
            return
        total_match = _TOTAL.search(text)
        if not total_match:
            return
        total = int(total_match.group(1) or total_match.group(2))
        shown = len(_RECORD.findall(text))
        per_page = int(m.group(1)) if (m := _PER_PAGE.search(text)) else 15
        group = shown or per_page * 3
        if total <= shown:
            return
        form = self.proxy_form(response)
        proxy = self.proxy_path(response)
        for start in range(shown + 1, total + 1, group):
            end = min(start + group - 1, total)
            url = response.urljoin(f"{proxy}?startrecord={start}&endrecord={end}&perpage={per_page}")
            request = self.list_request(
                url, callback=self.parse_group, column=column, method="POST",
                body=_urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                                "Referer": response.url, "X-Requested-With": "XMLHttpRequest"},
                meta={"nianbao_pages": math.ceil(total / per_page)},
            )
            if request is not None:
                yield request

    def page_param_requests(self, response: TextResponse, pages: int, column: str) -> Iterator[scrapy.Request]:
        """Pages 2 .. `pages` of a proxy that pages by `?page=N` (GET, the parameters in the query)."""
        form, proxy = self.proxy_form(response), self.proxy_path(response)
        for n in range(2, pages + 1):
            url = response.urljoin(f"{proxy}?{urlencode({'page': n, **form})}")
            request = self.list_request(url, callback=self.parse_group, column=column,
                                        headers={"Referer": response.url}, meta={"nianbao_pages": pages})
            if request is not None:
                yield request

    def proxy_path(self, response: TextResponse) -> str:
        """Where later record groups come from: the path the page's `<nextgroup>` names (newer sites
        use `/module/web/jpage/dataproxy.jsp`), else the classic one."""
        match = _NEXTGROUP.search(response.text)
        path = urlsplit(html_unescape(match.group(1))).path if match else ""
        return path if path.endswith(".jsp") else self.dataproxy

    def proxy_form(self, response: TextResponse) -> dict[str, str]:
        """The dataproxy form: the parameters the page gives (the `<nextgroup>` query string, the
        `jpage({... ajaxParam: {...}})` call, a `param_<uid>` object), completed where they lack."""
        form: dict[str, str] = {}
        text = response.text
        if (nextgroup := _NEXTGROUP.search(text)) is not None:
            query = urlsplit(html_unescape(nextgroup.group(1))).query
            form.update((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("page", "startrecord", "endrecord", "perpage"))
        for pattern, group in ((_AJAX_PARAM, 1), (_PARAM, 2)):
            if (found := pattern.search(text)) is not None:
                try:
                    form.update({k: str(v) for k, v in chompjs.parse_js_object(found.group(group)).items()})
                except ValueError:
                    pass
        match = _PARAM.search(text)
        column_id = COLUMN.search(response.url)
        unit = _UNIT.search(response.text)
        defaults = {
            "col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0",
            "columnid": column_id.group(1) if column_id else "",
            "unitid": (match.group(1) if match else "") or (unit.group(1) if unit else ""),
        }
        for key, value in defaults.items():
            form.setdefault(key, value)
        return form

    def parse_group(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A dataproxy.jsp reply: XML whose CDATA records are the list items."""
        column = self.column_of(response)
        records = _RECORD.findall(response.text)
        entries = entries_from_links(Selector(text="".join(records)), response.url, self.article, column)
        yield from self.report_requests(response, [e for e in entries if same_site(e.url, self.hosts)])

    #: Records asked of the jpaas list service at a time.
    jpaas_page_size = 20

    def jpaas_requests(self, response: TextResponse, column: str, page: int = 1) -> Iterator[scrapy.Request]:
        """The first page of the list a jpaas column page draws from its publishing service."""
        params = jpaas_requests_params(response.text)
        if params is None:
            return
        path = params.pop("path")
        yield from self._jpaas_page(response.urljoin(path), params, column, page)

    def _jpaas_page(self, endpoint: str, params: dict[str, str], column: str, page: int) -> Iterator[scrapy.Request]:
        paging = json.dumps({"pageNo": page, "pageSize": self.jpaas_page_size}, separators=(",", ":"))
        url = f"{endpoint}?{urlencode({**params, 'paramJson': paging})}"
        request = self.list_request(url, callback=self.parse_jpaas, column=column,
                                    meta={"nianbao_jpaas": (endpoint, params, page)})
        if request is not None:
            yield request

    def parse_jpaas(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A jpaas list answer: JSON whose `data.html` holds the rows; the first asks for the rest."""
        column = self.column_of(response)
        try:
            data = json.loads(response.text).get("data") or {}
        except (ValueError, AttributeError):
            data = {}
        rows = str(data.get("html") or "") if isinstance(data, dict) else ""
        entries = entries_from_links(Selector(text=rows or "<ul></ul>"), response.url, self.article, column)
        yield from self.report_requests(response, [e for e in entries if same_site(e.url, self.hosts)])
        endpoint, params, page = response.meta["nianbao_jpaas"]
        if page == 1:
            total = int(data.get("total") or 0) if isinstance(data, dict) and str(data.get("total") or "0").isdigit() else 0
            for n in range(2, math.ceil(total / self.jpaas_page_size) + 1):
                yield from self._jpaas_page(endpoint, params, column, n)

    def xxgk_requests(self, response: TextResponse, column: str, page: int = 1) -> Iterator[scrapy.Request]:
        """The disclosure module's list a column page POSTs for (`/module/xxgk/search.jsp`, its form's
        fields), page `page`."""
        form = response.xpath("//form[contains(@action, '/module/xxgk/search.jsp')]")
        if not form:
            return
        fields = {i.attrib["name"]: i.attrib.get("value", "") for i in form[0].xpath(".//input[@name]")}
        yield from self._xxgk_page(response.urljoin(form[0].attrib["action"]), fields, column, page)

    def _xxgk_page(self, url: str, fields: dict[str, str], column: str, page: int) -> Iterator[scrapy.Request]:
        body = _urlencode({**fields, "currpage": str(page)})
        request = self.list_request(url, callback=self.parse_xxgk, column=column, method="POST", body=body,
                                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
                                    meta={"nianbao_xxgk": (url, fields, page)})
        if request is not None:
            yield request

    def parse_xxgk(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """A disclosure-module answer: rows of articles (their `?xxgkhide=1` view), `第1/N页`."""
        column = self.column_of(response)
        entries = entries_from_links(Selector(text=response.text), response.url, self.article, column)
        yield from self.report_requests(response, [e for e in entries if same_site(e.url, self.hosts)])
        url, fields, page = response.meta["nianbao_xxgk"]
        if page == 1 and (pages := _XXGK_PAGES.search(response.text)):
            for n in range(2, int(pages.group(1)) + 1):
                yield from self._xxgk_page(url, fields, column, n)

    def _names(self, response: TextResponse) -> set[str]:
        names = set(breadcrumb(response)[-1:])
        title = normalise_title(response.xpath("//title/text()").get())
        names |= {p for p in re.split(r"[\s_|\-—]+", title) if "年报" in p or "年度报告" in p}
        return {n for n in names if n and n not in ("首页",)}

    def _in_tree(self, response: TextResponse) -> bool:
        """Whether a column belongs under the annual-report column: its breadcrumb passes through it.

        The root's menu also links the site's other columns (news, notices ...): those are read for
        reports but neither followed further nor expected to list any.
        """
        trail = breadcrumb(response)
        if not trail:
            return True
        names = getattr(self, "root_names", set())
        text = " ".join(trail[:-1]) if len(trail) > 1 else trail[0]
        return any(n in text for n in names) or bool(re.search(r"年报|年度报告", " ".join(trail)))


def jpaas_requests_params(text: str) -> dict[str, str] | None:
    """The query of the jpaas list service a column page calls, its blanks filled from the page's
    script objects (`{webId: "...", tplSetId: "..."}`); None on a page that calls none."""
    match = _JPAAS.search(text)
    if not match:
        return None
    path, _, query = match.group(1).partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    known = dict(_JS_PAIR.findall(text))
    for key, value in params.items():
        if not value and known.get(key):
            params[key] = known[key]
    params.pop("paramJson", None)
    return {"path": path, **params}


def _urlencode(form: dict[str, str]) -> str:
    return urlencode(form)
