"""Scrapy's own commands in this project, against the replicas: `scrapy shell` answers (plain
fetches: the browser's handler would hang it) and `scrapy check` runs the platform bases' contracts
on a portal of each platform."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler import registry
from replica import ReplicaServer
from replica_fixtures import THE_FIVE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(portals=THE_FIVE) as replica:
        yield replica


def scrapy(*args: str, replica: str, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "NIANBAO_REPLICA": replica}
    env.pop("NIANBAO_DB", None)
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_scrapy_shell_fetches_a_portal_page_within_ten_seconds(server):
    url = registry.get("changshou").start[0]
    started = time.monotonic()
    result = scrapy("shell", url, "-c", "response.status", replica=server.url, timeout=60)
    assert result.stdout.strip() == "200", result.stderr[-2000:]
    assert time.monotonic() - started < 10


def test_scrapy_check_runs_a_contract_on_a_portal_of_each_platform(server):
    portals = {registry.get(name).platform: name for name in THE_FIVE}
    assert len(portals) == 5, "the five portals stand for the five platforms"
    result = scrapy("check", *portals.values(), replica=server.url, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    ran = int(re.search(r"Ran (\d+) contracts?", result.stderr).group(1))
    assert ran >= len(portals) and result.stderr.rstrip().endswith("OK")



def test_scrapy_check_of_the_generic_platform_spiders_needs_no_start_url(server):
    from crawler.platforms import BASES

    result = scrapy("check", *BASES, replica=server.url, timeout=300)
    assert "needs -a start_url" not in result.stderr
    assert result.returncode == 0, result.stderr[-3000:]


def test_scrapy_crawl_of_a_generic_platform_spider_still_asks_for_its_start_url(server):
    result = scrapy("crawl", "trs", replica=server.url, timeout=120)
    assert result.returncode != 0
    assert "scrapy crawl trs needs -a start_url=URL" in result.stderr
