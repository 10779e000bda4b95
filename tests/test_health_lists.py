"""List pages that cannot be fetched count in a portal's health, named in its line: a list that
times out in the browser hides its reports as surely as a changed layout, and the line says which.

The check alone on made-up stats first; then `nianbao crawl` of linxiang, whose year lists only the
browser draws, with every browser page timing out.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

from crawler.monitors import PROBLEMS, PortalHealth
from replica import ReplicaServer
from spiders.registry import ChangshouSpider

ROOT = Path(__file__).resolve().parents[1]
CS = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/"


def run_health(stats: dict, list_pages: int) -> list[str]:
    crawler = get_crawler(ChangshouSpider, {})
    spider = ChangshouSpider.from_crawler(crawler)
    spider.list_yields = {f"{CS}index_{n}.html": 1 for n in range(list_pages)}
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.stats.set_stats({"finish_reason": "finished", **stats})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    # The line names the portal's start page, then the reason.
    return [line.split(": ", 2)[2] if line.startswith(f"changshou: {spider.start_urls[0]}: ") else line
            for line in crawler.stats.get_value(PROBLEMS) or []]


def list_failures(outcomes: dict[str, int], browser: int = 0) -> dict:
    urls = [f"{CS}index_{n}.html" + (" (browser)" if n < browser else "") for n in range(sum(outcomes.values()))]
    stats = {"nianbao/list_failed": sum(outcomes.values()), "nianbao/list_failed/urls": urls[:5]}
    stats.update({f"nianbao/list_failed/{outcome}": count for outcome, count in outcomes.items()})
    if browser:
        stats["nianbao/list_failed/browser"] = browser
    return stats


def test_lists_that_could_not_be_fetched_are_named_instead_of_blaming_the_layout():
    (problem,) = run_health(list_failures({"timeout": 2}, browser=2), list_pages=2)
    assert problem == (f"its lists showed no report: 2 list pages could not be fetched (2 in the "
                       f"browser), most often timeout (2): {CS}index_0.html (browser), {CS}index_1.html (browser)")


def test_lists_that_answered_and_showed_nothing_still_blame_the_layout():
    (problem,) = run_health({}, list_pages=3)
    assert problem == "its lists showed no report (did the page layout change?)"


def test_most_list_pages_failing_fails_the_portal_though_some_showed_reports():
    stats = {"nianbao/listed": 12, **list_failures({"timeout": 6, "connection": 1})}
    (problem,) = run_health(stats, list_pages=10)
    assert problem == (f"7 list pages could not be fetched, most often timeout (6): "
                       + ", ".join(f"{CS}index_{n}.html" for n in range(5)) + " and 2 more, of the 10 it asked for (above 50%)")
    assert run_health({"nianbao/listed": 12, **list_failures({"timeout": 4})}, list_pages=10) == [], "four of ten"
    assert run_health({"nianbao/listed": 12, **list_failures({"timeout": 2})}, list_pages=3) == [], \
        "fewer than NIANBAO_HEALTH_MIN_FAILED"


def test_a_portal_whose_browser_pages_keep_timing_out_fails_naming_them(tmp_path):
    """Every page the browser renders times out (a navigation timeout no page meets): each is retried,
    recorded in `fetch_failures` as a timeout, and the portal fails with a line naming them."""
    db = tmp_path / "browser.db"
    stats_file = tmp_path / "stats.json"
    env = {**os.environ, "NIANBAO_RECHECK_DATE": "2026-11-25", "NIANBAO_STATS_FILE": str(stats_file)}
    env.pop("NIANBAO_DB", None)
    with ReplicaServer(portals=["linxiang"]) as replica:
        env["NIANBAO_REPLICA"] = replica.url
        result = subprocess.run(
            [sys.executable, "-m", "nianbao", "crawl", "linxiang", "--db", str(db),
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_BACKOFF_BASE=0",
             "-s", "RETRY_TIMES=1", "-s", "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("linxiang: http") and "list page" in line]
    assert "its lists showed no report: " in line and " in the browser), most often timeout (" in line, line
    assert "zfxxgknb.html?nbYear=" in line and "(browser)" in line, line
    assert "list page https://www.ynlx.gov.cn/zfxxgk_lxq/zfxxgknb.html?nbYear=" in output
    assert "no complete answer within 0.001 s in the browser" in output
    with sqlite3.connect(db) as conn:
        (health,) = conn.execute("SELECT health FROM crawl_run_portals").fetchone()
        timeouts = conn.execute("SELECT count(*) FROM fetch_failures WHERE spider = 'linxiang' "
                                "AND outcome = 'timeout'").fetchone()[0]
    stats = json.loads(stats_file.read_text())
    assert health == "failed" and timeouts > 0
    # Each was asked twice (RETRY_TIMES=1): the retry middleware took the browser's timeout for one.
    assert stats["retry/reason_count/playwright._impl._errors.TimeoutError"] >= timeouts, stats
