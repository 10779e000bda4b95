"""What the browser must not ask for: visit counters and trackers, beside what a page can do without.

Government portals embed provincial visit counters (`tongji.gd.gov.cn/nfcms/visit.js`), Baidu and
CNZZ statistics, share buttons and the State Council's error-report widget. A crawler that runs
them counts as a visitor on the agency's statistics and tells third parties what it reads; none of
them draws a report list. Requests for them are aborted inside the browser, as are images, media
and fonts: a page's list needs its scripts and data, not its pictures. Wired as
PLAYWRIGHT_ABORT_REQUEST.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: What a rendered page can do without (less load on the portal, faster pages).
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})

#: Hosts (or host suffixes) of counters and trackers seen on Chinese government portals.
TRACKER_HOSTS = re.compile(
    r"(?:^|\.)(?:hm\.baidu\.com|cnzz\.com|51\.la|google-analytics\.com|googletagmanager\.com"
    r"|share\.baidu\.com|bdstatic\.com|zfwzgl\.www\.gov\.cn)$"
    r"|^tongji\.|^(?:ta|tj|stat|count|visit)\.[\w.-]+\.gov\.cn$",
    re.I,
)


def is_tracker(url: str) -> bool:
    return bool(TRACKER_HOSTS.search(urlsplit(url).hostname or ""))


def abort_request(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: skip images, media and fonts, and never call counters or trackers."""
    return request.resource_type in SKIPPED_RESOURCES or is_tracker(request.url)
