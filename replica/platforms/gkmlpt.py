"""Guangdong's gkmlpt catalogue (政府信息公开目录管理平台) as the province's sites run it, on a host of its
own (`/gkmlpt/index`) or on a path of another's (`/fszsj/gkmlpt/index`: a bureau's on its city's host).

`/gkmlpt/index` is a Vue app whose `window._CONFIG = {SID: '...', TREE: [...], SERVICE_AREA_ID: ...}`
(a script object, single quotes) names the site and its category tree; nodes carry `id`, `name`,
`children`, `jump_url` and `post_count`. Lists come from `/gkmlpt/api/all/<id>?page=N&sid=SID`
(page 0 = page 1): `classify.post_count`, `total` and `articles[]` with `url`, `post_url`, `date`
(epoch seconds), `display_publish_time`, `created_at`, `attachment[]`. Details are rendered on the
server (`/gkmlpt/content/X/XXXX/post_<id>.html`, the body also in `_CONFIG.DETAIL.content`), each
with a mobile twin `mpost_<id>.html`.

Variants, drawn per site: the annual-report category named 年报, 政府信息公开年报 or
政府信息公开工作年度报告, nested under a parent or not; a generic page title (政府信息公开目录); a node
with a `jump_url` to another site that also names annual reports (never a category to ask the API
for); articles listed under their `mpost_` twin; small API pages (paging); `mindex`, the mobile
catalogue `/gkmlpt/mindex/` (public crawler configurations start at `/gkmlpt/mindex`, `mindex/` and
`mindex#<category>`, on a host's own catalogue and on a path of another's): the same `_CONFIG`
and API, the site's pages link it, and the desktop `/gkmlpt/index` redirects there (302). No public
material shows how a site sends its visitors to the mobile catalogue: the redirect is the simplest
shape by which a crawl that starts at `/gkmlpt/index` must read the mobile one.

A line that starts at an NFCMS column instead (`/zwgk/zjgb/zfxxgkgzndbgbm/`, `/dyz/qt/xxgkndbg/`: the
province's sites give departments and towns such columns beside, or instead of, a catalogue) is
served as the column public report pages show: `index.html`, `index_2.html` ... (`createPageHTML(
pages, current, "index", "html")`, current counted from 1), details `<column>content/post_<id>.html`,
linked from the home page; a line that covers many agencies lists a department's reports beside its
own. Of the variants only small pages apply to such a column.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlsplit

from ..site import Column, Report, Request, Response, epoch, redirect, stable_int
from .common import GeneratedSite

#: Reports a page of an NFCMS column lists (`small_pages`: 4).
COLUMN_PER_PAGE = 15
REPORT_CATEGORY_NAMES = ("年报", "政府信息公开年报", "政府信息公开工作年度报告")
OTHER_CATEGORIES = ("机构职能", "政策文件", "规划计划", "财政资金", "重点领域信息", "其他")


def js_object(value) -> str:
    """`value` as a script object literal: bare keys, single-quoted strings (as the platform prints)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {js_object(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(js_object(v) for v in value) + "]"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("</", "<\\/")
        return "'" + escaped + "'"
    if value is None:
        return "null"
    return json.dumps(value)


class GkmlptSite(GeneratedSite):
    flavor = "nfcms"
    variant_names = ("nested", "generic_title", "jump_url", "mpost", "small_pages", "mindex")
    base_agencies = 1

    def __init__(self, **kw) -> None:
        if self.column_path and self.registry_portal.covers == "many":
            self.base_agencies = 2
        super().__init__(**kw)

    def draw_variants(self) -> frozenset[str]:
        drawn = super().draw_variants()
        return drawn & {"small_pages"} if self.column_path else drawn

    @property
    def column_path(self) -> str | None:
        """The NFCMS column the line starts at (`/zwgk/zjgb/zfxxgkgzndbgbm/`), None for a catalogue."""
        path = urlsplit(self.registry_portal.start[0]).path or "/"
        if "/gkmlpt/" in path or path == "/":
            return None
        return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"

    @property
    def sid(self) -> str:
        reported = [w for w in self.registry_portal.source.replace(")", " ").split() if w.isdigit()]
        return reported[0] if reported else str(100000 + stable_int("sid", self.registry_portal.key) % 899999)

    @property
    def category(self) -> int:
        return 3000 + stable_int("cat", self.registry_portal.key) % 5000

    @property
    def per_page(self) -> int:
        return 4 if self.has("small_pages") else 100

    @property
    def prefix(self) -> str:
        """The path the catalogue sits under on its host: '' for `/gkmlpt/index`, `/fszsj` for a
        bureau's catalogue on its city's host (`/fszsj/gkmlpt/index`)."""
        path = urlsplit(self.registry_portal.start[0]).path
        return path.split("/gkmlpt/", 1)[0] if "/gkmlpt/" in path else ""

    def agency_pool(self):
        if self.column_path:
            return [self.own_agency("site"), self.unit("dept", 1)]
        return [self.own_agency("site")]

    def page_path(self, agency, doc_id, when, year) -> str:
        if self.column_path:
            return f"{self.column_path}content/post_{doc_id}.html"
        return f"{self.prefix}/gkmlpt/content/{doc_id // 1_000_000}/{doc_id // 1000}/post_{doc_id}.html"

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: f"/attachment/0/{r.doc_id // 1000 % 1000}/{r.doc_id}/{stable_int(ext, r.doc_id) % 10**7}.{ext}")

    def href(self, column: Column, path: str) -> str:
        return self.base_url + path

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    # -- routes
    @property
    def catalogue_path(self) -> str:
        """Where the site's pages link its catalogue: the desktop index, or the mobile one."""
        return f"{self.prefix}/gkmlpt/mindex/" if self.has("mindex") else f"{self.prefix}/gkmlpt/index"

    def route_lists(self, column: Column) -> None:
        if column is not self.columns[0]:
            return
        if self.column_path:
            self.route_column()
        else:
            if self.has("mindex"):
                for path in (f"{self.prefix}/gkmlpt/mindex/", f"{self.prefix}/gkmlpt/mindex"):
                    self.route(path, lambda req: self.cached("spa:m", lambda: self._spa(mobile=True)))
                self.route(f"{self.prefix}/gkmlpt/index", lambda req: redirect(self.catalogue_path, 302))
            else:
                self.route(f"{self.prefix}/gkmlpt/index", lambda req: self.cached("spa", self._spa))
            self.route(f"{self.prefix}/gkmlpt/", self.routes[f"{self.prefix}/gkmlpt/index"])

    def route_column(self) -> None:
        """The NFCMS column's pages: every agency's reports, newest first (a broken column's left out)."""
        per_page = 4 if self.has("small_pages") else COLUMN_PER_PAGE
        entries = sorted((e for c in self.columns if not c.broken for e in c.entries), key=lambda e: e.date, reverse=True)
        pages = max(1, -(-len(entries) // per_page))
        for n in range(1, pages + 1):
            chunk = entries[(n - 1) * per_page:n * per_page]
            self.route(self.column_path + ("index.html" if n == 1 else f"index_{n}.html"),
                       lambda req, n=n, chunk=chunk: self.cached(f"list:{n}", lambda: self._column_page(chunk, n, pages)))
        self.route(self.column_path, self.routes[self.column_path + "index.html"])

    def _column_page(self, entries, n: int, pages: int) -> Response:
        items = "".join(f'<li><span class="time">{e.date:%Y-%m-%d}</span><a href="{escape(e.href)}" target="_blank" '
                        f'title="{escape(e.title)}">{escape(e.title)}</a></li>' for e in entries)
        crumb = (f'<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/">政务公开</a> &gt; '
                 f'<a href="{self.column_path}">政府信息公开年报</a></div>')
        main = (crumb + f'<div class="main"><div class="title-bar">政府信息公开年报</div><div class="list"><ul>{items}</ul></div>'
                f'<div class="page" id="page_div"></div><script>createPageHTML({pages}, {n}, "index", "html");</script></div>')
        head = f'<script>var NFCMS_SITE_ID = {self.sid}; var NFCMS_CAT_ID = {self.category};</script>'
        return self.page("政府信息公开年报", main, head=head)

    def route_site(self) -> None:
        target, label = (self.column_path, "政府信息公开年报") if self.column_path else (self.catalogue_path, "政府信息公开")
        self.route("/", lambda req: self.page(self.registry_portal.name, '<div class="nav"><a href="/">首页</a>'
                                              f'<a href="{target}">{label}</a></div>'))

    def route_report(self, report: Report, column: Column) -> None:
        super().route_report(report, column)
        mobile = report.path.replace("/post_", "/mpost_")
        self.route(mobile, lambda req, r=report, c=column: self.report_response(
            r, mobile, lambda: self.detail_page(r, c, mobile=True)))

    def dynamic(self, req: Request):
        if self.column_path or not req.path.startswith(self.prefix + "/"):
            return None
        parts = req.path[len(self.prefix):].strip("/").split("/")
        if len(parts) == 4 and parts[:3] == ["gkmlpt", "api", "all"]:
            return self._api
        return None

    def tree(self) -> list[dict]:
        nodes = [{"id": 2000 + i, "name": name, "parent": 0, "children": [], "jump_url": "", "post_count": 3 + i}
                 for i, name in enumerate(OTHER_CATEGORIES)]
        name = REPORT_CATEGORY_NAMES[stable_int("catname", self.registry_portal.key) % len(REPORT_CATEGORY_NAMES)]
        reports = {"id": self.category, "name": name, "parent": 0, "children": [], "jump_url": "",
                   "post_count": len(self.columns[0].entries)}
        if self.has("nested"):
            parent = {"id": 1999, "name": "法定主动公开内容", "parent": 0, "children": [reports], "jump_url": "",
                      "post_count": 0}
            reports["parent"] = 1999
            nodes.insert(0, parent)
        else:
            nodes.insert(4, reports)
        if self.has("jump_url"):
            # A link to the province's own catalogue: a node to leave alone, never a category.
            nodes.append({"id": self.category + 1, "name": "政府信息公开年报(省级汇总)", "parent": 0, "children": [],
                          "jump_url": "http://www.gd.gov.cn/zwgk/zfxxgkml/nb/index.html", "post_count": 0})
        return nodes

    def _spa(self, mobile: bool = False) -> Response:
        title = "政府信息公开目录" if self.has("generic_title") else f"{self.registry_portal.name}政府信息公开目录"
        config = {"SID": self.sid, "TREE": self.tree(), "SERVICE_AREA_ID": int(self.sid) // 1000, "TITLE": title}
        static = "/gkmlpt/static/m" if mobile else "/gkmlpt/static"
        viewport = '<meta name="viewport" content="width=device-width,initial-scale=1">' if mobile else ""
        page = ('<!DOCTYPE html><html><head><meta charset="utf-8">' + viewport + '<title>' + escape(title) + "</title>"
                f'<link href="{static}/css/app.css" rel="stylesheet"></head><body><div id="app"></div>'
                f"<script>window._CONFIG = {js_object(config)};</script>"
                f'<script src="{static}/js/manifest.js"></script><script src="{static}/js/app.js"></script>'
                "</body></html>")
        return Response(200, page.encode(), [("Content-Type", self.content_type)])

    def _api(self, req: Request) -> Response:
        cat = req.path.rstrip("/").rsplit("/", 1)[1]
        try:
            page = max(1, int(req.args.get("page", "1") or 1))
        except ValueError:
            page = 1
        json_type = [("Content-Type", "application/json;charset=UTF-8")]
        if req.args.get("sid") != self.sid:
            return Response(200, b'{"articles":[],"total":0,"msg":"invalid sid"}', json_type)
        entries = []
        for column in self.columns:
            if cat == str(self.category) and not column.broken:
                entries += column.entries
        chunk = entries[(page - 1) * self.per_page: page * self.per_page]
        articles = []
        for e in chunk:
            url = self.base_url + e.href[len(self.base_url):] if e.href.startswith(self.base_url) else e.href
            doc_id = getattr(e.target, "doc_id", 0)
            if self.has("mpost") and doc_id % 3 == 0:
                url = url.replace("/post_", "/mpost_")
            stamp = epoch(e.date)
            articles.append({"id": doc_id, "title": e.title, "url": url, "date": stamp,
                             "display_publish_time": stamp, "created_at": f"{e.date:%Y-%m-%d %H:%M:%S}",
                             "publisher": self.registry_portal.name, "attachment": []})
        body = {"classify": {"id": int(cat) if cat.isdigit() else 0, "post_count": len(entries)},
                "articles": articles, "total": len(entries), "page": page, "size": self.per_page}
        return Response(200, json.dumps(body, ensure_ascii=False).encode(), json_type)

    def detail_page(self, report: Report, column: Column, mobile: bool = False) -> Response:
        body = self.report_body(report)
        files = "".join(f'<p><a href="{self.base_url}{a.path}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        table = ('<table class="classify"><tbody>'
                 f"<tr><td>索引号:</td><td>{report.doc_id}</td><td>分类:</td><td>年报</td></tr>"
                 f"<tr><td>发布机构:</td><td>{escape(column.agency.full)}</td><td>成文日期:</td><td>{report.published:%Y-%m-%d}</td></tr>"
                 f"<tr><td>名称:</td><td colspan=\"3\">{escape(report.title)}</td></tr>"
                 f"<tr><td>发布日期:</td><td colspan=\"3\">{report.published:%Y-%m-%d %H:%M:%S}</td></tr></tbody></table>")
        detail = {"DETAIL": {"title": report.title, "content": body[:200]}}
        main = (("" if mobile else table) + f'<div class="content"><h1 class="title">{escape(report.title)}</h1>'
                f'<div class="article-content">{body}</div>'
                + (f'<div class="attachment"><p>附件:</p>{files}</div>' if files else "") + "</div>"
                f"<script>window._CONFIG = {js_object(detail)};</script>")
        return self.page(report.title, main, last_modified=report.published, etag=True)
