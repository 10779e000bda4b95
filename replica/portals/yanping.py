"""Yanping district, Nanping, Fujian: Yuanlue (远略) CMS (www.ypzf.gov.cn).

The 年报 column page `/cms/html/npsypqrmzf/zfxxgknb/index.html` has a left menu of agencies (each a
column page of the same shape) and shows its list in an iframe
`/cms/infopublic/publicInfoView.shtml?directoryId=..&siteId=..`: `table.view`, rows `tr.viewRow`, 20 a
page, paged with `&page=N`. The 年报 column's own list holds every agency's reports. Details are
static: `/cms/cms/html/npsypqrmzf/<YYYY-MM-DD>/<id>.html`.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from html import escape

from ..site import Agency, Article, Attachment, Column, Portal, Report, Request, Response, html_response, stable_int

SITE = "npsypqrmzf"
SITE_ID = 4
ROOT_DIR = 3741
PER_PAGE = 20
LIST = "/cms/infopublic/publicInfoView.shtml"

POOL = [
    ("qzf", "区政府", "南平市延平区人民政府", "government", 2012),
    ("cmx", "赤门乡", "赤门乡", "town", 2014),
    ("wtz", "王台镇", "王台镇", "town", 2019),
    ("xdz", "夏道镇", "夏道镇", "town", 2019),
    ("qjyj", "区教育局", "延平区教育局", "department", 2017),
    ("qczj", "区财政局", "延平区财政局", "department", 2017),
    ("lsz", "来舟镇", "来舟镇", "town", 2019), ("xyz", "樟湖镇", "樟湖镇", "town", 2019),
    ("tyx", "太平镇", "太平镇", "town", 2019), ("dhz", "大横镇", "大横镇", "town", 2019),
    ("nsz", "南山镇", "南山镇", "town", 2019), ("yxz", "炉下镇", "炉下镇", "town", 2019),
    ("xqz", "西芹镇", "西芹镇", "town", 2019), ("mxz", "茫荡镇", "茫荡镇", "town", 2019),
    ("wlx", "巨口乡", "巨口乡", "town", 2019), ("ylx", "峡阳镇", "峡阳镇", "town", 2019),
    ("sfx", "水南街道", "水南街道", "town", 2019), ("mzj", "梅山街道", "梅山街道", "town", 2019),
    ("qmzj", "区民政局", "延平区民政局", "department", 2017), ("qwjj", "区卫生健康局", "延平区卫生健康局", "department", 2019),
    ("qzjj", "区住房和城乡建设局", "延平区住房和城乡建设局", "department", 2017),
    ("qnyj", "区农业农村局", "延平区农业农村局", "department", 2019),
    ("qrsj", "区人力资源和社会保障局", "延平区人力资源和社会保障局", "department", 2017),
    ("qscj", "区市场监督管理局", "延平区市场监督管理局", "department", 2019),
    ("qjtj", "区交通运输局", "延平区交通运输局", "department", 2017),
]

HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title}</title>
<link href="/cms/html/{site}/css/style.css" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="top"><div class="logo"><img src="/cms/html/{site}/images/logo.png" alt="南平市延平区人民政府" /></div>
<div class="menu"><a href="/cms/html/{site}/index.html">首页</a><a href="/cms/html/{site}/zwgk/index.html">政务公开</a><a href="/cms/html/{site}/bsfw/index.html">办事服务</a><a href="/cms/html/{site}/hdjl/index.html">互动交流</a></div></div>
"""
FOOT = """<div class="foot"><p>主办:延平人民政府 版权所有© Copyright 2012 承办:延平人民政府办公室 闽ICP备06007980</p>
<p>技术支持:福建远略软件技术有限公司 运行管理:延平区人民政府办公室</p>
<p>地址:福建省南平市延平人民政府 邮政编码:353000 传真:0599-6161678 电话:0599-6161678</p></div>
</body>
</html>
"""


