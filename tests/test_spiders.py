"""The spider side on small pages written here: platform bases, twins, titles, dates, failures."""

from __future__ import annotations

import json
import logging

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError, TimeoutError as TxTimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed
from twisted.web.http import _DataLoss

from crawler import signals
from crawler.dates import parse_date
from crawler.items import ReportItem
from crawler.outcomes import classify
from crawler.spider import breadcrumb
from crawler.titles import is_annual_report
from crawler.urls import canonical_url, is_attachment_response, is_attachment_url, list_key
from spiders.registry import ChangshouSpider
from spiders.registry import DongguanSpider
from spiders.registry import LinxiangSpider
from spiders.registry import YanpingSpider
from spiders.registry import ZhujiSpider


def make_spider(cls):
    crawler = get_crawler(cls)
    crawler.spider = cls.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler.spider


def page(url: str, html: str, meta: dict | None = None, status: int = 200, headers=None, cls=HtmlResponse) -> Response:
    request = Request(url, meta=meta or {})
    return cls(url=url, body=html.encode("utf-8"), encoding="utf-8", request=request, status=status, headers=headers)


def requests_of(results) -> list[scrapy.Request]:
    return [r for r in results if isinstance(r, scrapy.Request)]


def report_urls(results) -> list[str]:
    return [r.url for r in requests_of(results) if r.meta.get("nianbao_report")]


# -- shared pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "twin",
    [
        "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html",
        "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914_wap.html",
        "http://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html",
        "http://cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914_wap.html#top",
        "https://CQCS.gov.cn:443/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html",
    ],
)
def test_changshou_twins_fold_into_one_address(twin):
    assert canonical_url(twin, ChangshouSpider().twins) == (
        "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html"
    )


def test_zhuji_xxgkhide_twin_folds_and_other_parameters_stay():
    rules = ZhujiSpider.twins
    plain = "https://www.zhuji.gov.cn/art/2024/1/26/art_1229426_59083432.html"
    assert canonical_url(plain + "?xxgkhide=1", rules) == plain
    assert canonical_url(
        "https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27"
    ) == "https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27"


def test_list_key_treats_folder_and_index_as_one_page():
    assert list_key("https://h/a/b/") == list_key("https://h/a/b/index.html")
    assert list_key("https://h/a/b/index_1.html") != list_key("https://h/a/b/")


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://h/a/report.PDF", True),
        ("https://h/a/report.docx", True),
        ("https://h/a/r.wps", True),
        ("https://h/a/r.xlsx", True),
        ("https://h/module/download/downfile.jsp?classid=0&filename=2301261431.pdf", True),
        ("https://h/module/download/downfile.jsp?classid=0&fileName=%E5%B9%B4%E6%8A%A5.doc", True),
        ("https://h/a/t20230118_1.html", False),
        ("https://h/a/pdf/index.html", False),
    ],
)
def test_attachments_by_extension_and_filename_parameter(url, expected):
    assert is_attachment_url(url) is expected


def test_attachments_by_content_type_and_disposition():
    assert is_attachment_response("https://h/download?id=3", "application/pdf")
    assert is_attachment_response("https://h/download?id=3", "application/octet-stream", 'attachment; filename="a.docx"')
    assert is_attachment_response("https://h/x", "", "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.wps")
    assert not is_attachment_response("https://h/a.html", "text/html")
    assert not is_attachment_response("https://h/a.pdf.html", "text/html; charset=utf-8")


@pytest.mark.parametrize(
    "title",
    [
        "重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告",
        "2023年暨阳街道办事处政府信息公开工作年度报告",
        "临翔区政务服务管理局2021年政府信息公开年报",
        "延平区2018年政府信息公开工作报告",
        "2020年度政务公开工作年度报告",
    ],
)
def test_annual_report_titles_pass(title):
    assert is_annual_report(title)


@pytest.mark.parametrize(
    "title",
    [
        "诸暨市人民政府信息公开指南",
        "2024年政务公开工作要点",
        "长寿区2023年法治政府建设年度报告",
        "2024年长寿区政府工作报告",
        "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
        "万顺镇2023年财政预算公开",
        "政府信息公开目录",
        "",
    ],
)
def test_other_titles_fail(title):
    assert not is_annual_report(title)


