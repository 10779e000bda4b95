"""Anhui's provincial site cluster as its cities, counties and departments run it.

Two disclosure systems run on the cluster's sites (../shared/PLATFORM-VARIANTS.md, Anhui; the
registry lines' sources):

- **The annual-report module.** The home page's 政府信息公开 menu leads to the disclosure index
  (`/Xxgk/`, or `/openness/` on sites that put the module under it), which lists the government's
  departments and towns. Each agency has an id: its disclosure list
  `/XxgkContent/showList/<id>/0/page_1.html` links its 政府信息公开年报, the module's list of one
  year `/<module>/year/<id>/<year>.html`, whose tabs link the agency's other years and whose rows
  link report pages `/<module>/show/<n>.html`. Report pages print the line with the agency's name,
  the breadcrumb `网站首页 > 政府信息公开 > <agency> > 政府信息公开年报`, the title,
  `发布时间:YYYY-MM-DD HH:MM 来源:<agency> 字体:[ ]`, then the report.
- **The `/public/` catalogue** (drawn for a line whose source shows the cluster's `/public/column/` or
  `/site/tpl/` addresses): the disclosure index is the government's catalogue
  `/public/column/<id>?type=4&action=list`, listing each agency's catalogue of the same shape, whose
  政府信息公开年报 category lists items `/public/<column>/<n>.html`, printed with
  `发布时间:... 信息来源:<agency> 文字大小:[ ]`.

Variants, drawn per site: the module's name (`OpennessAnnualReport`, `XxgkAnnualReport`, `Xxgknb`);
the `/openness/` prefix; a second module name serving the towns' lists (one site, two names); the
index linking each agency's year list directly, without its disclosure list page; report pages of
the second template (no breadcrumb, `字体:[大 中 小]`); dates without a time. On `/public/` sites: a
`/zfxxgk/` prefix; items at `/public/content/<n>`; the 年报 category shown as one view per year
(`?action=detail&title=<year>&type=3`).

Not seen in public material, and chosen as the simplest shape the facts allow: what a year list
prints (the rows and year tabs here), the disclosure index's layout, and files: no public report page
of the module showed one; a few reports here carry a PDF, so the base's attachment path is crawled.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from ..site import Agency, Article, Column, Report, Request, Response, stable_int
from .common import GeneratedSite

MODULES = ("OpennessAnnualReport", "XxgkAnnualReport", "Xxgknb")
MODULE_VARIANTS = ("module_openness", "module_xxgk", "module_xxgknb")


class AnhuiSite(GeneratedSite):
    flavor = "anhui"
    variant_names = (*MODULE_VARIANTS, "openness_prefix", "mixed_modules", "direct_year_links", "second_template",
                     "date_only", "public_system", "zfxxgk_prefix", "content_paths", "year_views")
    base_agencies = 3

    # -- what the site is
    @property
    def public(self) -> bool:
        return self.has("public_system")

    def draw_variants(self) -> frozenset[str]:
        drawn = set(super().draw_variants()) - set(MODULE_VARIANTS) - {"public_system"}
        source = self.registry_portal.source
        if "/public/" in source or "/site/tpl/" in source:
            return frozenset({"public_system"} | (drawn & {"zfxxgk_prefix", "content_paths", "year_views"}))
        module = MODULE_VARIANTS[stable_int("module", self.registry_portal.key) % len(MODULE_VARIANTS)]
        return frozenset({module} | (drawn - {"zfxxgk_prefix", "content_paths", "year_views"}))

    @property
    def prefix(self) -> str:
        if self.public:
            return "/zfxxgk" if self.has("zfxxgk_prefix") else ""
        return "/openness" if self.has("openness_prefix") else ""

    @property
    def module(self) -> str:
        return MODULES[next(i for i, v in enumerate(MODULE_VARIANTS) if self.has(v))]

    def module_of(self, agency: Agency) -> str:
        if self.has("mixed_modules") and agency.kind == "town":
            return MODULES[(MODULES.index(self.module) + 1) % len(MODULES)]
        return self.module

    @property
    def index_path(self) -> str:
        if self.public:
            return self.public_column(self.columns[0].agency) if self.columns else "/"
        return "/openness/" if self.has("openness_prefix") else "/Xxgk/"

    @property
    def department_site(self) -> bool:
        """A department's own subdomain: its home leads straight to its column, its crumb has no 政府信息公开."""
        return self.registry_portal.covers == "own"

    # -- content
    def agency_pool(self) -> list[Agency]:
        pool = [self.own_agency("own")] + [self.unit(f"u{n}", n, town=n % 2 == 0) for n in range(1, 9)]
        first = 1 + stable_int("agency", self.registry_portal.key) % 40
        for n, agency in enumerate(pool):
            agency.extra["id"] = first + 3 * n
            agency.extra["col"] = 6_590_000 + stable_int("col", self.registry_portal.key) % 100_000 + n
        return pool

    def layout_fault_agency(self) -> Agency:
        agency = super().layout_fault_agency()
        agency.extra["id"], agency.extra["col"] = 998, 6_699_998
        return agency

    def page_path(self, agency: Agency, doc_id: int, when: dt.datetime, year: int) -> str:
        if self.public:
            if self.has("content_paths"):
                return f"{self.prefix}/public/content/{doc_id}"
            return f"{self.prefix}/public/{agency.extra['col']}/{doc_id}.html"
        return f"{self.prefix}/{self.module_of(agency)}/show/{doc_id}.html"

    def content_path(self, doc_id: int) -> str:
        """An ordinary disclosure item (not a report) of the module's sites."""
        if self.public:
            return self.page_path(self.columns[0].agency, doc_id, dt.datetime(2020, 1, 1), 2020)
        return f"{self.prefix}/XxgkContent/show/{doc_id}.html"

    def add_articles(self, column: Column) -> None:
        # Guides and plans are ordinary items of the agency's disclosure list, never in the module.
        super().add_articles(column)
        for entry in column.entries:
            if entry.role == "article" and isinstance(entry.target, Article) and not self.public:
                entry.target.path = entry.href = self.content_path(entry.target.doc_id)

    def add_mess(self) -> None:
        self.attach_some(lambda r, ext: f"/group1/upload/{r.published:%Y%m}/{r.doc_id}.{ext}")

    def extra_file_path(self, report: Report, ext: str) -> str:
        return f"/group1/upload/extra/{report.doc_id}.{ext}"

    # -- addresses
    def year_path(self, agency: Agency, year: int) -> str:
        return f"{self.prefix}/{self.module_of(agency)}/year/{agency.extra['id']}/{year}.html"

    def agency_path(self, agency: Agency) -> str:
        return f"{self.prefix}/XxgkContent/showList/{agency.extra['id']}/0/page_1.html"

    def public_column(self, agency: Agency) -> str:
        return f"{self.prefix}/public/column/{agency.extra['col']}"

    def years(self, column: Column) -> list[int]:
        return sorted({e.year for e in column.entries if e.role in ("report", "fault") and e.year}, reverse=True)

    def column_entry(self, column: Column) -> str:
        """Where the agency's 政府信息公开年报 link leads: its latest year list (the 年报 category)."""
        if self.public:
            return f"{self.public_column(column.agency)}?type=4&action=list&catId={column.agency.extra['col'] % 1000 + 7000}"
        years = self.years(column) or [2024]
        return self.year_path(column.agency, years[0])

    # -- routes
    def route_lists(self, column: Column) -> None:
        if self.public:
            self.route(self.public_column(column.agency), lambda req, c=column: self._public_column(c, req))
            return
        self.route(self.agency_path(column.agency), lambda req, c=column: self.cached(
            f"agency:{c.key}", lambda: self._agency_page(c)))
        for year in self.years(column) or [2024]:
            self.route(self.year_path(column.agency, year), lambda req, c=column, y=year: self.cached(
                f"year:{c.key}:{y}", lambda: self._year_page(c, y)))

    def route_site(self) -> None:
        home = self._home_page()
        self.route("/", lambda req: home)
        self.route("/index.html", lambda req: home)
        if not self.public:
            self.route(self.index_path, lambda req: self.cached("index", self._index_page))

    # -- pages
    def _crumb(self, column: Column | None) -> str:
        parts = ['<a href="/">网站首页</a>']
        if not self.department_site:
            parts.append(f'<a href="{self.index_path}">政府信息公开</a>')
        if column is not None:
            parts.append(f"<span>{escape(column.agency.full)}</span>")
            parts.append("<span>政府信息公开年报</span>")
        return '<div class="position">您现在所在的位置: ' + " &gt; ".join(parts) + "</div>"

    def _home_page(self) -> Response:
        if self.department_site and self.columns:
            link = f'<a href="{self.column_entry(self.columns[0])}">政府信息公开年报</a>'
        else:
            link = f'<a href="{self.index_path}">政府信息公开</a>'
        return self.page(self.registry_portal.name, f'<div class="nav"><a href="/">网站首页</a><a href="/zwdt/">政务动态</a>'
                                                    f'{link}<a href="/hdjl/">互动交流</a></div>')

    def _agency_link(self, column: Column) -> str:
        if self.public:
            return f'<a href="{self.public_column(column.agency)}?type=4&action=list">{escape(column.agency.full)}</a>'
        if self.has("direct_year_links"):
            return (f'<span>{escape(column.agency.full)}</span> '
                    f'<a href="{self.column_entry(column)}">政府信息公开年报</a>')
        return f'<a href="{self.agency_path(column.agency)}">{escape(column.agency.full)}</a>'

    def _index_page(self) -> Response:
        groups = {"government": "本级政府", "department": "政府部门", "town": "乡镇(街道)"}
        boxes = []
        for kind, label in groups.items():
            items = "".join(f"<li>{self._agency_link(c)}</li>" for c in self.columns if c.agency.kind == kind)
            if items:
                boxes.append(f'<div class="box"><h3>{label}</h3><ul>{items}</ul></div>')
        main = (f'<div class="position">您现在所在的位置: <a href="/">网站首页</a> &gt; 政府信息公开</div>'
                f'<div class="xxgk-index">{"".join(boxes)}</div>')
        return self.page(f"政府信息公开_{self.registry_portal.name}", main)

    def _agency_page(self, column: Column) -> Response:
        items = "".join(f'<li><a href="{escape(e.href)}" title="{escape(e.title)}">{escape(e.title)}</a>'
                        f"<span>{e.date:%Y-%m-%d}</span></li>" for e in column.entries if e.role == "article")
        menu = (f'<ul class="left-menu"><li><a href="{self.prefix}/XxgkGuide/showList/{column.agency.extra["id"]}.html">'
                f'政府信息公开指南</a></li><li><a href="{self.column_entry(column)}">政府信息公开年报</a></li></ul>')
        crumb = self._crumb(None).replace("</div>", f" &gt; <span>{escape(column.agency.full)}</span></div>")
        main = crumb + f'<div class="left">{menu}</div><div class="right"><ul class="list">{items}</ul></div>'
        return self.page(f"{column.agency.full}_政府信息公开", main)

    def _rows(self, entries) -> str:
        return "".join(f'<li><a href="{escape(e.href)}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
                       f"<span>{e.date:%Y-%m-%d}</span></li>" for e in entries)

    def _broken_rows(self, entries) -> str:
        return "".join(f'<div class="item" data-id="{stable_int(e.href) % 10**6}">{escape(e.title)}</div>' for e in entries)

    def _listed(self, column: Column, year: int | None = None) -> list:
        return [e for e in column.entries if e.role in ("report", "fault", "twin") and (year is None or e.year == year)]

    def _year_page(self, column: Column, year: int) -> Response:
        tabs = "".join(f'<li{" class=on" if y == year else ""}><a href="{self.year_path(column.agency, y)}">{y}年</a></li>'
                       for y in self.years(column))
        entries = self._listed(column, year)
        rows = self._broken_rows(entries) if column.broken else self._rows(entries)
        main = (self._crumb(column) + f'<div class="nb-years"><ul>{tabs}</ul></div>'
                f'<div class="nb-list"><ul>{rows}</ul></div>')
        return self.page(f"政府信息公开年报_{column.agency.full}", main)

    def _public_column(self, column: Column, req: Request) -> Response:
        crumb = (f'<div class="position">当前位置: <a href="/">首页</a> &gt; '
                 f'<a href="{self.index_path}?type=4&action=list">政府信息公开</a> &gt; {escape(column.agency.full)}</div>')
        wanted = req.args.get("catId")
        year = req.args.get("title") if req.args.get("action") == "detail" else None
        if wanted or (year and year.isdigit()):
            entries = self._listed(column, int(year) if year and year.isdigit() else None)
            rows = self._broken_rows(entries) if column.broken else self._rows(entries)
            return self.page(f"政府信息公开年报_{column.agency.full}", crumb + f'<ul class="doc-list">{rows}</ul>')
        if self.has("year_views"):
            nb = "".join(f'<li><a href="{self.public_column(column.agency)}?action=detail&title={y}&type=3">{y}年</a></li>'
                         for y in self.years(column))
            nb = f'<li>政府信息公开年报<ul>{nb}</ul></li>'
        else:
            nb = f'<li><a href="{self.column_entry(column)}">政府信息公开年报</a></li>'
        agencies = ""
        if column is self.columns[0] and not self.department_site:
            agencies = '<div class="tree"><h3>部门和乡镇</h3><ul>' + "".join(
                f"<li>{self._agency_link(c)}</li>" for c in self.columns[1:]) + "</ul></div>"
        articles = self._rows([e for e in column.entries if e.role == "article"])
        main = (crumb + f'<ul class="cat-menu"><li><a href="{self.prefix}/public/applyQuery/{column.agency.extra["col"]}">'
                f'依申请公开</a></li>{nb}</ul>{agencies}<ul class="doc-list">{articles}</ul>')
        return self.page(f"{column.agency.full}_政府信息公开", main)

    def detail_page(self, report: Report, column: Column) -> Response:
        when = f"{report.published:%Y-%m-%d}" if self.has("date_only") else f"{report.published:%Y-%m-%d %H:%M}"
        files = "".join(f'<p><a href="{a.path}">{escape(a.link_text)}</a></p>' for a in report.attachments)
        source = escape(column.agency.full)
        if self.public:
            head = f'<div class="info">发布时间:{when} 信息来源:{source} 文字大小:[ ] 背景色</div>'
            top = self._crumb(column)
        elif self.has("second_template"):
            head = f'<div class="info">发布时间:{when}</div><div class="info">来源:{source} 字体:[大 中 小]</div>'
            top = ""
        else:
            head = f'<div class="info">发布时间:{when} 来源:{source} 字体:[ ]</div>'
            top = f'<div class="agency">{source}</div>' + self._crumb(column)
        main = (top + f'<div class="article"><h1>{escape(report.title)}</h1>{head}'
                f'<div class="content">{self.report_body(report)}</div>'
                + (f'<div class="attachment">附件:{files}</div>' if files else "") + "</div>")
        return self.page(report.title, main, last_modified=report.published, etag=True)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (self._crumb(None) + f'<div class="article"><h1>{escape(art.title)}</h1>'
                f'<div class="info">发布时间:{art.published:%Y-%m-%d %H:%M} 来源:{escape(column.agency.full)}</div>'
                f'<div class="content">{art.body(self.flavor)}</div></div>')
        return self.page(art.title, main)
