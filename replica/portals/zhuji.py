"""Zhuji, Zhejiang: Hanweb jcms with its disclosure (xxgk) module (www.zhuji.gov.cn).

The 年报 column `/col/col1229426/index.html` navigates to one sub-column per agency. A sub-column's
page embeds the first group of records in a `<script type="text/xml"><datastore>` and draws the list
with JavaScript (`jpage`); later groups come only from POST `/module/jpage/dataproxy.jsp`. Details are
`/art/YYYY/M/D/art_<col>_<id>.html`; the disclosure module's annual-report view links the same
articles with `?xxgkhide=1`. Attachments go through `/module/download/downfile.jsp`. Every answer
sets a load-balancer cookie `SERVERID`.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from html import escape
from urllib.parse import quote

from ..site import Agency, Article, Attachment, Column, Entry, Portal, Report, Request, Response, html_response, stable_int

PARENT = 1229426
PER_PAGE = 10
GROUP_PAGES = 2  # records embedded in the page: PER_PAGE * GROUP_PAGES
WEBID = 2745
WEBNAME = "诸暨市政府门户网站"
AREA = "001008006"
ON = ' class="on"'

POOL = [
    ("市政府", "诸暨市人民政府", "government", "001001", 2010),
    ("暨阳街道", "暨阳街道办事处", "town", "002065", 2019),
    ("浣东街道", "浣东街道办事处", "town", "002066", 2019),
    ("市发展和改革局", "诸暨市发展和改革局", "department", "001012", 2015),
    ("市教育体育局", "诸暨市教育体育局", "department", "001013", 2017),
    ("枫桥镇", "诸暨市枫桥镇人民政府", "town", "002071", 2019),
    ("陶朱街道", "陶朱街道办事处", "town", "002067", 2019),
    ("暨南街道", "暨南街道办事处", "town", "002068", 2019),
    ("大唐街道", "大唐街道办事处", "town", "002069", 2019),
    ("店口镇", "诸暨市店口镇人民政府", "town", "002072", 2019),
    ("次坞镇", "诸暨市次坞镇人民政府", "town", "002073", 2019),
    ("牌头镇", "诸暨市牌头镇人民政府", "town", "002074", 2019),
    ("安华镇", "诸暨市安华镇人民政府", "town", "002075", 2019),
    ("同山镇", "诸暨市同山镇人民政府", "town", "002076", 2019),
    ("璜山镇", "诸暨市璜山镇人民政府", "town", "002077", 2019),
    ("五泄镇", "诸暨市五泄镇人民政府", "town", "002078", 2019),
    ("马剑镇", "诸暨市马剑镇人民政府", "town", "002079", 2019),
    ("东白湖镇", "诸暨市东白湖镇人民政府", "town", "002080", 2019),
    ("山下湖镇", "诸暨市山下湖镇人民政府", "town", "002081", 2019),
    ("市财政局", "诸暨市财政局", "department", "001014", 2015),
    ("市民政局", "诸暨市民政局", "department", "001015", 2015),
    ("市自然资源和规划局", "诸暨市自然资源和规划局", "department", "001016", 2019),
    ("市住房和城乡建设局", "诸暨市住房和城乡建设局", "department", "001017", 2015),
    ("市交通运输局", "诸暨市交通运输局", "department", "001018", 2015),
    ("市卫生健康局", "诸暨市卫生健康局", "department", "001019", 2019),
    ("市市场监督管理局", "诸暨市市场监督管理局", "department", "001020", 2019),
    ("市人力资源和社会保障局", "诸暨市人力资源和社会保障局", "department", "001021", 2015),
    ("市农业农村局", "诸暨市农业农村局", "department", "001022", 2019),
    ("市生态环境分局", "绍兴市生态环境局诸暨分局", "department", "001023", 2019),
    ("市应急管理局", "诸暨市应急管理局", "department", "001024", 2019),
]

HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{title}</title>
{metas}<meta name="SiteName" content="诸暨市人民政府" />
<meta name="SiteDomain" content="www.zhuji.gov.cn" />
<meta name="SiteIDCode" content="3306810001" />
<link href="/script/css/common.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
</head>
<body>
"""
TOP = """<div class="top"><div class="top-w"><span>欢迎访问诸暨市人民政府门户网站</span><a href="/art/2019/3/1/art_1229426_1.html">无障碍浏览</a></div></div>
<div class="header"><a href="/"><img src="/picture/0/logo.png" alt="诸暨市人民政府" /></a>
<form action="/jrobot/search.do" method="get" target="_blank"><input type="hidden" name="webid" value="2745" /><input name="q" /><input type="submit" value="搜索" /></form></div>
<div class="nav"><a href="/">首页</a><a href="/col/col1229412/index.html">政务公开</a><a href="/col/col1229413/index.html">政务服务</a><a href="/col/col1229414/index.html">政民互动</a><a href="/col/col1229415/index.html">走进诸暨</a></div>
"""
#: The site's top navigation: sections that hold no annual report (政务公开 leads to the 年报 column).
SECTIONS = {1229412: "政务公开", 1229413: "政务服务", 1229414: "政民互动", 1229415: "走进诸暨"}
FOOT = """<div class="footer"><p>主办单位:诸暨市人民政府办公室 &nbsp; 承办单位:诸暨市大数据发展中心</p>
<p>浙ICP备05035003号 &nbsp; 浙公网安备 33068102000101号 &nbsp; 网站标识码:3306810001</p>
<p>技术支持:南京大汉网络有限公司</p></div>
</body>
</html>
"""


