"""Dongguan, Guangdong: the provincial platform (NFCMS pages + gkmlpt catalogues) (www.dg.gov.cn).

- Connections from User-Agents without `Mozilla/` are reset.
- HTML requests without the clearance cookie get a 521 page whose script sets `__jsl_clearance_s`
  and reloads (robots.txt, the gkmlpt JSON API and attachments are not challenged).
- The disclosure catalogue `/zwgk/zfxxgkml/index.html` lists units; NFCMS units have a column
  `/zwgk/zfxxgkml/<unit>/zfxxgkgzndbg/index.html`, `index_2.html` ... (`createPageHTML(pages, current,
  "index", "html")`, current counted from 1), details `.../content/post_<id>.html`.
- Units on gkmlpt (dgcsz 茶山镇) have a Vue app `/dgcsz/gkmlpt/index` whose `window._CONFIG` holds SID
  and the category TREE, a JSON list `/dgcsz/gkmlpt/api/all/<catId>?page=N&sid=SID` (100 a page, page
  0 = page 1) and details `/dgcsz/gkmlpt/content/X/XXXX/post_<id>.html`.
- The city's own reports sit on the site's root catalogue (`/gkmlpt/index`), a department's on its
  own subdomain's (`audit.dg.gov.cn/gkmlpt/index`), both linked from the disclosure catalogue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from html import escape

from crawler import registry

from ..site import (
    Agency, Article, Attachment, Column, Portal, Report, Request, Response, absolute, epoch, html_response,
    stable_int,
)

HOST = "https://www.dg.gov.cn"
PER_PAGE = 8
GKMLPT_PER_PAGE = 100
CLEARANCE = "__jsl_clearance_s"
UID_COOKIE = "__jsluid_s"

POOL = [
    ("hjz", "厚街镇", "厚街镇人民政府", "town", 2014),
    ("zbz", "寮步镇", "寮步镇人民政府", "town", 2016),
    ("dgsz", "市政府", "东莞市人民政府", "government", 2019),
    ("audit", "市审计局", "东莞市审计局", "department", 2019),
    ("dgcsz", "茶山镇", "茶山镇人民政府", "town", 2015),
    ("hmz", "虎门镇", "虎门镇人民政府", "town", 2019),
    ("sfgj", "市发展和改革局", "东莞市发展和改革局", "department", 2017),
    ("caz", "长安镇", "长安镇人民政府", "town", 2019),
    ("tsz", "塘厦镇", "塘厦镇人民政府", "town", 2019),
    ("fgz", "凤岗镇", "凤岗镇人民政府", "town", 2019),
    ("qxz", "清溪镇", "清溪镇人民政府", "town", 2019),
    ("cpz", "常平镇", "常平镇人民政府", "town", 2019),
    ("dlz", "大朗镇", "大朗镇人民政府", "town", 2019),
    ("slz", "石龙镇", "石龙镇人民政府", "town", 2019),
    ("sjz", "石碣镇", "石碣镇人民政府", "town", 2019),
    ("gbz", "高埗镇", "高埗镇人民政府", "town", 2019),
    ("mcz", "麻涌镇", "麻涌镇人民政府", "town", 2019),
    ("hjiez", "洪梅镇", "洪梅镇人民政府", "town", 2019),
    ("wjz", "万江街道", "万江街道办事处", "town", 2019),
    ("ncjd", "南城街道", "南城街道办事处", "town", 2019),
    ("dcjd", "东城街道", "东城街道办事处", "town", 2019),
    ("gcjd", "莞城街道", "莞城街道办事处", "town", 2019),
    ("sjyj", "市教育局", "东莞市教育局", "department", 2017),
    ("scz", "市财政局", "东莞市财政局", "department", 2017),
    ("smzj", "市民政局", "东莞市民政局", "department", 2017),
    ("szrzyj", "市自然资源局", "东莞市自然资源局", "department", 2019),
    ("sjtysj", "市交通运输局", "东莞市交通运输局", "department", 2017),
    ("swjj", "市卫生健康局", "东莞市卫生健康局", "department", 2019),
    ("ssjj", "市市场监督管理局", "东莞市市场监督管理局", "department", 2019),
    ("srsj", "市人力资源和社会保障局", "东莞市人力资源和社会保障局", "department", 2017),
]
#: Units on a gkmlpt catalogue: its folder on www.dg.gov.cn, or `//<host>/` for a department's subdomain.
GKMLPT_UNITS = {"dgcsz": "/dgcsz/", "dgsz": "/", "audit": "//audit.dg.gov.cn/"}
TREE_NAMES = [(2841, "机构职能"), (2842, "政策文件"), (2843, "规划计划"), (2844, "财政资金"),
              (2845, "年报"), (2846, "重点领域信息"), (2847, "其他")]
NB_CAT = 2845

HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{title}</title>
{metas}<meta name="SiteName" content="中国东莞政府门户网站">
<meta name="SiteDomain" content="www.dg.gov.cn">
<meta name="SiteIDCode" content="4419000098">
<link rel="stylesheet" href="/images/nfcms/common.css">
</head>
<body>
<div class="header" title="头部"><div class="logo"><img src="/images/nfcms/logo.png" alt="ico"><img src="/images/nfcms/title.png" alt="ico"></div>
<div class="nav"><a href="/">首页</a><a href="/zwgk/index.html">政务公开</a><a href="/zwfw/index.html">政务服务</a><a href="/hdjl/index.html">互动交流</a><a href="/zjdg/index.html">走进东莞</a></div></div>
"""
FOOT = """<div class="footer">
<p>主办单位:东莞市人民政府办公室 &nbsp;承办:东莞市政务服务和数据管理局 &nbsp;网站标识码 : 4419000098</p>
<p>备案号:粤ICP备19114884号 &nbsp; 粤公网安备 44190002000375 &nbsp; 技术支持:开普云 &nbsp; <a href="/wzdt/index.html">网站地图</a> &nbsp; <a href="/lxwm/index.html">联系我们</a></p>
</div>
<div class="leave-tips" style="display:none"><p>您访问的链接即将离开“东莞市人民政府”门户网站,是否继续?</p><a class="go">继续访问</a><a class="cancel">放弃</a></div>
<script>
(function(){var s=document.createElement('script');s.async=true;s.src='//tongji.gd.gov.cn/nfcms/visit.js?siteId=755001&u='+encodeURIComponent(location.href);var x=document.getElementsByTagName('script')[0];x.parentNode.insertBefore(s,x);})();
</script>
</body>
</html>
"""


