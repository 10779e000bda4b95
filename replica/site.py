"""The replicas' model: portals, agency columns, list entries, reports and the HTTP exchange.

A `Portal` builds its columns and reports deterministically from (scale, faults, broken, extra
files) and answers `Request`s with `Response`s; the server (server.py) only moves bytes. Report
content is generated lazily and cached, so building a portal (and computing the manifest) is cheap
even at the scales used for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import random
import threading
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from typing import Callable
from urllib.parse import parse_qs

from . import files
from .document import Block, Style, build
from .figures import Figures, carry_breaks, generate, seeded, spoil_total
from .render import body_html

START_YEAR_2021 = 2021
START_YEAR_2019 = 2019


def template_for(year: int) -> str:
    if year >= START_YEAR_2021:
        return "2021"
    if year >= START_YEAR_2019:
        return "2019"
    return "pre2019"


def stable_int(*parts: object) -> int:
    return int.from_bytes(hashlib.sha1("|".join(map(str, parts)).encode()).digest()[:8], "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random("|".join(map(str, parts)))


#: The portals' clocks: the times they print are Beijing time.
BEIJING = dt.timezone(dt.timedelta(hours=8))


def epoch(when: dt.datetime) -> int:
    """Epoch seconds of a time the portal prints (Beijing time), as its JSON APIs give them."""
    return int(when.replace(tzinfo=BEIJING).timestamp())


def http_date(when: dt.datetime) -> str:
    return email.utils.format_datetime(when.replace(tzinfo=dt.timezone.utc), usegmt=True)


# ---------------------------------------------------------------- HTTP exchange
@dataclass
class Request:
    method: str
    scheme: str
    host: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @cached_property
    def args(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    @cached_property
    def form(self) -> dict[str, str]:
        text = self.body.decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    @cached_property
    def cookies(self) -> dict[str, str]:
        out = {}
        for part in self.headers.get("cookie", "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = v.strip()
        return out

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: Misbehaviour instead of a normal answer: "reset", "hang", "truncate".
    action: str | None = None
    #: Validators offered for conditional requests (ETag from the body when `etag` is True).
    last_modified: dt.datetime | None = None
    etag: bool = False

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def html_response(body: str | bytes, content_type: str, *, status: int = 200, encoding: str = "utf-8",
                  **kw) -> Response:
    data = body.encode(encoding) if isinstance(body, str) else body
    return Response(status, data, [("Content-Type", content_type)], **kw)


def redirect(location: str, status: int = 301) -> Response:
    return Response(status, b"", [("Location", location), ("Content-Type", "text/html")])


def not_found(content_type: str = "text/html; charset=utf-8") -> Response:
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
            "<body><div class=\"error\"><h1>404</h1><p>抱歉,您访问的页面不存在或已被删除。</p>"
            "<p><a href=\"/\">返回首页</a></p></div></body></html>")
    return html_response(page, content_type, status=404)


# ---------------------------------------------------------------- content model
@dataclass
class Agency:
    key: str  # url slug of the column
    name: str  # as the menu shows it
    full: str  # the agency's full name, as report titles print it
    kind: str  # government, town, department
    years: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(eq=False)
class Attachment:
    portal: str
    path: str  # path (and query) on the portal's host
    ext: str
    link_text: str
    filename: str
    report: "Report"
    #: The bytes, for attachments that are not generated (files from --reports).
    source: Callable[[], bytes] | None = None

    @property
    def url(self) -> str:
        return absolute(self.portal, self.path)

    def data(self) -> bytes:
        if self.source is not None:
            return self.source()
        return self.report.attachment_bytes(self.ext)


@dataclass(eq=False)
class Report:
    portal: str
    agency: Agency
    year: int
    title: str
    published: dt.datetime
    doc_id: int
    path: str = ""
    template: str = ""
    seed: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    #: The page only says "see the attachment": the report is the file.
    attachment_only: bool = False
    #: Flags of deliberate mess: gbk, transient503, fullwidth, blanks, wrong_total.
    mess: set[str] = field(default_factory=set)
    fault: str | None = None
    old_path: str | None = None
    index_no: str = ""
    #: Set for reports published from --reports files: renders the page body itself.
    custom_body: Callable[[], str] | None = None
    file: str | None = None
    extra: dict = field(default_factory=dict)
    #: The same agency's report of the year before, whose figures this one carries (see figures.py).
    previous: "Report | None" = None

    def __post_init__(self) -> None:
        self.template = self.template or template_for(self.year)

    @property
    def url(self) -> str:
        return absolute(self.portal, self.path)

    @cached_property
    def figures(self) -> Figures:
        if self.seed is not None:
            return seeded(self.seed, self.template)
        rng = rng_for("figures", self.portal, self.agency.key, self.year)
        previous = self.previous.figures if self.previous is not None else None
        fig = generate(rng, self.template, self.agency.kind, self.year, previous,
                       break_carry=stable_int("carry-break", self.portal, self.agency.key, self.year) % 100 < CARRY_BREAKS)
        if "wrong_total" in self.mess:
            spoil_total(rng, fig)
        return fig

    @cached_property
    def style(self) -> Style:
        rng = rng_for("style", self.portal, self.agency.key, self.year)
        fullwidth: frozenset[str] = frozenset()
        if "fullwidth" in self.mess:
            numeric = [k for k, v in self.figures.values.items() if v and not k.endswith(".total")]
            fullwidth = frozenset(rng.sample(numeric, min(len(numeric), 4)) if numeric else [])
        return Style(blank_zeros="blanks" in self.mess, fullwidth=fullwidth)

    @cached_property
    def blocks(self) -> list[Block]:
        rng = rng_for("prose", self.portal, self.agency.key, self.year, self.seed)
        return build(self.figures, agency=self.agency.full, year=self.year, title=self.title, rng=rng,
                     style=self.style)

    def body(self, flavor: str) -> str:
        if self.custom_body is not None:
            return self.custom_body()
        if self.attachment_only:
            return ""
        return body_html(self.blocks, flavor)

    _attachment_cache: dict = field(default_factory=dict)

    def attachment_bytes(self, ext: str) -> bytes:
        data = self._attachment_cache.get(ext)
        if data is None:
            # One generation however many ask at once: a retry after a client's timeout waits for
            # the first instead of starting a second (office files take a second to build).
            with _MAKING:
                data = self._attachment_cache.get(ext)
                if data is None:
                    data = self._attachment_cache[ext] = files.make(self.blocks, ext)
        return data


@dataclass(eq=False)
class Article:
    """A list item that is not an annual report (a guide, work plan, other yearly report ...)."""

    portal: str
    agency: Agency
    title: str
    published: dt.datetime
    doc_id: int
    path: str = ""

    @property
    def url(self) -> str:
        return absolute(self.portal, self.path)

    def body(self, flavor: str) -> str:
        rng = rng_for("article", self.portal, self.doc_id)
        lines = [
            f"为进一步做好{self.agency.name}相关工作,现将有关事项公布如下。",
            rng.choice(["请各有关单位认真贯彻落实。", "特此公告。", "欢迎社会各界监督。"]),
        ]
        return "\n".join(f"<p>{escape(line)}</p>" for line in lines)


@dataclass(eq=False)
class Entry:
    """One line of a list page: what it links to and how."""

    title: str
    date: dt.datetime
    #: The href as the list prints it (relative, absolute, a twin's address ...).
    href: str
    target: Report | Attachment | Article | None
    #: report, attachment, twin, article, dead, fault
    role: str
    #: The year the entry is filed under (Linxiang's lists are tabbed by it).
    year: int | None = None


@dataclass(eq=False)
class Column:
    key: str
    name: str
    agency: Agency
    entries: list[Entry] = field(default_factory=list)
    #: The list pages of this column are laid out differently (a --faults "layout" column or --break).
    broken: bool = False
    extra: dict = field(default_factory=dict)

    def sort(self) -> None:
        self.entries.sort(key=lambda e: (e.date, e.title), reverse=True)


_MAKING = threading.Lock()

#: Portal name -> `scheme://host` of the addresses its reports are listed under (set by each Portal).
BASE_URLS: dict[str, str] = {}


def absolute(portal: str, path: str) -> str:
    """The URL of `path` on the portal's host; a path `//host/...` lies on another host of the portal's
    (a department's subdomain)."""
    return ("https:" + path) if path.startswith("//") else BASE_URLS[portal] + path


def publication_date(rng: random.Random, year: int) -> dt.datetime:
    """Reports are due by 31 January; most appear in January, a few in February."""
    month = 1 if rng.random() < 0.8 else 2
    day = rng.randint(5 if month == 1 else 1, 31 if month == 1 else 27)
    return dt.datetime(year + 1, month, day, rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59))


