"""Hanweb (大汉) jcms portals, as Zhejiang's governments run them.

A column `/col/col<ID>/index.html` embeds its first group of records in a datastore
(`<script type="text/xml"><datastore>...<record><![CDATA[<li><a href='/art/...'>`), drawn by
JavaScript; later groups come from a POST to `/module/jpage/dataproxy.jsp?startrecord=A&endrecord=B
&perpage=M` with the form fields of the page's `param_<uid>` object. The annual-report column's menu
lists one sub-column per agency. Articles are `/art/YYYY/M/D/art_<col>_<id>.html`, also shown as
`?xxgkhide=1` inside the disclosure module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import chompjs
import scrapy
from parsel import Selector
from scrapy.http import TextResponse

from ..spider import Entry, PortalSpider, breadcrumb, entries_from_links
from ..titles import normalise_title
from ..urls import TwinRules
from ._common import links, same_site

ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html")
COLUMN = re.compile(r"/col/col(\d+)/(?:index\.html)?(?:$|\?)")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_PARAM = re.compile(r"var\s+param_(\w+)\s*=\s*(\{.*?\})\s*;", re.S)
_UNIT = re.compile(r"<div[^>]+id=['\"]?(\d+)['\"]?[^>]*>\s*<script[^>]+text/xml", re.I)

HANWEB_TWINS = TwinRules(drop_params=frozenset({"xxgkhide"}))


class HanwebSpider(PortalSpider):
    twins = HANWEB_TWINS
    article = ARTICLE
    dataproxy = "/module/jpage/dataproxy.jsp"

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """A column page: its records, its later record groups, and (in the report tree) sub-columns."""
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
        # The root column may only be a menu; pages outside the report tree need list no report.
        yield from self.report_requests(response, entries, empty_ok=not in_tree or (is_root and bool(subcolumns)))

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
        for start in range(shown + 1, total + 1, group):
            end = min(start + group - 1, total)
            url = response.urljoin(f"{self.dataproxy}?startrecord={start}&endrecord={end}&perpage={per_page}")
            request = self.list_request(
                url, callback=self.parse_group, column=column, method="POST",
                body=_urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                                "Referer": response.url, "X-Requested-With": "XMLHttpRequest"},
                meta={"nianbao_pages": math.ceil(total / per_page)},
            )
            if request is not None:
                yield request

    def proxy_form(self, response: TextResponse) -> dict[str, str]:
        """The dataproxy form: the page's `param_<uid>` object, completed from the page where it lacks."""
        form: dict[str, str] = {}
        match = _PARAM.search(response.text)
        if match:
            try:
                form = {k: str(v) for k, v in chompjs.parse_js_object(match.group(2)).items()}
            except ValueError:
                form = {}
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


def _urlencode(form: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(form)
