"""Linxiang district, Lincang, Yunnan: the Lincang city site cluster (www.ynlx.gov.cn).

The district's own subsite `/zfxxgk_lxq/` (its home and its year page `zfxxgknb.html`, where the
registry starts) lists each agency's disclosure subsite `/zfxxgk_lxq_<dept>/`. A subsite's
annual-report page `zfxxgknb.html?nbYear=YYYY` carries year tabs, but its report list is written by
JavaScript from a JSON answer (`/zfxxgk/nbList.do?orgCode=..&nbYear=..`): the HTML the server sends has
no report link. Details `/zfxxgk_lxq_<dept>/artview/195/<id>.html?nbYear=YYYY&orgCode=<code>` are
rendered on the server, without validators (a dynamic page). Some reports are only a PDF.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cached_property
from html import escape

from ..site import Agency, Article, Attachment, Column, Portal, Report, Request, Response, html_response, stable_int

CATALOG = 195
PREFIX = "/zfxxgk_lxq"
API = "/zfxxgk/nbList.do"

POOL = [
    ("", "临翔区人民政府", "临沧市临翔区人民政府", "government", "A01A03A02", 2016),
    ("_zwfwglj", "临翔区政务服务管理局", "临翔区政务服务管理局", "department", "A01A03A02A27", 2019),
    ("_tzcjj", "临翔区投资促进局", "临翔区投资促进局", "department", "A01A03A02A31", 2019),
    ("_fxjd", "凤翔街道", "临翔区凤翔街道办事处", "town", "A01A03A02B01", 2018),
    ("_bsz", "博尚镇", "临翔区博尚镇人民政府", "town", "A01A03A02B03", 2018),
    ("_jyj", "临翔区教育体育局", "临翔区教育体育局", "department", "A01A03A02A08", 2017),
    ("_mpjd", "忙畔街道", "临翔区忙畔街道办事处", "town", "A01A03A02B02", 2018),
    ("_nmx", "南美乡", "临翔区南美拉祜族乡人民政府", "town", "A01A03A02B04", 2018),
    ("_mydx", "蚂蚁堆乡", "临翔区蚂蚁堆乡人民政府", "town", "A01A03A02B05", 2018),
    ("_ztx", "章驮乡", "临翔区章驮乡人民政府", "town", "A01A03A02B06", 2018),
    ("_qnx", "圈内乡", "临翔区圈内乡人民政府", "town", "A01A03A02B07", 2018),
    ("_mtx", "马台乡", "临翔区马台乡人民政府", "town", "A01A03A02B08", 2018),
    ("_bdx", "邦东乡", "临翔区邦东乡人民政府", "town", "A01A03A02B09", 2018),
    ("_pcx", "平村乡", "临翔区平村彝族傣族乡人民政府", "town", "A01A03A02B10", 2018),
    ("_czj", "临翔区财政局", "临翔区财政局", "department", "A01A03A02A10", 2017),
    ("_mzj", "临翔区民政局", "临翔区民政局", "department", "A01A03A02A09", 2017),
    ("_wjj", "临翔区卫生健康局", "临翔区卫生健康局", "department", "A01A03A02A20", 2019),
    ("_nyj", "临翔区农业农村局", "临翔区农业农村局", "department", "A01A03A02A17", 2019),
    ("_zrj", "临翔区自然资源局", "临翔区自然资源局", "department", "A01A03A02A13", 2019),
    ("_zjj", "临翔区住房和城乡建设局", "临翔区住房和城乡建设局", "department", "A01A03A02A14", 2017),
    ("_rsj", "临翔区人力资源和社会保障局", "临翔区人力资源和社会保障局", "department", "A01A03A02A11", 2017),
    ("_scj", "临翔区市场监督管理局", "临翔区市场监督管理局", "department", "A01A03A02A22", 2019),
    ("_jtj", "临翔区交通运输局", "临翔区交通运输局", "department", "A01A03A02A15", 2017),
    ("_yjj", "临翔区应急管理局", "临翔区应急管理局", "department", "A01A03A02A24", 2019),
]

HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="renderer" content="webkit">
<title>{title}</title>
<link rel="stylesheet" href="/zfxxgk/css/common.css">
</head>
<body>
<div class="head"><div class="head-in"><img src="/zfxxgk/images/logo.png" alt="临翔区人民政府信息公开"><span>{site}</span></div></div>
"""
FOOT = """<div class="footer"><p>主办单位:临沧市临翔区人民政府办公室 &nbsp; 承办单位:临翔区融媒体中心</p>
<p>网站标识码:5309020001 &nbsp; 滇ICP备09002612号 &nbsp; 滇公网安备 53090202000101号</p>
<p>临沧市政府网站群</p></div>
</body>
</html>
"""