class IdPool:
    """Distinct document ids in a platform's plausible range, stable per key."""

    def __init__(self, low: int, span: int):
        self.low, self.span, self.used = low, span, set()

    def get(self, *key: object) -> int:
        n = self.low + stable_int(*key) % self.span
        while n in self.used:
            n += 1
        self.used.add(n)
        return n


def scaled_agencies(pool: list[Agency], base: int, scale: float, min_year: int = 2008) -> list[Agency]:
    """The first `base * scale` agencies of the pool, years extended backwards when the pool runs out.

    At scale 1 every agency keeps its own years; larger scales add agencies first, then earlier years,
    so the scale-1 replica is a subset of every larger one.
    """
    wanted = max(1, round(base * scale))
    chosen = [a for a in pool[:wanted]]
    if scale <= 1:
        return chosen
    base_total = sum(len(a.years) for a in pool[:base])
    target = round(base_total * scale)
    have = sum(len(a.years) for a in chosen)
    step = 0
    while have < target and step < 40:
        step += 1
        for a in chosen:
            first = a.years[0]
            if first > min_year and have < target:
                a.years = (first - 1, *a.years)
                have += 1
    return chosen


MESS_KINDS = ("fullwidth", "blanks", "wrong_total")
#: Percent of generated reports whose 上年结转 does not carry last year's figure (a deliberate break).
CARRY_BREAKS = 4


