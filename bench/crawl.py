"""Crawl speed: the five portal spiders against a bare Scrapy spider fetching the same requests.

    python bench/crawl.py [--scale K] [--concurrency N]

Starts `nianbao replica serve --scale K` (≥ 2,000 report pages), crawls it with the five spiders
(recording every request they send), then replays exactly those requests with a bare spider that
parses nothing, under the same settings (concurrency, throttle, replica proxy, browser for the pages
that need it). Prints pages/s for both and the ratio spiders/bare (the aim is ≥ 0.8).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NIANBAO = "from nianbao.cli import main; main()"
PORTALS = ["changshou", "zhuji", "dongguan", "yanping", "linxiang"]


def bench_settings(concurrency: int) -> dict:
    return {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency * 2,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "RETRY_BACKOFF_BASE": 0,
        "LOG_LEVEL": "WARNING",
        "NIANBAO_DB": "",
    }


def run_spiders(replica: str, record: Path, concurrency: int) -> dict:
    """Crawl with the five spiders; write every request sent (as the spider made it) to `record`."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.middlewares import original_request
    from crawler.signals import fetch_failed

    os.environ["NIANBAO_REPLICA"] = replica
    settings = get_project_settings()
    settings.update(bench_settings(concurrency), priority="cmdline")
    settings.set("NIANBAO_REPLICA", replica, priority="cmdline")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {**settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), "proxy": {"server": replica}})
    process = CrawlerProcess(settings)
    sent: list[dict] = []
    counts = {"responses": 0, "items": 0, "bytes": 0}

    def on_response(response, request, spider):
        # Fired for final responses only (not for a challenge the middleware answered).
        counts["responses"] += 1
        counts["bytes"] += len(response.body)
        sent.append({
            "url": original_request(request).url,
            "method": request.method,
            "body": request.body.decode("latin-1"),
            # With the cookies it carried, the replay passes a JavaScript challenge as the crawl did.
            "headers": {k.decode(): v[0].decode("latin-1") for k, v in request.headers.items()
                        if k.lower() in (b"content-type", b"cookie")},
            "playwright": bool(request.meta.get("playwright")),
        })

    def on_item(item, response, spider):
        counts["items"] += 1

    def on_failure(request, failure, spider, outcome):
        counts.setdefault("failed", {}).setdefault(outcome, 0)
        counts["failed"][outcome] += 1

    for name in PORTALS:
        crawler = process.create_crawler(name)
        crawler.signals.connect(on_response, signal=signals.response_received)
        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawler.signals.connect(on_failure, signal=fetch_failed)
        process.crawl(crawler)
    started = time.perf_counter()
    process.start()
    counts["seconds"] = time.perf_counter() - started
    record.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in sent))
    return counts


def run_bare(replica: str, record: Path, concurrency: int) -> dict:
    """Replay the recorded requests with a spider that only counts responses."""
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from scrapy_playwright.page import PageMethod

    requests = [json.loads(line) for line in record.read_text().splitlines() if line]
    os.environ["NIANBAO_REPLICA"] = replica
    settings = get_project_settings()
    settings.update(bench_settings(concurrency), priority="cmdline")
    settings.set("NIANBAO_REPLICA", replica, priority="cmdline")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {**settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), "proxy": {"server": replica}})
    # The same downloader stack; only the spider is bare (no parsing, no items).
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    counts = {"responses": 0, "bytes": 0}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for r in requests:
                meta = {"playwright": True, "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]} if r["playwright"] else {}
                yield scrapy.Request(r["url"], method=r["method"], body=r["body"].encode("latin-1") or None,
                                     headers=r["headers"], meta=meta, dont_filter=True, callback=self.parse, errback=self.failed)

        def parse(self, response):
            return None

        def failed(self, failure):
            return None

    def on_response(response, request, spider):
        counts["responses"] += 1
        counts["bytes"] += len(response.body)

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    crawler.signals.connect(on_response, signal=signals.response_received)
    process.crawl(crawler)
    started = time.perf_counter()
    process.start()
    counts["seconds"] = time.perf_counter() - started
    return counts


def serve(scale: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", NIANBAO, "replica", "serve", "--port", "0", "--scale", str(scale)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("serving "):
        proc.kill()
        raise SystemExit(f"replica did not start: {line!r}")
    return proc, line.split()[1]


def manifest(scale: int) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-c", NIANBAO, "replica", "manifest", "--scale", str(scale)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def report_pages(scale: int) -> int:
    return sum(1 for m in manifest(scale) if m.get("kind", "page") == "page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="replica scale (default: the smallest with ≥ 2,000 report pages)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests per host, both runs")
    parser.add_argument("_mode", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._mode:  # a child run: mode replica record
        mode, replica, record = args._mode
        result = (run_spiders if mode == "spiders" else run_bare)(replica, Path(record), args.concurrency)
        print(json.dumps(result))
        return
    scale = args.scale
    if not scale:
        scale = next((k for k in (1, 5, 10, 20, 40, 80) if report_pages(k) >= 2000), 80)
    pages = report_pages(scale)
    proc, replica = serve(scale)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            record = Path(tmp) / "requests.jsonl"
            results = {}
            for mode in ("spiders", "bare"):
                out = subprocess.run(
                    [sys.executable, __file__, "--concurrency", str(args.concurrency), mode, replica, str(record)],
                    capture_output=True, text=True, cwd=ROOT,
                )
                if out.returncode:
                    sys.stderr.write(out.stderr[-3000:])
                    raise SystemExit(f"{mode} run failed")
                results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        proc.terminate()
        proc.wait(10)
    spiders, bare = results["spiders"], results["bare"]
    rate_s = spiders["responses"] / spiders["seconds"]
    rate_b = bare["responses"] / bare["seconds"]
    print(f"replica scale {scale}: {pages} report pages, {len(manifest(scale))} reports with attachments in the manifest")
    print(f"five spiders: {spiders['responses']} responses, {spiders['items']} items in {spiders['seconds']:.1f} s = {rate_s:.1f} pages/s"
          f" (failures: {spiders.get('failed', {})})")
    print(f"bare spider:  {bare['responses']} responses in {bare['seconds']:.1f} s = {rate_b:.1f} pages/s")
    print(f"ratio spiders/bare: {rate_s / rate_b:.2f} (aim ≥ 0.80)")


if __name__ == "__main__":
    main()