class Dongguan(Portal):
    name = "dongguan"
    hosts = ("www.dg.gov.cn", "audit.dg.gov.cn")
    primary_hosts = ("www.dg.gov.cn",)
    flavor = "nfcms"
    content_type = "text/html; charset=utf-8"
    id_range = (3_000_000, 1_900_000)
    extra_id_range = (5_000_000, 900_000)
    base_agencies = 7
    seeds = {("hjz", 2023): ("002", dt.datetime(2024, 1, 31, 16, 46, 10), 4148524)}
    fault_year = 2013
    sid = "755033"

    def build(self) -> None:
        self.secret = secrets.token_hex(8)
        super().build()

    # ------------------------------------------------------------ anti-bot
    def clearance_token(self, uid: str) -> str:
        return hashlib.sha1(f"{self.secret}:{uid}".encode()).hexdigest()[:24]

    def handle(self, req: Request) -> Response:
        if "Mozilla/" not in req.user_agent:
            return Response(action="reset")
        if self._challenged(req):
            uid = req.cookies.get(UID_COOKIE)
            token = req.cookies.get(CLEARANCE, "")
            if not uid or self.clearance_token(uid) not in token:
                return self._challenge(uid)
        return super().handle(req)

    def _challenged(self, req: Request) -> bool:
        path = req.path
        if path == "/robots.txt" or "/gkmlpt/api/" in path or path.startswith("/attachment/"):
            return False
        return True

    def _challenge(self, uid: str | None) -> Response:
        headers = [("Content-Type", "text/html")]
        if not uid:
            uid = secrets.token_hex(16)
            headers.append(("Set-Cookie", f"{UID_COOKIE}={uid}; max-age=31536000; path=/; HttpOnly"))
        token = self.clearance_token(uid)
        key = stable_int(uid) % 90 + 7
        codes = ",".join(str(ord(ch) ^ key) for ch in token)
        stamp = "1706690770.873"
        script = (f"var _k={key},_c=[{codes}],_t='';for(var _i=0;_i<_c.length;_i++){{_t+=String.fromCharCode(_c[_i]^_k)}}"
                  f"document.cookie='{CLEARANCE}='+'{stamp}|0|'+_t+';max-age=3600;path=/';"
                  "location.href=location.pathname+location.search")
        return Response(521, f"<html><script>{script}</script></html>".encode(), headers)

    # ------------------------------------------------------------ content
    def agency_pool(self) -> list[Agency]:
        # A department whose subdomain is a registry line of its own (dg_audit) is that line's, not the city's.
        return [Agency(slug, name, full, kind, tuple(range(first, 2025)), extra={"gkmlpt": GKMLPT_UNITS.get(slug)})
                for slug, name, full, kind, first in POOL if self._city_unit(slug)]

    @staticmethod
    def _city_unit(slug: str) -> bool:
        place = GKMLPT_UNITS.get(slug, "")
        if not place.startswith("//"):
            return True
        return registry.owner("http:" + place) in (None, "dongguan")

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        variants = (f"{agency.full}{year}年政府信息公开工作年度报告", f"{agency.full}{year}年度政府信息公开工作年度报告",
                    f"东莞市{agency.full}{year}年政府信息公开工作年度报告")
        return variants[0] if seed else variants[stable_int("t", agency.key, year) % 3]

    def index_no(self, report: Report) -> str:
        agency = report.agency
        return (f"{'11441900' if agency.kind == 'town' else '11441900MB'}{stable_int('i', agency.key) % 10**6:06d}"
                f"/{report.published.year}-{report.doc_id % 100000:05d}")

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        if agency.extra.get("gkmlpt"):
            return f"{agency.extra['gkmlpt']}gkmlpt/content/{doc_id // 1_000_000}/{doc_id // 1000}/post_{doc_id}.html"
        return f"/zwgk/zfxxgkml/{agency.key}/zfxxgkgzndbg/content/post_{doc_id}.html"

    def href(self, column: Column, path: str) -> str:
        return absolute(self.name, path)

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        last = agency.years[-1]
        titles = [(f"{agency.full}政府信息公开指南", last), (f"{agency.full}{last}年法治政府建设年度报告", last),
                  (f"{agency.full}{last - 1}年法治政府建设年度报告", last - 1)]
        if agency.kind == "department":
            titles.append((f"{agency.full}{last}年部门决算", last))
        return titles

    def add_mess(self) -> None:
        for r, h in self.draws():
            if h < 12:
                self._attach(r, "pdf")
            elif h < 15:
                self._attach(r, "docx")
            elif h < 17:
                self._attach(r, "wps")
        zbz = next(c for c in self.columns if c.key == "zbz")
        self.add_dead(zbz, "寮步镇人民政府2018年政府信息公开工作年度报告(旧)", dt.datetime(2019, 1, 30, 11, 0, 0),
                      self.ids.get("dead", "zbz"), 2018)

    def _attach(self, report: Report, ext: str) -> Attachment:
        file_id = stable_int("att", report.doc_id, ext) % 10**7
        path = f"/attachment/0/{file_id // 1000 % 1000}/{file_id}/{report.doc_id}.{ext}"
        return self.attach(report, path, ext, f"{report.title}.{ext}", f"{report.title}.{ext}")

    def extra_file_path(self, report: Report, ext: str) -> str:
        doc_id = report.doc_id
        return f"/attachment/0/9{doc_id % 100:02d}/{doc_id}/{doc_id}.{ext}"

    def layout_fault_agency(self) -> Agency:
        return Agency("sthjj", "市生态环境局", "东莞市生态环境局", "department", (2023,), extra={"gkmlpt": False})

    # ------------------------------------------------------------ routes
    def route_lists(self, column: Column) -> None:
        agency = column.agency
        if agency.extra.get("gkmlpt"):
            base = f"{agency.extra['gkmlpt']}gkmlpt/"
            self.route(base + "index", lambda req, c=column: self.cached(f"spa:{c.key}", lambda: self._spa(c)))
            self.route(base, self.routes[base + "index"])
            self.route(base + "api", lambda req, c=column: self._api(req, c))
        else:
            base = f"/zwgk/zfxxgkml/{agency.key}/zfxxgkgzndbg/"
            pages = max(1, -(-len(column.entries) // PER_PAGE))
            for n in range(1, pages + 1):
                name = "index.html" if n == 1 else f"index_{n}.html"
                self.route(base + name, lambda req, c=column, n=n, p=pages: self.cached(
                    f"list:{c.key}:{n}", lambda: self._list_page(c, n, p)))

    def route_site(self) -> None:
        self.route("/zwgk/zfxxgkml/index.html", lambda req: self.cached("catalogue", self._catalogue))
        self.route("/zwgk/zfxxgkml/", self.routes["/zwgk/zfxxgkml/index.html"])
        self.route("/", lambda req: self._page("中国东莞政府门户网站", '<a href="/zwgk/zfxxgkml/index.html">政府信息公开目录</a>'))

    def dynamic(self, req: Request):
        key = self.route_key(req)
        if "/gkmlpt/api/all/" in key:
            return self.routes.get(key.split("/gkmlpt/api/all/")[0] + "/gkmlpt/api")
        return None

    def _page(self, title: str, main: str, metas: str = "", **kw) -> Response:
        return html_response(HEAD.format(title=escape(title), metas=metas) + main + FOOT, self.content_type, **kw)

    def _catalogue(self) -> Response:
        towns, depts = [], []
        for c in self.columns:
            if c.agency.extra.get("gkmlpt"):
                link = absolute(self.name, f"{c.agency.extra['gkmlpt']}gkmlpt/index")
            else:
                link = f"{HOST}/zwgk/zfxxgkml/{c.key}/zfxxgkgzndbg/index.html"
            item = (f'<li><span class="unit">{escape(c.name)}</span> <a href="{link}" target="_blank" '
                    f'title="{escape(c.name)}政府信息公开年报">政府信息公开年报</a></li>')
            (towns if c.agency.kind == "town" else depts).append(item)
        main = ('<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/zwgk/index.html">政务公开</a> &gt; 政府信息公开目录</div>'
                '<div class="catalogue"><div class="box"><h3>镇街(园区)</h3><ul>' + "".join(towns) + "</ul></div>"
                '<div class="box"><h3>市直部门</h3><ul>' + "".join(depts) + "</ul></div></div>")
        return self._page("政府信息公开目录_中国东莞政府门户网站", main)

    def _crumb(self, column: Column) -> str:
        return (f'<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/zwgk/zfxxgkml/index.html">政府信息公开目录</a>'
                f' &gt; <a href="{HOST}/zwgk/zfxxgkml/{column.key}/zfxxgkgzndbg/index.html">{escape(column.name)}</a> &gt; 政府信息公开工作年度报告</div>')

    def _list_page(self, column: Column, n: int, pages: int) -> Response:
        entries = column.entries[(n - 1) * PER_PAGE:n * PER_PAGE]
        if column.broken:
            items = "".join(f'<div class="item" data-key="{stable_int(e.href) % 10**9}"><p>{escape(e.title)}</p>'
                            f"<b>{e.date:%Y年%m月%d日}</b></div>" for e in entries)
            listing = f'<div class="list-v2">{items}</div>'
        else:
            items = "".join(f'<li><span class="time">{e.date:%Y-%m-%d}</span><a href="{escape(e.href)}" target="_blank" '
                            f'title="{escape(e.title)}">{escape(e.title)}</a></li>' for e in entries)
            listing = f'<div class="list"><ul>{items}</ul></div>'
        main = (self._crumb(column) + f'<div class="main"><div class="title-bar">政府信息公开工作年度报告</div>{listing}'
                f'<div class="page" id="page_div"></div><script>createPageHTML({pages}, {n}, "index", "html");</script></div>')
        metas = f'<script>var NFCMS_SITE_ID = 755001; var NFCMS_CAT_ID = {stable_int("cat", column.key) % 10**6};</script>\n'
        return self._page(f"政府信息公开工作年度报告_{column.name}", main, metas)

    def _spa(self, column: Column) -> Response:
        tree = [{"id": cid, "name": name, "parent": 0, "children": []} for cid, name in TREE_NAMES]
        prefix = column.agency.extra["gkmlpt"]
        base = "/" + prefix.split("/", 3)[3] if prefix.startswith("//") else prefix  # the path on its own host
        config = {"SID": self.sid, "TREE": tree, "TITLE": f"{column.agency.full}政府信息公开目录",
                  "API": f"{base}gkmlpt/api/all/"}
        page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(config["TITLE"]) + "</title>"
                f'<link href="{base}gkmlpt/static/css/app.css" rel="stylesheet"></head><body>'
                '<div id="app"></div>'
                f"<script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
                f'<script src="{base}gkmlpt/static/js/manifest.js"></script>'
                f'<script src="{base}gkmlpt/static/js/vendor.js"></script>'
                f'<script src="{base}gkmlpt/static/js/app.js"></script></body></html>')
        return html_response(page, self.content_type)

    def _api(self, req: Request, column: Column) -> Response:
        cat = req.path.rstrip("/").rsplit("/", 1)[1]
        try:
            page = max(1, int(req.args.get("page", "1") or 1))
        except ValueError:
            page = 1
        if column is None or req.args.get("sid") != self.sid:
            return Response(200, b'{"articles":[],"total":0,"msg":"invalid sid"}', [("Content-Type", "application/json")])
        entries = column.entries if cat == str(NB_CAT) and not column.broken else []
        chunk = entries[(page - 1) * GKMLPT_PER_PAGE: page * GKMLPT_PER_PAGE]
        articles = [{
            "id": e.target.doc_id if e.target else 0, "title": e.title, "url": e.href,
            "publisher": column.agency.full, "date": epoch(e.date), "first_publish_time": epoch(e.date), "created_at": f"{e.date:%Y-%m-%d %H:%M:%S}",
            "identifier": getattr(e.target, "index_no", ""), "document_number": "", "classify_main_name": "年报",
        } for e in chunk]
        body = json.dumps({"articles": articles, "total": len(entries), "page": page, "size": GKMLPT_PER_PAGE},
                          ensure_ascii=False)
        return Response(200, body.encode(), [("Content-Type", "application/json;charset=UTF-8")])

    def detail_page(self, report: Report, column: Column) -> Response:
        agency = column.agency
        metas = (f'<meta name="ArticleTitle" content="{escape(report.title)}">\n'
                 f'<meta name="PubDate" content="{report.published:%Y-%m-%d %H:%M:%S}">\n'
                 f'<meta name="ContentSource" content="本网">\n'
                 f'<meta name="ArticleId" content="{report.doc_id}">\n'
                 f"<script>var NFCMS_SITE_ID = 755001; var NFCMS_POST_ID = {report.doc_id}; "
                 f"var NFCMS_CAT_ID = {stable_int('cat', column.key) % 10**6};</script>\n")
        files = ""
        if report.attachments:
            files = "<div class=\"attachment\"><p>附件:</p>" + "".join(
                f'<p><a href="{HOST}{a.path}" target="_blank">{escape(a.link_text)}</a></p>' for a in report.attachments) + "</div>"
        body = report.body(self.flavor)
        if agency.extra.get("gkmlpt"):
            meta_table = ('<table class="classify"><tbody>'
                          f"<tr><td>索引号:</td><td>{escape(report.index_no)}</td><td>分类:</td><td>年报</td></tr>"
                          f"<tr><td>发布机构:</td><td>{escape(agency.full)}</td><td>成文日期:</td><td>{report.published:%Y-%m-%d}</td></tr>"
                          f"<tr><td>名称:</td><td colspan=\"3\">{escape(report.title)}</td></tr>"
                          f"<tr><td>文号:</td><td></td><td>发布日期:</td><td>{report.published:%Y-%m-%d}</td></tr>"
                          "<tr><td>主题词:</td><td colspan=\"3\"></td></tr></tbody></table>")
            main = (f'<div class="gkmlpt-content">{meta_table}<div class="content"><h1 class="title">{escape(report.title)}</h1>'
                    f'<div class="article-content">{body}</div>{files}</div></div>')
        else:
            main = (self._crumb(column) + f'<div class="article"><h1 class="title">{escape(report.title)}</h1>'
                    f'<div class="info"><span>中国东莞政府门户网站</span>      <span>{report.published:%Y-%m-%d %H:%M:%S}</span>  '
                    f'<span>来源: 本网</span><span class="font">【字体:<a>大</a> <a>中</a> <a>小</a>】</span></div>'
                    f'<div class="article-content" id="zoomcon">{body}</div>{files}'
                    '<div class="related"><p>相关附件</p><p>媒体报道</p><p>部门解读</p></div>'
                    '<div class="qrcode">扫一扫在手机打开当前页</div></div>')
        return self._page(report.title, main, metas, last_modified=report.published, etag=True)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (f'<div class="article"><h1 class="title">{escape(art.title)}</h1>'
                f'<div class="info"><span>{art.published:%Y-%m-%d %H:%M:%S}</span></div>'
                f'<div class="article-content">{art.body(self.flavor)}</div></div>')
        metas = f'<meta name="ArticleTitle" content="{escape(art.title)}">\n<meta name="ArticleId" content="{art.doc_id}">\n'
        return self._page(art.title, main, metas)
