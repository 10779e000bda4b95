"""The pagers real sites use (../shared/PLATFORM-VARIANTS.md), read by the platform bases.

Each pager first on a page written here and fed to the base's callback, then on the registry sites
whose replica draws it, crawled with `nianbao crawl` against the replica:

- TRS: the page count only in a script, `var countPage = N` with a `document.write` pager
  (`index_1.html` ...); `prepage`/`recordCount` in a script, the later pages from a TRS list API
  (`/was5/web/search?channelid=N&page=N`); `createPageHTML('page_div', N, 1, 'xlist', 'shtml', R)`
  whose pages are named by their own prefix (`xlist_2.shtml`), on TRS and NFCMS lists;
- gkmlpt: catalogues on a path of a host and the mobile catalogue `/gkmlpt/mindex/`;
- Hanweb: `<nextgroup>` paging by `?page=N` (the datastore's `<totalpage>`), not `startrecord`;
- a list page whose pager the base cannot read, with more than one page, is a notice.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

import replica
from crawler import registry
from crawler.monitors import NOTICES, PROBLEMS, PortalHealth
from spiders.platforms import GuangdongPlatformSpider, HanwebPlatformSpider, TrsPlatformSpider

ROOT = Path(__file__).resolve().parents[1]


def make_spider(cls, start_url: str):
    crawler = get_crawler(cls)
    crawler.spider = cls.from_crawler(crawler, start_url=start_url)
    crawler.stats.open_spider()
    return crawler.spider


def page(url: str, html: str, meta: dict | None = None, cls=HtmlResponse):
    return cls(url=url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta or {}))


def requests_of(results) -> list[scrapy.Request]:
    return [r for r in results if isinstance(r, scrapy.Request)]


def list_urls(results) -> list[str]:
    return [r.url for r in requests_of(results) if not r.meta.get("nianbao_report")]


def report_urls(results) -> list[str]:
    return [r.url for r in requests_of(results) if r.meta.get("nianbao_report")]


# -- TRS ----------------------------------------------------------------------------------------

TRS = "https://www.example-trs.gov.cn/zwgk_100/zfxxgknb/"
ROWS = """<ul class="list">
<li><a href="./202401/t20240120_1001.html" title="某区2023年政府信息公开工作年度报告">某区2023年...</a><span>2024-01-20</span></li>
<li><a href="./202301/t20230118_1002.html" title="某区2022年政府信息公开工作年度报告">某区2022年...</a><span>2023-01-18</span></li>
</ul>"""

#: The shape public crawlers of TRS sites read: `var countPage = N//共多少页` in the pager's script.
COUNT_PAGE = """<div class="page"><script>
var currentPage = 0;//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = 3//共多少页
if (countPage > 1) { document.write("<a href=\\"index." + "{ext}\\">首页</a>");
  for (var i = 1; i < countPage; i++) document.write("<a href=\\"index_" + i + ".{ext}\\">" + (i + 1) + "</a>"); }
document.write("共" + countPage + "页");
</script></div>"""


@pytest.mark.parametrize("ext", ["html", "htm"])
def test_trs_count_page_script_pager_leads_to_every_index_page(ext):
    spider = make_spider(TrsPlatformSpider, TRS)
    results = list(spider.parse(page(TRS, f"<html><body>{ROWS}{COUNT_PAGE.replace('{ext}', ext)}</body></html>")))
    assert len(report_urls(results)) == 2
    assert list_urls(results) == [f"{TRS}index_1.{ext}", f"{TRS}index_2.{ext}"]


WAS_LIST = """<div class="list" id="list">{rows}</div><div class="page" id="pager"></div>
<script>var prepage = 2; var recordCount = 5; var channelid = 246810;
var listUrl = "/was5/web/search?channelid=246810";
function drawPager(n) {{ var pages = Math.ceil(recordCount / prepage); var h = [];
  for (var i = 1; i <= pages; i++) h.push(i == n ? "<span>" + i + "</span>" : "<a href=\\"javascript:goPage(" + i + ")\\">" + i + "</a>");
  document.getElementById("pager").innerHTML = h.join(" "); }}