@pytest.mark.parametrize(
    "text,iso",
    [
        ("日期:2023-01-18", "2023-01-18"),
        ("2023/1/8", "2023-01-08"),
        ("2023.01.18", "2023-01-18"),
        ("发布时间：2024年1月26日 09:00", "2024-01-26"),
        ("t20230118_11519914.html", "2023-01-18"),
        (1706688000, "2024-01-31"),
        ("1706688000000", "2024-01-31"),
        ("2023-13-45", None),
        ("no date", None),
        (None, None),
    ],
)
def test_dates(text, iso):
    assert parse_date(text) == iso


def test_breadcrumb_of_a_changshou_report_page():
    html = '<div class="position">您当前的位置: <a>首页</a>&gt; <a>政务公开</a>&gt; <a>政府信息公开年报</a> &gt; <a>万顺镇</a></div>'
    assert breadcrumb(page("https://h/", html)) == ["首页", "政务公开", "政府信息公开年报", "万顺镇"]


# -- TRS (Changshou) --------------------------------------------------------------------------

CS = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/"
CS_MENU = """
<div class="left-menu"><ul>
 <li><a href="/zwgk_164/zfxxgknb/qzfxxgknb/csq/">长寿区人民政府</a></li>
 <li><a href="/zwgk_164/zfxxgknb/xzndbg/wsz_65331/">万顺镇</a></li>
 <li><a href="http://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/slz_65326/index.html">双龙镇</a></li>
</ul></div><div class="nav"><a href="/zwgk_164/">政务公开</a><a href="/xwzx/">新闻中心</a></div>"""


def test_trs_root_menu_leads_to_every_column_and_is_not_an_empty_list(caplog):
    spider = make_spider(ChangshouSpider)
    results = list(spider.parse(page(CS, f"<html><body>{CS_MENU}</body></html>")))
    columns = {r.url: r.meta["nianbao_column"] for r in requests_of(results)}
    assert columns == {
        CS + "qzfxxgknb/csq/": "长寿区人民政府",
        CS + "xzndbg/wsz_65331/": "万顺镇",
        "http://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/slz_65326/index.html": "双龙镇",
    }
    assert "yielded no reports" not in caplog.text


def test_trs_column_lists_reports_once_and_pages_through_createpage(caplog):
    spider = make_spider(ChangshouSpider)
    url = CS + "xzndbg/wsz_65331/"
    html = f"""<html><body>{CS_MENU}<ul class="list">
     <li><a href="./202301/t20230118_11519914.html" title="重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告">重庆市长寿区万顺镇...</a><span>2023-01-18</span></li>
     <li><a href="./202301/t20230118_11519914_wap.html">重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告</a><span>2023-01-18</span></li>
     <li><a href="http://cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202201/t20220120_1.html">万顺镇2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>
     <li><a href="./202305/t20230510_2.html">万顺镇政府信息公开指南</a><span>2023-05-10</span></li>
     <li><a href="https://www.cq.gov.cn/zwgk/t20230101_9.html">重庆市2022年政府信息公开工作年度报告</a></li>
    </ul><script>createPage(3, 0, "index", "html");</script></body></html>"""
    results = list(spider.parse(page(url, html, meta={"nianbao_column": "万顺镇"})))
    reports = [r for r in requests_of(results) if r.meta.get("nianbao_report")]
    assert [r.url for r in reports] == [
        url + "202301/t20230118_11519914.html",
        "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202201/t20220120_1.html",
    ]
    listing = reports[0].cb_kwargs["listing"]
    assert listing["title"] == "重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告"
    assert listing["listed_date"] == "2023-01-18"
    assert listing["column"] == "万顺镇" and listing["found_on"] == url
    pages = [r.url for r in requests_of(results) if "index_" in r.url]
    assert pages == [url + "index_1.html", url + "index_2.html"]
    assert spider.crawler.stats.get_value("nianbao/skipped/duplicate") == 1
    assert "yielded no reports" not in caplog.text


