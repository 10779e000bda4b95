"""Anhui's cluster (the sixth platform): the base on pages of the shapes public pages show, and its
replica generator's sites. The whole-registry crawl (tests/test_registry.py) crawls every Anhui line."""

from __future__ import annotations

import pytest

import replica
from crawler import discovery, registry
from crawler.platforms.anhui import AGENCY_LIST, REPORT, YEAR_LIST
from crawler.platforms.anhui import AnhuiSpider
from test_spiders import make_spider, page, report_urls, requests_of

HOST = "https://www.ahtlyaq.gov.cn"


def spider():
    return make_spider(type("AnhuiTest", (AnhuiSpider,), {"name": "anhui_test", "start_urls": [HOST + "/"]}))


@pytest.mark.parametrize("path", [
    "/openness/OpennessAnnualReport/show/3965.html", "/XxgkAnnualReport/show/5773.html", "/Xxgknb/show/5246.html",
    "/xxgkAnnualReport/detail/6010ebc77f8b9a171f8b4584.html", "/public/6596035/1260855690.html",
    "/public/content/1260542161", "/zfxxgk/public/29621/51614122.html",
])
def test_the_report_addresses_public_pages_show_are_reports(path):
    assert REPORT.search(path)


def test_year_lists_and_agency_lists_are_told_apart_from_reports():
    assert YEAR_LIST.search("/openness/OpennessAnnualReport/year/6/2022.html")
    assert YEAR_LIST.search("/Xxgknb/year/12/2024.html") and not REPORT.search("/Xxgknb/year/12/2024.html")
    assert AGENCY_LIST.search("/XxgkContent/showList/269/0/page_1.html")
    assert AGENCY_LIST.search("/openness/OpennessContent/showList/1300/0/page_1.html")
    assert not AGENCY_LIST.search("/XxgkContent/showList/269/0/page_2.html")


def test_the_home_page_leads_to_the_disclosure_index():
    html = ('<div class="nav"><a href="/">网站首页</a><a href="/openness/">政府信息公开</a><a href="/zwdt/">政务动态</a>'
            '<a href="http://www.other.gov.cn/openness/">政府信息公开</a></div>')
    out = requests_of(spider().find_column(page(HOST + "/", html)))
    assert [r.url for r in out] == [HOST + "/openness/"]


def test_the_index_leads_to_agencies_and_an_agency_page_to_its_year_list():
    index = ('<div class="position">您现在所在的位置: <a href="/">网站首页</a> &gt; 政府信息公开</div>'
             '<ul><li><a href="/openness/OpennessContent/showList/6/0/page_1.html">义安区老洲乡</a></li>'
             '<li><a href="/openness/OpennessContent/showList/9/0/page_1.html">义安区财政局</a></li>'
             '<li><a href="/openness/OpennessContent/showList/9/0/page_2.html">下一页</a></li></ul>')
    s = spider()
    got = requests_of(s.parse(page(HOST + "/openness/", index, meta={"nianbao_menu_depth": 1})))
    assert [r.url for r in got] == [HOST + "/openness/OpennessContent/showList/6/0/page_1.html",
                                    HOST + "/openness/OpennessContent/showList/9/0/page_1.html"]
    agency = ('<ul class="left-menu"><li><a href="/openness/XxgkGuide/showList/6.html">政府信息公开指南</a></li>'
              '<li><a href="/openness/OpennessAnnualReport/year/6/2024.html">政府信息公开年报</a></li></ul>'
              '<ul class="list"><li><a href="/openness/OpennessContent/show/2198223.html">老洲乡政府信息公开指南</a></li></ul>')
    got = requests_of(s.parse(page(HOST + "/openness/OpennessContent/showList/6/0/page_1.html", agency,
                                   meta={"nianbao_menu_depth": 2, "nianbao_column": "义安区老洲乡"})))
    assert [r.url for r in got] == [HOST + "/openness/OpennessAnnualReport/year/6/2024.html"]


