"""`scrapy crawl <portal>` against the replicas, as a maintainer runs it: every report once, nothing else.

Each crawl is a subprocess (`NIANBAO_REPLICA=... scrapy crawl <portal> -O out.jsonl`) with the
throttle off; items are compared with `replica.manifest()` for the same replica. A second replica
publishes real reports from ../shared written into a reports folder at run time.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import replica

ROOT = Path(__file__).resolve().parents[1]
PORTALS = ["changshou", "zhuji", "dongguan", "yanping", "linxiang"]
SEEDS = {"changshou": "000", "zhuji": "001", "dongguan": "002", "yanping": "003", "linxiang": "004"}
FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_BACKOFF_BASE": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawl:
    items: list[dict]
    log: str
    stats: dict
    returncode: int

    def stat(self, key: str) -> int:
        return self.stats.get(key) or 0


def crawl(portal: str, server_url: str, workdir: Path, **settings: object) -> Crawl:
    workdir.mkdir(parents=True, exist_ok=True)
    out, stats = workdir / f"{portal}.jsonl", workdir / f"{portal}.stats.json"
    env = {**os.environ, "NIANBAO_REPLICA": server_url}
    env.pop("NIANBAO_DB", None)
    args = [sys.executable, "-m", "scrapy", "crawl", portal, "-O", str(out), "-s", f"NIANBAO_STATS_FILE={stats}"]
    for key, value in {**FAST, **settings}.items():
        args += ["-s", f"{key}={value}"]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    items = [json.loads(line) for line in out.read_text().splitlines() if line.strip()] if out.exists() else []
    return Crawl(items, proc.stderr, json.loads(stats.read_text()) if stats.exists() else {}, proc.returncode)


def assert_clean(result: Crawl) -> None:
    assert result.returncode == 0, result.log[-4000:]
    assert "Traceback" not in result.log, result.log[result.log.index("Traceback") - 2000 :][:6000]


def assert_matches_manifest(result: Crawl, manifest: list[dict], portal: str) -> None:
    expected = {m["url"]: m for m in manifest if m["portal"] == portal}
    urls = Counter(item["url"] for item in result.items)
    assert [u for u, n in urls.items() if n > 1] == [], "a report was yielded twice"
    assert sorted(set(urls) - set(expected)) == [], "yielded something that is not a report"
    assert sorted(set(expected) - set(urls)) == [], "missed reports"
    for item in result.items:
        listed = expected[item["url"]]
        assert item["portal"] == portal
        assert item["title"] == listed["title"], item["url"]
        assert item["kind"] == listed.get("kind", "page"), item["url"]
        assert item["status"] == 200 and item["body"], item["url"]
        assert item["final_url"].startswith("https://") and item["fetched_at"].endswith("Z")
        assert item["found_on"].startswith("https://")
        assert item["column"], f"no agency column for {item['url']}"


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory, shared) -> Path:
    """Real reports from ../shared, one portal folder each, written now (never kept in the repo)."""
    folder = tmp_path_factory.mktemp("reports")
    for portal, stem in SEEDS.items():
        (folder / portal).mkdir()
        seed = next((shared / "seeds").glob(f"{stem}_*.txt"))
        shutil.copy(seed, folder / portal / seed.name)
    shutil.copy(shared / "reports" / "001.pdf", folder / "zhuji" / "hzq2023.pdf")
    shutil.copy(shared / "reports" / "003.pdf", folder / "changshou" / "sz2024.pdf")
    return folder


@pytest.fixture(scope="module")
def plain_server():
    with replica.ReplicaServer() as server:
        yield server


@pytest.fixture(scope="module")
def faulty_server(reports_dir):
    """Reports from ../shared, plus the replica's faults (500, hang, truncated body, changed layout)."""
    with replica.ReplicaServer(reports_dir=reports_dir, faults=True) as server:
        yield server


def crawl_all(server_url: str, workdir: Path, **settings: object) -> dict[str, Crawl]:
    # Three crawls at a time: each is mostly waiting on the replica and on Scrapy's start-up.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {portal: pool.submit(crawl, portal, server_url, workdir, **settings) for portal in PORTALS}
        return {portal: future.result() for portal, future in futures.items()}


