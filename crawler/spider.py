"""What every portal spider shares: start, list pages -> report requests, items, failures.

A platform base (`crawler/platforms/`) knows how one site platform lays out its columns and lists;
it calls `report_requests()` with the entries it read off a list page and `list_request()` for
further list pages. This module turns entries into report requests once each (canonical URL, titles
that are not annual reports skipped), reports into `ReportItem`s, report pages into requests for
their attachments, and every failure into one log line, a stat and the `fetch_failed` signal.

Crawling into an archive (`NIANBAO_DB`), list pages are fetched every run but an archived report
only when the re-check schedule says so (`crawler.recheck`); a report page not fetched again (not
due, or answering 304) still leads to its files, read off its archived copy, so a file whose fetch
failed before is asked for again.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from . import discovery, registry, signals
from .archived import ArchivedReports
from .bodies import body_failure, truncated_failure
from .dates import parse_date
from .items import ReportItem
from .middlewares import read_as_what_it_is
from .outcomes import GONE_OUTCOMES, classify
from .recheck import RecheckSchedule
from .titles import is_annual_report, is_report_file_link, normalise_title
from .urls import ATTACHMENT_EXTENSIONS, NO_TWINS, TwinRules, canonical_url, is_attachment_response, is_attachment_url, list_key


@dataclass
class Entry:
    """One link a list page shows: where it points, its title and its date as listed."""

    url: str
    title: str
    date: str | None = None
    column: str = ""


#: The failed list pages a portal's stats name (the health check's line shows them).
LIST_FAILURES_NAMED = 5

_BREADCRUMB_CLASSES = (
    "crumb", "position", "location", "dqwz", "weizhi", "wz", "current", "path", "bread", "lujing", "nav-path",
)
_BREADCRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|＞|›|→|/)\s*")
_BREADCRUMB_LEAD = re.compile(r"^.*?(?:当前位置|您的位置|现在的位置|所在位置|位置)\s*[:：]?\s*")


#: A link to a report file somewhere in a page's bytes (cheap test before parsing an archived page).
_FILE_LINK = re.compile(
    rb"""href\s*=\s*["']?[^"'\s>]*\.(?:%s)\b""" % "|".join(sorted(ATTACHMENT_EXTENSIONS)).encode(), re.I
)

_GENERIC_COLUMN = re.compile(
    r"政府信息公开|信息公开|政务公开|年度报告|工作报告|年报|工作|目录|专栏|列表|正文|首页|网站|门户|平台|当前位置|>"
    r"|(?:19|20)\d{2}年?度?"
)


def is_generic_column(name: str) -> bool:
    """Whether a menu or breadcrumb label names the kind of column, not the agency (政府信息公开年报)."""
    return not _GENERIC_COLUMN.sub("", name).strip(" 　:：>") or bool(re.fullmatch(r"\s*(?:首页|更多|more)\s*", name))


def breadcrumb(response: TextResponse) -> list[str]:
    """The page's "您当前的位置: 首页 > ... > 万顺镇" trail, as its parts; [] when there is none."""
    conditions = " or ".join(
        f"contains(translate(@class,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{c}')"
        f" or contains(translate(@id,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{c}')"
        for c in _BREADCRUMB_CLASSES
    )
    candidates = response.xpath(f"//*[{conditions}]") + response.xpath(
        "//*[contains(text(),'位置')]/ancestor-or-self::*[position()<=2]"
    )
    for node in candidates:
        text = normalise_title(" ".join(node.xpath(".//text()").getall()))
        if not text or len(text) > 200 or not re.search(r"位置|首页|>|»|＞", text):
            continue
        parts = [p for p in _BREADCRUMB_SPLIT.split(_BREADCRUMB_LEAD.sub("", text)) if p]
        if len(parts) >= 2:
            return parts
    return []


