"""Hanweb (大汉) jcms sites as Zhejiang's cities, counties and districts run them.

The home page's 政务公开 column links the 政府信息公开年报 column `/col/col<R>/index.html`, a menu of
one sub-column per agency. A sub-column embeds its first records in a `<datastore>` (drawn by the
`jpage` script); later groups come from a POST to the path its `<nextgroup>` names, with the
parameters (`col`, `appid`, `webid`, `path`, `columnid`, `sourceContentType`, `unitid`, `webname`,
`permissiontype`) taken from the `<nextgroup>` query string or the `jpage({...})` call: a POST
without `webid` and `webname` comes back empty. Articles are `/art/YYYY/M/D/art_<col>_<id>.html`.

Variants, drawn per site: the newer proxy path `/module/web/jpage/dataproxy.jsp` (the old one is not
served there); the POST parameters only in the `jpage({...})` call; records as `<tr>` rows with the
date in `td.bt_time`; the jpaas publishing service (articles `/col/colN/art/YYYY/art_<uuid>.html`,
lists from `/api-gateway/jpaas-publish-server/front/page/build/unit?...&paramJson={"pageNo":N,
"pageSize":M}` whose `data.html` holds the `<li>` rows); the disclosure-catalogue module instead of
the datastore (a form POSTed to `/module/xxgk/search.jsp` with `infotypeId`, `jdid`, `area`, `divid`,
`currpage`, answering rows that link the `?xxgkhide=1` view, `第1/N页`); `page_param`, the newer
proxy paging by `?page=N`: a GET of the `<nextgroup>` address with `page=N` answers page N of the
proxy's own pages (`<totalrecord>`, `<totalpage>`, the page's records; `startrecord`/`endrecord`
are not read), as public crawlers of such sites show (`/module/web/jpage/dataproxy.jsp?page=1&appid=1
&webid=...&columnid=...&unitid=...` answering `<totalrecord>1928</totalrecord><totalpage>20</totalpage>`).
No public material shows how such a column page tells its paging apart: here its datastore carries
the proxy's `<totalpage>` as the proxy's answers do, the simplest shape consistent with them; the
proxy's page is `perPage` records, the first the page's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import cached_property
from html import escape
from urllib.parse import quote

from ..site import Agency, Column, Entry, Report, Request, Response, stable_int
from .common import GeneratedSite

PER_PAGE = 4
GROUP = 4  # records embedded in the page
JPAAS_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
XXGK_SEARCH = "/module/xxgk/search.jsp"


class HanwebSite(GeneratedSite):
    flavor = "hanweb"
    variant_names = ("new_proxy", "params_in_jpage", "tr_records", "jpaas", "xxgk_search", "page_param")
    base_agencies = 3

    @property
    def webid(self) -> int:
        return 2000 + stable_int("webid", self.registry_portal.key) % 8000

    @property
    def root_col(self) -> int:
        """The 政府信息公开年报 column: the start's own where the line starts at a column (whose list
        is the agency's own, next to it, when the line covers its own reports), else drawn."""
        match = re.search(r"/col/col(\d+)/", self.registry_portal.start[0])
        if match:
            return int(match.group(1)) - (1 if self.registry_portal.covers == "own" else 0)
        return 1229000000 + stable_int("col", self.registry_portal.key) % 900000

    @property
    def proxy(self) -> str:
        return "/module/web/jpage/dataproxy.jsp" if self.has("new_proxy") else "/module/jpage/dataproxy.jsp"

    def draw_variants(self) -> frozenset[str]:
        # One site in four runs on the jpaas service, which lists through JSON, one in four lists
        # through the disclosure module: neither has the datastore's variants.
        draw = stable_int("jpaas", self.registry_portal.key) % 4
        if draw < 2:
            return frozenset({("jpaas", "xxgk_search")[draw]})
        drawn = super().draw_variants() - {"jpaas", "xxgk_search"}
        # Paging by `?page=N` is the newer proxy's (`/module/web/jpage/dataproxy.jsp`).
        return drawn | {"new_proxy"} if "page_param" in drawn else drawn

    def agency_pool(self) -> list[Agency]:
        pool = [self.own_agency("own"), self.unit("dept", 1), self.unit("town", 2, town=True)]
        pool += [self.unit(f"dept{n}", n) for n in range(3, 12)]
        for n, agency in enumerate(pool):
            agency.key = f"col{self.root_col + 1 + n}"
            agency.extra["col"] = self.root_col + 1 + n
        return pool

    def href(self, column: Column, path: str) -> str:
        # A line on two sites (a city's portal and its older disclosure host): both sites' columns
        # list the documents where they live, on the first host.
        if len({h.removeprefix("www.") for h in self.registry_portal.hosts}) > 1:
            return f"{self.scheme}://{self.host}{path}"
        return path

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        col = agency.extra["col"]
        if self.has("jpaas"):
            return f"/col/col{col}/art/{when.year}/art_{hashlib.md5(str(doc_id).encode()).hexdigest()}.html"
        return f"/art/{when.year}/{when.month}/{when.day}/art_{col}_{doc_id}.html"

    def layout_fault_agency(self) -> Agency:
        agency = super().layout_fault_agency()
        agency.key, agency.extra["col"] = f"col{self.root_col + 99}", self.root_col + 99
        return agency

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: f"/module/download/downfile.jsp?classid=0&filename={stable_int(ext, r.doc_id) % 10**12:012d}.{ext}")

    def route_file(self, att) -> None:
        self.files[att.path.split("filename=")[1]] = att

    @cached_property
    def files(self) -> dict:
        """Attachments by the file name the download script is asked for."""
        return {}

    # -- routes
    def route_lists(self, column: Column) -> None:
        self.route(f"/col/col{column.agency.extra['col']}/index.html", lambda req, c=column: self.cached(
            f"col:{c.key}", lambda: self._column_page(c)))

    def route_site(self) -> None:
        section = self.root_col - 1
        self.route("/", lambda req: self.page(self.registry_portal.name, f'<div class="nav"><a href="/">首页</a>'
                                              f'<a href="/col/col{section}/index.html">政务公开</a></div>'))
        self.route(f"/col/col{section}/index.html", lambda req: self.page("政务公开", self._crumb(None, root=False)
                   + f'<ul><li><a href="/col/col{self.root_col}/index.html">政府信息公开年报</a></li>'
                   f'<li><a href="/col/col{section - 1}/index.html">政策文件</a></li></ul>'))
        self.route(f"/col/col{self.root_col}/index.html", lambda req: self.cached("root", self._root))
        self.route(self.proxy, self._dataproxy)
        self.route(JPAAS_API, self._jpaas)
        self.route(XXGK_SEARCH, self._xxgk_search)
        self.route("/module/download/downfile.jsp", self._download)

    def answers(self, req: Request) -> bool:
        # The module's endpoints serve every site of a host: each answers for its own columns and files.
        params = {**req.args, **req.form}
        if req.path == self.proxy:
            return self.by_col(params.get("columnid", "")) is not None
        if req.path == JPAAS_API:
            return self.by_col(req.args.get("pageId", "")) is not None
        if req.path == XXGK_SEARCH:
            return any(self.area_code(c) == params.get("area") for c in self.columns)
        if req.path == "/module/download/downfile.jsp":
            return req.args.get("filename", "") in self.files
        return super().answers(req)

    def by_col(self, col: str) -> Column | None:
        return next((c for c in self.columns if str(c.agency.extra["col"]) == col), None)

    def _crumb(self, column: Column | None, root: bool = True) -> str:
        tail = f' &gt; <a href="/col/col{column.agency.extra["col"]}/index.html">{escape(column.name)}</a>' if column else ""
        year_root = f' &gt; <a href="/col/col{self.root_col}/index.html">政府信息公开年报</a>' if root else ""
        return f'<div class="position">当前位置:<a href="/">首页</a> &gt; 政务公开{year_root}{tail}</div>'

    def _nav(self) -> str:
        items = "".join(f'<li><a href="/col/col{c.agency.extra["col"]}/index.html">{escape(c.name)}</a></li>' for c in self.columns)
        return f'<div class="left-nav"><div class="left-title">政府信息公开年报</div><ul>{items}</ul></div>'

    def _root(self) -> Response:
        return self.page(f"政府信息公开年报 {self.registry_portal.name}", self._crumb(None) + self._nav())

    def _record(self, e: Entry) -> str:
        if self.has("tr_records"):
            return (f"<tr><td><a href='{e.href}' title='{escape(e.title, quote=True)}' target='_blank'>{escape(e.title)}</a></td>"
                    f"<td class='bt_time'>{e.date:%Y-%m-%d}</td></tr>")
        return (f"<li><a href='{e.href}' title='{escape(e.title, quote=True)}' target='_blank'>{escape(e.title)}</a>"
                f"<span>{e.date:%Y-%m-%d}</span></li>")

    def _params(self, column: Column, uid: int) -> dict:
        return {"col": 1, "appid": 1, "webid": self.webid, "path": "/", "columnid": column.agency.extra["col"],
                "sourceContentType": 1, "unitid": uid, "webname": self.registry_portal.name, "permissiontype": 0}

    def _column_page(self, column: Column) -> Response:
        col = column.agency.extra["col"]
        uid = 5_000_000 + col % 100_000
        if column.broken:
            listing = "".join(f'<div class="item">{escape(e.title)}</div>' for e in column.entries[:PER_PAGE])
        elif self.has("jpaas"):
            listing = (f'<div id="list_{uid}"></div><script>var unitConfig = {{webId: "{self.webid}", pageId: "{col}", '
                       f'tagId: "list", tplSetId: "{stable_int("tpl", self.registry_portal.key) % 10**8}"}};'
                       f' loadUnit("{JPAAS_API}?webId={self.webid}&pageId={col}&parseType=buildstatic&pageType=column'
                       f'&tagId=list&tplSetId=" + unitConfig.tplSetId + "&paramJson=" + encodeURIComponent(JSON.stringify('
                       f'{{pageNo: 1, pageSize: {PER_PAGE}}})));</script>')
        elif self.has("xxgk_search"):
            fields = {"infotypeId": f"A{col % 1000:03d}", "jdid": self.webid, "area": self.area_code(column),
                      "divid": f"div{col}", "sortfield": "compaltedate:0", "standardXxgk": 1}
            inputs = "".join(f'<input type="hidden" name="{k}" value="{escape(str(v))}">' for k, v in fields.items())
            listing = (f'<form id="xxgkForm" action="{XXGK_SEARCH}" method="post">{inputs}'
                       '<input type="hidden" name="currpage" value="1"></form>'
                       f'<div id="div{col}"></div><script>$.post($("#xxgkForm").attr("action"), $("#xxgkForm").serialize(),'
                       f' function (html) {{ $("#div{col}").html(html); }});</script>')
        else:
            params = self._params(column, uid)
            first = column.entries[:GROUP]
            records = "".join(f"<record><![CDATA[{self._record(e)}]]></record>\n" for e in first)
            query = "" if self.has("params_in_jpage") else "&" + "&".join(
                f"{k}={quote(str(v))}" for k, v in params.items())
            nextgroup = f'<a href="{self.proxy}?page=1{query}"></a>'
            ajax = ("ajaxParam:{" + ",".join(f"{k}:'{v}'" for k, v in params.items()) + "},") if self.has("params_in_jpage") else ""
            pages = f"<totalpage>{self.proxy_pages(column)}</totalpage>\n" if self.has("page_param") else ""
            listing = (f'<div id="{uid}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n'
                       f"{pages}<recordset>\n{records}</recordset>\n</datastore></script></div>\n"
                       f"<script>$('#{uid}').jpage({{dataStore:$('#{uid} script').html(),perPage:{PER_PAGE},"
                       f"totalRecord:{len(column.entries)},groupSize:{GROUP // PER_PAGE},{ajax}showMode:'full'}});</script>")
        main = self._crumb(column) + self._nav() + f'<div class="main-right"><div class="column-name">{escape(column.name)}</div>{listing}</div>'
        return self.page(f"{column.name} 政府信息公开年报", main)

    def proxy_pages(self, column: Column) -> int:
        """The proxy's page count for a column paged by `?page=N`."""
        return max(1, -(-len(column.entries) // PER_PAGE))

    def _dataproxy(self, req: Request) -> Response:
        params = {**req.args, **req.form}
        column = self.by_col(params.get("columnid", ""))
        entries = []
        if column is not None and not column.broken and params.get("webid") == str(self.webid) and params.get("webname"):
            entries = column.entries
        try:
            if self.has("page_param"):
                # This proxy pages by `page` alone, PER_PAGE records a page.
                start = (max(1, int(params.get("page", 1) or 1)) - 1) * PER_PAGE + 1
                end = start + PER_PAGE - 1
            else:
                start = max(1, int(params.get("startrecord", 1)))
                end = int(params.get("endrecord", start + GROUP - 1))
        except ValueError:
            start, end = 1, 0
        records = "".join(f"<record><![CDATA[{self._record(e)}]]></record>\n" for e in entries[start - 1:end])
        pages = f"<totalpage>{self.proxy_pages(column)}</totalpage>\n" if self.has("page_param") and column else ""
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{len(entries)}</totalrecord>\n'
               f"{pages}<recordset>\n{records}</recordset>\n</datastore>")
        return Response(200, xml.encode(), [("Content-Type", "text/xml;charset=UTF-8")])

    def _jpaas(self, req: Request) -> Response:
        column = self.by_col(req.args.get("pageId", ""))
        try:
            paging = json.loads(req.args.get("paramJson") or "{}")
            page, size = max(1, int(paging.get("pageNo", 1))), max(1, int(paging.get("pageSize", PER_PAGE)))
        except (ValueError, TypeError, AttributeError):
            page, size = 1, PER_PAGE
        entries = [] if column is None or column.broken or req.args.get("webId") != str(self.webid) else column.entries
        rows = "".join(self._record(e) for e in entries[(page - 1) * size: page * size])
        body = {"success": True, "data": {"html": f"<ul>{rows}</ul>", "total": len(entries), "pageNo": page}}
        return Response(200, json.dumps(body, ensure_ascii=False).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    def area_code(self, column: Column) -> str:
        """The agency's area code as the disclosure module names it (15 digits)."""
        return f"{stable_int('area', self.registry_portal.key) % 10**9:09d}{column.agency.extra['col'] % 10**6:06d}"

    def _xxgk_search(self, req: Request) -> Response:
        form = {**req.args, **req.form}
        column = next((c for c in self.columns if self.area_code(c) == form.get("area")), None)
        entries = [] if column is None or column.broken or form.get("jdid") != str(self.webid) else column.entries
        try:
            page = max(1, int(form.get("currpage", "1")))
        except ValueError:
            page = 1
        pages = max(1, -(-len(entries) // PER_PAGE))
        rows = "".join(f"<tr><td><a href='{e.href}?xxgkhide=1' target='_blank'>{escape(e.title)}</a></td>"
                       f"<td>{e.date:%Y-%m-%d}</td></tr>" for e in entries[(page - 1) * PER_PAGE: page * PER_PAGE])
        html = (f'<table class="xxgk-list"><tr><th>名称</th><th>发布日期</th></tr>{rows}</table>'
                f'<div class="page">共{len(entries)}条 第{page}/{pages}页</div>')
        return Response(200, html.encode(), [("Content-Type", "text/html;charset=UTF-8")])

    def _download(self, req: Request) -> Response:
        att = self.files.get(req.args.get("filename", ""))
        if att is None:
            return self.page("文件不存在", "<p>文件不存在</p>", status=404)
        return self.file_response(att, [("Content-Type", "application/octet-stream"),
                                        ("Content-Disposition", f"attachment; filename*=UTF-8''{quote(att.filename)}")])

    def detail_page(self, report: Report, column: Column) -> Response:
        files = "".join(f'<li><a href="{escape(a.path)}">{escape(a.link_text)}</a></li>' for a in report.attachments)
        main = (self._crumb(column) + '<div class="article"><table class="xxgk_table">'
                f'<tr><td>索引号:</td><td>{stable_int("idx", report.doc_id) % 10**9}/{report.published.year}-{report.doc_id % 100000}</td></tr>'
                f'<tr><td>发布机构:</td><td>{escape(column.name)}</td><td>公开日期:</td><td>{report.published:%Y-%m-%d}</td></tr></table>'
                f'<div class="title">{escape(report.title)}</div><div id="zoom">{self.report_body(report)}</div>'
                + (f'<ul class="fjxx">{files}</ul>' if files else "") + "</div>")
        head = f'<meta name="ArticleTitle" content="{escape(report.title)}"><meta name="PubDate" content="{report.published:%Y-%m-%d %H:%M}">'
        return self.page(report.title, main, head=head, last_modified=report.published, etag=True)
