"""What `nianbao crawl` shows a person at the terminal while it runs.

The log (Scrapy's start-up dump, every request's story, the stats) goes to the run's log file;
the terminal gets warnings and errors only (everything with `-v`), and a progress display:

- on a terminal (stderr is a TTY): a live line per portal crawling (rich), with the lists read,
  reports found, fetched and left, the rate and an estimate, under a line for the whole run;
- elsewhere (cron, the journal, a pipe): one plain line for the whole run every
  `NIANBAO_PROGRESS_INTERVAL` seconds (default 60).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Any


class TerminalHandler(logging.StreamHandler):
    """A log handler on whatever `sys.stderr` is now: the live display swaps it for a proxy that
    prints log lines above the progress bars."""

    def __init__(self, level: int, *, one_line: bool = False) -> None:
        super().__init__(sys.stderr)
        self.setLevel(level)
        #: A record's traceback and further lines stay in the log file: a warning is one line here.
        self.one_line = one_line

    def format(self, record: logging.LogRecord) -> str:
        if not self.one_line:
            return super().format(record)
        # A copy: the log file's handler formats the same record, traceback and all.
        bare = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
        first, *rest = super().format(bare).splitlines() or [""]
        return first + (" … (the rest in the run's log file)" if rest or record.exc_info or record.exc_text else "")

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


@dataclass
class PortalCounts:
    """A portal's progress, read off its crawler's stats."""

    lists: int = 0
    found: int = 0
    fetched: int = 0
    failed: int = 0
    not_due: int = 0

    @classmethod
    def of(cls, stats: dict[str, Any]) -> "PortalCounts":
        get = lambda key: stats.get(key) or 0  # noqa: E731
        return cls(
            lists=get("nianbao/list_pages"),
            found=get("nianbao/reports_known"),
            fetched=get("nianbao/reports/page") + get("nianbao/reports/attachment"),
            failed=get("nianbao/report_failed") + get("nianbao/report_gone"),
            not_due=get("nianbao/recheck/not_due") + get("nianbao/recheck/resumed"),
        )

    @property
    def done(self) -> int:
        return min(self.fetched + self.failed + self.not_due, self.found)

    @property
    def left(self) -> int:
        return self.found - self.done


def _name(crawler) -> str:
    return crawler.spider.name if crawler.spider is not None else crawler.spidercls.name


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class RunDisplay:
    """The progress of one `nianbao crawl`: its crawlers as they start, read every tick."""

    def __init__(self, portals: int, *, live: bool, interval: float) -> None:
        self.portals = portals
        self.live = live
        self.interval = interval
        self.crawlers: list = []
        #: When each crawler started (its rate counts from then).
        self.since: dict[int, float] = {}
        self.started = time.monotonic()
        self.loop = None
        self.progress = None
        self.tasks: dict[int, Any] = {}
        self.overall = None

    @classmethod
    def for_terminal(cls, portals: int, settings) -> "RunDisplay":
        return cls(portals, live=sys.stderr.isatty(), interval=settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 60))

    def add(self, crawler) -> None:
        self.crawlers.append(crawler)
        self.since[id(crawler)] = time.monotonic()

    # -- the clock ------------------------------------------------------------------------------

    def start(self) -> None:
        """Tick from the reactor (call it once the crawl is set up, before `process.start()`)."""
        from twisted.internet import task

        if self.live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("{task.description:<12}"), BarColumn(bar_width=24), TextColumn("{task.fields[detail]}"),
                TimeRemainingColumn(), redirect_stderr=True, redirect_stdout=False, transient=True,
                console=_stderr_console(),
            )
            self.progress.start()
            self.overall = self.progress.add_task("run", total=self.portals, detail="")
            period = 0.5
        elif self.interval > 0:
            period = self.interval
        else:
            return
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(period, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def tick(self) -> None:
        if self.progress is not None:
            self.draw()
        else:
            sys.stderr.write(self.line() + "\n")
            sys.stderr.flush()

    # -- what it shows --------------------------------------------------------------------------

    def finished(self, crawler) -> bool:
        return crawler.stats.get_value("finish_reason") is not None

    def line(self) -> str:
        """`progress 2 min 10 s: 40 of 116 portals done, 16 crawling; 3,400 reports found, 2,900 fetched,
        420 left; 31 reports/s; about 3 min left`."""
        elapsed = time.monotonic() - self.started
        done = sum(self.finished(c) for c in self.crawlers)
        crawling = len(self.crawlers) - done
        counts = [PortalCounts.of(c.stats.get_stats()) for c in self.crawlers]
        found, fetched, left = (sum(getattr(c, name) for c in counts) for name in ("found", "fetched", "left"))
        rate = sum(c.done for c in counts) / elapsed if elapsed > 0 else 0
        estimate = ""
        if done:
            estimate = f"; about {_duration(elapsed / done * (self.portals - done))} left"
        return (f"progress {_duration(elapsed)}: {done} of {self.portals} portals done, {crawling} crawling; "
                f"{found:,} reports found, {fetched:,} fetched, {left:,} left; {rate:.0f} reports/s{estimate}")

    def draw(self) -> None:
        progress = self.progress
        for crawler in self.crawlers:
            key = id(crawler)
            elapsed = time.monotonic() - self.since.get(key, self.started)
            if self.finished(crawler):
                if key in self.tasks:
                    progress.remove_task(self.tasks.pop(key))
                continue
            counts = PortalCounts.of(crawler.stats.get_stats())
            rate = counts.done / max(elapsed, 1e-3)
            detail = (f"{counts.lists} lists, {counts.found} found, {counts.fetched} fetched, {counts.left} left, "
                      f"{rate:.1f}/s")
            if key not in self.tasks:
                self.tasks[key] = progress.add_task(_name(crawler), total=None, detail=detail)
            progress.update(self.tasks[key], completed=counts.done, total=max(counts.found, 1), detail=detail)
        done = sum(self.finished(c) for c in self.crawlers)
        progress.update(self.overall, completed=done, detail=f"{done} of {self.portals} portals done")


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)
