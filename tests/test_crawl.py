"""`scrapy crawl <portal>` against the replicas, as a maintainer runs it: every report once, nothing else.

Each crawl is a subprocess (`NIANBAO_REPLICA=... scrapy crawl <portal> -O out.jsonl`) with the
throttle off; items are compared with `replica.manifest()` for the same replica. A second replica
publishes real reports from ../shared written into a reports folder at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
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
def reports_server(reports_dir):
    with replica.ReplicaServer(reports_dir=reports_dir) as server:
        yield server


@pytest.fixture(scope="module")
def plain_crawls(plain_server, tmp_path_factory) -> dict[str, Crawl]:
    workdir = tmp_path_factory.mktemp("plain")
    return {portal: crawl(portal, plain_server.url, workdir) for portal in PORTALS}


@pytest.fixture(scope="module")
def reports_crawls(reports_server, tmp_path_factory) -> dict[str, Crawl]:
    workdir = tmp_path_factory.mktemp("with-reports")
    return {portal: crawl(portal, reports_server.url, workdir) for portal in PORTALS}


@pytest.mark.parametrize("portal", PORTALS)
def test_crawl_finds_every_report_of_the_manifest_once(portal, plain_crawls):
    result = plain_crawls[portal]
    assert_clean(result)
    assert_matches_manifest(result, replica.manifest(), portal)
    assert result.stat("nianbao/skipped/not_report") > 0, "the replica's lists mix in other articles"
    assert result.stat("nianbao/empty_list_page") == 0, result.log[-3000:]


@pytest.mark.parametrize("portal", PORTALS)
def test_crawl_publishes_reports_written_at_run_time(portal, reports_crawls, reports_dir):
    result = reports_crawls[portal]
    assert_clean(result)
    manifest = replica.manifest(reports_dir=reports_dir)
    assert_matches_manifest(result, manifest, portal)
    files = {m["url"]: m["file"] for m in manifest if m["portal"] == portal and m.get("file")}
    assert files, "the reports folder adds reports to every portal"
    yielded = {item["url"] for item in result.items}
    assert set(files) <= yielded
    for item in result.items:
        if files.get(item["url"], "").endswith(".pdf"):
            assert item["kind"] == "attachment"
            import base64

            assert base64.b64decode(item["body"]).startswith(b"%PDF")


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
    # Later requests pass with the copied cookies: far fewer browser pages than requests.
    assert dongguan.stat("playwright/request_count/navigation") <= dongguan.stat("nianbao/challenge/seen")
    assert dongguan.stat("downloader/response_count") > 10 * max(1, dongguan.stat("nianbao/challenge/seen"))


@pytest.mark.parametrize("portal", PORTALS)
def test_a_changed_list_layout_is_a_warning_naming_portal_and_url(portal, tmp_path):
    with replica.ReplicaServer(break_portal=portal) as server:
        result = crawl(portal, server.url, tmp_path)
    assert_clean(result)
    assert result.stat("nianbao/empty_list_page") >= 1
    warnings = [line for line in result.log.splitlines() if "yielded no reports" in line]
    assert warnings and all(f"{portal}: list page https://" in line for line in warnings)
