"""Report addresses: one canonical URL per report, whatever twin a list links to.

Portals publish the same report under several addresses (Changshou's mobile `_wap.html` twin and its
http/https/bare-host twins, Zhuji's `?xxgkhide=1` view of an article). The archive keys reports on
the canonical URL, so every twin must fold into one string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

#: Report file types the archive keeps as attachments.
ATTACHMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd"})
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,4})$")
#: Query parameters naming the served file, as download scripts (Hanweb's downfile.jsp) use.
_FILENAME_PARAMS = ("filename", "fileName", "file", "name", "fn")


@dataclass(frozen=True)
class TwinRules:
    """How one portal's twin addresses fold into the canonical one."""

    #: Hosts that serve the same site, mapped to the canonical host (e.g. bare host -> www).
    host_aliases: dict[str, str] = field(default_factory=dict)
    #: Scheme every address is rewritten to ("https" for all five portals); None keeps it.
    scheme: str | None = "https"
    #: Query parameters that only change the view, never the report (`xxgkhide`).
    drop_params: frozenset[str] = frozenset()
    #: (pattern, replacement) rewrites of the path, e.g. the `_wap.html` mobile twin.
    path_rewrites: tuple[tuple[str, str], ...] = ()


NO_TWINS = TwinRules()


def canonical_url(url: str, rules: TwinRules = NO_TWINS) -> str:
    """The one address under which the archive keeps the report `url` points to."""
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = (rules.scheme or parts.scheme).lower()
    host = (parts.hostname or "").lower()
    host = rules.host_aliases.get(host, host)
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    for pattern, replacement in rules.path_rewrites:
        path = re.sub(pattern, replacement, path)
    query = parts.query
    if rules.drop_params and query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in rules.drop_params]
        query = urlencode(kept, safe="/:")
    return urlunsplit((scheme, netloc, path, query, ""))


def is_home_page(url: str) -> bool:
    """A start URL that is a site's home page: the spider looks for the column from there."""
    path = urlsplit(url).path
    return path in ("", "/") or bool(re.fullmatch(r"/(?:index|default)\.(?:s?html?|jsp|aspx?)", path))


def list_key(url: str, rules: TwinRules = NO_TWINS) -> str:
    """A key under which two addresses of one list page compare equal (`dir/` == `dir/index.html`)."""
    url = canonical_url(url, rules)
    parts = urlsplit(url)
    path = re.sub(r"/index\.s?html?$", "/", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def attachment_extension(url: str) -> str | None:
    """The report-file extension an address serves by its path or a `filename=` parameter, if any."""
    parts = urlsplit(url)
    candidates = [unquote(parts.path)]
    candidates += [unquote(v) for k, v in parse_qsl(parts.query) if k in _FILENAME_PARAMS]
    for candidate in candidates:
        match = _EXTENSION.search(candidate.strip())
        if match and match.group(1).lower() in ATTACHMENT_EXTENSIONS:
            return match.group(1).lower()
    return None


def is_attachment_url(url: str) -> bool:
    return attachment_extension(url) is not None


_ATTACHMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.ms-excel",
    "application/vnd.ms-works",
    "application/kswps",
    "application/wps",
    "application/vnd.ms-word",
    "application/ofd",
)
_DISPOSITION_NAME = re.compile(r"filename\*?=(?:[\w-]+'[^']*')?\"?([^\";]+)", re.I)


def is_attachment_response(url: str, content_type: str = "", disposition: str = "") -> bool:
    """Whether a response is a report file rather than a page, by type, disposition or address."""
    content_type = content_type.lower()
    if any(content_type.startswith(t) for t in _ATTACHMENT_TYPES):
        return True
    if disposition:
        match = _DISPOSITION_NAME.search(disposition)
        if match and attachment_extension("/" + unquote(match.group(1))):
            return True
        if "attachment" in disposition.lower() and "html" not in content_type:
            return True
    if content_type.startswith("text/html"):
        return False
    return is_attachment_url(url)
