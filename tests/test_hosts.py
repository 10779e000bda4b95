"""A host that stops answering is given up on for the run: its later requests are recorded as
`host_given_up` at once, and the portal's health check names the host and why.

The middleware alone on made-up attempts first; then `nianbao crawl` against a replica whose
`--break-files` portal leaves most report pages and files unanswered (hangs, resets).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost, DNSLookupError, TimeoutError

from crawler.hosts import HostGivenUp, UnresponsiveHostMiddleware, given_up_hosts
from crawler.outcomes import classify
from replica import ReplicaServer
from spiders.registry import ChangshouSpider
from test_health_fetches import run_health

ROOT = Path(__file__).resolve().parents[1]
FILES = "https://files.example.gov.cn"
OTHER = "https://www.example.gov.cn"


def middleware(after: int = 4) -> UnresponsiveHostMiddleware:
    crawler = get_crawler(ChangshouSpider, {"NIANBAO_HOST_GIVE_UP_AFTER": after})
    crawler.spider = ChangshouSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return UnresponsiveHostMiddleware.from_crawler(crawler)


def unanswered(mw: UnresponsiveHostMiddleware, url: str, exception: Exception) -> None:
    request = Request(url)
    assert mw.process_request(request) is None
    assert mw.process_exception(request, exception) is None, "retries stay the retry middleware's"


def answered(mw: UnresponsiveHostMiddleware, url: str, status: int) -> None:
    request = Request(url)
    mw.process_request(request)
    mw.process_response(request, Response(url, status=status))


def test_a_host_is_given_up_on_after_attempts_in_a_row_it_left_unanswered():
    mw = middleware(after=4)
    for n, exc in enumerate([TimeoutError(), ConnectionLost(), TimeoutError()]):
        unanswered(mw, f"{FILES}/f{n}.pdf", exc)
    answered(mw, f"{FILES}/ok.pdf", 200)  # an answer: the run of failures starts again
    for n in range(3):
        unanswered(mw, f"{FILES}/g{n}.pdf", TimeoutError())
    mw.process_request(Request(f"{FILES}/still-asked.pdf"))  # three in a row: still asked
    unanswered(mw, f"{FILES}/g3.pdf", DNSLookupError())

    with pytest.raises(HostGivenUp) as raised:
        mw.process_request(Request(f"{FILES}/later.pdf"))
    assert classify(raised.value) == "host_given_up"
    assert "files.example.gov.cn was given up on for this run" in str(raised.value)
    assert "4 attempts in a row went unanswered: 3 timeout, 1 dns" in str(raised.value)
    assert mw.process_request(Request(f"{OTHER}/page.html")) is None, "another host is still asked"
    stats = mw.crawler.stats.get_stats()
    assert given_up_hosts(stats) == {"files.example.gov.cn": ("4 attempts in a row went unanswered: 3 timeout, 1 dns", 1)}


def test_a_5xx_neither_ends_nor_lengthens_a_run_and_a_404_ends_it():
    mw = middleware(after=3)
    unanswered(mw, f"{FILES}/a.pdf", TimeoutError())
    answered(mw, f"{FILES}/b.pdf", 503)
    unanswered(mw, f"{FILES}/c.pdf", TimeoutError())
    answered(mw, f"{FILES}/d.pdf", 502)
    assert mw.process_request(Request(f"{FILES}/e.pdf")) is None, "two unanswered, two 5xx: still asked"
    answered(mw, f"{FILES}/gone.pdf", 404)
    for n in range(2):
        unanswered(mw, f"{FILES}/h{n}.pdf", TimeoutError())
    assert mw.process_request(Request(f"{FILES}/i.pdf")) is None, "the 404 was an answer"
    unanswered(mw, f"{FILES}/h2.pdf", TimeoutError())
    with pytest.raises(HostGivenUp):
        mw.process_request(Request(f"{FILES}/j.pdf"))


def test_a_http_error_of_the_body_itself_does_not_count():
    mw = middleware(after=1)
    request = Request(f"{FILES}/big.pdf")
    mw.process_exception(request, ValueError("not a network failure"))
    assert mw.process_request(Request(f"{FILES}/next.pdf")) is None


def test_giving_up_is_a_setting_and_zero_turns_it_off():
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(ChangshouSpider, {"NIANBAO_HOST_GIVE_UP_AFTER": 0})
    with pytest.raises(NotConfigured):
        UnresponsiveHostMiddleware.from_crawler(crawler)


def test_a_portal_with_a_host_given_up_on_is_unhealthy_naming_the_host_and_why():
    example = f"{FILES}/2024/report.pdf"
    stats = {"nianbao/host_given_up_reason/files.example.gov.cn": "8 attempts in a row went unanswered: 5 timeout, 3 connection",
             "nianbao/host_given_up/files.example.gov.cn": 23,
             "nianbao/report_failed/example/host_given_up": example}
    (problem,) = run_health(stats)
    assert problem == (f"changshou: {example}: gave up on files.example.gov.cn for this run after 8 attempts in a row "
                       f"went unanswered: 5 timeout, 3 connection, and did not ask it for 23 more requests "
                       f"(recorded as host_given_up)")


# -- the crawl ----------------------------------------------------------------------------------------


def test_a_host_whose_files_hang_is_given_up_on_every_report_recorded_and_the_run_fails_naming_it(tmp_path):
    """zhuji's files hang (timeouts), reset or answer 5xx: with Scrapy's own retries, every hanging
    file would cost four download timeouts. The crawl stops asking the host, records the rest, and
    the run exits 1 with a line naming the host; changshou beside it stays healthy."""
    db = tmp_path / "broken.db"
    env = {**os.environ, "NIANBAO_RECHECK_DATE": "2026-11-25"}
    env.pop("NIANBAO_DB", None)
    with ReplicaServer(break_files="zhuji", portals=["changshou", "zhuji"]) as replica:
        env["NIANBAO_REPLICA"] = replica.url
        manifest = {entry["url"] for entry in replica.manifest() if entry["portal"] == "zhuji"}
        result = subprocess.run(
            [sys.executable, "-m", "nianbao", "crawl", "changshou", "zhuji", "--db", str(db),
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_BACKOFF_BASE=0",
             "-s", "DOWNLOAD_TIMEOUT=3"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    named = [line for line in output.splitlines() if line.startswith("zhuji: http") and "gave up on " in line]
    assert len(named) == 1, output[-3000:]
    assert "attempts in a row went unanswered" in named[0] and "recorded as host_given_up" in named[0]
    with sqlite3.connect(db) as conn:
        health = dict(conn.execute("SELECT portal, health FROM crawl_run_portals"))
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM fetch_failures WHERE spider = 'zhuji' "
                                     "GROUP BY outcome"))
        settled = {url for (url,) in conn.execute(
            "SELECT url FROM pages WHERE portal = 'zhuji' UNION SELECT url FROM fetch_failures WHERE spider = 'zhuji'")}
        lists_not_asked = conn.execute("SELECT count(*) FROM fetch_failures WHERE spider = 'zhuji' "
                                       "AND outcome = 'host_given_up' AND url LIKE '%dataproxy%'").fetchone()[0]
    assert health == {"changshou": "ok", "zhuji": "failed"}
    assert outcomes.get("host_given_up", 0) > 0, outcomes
    # Without giving up, every hanging file ends as a timeout (after four); given up, a few at most.
    assert outcomes.get("timeout", 0) <= 8, outcomes
    # Every report the crawl saw listed has its outcome (the silent-loss check would say otherwise);
    # the lists live on the same host, so those of its reports whose list page was not asked for
    # are not known, and that list page is recorded instead.
    assert "run with no outcome" not in output
    unknown = manifest - settled
    assert not unknown or lists_not_asked, f"{len(unknown)} manifest reports with no outcome, and no list page not asked"
