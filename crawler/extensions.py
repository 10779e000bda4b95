"""Crawl-level extensions: the stats of a run written where a test or a scheduler can read them."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured


class StatsFile:
    """With NIANBAO_STATS_FILE set, write the crawl's stats there as JSON when the spider closes."""

    def __init__(self, crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("NIANBAO_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, path)
        # After the spider's own closed() has had its say.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=_plain, ensure_ascii=False, indent=1, sort_keys=True))


def _plain(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)
