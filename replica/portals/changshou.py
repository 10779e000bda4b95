"""Changshou district, Chongqing: TRS WCM on the municipal site cluster (www.cqcs.gov.cn).

Static pages; `Content-Type: text/html` with no charset. The annual-report tree's root lists every
column in its left menu; a column's list is `index.html`, `index_1.html` ... with the page count only
in `createPage(total, current, "index", "html")`; entries link `./YYYYMM/tYYYYMMDD_<docid>.html`,
every detail page has a `_wap.html` twin, attachments are `./P0YYYYMMDD<digits>.<ext>`.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urljoin

from ..site import (
    Agency, Article, Attachment, Column, Entry, Portal, Report, Request, Response, html_response, redirect, stable_int,
)

ROOT = "/zwgk_164/zfxxgknb/"
PER_PAGE = 10

TOWNS = [
    ("wsz_65331", "万顺镇"), ("slz_65326", "双龙镇"), ("fcjd_65318", "凤城街道"), ("yjjd_65319", "晏家街道"),
    ("jnjd_65320", "江南街道"), ("dzjd_65321", "渡舟街道"), ("xsjd_65322", "新市街道"), ("bkjd_65323", "八颗街道"),
    ("lfz_65324", "邻封镇"), ("ddz_65325", "但渡镇"), ("lhz_65327", "龙河镇"), ("syz_65328", "石堰镇"),
    ("ytz_65329", "云台镇"), ("htz_65330", "海棠镇"), ("hhz_65332", "洪湖镇"), ("glz_65333", "葛兰镇"),
    ("cshz_65334", "长寿湖镇"), ("yjz_65335", "云集镇"),
]
DEPARTMENTS = [
    ("fgw_65401", "区发展改革委"), ("jw_65402", "区教委"), ("kjj_65403", "区科技局"), ("mzj_65404", "区民政局"),
    ("czj_65405", "区财政局"), ("rlsbj_65406", "区人力社保局"), ("ghzrzyj_65407", "区规划自然资源局"),
    ("sthjj_65408", "区生态环境局"), ("zfcxjw_65409", "区住房城乡建委"), ("jtj_65410", "区交通局"),
    ("slj_65411", "区水利局"), ("nyncw_65412", "区农业农村委"), ("swjw_65413", "区商务委"),
    ("whlyw_65414", "区文化旅游委"), ("wsjkw_65415", "区卫生健康委"), ("yjj_65416", "区应急局"),
    ("scjgj_65417", "区市场监管局"), ("tjj_65418", "区统计局"), ("ybj_65419", "区医保局"),
]


def _pool() -> list[Agency]:
    gov = Agency("qzfxxgknb/csq", "区政府", "重庆市长寿区人民政府", "government", tuple(range(2014, 2025)))
    towns = [Agency(f"xzndbg/{slug}", name, f"重庆市长寿区{name}{'办事处' if name.endswith('街道') else '人民政府'}",
                    "town", tuple(range(2019, 2025))) for slug, name in TOWNS]
    depts = [Agency(f"bmndbg/{slug}", name, f"重庆市长寿{name[1:]}" if name.startswith("区") else name,
                    "department", tuple(range(2018, 2025))) for slug, name in DEPARTMENTS]
    # Interleave so that scale 1 has the government, towns and departments.
    order = [gov, towns[0], towns[1], depts[0], towns[2], depts[1]]
    rest = [a for a in towns[2:] + depts if a not in order]
    return order + rest


def _titles(agency: Agency, year: int) -> str:
    if agency.kind == "government":
        variants = (
            f"{agency.full}{year}年政府信息公开工作年度报告",
            f"长寿区人民政府{year}年度政府信息公开工作年度报告",
            f"长寿区{year}年政府信息公开工作年度报告",
        )
        return variants[stable_int("title", agency.key, year) % len(variants)]
    variants = (
        f"{agency.full}{year}年政府信息公开工作年度报告",
        f"{agency.full}{year}年度政府信息公开工作年度报告",
        f"长寿区{agency.name}{year}年政府信息公开工作年度报告",
        f"{agency.name}{year}年政府信息公开年度报告",
    )
    return variants[stable_int("title", agency.key, year) % len(variants)]


HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}</title>
{metas}<link rel="stylesheet" href="/images/common.css">
<script src="/images/jquery.min.js"></script>
</head>
<body>
<div class="header"><div class="logo"><a href="/"><img src="/images/logo.png" alt="重庆市长寿区人民政府"></a></div>
<div class="search"><form action="/search/index.html" method="get"><input name="searchWord" type="text"><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk_164/">政务公开</a></li><li><a href="/bsfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjcs/">走进长寿</a></li></ul></div>
"""
FOOT = """<div class="footer"><p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a></p>
<p>主办:重庆市长寿区人民政府办公室 &nbsp; 承办:重庆市长寿区大数据应用发展管理局</p>
<p>网站标识码:5001150001 &nbsp; 渝ICP备05003303号 &nbsp; 渝公网安备 50011502000101号</p></div>
</body>
</html>
"""
CREATE_PAGE_JS = """<script>
function createPage(total, current, prefix, suffix) {
  var html = [];
  if (total <= 1) { return; }
  html.push('<span>共' + total + '页</span>');
  for (var i = 0; i < total; i++) {
    var name = i == 0 ? prefix + '.' + suffix : prefix + '_' + i + '.' + suffix;
    html.push(i == current ? '<span class="current">' + (i + 1) + '</span>' : '<a href="' + name + '">' + (i + 1) + '</a>');
  }
  document.write(html.join(' '));
}
</script>"""


