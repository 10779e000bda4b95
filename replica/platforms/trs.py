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
(`_nPageCount`, `_nCurrIndex`) instead of `createPage()`; `_wap` twins and bare-host twins listed.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import urljoin, urlsplit

from crawler.urls import is_home_page

from ..site import Agency, Column, Entry, Report, Response, stable_int
from .common import GeneratedSite

CREATE_PAGE = ('<script>function createPage(t,c,p,s){if(t<=1)return;var h=[];for(var i=0;i<t;i++){var n=i==0?p+"."+s:'
               'p+"_"+i+"."+s;h.push(i==c?"<span>"+(i+1)+"</span>":"<a href=\\""+n+"\\">"+(i+1)+"</a>")}'
               'document.write(h.join(" "))}</script>')
TEMPLATE_PAGER = ('<div id="pager"></div><script>var _nPageCount = {pages}; var _nCurrIndex = {n}; var _sPageName = "index";'
                  ' var _sPageExt = "html"; var tpl = document.getElementById("pagerTpl");'
                  ' if (tpl) {{ renderPager(tpl.innerHTML, _nPageCount, _nCurrIndex, _sPageName, _sPageExt); }}</script>'
                  '<script type="text/template" id="pagerTpl"><a href="{{{{name}}}}">{{{{num}}}}</a></script>')
JSON_LIST = ('<ul class="list" id="docList"></ul><script>var docs = {docs};'
             'var ul=document.getElementById("docList");docs.forEach(function(d){{var li=document.createElement("li");'
             'li.innerHTML="<a href=\\""+d.chnldocurl+"\\" title=\\""+d.doctitle+"\\">"+d.doctitle+"</a><span>"+d.docreltime+"</span>";'
             'ul.appendChild(li)}});</script>')


class TrsSite(GeneratedSite):
    flavor = "trs"
    variant_names = ("menu", "dl_rows", "json_list", "template_pager", "wap_twins", "host_twins")

    def draw_variants(self) -> frozenset[str]:
        # A column of one agency's own reports is never a menu of other units' columns.
        drawn = super().draw_variants()
        return drawn - {"menu"} if self.registry_portal.covers == "own" else drawn

    @property
    def per_page(self) -> int:
        return 4 if self.has("template_pager") else 6

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
        for n in range(pages):
            name = "index.html" if n == 0 else f"index_{n}.html"
            self.route(column.key + name, lambda req, c=column, n=n, p=pages: self.cached(
                f"list:{c.key}:{n}", lambda: self._list_page(c, n, p)))
        self.route(column.key, self.routes[column.key + "index.html"])

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
        if self.has("template_pager"):
            pager = TEMPLATE_PAGER.format(pages=pages, n=n)
        else:
            pager = f'{CREATE_PAGE}<script>createPage({pages}, {n}, "index", "html");</script>'
        main = (self._crumb(column) + self.menu(column.key) + f'<div class="right"><div class="col-name">{escape(column.name)}</div>{listing}'
                f'<div class="page">{pager}</div></div>')
        return self.page(f"{column.name}_政府信息公开年报", main)

    def detail_page(self, report: Report, column: Column) -> Response:
        head = (f'<meta name="ArticleTitle" content="{escape(report.title)}"><meta name="PubDate" '
                f'content="{report.published:%Y-%m-%d %H:%M}"><meta name="ContentSource" content="{escape(column.agency.full)}">')
        files = "".join(f'<p><a href="./{a.path.rsplit("/", 1)[1]}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        main = (self._crumb(column) + f'<div class="article"><h1>{escape(report.title)}</h1>'
                f'<div class="info">日期:{report.published:%Y-%m-%d} 来源:{escape(column.agency.full)}</div>'
                f'<div class="trs_editor_view TRS_UEDITOR trs_paper_default">{self.report_body(report)}</div>'
                + (f'<div class="fj">附件:{files}</div>' if files else "") + "</div>")
        return self.page(report.title, main, head=head, last_modified=report.published, etag=True)
