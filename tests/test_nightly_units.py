"""The nightly crawl's parts, without a crawl: the re-check schedule, what a spider asks for given
what the archive holds, the health monitors (Spidermon), abandoned runs, the lock.

The crawls themselves are in `test_nightly.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import scrapy
from filelock import FileLock
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from spidermon.runners import MonitorRunner

from archive import ArchiveWriter, Fetch, open_archive, runs
from archive import db as archive_db
from crawler.monitors import PROBLEMS, PortalHealth
from crawler.recheck import DEFAULT_TIERS, RecheckSchedule, parse_tiers, spread
from crawler.spider import Entry
from spiders.registry import ChangshouSpider

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 25)
CS = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/"


# -- the schedule ----------------------------------------------------------------------------------


def test_the_period_follows_the_reports_age():
    schedule = RecheckSchedule(today=TODAY)
    assert schedule.period(TODAY - timedelta(days=30)) == 1
    assert schedule.period(TODAY - timedelta(days=364)) == 1
    assert schedule.period(TODAY - timedelta(days=365)) == 7
    assert schedule.period(TODAY - timedelta(days=3 * 365 - 1)) == 7
    assert schedule.period(TODAY - timedelta(days=3 * 365)) == 30
    assert schedule.period("2011-02-05") == 30
    assert schedule.period(None) == 1 and schedule.period("not a date") == 1


def test_recent_reports_are_due_every_night_and_undated_ones_too():
    schedule = RecheckSchedule(today=TODAY)
    for n in range(50):
        url = f"{CS}2026{n:02d}/t2026_{n}.html"
        assert schedule.due(url, TODAY - timedelta(days=n * 7))
        assert schedule.due(url, None)


@pytest.mark.parametrize("age_days, period", [(400, 7), (2000, 30)])
def test_older_reports_are_due_once_per_period_and_spread_over_the_nights(age_days, period):
    urls = [f"{CS}2019{n:04d}/t2019_{n}.html" for n in range(3000)]
    nights = [TODAY + timedelta(days=d) for d in range(period)]
    due_on = {url: [] for url in urls}
    for night in nights:
        schedule = RecheckSchedule(today=night)
        for url in urls:
            # The report ages with the nights; its period stays the same over one cycle here.
            if schedule.due(url, night - timedelta(days=age_days)):
                due_on[url].append(night)
    assert all(len(days) == 1 for days in due_on.values()), "each report exactly once per period"
    per_night = [sum(1 for days in due_on.values() if days[0] == night) for night in nights]
    share = len(urls) / period
    assert min(per_night) > 0.6 * share and max(per_night) < 1.4 * share, per_night


def test_the_spread_is_the_same_in_every_process():
    url = CS + "202301/t20230118_11519914.html"
    code = f"from crawler.recheck import spread; print(spread({url!r}))"
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(other.stdout) == spread(url)


def test_recheck_all_and_custom_tiers_from_settings():
    crawler = get_crawler(settings_dict={"NIANBAO_RECHECK": "all", "NIANBAO_RECHECK_DATE": "2026-11-25"})
    schedule = RecheckSchedule.from_settings(crawler.settings)
    assert schedule.everything and schedule.today == TODAY
    assert schedule.due(CS + "x.html", "2011-01-01")
    crawler = get_crawler(settings_dict={"NIANBAO_RECHECK_TIERS": "30:1,*:2", "NIANBAO_RECHECK_DATE": "2026-11-25"})
    schedule = RecheckSchedule.from_settings(crawler.settings)
    assert schedule.tiers == ((30, 1), (None, 2)) and schedule.period("2026-01-01") == 2
    assert parse_tiers("365:1,1095:7,*:30") == DEFAULT_TIERS
    with pytest.raises(ValueError):
        RecheckSchedule.from_settings(get_crawler(settings_dict={"NIANBAO_RECHECK": "sometimes"}).settings)


# -- what a spider asks for, given the archive ------------------------------------------------------

OLD_PAGE = CS + "201901/t20190118_1.html"      # archived, old: not due on most nights
OLD_FILE = CS + "201901/P020190118_1.pdf"      # archived, linked from OLD_PAGE
LOST_FILE = CS + "201901/P020190118_2.pdf"     # linked from OLD_PAGE, never archived
NEW_PAGE = CS + "202601/t20260118_9.html"      # archived, recent: due every night
FAILING_PAGE = CS + "201801/t20180118_3.html"  # archived, its last fetch failed


def _page_with_files(*files: str) -> bytes:
    links = "".join(f'<p><a href="{f}">附件{i}: 年度报告</a></p>' for i, f in enumerate(files))
    return f"<html><head><meta charset='utf-8'></head><body><h1>报告</h1>{links}</body></html>".encode()


def _fetch(url: str, body: bytes, *, kind: str = "page", listed_date: str | None = None, found_on: str = "",
           etag: str | None = None) -> Fetch:
    headers = {"Content-Type": ["text/html; charset=utf-8" if kind == "page" else "application/pdf"]}
    if etag:
        headers["ETag"] = [etag]
    return Fetch(portal="changshou", url=url, status=200, final_url=url, headers=headers, body=body,
                 fetched_at="2026-11-24T18:30:00Z", kind=kind, listed_date=listed_date, found_on=found_on or CS)


@pytest.fixture
def archive_path(tmp_path) -> Path:
    path = tmp_path / "nianbao.db"
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True) as writer:
        for fetch in (
            _fetch(OLD_PAGE, _page_with_files(OLD_FILE, LOST_FILE), listed_date="2019-01-18", etag='"old"'),
            _fetch(OLD_FILE, b"%PDF-1.4 old", kind="attachment", listed_date="2019-01-18", found_on=OLD_PAGE),
            _fetch(NEW_PAGE, _page_with_files(), listed_date="2026-01-18"),
            _fetch(FAILING_PAGE, _page_with_files(), listed_date="2018-01-18"),
        ):
            writer.submit_fetch(fetch).result()
        from archive import Failure

        writer.submit_failure(Failure(url=FAILING_PAGE, outcome="http_500", portal="changshou", status=500)).result()
        writer.submit_failure(Failure(url=LOST_FILE, outcome="timeout", portal="changshou")).result()
    return path


def nightly_spider(archive_path: Path, night: date, **settings):
    crawler = get_crawler(ChangshouSpider, {"NIANBAO_DB": str(archive_path), "NIANBAO_RECHECK_DATE": night.isoformat(), **settings})
    crawler.spider = ChangshouSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    crawler.spider.read_archive()
    return crawler.spider


def _a_night_when_old_page_is_not_due() -> date:
    schedule = lambda night: RecheckSchedule(today=night)  # noqa: E731
    return next(TODAY + timedelta(days=d) for d in range(60)
                if not schedule(TODAY + timedelta(days=d)).due(OLD_PAGE, "2019-01-18")
                and not schedule(TODAY + timedelta(days=d)).due(OLD_FILE, "2019-01-18"))


def urls_of(results) -> list[str]:
    return [r.url for r in results if isinstance(r, scrapy.Request)]


def test_a_report_not_due_is_not_asked_for_but_its_never_archived_file_is(archive_path):
    night = _a_night_when_old_page_is_not_due()
    spider = nightly_spider(archive_path, night)
    asked = urls_of(spider.report_fetches(Entry(OLD_PAGE, "长寿区2018年政府信息公开工作年度报告", "2019-01-18"), found_on=CS, listed=True))
    # Not the page, not its archived file (not due either), but the file whose fetch failed.
    assert asked == [LOST_FILE]
    stats = spider.crawler.stats
    assert stats.get_value("nianbao/recheck/not_due") == 2 and stats.get_value("nianbao/listed") == 1


def test_recent_failing_and_unknown_reports_are_asked_for(archive_path):
    spider = nightly_spider(archive_path, _a_night_when_old_page_is_not_due())
    for url, listed in ((NEW_PAGE, "2026-01-18"), (FAILING_PAGE, "2018-01-18"), (CS + "202611/t20261120_5.html", None)):
        assert urls_of(spider.report_fetches(Entry(url, "年度报告", listed), found_on=CS)) == [url]
    assert not spider.crawler.stats.get_value("nianbao/recheck/not_due")


def test_recheck_all_asks_for_every_archived_report(archive_path):
    spider = nightly_spider(archive_path, _a_night_when_old_page_is_not_due(), NIANBAO_RECHECK="all")
    assert urls_of(spider.report_fetches(Entry(OLD_PAGE, "年度报告", "2019-01-18"), found_on=CS)) == [OLD_PAGE]


def test_a_304_report_page_leads_to_its_archived_and_its_never_archived_files(archive_path):
    spider = nightly_spider(archive_path, TODAY, NIANBAO_RECHECK="all")
    (request,) = spider.report_fetches(Entry(OLD_PAGE, "年度报告", "2019-01-18"), found_on=CS)
    not_modified = HtmlResponse(OLD_PAGE, status=304, body=b"", request=Request(OLD_PAGE))
    results = list(spider.parse_report(not_modified, **request.cb_kwargs))
    assert results[0].status == 304 and results[0].url == OLD_PAGE
    assert sorted(urls_of(results)) == sorted([OLD_FILE, LOST_FILE])
    assert all(r.meta["nianbao_report"] and r.cb_kwargs["listing"]["found_on"] == OLD_PAGE for r in results[1:])


def test_an_archived_page_with_a_wrong_charset_label_gives_its_files_under_their_real_titles(tmp_path):
    page, file = CS + "202101/t20210118_9.html", CS + "202101/P020210118_年报.pdf"
    fetch = _fetch(page, _page_with_files(file).replace(b"<meta charset='utf-8'>", b""), listed_date="2021-01-18")
    fetch.headers["Content-Type"] = ["text/html; charset=iso-8859-1"]  # the portal's label; the bytes are UTF-8
    path = tmp_path / "mislabeled.db"
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True) as writer:
        writer.submit_fetch(fetch).result()
    spider = nightly_spider(path, TODAY, NIANBAO_RECHECK="all")
    (request,) = spider.report_fetches(Entry(page, "年度报告", "2021-01-18"), found_on=CS)
    not_modified = HtmlResponse(page, status=304, body=b"", request=Request(page))
    files = [r for r in spider.parse_report(not_modified, **request.cb_kwargs) if isinstance(r, scrapy.Request)]
    assert [(r.url, r.cb_kwargs["listing"]["title"]) for r in files] == [
        (CS + "202101/P020210118_%E5%B9%B4%E6%8A%A5.pdf", "附件0: 年度报告")
    ]


def test_reports_the_resumed_run_fetched_are_not_asked_for_again(archive_path):
    spider = nightly_spider(archive_path, TODAY, NIANBAO_RESUMED_RUNS="1", NIANBAO_RECHECK="all")
    assert urls_of(spider.report_fetches(Entry(NEW_PAGE, "年度报告", "2026-01-18"), found_on=CS)) == []
    assert spider.crawler.stats.get_value("nianbao/recheck/resumed") == 1


def test_conditional_requests_carry_the_archived_validators(archive_path):
    from crawler.middlewares import ConditionalRequestMiddleware

    spider = nightly_spider(archive_path, TODAY, NIANBAO_RECHECK="all")
    middleware = ConditionalRequestMiddleware.from_crawler(spider.crawler)
    middleware.spider_opened(spider)
    (request,) = spider.report_fetches(Entry(OLD_PAGE, "年度报告", "2019-01-18"), found_on=CS)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"old"'


# -- health (Spidermon) -----------------------------------------------------------------------------


def run_health(stats: dict, *, settings: dict | None = None):
    crawler = get_crawler(ChangshouSpider, settings or {})
    spider = ChangshouSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.stats.set_stats({"finish_reason": "finished", **stats})
    MonitorRunner().run(PortalHealth(crawler=crawler), stats=crawler.stats.get_stats(), crawler=crawler,
                        spider=spider, job=None, stats_history=[])
    return crawler.stats.get_value(PROBLEMS) or [], crawler.stats.get_value("nianbao/health/checked")


def test_a_portal_whose_lists_yield_nothing_fails_naming_the_page():
    problems, checked = run_health({"nianbao/listed": 0, "nianbao/empty_list_page/first": CS + "index.html"})
    assert checked == 1
    assert problems == [f"changshou: {CS}index.html: its lists showed no report (did the page layout change?)"]


def test_a_healthy_portal_has_no_problem():
    assert run_health({"nianbao/listed": 40}) == ([], 1)


def test_an_interrupted_crawl_is_not_judged_on_its_lists():
    problems, _ = run_health({"nianbao/listed": 0, "finish_reason": "shutdown"})
    assert problems == []


def _archive_with_history(path: Path, listed: list[tuple[int, str | None]]) -> None:
    database = open_archive(path)

    def history(db):
        for n, health in listed:
            run_id = runs.start(db, portals=["changshou"])
            runs.record_portal(db, run_id, "changshou", listed=n, not_due=0, seconds=1.0, health=health)
            runs.finish(db, run_id)

    archive_db.write(database, history)
    database.close()


def test_far_fewer_reports_than_the_last_healthy_run_fails(tmp_path):
    path = tmp_path / "nianbao.db"
    # Run 2 was unhealthy (its count is no baseline); run 3 listed 50.
    _archive_with_history(path, [(48, "ok"), (3, "failed"), (50, "ok")])
    problems, _ = run_health({"nianbao/listed": 20}, settings={"NIANBAO_DB": str(path)})
    assert problems == [f"changshou: https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/: its lists showed 20 reports, "
                        f"far fewer than the 50 of run 3 (below 50%)"]
    assert run_health({"nianbao/listed": 26}, settings={"NIANBAO_DB": str(path)})[0] == []
    assert run_health({"nianbao/listed": 40}, settings={"NIANBAO_DB": str(path), "NIANBAO_HEALTH_MIN_RATIO": 0.9})[0]


def test_report_pages_that_stop_parsing_fail(tmp_path):
    path = tmp_path / "nianbao.db"
    from archive_fixtures import report_page

    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True) as writer:
        run_id = writer.run_id
        for n in range(8):
            # Six pages the parser reads as no report (the template changed), two it reads.
            body = report_page(year=2010 + n) if n < 2 else _page_with_files()
            writer.submit_fetch(_fetch(f"{CS}2026{n:02d}/t{n}.html", body)).result()
    settings = {"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": run_id}
    problems, _ = run_health({"nianbao/listed": 8}, settings=settings)
    assert len(problems) == 1
    assert problems[0].startswith(f"changshou: {CS}2026")
    assert problems[0].endswith("its report pages stopped parsing: 6 of the 8 new versions parsed this run read as no report "
                                "(did the page template change?)")
    assert run_health({"nianbao/listed": 8}, settings={**settings, "NIANBAO_HEALTH_MAX_UNREADABLE": 0.8})[0] == []
    assert run_health({"nianbao/listed": 8}, settings={**settings, "NIANBAO_HEALTH_MIN_PAGES": 9})[0] == []


def test_an_archive_the_monitors_cannot_read_skips_its_checks_rather_than_failing_the_portal(tmp_path):
    path = tmp_path / "nianbao.db"
    path.write_bytes(b"not a database, e.g. a file being replaced " * 100)
    assert run_health({"nianbao/listed": 8}, settings={"NIANBAO_DB": str(path), "NIANBAO_RUN_ID": 1}) == ([], 1)


# -- runs: abandoned ones, the lock -----------------------------------------------------------------


def test_a_running_run_whose_process_is_gone_is_marked_killed(tmp_path):
    database = open_archive(tmp_path / "nianbao.db")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    dead = database.execute("INSERT INTO crawl_runs(started_at, outcome, pid, host) VALUES ('2026-11-24T18:30:00+00:00', "
                            "'running', ?, ?)", [gone.pid, host]).lastrowid
    elsewhere = database.execute("INSERT INTO crawl_runs(started_at, outcome, pid, host) VALUES "
                                 "('2026-11-24T18:30:00+00:00', 'running', 1, 'another-host')").lastrowid
    alive = database.execute("INSERT INTO crawl_runs(started_at, outcome, pid, host) VALUES "
                             "('2026-11-24T18:30:00+00:00', 'running', ?, ?)", [os.getpid(), host]).lastrowid
    finished = database.execute("INSERT INTO crawl_runs(started_at, outcome) VALUES ('2026-11-24T18:30:00+00:00', 'finished')").lastrowid
    marked = archive_db.write(database, lambda d: runs.mark_abandoned(d))
    assert {run["id"] for run in marked} == {dead, elsewhere}
    outcomes = dict(database.execute("SELECT id, outcome FROM crawl_runs").fetchall())
    assert outcomes == {dead: "killed", elsewhere: "killed", alive: "running", finished: "finished"}
    message = database.execute("SELECT message FROM crawl_runs WHERE id = ?", [dead]).fetchone()[0]
    assert f"({gone.pid} on {host}) was gone" in message
    database.close()


def test_a_second_crawl_on_the_same_archive_exits_at_once_naming_the_run(tmp_path):
    path = tmp_path / "nianbao.db"
    database = open_archive(path)
    run_id = archive_db.write(database, lambda d: runs.start(d, portals=["changshou"]))
    database.close()
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DB"}
    with FileLock(str(path) + ".lock"):
        result = subprocess.run(
            [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--db", str(path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 75
    assert f"run {run_id} (pid {os.getpid()}" in result.stderr and "not starting a second one" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    database = archive_db.connect(path)
    assert database.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
    database.close()


# -- the browser's hygiene ----------------------------------------------------------------------------


def test_the_browser_skips_counters_and_trackers_but_not_the_portals_scripts():
    from crawler.hygiene import is_tracker

    for url in ("https://tongji.gd.gov.cn/nfcms/visit.js?siteId=755001", "https://hm.baidu.com/hm.js?abc",
                "https://s4.cnzz.com/z_stat.php?id=1", "https://zfwzgl.www.gov.cn/exposure/jiucuo.js"):
        assert is_tracker(url), url
    for url in ("https://www.dg.gov.cn/js/jquery.js", "https://www.ynlx.gov.cn/zfxxgk/nbList.do?orgCode=A01",
                "https://www.gov.cn/zhengce/index.htm", "https://www.cqcs.gov.cn/tongji/index.html"):
        assert not is_tracker(url), url


def test_chromium_is_started_without_debians_wrapper_and_keeps_playwrights_disabled_features():
    from crawler import settings

    options = settings.PLAYWRIGHT_LAUNCH_OPTIONS
    executable = options.get("executable_path")
    if executable:
        with open(executable, "rb") as binary:
            assert binary.read(2) != b"#!", "a shell wrapper sources /etc/chromium.d (API keys, extensions)"
    (features,) = [a for a in options["args"] if a.startswith("--disable-features=")]
    # Chromium keeps only the last --disable-features: ours carries Playwright's.
    assert {"AimEnabled", "PreconnectToSearch", "OptimizationHints"} <= set(features.split("=", 1)[1].split(","))
    (rules,) = [a for a in options["args"] if a.startswith("--host-resolver-rules=")]
    assert "MAP *.google.com ~NOTFOUND" in rules


def _job_dir(root: Path, run: int) -> Path:
    spider = root / str(run) / "changshou"
    (spider / "requests.queue").mkdir(parents=True)
    (spider / "requests.queue" / "active.json").write_text("[0]")
    (spider / "spider.state").write_bytes(b"state")
    return spider


@pytest.mark.parametrize("outcome,kept", [("interrupted", True), ("killed", False)])
def test_a_job_queue_is_taken_over_only_after_a_graceful_stop(tmp_path, outcome, kept):
    # After a kill, the files may be an older stop's, left in place while the killed run popped the queue.
    from crawler.run import _take_over_jobs, jobs_root

    db = tmp_path / "nianbao.db"
    _job_dir(jobs_root(db), 4)
    jobs = _take_over_jobs(db, 4, 5, keep_queue=outcome == "interrupted")
    assert jobs == jobs_root(db) / "5" and not (jobs_root(db) / "4").exists()
    assert (jobs / "changshou" / "requests.queue" / "active.json").exists() is kept
    assert (jobs / "changshou" / "spider.state").exists() is kept


def test_a_crawl_that_cannot_start_is_recorded_failed_not_left_running(tmp_path, monkeypatch):
    import scrapy.crawler

    from crawler import run

    def broken(*args, **kwargs):
        raise RuntimeError("no reactor today")

    monkeypatch.setattr(scrapy.crawler, "CrawlerProcess", broken)
    db = tmp_path / "nianbao.db"
    with pytest.raises(RuntimeError):
        run.crawl(db, ["changshou"])
    database = archive_db.connect(db, readonly=True)
    (row,) = database.execute("SELECT outcome, message FROM crawl_runs").fetchall()
    database.close()
    assert row[0] == "failed" and "no reactor today" in row[1]


def test_a_misspelt_recheck_setting_stops_the_spider_before_it_crawls():
    with pytest.raises(ValueError, match="NIANBAO_RECHECK is 'al'"):
        ChangshouSpider.from_crawler(get_crawler(ChangshouSpider, {"NIANBAO_RECHECK": "al"}))
