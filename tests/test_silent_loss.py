"""No silent loss: a list page that showed reports last time and shows none now fails its portal,
naming the page; with no history it is a notice recorded with the portal in `crawl_run_portals` and
shown by `nianbao runs`; every report the lists showed ends the run with an outcome.

The checks alone on a spider's made-up state first; then `nianbao crawl` against the replica's
`--faults` column whose list layout changed: once on a first night, once after a night on which it
still had its old layout (`--layout-unchanged`).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

from archive import db as archive_db
from archive import open_archive, runs
from crawler.monitors import NOTICES, PROBLEMS, PortalHealth
from replica import ReplicaServer
from spiders.registry import ChangshouSpider

ROOT = Path(__file__).resolve().parents[1]
CS = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/"


def check(*, yields: dict[str, int], empty: list[str] = (), listed=(), settled=(), settings=None):
    crawler = get_crawler(ChangshouSpider, settings or {})
    spider = ChangshouSpider.from_crawler(crawler)
    spider.list_yields, spider.empty_lists = dict(yields), list(empty)
    spider._listed, spider.settled = set(listed), set(settled)
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.stats.set_stats({"finish_reason": "finished", "nianbao/listed": max(len(listed), 40)})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    return crawler.stats.get_value(PROBLEMS) or [], crawler.stats.get_value(NOTICES) or []


def _archive_with_yields(path: Path, yields: dict[str, int], health: str = "ok") -> None:
    database = open_archive(path)

    def history(db):
        run_id = runs.start(db, portals=["changshou"])
        runs.record_portal(db, run_id, "changshou", listed=40, not_due=0, seconds=1.0, health=health,
                           list_yields=yields)
        runs.finish(db, run_id)

    archive_db.write(database, history)
    database.close()


def test_a_list_page_that_showed_reports_and_shows_none_now_fails_naming_it(tmp_path):
    path = tmp_path / "nianbao.db"
    _archive_with_yields(path, {f"{CS}wsz/": 6, f"{CS}gxq/": 3, f"{CS}hb/": 0})
    settings = {"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 2}
    problems, notices = check(yields={f"{CS}wsz/": 6, f"{CS}gxq/": 0, f"{CS}hb/": 0}, empty=[f"{CS}gxq/", f"{CS}hb/"],
                              settings=settings)
    assert problems == [f"changshou: {CS}gxq/: this list page showed 3 reports in run 1 and none now "
                        f"(did its layout change?)"]
    assert notices == [f"changshou: {CS}hb/: this list page showed no report (did its layout change?); "
                       f"no earlier run listed reports on it"], "empty last time too: noticed, not failed"


def test_a_list_page_that_cannot_be_fetched_now_counts_as_showing_none(tmp_path):
    path = tmp_path / "nianbao.db"
    _archive_with_yields(path, {f"{CS}wsz/": 6, f"{CS}gxq/": 3})
    problems, _ = check(yields={f"{CS}wsz/": 0, f"{CS}gxq/": 0}, settings={"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 2})
    assert problems == [f"changshou: {CS}wsz/: this list page showed 6 reports in run 1 and none now "
                        f"(did its layout change?) (and 1 more list page)"]


def test_only_a_healthy_run_is_the_baseline_and_a_first_run_only_notices(tmp_path):
    path = tmp_path / "nianbao.db"
    _archive_with_yields(path, {f"{CS}gxq/": 3}, health="failed")
    problems, notices = check(yields={f"{CS}gxq/": 0}, empty=[f"{CS}gxq/"],
                              settings={"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 2})
    assert problems == [] and len(notices) == 1
    assert check(yields={f"{CS}gxq/": 0}, empty=[f"{CS}gxq/"])[1] == notices, "no archive at all: noticed"


def test_a_report_archived_from_a_list_that_no_list_shows_now_is_noticed():
    from crawler.archived import ArchivedReports, Known

    archived = ArchivedReports()
    feed = f"{CS}api?page=1"
    archived.known = {
        f"{CS}t1.html": Known("page", None, None, False, found_on=feed),
        f"{CS}t2.html": Known("page", None, None, False, found_on=feed),
        f"{CS}t3.html": Known("page", None, None, True, found_on=feed),  # went 404: recorded as gone
        f"{CS}t2.pdf": Known("attachment", None, None, False, found_on=f"{CS}t2.html"),
    }
    crawler = get_crawler(ChangshouSpider, {})
    spider = ChangshouSpider.from_crawler(crawler)
    spider.archived, spider._listed, spider.settled = archived, {f"{CS}t2.html"}, {f"{CS}t2.html"}
    spider._reports_seen = {f"{CS}t2.html"}
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.stats.set_stats({"finish_reason": "finished", "nianbao/listed": 1})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    assert crawler.stats.get_value(PROBLEMS) is None
    assert crawler.stats.get_value(NOTICES) == [
        f"changshou: {feed}: 1 report archived from this list page is on no list now (removed, or moved where the "
        f"crawl does not look), e.g. {CS}t1.html"]


def test_a_listed_report_with_no_outcome_fails_the_portal():
    listed = {f"{CS}t{n}.html" for n in range(5)}
    problems, _ = check(yields={CS: 5}, listed=listed, settled=listed - {f"{CS}t3.html"})
    assert problems == [f"changshou: {CS}t3.html: 1 of the 5 reports its lists showed ended the run with no outcome "
                        f"(not archived, not modified, not due, gone or failed)"]
    assert check(yields={CS: 5}, listed=listed, settled=listed) == ([], [])


# -- the crawl ----------------------------------------------------------------------------------------

PORTALS = ["changshou", "zhuji"]
#: A gkmlpt portal: its columns share one feed, and the replica's changed column drops out of it.
FEED = "gd_edu"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1"]


def nianbao(*args: str, replica: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "NIANBAO_REPLICA": replica, "NIANBAO_RECHECK_DATE": "2026-11-25"}
    env.pop("NIANBAO_DB", None)
    return subprocess.run([sys.executable, "-m", "nianbao", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def crawl(db: Path, replica: ReplicaServer, portals: list[str] = PORTALS) -> subprocess.CompletedProcess:
    return nianbao("crawl", *portals, "--db", str(db), *FAST, replica=replica.url)


def last_run(db: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return {portal: (health, problems or "") for portal, health, problems in conn.execute(
            "SELECT portal, health, problems FROM crawl_run_portals WHERE run_id = (SELECT max(id) FROM crawl_runs)")}


def test_on_a_first_night_the_changed_column_is_recorded_and_shown(tmp_path):
    db = tmp_path / "first.db"
    with ReplicaServer(faults=True, portals=PORTALS) as replica:
        result = crawl(db, replica)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    recorded = last_run(db)
    for portal in PORTALS:
        health, problems = recorded[portal]
        assert health == "ok"
        assert f"{portal}: https://" in problems and "this list page showed no report" in problems, problems
    shown = nianbao("runs", "--db", str(db)).stdout
    assert shown.count("noticed: ") >= len(PORTALS) and "this list page showed no report" in shown, shown


def test_after_a_night_with_the_old_layout_the_changed_column_fails_the_portal(tmp_path):
    db = tmp_path / "second.db"
    with ReplicaServer(faults=True, layout_unchanged=True, portals=PORTALS + [FEED]) as replica:
        before = crawl(db, replica, PORTALS + [FEED])
    assert before.returncode == 0, (before.stdout + before.stderr)[-3000:]
    assert {portal: health for portal, (health, _) in last_run(db).items()} == {p: "ok" for p in PORTALS + [FEED]}
    with ReplicaServer(faults=True, portals=PORTALS + [FEED]) as replica:
        after = crawl(db, replica, PORTALS + [FEED])
    output = after.stdout + after.stderr
    assert after.returncode == 1, output[-3000:]
    recorded = last_run(db)
    for portal in PORTALS:
        health, problems = recorded[portal]
        assert health == "failed", (portal, problems)
        (line,) = [p for p in problems.splitlines() if "and none now" in p]
        url = line.removeprefix(f"{portal}: ").split(": ", 1)[0]
        assert url.startswith("https://") and f"{portal}: {url}:" in output
    health, problems = recorded[FEED]
    assert health == "ok" and "archived from this list page is on no list now" in problems, problems
    shown = nianbao("runs", "--db", str(db), "--last", "1").stdout
    assert "failed" in shown and "and none now" in shown and f"noticed: {FEED}: https://" in shown, shown