class Yanping(Portal):
    name = "yanping"
    hosts = ("www.ypzf.gov.cn", "ypzf.gov.cn")
    flavor = "yuanlue"
    content_type = "text/html;charset=UTF-8"
    id_range = (1_100_000_000, 800_000_000)
    extra_id_range = (1_950_000_000, 40_000_000)
    seeds = {("cmx", 2018): ("003", dt.datetime(2019, 1, 10, 16, 2, 0), 1292513457)}
    fault_year = 2009

    def build(self) -> None:
        # The 年报 column comes first; its own list aggregates every agency's entries (lists_built).
        self.root = Column("zfxxgknb", "政府信息公开年报", Agency("zfxxgknb", "政府信息公开年报", "南平市延平区人民政府",
                                                              "government", extra={"dir": ROOT_DIR}))
        self.columns.append(self.root)
        super().build()

    # ------------------------------------------------------------ content
    def agency_pool(self) -> list[Agency]:
        return [Agency(slug, name, full, kind, tuple(range(first, 2025)), extra={"dir": ROOT_DIR + 1 + i})
                for i, (slug, name, full, kind, first) in enumerate(POOL)]

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        variants = (f"{agency.full}{year}年政府信息公开工作年度报告", f"{agency.full}{year}年度政府信息公开工作年度报告",
                    f"{agency.full}{year}年政府信息公开年度报告")
        return variants[0] if seed else variants[stable_int("t", agency.key, year) % 3]

    def index_no(self, report: Report) -> str:
        return f"FJ{stable_int('org', report.agency.key) % 10**8:08d}-{report.published.year}-{report.doc_id % 10000:04d}"

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        return f"/cms/cms/html/{SITE}/{when:%Y-%m-%d}/{doc_id}.html"

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        last = agency.years[-1]
        titles = [(f"{agency.full}政府信息公开指南", last)]
        if agency.kind == "government":
            titles += [(f"延平区{last}年法治政府建设年度报告", last), (f"{last + 1}年延平区政务公开工作要点", last),
                       (f"{last + 1}年延平区人民政府工作报告", last), (f"延平区{last - 1}年法治政府建设年度报告", last - 1)]
        return titles

    @property
    def gov(self) -> Column:
        return self.columns[1]

    def add_mess(self) -> None:
        gov = next(c for c in self.columns if c.key == "qzf")
        # One report's first fetch fails with 503 (a busy moment of the real server).
        next(e.target for e in gov.entries if e.role == "report" and e.target.year == 2020).mess.add("transient503")
        for r, h in self.draws():
            if h < 10:
                self._attach(r, "doc")
            elif h < 16:
                self._attach(r, "pdf")
        self.add_dead(gov, "延平区2016年政府信息公开工作年度报告", dt.datetime(2017, 1, 20, 9, 0, 0),
                      self.ids.get("dead", "yp"), 2016)

    def _attach(self, report: Report, ext: str) -> Attachment:
        n = stable_int("att", report.doc_id, ext) % 10**13
        path = f"/cms/uploadfiles/{report.published:%Y%m}/{n}.{ext}"
        return self.attach(report, path, ext, f"{report.title}.{ext}", f"{n}.{ext}")

    def extra_file_path(self, report: Report, ext: str) -> str:
        return f"/cms/uploadfiles/{report.published:%Y%m}/{report.doc_id}.{ext}"

    def layout_fault_agency(self) -> Agency:
        return Agency("qtjj", "区统计局", "延平区统计局", "department", (2023,), extra={"dir": ROOT_DIR + 900})

    def lists_built(self) -> None:
        self.root.entries = [e for c in self.columns[1:] if not c.broken for e in c.entries]

    # ------------------------------------------------------------ routes
    def route_lists(self, column: Column) -> None:
        path = f"/cms/html/{SITE}/zfxxgknb/index.html" if column is self.root else f"/cms/html/{SITE}/zfxxgknb/{column.key}/index.html"
        self.route(path, lambda req, c=column: self.cached(f"col:{c.key}", lambda: self._column_page(c)))

    def route_site(self) -> None:
        self.route(LIST, self._list)
        self.route("/cms/infopublic/publicInfo.shtml", self._info_view)
        # The home page and its 政府信息公开 menu lead to the 年报 column (the registry starts at home).
        home = f"/cms/html/{SITE}/index.html"
        gateway = f"/cms/html/{SITE}/zwgk/index.html"
        self.route(home, lambda req: self._page("南平市延平区人民政府", (
            f'<div class="nav"><a href="{home}">首页</a><a href="{gateway}">政府信息公开</a>'
            f'<a href="/cms/html/{SITE}/hdjl/index.html">互动交流</a></div>')))
        self.route("/", self.routes[home])
        self.route(gateway, lambda req: self._page("政府信息公开-南平市延平区人民政府", (
            f'<ul class="xxgk-menu"><li><a href="/cms/html/{SITE}/zfxxgkzn/index.html">政府信息公开指南</a></li>'
            f'<li><a href="/cms/html/{SITE}/zfxxgknb/index.html">政府信息公开年报</a></li>'
            f'<li><a href="/cms/html/{SITE}/zfxxgkzd/index.html">政府信息公开制度</a></li></ul>')))

    @cached_property
    def by_dir(self) -> dict[str, Column]:
        return {str(column.agency.extra["dir"]): column for column in self.columns}

    # ------------------------------------------------------------ pages
    def _page(self, title: str, main: str, **kw) -> Response:
        return html_response(HEAD.format(title=escape(title), site=SITE) + main + FOOT, self.content_type, **kw)

    def _where(self, tail: str = "") -> str:
        return (f'<div class="position">您现在的位置:<a href="/cms/html/{SITE}/index.html">南平市延平区人民政府</a> &gt; '
                f'<a href="/cms/html/{SITE}/zwgk/index.html">政府信息公开</a> &gt; '
                f'<a href="/cms/html/{SITE}/zfxxgknb/index.html">政府信息公开年报</a>{tail}</div>')

    def _column_page(self, column: Column) -> Response:
        menu = "".join(
            f'<li><a href="/cms/html/{SITE}/zfxxgknb/{c.key}/index.html">{escape(c.name)}</a></li>'
            for c in self.columns[1:])
        src = f"{LIST}?directoryId={column.agency.extra['dir']}&siteId={SITE_ID}"
        tail = "" if column is self.root else f" &gt; {escape(column.name)}"
        main = (self._where(tail) + '<div class="main"><div class="left"><div class="left-title">政府信息公开年报</div>'
                f'<ul class="left-menu">{menu}</ul></div><div class="right"><div class="right-title">{escape(column.name)}</div>'
                f'<iframe id="infoList" name="infoList" src="{src}" width="100%" height="900" frameborder="0" scrolling="no"></iframe>'
                "</div></div>")
        return self._page(f"{column.name}-南平市延平区人民政府", main)

    def _list(self, req: Request) -> Response:
        column = self.by_dir.get(req.args.get("directoryId", ""))
        if column is None or req.args.get("siteId") != str(SITE_ID):
            return html_response("<html><body><p>栏目不存在</p></body></html>", self.content_type, status=200)
        try:
            page = max(1, int(req.args.get("page", "1")))
        except ValueError:
            page = 1
        key = f"list:{column.key}:{page}"
        return self.cached(key, lambda: self._list_page(column, page))

    def _list_page(self, column: Column, page: int) -> Response:
        total = len(column.entries)
        pages = max(1, -(-total // PER_PAGE))
        entries = column.entries[(page - 1) * PER_PAGE:page * PER_PAGE]
        base = f"{LIST}?directoryId={column.agency.extra['dir']}&siteId={SITE_ID}"
        if column.broken:
            rows = "".join(f'<div class="info-row"><span class="n">{(page - 1) * PER_PAGE + i}</span>'
                           f'<span class="t" data-id="{stable_int(e.href) % 10**9}">{escape(e.title)}</span></div>'
                           for i, e in enumerate(entries, 1))
            table = f'<div class="info-grid">{rows}</div>'
        else:
            rows = []
            for i, e in enumerate(entries, 1):
                t = e.target
                hidden = (f"索引号:{escape(getattr(t, 'index_no', '') or '')} 发布机构:{escape(t.agency.full if t else '')} "
                          f"文号: 生成日期:{e.date:%Y-%m-%d} 概述:{escape(e.title)}")
                rows.append(f'<tr class="viewRow"><td>{(page - 1) * PER_PAGE + i}</td>'
                            f'<td class="title"><a href="{escape(e.href)}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a></td>'
                            f'<td>{e.date:%Y-%m-%d}</td><td></td><td style="display:none">{hidden}</td></tr>')
            table = ('<table class="view" width="100%" cellspacing="0" cellpadding="0"><tr class="viewHead">'
                     "<th>序号</th><th>名称</th><th>生成日期</th><th>文号</th></tr>" + "".join(rows) + "</table>")
        pager = self._pager(base, page, pages, total)
        html = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
                f'<link href="/cms/html/{SITE}/css/public.css" rel="stylesheet" type="text/css" /></head><body>'
                f"{table}{pager}</body></html>")
        return html_response(html, self.content_type)

    def _pager(self, base: str, page: int, pages: int, total: int) -> str:
        def href(n: int) -> str:
            return base if n == 1 else f"{base}&page={n}"

        first = max(1, min(page - 4, pages - 9))
        last = min(pages, first + 9)
        out = [f"共{total}条信息"]
        out.append(f'<a href="{href(page - 1)}">上一页</a>' if page > 1 else "<span>上一页</span>")
        if first > 1:
            out.append("…")
        for n in range(first, last + 1):
            out.append('<a class="currentPage">%d</a>' % n if n == page else f'<a href="{href(n)}">{n}</a>')
        if last < pages:
            out.append("…")
        out.append(f'<a href="{href(page + 1)}">下一页</a>' if page < pages else "<span>下一页</span>")
        return '<div class="page">' + " ".join(out) + "</div>"

    def detail_page(self, report: Report, column: Column) -> Response:
        files = ""
        if report.attachments:
            files = '<div class="fujian">附件:' + "".join(
                f'<p><a href="{a.path}" target="_blank">{escape(a.link_text)}</a></p>' for a in report.attachments) + "</div>"
        info = ('<table class="xxgk-info"><tr><td>索引号:</td><td>{idx}</td><td>主题分类:</td><td></td><td>生成日期:</td><td>{d}</td></tr>'
                '<tr><td>发布日期:</td><td>{d}</td><td>发布机构:</td><td>{org}</td><td>文 号:</td><td></td></tr></table>').format(
            idx=escape(report.index_no), d=f"{report.published:%Y-%m-%d}", org=escape(report.agency.full))
        main = (self._where() + f'<div class="article"><div class="title">{escape(report.title)}</div>'
                f'<div class="info">发布时间:{report.published:%Y-%m-%d} 发布机构:{escape(report.agency.full)} '
                '<span class="font">【字体:<a href="javascript:fontZoom(16)">大</a> <a href="javascript:fontZoom(14)">中</a> '
                '<a href="javascript:fontZoom(12)">小</a>】</span></div>'
                f'{info}<div class="content" id="zoom">{report.body(self.flavor)}</div>{files}</div>')
        return self._page(report.title, main, last_modified=report.published, etag=True)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (self._where() + f'<div class="article"><div class="title">{escape(art.title)}</div>'
                f'<div class="info">发布时间:{art.published:%Y-%m-%d}</div><div class="content">{art.body(self.flavor)}</div></div>')
        return self._page(art.title, main)

    def _info_view(self, req: Request) -> Response:
        """The dynamic view of an article (publicInfo.shtml?id=): same content as the static page."""
        doc = req.args.get("id", "")
        for column in self.columns[1:]:
            for e in column.entries:
                if isinstance(e.target, Report) and str(e.target.doc_id) == doc:
                    return self.detail_page(e.target, column)
        return html_response("<html><body>信息不存在</body></html>", self.content_type)