class Changshou(Portal):
    name = "changshou"
    hosts = ("www.cqcs.gov.cn", "cqcs.gov.cn")
    flavor = "trs"
    content_type = "text/html"  # the real server sends no charset
    id_range = (4_000_000, 8_000_000)
    extra_id_range = (90_000_000, 9_000_000)
    seeds = {("xzndbg/wsz_65331", 2022): ("000", dt.datetime(2023, 1, 18, 10, 24, 0), 11519914)}
    fault_year = 2013

    # ------------------------------------------------------------ content
    def agency_pool(self) -> list[Agency]:
        return _pool()

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        if seed == "000":
            return "重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告"
        return _titles(agency, year)

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        return f"{ROOT}{agency.key}/{when:%Y%m}/t{when:%Y%m%d}_{doc_id}.html"

    def href(self, column: Column, path: str) -> str:
        base = f"{ROOT}{column.key}/"
        return "./" + path[len(base):] if path.startswith(base) else path

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        last = agency.years[-1]
        titles = [(f"{agency.name}政府信息公开指南", last), (f"{last + 1}年政务公开工作要点", last)]
        if agency.kind == "government":
            titles += [(f"{y + 1}年政府工作报告", y) for y in (last - 1, last)]
            titles += [(f"长寿区{y}年法治政府建设年度报告", y) for y in (last - 2, last - 1, last)]
            titles += [(f"{y + 1}年政务公开工作要点", y) for y in (last - 2, last - 1)]
            titles.append((f"长寿区{last}年政府信息公开工作年度报告解读", last))
        elif agency.kind == "department":
            titles.append((f"{agency.name}{last}年法治政府建设年度报告", last))
        return titles

    def add_mess(self) -> None:
        by_key = {c.key: c for c in self.columns}
        gov = by_key["qzfxxgknb/csq"]
        # Twins: a _wap.html copy and an http:// copy of two reports listed a second time.
        reports = [e.target for e in gov.entries if e.role == "report"]
        wap = next(r for r in reports if r.year == 2021)
        http = next(r for r in reports if r.year == 2016)
        gov.entries.append(Entry(wap.title, wap.published, self.href(gov, wap.path)[:-5] + "_wap.html", wap, "twin"))
        gov.entries.append(Entry(http.title, http.published, f"http://www.cqcs.gov.cn{http.path}", http, "twin"))
        # A report moved when the cluster relaunched in 2020: the list still links its old address.
        moved = next(r for r in reports if r.year == 2018)
        old_when = moved.published
        moved.published = dt.datetime(2020, 4, 16, 9, 0, 0)
        moved.path = self.page_path(gov.agency, moved.doc_id + 7, moved.published, moved.year)
        moved.old_path = self.page_path(gov.agency, moved.doc_id, old_when, moved.year)
        entry = next(e for e in gov.entries if e.target is moved)
        entry.href = self.href(gov, moved.old_path)
        entry.date = old_when
        # Attachments: a PDF copy on some report pages, a DOCX on one, an XLS table on another.
        for r, h in self.draws(moved):
            if h < 10:
                self._attach(r, "pdf")
            elif h < 12:
                self._attach(r, "docx")
            elif h < 14:
                self._attach(r, "xls", text="附表:政府信息公开情况统计表")
        # A town that linked its report straight to the PDF from the list.
        town = by_key["xzndbg/slz_65326"]
        target = next(e for e in town.entries if e.role == "report" and e.target.year == 2020)
        r = target.target
        self.reports.remove(r)
        att = self._attach(r, "pdf")
        r.attachments.clear()
        target.href, target.target, target.role = self.href(town, att.path), att, "attachment"
        # A deleted report: still listed, the page is gone.
        self.add_dead(town, f"{town.agency.full}2016年政府信息公开工作年度报告", dt.datetime(2020, 1, 20, 9, 0, 0),
                      self.ids.get("dead", town.key), 2016)

    def _attach(self, report: Report, ext: str, text: str | None = None) -> Attachment:
        n = stable_int("P0", report.doc_id, ext) % 10**12
        return self.attach(report, self._file_path(report, n, ext), ext, text or f"{report.title}.{ext}",
                           f"{report.title}.{ext}")

    def _file_path(self, report: Report, n: int, ext: str) -> str:
        # Files sit beside the page: ./P0<date><digits>.<ext>
        return report.path.rsplit("/", 1)[0] + f"/P0{report.published:%Y%m%d}{n:012d}.{ext}"

    def extra_file_path(self, report: Report, ext: str) -> str:
        return self._file_path(report, stable_int("P0", report.doc_id) % 10**12, ext)

    def layout_fault_agency(self) -> Agency:
        return Agency("bmndbg/gxq_65499", "长寿经开区管委会", "重庆长寿经济技术开发区管理委员会", "department", (2023,))

    def resolve(self, column: Column, href: str) -> str:
        return urljoin(f"https://{self.host}{ROOT}{column.key}/", href)

    # ------------------------------------------------------------ routes
    def route_lists(self, column: Column) -> None:
        base = f"{ROOT}{column.key}/"
        pages = max(1, -(-len(column.entries) // PER_PAGE))
        for n in range(pages):
            name = "index.html" if n == 0 else f"index_{n}.html"
            self.route(base + name, lambda req, c=column, n=n, p=pages: self.cached(
                f"list:{c.key}:{n}", lambda: self._list_page(c, n, p)))
        self.route(base, self.routes[base + "index.html"])

    def route_report(self, report: Report, column: Column) -> None:
        self.route(report.path, lambda req, r=report, c=column: self._detail(r, c, wap=False))
        self.route(report.path[:-5] + "_wap.html", lambda req, r=report, c=column: self._detail(r, c, wap=True))
        if report.old_path:
            self.route(report.old_path, lambda req, p=report.path: redirect(f"https://{self.host}{p}"))

    def route_site(self) -> None:
        self.route("/", lambda req: self._page("重庆市长寿区人民政府", "<p>欢迎访问</p>", ""))
        self.route("/zwgk_164/", lambda req: redirect("/zwgk_164/index.html", 302))
        self.route("/zwgk_164/index.html", lambda req: self._zwgk_home())
        self.route(ROOT, self._root)
        self.route(ROOT + "index.html", self._root)

    def _page(self, title: str, main: str, metas: str) -> Response:
        return html_response(HEAD.format(title=escape(title), metas=metas) + main + FOOT, self.content_type)

    def _menu(self, current: Column | None) -> str:
        groups = (("区政府", "qzfxxgknb/"), ("区级部门", "bmndbg/"), ("乡镇街道", "xzndbg/"))
        out = ['<div class="left-menu"><h3>政府信息公开年报</h3>']
        for label, prefix in groups:
            out.append(f'<div class="menu-group"><h4>{label}</h4><ul>')
            for c in self.columns:
                if c.key.startswith(prefix):
                    cls = ' class="on"' if c is current else ""
                    out.append(f'<li{cls}><a href="{ROOT}{c.key}/">{escape(c.name)}</a></li>')
            out.append("</ul></div>")
        out.append("</div>")
        return "".join(out)

    def _crumb(self, column: Column | None) -> str:
        tail = f' &gt; <a href="{ROOT}{column.key}/">{escape(column.name)}</a>' if column else ""
        return (f'<div class="crumb">您当前的位置: <a href="/">首页</a>&gt; <a href="/zwgk_164/">政务公开</a>&gt; '
                f'<a href="{ROOT}">政府信息公开年报</a>{tail}</div>')

    def _zwgk_home(self) -> Response:
        main = ('<div class="main"><ul class="zwgk-menu"><li><a href="/zwgk_164/zfxxgkzn/">政府信息公开指南</a></li>'
                '<li><a href="/zwgk_164/zfxxgkzd/">政府信息公开制度</a></li>'
                f'<li><a href="{ROOT}">政府信息公开年报</a></li></ul></div>')
        return self._page("政务公开_重庆市长寿区人民政府", main, "")

    def _root(self, req: Request) -> Response:
        def make() -> Response:
            blocks = []
            for c in self.columns:
                items = "".join(self._li(c, e) for e in c.entries[:5])
                blocks.append(f'<div class="col-block"><div class="col-title"><span>{escape(c.name)}</span>'
                              f'<a class="more" href="{ROOT}{c.key}/">更多&gt;&gt;</a></div>'
                              f'<ul class="list-cont">{items.replace("./", f"{ROOT}{c.key}/")}</ul></div>')
            main = (self._crumb(None) + '<div class="container">' + self._menu(None)
                    + '<div class="right-cont">' + "".join(blocks) + "</div></div>")
            return self._page("政府信息公开年报_重庆市长寿区人民政府", main, "")
        return self.cached("root", make)

    def _li(self, column: Column, e: Entry) -> str:
        return (f'<li><a href="{escape(e.href)}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a>'
                f"<span>{e.date:%Y-%m-%d}</span></li>")

    def _list_page(self, column: Column, n: int, pages: int) -> Response:
        entries = column.entries[n * PER_PAGE:(n + 1) * PER_PAGE]
        if column.broken:
            # A redesigned list: cards with script-driven navigation, no links.
            items = "".join(f'<div class="news-card" data-id="{stable_int(e.href) % 10**8}" onclick="openDoc(this)">'
                            f'<div class="card-title">{escape(e.title)}</div><em>{e.date:%Y/%m/%d}</em></div>'
                            for e in entries)
            listing = f'<div class="card-list">{items}</div>'
        else:
            listing = '<ul class="list-cont">' + "".join(self._li(column, e) for e in entries) + "</ul>"
        main = (self._crumb(column) + '<div class="container">' + self._menu(column)
                + f'<div class="right-cont"><div class="col-name">{escape(column.name)}</div>' + listing
                + f'<div class="page">{CREATE_PAGE_JS}<script>createPage({pages}, {n}, "index", "html");</script></div>'
                + "</div></div>")
        return self._page(f"{column.name}_政府信息公开年报_重庆市长寿区人民政府", main, "")

    def _detail(self, report: Report, column: Column, wap: bool) -> Response:
        return self.report_response(report, f"{report.path}:{wap}",
                                    lambda: self._render_detail(report, column, wap))

    def _render_detail(self, report: Report, column: Column, wap: bool) -> Response:
        body = report.body(self.flavor)
        files = ""
        if report.attachments:
            links = "".join(f'<p><a href="./{a.path.rsplit("/", 1)[1]}" OLDSRC="/protect/{a.path.rsplit("/", 1)[1]}">'
                            f"{escape(a.link_text)}</a></p>" for a in report.attachments)
            files = f'<div class="fj"><p>附件:</p>{links}</div>'
        metas = (f'<meta name="ArticleTitle" content="{escape(report.title)}">\n'
                 f'<meta name="PubDate" content="{report.published:%Y-%m-%d %H:%M}">\n'
                 f'<meta name="ContentSource" content="{escape(column.agency.full)}">\n'
                 f'<meta name="ColumnName" content="{escape(column.name)}">\n')
        if wap:
            page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
                    f"<title>{escape(report.title)}</title>{metas}</head><body class=\"wap\">"
                    f'<div class="wap-head"><a href="/">长寿区人民政府</a></div><h2>{escape(report.title)}</h2>'
                    f'<div class="wap-date">{report.published:%Y-%m-%d}</div>'
                    f'<div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">{body}</div>{files}</body></html>')
            return html_response(page, self.content_type, last_modified=report.published, etag=True)
        main = (self._crumb(column)
                + f'<div class="article"><div class="title"><h1>{escape(report.title)}</h1></div>'
                + f'<div class="info"><span>日期:{report.published:%Y-%m-%d}</span>'
                + f'<span>来源:{escape(column.agency.full)}</span>'
                + '<span class="font">字号:<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
                + '<a href="javascript:doZoom(14)">小</a></span></div>'
                + f'<div class="view TRS_UEDITOR trs_paper_default trs_web trs_editor_view" id="zoom">{body}</div>'
                + files
                + '<div class="qrcode"><div id="qrcode"></div><p>扫一扫在手机打开当前页</p></div>'
                + '<div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div></div>')
        page = HEAD.format(title=escape(report.title), metas=metas) + main + FOOT
        return html_response(page, self.content_type, last_modified=report.published, etag=True)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (self._crumb(column) + f'<div class="article"><div class="title"><h1>{escape(art.title)}</h1></div>'
                f'<div class="info"><span>日期:{art.published:%Y-%m-%d}</span></div>'
                f'<div class="view TRS_UEDITOR trs_paper_default trs_web trs_editor_view">{art.body(self.flavor)}</div></div>')
        metas = (f'<meta name="ArticleTitle" content="{escape(art.title)}">\n'
                 f'<meta name="PubDate" content="{art.published:%Y-%m-%d %H:%M}">\n')
        return self._page(art.title, main, metas)