def test_a_leaf_list_with_no_report_warns_naming_portal_and_url(caplog):
    spider = make_spider(ChangshouSpider)
    url = CS + "xzndbg/wsz_65331/index_2.html"
    with caplog.at_level(logging.WARNING):
        list(spider.parse(page(url, "<html><body><div class='news'><p>暂无信息</p></div></body></html>")))
    assert f"changshou: list page {url} yielded no reports" in caplog.text
    assert spider.crawler.stats.get_value("nianbao/empty_list_page") == 1


# -- Hanweb (Zhuji) ---------------------------------------------------------------------------

ZJ = "https://www.zhuji.gov.cn/col/col1229426/index.html"


def hanweb_column(records: list[str], total: int, crumb: str = "政府信息公开年报") -> str:
    cdata = "".join(f"<record><![CDATA[{r}]]></record>" for r in records)
    return f"""<html><head><title>诸暨市人民政府 {crumb}</title></head><body>
    <div class="bt-position">您现在的位置：<a href="/">首页</a> &gt; <a href="/col/col1229426/index.html">{crumb}</a></div>
    <div id="4652"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup>
    <recordset>{cdata}</recordset></datastore></script></div>
    <script>var param_4652 = {{col:1, appid:1, webid:2745, path:'/', columnid:1229426, sourceContentType:1, unitid:'4652', webname:'诸暨市政府门户网站', permissiontype:0}};
    jpage({{totalRecord:{total}, perPage:15}});</script></body></html>"""


def test_hanweb_datastore_records_and_later_groups_by_dataproxy():
    spider = make_spider(ZhujiSpider)
    records = [
        "<li><a href='/art/2024/1/26/art_1229426_59083432.html?xxgkhide=1' title='2023年暨阳街道办事处政府信息公开工作年度报告'>2023年暨阳街道...</a><span>2024-01-26</span></li>",
        "<li><a href='/art/2024/1/26/art_1229426_59083432.html'>2023年暨阳街道办事处政府信息公开工作年度报告</a><span>2024-01-26</span></li>",
        "<li><a href='/art/2024/3/1/art_1229426_1.html'>诸暨市2024年政务公开工作要点</a><span>2024-03-01</span></li>",
    ]
    results = list(spider.parse(page(ZJ, hanweb_column(records, total=100))))
    assert report_urls(results) == ["https://www.zhuji.gov.cn/art/2024/1/26/art_1229426_59083432.html"]
    posts = [r for r in requests_of(results) if r.method == "POST"]
    assert [r.url.split("?")[1] for r in posts][:2] == [
        "startrecord=4&endrecord=6&perpage=15",
        "startrecord=7&endrecord=9&perpage=15",
    ]
    assert posts[-1].url.endswith("startrecord=100&endrecord=100&perpage=15")
    form = dict(pair.split("=", 1) for pair in posts[0].body.decode().split("&"))
    assert form["columnid"] == "1229426" and form["webid"] == "2745" and form["unitid"] == "4652"
    assert form["sourceContentType"] == "1" and form["permissiontype"] == "0"


def test_hanweb_dataproxy_reply_records_become_reports():
    spider = make_spider(ZhujiSpider)
    xml = """<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>100</totalrecord><recordset>
    <record><![CDATA[<li><a href="/art/2023/1/30/art_1229426_2.html" title="2022年浣东街道政府信息公开工作年度报告">x</a><span>2023-01-30</span></li>]]></record>
    </recordset></datastore>"""
    response = page("https://www.zhuji.gov.cn/module/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15", xml, cls=TextResponse)
    results = list(spider.parse_group(response))
    assert report_urls(results) == ["https://www.zhuji.gov.cn/art/2023/1/30/art_1229426_2.html"]
    assert requests_of(results)[0].cb_kwargs["listing"]["listed_date"] == "2023-01-30"