def test_a_year_list_gives_its_reports_and_the_other_years():
    html = ('<div class="position">您现在所在的位置: <a href="/">网站首页</a> &gt; <a href="/openness/">政府信息公开</a> &gt; '
            '<span>义安区老洲乡</span> &gt; <span>政府信息公开年报</span></div>'
            '<ul><li><a href="/openness/OpennessAnnualReport/year/6/2024.html">2024年</a></li>'
            '<li><a href="/openness/OpennessAnnualReport/year/6/2023.html">2023年</a></li></ul>'
            '<ul><li><a href="/openness/OpennessAnnualReport/show/3965.html" title="义安区老洲乡2024年政府信息公开工作年度报告">'
            '义安区老洲乡2024年政府信息公开工作年度报告</a><span>2025-01-14</span></li></ul>')
    s = spider()
    here = HOST + "/openness/OpennessAnnualReport/year/6/2024.html"
    assert s.list_request(here) is not None  # as the crawl asked for it
    out = list(s.parse(page(here, html)))
    assert report_urls(out) == [HOST + "/openness/OpennessAnnualReport/show/3965.html"]
    lists = [r.url for r in requests_of(out) if not r.meta.get("nianbao_report")]
    assert lists == [HOST + "/openness/OpennessAnnualReport/year/6/2023.html"]
    report = next(r for r in requests_of(out) if r.meta.get("nianbao_report"))
    assert report.cb_kwargs["listing"]["column"] == "义安区老洲乡"
    assert report.cb_kwargs["listing"]["listed_date"] == "2025-01-14"


def test_a_year_list_without_a_report_is_the_empty_list_warning():
    s = spider()
    html = '<ul><li><a href="/openness/OpennessAnnualReport/year/6/2023.html">2023年</a></li></ul><div class="item">义安区老洲乡2024年政府信息公开工作年度报告</div>'
    list(s.parse(page(HOST + "/openness/OpennessAnnualReport/year/6/2024.html", html)))
    assert s.empty_lists == [HOST + "/openness/OpennessAnnualReport/year/6/2024.html"]
    list(s.parse(page(HOST + "/openness/", "<p>政府信息公开</p>")))  # a menu need not list reports
    assert len(s.empty_lists) == 1


def test_the_public_catalogue_leads_to_the_agencies_annual_report_category_and_year_views():
    host = "https://www.tja.gov.cn"
    s = make_spider(type("AnhuiPublic", (AnhuiSpider,), {"name": "anhui_public", "start_urls": [host + "/"]}))
    html = ('<ul class="cat-menu"><li><a href="/public/column/118322653?type=4&action=list&catId=7001">政府信息公开年报</a></li>'
            '<li><a href="/public/column/118322653?type=4&action=list&catId=7002">政策文件</a></li></ul>'
            '<ul class="tree"><li><a href="/public/column/118323235?type=4&action=list">田家庵区曹庵镇</a></li>'
            '<li><a href="/public/column/118323253?action=detail&title=2020&type=3">2020年</a></li></ul>')
    got = requests_of(s.parse(page(host + "/public/column/118322653", html, meta={"nianbao_menu_depth": 1})))
    assert [r.url for r in got] == [host + "/public/column/118322653?type=4&action=list&catId=7001",
                                    host + "/public/column/118323235?type=4&action=list",
                                    host + "/public/column/118323253?action=detail&title=2020&type=3"]
    assert [r.meta.get("nianbao_public_reports") for r in got] == [True, None, True]


def test_discover_knows_the_cluster_by_its_addresses():
    platform, markers = discovery.platform_of('<a href="/XxgkAnnualReport/show/5773.html">x</a>'
                                              '<a href="/PolicyContent/">政策文件库</a>')
    assert platform == "anhui" and len(markers) == 2
    assert discovery.platform_of('<a href="/public/column/6628291?type=4&catId=60742351&action=list">x</a>')[0] == "anhui"


def test_the_registry_holds_fifty_anhui_lines_and_the_generator_spreads_them_over_both_systems():
    portals = registry.portals("anhui")
    assert len(portals) >= 50
    site = replica.Site(portals=[p.key for p in portals])
    variants = [site.portal(p.key).variants for p in portals]
    public = [v for v in variants if "public_system" in v]
    module = [v for v in variants if "public_system" not in v]
    assert public and len(module) >= 20
    assert {name for v in module for name in v} >= {"module_openness", "module_xxgk", "module_xxgknb", "openness_prefix",
                                                    "mixed_modules", "direct_year_links", "second_template"}