LIST_SCRIPT = """<script>
(function () {
  var box = document.getElementById('nbList');
  var base = box.getAttribute('data-base'), org = box.getAttribute('data-org'), year = box.getAttribute('data-year');
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '%(api)s?catalogId=%(catalog)d&orgCode=' + org + '&nbYear=' + year + '&_=' + new Date().getTime());
  xhr.onload = function () {
    var res = JSON.parse(xhr.responseText), html = [];
    if (res.code !== 0) { box.innerHTML = '<li class="empty">暂无数据</li>'; return; }
    var rows = %(rows)s;
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i];
      var href = d.url || (base + '/artview/%(catalog)d/' + d.id + '.html?nbYear=' + year + '&orgCode=' + org);
      %(item)s
    }
    box.innerHTML = html.length ? html.join('') : '<li class="empty">暂无数据</li>';
  };
  xhr.send();
})();
</script>"""
ITEM_LINK = "html.push('<li><a href=\"' + href + '\" target=\"_blank\" title=\"' + d.title + '\">' + d.title + '</a><span>' + d.pubDate.substring(0, 10) + '</span></li>');"
ITEM_BROKEN = "html.push('<li class=\"nb-item\" onclick=\"openDoc(' + d.docId + ')\"><em>' + d.name + '</em></li>');"


def year_asked(req: Request, years: list[int]) -> int:
    """The year a year page is asked for (`nbYear`), the latest one when none or a bad one is given."""
    try:
        return int(req.args.get("nbYear") or years[0])
    except ValueError:
        return years[0]


