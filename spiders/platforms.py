"""Each platform's base as a generic spider, to try a site before it is in the registry:

    scrapy crawl trs -a start_url=https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/

The start URL is the site's annual-report column (or gkmlpt catalogue), or its home page. Under
`scrapy check` none is needed: the base's contracts name their own pages.
"""

from __future__ import annotations

import os

from crawler.platforms import BASES


def _generic(platform: str) -> type:
    base = BASES[platform]

    def __init__(self, *args, start_url: str | None = None, **kwargs):
        if not start_url and not os.environ.get("SCRAPY_CHECK"):
            raise ValueError(f"scrapy crawl {platform} needs -a start_url=URL (the site's column or home page)")
        base.__init__(self, *args, start_url=start_url, **kwargs)

    name = platform.title() + "PlatformSpider"
    return type(name, (base,), {"name": platform, "start_urls": [], "__init__": __init__, "__module__": __name__,
                                "__doc__": f"Any {platform} site: -a start_url=URL."})


for _platform in BASES:
    _cls = _generic(_platform)
    globals()[_cls.__name__] = _cls
# Only the spiders stay in the module: Scrapy's loader takes every spider class it holds.
del _platform, _cls
