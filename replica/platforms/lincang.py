"""The Lincang city site cluster (临沧市政府网站群) as its city, counties and units run it.

Each registry start is an agency's disclosure subsite year page `/zfxxgk_<site>_<unit>/zfxxgknb.html`
(`?nbYear=YYYY` tabs, one per year). On most subsites the year's report list is drawn by a script
from `/zfxxgk/nbList.do?catalogId=..&orgCode=..&nbYear=..`, so the page needs a browser; reports are
`<subsite>/artview/<catalogue>/<id>.html?nbYear=..&orgCode=..`.

Variants, drawn per site: year pages rendered on the server (the list in the HTML); catalogue 258
instead of 195; a menu of the site's units' subsites linked without a trailing slash
(`/zfxxgk_lcs_czj`); older reports at `/info/<col>/<id>.htm` (the year list's endpoint gives their `url`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cached_property
from html import escape
from urllib.parse import urlsplit

from crawler.urls import is_home_page

from ..portals.linxiang import ITEM_LINK, LIST_SCRIPT, year_asked
from ..site import Agency, Column, Report, Request, Response, stable_int
from .common import GeneratedSite

API = "/zfxxgk/nbList.do"


class LincangSite(GeneratedSite):
    flavor = "lincang"
    variant_names = ("server_rendered", "catalogue_258", "units_no_slash", "info_shape")

    @property
    def catalogue(self) -> int:
        return 258 if self.has("catalogue_258") else 195

    @property
    def subsites(self) -> list[str]:
        """`/zfxxgk_lcs` for each start year page `/zfxxgk_lcs/zfxxgknb.html`; a line that starts at
        the home page gets a subsite named after its key, which the home page links."""
        return ["/zfxxgk_" + re.sub(r"[^a-z]", "", self.registry_portal.key) if is_home_page(u)
                else "/" + urlsplit(u).path.strip("/").split("/")[0] for u in self.registry_portal.start]

    @property
    def base_agencies(self) -> int:  # type: ignore[override]
        return len(self.subsites) + (2 if self.has("units_no_slash") else 0)

    def agency_pool(self) -> list[Agency]:
        pool = []
        for i, subsite in enumerate(self.subsites):
            pool.append(self.own_agency(subsite) if i == 0 else self.unit(subsite, i))
        first = self.subsites[0]
        pool += [self.unit(f"{first}_{name}", n) for n, name in enumerate(("czj", "mzj", "jyj", "wjj", "sfj", "tjj"), max(3, len(self.subsites)))]
        for n, agency in enumerate(pool):
            agency.extra["org"] = f"{self.org_prefix}A0{n + 1}"
        return pool

    @property
    def org_prefix(self) -> str:
        """The site's organisation codes' head: distinct for the lines of one host, whose subsites
        ask the one list endpoint."""
        return f"A01A{10 + stable_int('org', self.registry_portal.key) % 90}"

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        if self.has("info_shape") and year < 2020:
            return f"/info/{2600 + stable_int('col', agency.key) % 100}/{doc_id}.htm"
        return f"{agency.key}/artview/{self.catalogue}/{doc_id}.html?nbYear={year}&orgCode={agency.extra['org']}"

    def layout_fault_agency(self) -> Agency:
        agency = super().layout_fault_agency()
        agency.key, agency.extra["org"] = f"{self.subsites[0]}_kfq", f"{self.org_prefix}A99"
        return agency

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: f"/uploadfile/{r.published:%Y%m}/{r.doc_id}.{ext}")

    @cached_property
    def by_org(self) -> dict[str, Column]:
        return {c.agency.extra["org"]: c for c in self.columns}

    def answers(self, req: Request) -> bool:
        # The list endpoint serves every site of a host: each answers for its own agencies.
        if req.path == API:
            return req.args.get("orgCode", "") in self.by_org
        return super().answers(req)

    # -- routes
    def route_lists(self, column: Column) -> None:
        base = column.key
        self.route(f"{base}/index.html", lambda req, c=column: self.cached(f"home:{c.key}", lambda: self._home(c)))
        self.route(f"{base}/", self.routes[f"{base}/index.html"])
        self.route(base, self.routes[f"{base}/index.html"])
        self.route(f"{base}/zfxxgknb.html", lambda req, c=column: self._year_page(c, req))

    def route_report(self, report: Report, column: Column) -> None:
        self.route(report.path.split("?")[0], lambda req, r=report, c=column: self.report_response(
            r, r.path, lambda: self.detail_page(r, c)))

    def route_site(self) -> None:
        self.route(API, self._api)
        self.route("/", lambda req: self.page(self.registry_portal.name, f'<a href="{self.subsites[0]}/index.html">政府信息公开</a>'))

    def _nav(self, column: Column) -> str:
        base = column.key
        units = ""
        if column is self.columns[0] and self.has("units_no_slash"):
            units = '<div class="units"><h3>部门信息公开</h3>' + "".join(
                f'<a href="{c.key}">{escape(c.agency.full)}</a>' for c in self.columns
                if c.key.startswith(base + "_")) + "</div>"
        return (f'<div class="nav"><a href="{base}/index.html">首页</a><a href="{base}/zfxxgkzn.html">政府信息公开指南</a>'
                f'<a href="{base}/zfxxgknb.html">政府信息公开年报</a></div>{units}')

    def _home(self, column: Column) -> Response:
        return self.page(f"{column.agency.full}政府信息公开", self._nav(column) + f"<p>{escape(column.agency.full)}</p>")

    def _years(self, column: Column) -> list[int]:
        return sorted({e.year for e in column.entries}, reverse=True) or [2024]

    def _year_page(self, column: Column, req: Request) -> Response:
        years = self._years(column)
        year = year_asked(req, years)
        return self.cached(f"nb:{column.key}:{year}", lambda: self._render_year(column, year, years))

    def _render_year(self, column: Column, year: int, years: list[int]) -> Response:
        tabs = "".join(f'<li><a href="zfxxgknb.html?nbYear={y}">{y}年</a></li>' for y in years)
        if self.has("server_rendered") and not column.broken:
            rows = "".join(f'<li><a href="{escape(e.href)}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a>'
                           f"<span>{e.date:%Y-%m-%d}</span></li>" for e in column.entries if e.year == year)
            listing = f'<ul class="nb-list">{rows}</ul>'
        else:
            script = LIST_SCRIPT % {"api": API, "catalog": self.catalogue, "item": ITEM_LINK if not column.broken else "",
                                    "rows": "res.data"}
            listing = (f'<ul class="nb-list" id="nbList" data-base="{column.key}" data-org="{column.agency.extra["org"]}" '
                       f'data-year="{year}"><li class="loading">加载中...</li></ul>' + script)
        main = self._nav(column) + f'<ul class="year-tab">{tabs}</ul>{listing}'
        return self.page(f"政府信息公开年报-{column.agency.full}", main)

    def _api(self, req: Request) -> Response:
        column = self.by_org.get(req.args.get("orgCode", ""))
        try:
            year = int(req.args.get("nbYear", "0"))
        except ValueError:
            year = 0
        if column is None or column.broken:
            body = {"code": 1, "msg": "机构不存在", "data": []}
        else:
            # A report kept at an older address (`/info/<col>/<id>.htm`) is listed with its own `url`.
            data = [{"id": getattr(e.target, "doc_id", 0), "title": e.title, "pubDate": f"{e.date:%Y-%m-%d %H:%M}",
                     **({} if e.href.startswith(column.key) else {"url": e.href})}
                    for e in column.entries if e.year == year]
            body = {"code": 0, "total": len(data), "data": data}
        return Response(200, json.dumps(body, ensure_ascii=False).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    def detail_page(self, report: Report, column: Column) -> Response:
        files = "".join(f'<p><a href="{a.path}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        main = (self._nav(column) + f'<div class="article"><h2>{escape(report.title)}</h2>'
                f'<div class="art-info">发布日期:{report.published:%Y-%m-%d %H:%M} 信息来源:临沧市政府网站群</div>'
                f'<div class="art-content" id="zoom">{self.report_body(report)}</div>'
                + (f'<div class="attach">附件:{files}</div>' if files else "") + "</div>")
        return self.page(report.title, main)
