"""Anhui's provincial site cluster: the annual-report module and the `/public/` disclosure catalogue.

What public pages show (../shared/PLATFORM-VARIANTS.md, Anhui; the registry lines' sources):

- **The module.** Each publishing agency (the government, a department, a town) has an id and one
  list per year, `<module>/year/<agency id>/<year>.html`; each report a page `<module>/show/<id>.html`
  (ids rise over time and name no year or agency). `<module>` is `OpennessAnnualReport`,
  `XxgkAnnualReport` or `Xxgknb`, under `/openness/` on some sites; one site can serve two names.
  Report pages print the breadcrumb `网站首页 > 政府信息公开 > <agency> > 政府信息公开年报` (a department's
  own subdomain drops 政府信息公开), the title, `发布时间:` and `来源:<agency>`. Reports point readers to
  the agency's disclosure list, `/XxgkContent/showList/<n>/0/page_1.html` (or `OpennessContent`, under
  `/openness/` too), which links its 政府信息公开年报.
- **The `/public/` catalogue** other sites of the cluster run instead: an agency's catalogue
  `/public/column/<id>?type=4&action=list`, items `/public/<column id>/<content id>.html` or
  `/public/content/<id>` (under `/zfxxgk/` on some), and a per-year view
  `/public/column/<id>?action=detail&title=<year>&type=3`.

A line starts at the site's home page: the spider follows its 政府信息公开 menu, the agencies it
lists, their 政府信息公开年报 columns and year lists, and takes every annual report they list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.http import TextResponse

from ..discovery import is_column_name, is_gateway_name
from ..spider import PortalSpider, entries_from_links
from ._common import links, same_site

_MODULE = r"(?:/openness)?/(?:OpennessAnnualReport|XxgkAnnualReport|Xxgknb)"
#: Report pages of the module (and the older `xxgkAnnualReport/detail/<hex>.html`), and items of
#: the `/public/` catalogue.
REPORT = re.compile(
    _MODULE + r"/show/\d+\.html$|/xxgkAnnualReport/detail/[0-9a-f]{24}\.html$"
    r"|(?:/zfxxgk)?/public/(?:\d+/\d+\.html|content/\d+)$", re.I)
#: An agency's list of one year in the module.
YEAR_LIST = re.compile(_MODULE + r"/year/\d+/\d{4}\.html$")
#: An agency's disclosure list (its first page), which links its annual-report column.
AGENCY_LIST = re.compile(r"(?:/openness)?/(?:Xxgk|Openness)Content/showList/\d+/0/page_1\.html$")
#: A column of the `/public/` catalogue (an agency's, or one of its categories).
PUBLIC_COLUMN = re.compile(r"(?:/zfxxgk)?/public/column/\d+$")
#: What an agency's name ends with, on the disclosure index's lists of agencies.
_AGENCY_NAME = re.compile(r"(?:人民政府|政府|办公室|局|委员会|委|办|中心|管委会|管理委员会|镇|乡|街道|办事处|队|站|院|所)$")

class AnhuiSpider(PortalSpider):
    #: How many menu pages deep from the start the disclosure index and agency pages are looked for.
    menu_depth = 2

    def find_column(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """The home page: read as any page of the site (its menus lead to the agencies' columns).

        @home_page
        @returns requests 1
        """
        yield from self.parse(response)

    def parse(self, response: TextResponse, **kwargs) -> Iterator[scrapy.Request]:
        """Any page of the site: its menus, agencies, annual-report columns, year lists and reports.

        @start_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        must_list = bool(YEAR_LIST.search(urlsplit(response.url).path)) or response.meta.get("nianbao_public_reports")
        # From a list, only the agency's other years: its menus were read on the way there.
        depth = self.menu_depth if must_list else response.meta.get("nianbao_menu_depth", 0)
        column = self.column_of(response)
        for url, text in links(response):
            if not same_site(url, self.hosts) or REPORT.search(urlsplit(url).path):
                continue
            request = self._follow(url, text, depth)
            if request is not None:
                yield request
        entries = [e for e in entries_from_links(response, response.url, REPORT, column) if same_site(e.url, self.hosts)]
        # Menus and agency pages list other things; a year list or a 年报 column must list reports.
        yield from self.report_requests(response, entries, empty_ok=not must_list)

    def _follow(self, url: str, text: str, depth: int) -> scrapy.Request | None:
        path, query = urlsplit(url).path, urlsplit(url).query
        if YEAR_LIST.search(path):
            return self.list_request(url, column=text if _AGENCY_NAME.search(text) else "")
        if PUBLIC_COLUMN.search(path) and is_column_name(text):
            return self.list_request(url, meta={"nianbao_public_reports": True})
        if PUBLIC_COLUMN.search(path) and "action=detail" in query and _year_view(query):
            return self.list_request(url, meta={"nianbao_public_reports": True})
        if depth >= self.menu_depth:
            return None
        meta = {"nianbao_menu_depth": depth + 1}
        if AGENCY_LIST.search(path) or (PUBLIC_COLUMN.search(path) and _AGENCY_NAME.search(text)):
            return self.list_request(url, column=text, meta=meta)
        if is_gateway_name(text):
            return self.list_request(url, meta=meta)
        if is_column_name(text) and re.search(_MODULE, path):
            # The module's own entry (the government's column).
            return self.list_request(url, meta=meta)
        return None


def _year_view(query: str) -> bool:
    """A `/public/` column's view of one year (`action=detail&title=2020&type=3`)."""
    title = (parse_qs(query).get("title") or [""])[0]
    return bool(re.fullmatch(r"(?:19|20)\d{2}", title))
