"""Is each portal still healthy? Spidermon monitors run when a portal's spider closes.

A portal fails its health checks when

- its lists yield no report at all (the layout changed, the site blocks us, the reports moved);
- its lists yield far fewer reports than in its last healthy run in the archive: fewer than
  `NIANBAO_HEALTH_MIN_RATIO` (default 0.5) of them;
- its report pages stop parsing: of the new versions of report pages this run archived (at least
  `NIANBAO_HEALTH_MIN_PAGES`, default 5), more than `NIANBAO_HEALTH_MAX_UNREADABLE` (default 0.5)
  parsed as no report (template null) or with a parser error: the page template changed;
- its reports cannot be fetched (5xx, timeouts, resets, block pages; 404 and 410 are a report taken
  down, not counted): more than `NIANBAO_HEALTH_MAX_FAILED` (default 0.5) of the reports this run
  knew of, or of the new ones, failed (and at least `NIANBAO_HEALTH_MIN_FAILED`, default 3), or at
  least `NIANBAO_HEALTH_MIN_STUCK` (default 5) of the same reports failed in each of the last
  `NIANBAO_HEALTH_FAILED_RUNS` (default 3) runs. The line names the count, the commonest outcome
  and an example URL of it;
- a host stopped answering and the crawl gave up on it for the run (`crawler.hosts`): the line
  names the host, the attempts it left unanswered and how many requests were not made;
- a list page that showed reports in its last healthy run shows none now; or a report address
  its lists showed ends the run with no outcome at all (`SilentLossMonitor`). A list page that
  shows none with no history to compare with is a notice, recorded but not a failure; so is a list
  page whose pager shows more pages when none was asked for (a pager the base cannot read).

A check that compares this run with earlier ones reads them through `PortalMonitor.from_archive`
(skipped, never failed, without a readable archive) and the per-run queries of `archive.runs`
(`previous_portal_runs`, `failed_urls`, `last_list_yields`).

Each failure is one line naming the portal, a URL and the reason (`dongguan: https://...: its lists
showed no report`), logged as an error, kept in the stats (`nianbao/health/problems`) and, under
`nianbao crawl`, written to the run's record, and it makes the run exit non-zero. The other portals
are not affected: each spider is monitored on its own.

Parsing happens in the archive's worker processes, after the pages are archived. So that the
parse check sees this run's parses, `ParsesSettled` keeps a spider open, once it has nothing left
to crawl, until the run's versions of its pages are parsed (`NIANBAO_HEALTH_PARSE_WAIT` seconds
at most, default 600).

`RunProgress` logs a line per portal every `NIANBAO_PROGRESS_INTERVAL` seconds (default 60) and
one when the portal finishes.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from spidermon import Action, Monitor, MonitorSuite, monitors

from .hosts import given_up_hosts

logger = logging.getLogger(__name__)

PROBLEMS = "nianbao/health/problems"
#: What a check noticed without failing the portal (recorded with its problems, shown by `nianbao runs`).
NOTICES = "nianbao/health/notices"

# Spidermon 1.27 reports through Spider.log(), which Scrapy 2.13+ deprecates: one warning per run
# that says nothing about the crawl.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", module="spidermon")

# unittest leaves frames of modules that define `__unittest` out of a failure's report: a failed
# check then reads `AssertionError: <portal>: <url>: <reason>` in the log, not a traceback that
# looks like a crash.
__unittest = True

T = TypeVar("T")


def archive_path(settings) -> str | None:
    path = settings.get("NIANBAO_DB") or os.environ.get("NIANBAO_DB")
    return path if path and Path(path).exists() else None


def run_id(settings) -> int | None:
    value = settings.get("NIANBAO_RUN_ID") or os.environ.get("NIANBAO_RUN_ID")
    return int(value) if value else None


def read_archive(path: str, read: Callable[[Any], T]) -> T:
    """`read(db)` on a read-only connection to the archive, closed afterwards."""
    from archive import db as archive_db

    database = archive_db.connect(path, readonly=True)
    try:
        return read(database)
    finally:
        database.close()


class PortalMonitor(Monitor):
    """What the health monitors share: the portal, its stats and settings, the archive."""

    @property
    def portal(self) -> str:
        spider = self.data.spider
        return getattr(spider, "portal", spider.name)

    @property
    def settings(self):
        return self.data.crawler.settings

    def stat(self, key: str, default: Any = 0) -> Any:
        return self.data.stats.get(key, default)

    def finished(self) -> bool:
        """Only a crawl that ran to its end can be judged on what its lists yielded."""
        return self.data.stats.get("finish_reason", "finished") == "finished"

    def problem(self, url: str | None, reason: str) -> str:
        return f"{self.portal}: {url or self.start_url()}: {reason}"

    def outcomes(self, prefix: str, *not_outcomes: str) -> dict[str, int]:
        """The failures counted under `prefix` (`<prefix><outcome>`), by outcome."""
        return {key[len(prefix):]: value for key, value in self.data.stats.items()
                if key.startswith(prefix) and "/" not in key[len(prefix):] and key[len(prefix):] not in not_outcomes
                and isinstance(value, int)}

    def shares(self) -> tuple[float, int]:
        return (self.settings.getfloat("NIANBAO_HEALTH_MAX_FAILED", 0.5),
                self.settings.getint("NIANBAO_HEALTH_MIN_FAILED", 3))

    def too_many(self, failed: int, of: int) -> bool:
        """More than the set share of `of` failed, and at least the set count."""
        most, least = self.shares()
        return bool(failed) and failed >= least and failed > most * of

    def start_url(self) -> str:
        urls = getattr(self.data.spider, "start_urls", None) or ["(no start URL)"]
        return urls[0]

    def from_archive(self, read: Callable[[Any], T]) -> T:
        """`read(db)` on the archive; the check is skipped (never failed) when there is none or it
        cannot be read. Checks that compare this run with the last ones go through here."""
        path = archive_path(self.settings)
        if not path:
            self.skipTest("no archive to compare with")
        try:
            return read_archive(path, read)
        except sqlite3.Error as error:
            self.skipTest(f"cannot read the archive: {error}")


@monitors.name("Lists")
class ListsMonitor(PortalMonitor):
    @monitors.name("the lists yield reports")
    def test_lists_yield_reports(self):
        if not self.finished():
            self.skipTest("the crawl did not finish")
        if not self.stat("nianbao/listed"):
            failed = self.list_failures()
            if failed:
                self.fail(self.problem(None, f"its lists showed no report: {failed}"))
            url = self.stat("nianbao/empty_list_page/first", None)
            self.fail(self.problem(url, "its lists showed no report (did the page layout change?)"))

    @monitors.name("the list pages can be fetched")
    def test_list_pages_can_be_fetched(self):
        """More than NIANBAO_HEALTH_MAX_FAILED of the list pages asked for could not be fetched (at
        least NIANBAO_HEALTH_MIN_FAILED): the reports on them went unseen this run."""
        asked = len(getattr(self.data.spider, "list_yields", None) or {})
        if not self.stat("nianbao/listed") or not self.too_many(self.stat("nianbao/list_failed"), asked):
            return
        most, _ = self.shares()
        self.fail(self.problem(None, f"{self.list_failures()}, of the {asked} it asked for (above {most:.0%})"))

    def list_failures(self) -> str:
        """`N list pages could not be fetched (M in the browser), most often timeout (K): url, url`."""
        failed = self.stat("nianbao/list_failed")
        if not failed:
            return ""
        outcomes = self.outcomes("nianbao/list_failed/", "urls", "browser")
        outcome, count = max(outcomes.items(), key=lambda pair: (pair[1], pair[0])) if outcomes else ("error", failed)
        browser = self.stat("nianbao/list_failed/browser")
        named = self.stat("nianbao/list_failed/urls", None) or []
        more = f" and {failed - len(named)} more" if failed > len(named) else ""
        return (f"{failed} list page{'s' if failed != 1 else ''} could not be fetched"
                f"{f' ({browser} in the browser)' if browser else ''}, most often {outcome} ({count}): "
                f"{', '.join(named)}{more}")

    @monitors.name("the lists yield about as many reports as last time")
    def test_lists_yield_about_as_many_as_last_time(self):
        listed = self.stat("nianbao/listed")
        path = archive_path(self.settings)
        if not self.finished() or not listed or not path:
            self.skipTest("nothing to compare")
        from archive import runs

        ratio = self.settings.getfloat("NIANBAO_HEALTH_MIN_RATIO", 0.5)
        try:
            last = read_archive(path, lambda db: runs.last_healthy(db, self.portal, before=run_id(self.settings)))
        except sqlite3.Error as error:
            self.skipTest(f"cannot read the last runs: {error}")
        if last and listed < ratio * last["listed"]:
            url = self.stat("nianbao/empty_list_page/first", None)
            self.fail(self.problem(
                url,
                f"its lists showed {listed} reports, far fewer than the {last['listed']} of run {last['run_id']} "
                f"(below {ratio:.0%})",
            ))


@monitors.name("Report pages")
class ParsingMonitor(PortalMonitor):
    @monitors.name("the report pages parse")
    def test_report_pages_parse(self):
        path, run = archive_path(self.settings), run_id(self.settings)
        if not path or not run:
            self.skipTest("no archive run to read the parses from")
        from archive import runs

        try:
            health = read_archive(path, lambda db: runs.parse_health(db, run, self.portal))
        except sqlite3.Error as error:
            self.skipTest(f"cannot read the parses: {error}")
        least = self.settings.getint("NIANBAO_HEALTH_MIN_PAGES", 5)
        most = self.settings.getfloat("NIANBAO_HEALTH_MAX_UNREADABLE", 0.5)
        if health["parsed"] < least:
            self.skipTest(f"{health['parsed']} report pages parsed this run, fewer than {least}")
        if health["unreadable"] > most * health["parsed"]:
            self.fail(self.problem(
                health["example"],
                f"its report pages stopped parsing: {health['unreadable']} of the {health['parsed']} new "
                f"versions parsed this run read as no report (did the page template change?)",
            ))


@monitors.name("Report fetches")
class ReportFetchMonitor(PortalMonitor):
    """The reports the lists showed (and the files their pages link) must be fetchable: a portal
    whose reports answer 5xx, time out, reset or send a block page is broken for its readers however
    full its lists are. 404 and 410 (a report taken down) are not counted: the archive marks those gone.

    - more than NIANBAO_HEALTH_MAX_FAILED (default 0.5) of the reports this run knew of, or of the
      new ones among them, could not be fetched (at least NIANBAO_HEALTH_MIN_FAILED, default 3):
      half, because the smallest portals list six reports, and a few failures of their own (a
      dead file server behind one report, `--faults` in the replica) are not the portal broken;
      the same few failing night after night are the check below;
    - at least NIANBAO_HEALTH_MIN_STUCK (default 5) of the same reports could not be fetched in
      each of the last NIANBAO_HEALTH_FAILED_RUNS (default 3) runs, this one included.
    """

    def commonest(self, outcomes: dict[str, int]) -> tuple[str, int, str | None]:
        outcome, count = max(outcomes.items(), key=lambda pair: (pair[1], pair[0]))
        return outcome, count, self.stat(f"nianbao/report_failed/example/{outcome}", None)

    @monitors.name("the reports can be fetched")
    def test_reports_can_be_fetched(self):
        failed, known = self.stat("nianbao/report_failed"), self.stat("nianbao/reports_known")
        most, _ = self.shares()
        if not self.too_many(failed, known):
            return
        outcome, count, example = self.commonest(self.outcomes("nianbao/report_failed/", "new"))
        self.fail(self.problem(example, f"{failed} of the {known} reports it listed or linked could not be fetched "
                                        f"this run (above {most:.0%}), most often {outcome} ({count})"))

    @monitors.name("the new reports can be fetched")
    def test_new_reports_can_be_fetched(self):
        failed, new = self.stat("nianbao/report_failed/new"), self.stat("nianbao/reports_known/new")
        most, _ = self.shares()
        if not self.too_many(failed, new):
            return
        if self.stat("nianbao/report_failed") > most * self.stat("nianbao/reports_known"):
            self.skipTest("the check of all its reports says it already")
        outcome, count, example = self.commonest(self.outcomes("nianbao/report_failed/", "new"))
        self.fail(self.problem(example, f"{failed} of its {new} new reports could not be fetched this run "
                                        f"(above {most:.0%}), most often {outcome} ({count})"))

    @monitors.name("the same reports do not fail run after run")
    def test_the_same_reports_do_not_fail_run_after_run(self):
        failing: dict[str, str] = getattr(self.data.spider, "failed_reports", None) or {}
        in_a_row = self.settings.getint("NIANBAO_HEALTH_FAILED_RUNS", 3)
        least = self.settings.getint("NIANBAO_HEALTH_MIN_STUCK", 5)
        if len(failing) < least or in_a_row < 2:
            return
        from archive import runs

        spider = self.data.spider.name

        def earlier_failures(db) -> list[set[str]]:
            before = runs.previous_portal_runs(db, self.portal, before=run_id(self.settings), count=in_a_row - 1)
            return [runs.failed_urls(db, run, spider) for run in before]

        earlier = self.from_archive(earlier_failures)
        if len(earlier) < in_a_row - 1:
            self.skipTest(f"fewer than {in_a_row} runs to compare")
        stuck = set(failing).intersection(*earlier)
        if len(stuck) < least:
            return
        outcome, count = Counter(failing[url] for url in stuck).most_common(1)[0]
        example = min(url for url in stuck if failing[url] == outcome)
        self.fail(self.problem(example, f"{len(stuck)} reports could not be fetched in each of its last {in_a_row} runs, "
                                        f"most often {outcome} ({count})"))


@monitors.name("Hosts")
class UnresponsiveHostsMonitor(PortalMonitor):
    """A host the crawl gave up on (it left NIANBAO_HOST_GIVE_UP_AFTER attempts in a row unanswered,
    `crawler.hosts`) is a portal broken for this run, however few of its requests went there."""

    @monitors.name("no host stopped answering")
    def test_no_host_was_given_up(self):
        hosts = given_up_hosts(self.data.stats)
        if not hosts:
            return
        said = "; ".join(f"gave up on {host} for this run after {why}, and did not ask it for {skipped} more "
                         f"request{'s' if skipped != 1 else ''} (recorded as host_given_up)"
                         for host, (why, skipped) in sorted(hosts.items()))
        self.fail(self.problem(self.stat("nianbao/report_failed/example/host_given_up", None), said))


@monitors.name("Silent loss")
class SilentLossMonitor(PortalMonitor):
    """No report may vanish without a record.

    - A list page that showed reports in the portal's last healthy run and shows none now (its
      layout changed, it moved, it cannot be fetched) fails the portal, naming the page: the
      portal's other lists may be full enough for the count checks not to notice.
    - A list page that showed no report when the lists should have (the spider's warning), with no
      earlier run that listed reports on it, is a notice: recorded with the portal's problems in
      `crawl_run_portals` and shown by `nianbao runs`, without failing the portal.
    - A report archived from a list page that no list shows now (and that did not go 404/410) is a
      notice too, under the list page it was last found on.
    - A list page whose pager says it has more pages (`共3页`, `countPage = 3`, a 下一页 link) when
      the platform base asked for none of them (a pager it cannot read) is a notice, naming the
      page and what showed it: the column's later pages were not crawled.
    - Every report address the lists showed must end the run with an outcome: handed to the
      archive, not due, gone, or failed (`fetch_failures`). Those with none are counted and fail
      the portal (a request lost between the spider and the archive).
    """

    def notice(self, url: str, reason: str) -> None:
        stats = self.data.crawler.stats
        notices = list(stats.get_value(NOTICES) or [])
        line = self.problem(url, reason)
        if line not in notices:
            notices.append(line)
            logger.warning("noticed: %s", line)
        stats.set_value(NOTICES, notices)

    def last_yields(self) -> dict[str, Any] | None:
        if not archive_path(self.settings):
            return None
        from archive import runs

        return self.from_archive(lambda db: runs.last_list_yields(db, self.portal, before=run_id(self.settings)))

    @monitors.name("a list page that showed reports last time shows some now")
    def test_list_pages_still_show_reports(self):
        if not self.finished():
            self.skipTest("the crawl did not finish")
        if not self.stat("nianbao/listed"):
            self.skipTest("its lists showed no report at all: the check of all its lists says it")
        yields: dict[str, int] = getattr(self.data.spider, "list_yields", None) or {}
        empty = [url for url, count in yields.items() if not count]
        last = self.last_yields() if empty else None
        before = (last or {}).get("yields", {})
        lost = [url for url in empty if before.get(url)]
        for url in getattr(self.data.spider, "empty_lists", None) or []:
            if url not in lost:
                self.notice(url, "this list page showed no report (did its layout change?); no earlier run listed "
                                 "reports on it")
        if lost:
            more = f" (and {len(lost) - 1} more list page{'s' if len(lost) > 2 else ''})" if len(lost) > 1 else ""
            self.fail(self.problem(lost[0], f"this list page showed {_reports(before[lost[0]])} in run {last['run_id']} "
                                            f"and none now (did its layout change?){more}"))

    @monitors.name("a list page that shows more pages had them asked for")
    def test_list_pages_with_more_pages_were_paged(self):
        for url, shown in (getattr(self.data.spider, "unread_pagers", None) or {}).items():
            self.notice(url, f"this list page shows more pages ({shown}) but no further list page was asked for "
                             "(a pager the crawler cannot read): the column's later pages were not crawled")

    @monitors.name("the reports archived from its lists are still listed")
    def test_archived_reports_are_still_listed(self):
        """A notice, not a failure: reports leave lists for good reasons too (a site keeps only its
        latest years). A column whose reports are merged into a shared feed has no list page of its
        own to compare, so its reports going missing shows here."""
        spider = self.data.spider
        if not self.finished() or not self.stat("nianbao/listed") or getattr(spider, "_listed", None) is None:
            self.skipTest("nothing to compare")
        known = getattr(getattr(spider, "archived", None), "known", None) or {}
        seen = set(spider._listed) | getattr(spider, "_reports_seen", set())
        dropped: dict[str, list[str]] = {}
        for url, report in known.items():
            listed_on = report.found_on
            if report.failing or not listed_on or listed_on in known or url in seen:
                continue
            dropped.setdefault(listed_on, []).append(url)
        for listed_on, urls in sorted(dropped.items()):
            self.notice(listed_on, f"{_reports(len(urls))} archived from this list page {'are' if len(urls) > 1 else 'is'} "
                                   f"on no list now (removed, or moved where the crawl does not look), e.g. {min(urls)}")

    @monitors.name("every listed report ends the run with an outcome")
    def test_every_listed_report_has_an_outcome(self):
        if not self.finished():
            self.skipTest("the crawl did not finish")
        spider = self.data.spider
        listed = getattr(spider, "_listed", None)
        if listed is None:
            self.skipTest("not a portal spider")
        missing = sorted(set(listed) - getattr(spider, "settled", set()))
        self.data.crawler.stats.set_value("nianbao/listed/without_outcome", len(missing))
        if missing:
            self.fail(self.problem(missing[0], f"{len(missing)} of the {len(listed)} reports its lists showed ended the "
                                               f"run with no outcome (not archived, not modified, not due, gone or "
                                               f"failed)"))


def _reports(count: int) -> str:
    return f"{count} report{'s' if count != 1 else ''}"


class RecordProblems(Action):
    """Put each failed check's line in the stats and the log (`nianbao crawl` records and exits on them)."""

    def run_action(self):
        stats = self.data.crawler.stats
        problems = list(stats.get_value(PROBLEMS) or [])
        for result in self.result.monitors_failed_results:
            problems.append(_reason(result.error))
        stats.set_value(PROBLEMS, problems)
        for line in problems:
            logger.error("health check failed: %s", line)


class RecordChecked(Action):
    """Note that the checks ran (a portal whose checks never ran is not called healthy)."""

    def run_action(self):
        self.data.crawler.stats.set_value("nianbao/health/checked", 1)


def _reason(error: str) -> str:
    """The message a failed check gave `self.fail()`, out of unittest's traceback text."""
    match = re.search(r"AssertionError: (.*)\s*$", error or "", re.S)
    return (match.group(1) if match else (error or "failed").strip().splitlines()[-1]).strip()


class PortalHealth(MonitorSuite):
    """The health checks of one portal's crawl (SPIDERMON_SPIDER_CLOSE_MONITORS)."""

    monitors = [ListsMonitor, ParsingMonitor, ReportFetchMonitor, UnresponsiveHostsMonitor, SilentLossMonitor]
    monitors_finished_actions = [RecordChecked]
    monitors_failed_actions = [RecordProblems]

    def __init__(self, *args, crawler=None, **kwargs) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            self.add_alerts(crawler)

    def add_alerts(self, crawler) -> None:
        """After RecordProblems: the alert actions the settings name (crawler/alerts.py)."""
        from spidermon.exceptions import NotConfigured

        from .alerts import alert_actions

        for action in alert_actions(crawler.settings):
            try:
                self.add_monitors_failed_action(action)
            except NotConfigured as error:
                logger.error("health alert %s left out: %s", action.__name__, error)


class ParsesSettled:
    """Keep a spider open, once it has nothing left to crawl, until this run's new versions of
    its report pages are parsed, so the parse check judges them all.

    The spider is held with DontCloseSpider; the parses are polled every half second and the
    spider is closed (`finished`) as soon as they are done, rather than at Scrapy's next 5-second
    idle check.
    """

    POLL_S = 0.5

    def __init__(self, crawler, path: str, run: int, wait: float) -> None:
        self.crawler = crawler
        self.path = path
        self.run = run
        self.wait = wait
        self.since: float | None = None
        self.poll = None
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        path, run = settings.get("NIANBAO_DB"), run_id(settings)
        wait = settings.getfloat("NIANBAO_HEALTH_PARSE_WAIT", 600)
        if not path or not run or wait <= 0 or not settings.getbool("SPIDERMON_ENABLED"):
            raise NotConfigured
        extension = cls(crawler, path, run, wait)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def pending(self, portal: str) -> int:
        from archive import runs

        try:
            health = read_archive(self.path, lambda db: runs.parse_health(db, self.run, portal))
        except sqlite3.Error:
            return 0
        return health["versions"] - health["parsed"]

    def settled(self, spider) -> bool:
        portal = getattr(spider, "portal", spider.name)
        left = self.pending(portal)
        if not left:
            return True
        now = time.monotonic()
        if self.since is None:
            self.since = now
            logger.info("%s: waiting for the parser (%d report page versions left) before the health checks", portal, left)
        if now - self.since < self.wait:
            return False
        logger.warning("%s: %d report page versions still unparsed after %.0f s: checking the rest", portal, left, self.wait)
        return True

    def spider_idle(self, spider) -> None:
        if self.closed or self.settled(spider):
            return
        if self.poll is None:
            from scrapy.utils.asyncio import create_looping_call

            self.poll = create_looping_call(self._check, spider)
            self.poll.start(self.POLL_S, now=False)
        raise DontCloseSpider("report page versions still being parsed")

    def _check(self, spider) -> None:
        if self.closed or not self.settled(spider):
            return
        self.poll.stop()
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))

    def spider_closed(self, spider) -> None:
        self.closed = True
        if self.poll is not None and self.poll.running:
            self.poll.stop()


