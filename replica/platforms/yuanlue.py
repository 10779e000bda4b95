"""Yuanlue (远略) CMS sites as Nanping's city, counties and departments run them.

The home page links 政府信息公开 (`/cms/html/<site>/zfxxgk/index.html`), which links the
政府信息公开年报 column page. That page shows its list in an iframe
`/cms/infopublic/publicInfoView.shtml?directoryId=..&siteId=..`: `table.view`, `tr.viewRow` rows
(序号 | 名称 | 生成日期 | 文号, a hidden metadata cell), paged `&page=N` under `共N条信息`. The
frame of the column shows the site's own reports; each agency of the menu has a directory of its own.

Variants, drawn per site: the agency menu built by a script from `listChildNodesUrl` (a JSON list of
directories) with no static link, the frame's address carrying `rootDirectoryId`,
`countPublicInfo=true` and a random `seq`; detail addresses `/cms/cms/html/<site>/YYYY-MM-DD/<id>.html`
(older), `/cms/html/<site>/...` (newer) or `/html/YYYY-MM-DD/<id>.html`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cached_property
from html import escape

from ..site import Agency, Column, Report, Request, Response, stable_int
from .common import GeneratedSite

LIST = "/cms/infopublic/publicInfoView.shtml"
NODES = "/cms/infopublic/listChildNodes.shtml"
PER_PAGE = 8
#: Detail address shapes, by the variant that names them.
ADDRESS_SHAPES = {"cms_cms_paths": "/cms/cms/html/{site}/{day}/{id}.html", "cms_paths": "/cms/html/{site}/{day}/{id}.html",
                  "bare_html_paths": "/html/{day}/{id}.html"}


class YuanlueSite(GeneratedSite):
    flavor = "yuanlue"
    variant_names = ("script_tree", *ADDRESS_SHAPES)
    base_agencies = 3

    @cached_property
    def site_code(self) -> str:
        return re.sub(r"[^a-z]", "", self.registry_portal.key) + "rmzf"

    @property
    def site_id(self) -> int:
        return 2 + stable_int("siteid", self.registry_portal.key) % 90

    def draw_variants(self) -> frozenset[str]:
        # One address shape each.
        shapes = list(ADDRESS_SHAPES)
        shape = shapes[stable_int("shape", self.registry_portal.key) % len(shapes)]
        return (super().draw_variants() - set(shapes)) | {shape}

    @property
    def address_shape(self) -> str:
        return next(ADDRESS_SHAPES[v] for v in ADDRESS_SHAPES if self.has(v))

    def agency_pool(self) -> list[Agency]:
        pool = [self.own_agency("own"), self.unit("dept", 1), self.unit("town", 2, town=True)]
        pool += [self.unit(f"dept{n}", n) for n in range(3, 12)]
        for n, agency in enumerate(pool):
            agency.extra["dir"] = 3000 + stable_int("dir", self.registry_portal.key) % 5000 + n
        return pool

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        return self.address_shape.format(site=self.site_code, day=f"{when:%Y-%m-%d}", id=doc_id)

    def layout_fault_agency(self) -> Agency:
        agency = super().layout_fault_agency()
        agency.extra["dir"] = 9999
        return agency

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: f"/cms/uploadfiles/{r.published:%Y%m}/{r.doc_id}.{ext}")

    @cached_property
    def by_dir(self) -> dict[str, Column]:
        return {str(c.agency.extra["dir"]): c for c in self.columns}

    @property
    def column_path(self) -> str:
        return f"/cms/html/{self.site_code}/zfxxgknb/index.html"

    # -- routes
    def route_lists(self, column: Column) -> None:
        pass  # every list is the dynamic view, routed once for all (route_site)

    def route_site(self) -> None:
        gateway = f"/cms/html/{self.site_code}/zfxxgk/index.html"
        self.route("/", lambda req: self.page(self.registry_portal.name, f'<div class="nav"><a href="/">首页</a>'
                                              f'<a href="{gateway}">政府信息公开</a></div>'))
        self.route(gateway, lambda req: self.page("政府信息公开", f'<ul><li><a href="{gateway[:-10]}zfxxgkzn/index.html">'
                                                  f'政府信息公开指南</a></li><li><a href="{self.column_path}">政府信息公开年报</a></li></ul>'))
        self.route(self.column_path, lambda req: self._column_page())
        self.route(LIST, self._list)
        self.route(NODES, self._nodes)

    def _frame(self, column: Column) -> str:
        src = f"{LIST}?directoryId={column.agency.extra['dir']}&siteId={self.site_id}"
        if self.has("script_tree"):
            root = self.columns[0].agency.extra["dir"]
            src += f"&rootDirectoryId={root}&countPublicInfo=true&seq={stable_int(src) % 10**6}"
        return src

    def _column_page(self) -> Response:
        root = self.columns[0]
        if self.has("script_tree"):
            menu = (f'<ul id="tree"></ul><script>var listChildNodesUrl = "{NODES}?siteId={self.site_id}'
                    f'&parentId={root.agency.extra["dir"]}";\n$.getJSON(listChildNodesUrl, function (nodes) {{'
                    ' nodes.forEach(function (n) { $("#tree").append("<li onclick=\\"showList(" + n.id + ")\\">" + n.name + "</li>"); }); });'
                    '\nfunction showList(id) { document.getElementById("publicInfoList").src = "' + LIST
                    + f'?directoryId=" + id + "&rootDirectoryId={root.agency.extra["dir"]}&siteId={self.site_id}'
                    '&countPublicInfo=true&seq=" + Math.random(); }</script>')
        else:
            menu = "<ul class=\"left-menu\">" + "".join(
                f'<li><a href="{self._frame(c)}" target="publicInfoList">{escape(c.name)}</a></li>' for c in self.columns[1:]) + "</ul>"
        main = (f'<div class="position">您现在的位置:<a href="/">{escape(self.registry_portal.name)}</a> &gt; 政府信息公开年报</div>'
                f'<div class="left">{menu}</div><div class="right"><iframe id="publicInfoList" name="publicInfoList" '
                f'src="{self._frame(root)}" width="100%" height="900" frameborder="0"></iframe></div>')
        return self.page(f"政府信息公开年报-{self.registry_portal.name}", main)

    def _nodes(self, req: Request) -> Response:
        nodes = [{"id": c.agency.extra["dir"], "name": c.name, "isParent": False} for c in self.columns[1:]]
        return Response(200, json.dumps(nodes, ensure_ascii=False).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    def _list(self, req: Request) -> Response:
        column = self.by_dir.get(req.args.get("directoryId", ""))
        if column is None or req.args.get("siteId") != str(self.site_id):
            return self.page("栏目不存在", "<p>栏目不存在</p>")
        try:
            page = max(1, int(req.args.get("page", "1")))
        except ValueError:
            page = 1
        return self.cached(f"list:{column.key}:{page}", lambda: self._list_page(column, page, req))

    def _list_page(self, column: Column, page: int, req: Request) -> Response:
        total = len(column.entries)
        pages = max(1, -(-total // PER_PAGE))
        entries = column.entries[(page - 1) * PER_PAGE:page * PER_PAGE]
        if column.broken:
            table = "".join(f'<div class="info-row">{escape(e.title)}</div>' for e in entries)
        else:
            rows = "".join(
                f'<tr class="viewRow"><td>{(page - 1) * PER_PAGE + i}</td><td class="title"><a href="{escape(e.href)}" '
                f'target="_blank" title="{escape(e.title)}">{escape(e.title)}</a></td><td>{e.date:%Y-%m-%d}</td><td></td>'
                f'<td style="display:none">发布机构:{escape(column.agency.full)} 生成日期:{e.date:%Y-%m-%d}</td></tr>'
                for i, e in enumerate(entries, 1))
            table = ('<table class="view"><tr class="viewHead"><th>序号</th><th>名称</th><th>生成日期</th><th>文号</th></tr>'
                     + rows + "</table>")
        base = f"{LIST}?directoryId={column.agency.extra['dir']}&siteId={self.site_id}"
        links = " ".join(f'<a class="currentPage">{n}</a>' if n == page else f'<a href="{base}&page={n}">{n}</a>'
                         for n in range(1, min(pages, 10) + 1))
        pager = f'<div class="page">共{total}条信息 {links}</div>'
        return self.page(column.name, table + pager)

    def detail_page(self, report: Report, column: Column) -> Response:
        files = "".join(f'<p><a href="{a.path}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        main = (f'<div class="position">您现在的位置:{escape(self.registry_portal.name)}</div><div class="article">'
                f'<div class="title">{escape(report.title)}</div><div class="info">发布时间:{report.published:%Y-%m-%d} '
                f'发布机构:{escape(column.agency.full)} 【字体:大 中 小】</div><div class="content" id="zoom">'
                f'{self.report_body(report)}</div>' + (f'<div class="fujian">附件:{files}</div>' if files else "") + "</div>")
        return self.page(report.title, main, last_modified=report.published, etag=True)
