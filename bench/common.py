"""What the crawl and archive benchmarks share: the replica they crawl, Scrapy settings without
throttling, a crawl by the five spiders that records every request it sends, and the bare spider
that replays exactly those requests (same settings and downloader stack, no parsing, no items).

Each measured run is a child process (`python <benchmark> --concurrency C <mode> <replica> <record>
...`), so that every run starts its own Twisted reactor and browser.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NIANBAO = "from nianbao.cli import main; main()"
MIN_REPORT_PAGES = 5000


def require(*modules: str, extra: str = "bench") -> None:
    """Stop at once, before minutes of crawling, when a module the benchmark needs is missing."""
    missing = [name for name in modules if not _importable(name)]
    if missing:
        raise SystemExit(f"{Path(sys.argv[0]).name} needs {', '.join(missing)}: pip install -e '.[{extra}]'")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: a module blocked in sys.modules
        return False


def portals() -> list[str]:
    """Every registry portal."""
    from crawler import registry

    return registry.keys()


def manifest(scale: int) -> list[dict]:
    import replica

    return replica.manifest(scale=scale)


def report_pages(scale: int) -> int:
    return sum(1 for m in manifest(scale) if m.get("kind", "page") == "page")


def default_scale() -> int:
    """The smallest replica scale with at least MIN_REPORT_PAGES report pages."""
    return next((k for k in (1, 2, 3, 4, 5, 8, 10, 20) if report_pages(k) >= MIN_REPORT_PAGES), 20)


@contextmanager
def served(scale: int, *options: str) -> Iterator[str]:
    """`nianbao replica serve --scale K [OPTION ...]` in a subprocess; yields its proxy URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", NIANBAO, "replica", "serve", "--port", "0", "--scale", str(scale), *options],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("serving "):
            raise SystemExit(f"replica did not start: {line!r}")
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(10)


#: The child run that comes first and is not measured: the replica generates each page, PDF and
#: office file on its first request and then serves it from memory, so without it the first
#: measured run pays for generating what the later runs are served from cache (on two cores the
#: replica's work halved the first run's speed).
WARM_UP = "warm"


def run_children(script: str, modes: tuple[str, ...], concurrency: int, *args: object) -> dict[str, dict]:
    """Run `script` once per mode as a child process, after a warm-up run (mode WARM_UP, a crawl by
    the spiders that archives nothing); each prints its result as a JSON last line."""
    results = {}
    for mode in (WARM_UP, *modes):
        child = subprocess.Popen(
            [sys.executable, script, "--concurrency", str(concurrency), mode, *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        # Watched from here, not from inside: sampling /proc in the crawl's own process would take
        # its time from the crawl being measured.
        with TreePeak(child.pid) as tree:
            stdout, stderr = child.communicate()
        if child.returncode:
            sys.stderr.write(stderr[-3000:])
            raise SystemExit(f"{mode} run failed")
        results[mode] = json.loads(stdout.strip().splitlines()[-1])
        results[mode].setdefault("peak_rss_mb", {}).update(
            tree=tree.peak / 2**20, tree_pss=tree.peak_pss / 2**20, tree_processes=tree.most_processes)
    return results


def scrapy_settings(replica: str, concurrency: int, db: str = ""):
    """The project's settings pointed at the replica (Scrapy and Chromium), without throttling;
    archiving into `db`, or not at all when it is empty."""
    os.environ["NIANBAO_REPLICA"] = replica
    os.environ["NIANBAO_DB"] = db
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.update({
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency * 2,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "RETRY_BACKOFF_BASE": 0,
        "LOG_LEVEL": "WARNING",
        "NIANBAO_REPLICA": replica,
        "NIANBAO_DB": db,
    }, priority="cmdline")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {**settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), "proxy": {"server": replica}})
    return settings


