"""Reading helpers the platform bases share: menus, paging scripts (and pagers left unread), site
membership, the gkmlpt catalogue an address lies in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from scrapy.http import TextResponse

from ..titles import normalise_title

_PAGER = re.compile(r"createPage\w*\s*\(([^)]*)\)")


def links(response: TextResponse, scope: str = "//body") -> Iterator[tuple[str, str]]:
    """(absolute URL, link text or title) for every real link under `scope`."""
    for link in response.xpath(f"{scope}//a[@href]"):
        href = (link.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        text = normalise_title(" ".join(link.xpath(".//text()").getall())) or normalise_title(link.attrib.get("title"))
        yield urljoin(response.url, href), text


_TEMPLATE_PAGER = re.compile(r"_nPageCount\s*=\s*(\d+)")
_TEMPLATE_WORD = re.compile(r"_sPage(Name|Ext)\s*=\s*['\"]([\w.]+)['\"]")
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S | re.I)
_SCRIPT_EXT = re.compile(r"[.\"']\s*(s?html?)[\"'\\]")
_SUFFIXES = ("html", "shtml", "htm")


@dataclass(frozen=True)
class Pager:
    """A list's pager as its script gives it: the page count and how its later pages are named."""

    total: int
    prefix: str = "index"
    suffix: str = "html"
    #: The number in page 2's file name (`index_1`: pages counted from 0; `xlist_2`: from 1), or
    #: None where the platform's own rule decides (TRS counts from 0, NFCMS from 1).
    second: int | None = None

    def urls(self, base: str, second: int) -> list[str]:
        """Pages 2 .. total in the folder `base`, page 2 numbered `second` unless the pager says."""
        start = self.second if self.second is not None else second
        return [f"{base}{self.prefix}_{n}.{self.suffix}" for n in range(start, start + self.total - 1)]


def pager_of(text: str) -> Pager | None:
    """The pager a list page's script draws, if it gives its page count:

    - `createPage(12, 0, "index", "html")`, `createPageHTML(12, 0, "index", "html")`: the first
      number is the page count, the quoted words name the files;
    - `createPageHTML('page_div', 10, 1, 'xlist', 'shtml', 189)`: the container's id first, then
      the count and the current page counted from 1; the pages are named by their own prefix
      (`xlist.shtml`, `xlist_2.shtml` ... `xlist_10.shtml`), 189 is the record count;
    - a script template's variables (`_nPageCount`, `_sPageName`, `_sPageExt`);
    - `var countPage = 3` (`var currentPage = 0` beside it) with a `document.write` pager:
      `index.html`, `index_1.html`, `index_2.html`, the suffix as the script writes it.
    """
    if match := _TEMPLATE_PAGER.search(text):
        words = dict(_TEMPLATE_WORD.findall(text))
        return Pager(int(match.group(1)), words.get("Name", "index"), words.get("Ext", "html"))
    for match in _PAGER.finditer(text):
        args = [a.strip() for a in match.group(1).split(",")]
        container = bool(args) and args[0][:1] in "'\"" and not args[0].strip("'\"").isdigit()
        args = args[1:] if container else args
        numbers = [int(a.strip("'\"")) for a in args if a.strip("'\"").isdigit()]
        words = [a.strip("'\"") for a in args if a[:1] in "'\"" and not a.strip("'\"").isdigit()]
        if not numbers:
            continue
        prefix = next((w for w in words if w not in _SUFFIXES and re.fullmatch(r"\w+", w)), "index")
        suffix = next((w for w in words if w in _SUFFIXES), "html")
        return Pager(numbers[0], prefix, suffix, 2 if container else None)
    if match := _COUNT_PAGE.search(text):
        script = next((s for s in _SCRIPT.findall(text) if _COUNT_PAGE.search(s)), text)
        ext = _SCRIPT_EXT.search(script)
        return Pager(int(match.group(1)), "index", ext.group(1) if ext else "html", 1)
    return None


#: What a pager with more than one page shows: a page count in its text or a script variable, or a
#: link to the next or last page.
_PAGE_COUNTS = (
    re.compile(r"共\s*(\d+)\s*页"),
    re.compile(r"第\s*\d+\s*/\s*(\d+)\s*页"),
    re.compile(r"\b(?:countPage|pageCount|totalPages?|pageTotal|_nPageCount|maxPageNum)\s*[=:]\s*['\"]?(\d+)"),
)
_NEXT_LINK = re.compile(r"^\s*(?:下一页|下页|尾页|末页|最后一页|>>|»)\s*$")
_DEAD_SCRIPT = re.compile(r"javascript:\s*(?:void\b|;|$)", re.I)
#: A script's record count (`var recordCount = 189`), which with a page size gives the page count.
RECORD_COUNT = re.compile(r"\brecordCount\s*=\s*(\d+)")
_PAGE_SIZE = re.compile(r"\b(?:prepage|pageSize|perPage)\s*=\s*(\d+)", re.I)


def unread_pager(response: TextResponse) -> str | None:
    """What on a list page says it has more pages (`共3页`, `countPage = 3`, a 下一页 link), for a page
    from which the base asked for no further page; None when the page shows no such pager."""
    text = response.text
    for pattern in _PAGE_COUNTS:
        for match in pattern.finditer(text):
            if int(match.group(1)) > 1:
                return match.group(0).strip()
    for link in response.xpath("//a[@href]"):
        href = (link.attrib.get("href") or "").strip()
        label = normalise_title(" ".join(link.xpath(".//text()").getall()))
        if _NEXT_LINK.match(label) and href and not href.startswith("#") and not _DEAD_SCRIPT.match(href) \
                and urljoin(response.url, href) != response.url:
            return f"a {label} link to {href}"
    records, size = RECORD_COUNT.search(text), _PAGE_SIZE.search(text)
    if records and size and int(records.group(1)) > int(size.group(1)) > 0:
        return f"{records.group(0)}, {size.group(0)}"
    return None


def check_pager(spider, response: TextResponse, asked: bool) -> None:
    """Note a list page that shows more pages (`unread_pager`) when the base asked for none of them:
    the health checks make it a notice (crawler/monitors.py), never a silent page 1."""
    if asked or (shown := unread_pager(response)) is None:
        return
    spider.unread_pagers[response.url] = shown
    spider.crawler.stats.inc_value("nianbao/pager_unread")
    spider.logger.warning("%s: list page %s shows more pages (%s) but no further page was read", spider.portal,
                          response.url, shown)


def gkmlpt_root(url: str) -> str:
    """The folder of the gkmlpt catalogue an address lies in (`https://h/fszsj/gkmlpt/`), whatever
    page of it the address is (`index`, the mobile `mindex/`, `api/all/...`)."""
    path = urlsplit(url).path
    head = path.split("/gkmlpt/", 1)[0] if "/gkmlpt/" in path else path.rsplit("/", 1)[0]
    return urljoin(url, head + "/gkmlpt/")


def same_site(url: str, hosts: set[str]) -> bool:
    return (urlsplit(url).hostname or "").lower() in hosts


def folder(url: str) -> str:
    """The folder a page lives in: `https://h/a/b/index.html` -> `https://h/a/b/`."""
    return urljoin(url, "./")