def entries_from_links(
    selector: scrapy.Selector | TextResponse,
    base_url: str,
    href: re.Pattern[str] | str,
    column: str = "",
    *,
    files: bool = True,
) -> list[Entry]:
    """List entries from every `<a>` under `selector` whose resolved address matches `href`
    (or, with `files`, is a report file: lists sometimes link the PDF itself).

    The title is the link's `title` attribute, else its text; the date is the first date printed in
    the entry around the link (its `<li>`, `<tr>`, `<dd>` or parent), else one in the address.
    """
    from urllib.parse import urljoin

    pattern = re.compile(href) if isinstance(href, str) else href
    entries = []
    for link in selector.xpath(".//a[@href]"):
        raw = (link.attrib.get("href") or "").strip()
        if not raw or raw.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, raw)
        if not (pattern.search(url) or (files and is_attachment_url(url))):
            continue
        text = normalise_title(" ".join(link.xpath(".//text()").getall()))
        title = normalise_title(link.attrib.get("title")) or text
        # The entry's row (a `<dl>` whose `<dd>` cells hold the link and the date, too), else its cell.
        around = (link.xpath("ancestor::*[self::li or self::tr or self::dl][1]")
                  or link.xpath("ancestor::*[self::dd or self::dt or self::p][1]"))
        context = " ".join((around[0] if around else link.xpath("..")[0]).xpath(".//text()").getall())
        date = parse_date(context.replace(text, " ")) or parse_date(re.sub(r"\d{6,}(?!\d)", " ", url))
        entries.append(Entry(url=url, title=title, date=date, column=column))
    return entries


def twins_with_hosts(rules: TwinRules, start_urls: Iterable[str]) -> TwinRules:
    """`rules` completed for a portal's start URLs: their scheme is the canonical one, and each start
    host's bare or `www.` twin folds into the first form the start URLs give."""
    urls = list(start_urls)
    if not urls:
        return rules
    aliases = dict(rules.host_aliases)
    canonical: dict[str, str] = {}
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        bare = host[4:] if host.startswith("www.") else host
        canonical.setdefault(bare, aliases.get(host, host))
    for bare, host in canonical.items():
        for twin in {bare, "www." + bare} - {host}:
            aliases.setdefault(twin, host)
    scheme = urlsplit(urls[0]).scheme or rules.scheme
    return replace(rules, host_aliases=aliases, scheme=scheme)