def run_spiders(settings, record: Path) -> dict:
    """Crawl with the five spiders; write every request sent (as the spider made it) to `record`.

    `seconds` is the whole run; `seconds_to_last_item` ends at the last item committed (or the
    last response, if later), before work the pipelines finish afterwards."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.middlewares import original_request
    from crawler.run import crawl_in_turn
    from crawler.signals import fetch_failed

    process = CrawlerProcess(settings)
    sent: list[dict] = []
    counts: dict = {"responses": 0, "items": 0, "bytes": 0}
    marks = {"last_response": 0.0, "last_item": 0.0}

    def on_response(response, request, spider):
        # Fired for final responses only (not for a challenge the middleware answered).
        counts["responses"] += 1
        counts["bytes"] += len(response.body)
        marks["last_response"] = time.perf_counter()
        sent.append({
            "spider": spider.name,
            "url": original_request(request).url,
            "method": request.method,
            "body": request.body.decode("latin-1"),
            # With the cookies it carried, the replay passes a JavaScript challenge as the crawl did.
            "headers": {k.decode(): v[0].decode("latin-1") for k, v in request.headers.items()
                        if k.lower() in (b"content-type", b"cookie")},
            "playwright": bool(request.meta.get("playwright")),
        })

    def on_item(item, response, spider):
        # item_scraped fires once the pipelines returned: with an archive, the item is committed.
        counts["items"] += 1
        marks["last_item"] = time.perf_counter()

    def on_failure(request, failure, spider, outcome):
        counts.setdefault("failed", {}).setdefault(outcome, 0)
        counts["failed"][outcome] += 1

    def connect(crawler) -> None:
        crawler.signals.connect(on_response, signal=signals.response_received)
        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawler.signals.connect(on_failure, signal=fetch_failed)

    crawl_in_turn(process, portals(), [], settings.getint("NIANBAO_PORTALS_AT_ONCE"), prepare=connect)
    started = time.perf_counter()
    process.start()
    counts["seconds"] = time.perf_counter() - started
    counts["seconds_to_last_item"] = max(marks["last_item"], marks["last_response"]) - started
    counts["peak_rss_mb"] = peak_rss_mb()
    record.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in sent))
    return counts


def run_bare(settings, record: Path) -> dict:
    """Replay the recorded requests with spiders that only count responses.

    One bare spider per portal, each replaying that portal's requests, so that both runs have the
    same crawlers in one process with the same per-crawler concurrency (CONCURRENT_REQUESTS is a
    limit per crawler). `seconds` is the whole run, `seconds_to_last_response` ends at the last
    response."""
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy_playwright.page import PageMethod

    from crawler.run import crawl_in_turn

    requests = [json.loads(line) for line in record.read_text().splitlines() if line]
    by_spider: dict[str, list[dict]] = {}
    for r in requests:
        by_spider.setdefault(r.get("spider", "bare"), []).append(r)
    # The same settings and downloader stack; only the spiders are bare (no parsing, no items).
    counts: dict = {"responses": 0, "bytes": 0}
    marks = {"last_response": 0.0}

    def bare_spider(portal: str, replay: list[dict]) -> type:
        class BareSpider(scrapy.Spider):
            name = f"bare_{portal}"
            # crawl_in_turn runs it on the portal's lanes (its hosts, the browser's), as the portal ran.
            runs_as = portal

            async def start(self):
                for r in replay:
                    meta = {"playwright": True, "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]} if r["playwright"] else {}
                    yield scrapy.Request(r["url"], method=r["method"], body=r["body"].encode("latin-1") or None,
                                         headers=r["headers"], meta=meta, dont_filter=True, callback=self.parse,
                                         errback=self.failed)

            def parse(self, response):
                return None

            def failed(self, failure):
                return None

        return BareSpider

    def on_response(response, request, spider):
        counts["responses"] += 1
        counts["bytes"] += len(response.body)
        marks["last_response"] = time.perf_counter()

    process = CrawlerProcess(settings)
    crawl_in_turn(process, [bare_spider(portal, replay) for portal, replay in by_spider.items()], [],
                  settings.getint("NIANBAO_PORTALS_AT_ONCE"),
                  prepare=lambda crawler: crawler.signals.connect(on_response, signal=signals.response_received))
    started = time.perf_counter()
    process.start()
    counts["seconds"] = time.perf_counter() - started
    counts["seconds_to_last_response"] = marks["last_response"] - started
    counts["peak_rss_mb"] = peak_rss_mb()
    return counts


def peak_rss_mb() -> dict:
    """Peak resident memory of this process (the crawl) and of the largest child it waited for; the
    whole tree's is measured from outside (`run_children`)."""
    import resource

    return {"crawl": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "largest_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


class TreePeak:
    """The peak of the summed RSS of a process (`pid`, default this one) and all its descendants,
    sampled in a thread every `interval` seconds while the block runs (what an operator's `top`
    shows, not one process).

    Summed RSS counts the pages Chromium's processes share once in each of them; the peak of the
    summed PSS (each shared page divided among its sharers, where /proc gives it) is what the tree
    takes from the machine."""

    def __init__(self, pid: int | None = None, interval: float = 0.1) -> None:
        require("psutil")
        import psutil

        self.interval, self.root = interval, psutil.Process(pid)
        self.peak, self.peak_pss, self.most_processes = 0, 0, 0
        self._stop = None

    def sample(self) -> None:
        import psutil

        total, total_pss, count = 0, 0, 0
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:  # it has ended
            return
        for proc in tree:
            try:
                memory = proc.memory_full_info() if hasattr(psutil.Process, "memory_full_info") else proc.memory_info()
                total += memory.rss
                total_pss += getattr(memory, "pss", memory.rss)
                count += 1
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.peak, self.most_processes = max(self.peak, total), max(self.most_processes, count)
        self.peak_pss = max(self.peak_pss, total_pss)

    def __enter__(self) -> "TreePeak":
        import threading

        self._stop = threading.Event()

        def run() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