def assign_mess(reports: list[Report], portal: str) -> None:
    """Spread the common kinds of mess over a portal's generated reports, deterministically."""
    for r in reports:
        if r.seed is not None:
            continue
        h = stable_int("mess", portal, r.agency.key, r.year) % 100
        if h < 8:
            r.mess.add("fullwidth")
        elif h < 16:
            r.mess.add("blanks")
        elif h < 21:
            r.mess.add("wrong_total")


def robots_txt(disallow: tuple[str, ...] = ("/search",)) -> Response:
    lines = ["User-agent: *", *[f"Disallow: {d}" for d in disallow], ""]
    return Response(200, "\n".join(lines).encode(), [("Content-Type", "text/plain")])


class Portal:
    """Base of every replica (the five portals' own and the platform generators'): builds content, routes
    requests, lists its manifest.

    `build()` is the same for every portal: agencies from the pool (scaled), a column each with a
    report per year and some articles that are not reports, the common and the portal's own mess,
    files from --reports, the --faults entries, then routes. A portal says what is its own through
    the hooks below (addresses, titles, pages) and the class attributes.
    """

    name = ""
    hosts: tuple[str, ...] = ()
    #: The scheme its addresses are listed under (several real sites answer over http only).
    scheme = "https"
    flavor = ""
    content_type = "text/html; charset=utf-8"
    #: Document ids of the platform: (low, span) for generated documents and for --reports files.
    id_range: tuple[int, int]
    extra_id_range: tuple[int, int]
    #: Agencies at scale 1 (the first ones of the pool).
    base_agencies = 6
    #: Reports that print a seed's figures: (agency key, year) -> (seed, published, document id or
    #: None to draw one).
    seeds: dict[tuple[str, int], tuple[str, dt.datetime, int | None]] = {}
    #: The --faults reports (500, hang, truncated) are of this year and the two before it.
    fault_year = 2013

    #: Under --break-files, this many in ten report pages and files fail (the rest answer).
    broken_files_share = 8

    def __init__(self, *, scale: float = 1, faults: bool = False, broken: bool = False,
                 extras: list | None = None, broken_files: bool = False, layout_unchanged: bool = False):
        self.scale, self.faults, self.broken = scale, faults, broken
        #: --layout-unchanged: the --faults layout column still has its old layout (the night before it changed).
        self.layout_unchanged = layout_unchanged
        #: --break-files: most report pages and files answer 5xx, hang or reset (a failing file server).
        self.broken_files = broken_files
        self.extras = extras or []
        self.columns: list[Column] = []
        self.reports: list[Report] = []
        self.articles: list[Article] = []
        self.routes: dict[str, Callable[[Request], Response]] = {}
        self._cache: dict[str, Response] = {}
        self._lock = threading.Lock()
        self._served_once: set[str] = set()
        self.shutdown = threading.Event()
        BASE_URLS[self.name] = f"{self.scheme}://{self.host}"
        self.build()

    # -- building
    def build(self) -> None:
        self.ids = IdPool(*self.id_range)
        for agency in self.publishing_agencies():
            column = Column(agency.key, agency.name, agency)
            self.columns.append(column)
            previous = None
            for year in agency.years:
                report = self.report(agency, year)
                report.previous = previous
                self.add(column, report)
                previous = report
            self.add_articles(column)
        assign_mess(self.reports, self.name)
        self.add_mess()
        for extra in self.extras:
            self.add_extra(extra)
        if self.faults:
            self.add_faults()
        self.lists_built()
        for column in self.columns:
            column.sort()
            column.broken = column.broken or self.broken
            self.route_lists(column)
            self.route_entries(column)
        self.route_site()

    def publishing_agencies(self) -> list[Agency]:
        """The agencies whose columns the portal serves at its scale."""
        return scaled_agencies(self.agency_pool(), self.base_agencies, self.scale)

    def report(self, agency: Agency, year: int, **kw) -> Report:
        """The report `agency` published for `year` (kw: fault=...)."""
        published = publication_date(rng_for(self.name, agency.key, year), year)
        seed, doc_id = None, None
        if (agency.key, year) in self.seeds:
            seed, published, doc_id = self.seeds[agency.key, year]
        if doc_id is None:
            doc_id = self.ids.get(self.name, agency.key, year, kw.get("fault"))
        else:
            self.ids.used.add(doc_id)
        report = Report(self.name, agency, year, self.report_title(agency, year, seed), published, doc_id,
                        seed=seed, **kw)
        report.index_no = self.index_no(report)
        report.path = self.page_path(agency, doc_id, published, year)
        return report

    def entry(self, column: Column, title: str, date: dt.datetime, path: str, target, role: str,
              year: int | None = None) -> Entry:
        return Entry(title, date, self.href(column, path), target, role, year)

    def add(self, column: Column, report: Report, role: str = "report") -> Entry:
        """Publish `report` in `column`'s list."""
        self.reports.append(report)
        entry = self.entry(column, report.title, report.published, report.path, report, role, report.year)
        column.entries.append(entry)
        return entry

    def add_articles(self, column: Column) -> None:
        """List items filed in the column that are not annual reports."""
        agency = column.agency
        for title, year in self.article_titles(agency):
            when = publication_date(rng_for("article", self.name, agency.key, title), year)
            art = Article(self.name, agency, title, when, self.ids.get("article", agency.key, title))
            art.path = self.page_path(agency, art.doc_id, when, year)
            self.articles.append(art)
            column.entries.append(self.entry(column, title, when, art.path, art, "article", year))

    def add_dead(self, column: Column, title: str, when: dt.datetime, doc_id: int, year: int) -> None:
        """A report deleted from the site but still listed: its link leads to a 404."""
        path = self.page_path(column.agency, doc_id, when, year)
        column.entries.append(self.entry(column, title, when, path, None, "dead", year))

    def attach(self, report: Report, path: str, ext: str, link_text: str, filename: str,
               source: Callable[[], bytes] | None = None) -> Attachment:
        att = Attachment(self.name, path, ext, link_text, filename, report, source)
        report.attachments.append(att)
        return att

    def draws(self, *skip: Report):
        """Each generated report (seeded ones and `skip` aside) with its stable draw 0-99, which
        decides the file it carries, if any."""
        for r in self.reports:
            if r.seed is None and r not in skip:
                yield r, stable_int("attach", self.name, r.agency.key, r.year) % 100

    @property
    def gov(self) -> Column:
        """The column extra reports and the --faults reports are published in."""
        return self.columns[0]

    def add_extra(self, extra) -> Report:
        """A report published from a --reports file, in the first column."""
        gov = self.gov
        low, span = self.extra_id_range
        doc_id = low + stable_int("extra", extra.name) % span
        report = Report(self.name, gov.agency, extra.year, extra.title, extra.published, doc_id,
                        custom_body=extra.body_html, file=extra.name)
        report.path = self.page_path(gov.agency, doc_id, extra.published, extra.year)
        if extra.attachment_ext:
            self.attach(report, self.extra_file_path(report, extra.attachment_ext), extra.attachment_ext,
                        extra.link_text, extra.name, source=extra.read)
        self.add(gov, report)
        return report

    def add_faults(self) -> None:
        """Reports that answer 500, hang or arrive truncated, and a column whose list changed layout."""
        gov = self.gov
        for kind, year in (("http_500", self.fault_year), ("timeout", self.fault_year - 1),
                           ("truncated", self.fault_year - 2)):
            self.add(gov, self.report(gov.agency, year, fault=kind), role="fault")
        agency = self.layout_fault_agency()
        column = Column(agency.key, agency.name, agency, broken=not self.layout_unchanged)
        self.columns.append(column)
        self.add(column, self.report(agency, 2023, fault="layout"), role="fault")

    def route_entries(self, column: Column) -> None:
        """Routes for what `column` lists: report pages, their files, articles."""
        for e in column.entries:
            t = e.target
            if isinstance(t, Report):
                self.route_report(t, column)
                for a in t.attachments:
                    self.route_file(a)
            elif isinstance(t, Attachment):
                self.route_file(t)
            elif isinstance(t, Article):
                self.route(t.path.split("?")[0], lambda req, a=t, c=column: self.cached(
                    a.path, lambda: self.article_page(a, c)))

    def route_report(self, report: Report, column: Column) -> None:
        self.route(report.path.split("?")[0], lambda req, r=report, c=column: self.report_response(
            r, r.path, lambda: self.detail_page(r, c)))

    def route_file(self, att: Attachment) -> None:
        self.route(att.path, lambda req, a=att: self.file_response(a))

    # -- hooks: what each portal says for itself
    def agency_pool(self) -> list[Agency]:
        raise NotImplementedError

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        raise NotImplementedError

    def index_no(self, report: Report) -> str:
        return ""

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        """Where a document (report or article) of `agency` lives on the portal's host."""
        raise NotImplementedError

    def href(self, column: Column, path: str) -> str:
        """How `column`'s list links to `path`."""
        return path

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        return []

    def add_mess(self) -> None:
        """The portal's own mess: files with reports, twins, dead links, odd encodings."""

    def extra_file_path(self, report: Report, ext: str) -> str:
        raise NotImplementedError

    def layout_fault_agency(self) -> Agency:
        raise NotImplementedError

    def lists_built(self) -> None:
        """Called when every column's entries are in, before lists are sorted and routed."""

    def route_lists(self, column: Column) -> None:
        raise NotImplementedError

    def route_site(self) -> None:
        """Routes that belong to no column (home, catalogues, APIs)."""

    def detail_page(self, report: Report, column: Column) -> Response:
        raise NotImplementedError

    def article_page(self, article: Article, column: Column) -> Response:
        raise NotImplementedError

    # -- shared helpers
    @property
    def host(self) -> str:
        return self.hosts[0]

    def route(self, path: str, handler: Callable[[Request], Response]) -> None:
        self.routes[path] = handler

    def cached(self, key: str, make: Callable[[], Response]) -> Response:
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = make()
        return hit

    def once(self, key: str) -> bool:
        """True the first time `key` is seen by this replica (for transient failures)."""
        with self._lock:
            if key in self._served_once:
                return False
            self._served_once.add(key)
            return True

    #: Hosts whose routes are plain paths; the others' (a department's subdomain) are `//host/path`.
    @property
    def primary_hosts(self) -> tuple[str, ...]:
        return self.hosts

    def route_key(self, req: Request) -> str:
        return req.path if req.host in self.primary_hosts else f"//{req.host}{req.path}"

    def handle(self, req: Request) -> Response:
        if req.path == "/robots.txt":
            return robots_txt()
        handler = self.routes.get(self.route_key(req))
        if handler is None:
            handler = self.dynamic(req)
        if handler is None:
            return not_found(self.content_type)
        return handler(req)

    def dynamic(self, req: Request) -> Callable[[Request], Response] | None:
        return None

    def answers(self, req: Request) -> bool:
        """Whether this portal has something at `req`'s address (on a host several portals share,
        the server asks each; a shared endpoint answers only for the portal's own columns)."""
        return self.route_key(req) in self.routes or self.dynamic(req) is not None

    def fault_response(self, report: Report) -> Response | None:
        if report.fault == "http_500":
            return html_response("<html><body><h1>500 Internal Server Error</h1></body></html>",
                                 self.content_type, status=500)
        if report.fault == "timeout":
            return Response(200, b"", [("Content-Type", self.content_type)], action="hang")
        if report.fault == "truncated":
            return None  # rendered normally, then cut by the server
        return None

    def broken_file_response(self, path: str) -> Response | None:
        """Under --break-files, the failure this report page or file answers with (None for the
        few that still answer): 503 or 502, a connection reset, or no answer at all."""
        if not self.broken_files:
            return None
        draw = stable_int("break-files", self.name, path) % 10
        if draw >= self.broken_files_share:
            return None
        if draw < 3:
            return html_response("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                                 "text/html", status=503)
        if draw < 4:
            return html_response("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", status=502)
        if draw < 6:
            return Response(200, b"", [("Content-Type", self.content_type)], action="reset")
        return Response(200, b"", [("Content-Type", self.content_type)], action="hang")

    def report_response(self, report: Report, key: str, render: Callable[[], Response]) -> Response:
        """A report page, or the fault its --faults kind asks for; cached unless read from a file."""
        broken = self.broken_file_response(report.path)
        if broken is not None:
            return broken
        if "transient503" in report.mess and self.once(report.path):
            return html_response("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                                 "text/html", status=503)
        bad = self.fault_response(report)
        if bad is not None:
            return bad
        resp = render() if report.custom_body is not None else self.cached(key, render)
        if report.fault == "truncated":
            return Response(resp.status, resp.body, resp.headers, action="truncate")
        return resp

    def file_response(self, att: Attachment, headers: list[tuple[str, str]] | None = None) -> Response:
        broken = self.broken_file_response(att.path)
        if broken is not None:
            return broken
        if att.report.fault:
            bad = self.fault_response(att.report)
            if bad is not None:
                return bad
        data = att.data()
        return Response(200, data, headers or [("Content-Type", files.MIME[att.ext])],
                        last_modified=att.report.published, etag=True)

    def manifest(self) -> list[dict]:
        """Every report page and file, with the title and date its list shows (a file: its page's)."""
        out = []
        for r in self.reports:
            origin = {key: value for key, value in (("file", r.file), ("fault", r.fault)) if value}
            date = self.listed_date(r)
            out.append({"portal": self.name, "url": r.url, "title": self.listed_title(r), "kind": "page",
                        "date": date, **origin})
            out += [{"portal": self.name, "url": a.url, "title": a.link_text, "kind": "attachment", "date": date, **origin}
                    for a in r.attachments]
        for c in self.columns:
            for e in c.entries:
                if e.role == "attachment" and isinstance(e.target, Attachment) and e.target.report not in self.reports:
                    out.append({"portal": self.name, "url": e.target.url, "title": e.title, "kind": "attachment",
                                "date": f"{e.date:%Y-%m-%d}"})
        return out

    def listed_title(self, report: Report) -> str:
        listing = self._listings.get(id(report))
        return listing.title if listing else report.title

    def listed_date(self, report: Report) -> str:
        listing = self._listings.get(id(report))
        return f"{(listing.date if listing else report.published):%Y-%m-%d}"

    @cached_property
    def _listings(self) -> dict[int, Entry]:
        """The list entry each report is first listed under."""
        out = {}
        for c in self.columns:
            for e in c.entries:
                if e.role in {"report", "fault"} and isinstance(e.target, Report):
                    out.setdefault(id(e.target), e)
        return out

    def catalog(self) -> list[dict]:
        """Every list entry with its role (for tests): reports, twins, articles, dead links, faults."""
        out = []
        for c in self.columns:
            for e in c.entries:
                t = e.target
                out.append({
                    "portal": self.name, "column": c.name, "title": e.title, "href": e.href,
                    "role": e.role, "url": t.url if t is not None else self.resolve(c, e.href),
                    "fault": getattr(t, "fault", None) if isinstance(t, Report) else None,
                })
        return out

    def resolve(self, column: Column, href: str) -> str:
        """The https URL an href of `column`'s list points to."""
        from urllib.parse import urljoin

        return urljoin(BASE_URLS[self.name] + "/", href)

    def report_data(self) -> list[dict]:
        """The generated reports with their figures (what a parser should read back)."""
        out = []
        for r in self.reports:
            if r.custom_body is not None:
                continue
            out.append({
                "portal": self.name, "url": r.url, "title": r.title, "agency": r.agency.full,
                "column": r.agency.name, "year": r.year, "template": r.template,
                "published": r.published.date().isoformat(), "values": dict(r.figures.values),
                "inconsistent": r.figures.inconsistent, "mess": sorted(r.mess), "seed": r.seed,
                "previous_url": r.previous.url if r.previous is not None else None,
                "carry_break": r.figures.carry_break,
                "carry_breaks": carry_breaks(r.figures, r.previous.figures if r.previous is not None else None),
                "attachment_only": r.attachment_only, "index_no": r.index_no or None,
            })
        return out
