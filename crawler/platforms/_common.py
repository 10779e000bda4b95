"""Reading helpers the platform bases share: menus, paging scripts, site membership."""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def pager_total(text: str) -> tuple[int, str, str] | None:
    """(total pages, file prefix, suffix) from a `createPage(...)`/`createPageHTML(...)` paging script,
    or from the variables a script template draws the pager from (`_nPageCount`, `_sPageName`).

    The platforms vary the signature (`createPage(12, 0, "index", "html")`, `createPageHTML('div', 12,
    1, 'index', 'html', 230)`): the first number is the page count, the quoted words name the files.
    """
    if match := _TEMPLATE_PAGER.search(text):
        words = dict(_TEMPLATE_WORD.findall(text))
        return int(match.group(1)), words.get("Name", "index"), words.get("Ext", "html")
    for match in _PAGER.finditer(text):
        args = [a.strip() for a in match.group(1).split(",")]
        numbers = [int(a.strip("'\"")) for a in args if a.strip("'\"").isdigit()]
        words = [a.strip("'\"") for a in args if a[:1] in "'\"" and not a.strip("'\"").isdigit()]
        if not numbers:
            continue
        prefix = next((w for w in words if w.startswith("index")), "index")
        suffix = next((w for w in words if w in ("html", "shtml", "htm")), "html")
        return numbers[0], prefix, suffix
    return None


def same_site(url: str, hosts: set[str]) -> bool:
    return (urlsplit(url).hostname or "").lower() in hosts


def folder(url: str) -> str:
    """The folder a page lives in: `https://h/a/b/index.html` -> `https://h/a/b/`."""
    return urljoin(url, "./")