class RunProgress:
    """A progress line per portal: every NIANBAO_PROGRESS_INTERVAL seconds, and when it finishes."""

    def __init__(self, crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 60))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        _warn_without_contact(self.crawler.settings)
        if self.interval > 0:
            from scrapy.utils.asyncio import create_looping_call

            self.task = create_looping_call(self.log_progress, spider)
            self.task.start(self.interval, now=False)

    @property
    def archiving(self) -> bool:
        return bool(self.crawler.settings.get("NIANBAO_DB"))

    def log_progress(self, spider) -> None:
        logger.info("%s: %s so far (%.0f s)", spider.name, summary(self.crawler.stats.get_stats(), archived=self.archiving),
                    time.monotonic() - self.started)

    def spider_closed(self, spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        seconds = time.monotonic() - self.started
        stats = self.crawler.stats
        stats.set_value("nianbao/seconds", round(seconds, 3))
        problems = stats.get_value(PROBLEMS) or []
        checked = stats.get_value("nianbao/health/checked")
        health = f"FAILED ({len(problems)} health check{'s' if len(problems) > 1 else ''})" if problems else (
            "healthy" if checked else "not checked")
        log = logger.error if problems or reason != "finished" else logger.info
        log("%s %s in %.1f s: %s; %s", spider.name, "finished" if reason == "finished" else f"stopped ({reason})",
            seconds, summary(stats.get_stats(), archived=self.archiving), health)


_warned_of_contact = False


def _warn_without_contact(settings) -> None:
    """Once per process, for `scrapy crawl` (`nianbao crawl` says it itself, once per run)."""
    global _warned_of_contact
    if _warned_of_contact or settings.get("NIANBAO_RUN_ID") or settings.get("NIANBAO_REPLICA"):
        return
    if settings.get("NIANBAO_CONTACT") == settings.get("NIANBAO_DEFAULT_CONTACT"):
        _warned_of_contact = True
        logger.warning("NIANBAO_CONTACT is not set, so the User-Agent gives the project's address, not yours: "
                       "set it to a URL or mailto: of whoever runs this crawl")


def summary(stats: dict[str, Any], *, archived: bool = True) -> str:
    """`120 requests, 1.2 MB, 50 listed: 3 new, 1 changed, 40 not modified, 6 not due; 1 error`
    (without an archive: `50 listed: 44 fetched, 6 not due; nothing archived; 1 error`)."""
    get = lambda key: stats.get(key) or 0  # noqa: E731
    errors = sum(value for key, value in stats.items() if key.startswith("nianbao/outcome/") and isinstance(value, int)
                 and key != "nianbao/outcome/encoding_mislabeled")
    not_due = f"{get('nianbao/recheck/not_due') + get('nianbao/recheck/resumed')} not due"
    parts = [
        f"{get('nianbao/archive/new')} new", f"{get('nianbao/archive/changed')} changed",
        f"{get('nianbao/archive/seen_again')} unchanged", f"{get('nianbao/archive/not_modified')} not modified", not_due,
    ] if archived else [
        f"{get('nianbao/reports/page') + get('nianbao/reports/attachment')} fetched", not_due, "nothing archived",
    ]
    rendered = get("playwright/request_count/navigation")
    return (
        f"{get('downloader/request_count')} requests, {get('downloader/response_bytes') / 1e6:.2f} MB, "
        f"{get('nianbao/listed')} listed: {', '.join(parts)}; {errors} error{'s' if errors != 1 else ''}"
        + (f"; {rendered} page{'s' if rendered != 1 else ''} rendered by the browser" if rendered else "")
    )