class PortalSpider(scrapy.Spider):
    """Base of every portal spider.

    A registry portal's spider takes its start URLs from its registry line (`crawler.registry`);
    a platform's generic spider (`scrapy crawl trs -a start_url=URL`) from its argument. A start URL
    that is a home page leads to the annual-report column through its links (`crawler.discovery`).
    """

    #: How this portal's twin addresses fold into one (see `crawler.urls.TwinRules`).
    twins: TwinRules = NO_TWINS

    #: Whether its list pages are rendered by a browser: a run starts only a few such portals at
    #: once (`NIANBAO_BROWSER_PORTALS_AT_ONCE`).
    uses_browser: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name and "start_urls" not in cls.__dict__:
            try:
                cls.start_urls = list(registry.get(name).start)
            except KeyError:
                pass

    def __init__(self, *args: Any, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if start_url:
            self.start_urls = start_url.split()
        self.twins = twins_with_hosts(self.twins, self.start_urls)
        self._reports_seen: set[str] = set()
        self._lists_seen: set[str] = set()
        #: Report addresses the lists showed this run (the health checks count them).
        self._listed: set[str] = set()
        #: Column folders (`/zwgk_164/zfxxgknb/xzndbg/wsz_65331/`) and the names their menu links give.
        self._column_folders: dict[str, str] = {}
        #: Report addresses whose fetch failed this run, with the outcome (404 and 410 aside).
        self.failed_reports: dict[str, str] = {}
        #: How many reports each list page read this run showed (0: none, or its fetch failed); the
        #: health checks compare it with the last healthy run's (crawler/monitors.py).
        self.list_yields: dict[str, int] = {}
        #: Listed report addresses that reached an outcome this run: handed to the archive (new,
        #: changed, unchanged, not modified), not due, gone, or failed. The end-of-run check counts
        #: the listed ones missing here.
        self.settled: set[str] = set()
        #: List pages that showed no report and should have (the warning's pages), in order.
        self.empty_lists: list[str] = []
        #: List pages showing more pages than the base asked for, with what showed it (a notice).
        self.unread_pagers: dict[str, str] = {}
        #: What the archive holds of this portal (filled when the spider opens, if NIANBAO_DB is set).
        self.archived = ArchivedReports()
        self.recheck: RecheckSchedule | None = None

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # `nianbao crawl` gives each spider a job directory of its own under the run's (resumable).
        jobs = settings.get("NIANBAO_JOBS_DIR")
        if jobs and not settings.get("JOBDIR"):
            settings.set("JOBDIR", os.path.join(jobs, cls.name), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Here, not when the spider opens: a bad setting then stops the crawl before it starts.
        spider.recheck = RecheckSchedule.from_settings(crawler.settings)
        crawler.signals.connect(spider.read_archive, signal=scrapy_signals.spider_opened)
        return spider

    def read_archive(self, spider: scrapy.Spider | None = None) -> None:
        """Load what the archive holds of this portal (spider_opened)."""
        settings = self.crawler.settings
        path = settings.get("NIANBAO_DB") or os.environ.get("NIANBAO_DB")
        resumed = tuple(int(run) for run in settings.getlist("NIANBAO_RESUMED_RUNS"))
        self.archived = ArchivedReports.load(path, self.portal, resumed_runs=resumed)

    def resume_state(self) -> None:
        """A job stopped gracefully (Ctrl-C, SIGTERM) left its queue and this state in JOBDIR
        (Scrapy's SpiderState loads it after spider_opened, so this runs when the crawl starts)."""
        state = getattr(self, "state", None) or {}
        if state.get("reports_seen"):
            self._reports_seen |= set(state["reports_seen"])
            self._lists_seen |= set(state.get("lists_seen", ()))
            self._listed |= set(state.get("listed", ()))
            self._column_folders.update(state.get("column_folders", {}))
            self.settled |= set(state.get("settled", ()))
            self.list_yields.update(state.get("list_yields", {}))
            self.crawler.stats.set_value("nianbao/listed", len(self._listed))
            self.logger.info("%s: resuming a stopped job (%d reports and %d list pages done)",
                             self.portal, len(self._reports_seen), len(self._lists_seen))

    @property
    def portal(self) -> str:
        return self.name

    @cached_property
    def hosts(self) -> set[str]:
        """The portal's own hosts: its start URLs' and their twins (a link elsewhere is never a report)."""
        hosts = {(urlsplit(u).hostname or "").lower() for u in self.start_urls}
        return hosts | set(self.twins.host_aliases) | set(self.twins.host_aliases.values())

    # -- start and list pages -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.resume_state()
        for url in self.start_urls:
            callback = self.find_column if discovery.is_home_page(url) else self.parse
            request = self.list_request(url, callback=callback, meta={"nianbao_root": True})
            if request is not None:
                yield request

    #: How many menu pages (政务公开, 政府信息公开 ...) deep the annual-report column is looked for.
    column_search_depth = 2

    def find_column(self, response: Response) -> Iterator[scrapy.Request]:
        """A home page or menu page: the annual-report column it links (read as a start page), else
        its disclosure menus, searched in turn. Nothing found is a warning, like an empty list.

        @home_page
        @returns requests 1
        """
        if not isinstance(response, TextResponse):
            return
        from .platforms._common import links  # here: the platforms package imports this module

        depth = response.meta.get("nianbao_search_depth", 0)
        columns, gateways = discovery.column_links(links(response), self.hosts)
        self.crawler.stats.inc_value("nianbao/column_search_pages")
        if columns:
            self.crawler.stats.inc_value("nianbao/columns_found")
            url, _text = columns[0]
            self.column_found(url)
            request = self.list_request(url, callback=self.parse, meta={"nianbao_root": True})
            if request is not None:
                yield request
            return
        if depth < self.column_search_depth:
            for url, _text in gateways:
                request = self.list_request(url, callback=self.find_column, meta={"nianbao_search_depth": depth + 1})
                if request is not None:
                    yield request
            if gateways:
                return
        self.crawler.stats.inc_value("nianbao/list_pages")
        self.warn_empty(response, "no link to an annual-report column")

    def column_found(self, url: str) -> None:
        """The annual-report column found from a home page: its folder is a tree of the portal's."""
        self.trees.add(urlsplit(urljoin(url, "./")).path)

    @cached_property
    def trees(self) -> set[str]:
        """The folders the portal's annual-report trees live under: its start columns' (and found ones)."""
        return {urlsplit(urljoin(u, "./")).path for u in self.start_urls if not discovery.is_home_page(u)}

    def tree_of(self, url: str) -> str | None:
        """The tree folder an address lies under (the deepest), None outside every tree."""
        path = urlsplit(url).path
        inside = [t for t in self.trees if path.startswith(t)]
        return max(inside, key=len) if inside else None

    def list_request(self, url: str, *, callback=None, column: str = "", **kwargs: Any) -> scrapy.Request | None:
        """A request for a list or navigation page, once per page (index.html and its folder are one)."""
        key = list_key(url, self.twins) + "|" + kwargs.get("method", "GET") + "|" + str(kwargs.get("body", ""))
        if key in self._lists_seen:
            return None
        self._lists_seen.add(key)
        if self.belongs_elsewhere(url):
            return None
        parts = urlsplit(url)
        if column and not is_generic_column(column) and kwargs.get("method", "GET") == "GET" and not parts.query:
            # Static column pages only: a dynamic view's folder (`/cms/infopublic/`) holds everyone's.
            folder = parts.path.rsplit("/", 1)[0] + "/"
            if folder != "/":
                self._column_folders.setdefault(folder, column)
        meta = {"nianbao_column": column, **kwargs.pop("meta", {})}
        return scrapy.Request(
            url, callback=callback or self.parse, errback=self.errback, meta=meta, dont_filter=True, **kwargs
        )

    @cached_property
    def registry_line(self) -> registry.Portal | None:
        """This spider's registry line (None for a platform's generic spider)."""
        try:
            return registry.get(self.name)
        except KeyError:
            return None

    def belongs_elsewhere(self, url: str) -> bool:
        """Whether `url` lies in another registry line's column (a unit's column on this portal's
        host, or another line's host): that line's spider takes it, never this one."""
        if self.registry_line is None:
            return False
        other = registry.owner(url)
        if other is None or other == self.name:
            return False
        self.crawler.stats.inc_value("nianbao/skipped/other_portal")
        return True

    def column_of(self, response: Response, fallback: str = "") -> str:
        """The agency column a list page belongs to: as its menu link named it, else as its
        breadcrumb or its title name the agency (never a generic "政府信息公开年报")."""
        column = response.meta.get("nianbao_column") or fallback
        if column and not is_generic_column(column):
            return column
        if not isinstance(response, HtmlResponse):
            # A JSON or XML list answer has no breadcrumb or title to read.
            return column or self.agency_name
        for part in reversed(breadcrumb(response)):
            if not is_generic_column(part):
                return part
        title = normalise_title(response.xpath("//title/text()").get())
        for part in re.split(r"\s*[-_|—–]+\s*|\s+", title):
            agency = _GENERIC_COLUMN.sub("", part).strip()
            if agency and not is_generic_column(agency):
                return agency
        # A generic page title ("政府信息公开目录") names no agency: the registry's name does.
        return column or (title if not is_generic_column(title) else "") or self.agency_name or title

    @cached_property
    def agency_name(self) -> str:
        """The registry's name of the portal's agency ('' for a platform's generic spider)."""
        return self.registry_line.name if self.registry_line is not None else ""

    def column_for(self, url: str) -> str:
        """The agency column whose folder holds a report's address, where the portal's paths say so.

        A report listed on an overview page ("latest reports" on the tree's root) still belongs to
        its agency's column, not to the overview.
        """
        path = urlsplit(url).path
        best = ""
        for folder in self._column_folders:
            if path.startswith(folder) and len(folder) > len(best):
                best = folder
        return self._column_folders.get(best, "")

    def report_requests(self, response: Response, entries: Iterable[Entry], *, empty_ok: bool = False,
                        paged: bool = False) -> Iterator[scrapy.Request]:
        """Requests for the annual reports among a list page's entries, each report once.

        A list page with no annual report among its entries is logged as a warning naming the
        portal and the page (a layout change shows up here first) unless `empty_ok`, or unless it
        shows the column's other documents and is a later page of a list (`nianbao_page` in its
        meta) or one whose further pages are asked for (`paged`): a column that mixes in guides and
        plans, whose layout is read, and whose reports may all be on other pages.
        """
        stats = self.crawler.stats
        stats.inc_value("nianbao/list_pages")
        found = others = 0
        for entry in entries:
            if not is_annual_report(entry.title):
                stats.inc_value("nianbao/skipped/not_report")
                others += 1
                continue
            if self.belongs_elsewhere(entry.url):
                continue
            found += 1
            yield from self.report_fetches(entry, found_on=response.url, listed=True)
        self.list_yields[response.url] = self.list_yields.get(response.url, 0) + found
        later_page = bool(getattr(response, "meta", {}).get("nianbao_page"))  # no meta: a response without request
        if not found and not empty_ok and not (others and (later_page or paged)):
            self.warn_empty(response)
        elif not found and not empty_ok:
            self.logger.info("%s: list page %s lists %d other documents and no report", self.portal, response.url, others)

    def warn_empty(self, response: Response, why: str = "") -> None:
        self.crawler.stats.inc_value("nianbao/empty_list_page")
        self.empty_lists.append(response.url)
        if not self.crawler.stats.get_value("nianbao/empty_list_page/first"):
            # The page the health check names when the portal's lists yield nothing.
            self.crawler.stats.set_value("nianbao/empty_list_page/first", response.url)
        self.logger.warning(
            "%s: list page %s yielded no reports%s (did the page layout change?)",
            self.portal, response.url, f" ({why})" if why else "",
        )

    def report_fetches(
        self, entry: Entry, *, found_on: str, kind: str | None = None, listed: bool = False
    ) -> Iterator[scrapy.Request]:
        """The request for a report (none if asked for already this run, or archived and not due
        tonight), and for an archived report page not due tonight, its files' requests
        (each file has its own schedule; a file never archived is always due)."""
        listing = self._claim(entry, found_on=found_on, kind=kind, listed=listed)
        if listing is None:
            return
        if not self._skipped(listing):
            yield self._report_request(listing)
        elif listing["kind"] != "attachment":
            yield from self.archived_attachment_requests(listing)

    def _claim(self, entry: Entry, *, found_on: str, kind: str | None, listed: bool) -> dict[str, Any] | None:
        """The report's listing, the first time its canonical address comes up this run; else None."""
        url = canonical_url(entry.url, self.twins)
        if not listed and self.belongs_elsewhere(url):
            return None
        if listed and url not in self._listed:
            self._listed.add(url)
            self.crawler.stats.inc_value("nianbao/listed")
        if url in self._reports_seen:
            self.crawler.stats.inc_value("nianbao/skipped/duplicate")
            return None
        self._reports_seen.add(url)
        known = self.archived.get(url)
        # What the report-fetch health check divides by (crawler/monitors.py).
        new = self.archived.is_new(url)
        self.crawler.stats.inc_value("nianbao/reports_known")
        if new:
            self.crawler.stats.inc_value("nianbao/reports_known/new")
        return {
            "column": self.column_for(url) or entry.column,
            "url": url,
            "title": entry.title,
            "listed_date": entry.date,
            "found_on": found_on,
            "new": new,
            "kind": kind or ("attachment" if is_attachment_url(url) or (known and known.kind == "attachment") else None),
        }

    def _skipped(self, listing: dict[str, Any]) -> bool:
        """Whether an archived report is left alone this run (counted as not due, or resumed)."""
        known = self.archived.get(listing["url"])
        if known is None or known.failing or self.recheck is None:
            return False
        if listing["url"] in self.archived.resumed:
            reason = "resumed"
        elif self.recheck.due(listing["url"], listing.get("listed_date") or known.dated):
            return False
        else:
            reason = "not_due"
        self.crawler.stats.inc_value(f"nianbao/recheck/{reason}")
        self.settled.add(listing["url"])
        return True

    def _report_request(self, listing: dict[str, Any]) -> scrapy.Request:
        return scrapy.Request(
            listing["url"],
            callback=self.parse_report,
            errback=self.errback,
            # A 304 to a conditional request is an item too: the archive records "seen again".
            meta={"nianbao_report": True, "handle_httpstatus_list": [304]},
            cb_kwargs={"listing": listing},
            # Reports before further list pages: keeps the queue short on big portals.
            priority=10,
            dont_filter=True,
        )

    def archived_attachment_requests(self, listing: dict[str, Any]) -> Iterator[scrapy.Request]:
        """Requests for the files an archived report page links, when the page is not fetched again.

        The files archived as found on it, and every file link on its archived copy: a file whose
        fetch failed, or that a killed crawl never reached, is asked for again.
        """
        page_url = listing["url"]
        for url, title, listed_date in self.archived.attachments.get(page_url, ()):
            entry = Entry(url=url, title=title, date=listed_date, column=listing.get("column", ""))
            yield from self.report_fetches(entry, found_on=page_url, kind="attachment")
        body = self.archived.body(page_url)
        if body and _FILE_LINK.search(body):
            known = self.archived.get(page_url)
            headers = {"Content-Type": known.content_type} if known and known.content_type else None
            # Read as the crawl read it: a mislabeled page decoded by its label garbles its links.
            archived = read_as_what_it_is(HtmlResponse(page_url, body=body, headers=headers))
            yield from self.attachment_requests(archived, listing)

    # -- report pages and attachments -----------------------------------------------------------

    def parse_report(self, response: Response, listing: dict[str, Any]) -> Iterator[ReportItem | scrapy.Request]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        disposition = response.headers.get(b"Content-Disposition", b"").decode("latin-1")
        is_file = listing.get("kind") == "attachment" or is_attachment_response(
            response.url, content_type, disposition
        )
        kind = "attachment" if is_file else "page"
        # Settled under the address it was listed at, whatever it redirects to.
        self.settled.add(listing["url"])
        moved = self.moved_to(response, listing)
        if moved:
            if moved in self._reports_seen and moved != listing["url"]:
                # Redirected to a report already fetched under its own address: one report.
                self.crawler.stats.inc_value("nianbao/skipped/duplicate")
                return
            self._reports_seen.add(moved)
            listing = {**listing, "url": moved}
        item = self.report_item(response, listing, kind)
        self.crawler.stats.inc_value(f"nianbao/reports/{kind}")
        yield item
        if kind == "page" and isinstance(response, TextResponse) and response.status == 200:
            yield from self.attachment_requests(response, listing)
        elif kind == "page" and response.status == 304:
            # An unchanged page shows no links: its files come from its archived copy.
            yield from self.archived_attachment_requests(listing)

    def moved_to(self, response: Response, listing: dict[str, Any]) -> str | None:
        """The canonical address a redirected report now lives at (on the same site), else None."""
        if response.request is None or not response.meta.get("redirect_urls"):
            return None
        final = canonical_url(response.url, self.twins)
        if final == listing["url"] or urlsplit(final).hostname != urlsplit(listing["url"]).hostname:
            return None
        return final

    def attachment_requests(self, response: TextResponse, listing: dict[str, Any]) -> Iterator[scrapy.Request]:
        """The report files a report page links to (PDF, DOC(X), XLS(X), WPS), as reports of their own."""
        for link in response.xpath("//a[@href]"):
            href = (link.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = response.urljoin(href)
            if not is_attachment_url(url):
                continue
            text = normalise_title(" ".join(link.xpath(".//text()").getall())) or normalise_title(link.attrib.get("title"))
            if not is_report_file_link(text):
                continue
            entry = Entry(url=url, title=text, date=listing.get("listed_date"), column=listing.get("column", ""))
            yield from self.report_fetches(entry, found_on=listing["url"], kind="attachment")

    def report_item(self, response: Response, listing: dict[str, Any], kind: str) -> ReportItem:
        headers = {
            key.decode("latin-1"): [v.decode("latin-1") for v in values] for key, values in response.headers.items()
        }
        return ReportItem(
            portal=self.portal,
            column=listing.get("column") or "",
            url=listing["url"],
            title=listing.get("title") or "",
            listed_date=listing.get("listed_date"),
            kind=kind,
            found_on=listing.get("found_on") or "",
            status=response.status,
            final_url=response.url,
            headers=headers,
            body=response.body,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            rendered="playwright" in (response.flags or []),
        )

    def closed(self, reason: str) -> None:
        # Kept in JOBDIR (Scrapy's SpiderState) when a job stops, so its resumption asks for nothing twice.
        if hasattr(self, "state"):
            self.state.update(reports_seen=self._reports_seen, lists_seen=self._lists_seen, listed=self._listed,
                              column_folders=self._column_folders, settled=self.settled, list_yields=self.list_yields)
        self.archived.close()

    # -- failures -------------------------------------------------------------------------------

    def count_report_failure(self, request: scrapy.Request, outcome: str) -> None:
        """What the report-fetch health check reads: failures by outcome, an example of each, and
        the failed addresses (the check compares them with the last runs'). A 404 or 410 is a report
        taken down, which the archive records as gone: not a failure of the portal."""
        stats = self.crawler.stats
        self.settled.add((request.cb_kwargs.get("listing") or {}).get("url") or request.url)
        if outcome in GONE_OUTCOMES:
            stats.inc_value("nianbao/report_gone")
            return
        stats.inc_value("nianbao/report_failed")
        stats.inc_value(f"nianbao/report_failed/{outcome}")
        if not stats.get_value(f"nianbao/report_failed/example/{outcome}"):
            stats.set_value(f"nianbao/report_failed/example/{outcome}", request.url)
        listing = request.cb_kwargs.get("listing") or {}
        if listing.get("new"):
            stats.inc_value("nianbao/report_failed/new")
        self.failed_reports[listing.get("url") or request.url] = outcome

    def count_list_failure(self, request: scrapy.Request, outcome: str) -> None:
        """What the list-fetch health check reads: failed list pages by outcome, and the first few of
        them (marked when the browser was fetching them)."""
        if outcome in GONE_OUTCOMES:
            return
        stats = self.crawler.stats
        stats.inc_value("nianbao/list_failed")
        stats.inc_value(f"nianbao/list_failed/{outcome}")
        if request.meta.get("playwright"):
            stats.inc_value("nianbao/list_failed/browser")
        named = list(stats.get_value("nianbao/list_failed/urls") or [])
        if len(named) < LIST_FAILURES_NAMED:
            named.append(request.url + (" (browser)" if request.meta.get("playwright") else ""))
            stats.set_value("nianbao/list_failed/urls", named)

    def errback(self, failure: Failure) -> None:
        request = failure.request
        outcome = classify(failure)
        # Body limits, bombs, redirect loops and cut bodies get their own outcome and a message in
        # numbers (crawler/bodies.py), not Scrapy's generic one.
        found = body_failure(failure.value, request)
        if found is not None:
            outcome, exc = found
        elif outcome == "truncated":
            exc = truncated_failure(request)
        if found is not None or outcome == "truncated":
            failure = _failure_with(exc, request)
        self.record_failure(request, failure, outcome)

    def record_failure(self, request: scrapy.Request, failure: Failure, outcome: str) -> None:
        """One clear log line, a `nianbao/outcome/<outcome>` stat and the `fetch_failed` signal."""
        from .middlewares import original_request

        request = original_request(request)
        what = "report" if request.meta.get("nianbao_report") else "list page"
        timeout = request.meta.get("download_timeout") or self.settings.getfloat("DOWNLOAD_TIMEOUT")
        if request.meta.get("playwright") and "playwright" in type(failure.value).__module__:
            # The browser's own limit (scrapy-playwright's navigation timeout), not the download's.
            timeout = self.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30_000) / 1000
        reason = {
            "timeout": f"no complete answer within {timeout:g} s" + (" in the browser" if request.meta.get("playwright") else ""),
            "challenge": "a JavaScript challenge the browser did not pass",
        }.get(outcome)
        if isinstance(failure.value, HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif reason is None:
            reason = failure.getErrorMessage() if isinstance(failure, Failure) else str(failure)
        self.logger.warning(
            "%s: %s fetching %s %s: %s", self.portal, outcome, what, request.url, reason[:200] or type(failure.value).__name__
        )
        self.crawler.stats.inc_value(f"nianbao/outcome/{outcome}")
        if request.meta.get("nianbao_report"):
            self.count_report_failure(request, outcome)
        else:
            # A list page that cannot be read shows no report: the per-page check compares it too.
            self.list_yields.setdefault(request.url, 0)
            self.count_list_failure(request, outcome)
        self.crawler.signals.send_catch_log(
            signals.fetch_failed, request=request, failure=failure, spider=self, outcome=outcome
        )


def _failure_with(exc: BaseException, request: scrapy.Request) -> Failure:
    failure = Failure(exc)
    failure.request = request
    return failure
