"""Downloader middlewares on requests and responses made here (the crawl tests drive them live)."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.middlewares import (
    BackoffRetryMiddleware,
    EncodingMiddleware,
    JavaScriptChallengeMiddleware,
    ListPageCacheMiddleware,
    ReplicaProxyMiddleware,
    is_js_challenge,
    original_request,
)
from spiders.registry import ChangshouSpider

REPLICA = "http://127.0.0.1:8765"


def test_replica_mode_sends_https_as_http_through_the_proxy_and_restores_the_address():
    mw = ReplicaProxyMiddleware(REPLICA)
    request = Request("https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/", meta={"nianbao_report": True}, cb_kwargs={"a": 1})
    wire = mw.process_request(request)
    assert wire.url == "http://www.cqcs.gov.cn/zwgk_164/zfxxgknb/"
    assert wire.meta["nianbao_report"] and wire.cb_kwargs == {"a": 1} and wire.dont_filter
    # Second pass (after the scheduler): goes out as is, through the proxy.
    assert mw.process_request(wire) is None and wire.meta["proxy"] == REPLICA
    response = mw.process_response(wire, HtmlResponse(wire.url, body=b"<html></html>", request=wire))
    assert response.url == "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/"
    assert original_request(wire).url == request.url


def test_replica_mode_keeps_http_addresses_and_follows_redirects_of_https_as_https():
    mw = ReplicaProxyMiddleware(REPLICA)
    plain = Request("http://cqcs.gov.cn/a.html")
    assert mw.process_request(plain) is None and plain.meta["proxy"] == REPLICA
    assert mw.process_response(plain, HtmlResponse(plain.url, body=b"", request=plain)).url == plain.url
    wire = mw.process_request(Request("https://www.dg.gov.cn/a"))
    mw.process_request(wire)
    redirected = wire.replace(url="http://www.dg.gov.cn/b")  # what RedirectMiddleware builds
    assert mw.process_request(redirected) is None
    response = mw.process_response(redirected, HtmlResponse(redirected.url, body=b"", request=redirected))
    assert response.url == "https://www.dg.gov.cn/b"


def test_replica_mode_is_off_without_the_setting():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        ReplicaProxyMiddleware.from_crawler(get_crawler(ChangshouSpider, {"NIANBAO_REPLICA": ""}))


@pytest.mark.parametrize(
    "status,body,expected",
    [
        (521, b"<html><script>document.cookie='__jsl_clearance=1;path=/';location.href=location.pathname</script></html>", True),
        (412, b"<script>var x=1;document.cookie='a=b';setTimeout(function(){location.reload()},100)</script>", True),
        (412, b"<html><body>Precondition failed</body></html>", False),
        (200, b"<script>document.cookie='a=b';location.reload()</script>", False),
    ],
)
def test_js_challenge_detection(status, body, expected):
    assert is_js_challenge(HtmlResponse("https://www.dg.gov.cn/", status=status, body=body)) is expected


def _encoding_mw():
    crawler = get_crawler(ChangshouSpider)
    crawler.stats.open_spider()
    return EncodingMiddleware(crawler), crawler.stats


@pytest.mark.parametrize(
    "content_type,body,text",
    [
        ("text/html; charset=iso-8859-1", "<html><body>政府信息公开工作年度报告</body></html>".encode(), "政府信息公开工作年度报告"),
        ("text/html; charset=gbk", "<html><body>政府信息公开工作年度报告 万顺镇</body></html>".encode(), "政府信息公开工作年度报告"),
        (
            "text/html; charset=iso-8859-1",
            "<html><body>重庆市长寿区万顺镇人民政府政府信息公开工作年度报告，一、总体情况。二、主动公开政府信息情况。</body></html>".encode("gb18030"),
            "政府信息公开工作年度报告",
        ),
        (
            "text/html; charset=utf-8",
            "<html><body>重庆市长寿区万顺镇人民政府政府信息公开工作年度报告，一、总体情况。二、主动公开政府信息情况。</body></html>".encode("gb18030"),
            "政府信息公开工作年度报告",
        ),
    ],
)
def test_mislabeled_encodings_are_read_as_what_the_body_is(content_type, body, text):
    mw, stats = _encoding_mw()
    response = HtmlResponse("https://h/", body=body, headers={"Content-Type": content_type})
    fixed = mw.process_response(Request("https://h/"), response)
    assert text in fixed.text and fixed.body == body
    assert stats.get_value("nianbao/outcome/encoding_mislabeled") == 1


def test_right_or_missing_labels_are_left_alone():
    mw, stats = _encoding_mw()
    body = "<html><body>年度报告</body></html>".encode()
    for headers in ({"Content-Type": "text/html"}, {"Content-Type": "text/html; charset=UTF-8"}):
        response = HtmlResponse("https://h/", body=body, headers=headers)
        assert mw.process_response(Request("https://h/"), response) is response
        assert "年度报告" in response.text
    assert not stats.get_value("nianbao/outcome/encoding_mislabeled")


def test_backoff_grows_and_is_capped():
    mw = BackoffRetryMiddleware(Settings({"RETRY_ENABLED": True, "RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 10.0,
                                          "RETRY_TIMES": 3, "RETRY_HTTP_CODES": [500], "RETRY_PRIORITY_ADJUST": -1,
                                          "RETRY_EXCEPTIONS": [], "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG"}))

    class State:
        attempt_number = 1

    delays = []
    for attempt in (1, 2, 3, 6):
        State.attempt_number = attempt
        delays.append(mw.wait(State()))
    assert delays == [2.0, 4.0, 8.0, 10.0]


def test_backoff_pauses_without_blocking_the_loop():
    mw = BackoffRetryMiddleware(Settings({"RETRY_ENABLED": True, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 1.0,
                                          "RETRY_TIMES": 3, "RETRY_HTTP_CODES": [500], "RETRY_PRIORITY_ADJUST": -1,
                                          "RETRY_EXCEPTIONS": [], "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG"}))
    ticks = []

    async def ticker():
        for _ in range(5):
            ticks.append(1)
            await asyncio.sleep(0.005)

    async def main():
        retry = Request("https://h/", meta={"retry_times": 1})
        result, _ = await asyncio.gather(mw._paused(retry), ticker())
        return result

    assert asyncio.run(main()).url == "https://h/" and len(ticks) == 5


LIST = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/index_1.html"


def _list_cache(tmp_path):
    crawler = get_crawler(ChangshouSpider, {"NIANBAO_DB": str(tmp_path / "a.db")})
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    mw = ListPageCacheMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)
    return mw, crawler.stats


def _stored(mw, url=LIST, body=b"<html>list</html>"):
    first = Request(url)
    assert mw.process_request(first) is None
    response = HtmlResponse(url, body=body, headers={"ETag": '"v1"'}, request=first)
    assert mw.process_response(first, response) is response
    return body


def test_an_unchanged_list_page_costs_a_304_and_the_spider_reads_the_stored_copy(tmp_path):
    mw, stats = _list_cache(tmp_path)
    body = _stored(mw)
    again = Request(LIST)
    assert mw.process_request(again) is None, "always asks the server"
    assert again.headers[b"If-None-Match"] == b'"v1"' and again.headers[b"Cache-Control"] == b"max-age=0"
    answer = mw.process_response(again, HtmlResponse(LIST, status=304, body=b"", request=again))
    assert answer.status == 200 and answer.body == body
    assert stats.get_value("httpcache/revalidate") == 1


def test_a_changed_list_page_is_read_and_stored_afresh(tmp_path):
    mw, _ = _list_cache(tmp_path)
    _stored(mw)
    again = Request(LIST)
    mw.process_request(again)
    fresh = HtmlResponse(LIST, body=b"<html>new list</html>", headers={"ETag": '"v2"'}, request=again)
    assert mw.process_response(again, fresh).body == b"<html>new list</html>"
    third = Request(LIST)
    mw.process_request(third)
    assert third.headers[b"If-None-Match"] == b'"v2"'


@pytest.mark.parametrize("status", [500, 503, 521])
def test_a_failing_list_page_is_not_hidden_behind_the_stored_copy(tmp_path, status):
    mw, _ = _list_cache(tmp_path)
    _stored(mw)
    again = Request(LIST)
    mw.process_request(again)
    failed = HtmlResponse(LIST, status=status, body=b"<html>error</html>", request=again)
    assert mw.process_response(again, failed) is failed
    lost = Request(LIST)
    mw.process_request(lost)
    assert mw.process_exception(lost, TimeoutError("no answer")) is None


def test_report_pages_and_browser_pages_bypass_the_list_cache(tmp_path):
    mw, stats = _list_cache(tmp_path)
    for meta in ({"nianbao_report": True}, {"playwright": True}):
        request = Request(LIST, meta=meta)
        response = HtmlResponse(LIST, body=b"<html>x</html>", headers={"ETag": '"v1"'}, request=request)
        assert mw.process_request(request) is None and mw.process_response(request, response) is response
        assert b"Cache-Control" not in request.headers
    assert not stats.get_value("httpcache/store") and not list((tmp_path / "a.db.httpcache").rglob("*_body*"))


def test_the_list_cache_needs_an_archive_and_can_be_turned_off(tmp_path):
    from scrapy.exceptions import NotConfigured

    for settings in ({"NIANBAO_DB": ""}, {"NIANBAO_DB": str(tmp_path / "a.db"), "NIANBAO_LIST_CACHE": False}):
        with pytest.raises(NotConfigured):
            ListPageCacheMiddleware.from_crawler(get_crawler(ChangshouSpider, settings))


def test_the_browser_answers_a_challenge_without_the_crawls_validators():
    mw = JavaScriptChallengeMiddleware(get_crawler(ChangshouSpider))
    mw.crawler.stats.open_spider()
    request = Request(LIST, headers={"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT",
                                     "Cache-Control": "max-age=0", "Accept-Language": "zh-CN"})
    challenge = HtmlResponse(LIST, status=521, request=request,
                             body=b"<script>document.cookie='a=b';location.reload()</script>")
    browser = asyncio.run(mw.process_response(request, challenge))
    assert browser.meta["playwright"] and browser.headers[b"Accept-Language"] == b"zh-CN"
    assert not {b"If-None-Match", b"If-Modified-Since", b"Cache-Control"} & set(browser.headers)


PAGE = "https://www.ynlx.gov.cn/zfxxgk_lxq/zfxxgknb.html?nbYear=2023"
DATA = "https://www.ynlx.gov.cn/zfxxgk/nbList.do?orgCode=A01&nbYear=2023&_=1"


def test_a_kept_rendering_answers_only_while_every_input_is_the_same(tmp_path):
    from crawler.middlewares import RenderedListCacheMiddleware
    from spiders.registry import LinxiangSpider

    crawler = get_crawler(LinxiangSpider, {"NIANBAO_DB": str(tmp_path / "a.db")})
    crawler.stats.open_spider()
    mw = RenderedListCacheMiddleware.from_crawler(crawler)
    served = {PAGE: b"<html>shell</html>", DATA: b'{"data": [1]}'}

    class Engine:
        async def download_async(self, request):
            if request.url not in served:
                raise TimeoutError("no answer")
            return HtmlResponse(request.url, body=served[request.url], request=request)

    crawler.engine = Engine()
    browse = lambda: Request(PAGE, meta={"playwright": True})  # noqa: E731
    first = browse()
    assert asyncio.run(mw.process_request(first)) is None, "nothing kept yet: the browser renders"
    first.meta["playwright_page_methods"][-1].result = [[DATA, "xmlhttprequest"], ["https://www.ynlx.gov.cn/a.png", "img"]]
    rendered = HtmlResponse(PAGE, body="<html>年报 list</html>".encode(), request=first)
    assert asyncio.run(mw.process_response(first, rendered)) is rendered
    reused = asyncio.run(mw.process_request(browse()))
    assert reused.text == "<html>年报 list</html>" and "reused" in reused.flags
    assert crawler.stats.get_value("nianbao/render/reused") == 1
    served[DATA] = b'{"data": [1, 2]}'  # a report added: the list's data changed
    assert asyncio.run(mw.process_request(browse())) is None
    served[DATA] = b'{"data": [1]}'
    del served[PAGE]  # the page itself does not answer: render rather than trust the copy
    assert asyncio.run(mw.process_request(browse())) is None
    # A re-render the spider asks for, and report pages, never get the kept copy.
    served[PAGE] = b"<html>shell</html>"
    for meta in ({"nianbao_rerendered": True}, {"nianbao_report": True}):
        assert asyncio.run(mw.process_request(Request(PAGE, meta={"playwright": True, **meta}))) is None
    assert asyncio.run(mw.process_request(browse())) is not None


def test_a_browser_page_that_times_out_is_retried_as_any_timeout_and_then_recorded_as_one():
    from playwright.async_api import TimeoutError as BrowserTimeout
    from scrapy.utils.project import get_project_settings

    from crawler.outcomes import classify

    project = get_project_settings()
    retry_settings = {name: project[name] for name in project if name.startswith("RETRY_")}
    crawler = get_crawler(ChangshouSpider, {**retry_settings, "RETRY_BACKOFF_BASE": 0})
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    page = Request("https://www.ynlx.gov.cn/zfxxgk_lxq/nbYear.html", meta={"playwright": True})
    timeout = BrowserTimeout("Timeout 30000ms exceeded.")
    retry = asyncio.run(mw.process_exception(page, timeout, crawler.spider))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1 and retry.meta["playwright"]
    last = page.replace(meta={**page.meta, "retry_times": project.getint("RETRY_TIMES")})
    assert asyncio.run(mw.process_exception(last, timeout, crawler.spider)) is None
    assert classify(timeout) == "timeout"
