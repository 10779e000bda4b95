"""TRS WCM sites as Chongqing's districts run them: static columns under numbered folders.

A registry portal's start URLs are its columns (`/zwgk_229/zfxxgknan_ew/2020_504392/qzfbgs/`). A
column lists `./YYYYMM/tYYYYMMDD_<docid>.html` detail pages, 10 to a page (`index.html`,
`index_1.html` ...), the page count in `createPage(total, current, "index", "html")`. Details carry
`<meta name="ArticleTitle|PubDate|ContentSource">` and the body in `div.trs_editor_view`, and a
`_wap.html` twin. The home page reaches the first column through 政务公开 > 政府信息公开年报.

Variants, drawn per site: a start column that is a menu of sub-columns (the site's own and a unit's);
rows `<dl><dd><a .../></dd><dd>date</dd></dl>` with the date in a sibling cell and `.htm` details
republished in a later folder (the folder's date is not the report's); the list only in a script's
JSON (`chnldocurl`, `doctitle`, `docreltime`) drawn by the browser; the pager a script template
(`_nPageCount`, `_nCurrIndex`) instead of `createPage()`; `_wap` twins and bare-host twins listed;
and pagers that give the page count only in a script, one pager a site:

- `count_page`: `var currentPage = n; ... var countPage = N//共多少页` with a `document.write`
  pager, no `createPage()` call (pages `index_1.html` ..., counted from 0, as public crawlers of
  TRS sites read them);
- `list_api`: `var prepage = P; var recordCount = R;` in the pager's script, the later pages from
  the TRS list API `/was5/web/search?channelid=<column's channel>&page=n` (page 1 first), whose rows
  link the reports by absolute address (as public crawlers of WAS lists show). No public material
  shows how a page names its API: here the script holds it as a string (`var listUrl = "..."`),
  the simplest shape consistent with a script-drawn pager;
- `own_prefix`: `createPageHTML('page_div', N, n, 'xlist', 'shtml', R)` with the current page
  counted from 1 and the pages named by their own prefix (`xlist.shtml`, `xlist_2.shtml` ...).
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import urljoin, urlsplit

from crawler.urls import is_home_page

from ..site import Agency, Column, Entry, Report, Request, Response, html_response, stable_int
from .common import GeneratedSite

CREATE_PAGE = ('<script>function createPage(t,c,p,s){if(t<=1)return;var h=[];for(var i=0;i<t;i++){var n=i==0?p+"."+s:'
               'p+"_"+i+"."+s;h.push(i==c?"<span>"+(i+1)+"</span>":"<a href=\\""+n+"\\">"+(i+1)+"</a>")}'
               'document.write(h.join(" "))}</script>')
TEMPLATE_PAGER = ('<div id="pager"></div><script>var _nPageCount = {pages}; var _nCurrIndex = {n}; var _sPageName = "index";'
                  ' var _sPageExt = "html"; var tpl = document.getElementById("pagerTpl");'
                  ' if (tpl) {{ renderPager(tpl.innerHTML, _nPageCount, _nCurrIndex, _sPageName, _sPageExt); }}</script>'
                  '<script type="text/template" id="pagerTpl"><a href="{{{{name}}}}">{{{{num}}}}</a></script>')
COUNT_PAGE = ('<script>var currentPage = {n};//所在页从0开始\nvar prevPage = currentPage-1//上一页\n'
              'var nextPage = currentPage+1//下一页\nvar countPage = {pages}//共多少页\n'
              'if (countPage > 1) {{ if (currentPage > 0) document.write("<a href=\\"index" + (prevPage > 0 ? "_" + prevPage : "")'
              ' + ".html\\">上一页</a> "); if (nextPage < countPage) document.write("<a href=\\"index_" + nextPage'
              ' + ".html\\">下一页</a> "); }}\ndocument.write("共" + countPage + "页");</script>')
CREATE_PAGE_HTML = ('<script>function createPageHTML(d,t,c,p,s,r){if(t<=1)return;var h=[];for(var i=1;i<=t;i++){'
                    'var n=i==1?p+"."+s:p+"_"+i+"."+s;h.push(i==c?"<span>"+i+"</span>":"<a href=\\""+n+"\\">"+i+"</a>")}'
                    'document.getElementById(d).innerHTML=h.join(" ")}</script>')
WAS_SEARCH = "/was5/web/search"
WAS_PAGER = ('<div class="page" id="pager"></div><script>var prepage = {size}; var recordCount = {records};'
             ' var channelid = {chnl}; var listUrl = "' + WAS_SEARCH + '?channelid={chnl}";'
             ' function drawPager(n) {{ var pages = Math.ceil(recordCount / prepage), h = [];'
             ' for (var i = 1; i <= pages; i++) h.push(i == n ? "<span>" + i + "</span>" : "<a href=\\"javascript:goPage(" + i + ")\\">"'
             ' + i + "</a>"); document.getElementById("pager").innerHTML = h.join(" "); }}'
             ' function goPage(n) {{ var x = new XMLHttpRequest(); x.onload = function () {{'
             ' document.getElementById("docs").innerHTML = x.responseText; drawPager(n); }};'
             ' x.open("GET", listUrl + "&page=" + n); x.send(); }} drawPager(1);</script>')
#: One pager a site: these replace `createPage()` and exclude each other.
PAGERS = ("template_pager", "count_page", "list_api", "own_prefix")
JSON_LIST = ('<ul class="list" id="docList"></ul><script>var docs = {docs};'
             'var ul=document.getElementById("docList");docs.forEach(function(d){{var li=document.createElement("li");'
             'li.innerHTML="<a href=\\""+d.chnldocurl+"\\" title=\\""+d.doctitle+"\\">"+d.doctitle+"</a><span>"+d.docreltime+"</span>";'
             'ul.appendChild(li)}});</script>')


class TrsSite(GeneratedSite):
    flavor = "trs"
    variant_names = ("menu", "dl_rows", "json_list", "template_pager", "wap_twins", "host_twins", "count_page",
                     "list_api", "own_prefix")

    def draw_variants(self) -> frozenset[str]:
        # A column of one agency's own reports is never a menu of other units' columns.
        drawn = super().draw_variants()
        drawn = drawn - {"menu"} if self.registry_portal.covers == "own" else drawn
        pagers = sorted(drawn & set(PAGERS))
        if len(pagers) > 1:
            keep = pagers[stable_int("pager", self.registry_portal.key) % len(pagers)]
            drawn = drawn - set(pagers) | {keep}
        return drawn

    @property
    def pager(self) -> str:
        """The site's pager: `createPage()`, or one of the PAGERS variants."""
        return next((p for p in PAGERS if self.has(p)), "create_page")

    @property
    def per_page(self) -> int:
        return 6 if self.pager == "create_page" else 4

    def page_file(self, n: int) -> str:
        """The file of a column's page n (0 the first)."""
        if self.pager == "own_prefix":
            return "xlist.shtml" if n == 0 else f"xlist_{n + 1}.shtml"
        return "index.html" if n == 0 else f"index_{n}.html"

    def channel(self, column: Column) -> int:
        """The column's channel id, as the TRS list API knows it."""
        return 100000 + stable_int("chnl", self.registry_portal.key, column.key) % 900000

    @property
    def starts(self) -> list[str]:
        """The start columns' folders; a line that starts at the home page gets a column of the
        numbered kind its district's sites use, which the home page's 政务公开 menu links."""
        return [f"/zwgk_{100 + stable_int('zwgk', self.registry_portal.key) % 200}/zfxxgknb/" if is_home_page(u)
                else urlsplit(u).path for u in self.registry_portal.start]

    @property
    def base_agencies(self) -> int:  # type: ignore[override]
        return len(self.agency_pool())

    def agency_pool(self) -> list[Agency]:
        agencies = []
        for i, path in enumerate(self.starts):
            agency = self.own_agency(path) if i == 0 else self.unit(path, i, town="/jz/" in path or "xz" in path)
            if i == 0 and self.has("menu"):
                agency.key = path + "zf/"
                agencies.append(agency)
                # A number no start column's unit has: one department, one column.
                agencies.append(self.unit(path + "bm/", len(self.starts)))
            else:
                agencies.append(agency)
        return agencies

    def sub_columns(self, folder: str) -> list[Column]:
        """The columns in the folder `folder` (a start column's menu links them)."""
        return [c for c in self.columns if c.key != folder and c.key.startswith(folder)]

    def layout_fault_agency(self) -> Agency:
        agency = super().layout_fault_agency()
        agency.key = self.starts[0] + "gxq/"
        return agency

    def menu(self, folder: str) -> str:
        items = "".join(f'<li><a href="{c.key}">{escape(c.name)}</a></li>' for c in self.sub_columns(folder))
        return f'<div class="left-menu"><h3>政府信息公开年报</h3><ul>{items}</ul></div>' if items else ""

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        ext = "htm" if self.has("dl_rows") else "html"
        if self.has("dl_rows") and year % 3 == 0:
            # Republished when the site moved: a later folder and file date than the report's.
            when = dt.datetime(2020, 3, 26)
        return f"{agency.key}{when:%Y%m}/t{when:%Y%m%d}_{doc_id}.{ext}"

    def href(self, column: Column, path: str) -> str:
        return "./" + path[len(column.key):] if path.startswith(column.key) else path

    def resolve(self, column: Column, href: str) -> str:
        return urljoin(f"{self.scheme}://{self.host}{column.key}", href)

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: r.path.rsplit("/", 1)[0] + f"/P0{r.published:%Y%m%d}{stable_int(ext, r.doc_id) % 10**9:09d}.{ext}")
        gov = self.columns[0]
        reports = [e.target for e in gov.entries if e.role == "report"]
        if self.has("wap_twins") and reports:
            r = reports[0]
            gov.entries.append(Entry(r.title, r.published, self.href(gov, r.path).rsplit(".", 1)[0] + "_wap." + r.path.rsplit(".", 1)[1], r, "twin"))
        if self.has("host_twins") and len(reports) > 1:
            r = reports[1]
            other = self.hosts[1] if len(self.hosts) > 1 else self.host
            gov.entries.append(Entry(r.title, r.published, f"http://{other}{r.path}", r, "twin"))

    # -- routes
    def route_lists(self, column: Column) -> None:
        pages = max(1, -(-len(column.entries) // self.per_page))
        # Behind the list API only the first page is a file.
        for n in range(1 if self.pager == "list_api" else pages):
            self.route(column.key + self.page_file(n), lambda req, c=column, n=n, p=pages: self.cached(
                f"list:{c.key}:{n}", lambda: self._list_page(c, n, p)))
        self.route(column.key, self.routes[column.key + self.page_file(0)])
        if self.pager == "list_api" and WAS_SEARCH not in self.routes:
            self.route(WAS_SEARCH, self._was_search)

    def answers(self, req: Request) -> bool:
        # The list API serves every site of a host: each answers for its own columns' channels.
        if req.path == WAS_SEARCH:
            return self.pager == "list_api" and self.by_channel(req.args.get("channelid", "")) is not None
        return super().answers(req)

    def by_channel(self, chnl: str) -> Column | None:
        return next((c for c in self.columns if str(self.channel(c)) == chnl), None)

    def _was_search(self, req: Request) -> Response:
        """A page of the list API: the column's rows of page `page` (1 the first), absolute links."""
        column = self.by_channel(req.args.get("channelid", ""))
        try:
            n = max(1, int(req.args.get("page", "1") or 1)) - 1
        except ValueError:
            n = 0
        entries = [] if column is None or column.broken else column.entries[n * self.per_page:(n + 1) * self.per_page]
        rows = "".join(f'<li><a href="{escape(self.resolve(column, e.href))}" title="{escape(e.title)}" target="_blank">'
                       f"{escape(e.title)}</a><span>{e.date:%Y-%m-%d}</span></li>" for e in entries)
        records = len(column.entries) if column is not None else 0
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><ul class="list">{rows}</ul>'
                f"<script>var prepage = {self.per_page}; var recordCount = {records};</script></body></html>")
        return html_response(html, self.content_type)

    def route_site(self) -> None:
        for start in self.starts:
            if start not in self.routes:
                self.route(start, lambda req, s=start: self.cached(f"menu:{s}", lambda: self._menu_page(s)))
                self.route(start + "index.html", self.routes[start])
        gateway = "/" + self.starts[0].strip("/").split("/")[0] + "/"
        if gateway not in self.routes:
            self.route(gateway, lambda req: self.page("政务公开", f'<div class="list"><a href="{gateway}zfxxgkzn/">政府信息公开指南</a>'
                                                       f'<a href="{self.starts[0]}">政府信息公开年报</a></div>'))
        self.route("/", lambda req: self.cached("home", lambda: self.page(self.registry_portal.name, (
            f'<div class="nav"><a href="/">首页</a><a href="{gateway}">政务公开</a><a href="/hdjl/">互动交流</a></div>'
            + self._latest()))))

    def _latest(self) -> str:
        """The home page's 最新公开 box: the newest documents, linked where they live."""
        entries = sorted((e for c in self.columns for e in c.entries if e.role in ("report", "article")),
                         key=lambda e: e.date, reverse=True)[:4]
        items = "".join(f'<li><a href="{escape(self.resolve(c, e.href))}">{escape(e.title)}</a></li>'
                        for e in entries for c in self.columns if e in c.entries)
        return f'<div class="latest"><h3>最新公开</h3><ul>{items}</ul></div>'

    def route_report(self, report: Report, column: Column) -> None:
        self.route(report.path, lambda req, r=report, c=column: self.report_response(
            r, r.path, lambda: self.detail_page(r, c)))
        stem, ext = report.path.rsplit(".", 1)
        self.route(f"{stem}_wap.{ext}", lambda req, r=report, c=column: self.report_response(
            r, r.path + ":wap", lambda: self.detail_page(r, c)))

    def _crumb(self, column: Column | None) -> str:
        tail = f' &gt; <a href="{column.key}">{escape(column.name)}</a>' if column else ""
        return (f'<div class="crumb">您当前的位置: <a href="/">首页</a> &gt; <a href="/">政务公开</a> &gt; '
                f'<a href="{self.starts[0]}">政府信息公开年报</a>{tail}</div>')

    def _menu_page(self, start: str) -> Response:
        return self.page("政府信息公开年报", self._crumb(None) + self.menu(start))

    def _list_page(self, column: Column, n: int, pages: int) -> Response:
        entries = column.entries[n * self.per_page:(n + 1) * self.per_page]
        if column.broken:
            listing = "".join(f'<div class="card" onclick="openDoc({stable_int(e.href) % 10**8})">{escape(e.title)}</div>'
                              for e in entries)
        elif self.has("json_list"):
            docs = [{"chnldocurl": e.href, "doctitle": e.title, "docreltime": f"{e.date:%Y-%m-%d}"} for e in entries]
            listing = JSON_LIST.format(docs=json.dumps(docs, ensure_ascii=False))
        elif self.has("dl_rows"):
            listing = '<div class="list">' + "".join(
                f'<dl><dd><a href="{escape(e.href)}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a></dd>'
                f"<dd>{e.date:%Y-%m-%d}</dd></dl>" for e in entries) + "</div>"
        else:
            listing = '<ul class="list">' + "".join(
                f'<li><a href="{escape(e.href)}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
                f"<span>{e.date:%Y-%m-%d}</span></li>" for e in entries) + "</ul>"
        main = (self._crumb(column) + self.menu(column.key) + f'<div class="right"><div class="col-name">{escape(column.name)}</div>'
                f'<div id="docs">{listing}</div><div class="page">{self._pager(column, n, pages)}</div></div>')
        return self.page(f"{column.name}_政府信息公开年报", main)

    def _pager(self, column: Column, n: int, pages: int) -> str:
        if self.pager == "template_pager":
            return TEMPLATE_PAGER.format(pages=pages, n=n)
        if self.pager == "count_page":
            return COUNT_PAGE.format(pages=pages, n=n)
        if self.pager == "list_api":
            return WAS_PAGER.format(size=self.per_page, records=len(column.entries), chnl=self.channel(column))
        if self.pager == "own_prefix":
            return (f'<div id="page_div"></div>{CREATE_PAGE_HTML}<script>createPageHTML(\'page_div\', {pages}, {n + 1}, '
                    f"'xlist', 'shtml', {len(column.entries)});</script>")
        return f'{CREATE_PAGE}<script>createPage({pages}, {n}, "index", "html");</script>'

    def detail_page(self, report: Report, column: Column) -> Response:
        head = (f'<meta name="ArticleTitle" content="{escape(report.title)}"><meta name="PubDate" '
                f'content="{report.published:%Y-%m-%d %H:%M}"><meta name="ContentSource" content="{escape(column.agency.full)}">')
        files = "".join(f'<p><a href="./{a.path.rsplit("/", 1)[1]}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        main = (self._crumb(column) + f'<div class="article"><h1>{escape(report.title)}</h1>'
                f'<div class="info">日期:{report.published:%Y-%m-%d} 来源:{escape(column.agency.full)}</div>'
                f'<div class="trs_editor_view TRS_UEDITOR trs_paper_default">{self.report_body(report)}</div>'
                + (f'<div class="fj">附件:{files}</div>' if files else "") + "</div>")
        return self.page(report.title, main, head=head, last_modified=report.published, etag=True)