def test_hanweb_root_follows_subcolumns_but_not_outside_the_tree():
    spider = make_spider(ZhujiSpider)
    root = hanweb_column([], total=0).replace(
        "</body>", '<ul class="sub"><li><a href="/col/col1229500/index.html">暨阳街道</a></li></ul></body>'
    )
    # As find_column does when the home page links the column: its folder is the tree, read as the root.
    spider.column_found(ZJ)
    spider.list_request(ZJ)
    results = list(spider.parse(page(ZJ, root, meta={"nianbao_root": True})))
    assert [r.url for r in requests_of(results)] == ["https://www.zhuji.gov.cn/col/col1229500/index.html"]
    # A news column the menu links to: read, but its links are not followed and it may list no report.
    news = hanweb_column([], total=0, crumb="要闻动态").replace(
        "</body>", '<a href="/col/col1229999/index.html">更多</a></body>'
    )
    assert requests_of(spider.parse(page("https://www.zhuji.gov.cn/col/col1229501/index.html", news))) == []
    assert not spider.crawler.stats.get_value("nianbao/empty_list_page")


# -- Guangdong (Dongguan) ---------------------------------------------------------------------

DG = "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html"


def test_guangdong_catalogue_leads_to_columns_units_and_gkmlpt():
    spider = make_spider(DongguanSpider)
    html = """<html><body><ul>
      <li><a href="/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/index.html">厚街镇</a></li>
      <li><a href="/zwgk/zfxxgkml/zbz/index.html">寮步镇</a></li>
      <li><a href="/dgcsz/gkmlpt/index">东莞市城市管理和综合执法局</a></li>
      <li><a href="https://www.gd.gov.cn/">广东省人民政府</a></li></ul></body></html>"""
    results = requests_of(spider.parse(page(DG, html)))
    by_url = {r.url: r for r in results}
    assert by_url["https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/index.html"].callback == spider.parse_list
    assert by_url["https://www.dg.gov.cn/zwgk/zfxxgkml/zbz/index.html"].callback == spider.parse
    assert by_url["https://www.dg.gov.cn/dgcsz/gkmlpt/index"].callback == spider.parse_gkmlpt
    assert len(results) == 3