class Linxiang(Portal):
    name = "linxiang"
    hosts = ("www.ynlx.gov.cn", "ynlx.gov.cn")
    flavor = "lincang"
    content_type = "text/html;charset=UTF-8"
    id_range = (100_000, 120_000)
    extra_id_range = (300_000, 600_000)
    seeds = {(PREFIX + "_zwfwglj", 2021): ("004", dt.datetime(2022, 2, 15, 5, 10, 0), 148304)}
    fault_year = 2015

    # ------------------------------------------------------------ content
    def agency_pool(self) -> list[Agency]:
        return [Agency(PREFIX + suffix, name, full, kind, tuple(range(first, 2025)), extra={"org": org})
                for suffix, name, full, kind, org, first in POOL]

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        return (f"{agency.full}{year}年政府信息公开工作年度报告" if stable_int("t", agency.key, year) % 2
                else f"{agency.full}{year}年度政府信息公开工作年度报告")

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        return f"{agency.key}/artview/{CATALOG}/{doc_id}.html?nbYear={year}&orgCode={agency.extra['org']}"

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        # Items filed in the annual-report catalogue that are not annual reports.
        last = agency.years[-1]
        return [(f"{agency.full}{last}年法治政府建设年度报告", last),
                (f"{agency.full}{last - 1}年度政府信息公开工作年度报告解读", last - 1)]

    def add_mess(self) -> None:
        for r, h in self.draws():
            if h < 12:
                # The report is only the PDF: the page says "see the attachment".
                r.attachment_only = True
                self._attach(r, "pdf")
            elif h < 16:
                self._attach(r, "docx")
        gov = self.gov
        self.add_dead(gov, f"{gov.agency.full}2017年政府信息公开工作年度报告", dt.datetime(2018, 1, 30, 10, 0), 99999, 2017)

    def _attach(self, report: Report, ext: str) -> Attachment:
        n = stable_int("att", report.doc_id, ext) % 10**10
        path = f"/uploadfiles/{report.published:%Y/%m/%d}/{n}.{ext}"
        return self.attach(report, path, ext, f"{report.title}.{ext}", f"{n}.{ext}")

    def extra_file_path(self, report: Report, ext: str) -> str:
        return f"/uploadfiles/{report.published:%Y/%m/%d}/{report.doc_id}.{ext}"

    def layout_fault_agency(self) -> Agency:
        return Agency(PREFIX + "_tjj", "临翔区统计局", "临翔区统计局", "department", (2023,), extra={"org": "A01A03A02A29"})

    # ------------------------------------------------------------ routes
    def route_lists(self, column: Column) -> None:
        base = column.key
        self.route(f"{base}/index.html", lambda req, c=column: self.cached(f"home:{c.key}", lambda: self._home(c)))
        self.route(f"{base}/", self.routes[f"{base}/index.html"])
        self.route(f"{base}/zfxxgknb.html", lambda req, c=column: self._nb_page(c, req))

    def route_site(self) -> None:
        self.route(API, self._api)

    @cached_property
    def by_org(self) -> dict[str, Column]:
        return {column.agency.extra["org"]: column for column in self.columns}

    # ------------------------------------------------------------ pages
    def _page(self, title: str, site: str, main: str, **kw) -> Response:
        return html_response(HEAD.format(title=escape(title), site=escape(site)) + main + FOOT, self.content_type, **kw)

    def _nav(self, column: Column) -> str:
        base = column.key
        return (f'<div class="nav"><a href="{base}/index.html">首页</a><a href="{base}/zfxxgkzn.html">政府信息公开指南</a>'
                f'<a href="{base}/zfxxgkzd.html">政府信息公开制度</a><a href="{base}/fdzdgknr.html">法定主动公开内容</a>'
                f'<a href="{base}/zfxxgknb.html">政府信息公开年报</a></div>')

    def _units(self) -> str:
        """The district's box of its agencies' subsites, on its own subsite's pages."""
        units = "".join(f'<li><a href="{c.key}/index.html" target="_blank">{escape(c.agency.full)}</a>'
                        f' <a class="nb" href="{c.key}/zfxxgknb.html">年报</a></li>' for c in self.columns[1:])
        return f'<div class="box"><h3>部门信息公开</h3><ul class="units">{units}</ul></div>'

    def _home(self, column: Column) -> Response:
        if column is self.columns[0]:
            main = self._nav(column) + f'<div class="main">{self._units()}</div>'
        else:
            main = self._nav(column) + f'<div class="main"><p>{escape(column.agency.full)}政府信息公开</p></div>'
        return self._page(f"{column.agency.full}政府信息公开", column.agency.full, main)

    def _years(self, column: Column) -> list[int]:
        return sorted({e.year for e in column.entries}, reverse=True)

    def _nb_page(self, column: Column, req: Request) -> Response:
        years = self._years(column)
        year = year_asked(req, years)
        return self.cached(f"nb:{column.key}:{year}", lambda: self._render_nb(column, year, years))

    def _render_nb(self, column: Column, year: int, years: list[int]) -> Response:
        tabs = "".join(f'<li{" class=on" if y == year else ""}><a href="zfxxgknb.html?nbYear={y}">{y}年</a></li>' for y in years)
        script = LIST_SCRIPT % {"api": API, "catalog": CATALOG, "item": ITEM_BROKEN if column.broken else ITEM_LINK,
                                "rows": "res.result.list" if column.broken else "res.data"}
        main = (self._nav(column) + '<div class="main"><div class="crumb">当前位置:<a href="index.html">首页</a> &gt; 政府信息公开年报</div>'
                f'<ul class="year-tab">{tabs}</ul>'
                f'<ul class="nb-list" id="nbList" data-base="{column.key}" data-org="{column.agency.extra["org"]}" data-year="{year}">'
                "<li class=\"loading\">加载中...</li></ul>" + (self._units() if column is self.columns[0] else "")
                + "</div>" + script)
        return self._page(f"政府信息公开年报-{column.agency.full}", column.agency.full, main)

    def _api(self, req: Request) -> Response:
        column = self.by_org.get(req.args.get("orgCode", ""))
        try:
            year = int(req.args.get("nbYear", "0"))
        except ValueError:
            year = 0
        if column is None:
            body = {"code": 1, "msg": "机构不存在", "data": []}
        else:
            data = [{"id": e.target.doc_id if e.target else int(e.href.split("/")[-1].split(".")[0]),
                     "title": e.title, "pubDate": f"{e.date:%Y-%m-%d %H:%M}", "orgName": column.agency.full}
                    for e in column.entries if e.year == year]
            body = {"code": 0, "msg": "success", "total": len(data), "data": data}
            if column.broken:  # the redesigned list answers in another shape
                body = {"code": 0, "result": {"list": [{"docId": d["id"], "name": d["title"]} for d in data]}}
        return Response(200, json.dumps(body, ensure_ascii=False).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    def detail_page(self, report: Report, column: Column) -> Response:
        views = 30 + stable_int("views", report.doc_id) % 400
        files = ""
        if report.attachments:
            files = '<div class="attach"><p>附件:</p>' + "".join(
                f'<p><a href="{a.path}" target="_blank">{escape(a.link_text)}</a></p>' for a in report.attachments) + "</div>"
        body = report.body(self.flavor)
        if report.attachment_only:
            body = "<p>详见附件。</p>"
        main = (self._nav(column) + f'<div class="main article"><h2 class="art-title">{escape(report.title)}</h2>'
                f'<div class="art-info">发布日期:{report.published:%Y-%m-%d %H:%M} 信息来源:临沧市政府网站群 浏览次数:{views} '
                '字体:【<a href="javascript:;" class="big">大</a> <a href="javascript:;" class="mid">中</a> <a href="javascript:;" class="small">小</a>】</div>'
                f'<div class="art-content" id="zoom">{body}</div>{files}</div>')
        return self._page(report.title, column.agency.full, main)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (self._nav(column) + f'<div class="main article"><h2 class="art-title">{escape(art.title)}</h2>'
                f'<div class="art-info">发布日期:{art.published:%Y-%m-%d %H:%M} 信息来源:临沧市政府网站群</div>'
                f'<div class="art-content">{art.body(self.flavor)}</div></div>')
        return self._page(art.title, column.agency.full, main)