@pytest.fixture(scope="module")
def plain_crawls(plain_server, tmp_path_factory) -> dict[str, Crawl]:
    return crawl_all(plain_server.url, tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def faulty_crawls(faulty_server, tmp_path_factory) -> dict[str, Crawl]:
    return crawl_all(faulty_server.url, tmp_path_factory.mktemp("faulty"), DOWNLOAD_TIMEOUT=2, RETRY_TIMES=1)


@pytest.mark.parametrize("portal", PORTALS)
def test_crawl_finds_every_report_of_the_manifest_once(portal, plain_crawls):
    result = plain_crawls[portal]
    assert_clean(result)
    assert_matches_manifest(result, replica.manifest(), portal)
    assert result.stat("nianbao/skipped/not_report") > 0, "the replica's lists mix in other articles"
    assert result.stat("nianbao/empty_list_page") == 0, result.log[-3000:]


@pytest.mark.parametrize("portal", PORTALS)
def test_crawl_finds_reports_written_at_run_time_and_survives_faults(portal, faulty_crawls, reports_dir):
    result = faulty_crawls[portal]
    assert_clean(result)
    manifest = replica.manifest(reports_dir=reports_dir, faults=True)
    faulty = [m for m in manifest if m["portal"] == portal and m.get("fault")]
    # A report whose own column changed layout may still be linked from an overview list.
    relisted = [m for m in faulty if m["fault"] == "layout" and any(i["url"] == m["url"] for i in result.items)]
    assert_matches_manifest(result, [m for m in manifest if not m.get("fault") or m in relisted], portal)
    assert {m["fault"] for m in faulty} >= {"http_500", "timeout", "truncated", "layout"}
    for m in faulty:
        if m["fault"] == "layout":
            # Its list page changed layout: the warning names the portal and the page.
            assert result.stat("nianbao/empty_list_page") >= 1
            assert f"{portal}: list page https://" in result.log
        else:
            # One clear line naming what happened and where, and the outcome counted.
            assert f"{portal}: {m['fault']} fetching report {m['url']}" in result.log
            assert result.stat(f"nianbao/outcome/{m['fault']}") >= 1
    from_files = [m for m in manifest if m["portal"] == portal and m.get("file")]
    assert from_files, "the reports folder adds reports to every portal"
    items = {item["url"]: item for item in result.items}
    for m in from_files:
        assert m["url"] in items, m
    pdfs = [m for m in from_files if m["kind"] == "attachment"]
    assert bool(pdfs) == any(p.suffix == ".pdf" for p in (reports_dir / portal).iterdir())
    for m in pdfs:
        item = items[m["url"]]
        assert item["kind"] == "attachment" and base64.b64decode(item["body"]).startswith(b"%PDF")
        assert items[item["found_on"]]["kind"] == "page", "the PDF hangs off its report page"


def test_mislabeled_encodings_are_read_right_and_counted(plain_crawls):
    fixed = {portal: c.stat("nianbao/outcome/encoding_mislabeled") for portal, c in plain_crawls.items()}
    assert sum(fixed.values()) >= 1, "the replicas serve at least one page under a wrong charset"
    for portal, count in fixed.items():
        if count:
            assert "declares charset" in plain_crawls[portal].log


def test_browser_only_for_linxiang_year_pages(plain_crawls):
    linxiang = plain_crawls["linxiang"]
    assert linxiang.stat("playwright/request_count/navigation") > 0
    assert all(not item["rendered"] for item in linxiang.items), "report pages need no browser"
    for portal in ("changshou", "zhuji", "yanping"):
        assert plain_crawls[portal].stat("playwright/request_count/navigation") == 0, portal


def test_dongguan_challenge_is_answered_by_the_browser_once(plain_crawls):
    dongguan = plain_crawls["dongguan"]
    assert dongguan.stat("nianbao/challenge/seen") >= 1
    assert dongguan.stat("nianbao/challenge/solved") == dongguan.stat("nianbao/challenge/seen")
    # Later requests pass with the copied cookies: the browser only loads the challenge and its reload.
    assert dongguan.stat("playwright/request_count/navigation") <= 2 * dongguan.stat("nianbao/challenge/seen")
    assert dongguan.stat("downloader/response_count") > 10 * max(1, dongguan.stat("nianbao/challenge/seen"))


@pytest.mark.parametrize("portal", PORTALS)
def test_a_changed_list_layout_is_a_warning_naming_portal_and_url(portal, tmp_path):
    with replica.ReplicaServer(break_portal=portal) as server:
        result = crawl(portal, server.url, tmp_path)
    assert_clean(result)
    assert result.stat("nianbao/empty_list_page") >= 1
    warnings = [line for line in result.log.splitlines() if "yielded no reports" in line]
    assert warnings and all(f"{portal}: list page https://" in line for line in warnings)


def test_a_second_crawl_into_the_archive_asks_conditionally(plain_server, tmp_path):
    """Unchanged reports cost a 304 the second time, and are still items (the archive's "seen again")."""
    db = tmp_path / "nianbao.db"
    first = crawl("changshou", plain_server.url, tmp_path / "1", NIANBAO_DB=db)
    assert_clean(first)
    assert {item["status"] for item in first.items} == {200}
    # Every archived report, not only those due tonight on the re-check schedule (crawler/recheck.py).
    second = crawl("changshou", plain_server.url, tmp_path / "2", NIANBAO_DB=db, NIANBAO_RECHECK="all")
    assert_clean(second)
    assert {item["url"] for item in second.items} == {item["url"] for item in first.items}
    assert {item["status"] for item in second.items} == {304}
    assert second.stat("nianbao/conditional_requests") == len(second.items)
    assert all(not item["body"] for item in second.items)