def test_guangdong_column_pages_through_createpagehtml():
    spider = make_spider(DongguanSpider)
    url = "https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/index.html"
    html = """<html><body><ul><li><a href="./content/post_4148524.html">厚街镇人民政府2023年政府信息公开工作年度报告</a><span>2024-01-31</span></li></ul>
    <script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
    results = list(spider.parse_list(page(url, html, meta={"nianbao_column": "厚街镇"})))
    assert report_urls(results) == ["https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/content/post_4148524.html"]
    assert [r.url.rsplit("/", 1)[1] for r in requests_of(results) if not r.meta.get("nianbao_report")] == [
        "index_2.html", "index_3.html"
    ]


def test_gkmlpt_tree_and_api():
    spider = make_spider(DongguanSpider)
    index = "https://www.dg.gov.cn/dgcsz/gkmlpt/index"
    html = """<html><head><script>window._CONFIG = {SID: 'dgcsz01', TREE: [{id: 1, name: '政策文件', children: [
      {id: 2655, name: '政府信息公开年度报告', children: []}]}], CACHE: true};</script></head><body><div id="app"></div></body></html>"""
    api = requests_of(spider.parse_gkmlpt(page(index, html, meta={"nianbao_column": "城管局"})))
    assert [r.url for r in api] == ["https://www.dg.gov.cn/dgcsz/gkmlpt/api/all/2655?page=1&sid=dgcsz01"]
    data = {"total": 230, "articles": [
        {"title": "东莞市城市管理和综合执法局2023年政府信息公开工作年度报告", "url": "http://www.dg.gov.cn/dgcsz/gkmlpt/content/4/4150/post_4150001.html", "display_publish_time": 1706688000},
        {"title": "东莞市城市管理和综合执法局政府信息公开指南", "url": "http://www.dg.gov.cn/dgcsz/gkmlpt/content/4/4150/post_4150002.html", "display_publish_time": 1706688000},
    ] + [{"title": "x", "url": "http://www.dg.gov.cn/y"}] * 98}
    response = page(api[0].url, json.dumps(data), meta=api[0].meta, cls=TextResponse)
    results = list(spider.parse_api(response))
    reports = [r for r in requests_of(results) if r.meta.get("nianbao_report")]
    assert [r.url for r in reports] == ["https://www.dg.gov.cn/dgcsz/gkmlpt/content/4/4150/post_4150001.html"]
    assert reports[0].cb_kwargs["listing"]["listed_date"] == "2024-01-31"
    assert [r.url for r in requests_of(results) if not r.meta.get("nianbao_report")] == [
        "https://www.dg.gov.cn/dgcsz/gkmlpt/api/all/2655?page=2&sid=dgcsz01",
        "https://www.dg.gov.cn/dgcsz/gkmlpt/api/all/2655?page=3&sid=dgcsz01",
    ]


# -- Yuanlue (Yanping) ------------------------------------------------------------------------

YP = "https://www.ypzf.gov.cn/cms/html/npsypqrmzf/zfxxgknb/index.html"


def test_yuanlue_column_page_frames_and_menu():
    spider = make_spider(YanpingSpider)
    html = """<html><body><div class="menu"><a href="/cms/html/npsypqrmzf/zfxxgknb/cmx/index.html">赤门乡</a>
      <a href="/cms/infopublic/publicInfoView.shtml?directoryId=77&siteId=3">区财政局</a></div>
      <iframe src="/cms/infopublic/publicInfoView.shtml?directoryId=5&amp;siteId=3"></iframe></body></html>"""
    spider.column_found(YP)  # the column the home page led to (yanping starts at its home page)
    results = requests_of(spider.parse(page(YP, html)))
    assert {r.url: r.callback.__name__ for r in results} == {
        "https://www.ypzf.gov.cn/cms/infopublic/publicInfoView.shtml?directoryId=5&siteId=3": "parse_list",
        "https://www.ypzf.gov.cn/cms/html/npsypqrmzf/zfxxgknb/cmx/index.html": "parse",
        "https://www.ypzf.gov.cn/cms/infopublic/publicInfoView.shtml?directoryId=77&siteId=3": "parse_list",
    }


def test_yuanlue_view_table_rows_and_page_parameter():
    spider = make_spider(YanpingSpider)
    url = "https://www.ypzf.gov.cn/cms/infopublic/publicInfoView.shtml?directoryId=5&siteId=3"
    rows = "".join(
        f"""<tr class="viewRow"><td>{i}</td><td><a href="/cms/cms/html/npsypqrmzf/2019-01-10/{1292513457 + i}.html" target="_blank">赤门乡201{i % 10}年政府信息公开工作年度报告</a></td>
        <td>2019-01-10</td><td></td><td style="display:none">索引号：MB1549340/2019-00{i} 发布机构：赤门乡</td></tr>"""
        for i in range(20)
    )
    html = f"""<html><body><table class="view"><tr><th>序号</th><th>名称</th><th>生成日期</th><th>文号</th></tr>{rows}</table>
    <div class="page">共45条信息 上一页 <a class="currentPage">1</a> <a href="?directoryId=5&siteId=3&page=2">2</a> 下一页</div></body></html>"""
    results = list(spider.parse_list(page(url, html, meta={"nianbao_column": "赤门乡"})))
    assert len(report_urls(results)) == 20
    assert requests_of(results)[0].cb_kwargs["listing"]["listed_date"] == "2019-01-10"
    assert sorted(r.url for r in requests_of(results) if not r.meta.get("nianbao_report")) == [
        url + "&page=2", url + "&page=3"
    ]


# -- Lincang (Linxiang) -----------------------------------------------------------------------

LX = "https://www.ynlx.gov.cn/zfxxgk_lxq/index.html"


def test_lincang_subsites_then_browser_only_for_year_pages():
    spider = make_spider(LinxiangSpider)
    html = """<html><body><a href="/zfxxgk_lxq_zwfwglj/">临翔区政务服务管理局</a><a href="/zfxxgk_lxq_tzcjj/index.html">临翔区投资促进局</a>
      <a href="/xwzx/">新闻中心</a></body></html>"""
    subsites = requests_of(spider.parse(page(LX, html)))
    assert [r.meta["nianbao_column"] for r in subsites] == ["临翔区政务服务管理局", "临翔区投资促进局"]
    assert not any(r.meta.get("playwright") for r in subsites)
    sub = "https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/"
    years = requests_of(spider.parse_subsite(page(sub, "<html><body><a href='/'>首页</a></body></html>", meta=subsites[0].meta)))
    assert [r.url for r in years] == [sub + "zfxxgknb.html"]
    assert years[0].meta["playwright"] is True
    rendered = """<html><body><div class="tabs"><a href="zfxxgknb.html?nbYear=2021">2021</a><a href="zfxxgknb.html?nbYear=2020">2020</a></div>
      <ul><li><a href="/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27">临翔区政务服务管理局2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li></ul></body></html>"""
    results = requests_of(spider.parse_year(page(sub + "zfxxgknb.html", rendered, meta=years[0].meta)))
    # The page without nbYear showed 2021's list: only the other year's tab is rendered.
    assert [r.url for r in results if r.meta.get("playwright")] == [sub + "zfxxgknb.html?nbYear=2020"]
    # ... and the 2021 tab stays skipped when another year's page links it again.
    tabs_2020 = rendered.replace("148304", "148305").replace("</div>", '<a href="zfxxgknb.html?nbYear=2019">2019</a></div>')
    other = requests_of(spider.parse_year(page(sub + "zfxxgknb.html?nbYear=2020", tabs_2020, meta=years[0].meta)))
    assert [r.url for r in other if r.meta.get("playwright")] == [sub + "zfxxgknb.html?nbYear=2019"]
    reports = [r for r in results if r.meta.get("nianbao_report")]
    assert [r.url for r in reports] == [sub + "artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27"]
    assert not reports[0].meta.get("playwright")


# -- report pages, attachments, failures ------------------------------------------------------


def test_report_page_becomes_an_item_and_its_attachments_reports():
    spider = make_spider(ChangshouSpider)
    url = CS + "xzndbg/wsz_65331/202301/t20230118_11519914.html"
    listing = {"column": "万顺镇", "url": url, "title": "万顺镇2022年政府信息公开工作年度报告", "listed_date": "2023-01-18",
               "found_on": CS + "xzndbg/wsz_65331/", "kind": None}
    html = """<html><body><div class="trs_editor_view TRS_UEDITOR"><p>一、总体情况</p>
      <a href="./P020230118.pdf">万顺镇2022年年报.pdf</a><a href="/zwgk_164/zfxxgkzn/guide.pdf">政府信息公开指南.pdf</a>
      <a href="./P020230118.pdf">下载</a></div></body></html>"""
    response = page(url, html, headers={"Content-Type": "text/html", "ETag": '"abc"'})
    results = list(spider.parse_report(response, listing))
    item = results[0]
    assert isinstance(item, ReportItem)
    assert (item.portal, item.column, item.url, item.kind, item.status) == ("changshou", "万顺镇", url, "page", 200)
    assert item.headers["Etag"] == ['"abc"'] and item.body == response.body and item.fetched_at.endswith("Z")
    assert item.rendered is False
    files = requests_of(results[1:])
    assert [r.url for r in files] == [CS + "xzndbg/wsz_65331/202301/P020230118.pdf"]
    assert files[0].cb_kwargs["listing"]["found_on"] == url and files[0].cb_kwargs["listing"]["kind"] == "attachment"
    pdf = Response(url=files[0].url, body=b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    (attachment,) = list(spider.parse_report(pdf, files[0].cb_kwargs["listing"]))
    assert attachment.kind == "attachment" and attachment.found_on == url and attachment.title == "万顺镇2022年年报.pdf"


@pytest.mark.parametrize(
    "exception,outcome",
    [
        (HttpError(HtmlResponse("https://h/x", status=404, body=b"")), "http_404"),
        (HttpError(HtmlResponse("https://h/x", status=500, body=b"")), "http_500"),
        (TxTimeoutError(), "timeout"),
        (DNSLookupError(), "dns"),
        (ResponseFailed([Failure(_DataLoss())]), "truncated"),
        (ConnectionRefusedError(), "connection"),
        (HttpError(HtmlResponse("https://h/x", status=521, body=b"<script>document.cookie='a=1';location.reload()</script>")), "challenge"),
    ],
)
def test_failures_are_classified(exception, outcome):
    try:
        raise exception
    except Exception:
        assert classify(Failure()) == outcome


def test_errback_logs_one_line_counts_and_signals(caplog):
    spider = make_spider(ChangshouSpider)
    received = []

    def receive(**kwargs):
        received.append(kwargs)

    spider.crawler.signals.connect(receive, signal=signals.fetch_failed)
    request = Request(CS + "x/t20230118_1.html", meta={"nianbao_report": True})
    try:
        raise TxTimeoutError("took too long")
    except TxTimeoutError:
        failure = Failure()
    failure.request = request
    with caplog.at_level(logging.WARNING):
        spider.errback(failure)
    assert spider.crawler.stats.get_value("nianbao/outcome/timeout") == 1
    assert received[0]["outcome"] == "timeout" and received[0]["request"].url == request.url
    lines = [r for r in caplog.records if "timeout" in r.getMessage()]
    assert len(lines) == 1 and request.url in lines[0].getMessage() and "changshou" in lines[0].getMessage()


def test_a_list_may_link_the_report_file_itself():
    spider = make_spider(ChangshouSpider)
    url = CS + "xzndbg/slz_65326/"
    html = """<html><body><ul><li><a href="./202102/P020210227391314879535.pdf">长寿区双龙镇2020年政府信息公开工作年度报告</a><span>2021-02-27</span></li></ul></body></html>"""
    (request,) = requests_of(spider.parse(page(url, html)))
    assert request.url == url + "202102/P020210227391314879535.pdf"
    assert request.cb_kwargs["listing"]["kind"] == "attachment"


def test_a_redirected_report_is_kept_under_its_new_address_once():
    spider = make_spider(ChangshouSpider)
    old, new = CS + "qzfxxgknb/csq/201901/t20190108_1.html", CS + "qzfxxgknb/csq/202004/t20200416_2.html"
    listing = {"column": "区政府", "url": old, "title": "长寿区2018年政府信息公开工作年度报告", "listed_date": None,
               "found_on": CS + "qzfxxgknb/csq/", "kind": None}
    list(spider.report_fetches(spider_entry(old), found_on=listing["found_on"]))
    request = Request(old, meta={"redirect_urls": [old.replace("https", "http")]})
    response = HtmlResponse(new, body=b"<html><body>report</body></html>", request=request)
    (item,) = [r for r in spider.parse_report(response, listing) if isinstance(r, ReportItem)]
    assert item.url == new and item.final_url == new
    # The same report listed under its new address is not fetched again.
    assert list(spider.report_fetches(spider_entry(new), found_on=listing["found_on"])) == []


def spider_entry(url):
    from crawler.spider import Entry

    return Entry(url=url, title="长寿区2018年政府信息公开工作年度报告")


def test_lincang_year_page_with_no_list_is_rendered_once_more_before_the_warning(caplog):
    spider = make_spider(LinxiangSpider)
    url = "https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/zfxxgknb.html?nbYear=2020"
    empty = "<html><body><ul id='list'></ul></body></html>"
    (again,) = requests_of(spider.parse_year(page(url, empty, meta=dict(spider.browser_meta))))
    assert again.url == url and again.meta["nianbao_rerendered"] and again.meta["playwright"]
    assert len(again.meta["playwright_page_methods"]) > len(spider.browser_meta["playwright_page_methods"])
    with caplog.at_level(logging.WARNING):
        assert requests_of(spider.parse_year(page(url, empty, meta=again.meta))) == []
    assert f"linxiang: list page {url} yielded no reports" in caplog.text
