"""A spider for every registry portal (`spiders/portals.tsv`) that has no module of its own.

A portal is its registry line and its platform's base (`ChangshouSpider` is a `TrsSpider` named
`changshou` starting where the registry says). A portal with quirks of its own gets a module beside
this one (`spiders/<key>.py`) whose spider subclasses its platform's base; then none is made here.
"""

from __future__ import annotations

import importlib.util

from crawler import registry
from crawler.platforms import BASES


def spider_class(portal: registry.Portal) -> type:
    base = BASES[portal.platform]
    name = "".join(part.title() for part in portal.key.split("_")) + "Spider"
    return type(name, (base,), {"name": portal.key, "start_urls": list(portal.start), "__module__": __name__,
                                "__doc__": f"{portal.name} ({portal.platform}), from the registry."})


def _own_module(key: str) -> bool:
    return importlib.util.find_spec(f"{__package__}.{key}") is not None


for _portal in registry.load():
    if not _own_module(_portal.key):
        _cls = spider_class(_portal)
        globals()[_cls.__name__] = _cls
# Only the spiders stay in the module: Scrapy's loader takes every spider class it holds.
del _portal, _cls