function goPage(n) {{ $.get(listUrl + "&page=" + n, function (html) {{ $("#list").html(html); drawPager(n); }}); }}
drawPager(1);</script>"""


def test_trs_prepage_and_record_count_page_through_the_list_api():
    spider = make_spider(TrsPlatformSpider, TRS)
    results = list(spider.parse(page(TRS, f"<html><body>{WAS_LIST.format(rows=ROWS)}</body></html>")))
    assert len(report_urls(results)) == 2
    api = "https://www.example-trs.gov.cn/was5/web/search?channelid=246810"
    assert list_urls(results) == [f"{api}&page=2", f"{api}&page=3"]
    # The API answers the page's rows, absolute addresses, as the list shows them.
    later = requests_of(results)[-1]
    reply = ('<ul><li><a href="https://www.example-trs.gov.cn/zwgk_100/zfxxgknb/202101/t20210120_1005.html">'
             "某区2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li></ul><script>var recordCount = 5;</script>")
    answer = later.callback(page(later.url, reply, meta=later.meta))
    assert report_urls(answer) == [f"{TRS}202101/t20210120_1005.html"]
    assert list_urls(answer) == [], "the API's own pages are not asked for again"


OWN_PREFIX = "<div id=\"page_div\"></div><script>createPageHTML('page_div', 3, 1, 'xlist', 'shtml', 25);</script>"


def test_trs_createpagehtml_with_a_prefix_of_its_own():
    spider = make_spider(TrsPlatformSpider, TRS)
    url = TRS + "xlist.shtml"
    results = list(spider.parse(page(url, f"<html><body>{ROWS}{OWN_PREFIX}</body></html>")))
    assert list_urls(results) == [f"{TRS}xlist_2.shtml", f"{TRS}xlist_3.shtml"]


def test_nfcms_createpagehtml_with_a_prefix_of_its_own():
    url = "https://www.example-gd.gov.cn/zwgk/zfxxgkml/bm/zfxxgkgzndbg/xlist.shtml"
    spider = make_spider(GuangdongPlatformSpider, "https://www.example-gd.gov.cn/zwgk/zfxxgkml/index.html")
    rows = '<ul><li><a href="./content/post_4148524.html">某局2023年政府信息公开工作年度报告</a><span>2024-01-31</span></li></ul>'
    results = list(spider.parse_list(page(url, f"<html><body>{rows}{OWN_PREFIX}</body></html>")))
    assert len(report_urls(results)) == 1
    assert [u.rsplit("/", 1)[1] for u in list_urls(results)] == ["xlist_2.shtml", "xlist_3.shtml"]


OTHER_ROWS = """<ul class="list">
<li><a href="./202502/t20250224_2001.html" title="2025年政务公开工作要点">2025年政务公开工作要点</a><span>2025-02-24</span></li>
<li><a href="./202502/t20250204_2002.html" title="某局政府信息公开指南">某局政府信息公开指南</a><span>2025-02-04</span></li>
</ul>"""


@pytest.mark.parametrize("base", ["trs", "nfcms"])
def test_a_paged_list_whose_page_shows_only_other_documents_is_no_layout_warning(base):
    # A column that mixes in guides and plans may show none of its reports on one page: a page
    # whose other pages are asked for, or a later page, is read; one with neither is a warning.
    rows = OTHER_ROWS
    if base == "trs":
        spider, url = make_spider(TrsPlatformSpider, TRS), TRS
        parse = spider.parse
    else:
        url = "https://www.example-gd.gov.cn/zwgkk/bmxxgkndbg/"
        spider = make_spider(GuangdongPlatformSpider, "https://www.example-gd.gov.cn/")
        parse = spider.parse_list
        rows = rows.replace("./202502/t20250224_2001.html", "./content/post_9725338.html")
        rows = rows.replace("./202502/t20250204_2002.html", "./content/post_9627677.html")
    stats = spider.crawler.stats
    paged = list(parse(page(url, f'<html><body>{rows}<script>createPageHTML(3, 0, "index", "html");</script></body></html>')))
    assert report_urls(paged) == [] and len(list_urls(paged)) == 2
    assert not stats.get_value("nianbao/empty_list_page")
    later = list(parse(page(url + "index_2.html", f"<html><body>{rows}</body></html>", meta={"nianbao_page": True})))
    assert report_urls(later) == [] and not stats.get_value("nianbao/empty_list_page")
    alone = list(parse(page(url + "other/", f"<html><body>{rows}</body></html>")))
    assert report_urls(alone) == []
    assert stats.get_value("nianbao/empty_list_page") == 1 and spider.empty_lists == [url + "other/"]


def test_the_older_pagers_still_number_their_pages_as_before():
    spider = make_spider(TrsPlatformSpider, TRS)
    results = list(spider.parse(page(TRS, f'<html><body>{ROWS}<script>createPage(3, 0, "index", "html");</script></body></html>')))
    assert list_urls(results) == [f"{TRS}index_1.html", f"{TRS}index_2.html"]
    gd = make_spider(GuangdongPlatformSpider, "https://www.example-gd.gov.cn/zwgk/zfxxgkml/index.html")
    url = "https://www.example-gd.gov.cn/zwgk/zfxxgkml/bm/zfxxgkgzndbg/index.html"
    results = list(gd.parse_list(page(url, '<html><body><script>createPageHTML(3, 0, "index", "html");</script></body></html>')))
    assert [u.rsplit("/", 1)[1] for u in list_urls(results)] == ["index_2.html", "index_3.html"]


# -- gkmlpt ---------------------------------------------------------------------------------------

GD = "https://www.example-gd.gov.cn"
CONFIG = ("<html><head><script>window._CONFIG = {SID: '755099', TREE: [{id: 1, name: '政策文件', children: ["
          "{id: 2655, name: '政府信息公开年报', children: []}]}], SERVICE_AREA_ID: 755};</script></head>"
          '<body><div id="app"></div></body></html>')


@pytest.mark.parametrize("path", ["/gkmlpt/mindex", "/gkmlpt/mindex/", "/fszsj/gkmlpt/mindex/", "/fszsj/gkmlpt/index"])
def test_a_gkmlpt_catalogue_on_a_path_or_mobile_is_followed_and_listed_through_its_own_api(path):
    spider = make_spider(GuangdongPlatformSpider, GD + "/")
    home = f'<html><body><div class="nav"><a href="{path}">政府信息公开</a></div></body></html>'
    followed = [r for r in requests_of(spider.parse(page(GD + "/", home))) if r.url == GD + path]
    assert followed and followed[0].callback == spider.parse_gkmlpt
    (api,) = requests_of(spider.parse_gkmlpt(page(GD + path, CONFIG, meta={"nianbao_column": "某局"})))
    folder = path.split("/gkmlpt/")[0]
    assert api.url == f"{GD}{folder}/gkmlpt/api/all/2655?page=1&sid=755099"


def test_a_mobile_catalogue_start_page_is_read_as_a_catalogue():
    spider = make_spider(GuangdongPlatformSpider, GD + "/gkmlpt/mindex/")
    (api,) = requests_of(spider.parse(page(GD + "/gkmlpt/mindex/", CONFIG)))
    assert api.url == f"{GD}/gkmlpt/api/all/2655?page=1&sid=755099"


# -- Hanweb ---------------------------------------------------------------------------------------

HW = "https://www.example-hw.gov.cn/col/col1229001/index.html"
PROXY = "/module/web/jpage/dataproxy.jsp"


def hanweb_page(totalpage: str = "<totalpage>3</totalpage>") -> str:
    records = "".join(
        f"<record><![CDATA[<li><a href='/art/2024/1/2{n}/art_1229001_{n}.html' title='某局202{n}年政府信息公开工作年度报告'>x</a>"
        f"<span>2024-01-2{n}</span></li>]]></record>" for n in range(4))
    nextgroup = (f'<a href="{PROXY}?page=1&appid=1&webid=3001&path=/&columnid=1229001&unitid=5001&'
                 'webname=%E6%9F%90%E5%B8%82&permissiontype=0"></a>')
    return (f'<html><head><title>某局 政府信息公开年报</title></head><body><div class="position">当前位置:首页 &gt; 政府信息公开年报</div>'
            f'<div id="5001"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup>'
            f"{totalpage}<recordset>{records}</recordset></datastore></script></div>"
            "<script>$('#5001').jpage({dataStore:$('#5001 script').html(),perPage:4,totalRecord:11,groupSize:1,showMode:'full'});"
            "</script></body></html>")


def test_hanweb_nextgroup_paging_by_page_asks_each_page_of_the_proxy():
    spider = make_spider(HanwebPlatformSpider, HW)
    results = list(spider.parse(page(HW, hanweb_page())))
    assert len(report_urls(results)) == 4
    later = [r for r in requests_of(results) if PROXY in r.url]
    assert [dict(parse_qsl(urlsplit(r.url).query))["page"] for r in later] == ["2", "3"]
    assert all(r.method == "GET" and "startrecord" not in r.url for r in later)
    query = dict(parse_qsl(urlsplit(later[0].url).query))
    assert (query["webid"], query["columnid"], query["unitid"], query["webname"]) == ("3001", "1229001", "5001", "某市")
    reply = ("<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>11</totalrecord><totalpage>3</totalpage><recordset>"
             "<record><![CDATA[<li><a href='/art/2020/1/20/art_1229001_9.html'>某局2019年政府信息公开工作年度报告</a>"
             "<span>2020-01-20</span></li>]]></record></recordset></datastore>")
    answer = list(later[0].callback(page(later[0].url, reply, meta=later[0].meta, cls=TextResponse)))
    assert report_urls(answer) == ["https://www.example-hw.gov.cn/art/2020/1/20/art_1229001_9.html"]


def test_hanweb_without_totalpage_still_pages_by_startrecord():
    spider = make_spider(HanwebPlatformSpider, HW)
    later = [r for r in requests_of(spider.parse(page(HW, hanweb_page(totalpage="")))) if PROXY in r.url]
    assert later and all(r.method == "POST" and "startrecord=" in r.url for r in later)


# -- a pager the base cannot read is a notice -----------------------------------------------------

UNREAD = """<div class="pages"><span>共3页</span> <a href="list.jsp?pageNo=2">下一页</a> <a href="list.jsp?pageNo=3">尾页</a></div>"""


def health(spider) -> tuple[list[str], list[str]]:
    crawler = spider.crawler
    spider.settled = set(spider._listed)  # every listed report reached an outcome
    crawler.stats.set_stats({"finish_reason": "finished", "nianbao/listed": 2})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    return crawler.stats.get_value(PROBLEMS) or [], crawler.stats.get_value(NOTICES) or []


def test_a_pager_the_base_cannot_read_is_a_notice_naming_the_page():
    spider = make_spider(TrsPlatformSpider, TRS)
    results = list(spider.parse(page(TRS, f"<html><body>{ROWS}{UNREAD}</body></html>")))
    assert len(report_urls(results)) == 2 and list_urls(results) == []
    problems, notices = health(spider)
    assert problems == []
    (notice,) = [n for n in notices if "pager" in n]
    assert notice.startswith(f"trs: {TRS}: ") and "共3页" in notice and "no further list page was asked for" in notice


@pytest.mark.parametrize("pager", [
    '<script>createPage(3, 0, "index", "html");</script>',  # read: its pages are asked for
    "<div class='page'><span>共1页</span><span>下一页</span><span>尾页</span></div>",  # one page: nothing to miss
    "",
])
def test_a_pager_that_is_read_or_has_one_page_is_no_notice(pager):
    spider = make_spider(TrsPlatformSpider, TRS)
    list(spider.parse(page(TRS, f"<html><body>{ROWS}{pager}</body></html>")))
    assert [n for n in health(spider)[1] if "pager" in n] == []


def test_an_unread_pager_is_a_notice_on_hanweb_and_nfcms_lists_too():
    hanweb = make_spider(HanwebPlatformSpider, HW)
    list(hanweb.parse(page(HW, f"<html><body><div class='position'>当前位置:首页 &gt; 政府信息公开年报</div>{ROWS}"
                               f"<ul><li><a href='/art/2024/1/2/art_1229001_1.html'>某局2023年政府信息公开工作年度报告</a></li></ul>"
                               f"{UNREAD}</body></html>")))
    assert [n for n in health(hanweb)[1] if "pager" in n]
    gd = make_spider(GuangdongPlatformSpider, "https://www.example-gd.gov.cn/zwgk/zfxxgkml/index.html")
    url = "https://www.example-gd.gov.cn/zwgk/zfxxgkml/bm/zfxxgkgzndbg/index.html"
    list(gd.parse_list(page(url, f"<html><body><ul><li><a href='./content/post_1.html'>某局2023年政府信息公开工作年度报告</a></li></ul>"
                                 f"{UNREAD}</body></html>")))
    assert [n for n in health(gd)[1] if "pager" in n]


# -- the replica's sites that draw each pager, crawled ---------------------------------------------

#: (platform, variant) of each pager the platform generators draw.
PAGERS = [("trs", "count_page"), ("trs", "list_api"), ("trs", "own_prefix"), ("hanweb", "page_param"),
          ("guangdong", "mindex")]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0"]


def site_with(platform: str, variant: str) -> str | None:
    """The first registry site (not one of the five portals, which have replicas of their own) drawing `variant`."""
    site = replica.Site()
    five = {"changshou", "zhuji", "dongguan", "yanping", "linxiang"}
    return next((p.key for p in registry.portals(platform) if p.key not in five and variant in site.portal(p.key).variants), None)


@pytest.fixture(scope="module")
def pager_crawl(tmp_path_factory):
    """One `nianbao crawl` of a site per pager: (site per pager, manifest, archived pages, the run's
    problems, the crawl's result)."""
    sites = {pager: site_with(*pager) for pager in PAGERS}
    keys = sorted({key for key in sites.values() if key})
    if not keys:
        return sites, [], [], {}, None
    db = tmp_path_factory.mktemp("pagers") / "pagers.db"
    with replica.ReplicaServer(portals=keys) as served:
        env = {**os.environ, "NIANBAO_REPLICA": served.url}
        env.pop("NIANBAO_DB", None)
        result = subprocess.run([sys.executable, "-m", "nianbao", "crawl", *keys, "--db", str(db), *FAST], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=900)
        manifest = served.manifest()
    with sqlite3.connect(db) as conn:
        pages = list(conn.execute("SELECT portal, url FROM pages"))
        problems = dict(conn.execute("SELECT portal, problems FROM crawl_run_portals"))
    return sites, manifest, pages, problems, result


@pytest.mark.parametrize("pager", PAGERS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_a_site_drawing_the_pager_is_crawled_to_exactly_its_reports(pager, pager_crawl):
    sites, manifest, pages, problems, _result = pager_crawl
    key = sites[pager]
    assert key, f"no {pager[0]} site draws {pager[1]}"
    expected = {m["url"] for m in manifest if m["portal"] == key}
    got = {url for portal, url in pages if portal == key}
    assert expected and got == expected, (key, sorted(expected - got)[:5], sorted(got - expected)[:5])
    assert "pager" not in (problems.get(key) or ""), problems.get(key)


def test_the_crawl_of_the_pager_sites_ends_healthy(pager_crawl):
    result = pager_crawl[-1]
    assert result is not None and result.returncode == 0, (result.stdout + result.stderr)[-4000:] if result else "no site"