class Zhuji(Portal):
    name = "zhuji"
    hosts = ("www.zhuji.gov.cn", "zhuji.gov.cn")
    flavor = "hanweb"
    content_type = "text/html;charset=UTF-8"
    id_range = (58_000_000, 4_000_000)
    extra_id_range = (70_000_000, 9_000_000)
    seeds = {(f"col{PARENT + 2}", 2023): ("001", dt.datetime(2024, 1, 26, 15, 12, 0), None)}  # 暨阳街道
    fault_year = 2007

    def handle(self, req: Request) -> Response:
        resp = super().handle(req)
        sid = f"{stable_int('sid', req.headers.get('user-agent', '')) % 16**32:032x}"
        resp = Response(resp.status, resp.body, resp.headers + [("Set-Cookie", f"SERVERID={sid}|1706250000|1706250000;Path=/")],
                        action=resp.action, last_modified=resp.last_modified, etag=resp.etag)
        return resp


    # ------------------------------------------------------------ content
    def agency_pool(self) -> list[Agency]:
        return [Agency(f"col{PARENT + 1 + i}", name, full, kind, tuple(range(first, 2025)),
                       extra={"col": PARENT + 1 + i, "code": AREA + code})
                for i, (name, full, kind, code, first) in enumerate(POOL)]

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        if agency.kind == "government" and year < 2019:
            return f"诸暨市{year}年政府信息公开工作年度报告"
        return (f"{year}年{agency.full}政府信息公开工作年度报告" if stable_int("t", agency.key, year) % 3
                else f"{agency.full}{year}年度政府信息公开工作年度报告")

    def index_no(self, report: Report) -> str:
        agency = report.agency
        serial = 154563 if report.seed else 100000 + stable_int("idx", agency.key, report.year) % 99999
        return f"{agency.extra['code']}/{report.published.year}-{serial}"

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        return f"/art/{when.year}/{when.month}/{when.day}/art_{agency.extra['col']}_{doc_id}.html"

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        last = agency.years[-1]
        titles = [(f"{agency.full}政府信息公开指南", last), (f"{agency.full}{last}年法治政府建设年度报告", last)]
        if agency.kind == "government":
            titles += [(f"诸暨市{y + 1}年政务公开工作要点", y) for y in range(last - 4, last + 1)]
            titles += [(f"{y + 1}年诸暨市政府工作报告", y) for y in (last - 1, last)]
        return titles

    def add_mess(self) -> None:
        gov = self.gov
        # One page is stored in GBK while the server and the page both say UTF-8.
        next(e.target for e in gov.entries if e.role == "report" and e.target.year == 2016).mess.add("gbk")
        for r, h in self.draws():
            if h < 12:
                self._attach(r, "pdf")
            elif h < 15:
                self._attach(r, "doc")
            elif h < 17:
                self._attach(r, "xlsx", text=f"{r.year}年政府信息公开情况统计表.xlsx")
        # The same article linked a second time with the disclosure module's ?xxgkhide=1.
        second = self.columns[1]
        twin = next(e.target for e in second.entries if e.role == "report" and e.target.year == 2022)
        second.entries.append(Entry(twin.title, twin.published, twin.path + "?xxgkhide=1", twin, "twin"))
        # A withdrawn report, still in the list.
        self.add_dead(second, f"{second.agency.full}2020年政府信息公开工作年度报告(已撤回)",
                      dt.datetime(2021, 1, 28, 10, 0, 0), 61_999_999, 2020)

    def _attach(self, report: Report, ext: str, text: str | None = None) -> Attachment:
        token = f"{stable_int('file', report.doc_id, ext) % 10**12:012d}"
        name = text or f"{report.title}.{ext}"
        return self.attach(report, self._download_path(token, ext), ext, name, name)

    def _download_path(self, token: str, ext: str) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={token}.{ext}"

    def add_extra(self, extra) -> Report:
        report = super().add_extra(extra)
        report.index_no = f"{report.agency.extra['code']}/{report.published.year}-{report.doc_id % 1000000}"
        return report

    def extra_file_path(self, report: Report, ext: str) -> str:
        return self._download_path(f"{stable_int('file', report.doc_id) % 10**12:012d}", ext)

    def layout_fault_agency(self) -> Agency:
        n = PARENT + 200
        return Agency(f"col{n}", "市经济开发区管委会", "诸暨经济开发区管理委员会", "department", (2023,),
                      extra={"col": n, "code": AREA + "003001"})

    # ------------------------------------------------------------ routes
    def route_lists(self, column: Column) -> None:
        self.route(f"/col/col{column.agency.extra['col']}/index.html", lambda req, c=column: self.cached(
            f"col:{c.key}", lambda: self._column_page(c)))

    def route_report(self, report: Report, column: Column) -> None:
        self.route(report.path, lambda req, r=report, c=column: self.report_response(
            r, f"{r.path}:{req.args.get('xxgkhide')}", lambda: self._detail(r, c, req.args.get("xxgkhide") == "1")))

    def route_file(self, att: Attachment) -> None:
        self._files[att.path.split("filename=")[1]] = att

    def route_site(self) -> None:
        self.route(f"/col/col{PARENT}/index.html", lambda req: self.cached("parent", self._parent))
        for col, name in SECTIONS.items():
            self.route(f"/col/col{col}/index.html", lambda req, c=col, n=name: self.cached(
                f"section:{c}", lambda: self._section(n)))
        self.route("/module/jpage/dataproxy.jsp", self._dataproxy)
        self.route("/module/download/downfile.jsp", self._download)
        self.route("/module/xxgk/xxgkAnnualReport.jsp", self._annual_report_view)
        self.route("/", lambda req: html_response(HEAD.format(title="诸暨市人民政府", metas="") + TOP
                                                  + f'<a href="/col/col{PARENT}/index.html">政府信息公开年报</a>'
                                                  + FOOT, self.content_type))

    @cached_property
    def by_col(self) -> dict[str, Column]:
        return {str(column.agency.extra["col"]): column for column in self.columns}

    @cached_property
    def _files(self) -> dict[str, Attachment]:
        """Attachments by the file name the download script is asked for."""
        return {}

    @staticmethod
    def _uid(col: int) -> int:
        return 4_700_000 + col % 100_000

    def _page(self, title: str, main: str, metas: str = "", chrome: bool = True, encoding: str = "utf-8",
              **kw) -> Response:
        html = HEAD.format(title=escape(title), metas=metas) + (TOP if chrome else "") + main + (FOOT if chrome else "</body></html>")
        return html_response(html.encode(encoding, "xmlcharrefreplace"), self.content_type, **kw)

    def _nav(self, current: Column | None) -> str:
        items = "".join(
            f'<li{ON if c is current else ""}><a href="/col/col{c.agency.extra["col"]}/index.html">{escape(c.name)}</a></li>'
            for c in self.columns)
        return f'<div class="left-nav"><div class="left-title">政府信息公开年报</div><ul>{items}</ul></div>'

    def _crumb(self, column: Column | None) -> str:
        tail = f' &gt; <a href="/col/col{column.agency.extra["col"]}/index.html">{escape(column.name)}</a>' if column else ""
        return (f'<div class="position">当前位置:<a href="/">首页</a> &gt; <a href="/col/col1229412/index.html">政务公开</a>'
                f' &gt; <a href="/col/col{PARENT}/index.html">政府信息公开年报</a>{tail}</div>')

    def _parent(self) -> Response:
        years = sorted({r.year for r in self.reports}, reverse=True)[:6]
        code = self.columns[0].agency.extra["code"]
        views = "".join(f'<li><a href="/module/xxgk/xxgkAnnualReport.jsp?area={AREA}&fbtime={y}" target="_blank">{y}年度</a></li>'
                        for y in years)
        main = (self._crumb(None) + '<div class="main">' + self._nav(None)
                + '<div class="main-right"><div class="intro">按单位浏览政府信息公开工作年度报告。</div>'
                + f'<div class="nb-years" data-area="{code}"><h4>按年度查看</h4><ul>{views}</ul></div></div></div>')
        return self._page("政府信息公开年报 诸暨市人民政府", main)

    def _record(self, e: Entry) -> str:
        return (f"<li><a href='{e.href}' title='{escape(e.title, quote=True)}' target='_blank'>{escape(e.title)}</a>"
                f"<span>{e.date:%Y-%m-%d}</span></li>")

    def _column_page(self, column: Column) -> Response:
        col = column.agency.extra["col"]
        uid = self._uid(col)
        first = column.entries[: PER_PAGE * GROUP_PAGES]
        total = len(column.entries)
        if column.broken:
            cards = "".join(f'<div class="list-item" data-url="{stable_int(e.href) % 10**9}">{escape(e.title)}'
                            f"<i>{e.date:%Y.%m.%d}</i></div>" for e in column.entries[:PER_PAGE])
            listing = f'<div id="{uid}" class="list-new">{cards}</div>'
        else:
            records = "".join(f"<record><![CDATA[{self._record(e)}]]></record>\n" for e in first)
            nextgroup = (f'<a href="/module/jpage/dataproxy.jsp?page=1&webid={WEBID}&path=/&columnid={col}'
                         f'&unitid={uid}&webname={quote(WEBNAME)}&permissiontype=0"></a>')
            listing = (f'<div id="{uid}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n'
                       f"<recordset>\n{records}</recordset>\n</datastore></script></div>\n"
                       '<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>\n'
                       f"<script>var param_{uid} = {{col:1,appid:1,webid:{WEBID},path:'/',columnid:{col},"
                       f"sourceContentType:1,unitid:'{uid}',webname:'{WEBNAME}',permissiontype:0}};\n"
                       f"$('#{uid}').jpage({{baseUrl:'/module/jpage/dataproxy.jsp',dataStore:$('#{uid} script').html(),"
                       f"perPage:{PER_PAGE},totalRecord:{total},groupSize:{GROUP_PAGES},proxyUrl:'/module/jpage/dataproxy.jsp',"
                       f"ajaxParam:param_{uid},showMode:'full',pageInfo:true}});</script>")
        main = (self._crumb(column) + '<div class="main">' + self._nav(column)
                + f'<div class="main-right"><div class="column-name">{escape(column.name)}</div>{listing}</div></div>')
        return self._page(f"{column.name} 政府信息公开年报 诸暨市人民政府", main)

    def _dataproxy(self, req: Request) -> Response:
        params = {**req.args, **req.form}
        column = self.by_col.get(params.get("columnid", ""))
        try:
            start = max(1, int(params.get("startrecord", 1)))
            end = int(params.get("endrecord", start + PER_PAGE * GROUP_PAGES - 1))
        except ValueError:
            start, end = 1, 0
        entries = [] if column is None or column.broken else column.entries
        records = "".join(f"<record><![CDATA[{self._record(e)}]]></record>\n" for e in entries[start - 1:end])
        per = int(params.get("perpage") or PER_PAGE)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
               f"<totalrecord>{len(entries)}</totalrecord>\n<totalpage>{-(-len(entries) // max(per, 1))}</totalpage>\n"
               f"<recordset>\n{records}</recordset>\n</datastore>")
        return Response(200, xml.encode(), [("Content-Type", "text/xml;charset=UTF-8")])

    def _download(self, req: Request) -> Response:
        att = self._files.get(req.args.get("filename", ""))
        if att is None:
            return html_response("<html><body>文件不存在</body></html>", self.content_type, status=404)
        disposition = f"attachment; filename*=UTF-8''{quote(att.filename)}"
        return self.file_response(att, [("Content-Type", "application/octet-stream"),
                                        ("Content-Disposition", disposition)])

    def _annual_report_view(self, req: Request) -> Response:
        area, year = req.args.get("area", ""), req.args.get("fbtime", "")
        rows = []
        for column in self.columns:
            for e in column.entries:
                r = e.target
                if (e.role == "report" and isinstance(r, Report) and r.index_no.startswith(area)
                        and str(r.year) == year and not r.fault):
                    rows.append(f'<tr><td><a href="{r.path}?xxgkhide=1" target="_blank">{escape(r.title)}</a></td>'
                                f"<td>{escape(r.agency.name)}</td><td>{r.published:%Y-%m-%d}</td></tr>")
        main = ('<div class="xxgk-nb"><table class="nb-list"><tr><th>标题</th><th>发布机构</th><th>公开日期</th></tr>'
                + "".join(rows) + "</table></div>")
        return self._page(f"{year}年度政府信息公开年报", main, chrome=False)

    def _detail(self, report: Report, column: Column, hide: bool) -> Response:
        body = report.body(self.flavor)
        fj = ""
        if report.attachments:
            items = "".join(f'<li><a href="{escape(a.path)}" target="_blank">{escape(a.link_text)}</a></li>'
                            for a in report.attachments)
            fj = f'<div class="fjdown"><span>附件:</span><ul class="fjxx">{items}</ul></div>'
        table = ('<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">'
                 f'<tr><td class="tit">索引号:</td><td>{escape(report.index_no)}</td><td class="tit">分类:</td><td>政府信息公开年报</td></tr>'
                 f'<tr><td class="tit">发布机构:</td><td>{escape(column.name)}</td><td class="tit">公开日期:</td><td>{report.published:%Y-%m-%d}</td></tr>'
                 f'<tr><td class="tit">文号:</td><td></td><td class="tit">公开方式:</td><td>主动公开</td></tr></table>')
        title = f'<div class="title">{escape(report.title)}</div>'
        newer = report.published >= dt.datetime(2020, 1, 1)
        content = (f'<div id="zoom">{body}</div>' if newer
                   else f'<div class="main-fl bt-left"><div class="bt-content">{body}</div></div>')
        metas = (f'<meta name="ArticleTitle" content="{escape(report.title)}" />\n'
                 f'<meta name="PubDate" content="{report.published:%Y-%m-%d %H:%M}" />\n'
                 f'<meta name="ContentSource" content="{escape(column.name)}" />\n'
                 f'<meta name="ColumnName" content="政府信息公开年报" />\n')
        main = ("" if hide else self._crumb(column)) + f'<div class="article">{table}{title}{content}{fj}</div>'
        encoding = "gbk" if "gbk" in report.mess else "utf-8"
        return self._page(report.title, main, metas, chrome=not hide, encoding=encoding,
                          last_modified=report.published, etag=True)

    def _section(self, name: str) -> Response:
        links = ['<li><a href="/col/col%d/index.html">政府信息公开年报</a></li>' % PARENT] if name == "政务公开" else []
        links += [f'<li><a href="/">{escape(name)}{topic}</a></li>' for topic in ("动态", "专题", "服务指引")]
        main = (f'<div class="position">当前位置:<a href="/">首页</a> &gt; {escape(name)}</div>'
                f'<div class="main"><div class="section-list"><h3>{escape(name)}</h3><ul>{"".join(links)}</ul></div></div>')
        return self._page(f"{name} 诸暨市人民政府", main)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (self._crumb(column) + f'<div class="article"><div class="title">{escape(art.title)}</div>'
                f'<div id="zoom">{art.body(self.flavor)}</div></div>')
        return self._page(art.title, main)
