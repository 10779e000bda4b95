"""Crawl speed and memory: every registry portal's spider against bare Scrapy spiders fetching the same requests.

    python bench/crawl.py [--scale K] [--concurrency N]

Starts `nianbao replica serve --scale K` (≥ 5,000 report pages over the whole registry) and crawls
it once unmeasured, to warm it (the replica generates each page on its first request and then serves
it from memory). Then crawls it again, measured, with every registry spider in one process, as
`nianbao crawl` runs them (NIANBAO_PORTALS_AT_ONCE at a time), recording every request they send;
then replays exactly those requests with one bare spider per portal that parses nothing, under the
same settings (concurrency, throttle, replica proxy, browser for the pages that need it). Prints
pages/s for both, the ratio spiders/bare (the aim is ≥ 0.8) and the peak RSS of the crawl's whole
process tree, browser included (the aim is under 1 GB), beside the crawl process's own.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import (default_scale, manifest, portals, report_pages, require, run_bare, run_children, run_spiders,
                    scrapy_settings, served)


def main() -> None:
    require("psutil")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="replica scale (default: the smallest with ≥ 5,000 report pages)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests per host, both runs")
    parser.add_argument("_mode", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._mode:  # a child run: mode replica record
        mode, replica, record = args._mode
        settings = scrapy_settings(replica, args.concurrency)
        result = (run_bare if mode == "bare" else run_spiders)(settings, Path(record))
        print(json.dumps(result))
        return
    scale = args.scale or default_scale()
    pages = report_pages(scale)
    with served(scale) as replica, tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "requests.jsonl"
        results = run_children(__file__, ("spiders", "bare"), args.concurrency, replica, record)
    spiders, bare = results["spiders"], results["bare"]
    rate_s = spiders["responses"] / spiders["seconds"]
    rate_b = bare["responses"] / bare["seconds"]
    print(f"replica scale {scale}: {pages} report pages, {len(manifest(scale))} reports with attachments in the manifest")
    print(f"warm-up crawl, not measured (the replica generating every page once): {results['warm']['seconds']:.1f} s")
    print(f"registry spiders ({len(portals())}): {spiders['responses']} responses, {spiders['items']} items in "
          f"{spiders['seconds']:.1f} s = {rate_s:.1f} pages/s (failures: {spiders.get('failed', {})})")
    print(f"bare spiders: {bare['responses']} responses in {bare['seconds']:.1f} s = {rate_b:.1f} pages/s")
    print(f"ratio spiders/bare: {rate_s / rate_b:.2f} (aim ≥ 0.80)")
    print(f"peak RSS of the crawl's process tree (crawl, browser drivers, Chromium): registry spiders "
          f"{spiders['peak_rss_mb']['tree']:.0f} MB over up to {spiders['peak_rss_mb']['tree_processes']} processes, "
          f"bare {bare['peak_rss_mb']['tree']:.0f} MB (aim < 1024 MB)")
    print(f"peak PSS of the same tree (shared pages divided among the processes sharing them): registry spiders "
          f"{spiders['peak_rss_mb']['tree_pss']:.0f} MB, bare {bare['peak_rss_mb']['tree_pss']:.0f} MB")
    print(f"peak RSS of the crawl process alone: registry spiders {spiders['peak_rss_mb']['crawl']:.0f} MB, "
          f"bare {bare['peak_rss_mb']['crawl']:.0f} MB")


if __name__ == "__main__":
    main()
