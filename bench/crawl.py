"""Crawl speed: the five portal spiders against bare Scrapy spiders fetching the same requests.

    python bench/crawl.py [--scale K] [--concurrency N]

Starts `nianbao replica serve --scale K` (≥ 2,000 report pages), crawls it with the five spiders
(recording every request they send), then replays exactly those requests with one bare spider per
portal that parses nothing, under the same settings (concurrency, throttle, replica proxy, browser
for the pages that need it). Prints pages/s for both and the ratio spiders/bare (the aim is ≥ 0.8).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import default_scale, manifest, report_pages, run_bare, run_children, run_spiders, scrapy_settings, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="replica scale (default: the smallest with ≥ 2,000 report pages)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests per host, both runs")
    parser.add_argument("_mode", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._mode:  # a child run: mode replica record
        mode, replica, record = args._mode
        settings = scrapy_settings(replica, args.concurrency)
        result = (run_spiders if mode == "spiders" else run_bare)(settings, Path(record))
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
    print(f"five spiders: {spiders['responses']} responses, {spiders['items']} items in {spiders['seconds']:.1f} s = {rate_s:.1f} pages/s"
          f" (failures: {spiders.get('failed', {})})")
    print(f"bare spiders: {bare['responses']} responses in {bare['seconds']:.1f} s = {rate_b:.1f} pages/s")
    print(f"ratio spiders/bare: {rate_s / rate_b:.2f} (aim ≥ 0.80)")


if __name__ == "__main__":
    main()
