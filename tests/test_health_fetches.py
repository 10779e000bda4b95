"""Report fetches count in a portal's health: reports its lists show but that cannot be fetched
(5xx, timeouts, resets) fail the portal, with a line naming the count, the commonest outcome and
an example URL.

The check alone on made-up stats and archives first; then `nianbao crawl` against a replica whose
`--break-files` portal fails most report pages and files, next to one with `--faults` (a few
failures on every portal), which stays healthy run after run.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

from archive import open_archive, runs
from archive import db as archive_db
from archive.snapshots import Failure, record_failure
from crawler.monitors import PROBLEMS, PortalHealth
from replica import ReplicaServer
from spiders.registry import ChangshouSpider

ROOT = Path(__file__).resolve().parents[1]
CS = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/"


def run_health(stats: dict, *, failed: dict[str, str] | None = None, settings: dict | None = None) -> list[str]:
    crawler = get_crawler(ChangshouSpider, settings or {})
    spider = ChangshouSpider.from_crawler(crawler)
    spider.failed_reports = dict(failed or {})
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.stats.set_stats({"finish_reason": "finished", "nianbao/listed": 40, **stats})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    return crawler.stats.get_value(PROBLEMS) or []


def failing(outcomes: dict[str, int], *, known: int, new: int = 0, new_failed: int = 0) -> dict:
    stats = {"nianbao/reports_known": known, "nianbao/reports_known/new": new, "nianbao/report_failed/new": new_failed,
             "nianbao/report_failed": sum(outcomes.values())}
    for n, (outcome, count) in enumerate(outcomes.items()):
        stats[f"nianbao/report_failed/{outcome}"] = count
        stats[f"nianbao/report_failed/example/{outcome}"] = f"{CS}2026{n:02d}/t{n}.html"
    return stats


def test_a_portal_most_of_whose_reports_fail_is_unhealthy_naming_count_outcome_and_example():
    problems = run_health(failing({"http_503": 20, "timeout": 9, "connection": 4}, known=44))
    assert problems == [f"changshou: {CS}202600/t0.html: 33 of the 44 reports it listed or linked could not be "
                        f"fetched this run (above 50%), most often http_503 (20)"]


def test_a_few_failures_are_no_problem_and_the_share_is_a_setting():
    assert run_health(failing({"http_500": 1, "timeout": 1, "truncated": 1}, known=44)) == []
    assert run_health(failing({"http_500": 2}, known=3)) == [], "fewer than NIANBAO_HEALTH_MIN_FAILED"
    assert run_health(failing({"http_500": 5}, known=44), settings={"NIANBAO_HEALTH_MAX_FAILED": 0.1}) != []


def test_new_reports_that_fail_are_counted_on_their_own():
    stats = failing({"connection": 6}, known=60, new=8, new_failed=6)
    (problem,) = run_health(stats)
    assert problem == (f"changshou: {CS}202600/t0.html: 6 of its 8 new reports could not be fetched this run "
                       f"(above 50%), most often connection (6)")


def _archive_with_failures(path: Path, failures_per_run: list[list[str]]) -> None:
    database = open_archive(path)

    def history(db):
        for urls in failures_per_run:
            run_id = runs.start(db, portals=["changshou"])
            runs.record_portal(db, run_id, "changshou", listed=40, not_due=0, seconds=1.0, health="ok")
            for url in urls:
                record_failure(db, Failure(url=url, outcome="http_500", portal="changshou", status=500,
                                           run_id=run_id, spider="changshou"))
            runs.finish(db, run_id)

    archive_db.write(database, history)
    database.close()


def test_the_same_reports_failing_run_after_run_fail_the_portal(tmp_path):
    path = tmp_path / "nianbao.db"
    stuck = [f"{CS}2019{n:02d}/t{n}.html" for n in range(6)]
    _archive_with_failures(path, [stuck, stuck + [f"{CS}other.html"]])
    settings = {"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 3}
    tonight = {url: "http_500" for url in stuck}
    # Six of 44: under the share, but the same six failed in each of the last three runs.
    (problem,) = run_health(failing({"http_500": 6}, known=44), failed=tonight, settings=settings)
    assert problem == (f"changshou: {stuck[0]}: 6 reports could not be fetched in each of its last 3 runs, "
                       f"most often http_500 (6)")
    assert run_health(failing({"http_500": 6}, known=44), failed=tonight,
                      settings={**settings, "NIANBAO_HEALTH_FAILED_RUNS": 4}) == [], "only three runs to compare"
    assert run_health(failing({"http_500": 4}, known=44), failed=dict(list(tonight.items())[:4]),
                      settings=settings) == [], "fewer than NIANBAO_HEALTH_MIN_STUCK"


def test_reports_that_failed_once_and_then_not_are_not_stuck(tmp_path):
    path = tmp_path / "nianbao.db"
    urls = [f"{CS}2019{n:02d}/t{n}.html" for n in range(6)]
    _archive_with_failures(path, [urls, []])
    assert run_health(failing({"http_500": 6}, known=44), failed={u: "http_500" for u in urls},
                      settings={"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 3}) == []


# -- the crawl ----------------------------------------------------------------------------------------

PORTALS = ["changshou", "zhuji"]
#: Two of the registry's smallest portals (six reports listed): the replica's three --faults
#: reports are a third of theirs.
SMALL = ["chaozhou", "gd_edu"]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1"]


def nianbao_crawl(db: Path, replica: str, portals: list[str] = PORTALS):
    env = {**os.environ, "NIANBAO_REPLICA": replica, "NIANBAO_RECHECK_DATE": "2026-11-25"}
    env.pop("NIANBAO_DB", None)
    return subprocess.run([sys.executable, "-m", "nianbao", "crawl", *portals, "--db", str(db), *FAST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def health(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT portal, health FROM crawl_run_portals WHERE run_id = "
                                 "(SELECT max(id) FROM crawl_runs)"))


def test_a_portal_whose_files_fail_fails_the_run_naming_it_while_the_other_is_healthy(tmp_path):
    db = tmp_path / "broken.db"
    with ReplicaServer(break_files="zhuji", portals=PORTALS) as replica:
        result = nianbao_crawl(db, replica.url)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    lines = [line for line in output.splitlines() if line.startswith("zhuji: http") and "could not be fetched" in line]
    assert len(lines) == 1, output[-3000:]
    url, reason = lines[0].removeprefix("zhuji: ").split(": ", 1)
    assert url.startswith(("https://", "http://")) and "zhuji" in url
    count, known = reason.split(" reports it listed or linked")[0].split(" of the ")
    assert int(count) > 0.5 * int(known)
    assert any(f"most often {outcome} (" in reason
               for outcome in ("http_503", "http_502", "connection", "timeout", "host_given_up"))
    assert health(db) == {"zhuji": "failed", "changshou": "ok"}


def test_a_few_failures_on_every_portal_stay_healthy_run_after_run(tmp_path):
    db = tmp_path / "faults.db"
    portals = PORTALS + SMALL
    with ReplicaServer(faults=True, portals=portals) as replica:
        for night in range(3):
            result = nianbao_crawl(db, replica.url, portals)
            assert result.returncode == 0, (night, (result.stdout + result.stderr)[-3000:])
            assert health(db) == {name: "ok" for name in portals}
    with sqlite3.connect(db) as conn:
        failed = dict(conn.execute("SELECT spider, count(DISTINCT url) FROM fetch_failures WHERE run_id = 3 "
                                   "AND outcome NOT IN ('http_404', 'http_410') GROUP BY spider"))
        listed = dict(conn.execute("SELECT portal, listed FROM crawl_run_portals WHERE run_id = 3"))
    assert {name: failed.get(name, 0) >= 3 for name in portals} == {name: True for name in portals}, \
        "the replica's faults failed each night"
    assert min(listed[name] for name in SMALL) <= 10
