"""What every generated site shares: agencies from its registry line, titles, articles, variants."""

from __future__ import annotations

import re
from html import escape

from crawler import registry

from ..site import Agency, Article, Column, Portal, Report, Response, html_response, scaled_agencies, stable_int

#: Units a government's site may publish reports for, beside its own (the replica's extra columns).
DEPARTMENTS = ("发展和改革委员会", "教育委员会", "民政局", "司法局", "财政局", "人力资源和社会保障局", "生态环境局",
               "住房和城乡建设委员会", "交通运输委员会", "水利局", "农业农村委员会", "商务委员会", "卫生健康委员会",
               "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "城市管理局", "文化和旅游发展委员会")
TOWNS = ("城关镇", "龙潭镇", "新华街道", "东城街道", "白马镇", "青山乡", "石桥镇", "河口镇", "双河街道", "太平镇")


def short_area(name: str) -> str:
    """`重庆市渝中区人民政府` -> `渝中区`: the agency's own area, without its government's suffix."""
    area = re.sub(r"(?:人民政府|管理委员会|办公室)$", "", name)
    match = re.search(r"[^省市]+(?:区|县|市)$", area)
    return match.group(0) if match else area


class GeneratedSite(Portal):
    """Base of the platform generators. A subclass per portal is made by `generator_for`."""

    registry_portal: registry.Portal
    #: The variants of the platform a site may show; each site draws its own share.
    variant_names: tuple[str, ...] = ()
    content_type = "text/html; charset=utf-8"
    fault_year = 2012

    def __init__(self, **kw) -> None:
        key = self.registry_portal.key
        self.id_range = (1_000_000 + stable_int("ids", key) % 9_000_000, 900_000)
        self.extra_id_range = (20_000_000 + stable_int("extra", key) % 9_000_000, 900_000)
        self.variants = self.draw_variants()
        super().__init__(**kw)

    @property
    def scheme(self) -> str:  # type: ignore[override]
        return self.registry_portal.scheme

    def draw_variants(self) -> frozenset[str]:
        chosen = {v for v in self.variant_names if stable_int("variant", self.registry_portal.key, v) % 2}
        return frozenset(chosen)

    def has(self, variant: str) -> bool:
        return variant in self.variants

    def publishing_agencies(self) -> list[Agency]:
        """The pool's agencies at the portal's scale, without the columns another registry line on
        the same host owns (that line's site serves them); a line that covers its own agency's
        column only serves that agency."""
        pool = [a for a in self.agency_pool() if self.owns_column(a.key)]
        if self.registry_portal.covers == "own":
            pool = pool[:1]
        return scaled_agencies(pool, min(self.base_agencies, len(pool)), self.scale)

    def owns_column(self, key: str) -> bool:
        """Whether a column at path `key` (a folder or a subsite) would be this line's, not another's."""
        if not key.startswith("/"):
            return True
        path = key if key.endswith("/") else key + "/"
        return registry.owner(f"{self.scheme}://{self.host}{path}") in (None, self.registry_portal.key)

    # -- content
    @property
    def area(self) -> str:
        return short_area(self.registry_portal.name)

    def own_agency(self, key: str) -> Agency:
        entry = self.registry_portal
        kind = {"township": "town", "department": "department"}.get(entry.level, "government")
        first = 2017 + stable_int("first", entry.key) % 3
        return Agency(key, entry.name, entry.name, kind, tuple(range(first, 2025)))

    def unit(self, key: str, n: int, *, town: bool = False) -> Agency:
        """The n-th unit under the portal's government (a department, or a town)."""
        names = TOWNS if town else DEPARTMENTS
        name = names[(stable_int("unit", self.registry_portal.key) + n) % len(names)]
        full = f"{self.area}{name}" + ("人民政府" if town and not name.endswith("街道") else "办事处" if town else "")
        first = 2019 + stable_int("first", self.registry_portal.key, n) % 2
        return Agency(key, f"{self.area}{name}", full, "town" if town else "department", tuple(range(first, 2025)))

    def report_title(self, agency: Agency, year: int, seed: str | None) -> str:
        variants = (f"{agency.full}{year}年政府信息公开工作年度报告", f"{agency.full}{year}年度政府信息公开工作年度报告",
                    f"{year}年{agency.full}政府信息公开工作年度报告", f"{agency.full}{year}年政府信息公开年度报告")
        return variants[stable_int("title", self.registry_portal.key, agency.key, year) % len(variants)]

    def article_titles(self, agency: Agency) -> list[tuple[str, int]]:
        last = agency.years[-1]
        return [(f"{agency.full}政府信息公开指南", last), (f"{last + 1}年政务公开工作要点", last),
                (f"{agency.full}{last}年法治政府建设年度报告", last)]

    def layout_fault_agency(self) -> Agency:
        agency = self.unit("layoutfault", 99)
        agency.years = (2023,)
        return agency

    # -- pages
    def page(self, title: str, main: str, *, head: str = "", **kw) -> Response:
        """A page in the site's chrome: its name in the header and footer."""
        site = escape(self.registry_portal.name)
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>{head}</head><body>'
                f'<div class="header"><a href="/">{site}</a></div>{main}'
                f'<div class="footer"><p>主办:{site} 网站标识码:{stable_int("site", self.registry_portal.key) % 10**10:010d}</p></div>'
                "</body></html>")
        return html_response(html, self.content_type, **kw)

    def article_page(self, art: Article, column: Column) -> Response:
        main = (f'<div class="article"><h1>{escape(art.title)}</h1><div class="info">发布日期:{art.published:%Y-%m-%d}</div>'
                f'<div class="content">{art.body(self.flavor)}</div></div>')
        return self.page(art.title, main)

    def report_body(self, report: Report) -> str:
        return "<p>详见附件。</p>" if report.attachment_only else report.body(self.flavor)

    def files_html(self, report: Report) -> str:
        if not report.attachments:
            return ""
        return '<div class="attachments"><p>附件:</p>' + "".join(
            f'<p><a href="{a.path}">{escape(a.link_text)}</a></p>' for a in report.attachments) + "</div>"

    def attach_some(self, path_of) -> None:
        """A PDF or a DOCX copy beside some reports, at `path_of(report, ext)`."""
        for r, h in self.draws():
            if h < 10:
                ext = "pdf"
            elif h < 13:
                ext = "docx"
            else:
                continue
            self.attach(r, path_of(r, ext), ext, f"{r.title}.{ext}", f"{r.title}.{ext}")

    def extra_file_path(self, report: Report, ext: str) -> str:
        return f"/attachment/extra/{report.doc_id}.{ext}"
